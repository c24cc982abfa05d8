"""Helpers for the printing and QR tests: a tiny Extension B font, a file keyring, PDF inspection."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import pdfplumber
import pypdf
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

EXT_B_CHAR = "𠈌"  # U+2020C
MISSING_CHAR = "𰻞"  # U+30EDE (biáng, Extension G): in none of the bundled fonts or the test font


def build_test_font(path: Path, chars: str, family: str = "SoregTestExtB") -> Path:
    """A TrueType font with a square glyph for each of ``chars`` (nothing else)."""
    names = [".notdef"] + [f"u{ord(c):X}" for c in chars]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): f"u{ord(c):X}" for c in chars})
    glyphs = {}
    for name in names:
        pen = TTGlyphPen(None)
        pen.moveTo((100, -100))
        pen.lineTo((100, 800))
        pen.lineTo((900, 800))
        pen.lineTo((900, -100))
        pen.closePath()
        glyphs[name] = pen.glyph()
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({n: (1000, 100) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    fb.save(str(path))
    return path


@contextmanager
def file_keyring(folder: Path, monkeypatch) -> Iterator[keyring.backend.KeyringBackend]:
    """keyrings.alt's plain-file keyring in ``folder``, explicitly allowed for the duration."""
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(folder / "keyring_pass.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("SOREG_ALLOW_FILE_KEYRING", "1")
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def page_chars(pdf: bytes, page: int = 0) -> list[dict]:
    """The characters of a page in drawing order, with positions in points from the top-left."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return list(doc.pages[page].chars)


def stream_text(pdf: bytes, page: int = 0) -> str:
    """All characters of a page in drawing order, no whitespace: each field's text is contiguous."""
    return "".join(c["text"] for c in page_chars(pdf, page) if not c["text"].isspace())


def fonts_without_embedding(pdf: bytes) -> list[str]:
    """Names of fonts in the PDF that carry no embedded TrueType program (/FontFile2)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    missing = []
    seen = 0
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            seen += 1
            descriptor = font.get("/FontDescriptor")
            if font.get("/Subtype") == "/Type0":
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if "/FontFile2" not in descriptor:
                missing.append(str(font.get("/BaseFont")))
    assert seen, "the PDF has no fonts at all"
    return missing


def text_lines(pdf: bytes, page: int = 0) -> list[str]:
    """The page's text as pdfplumber lays it out in rows, without spaces (label and value on one row)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return ["".join(line.split()) for line in doc.pages[page].extract_text().splitlines()]


PT_PER_MM = 72 / 25.4


def chars_in_box(pdf: bytes, box, page: int = 0) -> list[dict]:
    """Characters whose centre lies inside ``box`` (a templates.Box in mm from the top-left)."""
    def inside(c: dict) -> bool:
        x = (c["x0"] + c["x1"]) / 2 / PT_PER_MM
        y = (c["top"] + c["bottom"]) / 2 / PT_PER_MM
        return box.x <= x <= box.x + box.width and box.y <= y <= box.y + box.height
    return [c for c in page_chars(pdf, page) if inside(c)]
