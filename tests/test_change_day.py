"""变更登记 through the real program (tests/change_day_script.py): a 成立登记 made earlier in the test, then a
change of name, address and legal representative started from the 登记库 organization page."""

from __future__ import annotations

import sqlite3

from robot_run import run_script


def test_a_change_of_name_address_and_legal_representative(tmp_path):
    report, db = run_script(tmp_path, "change_day_script:change_day")
    seen = report["seen"]
    first, change = seen["established"], seen["change"]
    # the wizard: nothing editable before marking; then only the marked items' fields (and the applicant)
    assert seen["name_editable_before_marking"] is False
    assert seen["editable_items"] == sorted(["name", "address", "street_code", "premises_document",
                                             "premises_valid_until", "applicant", "applicant_phone"])
    assert seen["scope_editable"] is False
    assert any("原法定代表人离任审计报告" in m for m in seen["materials"])
    assert [row[0] for row in seen["case_page_changes"]] == ["名称", "住所", "所属街镇", "法定代表人", "在任人员"]
    with sqlite3.connect(db) as conn:
        steps = [s for s, in conn.execute("select s.to_state from case_steps s join cases c on c.id = s.case_id"
                                          " where c.case_no = ? order by s.seq", (change,))]
        org_id, code, name, address, street, rep = conn.execute(
            "select o.id, o.credit_code, o.name, o.address, o.street_code, o.legal_representative from organizations o"
            " join cases c on c.organization_id = o.id where c.case_no = ?", (first,)).fetchone()
        change_org, change_code = conn.execute("select organization_id, credit_code from cases where case_no = ?",
                                               (change,)).fetchone()
        former = conn.execute("select name, is_current, renamed_on from organization_names where organization_id = ?"
                              " order by is_current", (org_id,)).fetchall()
        prints = conn.execute("select case_no, copy, serial, voided, event, reason from print_records"
                              " where document = '登记证书' order by case_no, event, copy").fetchall()
        notices = conn.execute("select count(*) from print_records where case_no = ? and document = '准予变更登记通知书'",
                               (change,)).fetchone()[0]
    # the steps the marked items need: 名称核准 and the persons review, not 业务范围审定 or 业务主管单位审查
    assert steps == ["受理", "名称核准", "发起人/拟任负责人审查", "核准登记", "制证", "发证", "办结"]
    assert change_org == org_id and change_code is None  # the change case refers to its organization
    assert (name, address, street, rep) == ("上海市长宁区养老服务促进会", "上海市长宁区天山路300号", "310105006", "周立新")
    assert former[0][:2] == ("上海市长宁区养老服务协会", 0) and former[0][2] is not None  # a former name, dated
    # the new certificate: the same code (printed from the organization), new serials; the old copies voided
    new = [(copy, serial, voided) for n, copy, serial, voided, event, _ in prints if n == change and event == "打印"]
    assert sorted(new) == [("副本", "ZS20262002", 0), ("正本", "ZS20262001", 0)]
    old = [(copy, voided) for n, copy, _s, voided, event, _ in prints if n == first and event == "打印"]
    assert sorted(old) == [("副本", 1), ("正本", 1)]
    assert {reason for n, *_x, event, reason in prints if n == first and event == "作废"} == {"变更登记换发新证，旧证收回"}
    assert notices == 1
    assert code in seen["org_facts"]
    # the organization page: the versions before and after
    assert [row[1] for row in seen["versions"]] == ["变更登记", "成立登记"] and seen["versions"][0][2] == change
    assert ["名称", "上海市长宁区养老服务协会", "上海市长宁区养老服务促进会"] in seen["version_changes"]
    # the old name is protected: typed on the 名称核准 page after the change, it is refused as a former name
    assert seen["old_name_verdict"] == "不予通过", seen["old_name_verdict"]
    assert any("曾用名" in f or "更名" in f for f in seen["old_name_findings"]), seen["old_name_findings"]
