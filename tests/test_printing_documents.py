"""Documents as PDFs: every field's text is in the PDF, rare characters print, fonts are embedded."""

from __future__ import annotations

import io
import string

import pypdf
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from printing_fixtures import (
    EXT_B_CHAR,
    MISSING_CHAR,
    build_test_font,
    PT_PER_MM,
    chars_in_box,
    fonts_without_embedding,
    page_chars,
    stream_text,
    text_lines,
)

from models.errors import SoregError
from models.reference import district
from printing import specimens
from printing.data import CopyKind, OrgKind
from printing.documents import document_pdf, documents_pdf
from forms.print_limits import max_chars
from printing.fonts import font_chain
from printing.render import PrintMode
from printing.templates import load_template
from signing.keys import WindowSigner

SIGNER = WindowSigner("W01-TEST01", Ed25519PrivateKey.generate())
SPECIMENS = specimens.all_specimens()


def _placeholders(texts) -> set[str]:
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def _printed_values(document, mode: PrintMode) -> dict[str, str]:
    """The document's values that its template prints in ``mode``."""
    template = load_template(document.template)
    texts = [f.text for f in template.fields]
    if mode is PrintMode.FULL:
        texts += [s.text for s in template.static_texts]
    values = document.values()
    return {k: values[k] for k in _placeholders(texts) if values.get(k)}


PRINTS = [(name, mode) for name, document in SPECIMENS.items() for mode in PrintMode
          if mode is PrintMode.FULL or load_template(document.template).stock]


@pytest.mark.parametrize("name,mode", PRINTS)
def test_every_printed_field_is_in_the_pdf_text(name: str, mode: PrintMode) -> None:
    document = SPECIMENS[name]
    pdf = document_pdf(document, signer=SIGNER, mode=mode)
    text = stream_text(pdf)
    printed = _printed_values(document, mode)
    assert printed, name
    for key, value in printed.items():
        for line in value.split("\n"):
            assert "".join(line.split()) in text, f"{name}/{mode}: field {key} = {line!r} missing"
    assert fonts_without_embedding(pdf) == []


def test_certificate_carries_every_certificate_item() -> None:
    """名称, 统一社会信用代码, 住所, 法定代表人, 业务范围, 活动地域, 注册资金, 业务主管单位, 登记管理机关, dates, 印制号."""
    cert = specimens.certificate(OrgKind.SOCIAL_GROUP, CopyKind.ORIGINAL, sponsor="上海市长宁区商务委员会")
    lines = text_lines(document_pdf(cert, signer=SIGNER))
    for expected in ("社会团体法人登记证书", "（正本）", "上海市长宁区餐饮行业协会", "51310105MJ5012345X",
                     "上海市长宁区愚园路1320号3楼305室", "法定代表人王䶮", "业务范围", "活动地域上海市长宁区",
                     "注册资金人民币3万元", "业务主管单位上海市长宁区商务委员会", "成立日期2026年11月26日",
                     "自2026年11月26日至2031年11月25日", "上海市长宁区民政局", "印制号：SZ2026000123",
                     "中华人民共和国民政部监制"):
        assert any(expected in line for line in lines), expected


def test_private_non_enterprise_certificate_has_its_own_title_and_no_activity_area() -> None:
    cert = specimens.certificate(OrgKind.PRIVATE_NON_ENTERPRISE, CopyKind.DUPLICATE)
    pdf = document_pdf(cert, signer=SIGNER)
    text = stream_text(pdf)
    assert "民办非企业单位登记证书" in text and "（副本）" in text
    assert "开办资金人民币5万元" in text_lines(pdf)
    assert "活动地域" not in text and "社会团体" not in text


