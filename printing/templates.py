"""Print templates (套打模板): page size and the box of every printed element, in resources/templates.

Positions are millimetres from the top-left corner of the sheet. ``fields`` are the variable text
printed in both modes; ``static`` elements (frame, title, labels, "中华人民共和国民政部监制") are
already on the pre-printed stock and are drawn only in "full" mode. Every text is a format
string over the document's values, e.g. ``"{name}"`` or ``"印制号：{serial}"``.

A template may say ``"extends": "<other>"``: it is then the other template with these keys
merged over it (objects merged key by key, ``null`` removes an element).

``"stock": true`` marks a document printed on pre-printed stock (the certificates): only those may
be printed in overlay mode (套打). A text whose placeholders are all empty is not printed (no
``印制号：`` without a serial), and the QR code's caption is printed only with the code. A
document whose list ``flow``s onto continuation pages places each element on the sheets its
``pages`` names: ``all``, ``first``, ``last`` or ``rest`` (every sheet but the first). A flowing
list with ``columns`` is a ruled table (表格): its value is ``table_text(rows)``, a row per line and
a tab between cells; each cell wraps in its column and the header row is repeated on every sheet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from models.errors import SoregError
from models.reference import RESOURCES

TEMPLATE_FOLDER = RESOURCES / "templates"
Align = Literal["left", "center", "right"]
ALIGNMENTS = ("left", "center", "right")
Pages = Literal["all", "first", "last", "rest"]
PAGES = ("all", "first", "last", "rest")
CELL_SEPARATOR = "\t"
CELL_LINE_BREAK = "\u2028"  # a line break inside a cell (LINE SEPARATOR): rows are split on "\n"


def table_text(rows: Sequence[Sequence[str]]) -> str:
    """The value of a table field: one line per row, cells separated by a tab; a cell's own line
    breaks are kept (as CELL_LINE_BREAK), its other runs of white space become one space."""
    return "\n".join(CELL_SEPARATOR.join(CELL_LINE_BREAK.join(" ".join(line.split()) for line in cell.splitlines())
                                         for cell in row) for row in rows)


def table_cells(text: str) -> list[list[str]]:
    """The rows of a table field's value, each a list of its cells (with their line breaks)."""
    return [[cell.replace(CELL_LINE_BREAK, "\n") for cell in line.split(CELL_SEPARATOR)]
            for line in text.split("\n") if line.strip()]


