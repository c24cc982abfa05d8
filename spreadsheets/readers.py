"""Reading tables (表格) from .xlsx and .csv files, row by row, without loading the whole file.

``open_table`` gives the header and an iterator of data rows with their row numbers as the
clerk sees them in Excel (the header is row 1).

- .xlsx files are read with openpyxl in read-only mode, by each cell's cached value (what Excel
  last computed and shows). A formula cell that has no cached value (a file written by a
  program that does not compute formulas) is never read as empty: it comes as a
  ``FormulaWithoutValue`` naming the cell, for the caller to refuse.
- .csv files are read as UTF-8 (with or without a byte-order mark), else as GB18030, which
  includes GBK — the encoding of Excel's plain "CSV (逗号分隔)" on a Chinese Windows. Which
  one a file is in is decided on its first megabyte (charset-normalizer tells GB18030 text from
  Big5 or Shift-JIS, which would otherwise decode into nonsense); ``Table.encoding`` says which
  was used.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import SoregError

SUPPORTED = (".xlsx", ".csv")
SAMPLE_BYTES = 1 << 20
"""How much of a .csv file decides its encoding."""
GB18030 = "GB18030"
_CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "hz"}
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


@dataclass
class Table:
    """A header (stripped text), the data rows as (row number, values), an estimate of how many
    data rows there are (None if the file does not say), and the encoding a .csv file was read
    in (None for .xlsx)."""

    header: list[str]
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    estimated_rows: int | None
    encoding: str | None = None


@dataclass(frozen=True)
class FormulaWithoutValue:
    """The value of a formula cell that holds no computed result, e.g. ``C5``."""

    cell: str


def _header(values: tuple[Any, ...] | list[Any]) -> list[str]:
    return ["" if v is None or isinstance(v, FormulaWithoutValue) else str(v).strip() for v in values]


def _numbered(rows: Iterator, first: int = 2) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, values in enumerate(rows, start=first):
        if any(v not in (None, "") and (isinstance(v, FormulaWithoutValue) or str(v).strip()) for v in values):
            yield number, tuple(values)


def _numbered_text(rows: Iterator[tuple[str, ...]], first: int = 2) -> Iterator[tuple[int, tuple[str, ...]]]:
    """``_numbered`` for rows of text (.csv): a row is blank when its cells joined are blank."""
    for number, values in enumerate(rows, start=first):
        if "".join(values).strip():
            yield number, values


# ---- .xlsx ---------------------------------------------------------------------------------

def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of the file holds a formula: a byte scan, so that the common file
    without formulas is read once only."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as part:
                tail = b""
                for block in iter(lambda: part.read(SAMPLE_BYTES), b""):
                    if _FORMULA_TAG.search(tail + block):
                        return True
                    tail = block[-64:]
    return False


def _is_formula(value: Any) -> bool:
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    return (isinstance(value, str) and value.startswith("=")) or isinstance(value, ArrayFormula | DataTableFormula)


def _cached_values(values: Iterator[tuple], formulas: Iterator[tuple]) -> Iterator[tuple]:
    """The rows of cached values, with a FormulaWithoutValue where a formula has none. The two
    readers walk the same sheet; a text cell that starts with “=” has that text in both."""
    from openpyxl.utils import get_column_letter

    for number, (row, source) in enumerate(zip(values, formulas, strict=False), start=1):
        yield tuple(FormulaWithoutValue(f"{get_column_letter(i)}{number}")
                    if value is None and _is_formula(formula) else value
                    for i, (value, formula) in enumerate(zip(row, source, strict=False), start=1))


def _load(path: Path, *, data_only: bool):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise SoregError(f"无法读取 Excel 文件 {path.name}：文件已损坏或不是 .xlsx 格式（{exc.__class__.__name__}）。",
                         field="文件") from exc


@contextmanager
def _xlsx(path: Path) -> Iterator[Table]:
    try:
        formulas = _has_formulas(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SoregError(f"无法读取 Excel 文件 {path.name}：文件已损坏或不是 .xlsx 格式（{exc.__class__.__name__}）。",
                         field="文件") from exc
    books = [_load(path, data_only=True)] + ([_load(path, data_only=False)] if formulas else [])
    try:
        sheets = [book.worksheets[0] for book in books]
        rows = sheets[0].iter_rows(values_only=True)
        if formulas:
            rows = _cached_values(rows, sheets[1].iter_rows(values_only=True))
        header = next(rows, None)
        if header is None:
            raise SoregError(f"文件 {path.name} 的第一个工作表是空的，第 1 行应为表头。", field="文件")
        total = sheets[0].max_row - 1 if sheets[0].max_row else None
        yield Table(_header(header), _numbered(rows), total)
    finally:
        for book in books:
            book.close()


# ---- .csv ----------------------------------------------------------------------------------

def _sample(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(SAMPLE_BYTES)


def _decodes(sample: bytes, codec: str) -> bool:
    """Whether ``sample`` (perhaps cut inside a character at its end) is valid ``codec``."""
    try:
        codecs.getincrementaldecoder(codec)(errors="strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> tuple[str, str]:
    """(Python codec, name shown to the clerk) of a .csv file: UTF-8, else GB18030 (which
    includes GBK); anything else is refused, naming what the file looks like."""
    sample = _sample(path)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8"
    if _decodes(sample, "utf-8"):
        return "utf-8", "UTF-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    detected = best.encoding if best is not None else None
    if detected in _CHINESE_ENCODINGS or (detected is None and _decodes(sample, "gb18030")):
        return "gb18030", GB18030
    shown = f"（看来是 {detected.upper().replace('_', '-')}）" if detected else ""
    raise SoregError(
        f"文件 {path.name} 的编码既不是 UTF-8，也不是 GBK/GB18030{shown}：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入。",
        field="文件")


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))


def _decoded_rows(reader: Iterator[list[str]], path: Path, encoding: str) -> Iterator[tuple[str, ...]]:
    number = 0  # records read so far: the failing one is number + 1 (decoding runs ahead a little)
    try:
        for row in reader:
            number += 1
            yield tuple(row)
    except UnicodeDecodeError as exc:
        raise SoregError(
            f"文件 {path.name} 第 {number + 1} 行附近不是 {encoding} 编码（文件前部是 {encoding}），"
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入。",
            field="文件",
        ) from exc
    except csv.Error as exc:
        raise SoregError(f"文件 {path.name} 第 {number + 1} 行附近的 CSV 格式有误（{exc}）。", field="文件") from exc


@contextmanager
def _csv(path: Path) -> Iterator[Table]:
    codec, shown = detect_encoding(path)
    with path.open(encoding=codec, errors="strict", newline="") as fh:
        rows = _decoded_rows(csv.reader(fh), path, shown)
        header = next(rows, None)
        if header is None:
            raise SoregError(f"文件 {path.name} 是空的，第 1 行应为表头。", field="文件")
        yield Table(_header(header), _numbered_text(rows), max(_count_lines(path) - 1, 0), shown)


@contextmanager
def open_table(path: Path | str) -> Iterator[Table]:
    """Open a .xlsx or .csv file for reading row by row; closes it on exit."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise SoregError(f"不支持的文件类型“{path.suffix or '无扩展名'}”，请使用 .xlsx 或 .csv 文件。", field="文件")
    if not path.is_file():
        raise SoregError(f"找不到文件 {path}。", field="文件")
    opener = _xlsx if suffix == ".xlsx" else _csv
    with opener(path) as table:
        yield table
