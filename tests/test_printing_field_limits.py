"""Every value that can be accepted can be printed: limits measured from the templates, the longest
accepted case printed on both copies to 办结, one character more refused at intake and in a correction."""

from __future__ import annotations

from datetime import date

import pytest
from printing_fixtures import stream_text

from forms.intake import IntakeInvalid, read_intake
from forms.print_limits import max_chars, scope_as_printed
from models.cases import CaseState, CollectorKind
from models.errors import SoregError
from models.print_records import DocumentKind
from models.reference import field_limits
from printing.data import CopyKind
from printing.field_limits import (
    FIELD_LIMITS_FILE,
    field_limits_json,
    measure_field_limits,
)
from tests.print_fixtures import DECIDED_ON, case_at, keyed_window  # noqa: F401
from tests.workflow_fixtures import GROUP_FORM, form
from workflow.amend import amend_case, correction_form
from workflow.case_print import CasePrint, case_print_pdf
from workflow.case_queries import case_detail
from workflow.print_records import PrintRequest, record_print
from workflow.queries import get_case
from workflow.transitions import Action, Collector, StepRefused, perform

FILLER = "长宁区华阳路街道社区居民文化体育娱乐活动与公益志愿服务暨邻里互助睦邻友好和谐家园建设推进"


def _text(length: int, start: str = "", end: str = "") -> str:
    """``length`` characters: ``start``, Chinese filler with digits and full-width punctuation, ``end``."""
    body = ""
    while len(body) < length - len(start) - len(end):
        body += FILLER[: 17] + "12号，" + FILLER[17:30] + "（东）；"
    return start + body[: length - len(start) - len(end)] + end


def longest_form() -> dict:
    scope_limit = max_chars("business_scope")
    per_item = (scope_limit - 5) // 5  # five items joined by four "；" and ending in "。"
    items = [_text(per_item) for _ in range(4)]
    items.append(_text(scope_limit - len(scope_as_printed(items)) - 1))
    name_limit = max_chars("name")
    data = form(GROUP_FORM,
                name="上海市长宁区" + ("华阳路社区居民文化体育睦邻互助" * 5)[: name_limit - 12] + "养老服务协会",
                address=_text(max_chars("address"), "上海市长宁区"),
                sponsor=_text(max_chars("sponsor"), "上海市长宁区", "局"),
                activity_area=_text(max_chars("activity_area"), "上海市长宁区"))
    data["scope_items"] = [{"text": item} for item in items]
    assert len(scope_as_printed(items)) == scope_limit
    return data


def test_the_limits_file_is_what_the_templates_measure_now() -> None:
    measured = measure_field_limits()
    assert FIELD_LIMITS_FILE.read_text(encoding="utf-8") == field_limits_json(measured), \
        "run `python -m printing.field_limits` after changing a certificate template"
    assert field_limits() == measured
    # both copies were measured: the 副本 is the tighter one for the single-line items
    assert measured["name"].tightest.endswith("_duplicate") and measured["sponsor"].tightest.endswith("_duplicate")
    assert measured["representative"].max_chars >= 32  # every person name the form accepts


def test_the_intake_form_takes_its_limits_from_the_file() -> None:
    from forms.intake import ORGANIZATION_FIELDS

    by_key = {f.key: f.max_length for f in ORGANIZATION_FIELDS}
    assert {k: by_key[k] for k in ("name", "address", "sponsor", "activity_area")} == {
        k: field_limits()[k].max_chars for k in ("name", "address", "sponsor", "activity_area")}


@pytest.fixture
def window(keyed_window):
    return keyed_window