def test_extension_a_name_prints_with_droid_sans_fallback() -> None:
    pdf = document_pdf(specimens.certificate(name="上海市长宁区䶮德文化促进会"), signer=SIGNER)
    assert "上海市长宁区䶮德文化促进会" in stream_text(pdf)
    ext_a = [c for c in page_chars(pdf) if c["text"] == "䶮"]
    assert ext_a and all("DroidSansFallback" in c["fontname"] for c in ext_a)
    latin = [c for c in page_chars(pdf) if c["text"] == "5"]
    assert latin and all("WenQuanYi" in c["fontname"] for c in latin)
    # pypdf reads the same text back (the ToUnicode maps are valid).
    assert "䶮德文化促进会" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_extension_b_name_prints_with_an_extra_font(tmp_path) -> None:
    chain = font_chain([build_test_font(tmp_path / "extb.ttf", EXT_B_CHAR)], discover=False)
    name = f"上海市长宁区{EXT_B_CHAR}福养老服务中心"
    cert = specimens.certificate(OrgKind.PRIVATE_NON_ENTERPRISE, name=name, representative=f"张{EXT_B_CHAR}")
    pdf = document_pdf(cert, signer=SIGNER, chain=chain)
    text = stream_text(pdf)
    assert name in text and f"张{EXT_B_CHAR}" in text
    ext_b = [c for c in page_chars(pdf) if c["text"] == EXT_B_CHAR]
    assert len(ext_b) == 2 and all("SoregTestExtB" in c["fontname"] for c in ext_b)
    assert fonts_without_embedding(pdf) == []
    assert name in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_character_no_font_has_is_refused_naming_it_and_the_field(tmp_path) -> None:
    chain = font_chain([build_test_font(tmp_path / "extb.ttf", EXT_B_CHAR)], discover=False)
    cert = specimens.certificate(representative=f"李{MISSING_CHAR}")
    with pytest.raises(SoregError) as err:
        document_pdf(cert, signer=SIGNER, chain=chain)
    assert err.value.field == "法定代表人"
    assert MISSING_CHAR in str(err.value) and "U+30EDE" in str(err.value)
    assert "法定代表人" in str(err.value)


def test_a_missing_character_in_a_notice_list_is_refused_too() -> None:
    notice = specimens.correction_notice(missing_items=(f"{MISSING_CHAR}面馆的租赁合同",))
    with pytest.raises(SoregError) as err:
        document_pdf(notice, chain=font_chain(discover=False))
    assert err.value.field == "需补正的材料" and "U+30EDE" in str(err.value)


def test_rejection_notice_carries_the_district_appeal_rights() -> None:
    text = stream_text(document_pdf(specimens.rejection_notice()))
    assert "".join(district().appeal_rights.split()) in text
    assert "不予登记通知书" in text


def test_collection_receipt_has_a_signature_line_and_the_serials() -> None:
    text = stream_text(document_pdf(specimens.collection_receipt()))
    assert "领取人签名" in text and "SZ2026000123" in text and "SF2026000456" in text
    assert "王䶮" in text and "310105199001011234" in text


def test_overlay_mode_leaves_out_what_the_stock_already_has() -> None:
    cert = specimens.certificate()
    full = stream_text(document_pdf(cert, signer=SIGNER, mode=PrintMode.FULL))
    overlay = stream_text(document_pdf(cert, signer=SIGNER, mode=PrintMode.OVERLAY))
    for stock_text in ("社会团体法人登记证书", "中华人民共和国民政部监制", "统一社会信用代码", "印制号"):
        assert stock_text in full and stock_text not in overlay
    assert "上海市长宁区餐饮行业协会" in overlay and "51310105MJ5012345X" in overlay


def test_long_business_scope_is_shrunk_to_fit_and_an_impossible_one_refused() -> None:
    long_scope = "；".join([specimens.SCOPE] * 3)
    pdf = document_pdf(specimens.certificate(business_scope=long_scope), signer=SIGNER)
    assert "".join(long_scope.split()) in stream_text(pdf)
    box = {f.key: f.box for f in load_template("certificate_social_group_original").fields}
    scope_chars = chars_in_box(pdf, box["business_scope"])
    assert "".join(c["text"] for c in scope_chars).replace(" ", "") == "".join(long_scope.split())
    assert max(c["size"] for c in scope_chars) < 13  # shrunk from the template's 13 pt
    with pytest.raises(SoregError) as err:
        document_pdf(specimens.certificate(business_scope=long_scope * 6), signer=SIGNER)
    assert err.value.field == "业务范围" and "太长" in str(err.value)


def test_long_name_is_shrunk_onto_one_line() -> None:
    name = "上海市长宁区新泾镇社区居民文化体育娱乐活动与公益志愿服务促进会"
    pdf = document_pdf(specimens.certificate(name=name), signer=SIGNER)
    box = {f.key: f.box for f in load_template("certificate_social_group_original").fields}["name"]
    name_chars = chars_in_box(pdf, box)
    assert "".join(c["text"] for c in name_chars) == name
    assert len({round(c["top"], 2) for c in name_chars}) == 1  # one line
    assert 10 <= name_chars[0]["size"] < 20


def test_drafts_carry_a_watermark_and_need_no_signature() -> None:
    with pytest.raises(SoregError) as err:
        document_pdf(specimens.certificate())
    assert err.value.field == "签名密钥"
    draft = document_pdf(specimens.certificate(), draft=True)
    marks = [c for c in page_chars(draft) if c["text"] in "草稿" and c["size"] > 100]
    assert len(marks) == 2
    assert not any(c["text"] == "草" and c["size"] > 100 for c in page_chars(document_pdf(specimens.certificate(), signer=SIGNER)))


