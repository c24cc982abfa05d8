"""A 变更登记 as the robot plays it through the real program (tests/robot.py, run by tests/test_change_day.py).

The window is set up and a 社会团体 registered by a 成立登记 as in the clerk's day; then, from the
organization's page in the 登记库, the clerk starts a 变更登记 of 名称, 住所 and 法定代表人 (only those
fields editable), the reviewer passes 名称核准 and the persons review, the approver approves, the
clerk prints the 准予变更登记通知书 and the new certificate (new 印制号) and issues it, taking the old
copies back; the organization's page then shows the versions before and after.
"""

from __future__ import annotations

import re

from clerk_day_script import (
    ADMIN,
    APPROVER,
    CLERK,
    GROUP,
    REVIEWER,
    act,
    administer,
    as_user,
    confirm,
    establish,
    fill_item,
    fill_rows,
    issue,
    log_in,
    open_case,
    page,
    print_certificates,
    print_on_paper,
    review_to_approval,
    set_up_window,
    state_is,
    wizard_next,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QTableView, QTableWidget, QWizard
from robot import Robot, field_by_label, find_checkbox, find_visible

NEW_NAME = "上海市长宁区养老服务促进会"
NEW_ADDRESS = "上海市长宁区天山路300号"
NEW_REP = {"姓名": "周立新", "身份证号": "310105196802025312", "联系电话": "13500005555", "身份": ("法定代表人", "负责人"),
           "拟任职务": "会长"}


def open_organization(robot: Robot, window, name: str):
    registry = yield from page(robot, window, "登记库")
    if registry.stack.currentWidget() is registry.organization_view:
        yield robot.press(registry, "返回登记库")
    robot.type(find_visible(registry, QLineEdit), name)
    table = find_visible(registry, QTableView)
    yield robot.until(f"登记库只剩“{name}”", lambda: table.model().rowCount() == 1
                      and table.model().index(0, 0).data() == name)
    robot.double_click_row(table, 0)
    view = registry.organization_view
    yield robot.until("组织页", lambda: view.isVisible() and view.page is not None and view.page.record.name == name)
    return registry, view


def change_intake(robot: Robot, window, old_name: str):
    """From the organization page: 办理变更登记 → mark 名称, 住所, 法定代表人 → fill them → 受理."""
    _registry, view = yield from open_organization(robot, window, old_name)
    yield robot.press(view, "办理变更登记")
    wizard = yield robot.until("变更登记向导", lambda: next(
        (w for w in window.findChildren(QWizard) if w.isVisible() and "变更登记" in w.windowTitle()), None))
    yield robot.text(wizard, re.escape(old_name) + "（社会团体）")
    name_box = find_checkbox(wizard, "名称")
    yield robot.until("变更事项可勾选", lambda: name_box.isEnabled())
    name_field = wizard.organization_page.inputs["name"].widget
    robot.remember("name_editable_before_marking", name_field.isEnabled())
    for item in ("名称", "住所", "法定代表人"):
        robot.set_checked(find_checkbox(wizard, item))
    robot.type(field_by_label(wizard, "内部决议日期"), wizard.today.isoformat())
    yield from wizard_next(robot, wizard, "登记事项")
    robot.remember("editable_items", sorted(k for k, i in wizard.organization_page.inputs.items() if i.widget.isEnabled()))
    fill_item(robot, wizard, "拟定名称", NEW_NAME)
    fill_item(robot, wizard, "住所", NEW_ADDRESS)
    fill_item(robot, wizard, "所属街镇", "天山路街道")
    fill_item(robot, wizard, "住所证明文件", "租赁合同CN-2026-0101")
    fill_item(robot, wizard, "住所使用期限至", wizard.today.replace(year=wizard.today.year + 3).isoformat())
    fill_item(robot, wizard, "申请人（经办人）", "王芳")
    fill_item(robot, wizard, "申请人电话", "13812345678")
    yield robot.text(wizard, "名称核准：(通过|需审核)")
    yield from wizard_next(robot, wizard, "业务范围")
    robot.remember("scope_editable", wizard.scope_page.table.isEnabled())
    yield from wizard_next(robot, wizard, "人员")
    # the new legal representative takes 李建国's row; 张敏 stays 秘书长 (her phone is asked again)
    yield from fill_rows(robot, wizard, [NEW_REP, {"联系电话": "02162345678"}], "添加人员")
    yield from wizard_next(robot, wizard, "申请材料")
    robot.remember("materials", [b.text() for b in wizard.materials_page.boxes.values()])
    yield robot.press(wizard, "全部已收")
    yield from wizard_next(robot, wizard, "确认受理")
    yield robot.text(wizard, "变更事项")
    robot.dump_screen("change-confirm")
    yield robot.press(wizard, "受理")
    number = yield robot.text(wizard, r"^办件编号：\S+$")
    yield robot.press(wizard, "完成")
    yield robot.gone(wizard)
    return number.split("：")[1]


def print_notice(robot: Robot, window, case_no: str):
    printing = yield from page(robot, window, "打印")
    robot.type(field_by_label(printing, "办件"), case_no)
    robot.key(field_by_label(printing, "办件"), Qt.Key.Key_Return)
    yield robot.text(printing, "制证")
    combo = field_by_label(printing, "文书")
    robot.choose(combo, "准予变更登记通知书")
    yield robot.until("选中通知书", lambda: "准予变更登记通知书" in combo.currentText())
    yield from print_on_paper(robot, window, printing, f"change-notice-{case_no}.pdf", expect="准予变更登记通知书")


def change_day(robot: Robot):
    yield from set_up_window(robot)
    username, _name, password = ADMIN
    window = yield from log_in(robot, username, password)
    yield from administer(robot, window)
    window, first = yield from establish(robot, window, GROUP, "ZS2026000")
    robot.remember("established", first)

    window = yield from as_user(robot, window, CLERK)
    case_no = yield from change_intake(robot, window, GROUP["items"]["拟定名称"])
    robot.remember("change", case_no)
    cases, tabs = yield from open_case(robot, window, case_no)
    robot.tab(tabs, "基本信息")
    changes = yield robot.until("变更事项表", lambda: find_visible(cases, QTableWidget, lambda t: t.objectName() == "changesTable"))
    robot.remember("case_page_changes", [[changes.item(r, c).text() for c in range(3)] for r in range(changes.rowCount())])
    robot.tab(tabs, "审查")
    yield from act(robot, cases, "提交审查")
    yield state_is(robot, cases, "名称核准")
    window = yield from as_user(robot, window, REVIEWER)
    yield from review_to_approval(robot, window, case_no, ("名称核准", "发起人/拟任负责人审查"))
    window = yield from as_user(robot, window, APPROVER)
    cases, _tabs = yield from open_case(robot, window, case_no)
    yield from act(robot, cases, "核准登记", opinion="同意变更。")
    yield from confirm(robot, "核准登记")
    yield state_is(robot, cases, "制证")
    window = yield from as_user(robot, window, CLERK)
    yield from print_notice(robot, window, case_no)
    yield from print_certificates(robot, window, case_no, "ZS2026200")
    cases, _tabs = yield from open_case(robot, window, case_no)
    yield from act(robot, cases, "制证完成")
    yield state_is(robot, cases, "发证")
    yield robot.text(cases, "发证时须收回旧登记证书")
    yield from finish_and_issue_from_issue(robot, window, case_no)

    _registry, view = yield from open_organization(robot, window, NEW_NAME)
    versions = view.versions_table
    robot.remember("versions", [[versions.item(r, c).text() for c in range(3)] for r in range(versions.rowCount())])
    robot.remember("version_changes", [[view.changes_table.item(r, c).text() for c in range(3)]
                                       for r in range(view.changes_table.rowCount())])
    robot.remember("org_facts", view.facts.text())
    robot.dump_screen("registry-org-versions")

    # the old name, typed on the 名称核准 page: refused, as a former name protected for a year
    checker = yield from page(robot, window, "名称核准")
    robot.type(checker.name_edit, GROUP["items"]["拟定名称"])
    yield robot.until("名称核准结论", lambda: checker.banner.text() not in ("", "请输入拟申请的名称")
                      and checker.name_edit.text() == GROUP["items"]["拟定名称"] and bool(checker.finding_views))
    robot.remember("old_name_verdict", checker.banner.text())
    robot.remember("old_name_findings", [view.message.text() for view in checker.finding_views])


def finish_and_issue_from_issue(robot: Robot, window, case_no: str):
    """发证 (the case is at 发证): the collector, the old copies' return acknowledged."""
    cases, _tabs = yield from open_case(robot, window, case_no)
    yield from issue(robot, cases)
