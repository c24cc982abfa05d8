"""Overlay printing (套打): fields land in their template boxes after calibration; calibration rules."""

from __future__ import annotations

import pdfplumber
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from printing_fixtures import PT_PER_MM, fonts_without_embedding, page_chars
from sqlalchemy import select

from models.audit import AuditEvent
from models.errors import SoregError
from printing import specimens
from printing.calibration import Calibration, calibration_for_in, save_calibration_in
from printing.calibration_page import calibration_page_pdf, crosshair_positions
from printing.data import CopyKind, OrgKind
from printing.documents import document_pdf
from printing.fonts import font_chain
from printing.layout import first_baseline
from printing.render import PrintMode
from printing.templates import load_template
from signing.keys import WindowSigner

SIGNER = WindowSigner("W01-TEST01", Ed25519PrivateKey.generate())
TOLERANCE_MM = 0.5


def _field_chars(drawn: list[dict], text: str, after: int) -> tuple[list[dict], int]:
    """The drawn characters of one field: the first run spelling ``text`` at or after index ``after``."""
    wanted = [ch for ch in text if not ch.isspace()]
    for start in range(after, len(drawn) - len(wanted) + 1):
        if all(drawn[start + i]["text"] == ch for i, ch in enumerate(wanted)):
            return drawn[start:start + len(wanted)], start + len(wanted)
    raise AssertionError(f"{text!r} not drawn")


def _mm(pt: float) -> float:
    return pt / PT_PER_MM


@pytest.mark.parametrize("calibration", [Calibration(3.5, -2.25), Calibration(-12.0, 7.5, 0.985)],
                         ids=["offset", "offset-and-scale"])
@pytest.mark.parametrize("org_kind,copy", [(OrgKind.SOCIAL_GROUP, CopyKind.ORIGINAL),
                                           (OrgKind.PRIVATE_NON_ENTERPRISE, CopyKind.DUPLICATE)])
def test_each_field_lands_within_half_a_millimetre_of_its_box(org_kind, copy, calibration) -> None:
    cert = specimens.certificate(org_kind, copy)
    template = load_template(cert.template)
    pdf = document_pdf(cert, signer=SIGNER, mode=PrintMode.OVERLAY, calibration=calibration)
    chars = [c for c in page_chars(pdf) if not c["text"].isspace()]  # in drawing order, field by field
    values = cert.values()
    s, ex, ey = calibration.scale, calibration.offset_x_mm, calibration.offset_y_mm
    checked = cursor = 0
    for spec in template.fields:
        text = spec.text.format_map(values)
        drawn, cursor = _field_chars(chars, text if not spec.wrap else text[:6], cursor)
        x, y, w, h = spec.box.x, spec.box.y, spec.box.width, spec.box.height
        # where the printer, with the error the calibration measured, puts the drawn characters
        left = _mm(min(c["x0"] for c in drawn)) * s + ex
        right = _mm(max(c["x1"] for c in drawn)) * s + ex
        top = _mm(min(c["top"] for c in drawn)) * s + ey
        bottom = _mm(max(c["bottom"] for c in drawn)) * s + ey
        expected_x = {"left": (left, x), "center": ((left + right) / 2, x + w / 2), "right": (right, x + w)}
        actual, target = expected_x[spec.align]
        assert abs(actual - target) <= TOLERANCE_MM, f"{spec.key}: x {actual:.2f} mm, box says {target:.2f} mm"
        baseline = (template.page_height - _mm(drawn[0]["matrix"][5])) * s + ey
        expected = first_baseline(font_chain(), spec)
        assert abs(baseline - expected) <= TOLERANCE_MM, f"{spec.key}: baseline {baseline:.2f} mm, box says {expected:.2f}"
        assert x - TOLERANCE_MM <= left and right <= x + w + TOLERANCE_MM, spec.key
        assert y - TOLERANCE_MM <= top and bottom <= y + h + TOLERANCE_MM, spec.key
        checked += 1
    assert checked == len(template.fields) >= 10


@pytest.mark.parametrize("dx,dy,field", [(20.5, 0, "横向偏移"), (0, -21, "纵向偏移"), (-25, 3, "横向偏移")])
def test_calibration_beyond_20_mm_is_refused(dx: float, dy: float, field: str) -> None:
    with pytest.raises(SoregError) as err:
        Calibration(dx, dy)
    assert err.value.field == field and "±20 毫米" in str(err.value)


def test_calibration_at_the_limit_and_sane_scale_is_accepted_but_wild_scale_refused() -> None:
    assert Calibration(20, -20, 1.02).drawn_at(122.0, 31.0) == pytest.approx((100, 50))
    with pytest.raises(SoregError) as err:
        Calibration(0, 0, 1.2)
    assert err.value.field == "缩放比例"


