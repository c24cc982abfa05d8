"""Font chain (字体链): which embedded TrueType font draws each character of a printed field.

reportlab does no font fallback, so text is split into runs, each drawn with the first font in
the chain whose cmap has the character: the bundled WenQuanYi Micro Hei (Latin, common hanzi),
then Droid Sans Fallback Full (CJK Extension A, e.g. 䶮), then Extension B fonts found on the
machine (Windows SimSun-ExtB, Linux BabelStone Han or HanaMin), then fonts given explicitly.
A character that no font has stops the print with a message naming it: a certificate must never
show a blank box. Only TrueType outlines are used, because reportlab embeds (subsets) only those.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont as FontToolsFont
from fontTools.ttLib import TTLibError
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from models.errors import SoregError
from models.reference import RESOURCES

FONT_FOLDER = RESOURCES / "fonts"
BUNDLED_FONTS: tuple[tuple[Path, int], ...] = (
    (FONT_FOLDER / "wqy-microhei.ttc", 0),
    (FONT_FOLDER / "DroidSansFallbackFull.ttf", 0),
)
# File names of TrueType fonts with CJK Extension B glyphs, looked for in the machine's font folders.
EXT_B_FONT_FILES = ("simsunb.ttf", "BabelStoneHan.ttf", "HanaMinB.ttf", "HanaMinA.ttf")


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap, with code points beyond U+FFFF written as UTF-16 surrogate pairs.

    reportlab writes ``<%04X>`` for every code point, which for 𠈌 (U+2020C) gives the odd-length
    ``<2020C>`` that PDF readers reject, so copying or searching the printed name would fail.
    """
    entries = [f"<{i:02X}> <{chr(cp).encode('utf-16-be').hex().upper()}>" for i, cp in enumerate(subset)]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>", "endcodespacerange", f"{len(subset)} beginbfchar",
        *entries, "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ])


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@dataclass(frozen=True, eq=False)
class ChainFont:
    """One registered font: its reportlab name, the characters it covers and its descent."""

    name: str
    path: Path
    coverage: frozenset[int] = field(repr=False)
    descent: float  # below the baseline, in units of the font size (negative)

    def char_width(self, ch: str) -> float:
        """Advance width of ``ch`` at font size 1."""
        return pdfmetrics.stringWidth(ch, self.name, 1.0)


@cache
def register_font(path: Path, subfont: int = 0) -> ChainFont:
    """Register a TrueType font with reportlab once per process and read its coverage."""
    try:
        info = FontToolsFont(str(path), fontNumber=subfont, lazy=True)
        if "glyf" not in info:
            raise SoregError(f"字体 {path.name} 不是 TrueType 轮廓字体，无法嵌入 PDF。", field="字体")
        coverage = frozenset(info.getBestCmap() or ())
        info.close()
        name = f"soreg-{path.stem}-{subfont}"
        font = TTFont(name, str(path), subfontIndex=subfont)
    except (OSError, TTLibError, TTFError) as exc:
        raise SoregError(f"无法读取字体文件 {path}（{exc.__class__.__name__}），请检查文件是否完整。", field="字体") from exc
    pdfmetrics.registerFont(font)
    return ChainFont(name=name, path=path, coverage=coverage, descent=font.face.descent / 1000.0)


def _font_folders() -> list[Path]:
    if sys.platform == "win32":
        return [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts",
                Path(os.environ.get("LOCALAPPDATA", "")) / "Microsoft" / "Windows" / "Fonts"]
    home = Path.home()
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".local/share/fonts",
            home / ".fonts", Path("/Library/Fonts"), home / "Library/Fonts"]


@cache
def machine_ext_b_fonts() -> tuple[Path, ...]:
    """Extension B fonts installed on this machine, in the order of EXT_B_FONT_FILES."""
    wanted = {n.lower(): i for i, n in enumerate(EXT_B_FONT_FILES)}
    found: dict[str, Path] = {}
    for folder in _font_folders():
        if not folder.is_dir():
            continue
        for root, _dirs, files in os.walk(folder):
            for f in files:
                key = f.lower()
                if key in wanted and key not in found:
                    found[key] = Path(root) / f
    return tuple(found[k] for k in sorted(found, key=wanted.__getitem__))


class FontChain:
    """An ordered list of fonts; each character is drawn with the first font that has it."""

    def __init__(self, fonts: Iterable[ChainFont]) -> None:
        self.fonts: tuple[ChainFont, ...] = tuple(fonts)
        if not self.fonts:
            raise SoregError("没有可用的字体，无法打印。", field="字体")
        self.primary = self.fonts[0]
        self._font_of: dict[str, ChainFont | None] = {}
        self._width: dict[tuple[str, str], float] = {}

    def font_for(self, ch: str) -> ChainFont | None:
        try:
            return self._font_of[ch]
        except KeyError:
            cp = ord(ch)
            font = next((f for f in self.fonts if cp in f.coverage), None)
            self._font_of[ch] = font
            return font

    def check(self, text: str, field: str) -> None:
        """Refuse ``text`` if any character has no glyph in any font of the chain."""
        for ch in text:
            if ch != "\n" and self.font_for(ch) is None:
                raise SoregError(
                    f"“{field}”中的字“{ch}”（U+{ord(ch):04X}）在本机所有字体中都没有字形，打印出来会是空白。"
                    f"请安装含该字的字体（如 Windows 的 SimSun-ExtB、Linux 的 BabelStone Han），或更正“{field}”。",
                    field=field,
                )

    def runs(self, text: str, field: str) -> list[tuple[ChainFont, str]]:
        """``text`` split into (font, substring) runs by glyph coverage."""
        self.check(text, field)
        runs: list[tuple[ChainFont, str]] = []
        for ch in text:
            font = self.font_for(ch)
            if runs and runs[-1][0] is font:
                runs[-1] = (font, runs[-1][1] + ch)
            else:
                runs.append((font, ch))  # type: ignore[arg-type]
        return runs

    def char_width(self, ch: str) -> float:
        """Advance width of ``ch`` at font size 1, in the font that draws it."""
        font = self.font_for(ch)
        if font is None:
            return 0.0
        key = (font.name, ch)
        width = self._width.get(key)
        if width is None:
            width = self._width[key] = font.char_width(ch)
        return width

    def text_width(self, text: str) -> float:
        return sum(self.char_width(ch) for ch in text)


@cache
def _chain(extra: tuple[Path, ...], discover: bool) -> FontChain:
    paths = [*BUNDLED_FONTS]
    if discover:
        paths += [(p, 0) for p in machine_ext_b_fonts()]
    paths += [(p, 0) for p in extra]
    fonts = []
    for path, subfont in paths:
        try:
            fonts.append(register_font(path, subfont))
        except SoregError:
            if (path, subfont) in BUNDLED_FONTS or path in extra:
                raise
            # A broken or CFF-outline font found on the machine is skipped, not fatal.
    return FontChain(fonts)


def font_chain(extra: Sequence[Path] = (), *, discover: bool = True) -> FontChain:
    """The bundled fonts, then (if ``discover``) the machine's Extension B fonts, then ``extra``."""
    return _chain(tuple(Path(p) for p in extra), discover)
