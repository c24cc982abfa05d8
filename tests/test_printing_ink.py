"""Ink under every printed character: each document rendered to an image (pypdfium2), each glyph's box
on the page compared with a render of that character alone. A character whose chosen glyph is empty
(WenQuanYi maps ǚ ℃ Ⅴ Ⅹ to glyphs without contours) would print as a blank and fail here."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pypdfium2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from printing_fixtures import EXT_B_CHAR, build_test_font, page_chars
from reportlab.pdfgen.canvas import Canvas

import printing.fonts as fonts
from printing import specimens
from printing.data import CopyKind, OrgKind
from printing.documents import document_pdf
from printing.fonts import BUNDLED_FONTS, FontChain, FontSource, ink_coverage
from signing.keys import WindowSigner

SIGNER = WindowSigner("W01-INK001", Ed25519PrivateKey.generate())
SCALE = 200 / 72  # pixels per point
DARK = 160  # a pixel darker than this is ink
EMPTY_IN_WQY = "ǎǐǒǔǘǚǜˊˋ‾℃℉ⅤⅩ∼\u212b"
PUNCTUATION = "（），、；：“”《》——……·"


def _tricky_specimens(ext_b: str) -> dict[str, object]:
    """Every document kind, its fields holding ǚ ℃ Ⅴ Ⅹ, Extension A and B characters and full-width punctuation."""
    name = f"上海市长宁区䶮{ext_b}文化促进会"
    person = f"王{ext_b}䶮"
    address = f"上海市长宁区Lǚ Bǎn Lù 1320号（原第Ⅹ幢），−5℃冷库旁；“甲”区《乙》室"
    scope = (f"附件Ⅴ：冷链储存−5℃（原件第Ⅹ页）；组织ǎǐǒǔǘǚǜ、ˊˋ拼音教学；测量1\u212b与‾∼；"
             f"开展{ext_b}䶮字研究——交流……")
    items = (f"附件Ⅴ：温度记录−5℃（原件第Ⅹ页）", f"“{ext_b}”字的释读《说明》", "ǚ、ǜ拼音标注；：……")
    cert = {"name": name, "representative": person, "address": address, "business_scope": scope,
            "sponsor": "上海市长宁区教育局（Ⅴ处）", "activity_area": "上海市长宁区（含Ⅹ区）"}
    return {
        "certificate_social_group_original": specimens.certificate(OrgKind.SOCIAL_GROUP, CopyKind.ORIGINAL, **cert),
        "certificate_social_group_duplicate": specimens.certificate(OrgKind.SOCIAL_GROUP, CopyKind.DUPLICATE, **cert),
        "certificate_private_non_enterprise_original": specimens.certificate(
            OrgKind.PRIVATE_NON_ENTERPRISE, CopyKind.ORIGINAL, **cert),
        "certificate_private_non_enterprise_duplicate": specimens.certificate(
            OrgKind.PRIVATE_NON_ENTERPRISE, CopyKind.DUPLICATE, **cert),
        "receipt": specimens.receipt(applicant=person, organization_name=name, materials=items),
        "correction_notice": specimens.correction_notice(applicant=person, organization_name=name, missing_items=items),
        "rejection_notice": specimens.rejection_notice(applicant=person, organization_name=name, reasons=items),
        "collection_receipt": specimens.collection_receipt(organization_name=name, collector_name=person),
        "name_check_slip": specimens.name_check_slip(applicant=person, proposed_name=name, notes=items),
    }


def _dark_pixels(image, box: tuple[int, int, int, int]) -> int:
    return sum(image.crop(box).histogram()[:DARK])


@cache
def _alone(font_name: str, size: float, ch: str) -> int:
    """Ink (dark pixels) of ``ch`` drawn alone with ``font_name`` at ``size`` pt."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(size * 4, size * 4))
    canvas.setFont(font_name, size)
    canvas.drawString(size, size * 1.5, ch)
    canvas.save()
    image = pypdfium2.PdfDocument(buffer.getvalue())[0].render(scale=SCALE).to_pil().convert("L")
    return _dark_pixels(image, (0, 0, image.width, image.height))


def ink_problems(pdf: bytes, chain: FontChain, page: int = 0) -> list[str]:
    """Characters of the page whose box holds less than half the ink of the same glyph drawn alone."""
    image = pypdfium2.PdfDocument(pdf)[page].render(scale=SCALE).to_pil().convert("L")
    problems = []
    for c in page_chars(pdf, page):
        ch = c["text"]
        if ch.isspace():
            continue
        font = chain.font_for(ch)
        alone = _alone(font.name, round(c["size"], 2), ch) if font is not None else 0
        box = (int(c["x0"] * SCALE) - 1, int(c["top"] * SCALE) - 1, int(c["x1"] * SCALE) + 2, int(c["bottom"] * SCALE) + 2)
        on_page = _dark_pixels(image, box)
        if alone == 0 or on_page < alone / 2:
            problems.append(f"{ch} U+{ord(ch):04X} ({c['fontname']}, {c['size']:.1f} pt): {on_page} px on the page, "
                            f"{alone} px alone")
    return problems


