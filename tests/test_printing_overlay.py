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
from printing.calibration import Calibration, calibration_for, save_calibration
from printing.calibration_page import calibration_page_pdf, crosshair_positions
from printing.data import CopyKind, OrgKind
from printing.documents import document_pdf
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
    s = calibration.scale
    checked = cursor = 0
    for spec in template.fields:
        text = spec.text.format_map(values)
        drawn, cursor = _field_chars(chars, text if not spec.wrap else text[:6], cursor)
        x = spec.box.x * s + calibration.offset_x_mm
        y = spec.box.y * s + calibration.offset_y_mm
        w, h = spec.box.width * s, spec.box.height * s
        left = _mm(min(c["x0"] for c in drawn))
        right = _mm(max(c["x1"] for c in drawn))
        top = _mm(min(c["top"] for c in drawn))
        bottom = _mm(max(c["bottom"] for c in drawn))
        expected_x = {"left": (left, x), "center": ((left + right) / 2, x + w / 2), "right": (right, x + w)}
        actual, target = expected_x[spec.align]
        assert abs(actual - target) <= TOLERANCE_MM, f"{spec.key}: x {actual:.2f} mm, box says {target:.2f} mm"
        if spec.wrap:
            assert abs(top - y) <= TOLERANCE_MM, f"{spec.key}: top {top:.2f} mm, box top {y:.2f} mm"
        else:
            middle = (top + bottom) / 2
            assert abs(middle - (y + h / 2)) <= TOLERANCE_MM, f"{spec.key}: middle {middle:.2f}, box {y + h / 2:.2f}"
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
    assert Calibration(20, -20, 1.02).place(100, 50) == (122.0, 31.0)
    with pytest.raises(SoregError) as err:
        Calibration(0, 0, 1.2)
    assert err.value.field == "缩放比例"


def test_calibration_is_remembered_per_printer_with_an_audit_event(store) -> None:
    with store.write() as session:
        save_calibration(session, "HP LaserJet 证书", Calibration(1.5, -0.5), actor="admin")
    with store.read() as session:
        assert calibration_for(session, "HP LaserJet 证书") == Calibration(1.5, -0.5)
        assert calibration_for(session, "另一台打印机") == Calibration()
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "printing.calibrate")).one()
        assert event.record_id == "HP LaserJet 证书" and event.actor == "admin"
    with pytest.raises(SoregError) as err, store.write() as session:
        save_calibration(session, "  ", Calibration(), actor="admin")
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
        px, py = x + 2.0, y - 1.0  # where the calibrated crosshair centre should be
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
        boxes += [t.qr] if t.qr else []
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
