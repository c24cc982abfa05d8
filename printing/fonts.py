"""Font chain (字体链): which embedded TrueType font draws each character of a printed field.

reportlab does no font fallback, so text is split into runs, each drawn with the first font in
the chain that has *ink* for the character: a glyph with contours (or a composite of such), not
merely a cmap entry — WenQuanYi Micro Hei maps ǚ ℃ Ⅴ Ⅹ to empty glyphs, which would print blank.
The chain is the bundled WenQuanYi Micro Hei (Latin, common hanzi), Droid Sans Fallback Full (CJK
Extension A, e.g. 䶮) and DejaVu Sans (pinyin tone letters, ℃, Roman numerals), then Extension B
fonts found on the machine (sans faces first), then fonts given explicitly.

Only the first font is opened up front; each further font is opened (its ink coverage read with
fontTools, once per font file and process) only when some character is not in the fonts before
it, so a document without Extension B text never loads a 50 MB Extension B font. A character that
no font can draw stops the print with a message naming it and its field: never a blank. Only
TrueType outlines are used, because reportlab embeds (subsets) only those.
"""

from __future__ import annotations

import os
import re
import struct
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
    (FONT_FOLDER / "DejaVuSans.ttf", 0),
)
# File names of TrueType fonts with CJK Extension B glyphs, looked for in the machine's font folders:
# 遍黑体 Plangothic (sans), Windows SimSun-ExtB, BabelStone Han, HanaMin (serif faces).
EXT_B_FONT_FILES = ("PlangothicP1-Regular.ttf", "PlangothicP2-Regular.ttf", "simsunb.ttf", "BabelStoneHan.ttf",
                    "HanaMinB.ttf", "HanaMinA.ttf")
SANS_FAMILY = re.compile(r"sans|gothic|hei|黑", re.IGNORECASE)
_COMPOSITE_MORE, _COMPOSITE_WORDS = 0x0020, 0x0001
_COMPOSITE_SCALES = ((0x0008, 2), (0x0040, 4), (0x0080, 8))


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


@dataclass(frozen=True)
class InkCoverage:
    """What fontTools reads from a font file: the code points whose glyph draws something, and the
    white space it maps (blank by nature)."""

    inked: frozenset[int] = field(repr=False)
    spaces: frozenset[int]


def _inked_glyphs(info: FontToolsFont) -> list[bool]:
    """For each glyph id, whether it has contours, or is a composite of glyphs that have them.

    Read from the raw ``glyf`` bytes and ``loca`` offsets: an empty glyph has no bytes or no
    contours; a composite is followed through its components.
    """
    offsets = list(info["loca"])
    raw = info.reader["glyf"]
    count = len(offsets) - 1
    memo: dict[int, bool] = {}

    def inked(gid: int, depth: int = 0) -> bool:
        if gid in memo:
            return memo[gid]
        start, end = (offsets[gid], offsets[gid + 1]) if 0 <= gid < count else (0, 0)
        result = False
        if end - start >= 10 and depth < 16:
            contours = struct.unpack_from(">h", raw, start)[0]
            if contours > 0:
                result = True
            elif contours < 0:  # composite: flags, glyph index, arguments, optional scale, per component
                at = start + 10
                while at + 4 <= end:
                    flags, component = struct.unpack_from(">HH", raw, at)
                    if inked(component, depth + 1):
                        result = True
                        break
                    at += 4 + (4 if flags & _COMPOSITE_WORDS else 2)
                    at += next((size for bit, size in _COMPOSITE_SCALES if flags & bit), 0)
                    if not flags & _COMPOSITE_MORE:
                        break
        memo[gid] = result
        return result

    return [inked(gid) for gid in range(count)]


@cache
def ink_coverage(path: Path, subfont: int = 0) -> InkCoverage:
    """The code points that font ``path`` (``subfont`` of a collection) draws with ink; read once per file."""
    try:
        info = FontToolsFont(str(path), fontNumber=subfont, lazy=True)
    except (OSError, TTLibError) as exc:
        raise SoregError(f"无法读取字体文件 {path}（{exc.__class__.__name__}），请检查文件是否完整。", field="字体") from exc
    try:
        if "glyf" not in info:
            raise SoregError(f"字体 {path.name} 不是 TrueType 轮廓字体，无法嵌入 PDF。", field="字体")
        order = {name: gid for gid, name in enumerate(info.getGlyphOrder())}
        inked = _inked_glyphs(info)
        cmap = info.getBestCmap() or {}
        spaces = frozenset(cp for cp in cmap if chr(cp).isspace())
        return InkCoverage(frozenset(cp for cp, name in cmap.items() if inked[order[name]]), spaces)
    except (KeyError, struct.error, TTLibError) as exc:
        raise SoregError(f"字体文件 {path.name} 已损坏（{exc.__class__.__name__}），请重新安装该字体。", field="字体") from exc
    finally:
        info.close()


@dataclass(frozen=True, eq=False)
class ChainFont:
    """One registered font: its reportlab name, the characters it draws (with ink, or white space) and its descent."""

    name: str
    path: Path
    coverage: frozenset[int] = field(repr=False)
    descent: float  # below the baseline, in units of the font size (negative)

    def char_width(self, ch: str) -> float:
        """Advance width of ``ch`` at font size 1."""
        return pdfmetrics.stringWidth(ch, self.name, 1.0)