def test_page_size_and_orientation_come_from_the_template() -> None:
    batch = [specimens.certificate(copy=CopyKind.ORIGINAL), specimens.certificate(copy=CopyKind.DUPLICATE)]
    reader = pypdf.PdfReader(io.BytesIO(documents_pdf(batch, signer=SIGNER)))
    sizes = [(round(float(p.mediabox.width) / 72 * 25.4), round(float(p.mediabox.height) / 72 * 25.4))
             for p in reader.pages]
    assert sizes == [(420, 295), (210, 297)]


def test_a_wrapped_list_item_continues_under_its_text_not_its_number() -> None:
    long_reason = "名称中使用“中华”字样，依照《社会组织名称管理办法》须由国务院民政部门登记，本机关无权登记该名称。"
    pdf = document_pdf(specimens.rejection_notice(reasons=(long_reason, "会员人数不足。")))
    box = {f.key: f.box for f in load_template("rejection_notice").fields}["list"]
    chars = chars_in_box(pdf, box)
    rows: dict[float, list[dict]] = {}
    for c in chars:
        rows.setdefault(round(c["top"]), []).append(c)
    first, second, third = (sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows)[:3])
    assert first[0]["text"] == "1" and third[0]["text"] == "2"
    text_start = next(c for c in first if c["text"] == "名")["x0"]
    assert abs(second[0]["x0"] - text_start) < 0.5  # hanging indent
    assert second[0]["x0"] > first[0]["x0"] + 5


def test_machine_extension_b_fonts_are_opened_only_when_needed_and_sans_faces_first(tmp_path, monkeypatch) -> None:
    import printing.fonts as fonts

    folder = tmp_path / "fonts" / "truetype"
    (folder / "hanazono").mkdir(parents=True)
    (folder / "plangothic").mkdir(parents=True)
    serif = build_test_font(folder / "hanazono" / "HanaMinB.ttf", EXT_B_CHAR, family="SoregTestHanaMin")
    sans = build_test_font(folder / "plangothic" / "PlangothicP1-Regular.ttf", EXT_B_CHAR, family="SoregTest Plangothic Sans")
    monkeypatch.setattr(fonts, "_font_folders", lambda: [tmp_path / "fonts"])
    fonts.machine_ext_b_fonts.cache_clear()
    fonts._chain.cache_clear()
    try:
        chain = font_chain()
        plain = document_pdf(specimens.certificate(), signer=SIGNER, chain=chain)  # 䶮 (Extension A), no Extension B
        assert "王䶮" in stream_text(plain)
        assert [f.path.name for f in chain.fonts] == ["wqy-microhei.ttc", "DroidSansFallbackFull.ttf"]
        assert fonts.machine_ext_b_fonts.cache_info().currsize == 0  # not even looked for
        pdf = document_pdf(specimens.certificate(representative=f"王{EXT_B_CHAR}"), signer=SIGNER, chain=chain)
        assert f"王{EXT_B_CHAR}" in stream_text(pdf)
        assert fonts.machine_ext_b_fonts() == (sans, serif)
        assert [c["fontname"] for c in page_chars(pdf) if c["text"] == EXT_B_CHAR][0].endswith("SoregTest-Plangothic-Sans")
        assert serif not in [f.path for f in chain.fonts]  # the serif face is never opened
    finally:
        fonts.machine_ext_b_fonts.cache_clear()
        fonts._chain.cache_clear()


