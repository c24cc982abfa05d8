"""The intake wizard names the open case that holds a name (名称保留), as the clerk types it."""

from __future__ import annotations

from datetime import date

from tests.test_ui_case_wizard import fill_items, open_wizard, shot, wait_verdict, window  # noqa: F401
from tests.workflow_fixtures import GROUP_FORM, form
from workflow.intake import open_case
from workflow.transitions import Action, perform

HELD = "上海市长宁区琴韵音乐协会"


def test_the_wizard_names_the_case_holding_the_name(window, qtbot):  # noqa: F811
    case = open_case(window.store, form(GROUP_FORM, name=HELD), user=window.clerk, today=date(2026, 9, 20))
    perform(window.store, case.case_no, Action.ADVANCE, user=window.clerk, on=date(2026, 9, 20))
    perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer, on=date(2026, 9, 20),
            acknowledge_warnings=True)

    wizard = open_wizard(qtbot, window)
    fill_items(qtbot, wizard, name=HELD)
    wait_verdict(qtbot, wizard, "名称核准：不予通过")
    details = wizard.organization_page.name_verdict.details.text()
    assert (f"[不予通过] 与正在办理的办件已保留的名称相同：窗口 W01 办件 {case.case_no} 保留的“{HELD}”"
            "（保留至 2027-03-19）。") in details
    assert wizard.organization_page.name_verdict.reason.isVisible()
    shot(wizard, "case_wizard_name_reserved.png")