def test_calibration_is_remembered_per_printer_with_an_audit_event(store) -> None:
    with store.write() as session:
        save_calibration_in(session, "HP LaserJet 证书", Calibration(1.5, -0.5), actor="admin")
    with store.read() as session:
        assert calibration_for_in(session, "HP LaserJet 证书") == Calibration(1.5, -0.5)
        assert calibration_for_in(session, "另一台打印机") == Calibration()
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "printing.calibrate")).one()
        assert event.record_id == "HP LaserJet 证书" and event.actor == "admin"
    with pytest.raises(SoregError) as err, store.write() as session:
        save_calibration_in(session, "  ", Calibration(), actor="admin")
    assert err.value.field == "打印机"


def test_calibration_page_has_crosshairs_where_its_labels_say() -> None:
    calibration = Calibration(2.0, -1.0)
    pdf = calibration_page_pdf(calibration=calibration)
    assert fonts_without_embedding(pdf) == []
    import io

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        text = "".join(page.extract_text().split())
        lines = page.lines
    assert "套打校准页" in text and "±20毫米" in text
    for x, y in crosshair_positions(210, 297):
        assert f"({x:g},{y:g})mm" in text
        px, py = x - 2.0, y + 1.0  # drawn against the printer's error, so that it prints at (x, y)
        horizontal = [ln for ln in lines if abs(ln["top"] - ln["bottom"]) < 0.01 and ln["width"] < 13 * PT_PER_MM
                      and abs(_mm(ln["top"]) - py) < 0.05 and abs(_mm((ln["x0"] + ln["x1"]) / 2) - px) < 0.05]
        vertical = [ln for ln in lines if abs(ln["x0"] - ln["x1"]) < 0.01 and ln["height"] < 13 * PT_PER_MM
                    and abs(_mm(ln["x0"]) - px) < 0.05 and abs(_mm((ln["top"] + ln["bottom"]) / 2) - py) < 0.05]
        assert horizontal and vertical, (x, y)


def test_print_calibration_command_writes_the_page(tmp_path, capsys) -> None:
    import io

    from cli.app import run

    out = tmp_path / "校准页.pdf"
    assert run(["print", "calibration", "--out", str(out), "--width", "420", "--height", "295"]) == 0
    with pdfplumber.open(io.BytesIO(out.read_bytes())) as doc:
        page = doc.pages[0]
        assert (round(page.width / PT_PER_MM), round(page.height / PT_PER_MM)) == (420, 295)
        assert "(400,275)mm" in "".join(page.extract_text().split())
    assert run(["print", "calibration", "--out", str(out), "--width", "5"]) == 2
    assert "纸张尺寸" in capsys.readouterr().err


def test_every_template_keeps_its_boxes_on_the_sheet() -> None:
    from printing.templates import TEMPLATE_FOLDER

    names = sorted(p.stem for p in TEMPLATE_FOLDER.glob("*.json"))
    assert len(names) >= 10
    for name in names:
        t = load_template(name)
        boxes = [s.box for s in (*t.fields, *t.static_texts)] + [r.box for r in t.rules if r.kind == "rect"]
        boxes += [s.continued for s in t.fields if s.continued]
        boxes += [t.qr.box] + ([t.qr.caption.box] if t.qr.caption else []) if t.qr else []
        for box in boxes:
            assert 0 <= box.x and box.x + box.width <= t.page_width, (name, box)
            assert 0 <= box.y and box.y + box.height <= t.page_height, (name, box)


def test_a_template_with_a_bad_alignment_is_refused(tmp_path, monkeypatch) -> None:
    import printing.templates as templates

    (tmp_path / "broken.json").write_text(
        '{"title": "坏模板", "page": {"width": 210, "height": 297}, "fields": {"name": '
        '{"text": "{name}", "x": 10, "y": 10, "width": 50, "height": 8, "align": "centre"}}}', encoding="utf-8")
    monkeypatch.setattr(templates, "TEMPLATE_FOLDER", tmp_path)
    with pytest.raises(SoregError) as err:
        templates.load_template.__wrapped__("broken")
    assert "broken.json" in str(err.value) and "align" in str(err.value)


# -- a simulated printer: the calibration procedure, as the page states it, cancels a known error --

PX_PER_MM = 10
BLACK = 60  # the crosses are black; the grid is grey