def test_printing_and_signing_run_without_qt() -> None:
    import subprocess
    import sys

    code = ("import sys, printing.documents, printing.calibration_page, printing.specimens, signing.keys, "
            "cli.print_cmds; assert 'PySide6' not in sys.modules, 'Qt imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]))


# -- the smaller defects of the printed page --

CERTIFICATE_TEMPLATE_NAMES = sorted({specimens.certificate(k, c).template for k in OrgKind for c in CopyKind})


@pytest.mark.parametrize("template_name", CERTIFICATE_TEMPLATE_NAMES)
def test_the_name_never_prints_smaller_than_the_other_values(template_name) -> None:
    template = load_template(template_name)
    name_spec = next(f for f in template.fields if f.key == "name")
    assert name_spec.min_font_size >= max(f.font_size for f in template.fields if f.key != "name")
    kind, copy = next((k, c) for k in OrgKind for c in CopyKind if specimens.certificate(k, c).template == template_name)
    long_name = ("上海市长宁区" + "华阳路社区居民文化体育睦邻互助" * 3)[:max_chars("name") - 6] + "养老服务协会"
    cert = specimens.certificate(kind, copy, name=long_name, address="长宁路" * 40, sponsor="长宁区" * 15)
    pdf = document_pdf(cert, signer=SIGNER)
    sizes = {f.key: {round(c["size"], 2) for c in chars_in_box(pdf, f.box)} for f in template.fields}
    assert len(sizes["name"]) == 1 and min(sizes["address"]) < 11  # the others did shrink
    assert min(sizes["name"]) >= max(size for key, found in sizes.items() if key != "name" for size in found)


def _baseline_mm(char: dict, page_height_mm: float) -> float:
    return page_height_mm - char["matrix"][5] / PT_PER_MM


@pytest.mark.parametrize("template_name", CERTIFICATE_TEMPLATE_NAMES)
def test_shrunk_values_stay_on_their_labels_baseline(template_name) -> None:
    template = load_template(template_name)
    kind, copy = next((k, c) for k in OrgKind for c in CopyKind if specimens.certificate(k, c).template == template_name)
    long = dict(name=("上海市长宁区" + "睦邻互助" * 12)[:max_chars("name") - 2] + "协会", address="上海市长宁区长宁路" * 16,
                sponsor="上海市长宁区民政局" * 5, business_scope=specimens.SCOPE * 5)
    for values in ({}, long):  # as typed, and shrunk towards the minimum
        cert = specimens.certificate(kind, copy, **values)
        pdf = document_pdf(cert, signer=SIGNER)
        statics = {s.key: s for s in template.static_texts}
        for spec in template.fields:
            label = statics.get(f"label_{spec.key}")
            if label is None or label.box.y + label.box.height <= spec.box.y:  # none, or a caption above the value
                continue
            value_chars = chars_in_box(pdf, spec.box)
            label_chars = chars_in_box(pdf, label.box)
            assert value_chars and label_chars, spec.key
            value_base = _baseline_mm(value_chars[0], template.page_height)
            label_base = _baseline_mm(label_chars[0], template.page_height)
            assert abs(value_base - label_base) < 0.2, (template_name, spec.key, value_chars[0]["size"])


def test_lines_do_not_break_inside_dates_numbers_or_codes() -> None:
    from printing.layout import UNBREAKABLE, wrap

    chain = font_chain(discover=False)
    text = ("本会于2026年11月27日成立，统一社会信用代码51310105MJ5012345X，办件W01-2026-000123，"
            "开办资金1,320,000.50元，地址长宁路1320号；") * 3
    spans = [m.span() for m in UNBREAKABLE.finditer(text) if m.end() - m.start() > 1]
    assert {text[a:b] for a, b in spans} >= {"2026年11月27日", "51310105MJ5012345X", "W01-2026-000123", "1,320,000.50"}
    broken_somewhere = set()
    for width in range(45, 120, 3):  # 45 mm: the longest code, at 11 pt, fits a line
        lines = [line for line, _w, _i in wrap(chain, text, float(width), 11)]
        assert "".join(lines) == text
        ends = [sum(len(line) for line in lines[:n]) for n in range(1, len(lines))]
        for start, end in spans:
            assert not any(start < cut < end for cut in ends), (width, text[start:end])
        broken_somewhere |= {cut for cut in ends}
    assert len(broken_somewhere) > 20  # many different places were tried


def test_a_draft_leaves_out_the_captions_of_what_it_leaves_out() -> None:
    draft = stream_text(document_pdf(specimens.certificate(serial=""), draft=True))
    assert "扫码核验证书真伪" not in draft and "印制号" not in draft
    formal = stream_text(document_pdf(specimens.certificate(), signer=SIGNER))
    assert "扫码核验证书真伪" in formal and "印制号：SZ2026000123" in formal


def test_the_qr_code_has_a_quiet_zone_of_four_modules() -> None:
    import pypdfium2
    import segno

    from printing.documents import qr_claim
    from printing.render import QR_MASK

    cert = specimens.certificate(copy=CopyKind.DUPLICATE)
    box = load_template(cert.template).qr.box
    modules = len(segno.make(SIGNER.sign(qr_claim(cert)), error="m", micro=False, mask=QR_MASK).matrix)
    px_per_mm = 20
    image = pypdfium2.PdfDocument(document_pdf(cert, signer=SIGNER))[0].render(scale=px_per_mm * 25.4 / 72).to_pil()
    crop = image.convert("L").crop((int(box.x * px_per_mm), int(box.y * px_per_mm),
                                    int((box.x + box.width) * px_per_mm), int((box.y + box.height) * px_per_mm)))
    left, top, right, bottom = crop.point(lambda p: 255 if p < 128 else 0).getbbox()
    module_px = (right - left) / modules
    assert abs(left / module_px - 4) < 0.5 and abs((crop.width - right) / module_px - 4) < 0.5
    assert abs(top / module_px - 4) < 0.5