def test_a_case_at_every_limit_prints_both_copies_and_reaches_closed(window, tmp_path) -> None:
    data = longest_form()
    organization = data["organization"]
    for key in ("name", "address", "sponsor", "activity_area"):
        assert len(organization[key]) == max_chars(key), key
    case_no = case_at(window, CaseState.CERTIFICATE, data)
    for copy, serial in ((CopyKind.ORIGINAL, "SZ2026009001"), (CopyKind.DUPLICATE, "SZ2026009002")):
        request = PrintRequest(case_no, DocumentKind.CERTIFICATE, "HP LaserJet 1020", copy=copy, serial=serial)
        pdf = case_print_pdf(window.store, CasePrint(request), user=window.clerk)
        (tmp_path / f"{copy.name}.pdf").write_bytes(pdf)
        text = stream_text(pdf)
        for key in ("name", "address", "sponsor", "activity_area"):
            assert organization[key] in text, (copy, key)
        assert scope_as_printed([item["text"] for item in data["scope_items"]]) in text
        record_print(window.store, request, user=window.clerk)
    perform(window.store, case_no, Action.PRINT, user=window.clerk, on=DECIDED_ON)
    perform(window.store, case_no, Action.ISSUE, user=window.clerk, on=DECIDED_ON,
                    collector=Collector(CollectorKind.LEGAL_REPRESENTATIVE))
    assert get_case(window.store, case_no).state == CaseState.CLOSED.value


@pytest.mark.parametrize("key,label", [("name", "拟定名称"), ("address", "住所"), ("sponsor", "业务主管单位"),
                                       ("activity_area", "活动地域")])
def test_one_character_more_is_refused_at_intake_and_in_a_correction(window, key, label) -> None:
    data = longest_form()
    value = data["organization"][key]
    longer = value[:6] + "长" + value[6:]
    with pytest.raises(IntakeInvalid) as err:
        read_intake(form(data, **{key: longer}))
    message = next(e.message for e in err.value.errors if e.path == key)
    assert message == f"“{label}”最多 {max_chars(key)} 个字，现有 {max_chars(key) + 1} 个，请删减。"
    case_no = case_at(window, CaseState.SCOPE_REVIEW)
    with pytest.raises(SoregError) as err:
        _correct(window, case_no, key, longer)
    assert f"最多 {max_chars(key)} 个字" in str(err.value) and label in str(err.value)
    _correct(window, case_no, key, value)
    assert getattr(get_case(window.store, case_no), key, value) == value


def _correct(window, case_no: str, key: str, value: str):
    """更正登记事项 of one item, as the correction dialog sends it: the whole form, one value changed."""
    data = correction_form(case_detail(window.store, case_no))
    data["organization"][key] = value
    return amend_case(window.store, case_no, data, reason="核对原件后更正", user=window.reviewer)


def test_one_character_more_of_scope_is_refused_at_intake() -> None:
    data = longest_form()
    read_intake(data)
    data["scope_items"][0]["text"] += "长"
    with pytest.raises(IntakeInvalid) as err:
        read_intake(data)
    limit = max_chars("business_scope")
    assert [e.message for e in err.value.errors] == [
        f"“业务范围”各项合计（以“；”相连、末尾加“。”）最多 {limit} 个字，现有 {limit + 1} 个，请删减。"]


def test_a_value_within_the_limit_that_still_does_not_print_is_refused_at_approval(window) -> None:
    """Unusually wide characters (‰ is wider than a hanzi) fit the count but not the box: approval says so."""
    address = "上海市长宁区" + "‰" * (max_chars("address") - 6)
    case_no = case_at(window, CaseState.APPROVAL, form(GROUP_FORM, address=address))
    with pytest.raises(StepRefused) as err:
        perform(window.store, case_no, Action.APPROVE, user=window.approver, on=date(2026, 9, 23),
                acknowledge_warnings=True)
    messages = [f.message for f in err.value.findings if f.rule == "certificate.unprintable"]
    assert messages and "“住所”内容太长" in messages[0] and f"“住所”最多 {max_chars('address')} 个字" in messages[0]
    assert get_case(window.store, case_no).state == CaseState.APPROVAL.value