def printed_by(pdf: bytes, shift: tuple[float, float], scale: float):
    """The sheet a printer with this error produces from ``pdf``: a point drawn at q lands at q·scale + shift."""
    import pypdfium2
    from PIL import Image

    page = pypdfium2.PdfDocument(pdf)[0]
    drawn = page.render(scale=PX_PER_MM * 25.4 / 72).to_pil().convert("L")
    sx, sy = shift[0] * PX_PER_MM, shift[1] * PX_PER_MM
    # each sheet pixel P shows the drawn pixel (P − shift) / scale
    return drawn.transform(drawn.size, Image.Transform.AFFINE,
                           (1 / scale, 0, -sx / scale, 0, 1 / scale, -sy / scale),
                           resample=Image.Resampling.BILINEAR, fillcolor=255)


def _longest_run(values) -> tuple[int, int]:
    """(length, start) of the longest run of black pixels in ``values``."""
    best = (0, 0)
    run = start = 0
    for i, v in enumerate(values):
        if v < BLACK:
            if run == 0:
                start = i
            run += 1
            best = max(best, (run, start))
        else:
            run = 0
    return best


def measured_cross(sheet, near: tuple[float, float], window_mm: float = 25) -> tuple[float, float]:
    """The centre (mm) of the crosshair near ``near``: its arms are the longest black runs around it."""
    x0, y0 = (max(0, int((v - window_mm) * PX_PER_MM)) for v in near)
    x1, y1 = int((near[0] + window_mm) * PX_PER_MM), int((near[1] + window_mm) * PX_PER_MM)
    crop = sheet.crop((x0, y0, min(x1, sheet.width), min(y1, sheet.height)))
    w, h = crop.size
    pixels = crop.load()
    rows = [_longest_run(pixels[x, y] for x in range(w)) for y in range(h)]
    cols = [_longest_run(pixels[x, y] for y in range(h)) for x in range(w)]
    longest_row, longest_col = max(rows)[0], max(cols)[0]
    arm_rows = [y for y, (n, _) in enumerate(rows) if n >= 0.9 * longest_row]
    arm_cols = [x for x, (n, _) in enumerate(cols) if n >= 0.9 * longest_col]
    centre_x = sum(arm_cols) / len(arm_cols) + 0.5
    centre_y = sum(arm_rows) / len(arm_rows) + 0.5
    return (x0 + centre_x) / PX_PER_MM, (y0 + centre_y) / PX_PER_MM


@pytest.mark.parametrize("shift,scale", [((2.4, -1.6), 1.012), ((-3.1, 4.2), 0.985), ((0.0, 0.0), 1.0)])
def test_the_stated_procedure_cancels_a_printers_shift_and_scale(shift, scale) -> None:
    crosses = crosshair_positions(210, 297)
    (l1x, l1y), (l2x, _l2y) = crosses[0], crosses[1]
    first = printed_by(calibration_page_pdf(), shift, scale)
    (m1x, m1y), (m2x, _m2y) = measured_cross(first, crosses[0]), measured_cross(first, crosses[1])
    # the page's procedure: scale = measured ÷ labelled distance of the top crosses; offset = measured − label × scale
    measured_scale = round((m2x - m1x) / (l2x - l1x), 3)
    calibration = Calibration(round(m1x - l1x * measured_scale, 1), round(m1y - l1y * measured_scale, 1), measured_scale)
    again = printed_by(calibration_page_pdf(calibration=calibration), shift, scale)
    for label in crosses:
        x, y = measured_cross(again, label)
        assert abs(x - label[0]) <= 0.5 and abs(y - label[1]) <= 0.5, (label, (x, y), calibration)
    if shift != (0.0, 0.0):  # the uncalibrated print is off by more than that, so the test can tell
        x, y = measured_cross(first, crosses[-1])
        assert max(abs(x - crosses[-1][0]), abs(y - crosses[-1][1])) > 1


def test_a_calibration_that_pushes_a_field_off_the_sheet_is_refused(store) -> None:
    with pytest.raises(SoregError) as err, store.write() as session:
        save_calibration_in(session, "HP LaserJet 证书", Calibration(-19.0, 0.0, 0.96), actor="admin")
    assert err.value.field == "横向偏移" and "纸张右边之外" in str(err.value) and "“" in str(err.value)
    with pytest.raises(SoregError) as err, store.write() as session:
        save_calibration_in(session, "HP LaserJet 证书", Calibration(0.0, -19.0, 0.95), actor="admin")
    assert err.value.field == "纵向偏移" and "纸张下边之外" in str(err.value)
    with store.read() as session:
        assert calibration_for_in(session, "HP LaserJet 证书") == Calibration()


def test_overlay_is_refused_for_documents_without_stock() -> None:
    for document in (specimens.receipt(), specimens.correction_notice(), specimens.collection_receipt()):
        with pytest.raises(SoregError) as err:
            document_pdf(document, signer=SIGNER, mode=PrintMode.OVERLAY)
        assert err.value.field == "打印方式" and "不能套打" in str(err.value)
