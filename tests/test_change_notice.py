"""准予变更登记通知书: built from an approved case and (变更事项, 变更前, 变更后) rows, printed as a ruled
table that wraps long values and runs on to a 续页 with its header, every character in ink."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from printing_fixtures import (
    EXT_B_CHAR,
    MISSING_CHAR,
    PT_PER_MM,
    build_test_font,
    page_chars,
    stream_text,
)
from test_printing_ink import _chain, ink_problems

from forms.print_limits import max_chars
from models.base import local_time
from models.cases import CaseState
from models.errors import SoregError
from models.reference import district
from printing import specimens
from printing.data import CopyKind, chinese_date
from printing.documents import document_pdf
from printing.templates import load_template
from signing.keys import WindowSigner
from tests.print_fixtures import DECIDED_ON, case_at
from tests.workflow_fixtures import GROUP_FORM, make_window
from workflow.change_notice import change_approval_notice
from workflow.queries import get_case

HEADER = "变更事项变更前变更后"
CLOSING = "请持本通知书到本机关领取新的登记证书正本和副本，同时交回原登记证书正本和副本，原证书收回作废。"
NEW_NAME = "上海市长宁区为老服务协会"


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    yield w
    w.store.close()


def _pages(pdf: bytes) -> list[str]:
    import pypdfium2

    return [stream_text(pdf, page) for page in range(len(pypdfium2.PdfDocument(pdf)))]


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _columns(pdf: bytes) -> list[str]:
    """The text of each table column, read inside the table's box on every sheet (the header left out):
    what a reader of the cut rows puts together."""
    spec = next(f for f in load_template("change_approval_notice").fields if f.columns)
    texts = ["" for _ in spec.columns]
    for page in range(len(_pages(pdf))):
        box = spec.box if page == 0 else spec.continued
        left = box.x
        for n, column in enumerate(spec.columns):
            chars = [c["text"] for c in page_chars(pdf, page) if left <= c["x0"] / PT_PER_MM < left + column.width
                     and box.y <= c["top"] / PT_PER_MM <= box.y + box.height and not c["text"].isspace()]
            texts[n] += "".join(chars).removeprefix(column.title)
            left += column.width
    return texts


def test_the_notice_of_an_approved_case_names_the_new_and_former_name_and_the_code(window) -> None:
    case_no = case_at(window, CaseState.CERTIFICATE)
    case = get_case(window.store, case_no)
    changes = [("名称", GROUP_FORM["organization"]["name"], NEW_NAME),
               (" 住所 ", "上海市长宁区长宁路 100 号 3 楼", "上海市长宁区天山路 200 号（天山路街道）")]

    notice = change_approval_notice(window.store, case_no, changes, today=DECIDED_ON)

    assert (notice.case_no, notice.organization_name, notice.former_name) == (
        case_no, NEW_NAME, GROUP_FORM["organization"]["name"])
    assert notice.credit_code == case.credit_code and len(notice.credit_code) == 18
    received_on = local_time(case.accepted_at).date()
    assert (notice.received_on, notice.decided_on, notice.issued_on) == (received_on, DECIDED_ON, DECIDED_ON)
    assert notice.changes[1][0] == "住所" and notice.authority == district().authority
    [page] = _pages(document_pdf(notice))
    assert f"{NEW_NAME}：" in page
    assert _squeezed(f"“{NEW_NAME}”（原名称“{GROUP_FORM['organization']['name']}”，统一社会信用代码："
                     f"{case.credit_code}）") in page
    assert "2026年9月22日决定准予变更登记" in page and f"{chinese_date(received_on)}提交" in page
    assert HEADER in page and CLOSING in page and district().authority in page
    for row in notice.changes:
        assert _squeezed("".join(row)) in page  # a row's cells in order, each whole


def test_without_a_name_change_the_notice_uses_the_registered_name(window) -> None:
    case_no = case_at(window, CaseState.CLOSED)
    notice = change_approval_notice(window.store, case_no, [("法定代表人", "李建国", "周立新")])
    assert notice.organization_name == GROUP_FORM["organization"]["name"] and notice.former_name == ""
    assert "原名称" not in stream_text(document_pdf(notice))


@pytest.mark.parametrize("changes,field,words", [
    ([], "变更事项", "至少填写一项"),
    ([("住所", "甲路 1 号", "甲路 1 号")], "住所", "变更前后的内容相同"),
    ([("住所", "甲路 1 号", " ")], "住所", "没有填写变更后的内容"),
    ([("", "甲", "乙")], "变更事项", "没有填写事项名称"),
    ([("住所", "甲路", "乙路"), ("住所", "乙路", "丙路")], "变更事项", "填写了两次"),
])
def test_rows_that_change_nothing_are_refused_naming_the_item(window, changes, field, words) -> None:
    case_no = case_at(window, CaseState.CERTIFICATE)
    with pytest.raises(SoregError) as refused:
        change_approval_notice(window.store, case_no, changes)
    assert refused.value.field == field and words in refused.value.message


def test_a_case_not_yet_approved_has_no_notice(window) -> None:
    case_no = case_at(window, CaseState.APPROVAL)
    with pytest.raises(SoregError) as refused:
        change_approval_notice(window.store, case_no, [("住所", "甲路", "乙路")])
    assert refused.value.field == "办件状态" and "尚未核准" in refused.value.message


def test_many_rows_run_on_to_a_second_sheet_with_the_header_and_whole_rows() -> None:
    rows = tuple((f"事项{n}", f"变更前的内容第{n}项；" + specimens.SCOPE[:40 + n], f"变更后第{n}项") for n in range(1, 19))
    pdf = document_pdf(specimens.change_notice(changes=rows))
    pages = _pages(pdf)
    assert len(pages) >= 2 and all(HEADER in page for page in pages)
    for row in rows:  # a row that fits one sheet is never cut
        assert sum(_squeezed("".join(row)) in page for page in pages) == 1, row
    assert CLOSING in pages[-1] and not any(CLOSING in page for page in pages[:-1])
    for number, page in enumerate(pages[1:], start=2):
        assert "准予变更登记通知书（续页）" in page and f"第{number}页，共{len(pages)}页" in page
    assert _columns(pdf) == ["".join(_squeezed(row[n]) for row in rows) for n in range(3)]


def test_a_row_taller_than_a_sheet_is_cut_between_lines_and_continues() -> None:
    scope = "开展养老服务行业调查研究和政策咨询；" * 90
    notice = specimens.change_notice(changes=(("住所", "甲路 1 号", "乙路 2 号"), ("业务范围", scope, "承接委托事项。")))
    pdf = document_pdf(notice)
    pages = _pages(pdf)
    assert len(pages) >= 2 and all(HEADER in page for page in pages)
    assert _columns(pdf) == ["住所业务范围", "甲路1号" + _squeezed(scope), "乙路2号承接委托事项。"]


def test_values_at_the_certificate_limits_print() -> None:
    """名称, 住所 and 业务范围 as long as intake accepts them (the certificate's field limits)."""
    long = specimens.long_certificate(CopyKind.ORIGINAL)
    assert len(long.name) == max_chars("name") and len(long.address) == max_chars("address")
    notice = specimens.change_notice(
        organization_name=long.name, former_name=long.name[:-4] + "服务中心",
        changes=(("名称", long.name[:-4] + "服务中心", long.name), ("住所", long.address[::-1], long.address),
                 ("业务范围", long.business_scope[::-1], long.business_scope),
                 ("业务主管单位", "上海市长宁区民政局", long.sponsor), ("活动地域", "上海市长宁区", long.activity_area)))
    pdf = document_pdf(notice)
    assert _squeezed(f"“{long.name}”（原名称“{notice.former_name}”") in stream_text(pdf)
    assert _columns(pdf) == ["".join(_squeezed(row[n]) for row in notice.changes) for n in range(3)]


def test_every_character_prints_with_ink(tmp_path) -> None:
    ext_b = build_test_font(tmp_path / "extb.ttf", EXT_B_CHAR)
    chain = _chain(ext_b=ext_b)
    name = f"上海市长宁区䶮{EXT_B_CHAR}文化促进会"
    notice = specimens.change_notice(organization_name=name, former_name="上海市长宁区文化促进会", changes=(
        ("名称", "上海市长宁区文化促进会", name), ("法定代表人", "王䶮", f"李{EXT_B_CHAR}"),
        ("住所", "上海市长宁区Lǚ Bǎn Lù 1320号（原第Ⅹ幢）", "−5℃冷库旁；“甲”区《乙》室——……")))
    pdf = document_pdf(notice, signer=WindowSigner("W01-INK002", Ed25519PrivateKey.generate()), chain=chain)
    assert all(ch in stream_text(pdf) for ch in ("䶮", EXT_B_CHAR, "ǚ", "℃", "Ⅹ", "《"))
    assert ink_problems(pdf, chain) == []


def test_a_character_no_font_has_is_refused_naming_the_table() -> None:
    notice = specimens.change_notice(changes=(("法定代表人", "王䶮", f"王{MISSING_CHAR}"),))
    with pytest.raises(SoregError) as refused:
        document_pdf(notice)
    assert refused.value.field == "变更事项" and MISSING_CHAR in refused.value.message


def test_a_cells_own_line_breaks_start_new_lines_in_its_column() -> None:
    """Persons in office, one per line, as the organization page shows them."""
    notice = specimens.change_notice(changes=(("在任人员", "李建国（会长）\n张敏（秘书长）", "周立新（会长）\n张敏（秘书长）"),))
    pdf = document_pdf(notice)
    chars = {c["text"]: c for c in page_chars(pdf, 0) if c["text"] in "李周张"}
    assert chars["李"]["x0"] < chars["周"]["x0"]  # two columns
    starts = [c for c in page_chars(pdf, 0) if c["text"] == "张"]
    assert len(starts) == 2
    for first, second in zip(sorted((chars["李"], chars["周"]), key=lambda c: c["x0"]), sorted(starts, key=lambda c: c["x0"]),
                             strict=True):
        assert abs(second["x0"] - first["x0"]) < 0.5 and second["top"] > first["top"]  # the next line, same column
    assert _columns(pdf)[1:] == ["李建国（会长）张敏（秘书长）", "周立新（会长）张敏（秘书长）"]