@cache
def register_font(path: Path, subfont: int = 0) -> ChainFont:
    """Register a TrueType font with reportlab once per process, with its ink coverage."""
    ink = ink_coverage(path, subfont)
    name = f"soreg-{path.stem}-{subfont}"
    if name in pdfmetrics.getRegisteredFontNames():  # another file with the same name (tests)
        name = f"{name}-{len(pdfmetrics.getRegisteredFontNames())}"
    try:
        font = TTFont(name, str(path), subfontIndex=subfont)
    except (OSError, TTFError) as exc:
        raise SoregError(f"无法读取字体文件 {path}（{exc.__class__.__name__}），请检查文件是否完整。", field="字体") from exc
    pdfmetrics.registerFont(font)
    return ChainFont(name=name, path=path, coverage=ink.inked | ink.spaces, descent=font.face.descent / 1000.0)


def _font_folders() -> list[Path]:
    if sys.platform == "win32":
        return [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts",
                Path(os.environ.get("LOCALAPPDATA", "")) / "Microsoft" / "Windows" / "Fonts"]
    home = Path.home()
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".local/share/fonts",
            home / ".fonts", Path("/Library/Fonts"), home / "Library/Fonts"]


def _is_sans(path: Path) -> bool:
    """Whether the font's family name says it is a sans face (黑体, Gothic, Sans)."""
    try:
        info = FontToolsFont(str(path), lazy=True)
        family = info["name"].getBestFamilyName() or ""
        info.close()
    except (OSError, KeyError, TTLibError):
        return False
    return bool(SANS_FAMILY.search(family))


@cache
def machine_ext_b_fonts() -> tuple[Path, ...]:
    """Extension B fonts installed on this machine: sans faces first, then in the order of EXT_B_FONT_FILES."""
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
    return tuple(found[k] for k in sorted(found, key=lambda k: (not _is_sans(found[k]), wanted[k])))


@dataclass(frozen=True)
class FontSource:
    """Where a chain font comes from; ``optional`` fonts (found on the machine) are skipped if unreadable."""

    path: Path
    subfont: int = 0
    optional: bool = False


MACHINE_EXT_B = None  # in a chain's source list: the machine's Extension B fonts, looked for when needed


class FontChain:
    """An ordered list of fonts; each character is drawn with the first font that has ink for it.

    Fonts after the first are opened only when a character is not in the fonts before them.
    """

    def __init__(self, sources: Iterable[FontSource | None]) -> None:
        self._pending: list[FontSource | None] = list(sources)
        if not self._pending or self._pending[0] is None:
            raise SoregError("没有可用的字体，无法打印。", field="字体")
        self.fonts: list[ChainFont] = []
        self._font_of: dict[str, ChainFont | None] = {}
        self._width: dict[tuple[str, str], float] = {}
        if not self._open_next():
            raise SoregError("没有可用的字体，无法打印。", field="字体")
        self.primary = self.fonts[0]

    def _open_next(self) -> bool:
        """Open the next pending font; False when none is left."""
        while self._pending:
            source = self._pending.pop(0)
            if source is MACHINE_EXT_B:
                self._pending[:0] = [FontSource(p, optional=True) for p in machine_ext_b_fonts()]
                continue
            try:
                self.fonts.append(register_font(source.path, source.subfont))
                return True
            except SoregError:
                if not source.optional:
                    raise
                # a broken or CFF-outline font found on the machine is skipped, not fatal
        return False

    def font_for(self, ch: str) -> ChainFont | None:
        try:
            return self._font_of[ch]
        except KeyError:
            cp = ord(ch)
            font = next((f for f in self.fonts if cp in f.coverage), None)
            while font is None and self._open_next():
                font = self.fonts[-1] if cp in self.fonts[-1].coverage else None
            self._font_of[ch] = font
            return font

    def check(self, text: str, field: str) -> None:
        """Refuse ``text`` if any character has no inked glyph in any font of the chain."""
        for ch in text:
            if not ch.isspace() and self.font_for(ch) is None:
                raise SoregError(
                    f"“{field}”中的字“{ch}”（U+{ord(ch):04X}）在本机所有字体中都没有字形，打印出来会是空白。"
                    f"请安装含该字的字体（如 Windows 的 SimSun-ExtB、Linux 的 BabelStone Han），或更正“{field}”。",
                    field=field,
                )

    def runs(self, text: str, field: str) -> list[tuple[ChainFont, str]]:
        """``text`` split into (font, substring) runs by ink coverage."""
        self.check(text, field)
        runs: list[tuple[ChainFont, str]] = []
        for ch in text:
            font = self.font_for(ch) or (runs[-1][0] if runs else self.primary)  # an unmapped space: blank anyway
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
    sources: list[FontSource | None] = [FontSource(path, subfont) for path, subfont in BUNDLED_FONTS]
    if discover:
        sources.append(MACHINE_EXT_B)
    sources += [FontSource(p) for p in extra]
    return FontChain(sources)


def font_chain(extra: Sequence[Path] = (), *, discover: bool = True) -> FontChain:
    """The bundled fonts, then (if ``discover``) the machine's Extension B fonts, then ``extra``."""
    return _chain(tuple(Path(p) for p in extra), discover)