@dataclass(frozen=True)
class Box:
    """A rectangle in mm from the sheet's top-left corner."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Column:
    """A table column: its header (表头) and width in mm."""

    title: str
    width: float


@dataclass(frozen=True)
class TextSpec:
    """A text box: ``text`` is formatted with the document's values, then fitted into ``box``.

    Single-line text (``wrap`` false) is centred vertically and shrunk until it fits the width;
    wrapped text starts at the top and is shrunk until all its lines fit the height, never below
    ``min_font_size``. ``max_lines`` caps the lines (0: no cap); ``fewest_lines`` takes one line at
    any size down to the minimum before two (the 名称). A ``flow`` text (a long list) that does not
    fit at its minimum size runs on at that size into the ``continued`` box of further sheets.
    """

    key: str
    label: str  # the field's Chinese name, for messages
    text: str
    box: Box
    font_size: float
    min_font_size: float
    align: Align
    wrap: bool
    line_spacing: float
    max_lines: int = 0
    fewest_lines: bool = False
    continued: Box | None = None  # a flowing text's box on the sheets after the first
    pages: Pages = "all"
    columns: tuple[Column, ...] = ()  # a table's columns, left to right (their widths fill the box)


@dataclass(frozen=True)
class Rule:
    """A stroked rectangle (frame) or line, only in full mode."""

    kind: Literal["rect", "line"]
    box: Box  # for a line: from (x, y) to (x + width, y + height)
    line_width: float
    pages: Pages = "all"


@dataclass(frozen=True)
class QrSpec:
    """Where the signed QR code goes (a square), and the caption printed with it."""

    box: Box
    caption: TextSpec | None
    pages: Pages = "last"


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    page_width: float
    page_height: float
    fields: tuple[TextSpec, ...]
    static_texts: tuple[TextSpec, ...]
    rules: tuple[Rule, ...]
    qr: QrSpec | None
    stock: bool = False  # printed on pre-printed stock: overlay mode (套打) applies

    @property
    def flow(self) -> TextSpec | None:
        """The field that runs on over continuation sheets, if any."""
        return next((f for f in self.fields if f.continued is not None), None)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _raw(name: str) -> dict[str, Any]:
    path = TEMPLATE_FOLDER / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SoregError(f"找不到打印模板 {path.name}，请检查安装是否完整。", field="模板") from None
    except json.JSONDecodeError as exc:
        raise SoregError(f"打印模板 {path.name} 格式错误（第 {exc.lineno} 行），请修正模板文件。", field="模板") from None
    parent = data.pop("extends", None)
    return _merge(_raw(parent), data) if parent else data


def _box(d: dict[str, Any]) -> Box:
    return Box(float(d["x"]), float(d["y"]), float(d["width"]), float(d["height"]))


def _pages(key: str, d: dict[str, Any]) -> Pages:
    pages = d.get("pages", "all")
    if pages not in PAGES:
        raise ValueError(f"{key}.pages 应为 {'、'.join(PAGES)}")
    return pages


def _text(key: str, d: dict[str, Any]) -> TextSpec:
    size = float(d.get("font_size", 12))
    if d.get("align", "left") not in ALIGNMENTS:
        raise ValueError(f"{key}.align 应为 {'、'.join(ALIGNMENTS)}")
    continued = d.get("continued")
    columns = tuple(Column(c["title"], float(c["width"])) for c in d.get("columns", ()))
    if columns and (continued is None or abs(sum(c.width for c in columns) - float(d["width"])) > 0.01):
        raise ValueError(f"{key}.columns 的宽度之和应等于 {key}.width，且表格须有 continued（续页位置）")
    return TextSpec(
        key=key,
        label=d.get("label", key),
        text=d["text"],
        box=_box(d),
        font_size=size,
        min_font_size=float(d.get("min_font_size", size)),
        align=d.get("align", "left"),
        wrap=bool(d.get("wrap", False)),
        line_spacing=float(d.get("line_spacing", 1.3)),
        max_lines=int(d.get("max_lines", 0)),
        fewest_lines=bool(d.get("fewest_lines", False)),
        continued=_box({**d, **continued}) if continued else None,
        pages=_pages(key, d),
        columns=columns,
    )


def _qr(d: dict[str, Any] | None) -> QrSpec | None:
    if not d:
        return None
    caption = d.get("caption")
    return QrSpec(box=_box({**d, "height": d["width"]}), caption=_text("qr_caption", caption) if caption else None,
                  pages=_pages("qr", {"pages": d.get("pages", "last")}))


@cache
def load_template(name: str) -> Template:
    """The template ``resources/templates/<name>.json``, with its ``extends`` chain resolved."""
    data = _raw(name)
    try:
        static = data.get("static", {})
        return Template(
            name=name,
            title=data["title"],
            page_width=float(data["page"]["width"]),
            page_height=float(data["page"]["height"]),
            fields=tuple(_text(k, v) for k, v in data["fields"].items()),
            static_texts=tuple(_text(k, v) for k, v in static.items() if "text" in v),
            rules=tuple(Rule(v["kind"], _box(v), float(v.get("line_width", 0.5)), _pages(k, v))
                        for k, v in static.items() if "kind" in v),
            qr=_qr(data.get("qr")),
            stock=bool(data.get("stock", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SoregError(f"打印模板 {name}.json 缺少或写错了项目 {exc}，请修正模板文件。", field="模板") from None


def stock_templates() -> tuple[str, ...]:
    """The names of the templates printed on pre-printed stock (the certificates)."""
    return tuple(sorted(p.stem for p in TEMPLATE_FOLDER.glob("*.json") if load_template(p.stem).stock))
