"""A clerk's whole day through the real program (一天的窗口工作), as ``make run`` starts it.

A fresh Python process imports only ``main`` and runs ``main.main([])`` on a new data folder while
the robot clerk (tests/robot.py, script in tests/clerk_day_script.py) clicks through the day. This
test then reads what the robot saw and what the database holds. It runs several times: a crash or
a race shows up as a red run, never hidden by a rerun.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from robot_run import run_script

RUNS = 3  # a crash or a race shows up as a red run


@pytest.mark.parametrize("run", range(RUNS))
def test_a_clerks_day(tmp_path, run):
    report, db = run_script(tmp_path)
    seen = report["seen"]
    assert seen["logged_in_again"] is True
    assert "open_store" in seen["mappers_configured_in"]  # while the store opened, not at a worker's first query
    mappers = seen["mappers_at_login"]  # configured when the store opened, before any worker queried
    assert {"Case", "CasePerson", "CaseStep", "Organization", "PrintRecord", "User"} <= set(mappers)
    assert all(mappers.values()), mappers
    with sqlite3.connect(db) as conn:
        users = {u: (n, r) for u, n, r in conn.execute(
            "select username, display_name, group_concat(role) from users join user_roles on user_id = users.id"
            " group by username")}
        cases = {no: (state, collector, code) for no, state, collector, code in conn.execute(
            "select case_no, state, collector_kind, credit_code from cases")}
        steps = {}
        for no, action, to_state, actor, opinion, changes, reasons in conn.execute(
                "select c.case_no, s.action, s.to_state, s.actor, s.opinion, s.changes, s.reasons"
                " from case_steps s join cases c on c.id = s.case_id order by c.case_no, s.seq"):
            steps.setdefault(no, []).append((action, to_state, actor, opinion, json.loads(changes), json.loads(reasons)))
        prints = conn.execute("select case_no, document, copy, serial, voided from print_records"
                              " where document = '登记证书' order by case_no, copy").fetchall()
        organizations = dict(conn.execute("select credit_code, name from organizations"))
        blocks = conn.execute("select count(*) from code_blocks").fetchone()[0]
    assert users == {"admin": ("管理员甲", "admin"), "wangfang": ("王芳", "clerk"), "liqiang": ("李强", "reviewer"),
                     "zhaomin": ("赵敏", "approver")}
    assert blocks == 1
    group, service, returned, withdrawn = sorted(cases)
    for no in (group, service):
        state, collector, code = cases[no]
        assert (state, collector, code) == ("办结", "法定代表人", seen[f"closed:{no}"])
        assert organizations[code] in ("上海市长宁区养老服务协会", "上海市长宁区乐龄社区服务中心")
        assert [s[0] for s in steps[no]] == ["accept", "advance", "advance", "advance", "advance", "advance", "approve",
                                             "print", "issue"]
        assert [s[3] for s in steps[no][2:6]] == [f"{step}：材料齐全，符合规定。" for step in (
            "名称核准", "业务范围审定", "业务主管单位审查", "发起人/拟任负责人审查")]
        assert {s[2] for s in steps[no][2:6]} == {"liqiang"} and steps[no][6][2] == "zhaomin"
        assert [(n, d, c, v) for n, d, c, _serial, v in prints if n == no] == [
            (no, "登记证书", "副本", 0), (no, "登记证书", "正本", 0)]
        for copy in ("正本", "副本"):
            assert Path(seen[f"printed:certificate-{no}-{copy}.pdf"]).read_bytes().startswith(b"%PDF")
    assert cases[returned][0] == "不予登记" and seen["rejected"] == seen["corrected"] == returned
    assert [(a, t) for a, t, *_ in steps[returned]] == [
        ("accept", "受理"), ("supplement", "补正"), ("resume", "受理"), ("amend", "受理"), ("advance", "名称核准"),
        ("advance", "业务范围审定"), ("advance", "业务主管单位审查"), ("advance", "发起人/拟任负责人审查"),
        ("return", "名称核准"), ("reject", "不予登记")]
    amend = next(s for s in steps[returned] if s[0] == "amend")
    assert amend[4] == [["住所", "上海市长宁区愚园路500号", "上海市长宁区愚园路502号"]]
    assert amend[5] == ["申请人核对房产证后更正门牌号"]
    assert next(s for s in steps[returned] if s[0] == "return")[5] == ["名称中的行业表述需重新核准"]
    assert cases[withdrawn][0] == "撤回" and seen["withdrawn"] == withdrawn