def build_empty_glyph_font(path: Path, chars: str) -> Path:
    """A TrueType font that maps ``chars`` to glyphs without contours, as WenQuanYi does for ǚ ℃ Ⅴ Ⅹ."""
    names = [".notdef"] + [f"u{ord(c):X}" for c in chars]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): f"u{ord(c):X}" for c in chars})
    fb.setupGlyf({n: TTGlyphPen(None).glyph() for n in names})
    fb.setupHorizontalMetrics({n: (1000, 0) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "SoregEmptyGlyphs", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    fb.save(str(path))
    return path


@pytest.fixture(scope="module")
def ext_b_font(tmp_path_factory) -> Path:
    return build_test_font(tmp_path_factory.mktemp("fonts") / "extb.ttf", EXT_B_CHAR)


def _chain(*first: Path, ext_b: Path) -> FontChain:
    return FontChain([*(FontSource(p) for p in first), *(FontSource(p, s) for p, s in BUNDLED_FONTS), FontSource(ext_b)])


@pytest.mark.parametrize("name", list(_tricky_specimens(EXT_B_CHAR)))
def test_every_character_of_every_document_prints_with_ink(name, ext_b_font) -> None:
    chain = _chain(ext_b=ext_b_font)
    document = _tricky_specimens(EXT_B_CHAR)[name]
    pdf = document_pdf(document, signer=SIGNER, chain=chain)
    drawn = "".join(c["text"] for c in page_chars(pdf))
    values = "".join(document.values().values())
    tricky = [ch for ch in (*"ǚ℃ⅤⅩ䶮", EXT_B_CHAR, *PUNCTUATION) if ch in values]
    assert len(tricky) >= 4 and all(ch in drawn for ch in tricky), (name, tricky)
    assert ink_problems(pdf, chain) == []


def test_an_empty_glyph_first_in_the_chain_is_passed_over_for_one_with_ink(tmp_path, ext_b_font) -> None:
    empty = build_empty_glyph_font(tmp_path / "empty.ttf", EMPTY_IN_WQY + "（）、中")
    assert ink_coverage(empty).inked == frozenset()
    chain = _chain(empty, ext_b=ext_b_font)
    pdf = document_pdf(_tricky_specimens(EXT_B_CHAR)["certificate_social_group_duplicate"], signer=SIGNER, chain=chain)
    assert ink_problems(pdf, chain) == []
    drawn_with = {c["text"]: c["fontname"] for c in page_chars(pdf)}
    assert "DejaVuSans" in drawn_with["ǚ"] and "DejaVuSans" in drawn_with["℃"] and "WenQuanYi" in drawn_with["中"]


def test_the_ink_check_fails_when_the_chain_trusts_the_cmap(tmp_path, ext_b_font, monkeypatch) -> None:
    """What printing did before: coverage by cmap. The empty font, first in the chain, draws blanks."""
    empty = build_empty_glyph_font(tmp_path / "cmap-only.ttf", EMPTY_IN_WQY)

    def cmap_coverage(path: Path, subfont: int = 0) -> fonts.InkCoverage:
        from fontTools.ttLib import TTFont

        return fonts.InkCoverage(frozenset(TTFont(str(path), fontNumber=subfont).getBestCmap()), frozenset())

    monkeypatch.setattr(fonts, "ink_coverage", cmap_coverage)
    chain = _chain(empty, ext_b=ext_b_font)
    pdf = document_pdf(_tricky_specimens(EXT_B_CHAR)["certificate_social_group_duplicate"], signer=SIGNER, chain=chain)
    blank = {problem[0] for problem in ink_problems(pdf, chain)}
    assert {"ǚ", "℃", "Ⅴ", "Ⅹ"} <= blank


def test_wenquanyi_empty_glyphs_are_not_counted_as_coverage() -> None:
    wqy, _subfont = BUNDLED_FONTS[0]
    inked = ink_coverage(wqy).inked
    assert not any(ord(ch) in inked for ch in EMPTY_IN_WQY)
    assert all(ord(ch) in inked for ch in "中文ABC123" + PUNCTUATION)


def test_a_composite_glyph_counts_only_if_a_component_has_contours(tmp_path) -> None:
    from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphComponent

    fb = FontBuilder(1000, isTTF=True)
    names = [".notdef", "box", "empty", "A", "B"]
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord("A"): "A", ord("B"): "B"})
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((0, 500))
    pen.lineTo((500, 500))
    pen.closePath()

    def composite(of: str) -> Glyph:
        glyph = Glyph()
        glyph.numberOfContours = -1
        component = GlyphComponent()
        component.glyphName, component.x, component.y, component.flags = of, 0, 0, 0x0002
        glyph.components = [component]
        return glyph

    fb.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "box": pen.glyph(), "empty": TTGlyphPen(None).glyph(),
                  "A": composite("box"), "B": composite("empty")})
    fb.setupHorizontalMetrics({n: (600, 0) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "SoregComposite", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(tmp_path / "composite.ttf"))
    assert ink_coverage(tmp_path / "composite.ttf").inked == frozenset({ord("A")})
