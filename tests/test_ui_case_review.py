"""The case page's review work driven through real widgets (offscreen) on a real store: 更正登记事项
in its dialog (an item, a person replaced, a 前置审批 added), 退回, 发证 with the collector, and
user text shown literally and unclipped at 1366×768."""

from __future__ import annotations

import json
from datetime import date

from PySide6 import QtGui
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QDialogButtonBox, QLabel
from sqlalchemy import func, select, text

from models.audit import AuditEvent
from models.cases import Case, CaseState
from models.outbox import OutboxOp
from tests.test_ui_cases import (
    answer_box,
    button_for,
    buttons,
    open_view,
    shot,
    shown_child,
    when_shown,
    window,  # noqa: F401  (the fixture)
)
from tests.test_workflow_cases import walk_to
from tests.workflow_fixtures import (
    GROUP_FORM,
    SERVICE_FORM,
    form,
    id_number,
    print_certificates,
    with_old_person,
)
from ui.amend_dialog import AmendDialog
from ui.case_view import CaseView, ReturnDialog
from ui.collector_dialog import CollectorDialog
from workflow.intake import open_case
from workflow.queries import get_case
from workflow.transitions import Action, perform

ACCEPTED_ON = date(2026, 9, 21)
ON = date(2026, 9, 22)
LEFT = Qt.MouseButton.LeftButton


def outbox_seq(window) -> int:
    with window.store.read() as session:
        return session.scalar(select(func.max(OutboxOp.seq))) or 0


def outbox_tables(window, since: int) -> set[str]:
    with window.store.read() as session:
        return set(session.scalars(select(OutboxOp.table_name).where(OutboxOp.seq > since)))


def history_rows(view: CaseView) -> list[list[str]]:
    table = view.history_table
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def messages(view: CaseView) -> list[str]:
    return [v.finding.message for v in view.finding_views]


def type_into(widget, typed: str) -> None:
    """Replace the text of a line edit or text box as a clerk does (select all, then the input
    method commits the new text)."""
    widget.setFocus()
    widget.selectAll()
    if hasattr(widget, "insertPlainText"):
        widget.insertPlainText(typed)
    else:
        widget.insert(typed)


def correct(qtbot, view: CaseView, edit, reason: str) -> None:
    """Click 更正登记事项, give the reason, let ``edit(dialog)`` change the form and click 保存更正."""
    def act(dialog: AmendDialog) -> None:
        type_into(dialog.reason.widget, reason)
        edit(dialog)
        assert dialog.save_button.isEnabled(), [e.message for e in dialog.errors]
        qtbot.mouseClick(dialog.save_button, LEFT)

    when_shown(lambda: shown_child(view, AmendDialog), act)
    qtbot.mouseClick(view.amend_button, LEFT)
    qtbot.waitUntil(lambda: not view.loading and view.result_label.text().startswith("已更正"), timeout=15000)


def test_correcting_the_sponsors_approval_in_the_dialog_cures_the_step(window, qtbot):
    case = open_case(window.store, form(GROUP_FORM, sponsor_consent_doc_no="", sponsor_consent_date=""),
                     user=window.clerk, today=ACCEPTED_ON)
    walk_to(window, case.case_no, CaseState.SPONSOR_REVIEW, on=ON)
    view = open_view(qtbot, window, window.reviewer, case.case_no)
    view.tabs.setCurrentWidget(view.review)
    assert messages(view) == ["请录入业务主管单位“上海市长宁区民政局”的批准文号。", "请录入业务主管单位“上海市长宁区民政局”的批准日期。"]
    assert view.note_label.text() == "本环节有 2 项问题须解决：可更正登记事项后重新审查、通知补正、退回。"
    assert buttons(view) == ["审查通过", "通知补正", "退回"] and view.amend_button.isVisible()
    mark = outbox_seq(window)

    def edit(dialog: AmendDialog) -> None:
        assert dialog.tabs.tabText(0) == "登记事项" and dialog.inputs["name"].text() == GROUP_FORM["organization"]["name"]
        day = dialog.inputs["sponsor_consent_date"]
        type_into(day.widget, "2026-02-30")
        assert day.message.text() == "“业务主管单位批准日期”不是一个存在的日期，请核对年月日。" and day.message.isVisible()
        assert dialog.tabs.tabText(0) == "登记事项（1 处待改）" and not dialog.save_button.isEnabled()
        type_into(dialog.inputs["sponsor_consent_doc_no"].widget, "长民〔2026〕12号")
        dialog.resize(1366, 768)
        shot(dialog, "case_amend_dialog.png")
        type_into(day.widget, "2026-08-20")
        assert not day.message.isVisible() and dialog.tabs.tabText(0) == "登记事项"

    correct(qtbot, view, edit, "申请人补交了业务主管单位批准文件")
    assert messages(view) == [] and view.findChild(QLabel, "noFindings").text() == "本环节的系统审查未发现问题。"
    assert "问题须解决" not in view.note_label.text()
    assert view.result_label.text() == "已更正 2 项，已记入办理过程；本环节系统审查已重新运行。"
    last = history_rows(view)[-1]
    assert last[2:6] == ["更正登记事项", "reviewer", "业务主管单位审查", "申请人补交了业务主管单位批准文件"]
    assert last[6] == "业务主管单位批准文号：（空） → 长民〔2026〕12号\n业务主管单位批准日期：（空） → 2026-08-20"
    with window.store.read() as session:
        row = session.scalar(select(Case))
        assert (row.sponsor_consent_doc_no, row.sponsor_consent_date) == ("长民〔2026〕12号", date(2026, 8, 20))
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.amend")).one()
        assert event.actor == "reviewer" and json.loads(event.summary)["after"]["changes"] == [
            ["业务主管单位批准文号", "", "长民〔2026〕12号"], ["业务主管单位批准日期", "", "2026-08-20"]]
    assert outbox_tables(window, mark) == {"cases", "case_steps", "audit_events"}
    view.tabs.setCurrentWidget(view.history_table)
    shot(view, "case_history_after_amend.png")
    act_advance = button_for(view, "advance")
    qtbot.mouseClick(act_advance, LEFT)
    qtbot.waitUntil(lambda: not view.loading and view.snapshot.detail.state == "发起人/拟任负责人审查", timeout=15000)


def test_a_person_over_the_age_limit_is_replaced_in_the_dialog(window, qtbot):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    old_id = with_old_person(window, case.case_no, 1, date(1940, 3, 9), "246")
    walk_to(window, case.case_no, CaseState.PERSONS_REVIEW, on=ON)
    view = open_view(qtbot, window, window.clerk, case.case_no)
    assert [v.finding.rule for v in view.finding_views] == ["persons.age"]
    new_id = id_number(date(1980, 6, 1), "468")
    mark = outbox_seq(window)

    def edit(dialog: AmendDialog) -> None:
        tab = dialog.persons_tab
        dialog.tabs.setCurrentWidget(tab)
        tab.table.selectRow(1)
        qtbot.mouseClick(tab.remove_button, LEFT)
        qtbot.mouseClick(tab.add_button, LEFT)
        for key, value in {"name": "王小红", "id_number": new_id[:-1] + ("0" if new_id[-1] != "0" else "1"),
                           "phone": "13900002222", "roles": "发起人、负责人", "title": "秘书长"}.items():
            tab.table.set_cell(1, key, value)
        assert tab.messages.text() == "“第 2 位人员的身份证号”校验位（最后一位）不正确，请核对号码是否抄错。"
        assert dialog.tabs.tabText(2) == "人员（1 处待改）" and not dialog.save_button.isEnabled()
        tab.table.set_cell(1, "id_number", new_id)
        assert tab.messages.text() == "" and dialog.tabs.tabText(2) == "人员"

    correct(qtbot, view, edit, "原拟任秘书长年满七十周岁，改由王小红担任")
    assert view.finding_views == []
    assert history_rows(view)[-1][6] == f"更换人员：张敏（{old_id}，发起人、负责人） → 王小红（{new_id}，发起人、负责人）"
    assert [view.persons_table.item(r, 0).text() for r in range(view.persons_table.rowCount())] == ["李建国", "王小红"]
    assert outbox_tables(window, mark) == {"case_persons", "case_steps", "audit_events"}


def test_a_prior_approval_is_added_and_an_unsaved_correction_is_discarded_only_when_confirmed(window, qtbot):
    data = form(SERVICE_FORM)
    data["scope_items"][0] = {"catalogue_code": "YL01"}
    case = open_case(window.store, data, user=window.clerk, today=ACCEPTED_ON)
    walk_to(window, case.case_no, CaseState.SCOPE_REVIEW, on=ON)
    view = open_view(qtbot, window, window.reviewer, case.case_no)
    assert [v.finding.rule for v in view.finding_views] == ["scope.prior_approval_missing", "scope.free_text"]

    # 取消 on an untouched form closes at once
    asked: dict = {}
    waiting = answer_box(qtbot, view, "discardAmendment", "放弃更正", asked)
    when_shown(lambda: shown_child(view, AmendDialog), lambda d: qtbot.mouseClick(d.cancel_button, LEFT))
    qtbot.mouseClick(view.amend_button, LEFT)
    waiting["stop"] = True
    assert shown_child(view, AmendDialog) is None and asked == {}

    # 取消 with a change asks first: 继续填写 keeps the dialog, 放弃更正 closes it and saves nothing
    seen: dict = {}

    def cancel_twice(dialog: AmendDialog) -> None:
        dialog.scope_tab.table.set_cell(0, "approval_doc_no", "长民养〔2026〕5号")
        answer_box(qtbot, dialog, "discardAmendment", "继续填写", seen)
        qtbot.mouseClick(dialog.cancel_button, LEFT)
        assert dialog.isVisible() and sorted(seen["buttons"]) == ["放弃更正", "继续填写"]
        answer_box(qtbot, dialog, "discardAmendment", "放弃更正")
        qtbot.mouseClick(dialog.cancel_button, LEFT)

    when_shown(lambda: shown_child(view, AmendDialog), cancel_twice)
    qtbot.mouseClick(view.amend_button, LEFT)
    assert shown_child(view, AmendDialog) is None and len(history_rows(view)) == 3
    mark = outbox_seq(window)

    def edit(dialog: AmendDialog) -> None:
        dialog.tabs.setCurrentWidget(dialog.scope_tab)
        dialog.scope_tab.table.set_cell(0, "approval_doc_no", "长民养〔2026〕5号")
        dialog.scope_tab.table.set_cell(0, "approval_date", "2026-08-01")

    correct(qtbot, view, edit, "申请人补交了养老服务前置审批文件")
    assert [v.finding.rule for v in view.finding_views] == ["scope.free_text"]
    assert history_rows(view)[-1][6] == "业务范围第 1 项前置审批文号：（空） → 长民养〔2026〕5号\n业务范围第 1 项前置审批日期：（空） → 2026-08-01"
    assert view.scope_table.item(0, 2).text() == "长民养〔2026〕5号"
    assert outbox_tables(window, mark) == {"case_scope_items", "case_steps", "audit_events"}


def test_return_from_persons_review_to_name_review_with_a_reason(window, qtbot):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    walk_to(window, case.case_no, CaseState.PERSONS_REVIEW, on=ON)
    view = open_view(qtbot, window, window.reviewer, case.case_no)
    view.tabs.setCurrentWidget(view.review)
    type_into(view.opinion, "名称与近日受理的办件近似")
    seen: dict = {}

    def answer(dialog: ReturnDialog) -> None:
        seen["targets"] = [dialog.target.itemText(i) for i in range(dialog.target.count())]
        seen["default"] = dialog.target.currentText()
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        seen["ok_before"] = ok.isEnabled()
        dialog.target.setCurrentIndex(dialog.target.findText("名称核准"))
        type_into(dialog.text, "名称须重新核准")
        qtbot.mouseClick(ok, LEFT)

    when_shown(lambda: shown_child(view, ReturnDialog), answer)
    qtbot.mouseClick(button_for(view, "return"), LEFT)
    qtbot.waitUntil(lambda: not view.loading and view.snapshot.detail.state == "名称核准", timeout=15000)
    assert seen == {"targets": ["受理", "名称核准", "业务范围审定", "业务主管单位审查"], "default": "业务主管单位审查",
                    "ok_before": False}
    assert history_rows(view)[-1][2:] == ["退回至名称核准", "reviewer", "发起人/拟任负责人审查 → 名称核准", "名称须重新核准",
                                          "审查意见：名称与近日受理的办件近似"]
    assert get_case(window.store, case.case_no).state == "名称核准"


def test_issue_asks_who_collects_refuses_a_bad_id_number_and_confirms(window, qtbot):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    walk_to(window, case.case_no, CaseState.CERTIFICATE, on=ON)
    print_certificates(window, case.case_no)
    perform(window.store, case.case_no, Action.PRINT, user=window.clerk, on=ON)
    view = open_view(qtbot, window, window.clerk, case.case_no)
    view.tabs.setCurrentWidget(view.review)
    assert buttons(view) == ["发证"] and not view.amend_button.isVisible() and not view.opinion.isVisible()
    agent = id_number(date(1985, 4, 4), "135")
    bad = agent[:-1] + ("0" if agent[-1] != "0" else "1")

    # 取消 in the collector dialog, then 取消 in the confirmation: nothing changes
    when_shown(lambda: shown_child(view, CollectorDialog), lambda d: qtbot.mouseClick(
        d.buttons.buttons()[1], LEFT))
    qtbot.mouseClick(button_for(view, "issue"), LEFT)
    seen: dict = {}
    when_shown(lambda: shown_child(view, CollectorDialog), lambda d: qtbot.mouseClick(d.ok_button, LEFT))
    answer_box(qtbot, view, "confirmIssue", "取消", seen)
    qtbot.mouseClick(button_for(view, "issue"), LEFT)
    assert seen["buttons"] == ["发证", "取消"] and seen["text"].startswith(
        f"向法定代表人 李建国（{GROUP_FORM['persons'][0]['id_number']}）发放“上海市长宁区养老服务协会”的登记证书")
    assert get_case(window.store, case.case_no).state == "发证" and not view.loading

    checked: dict = {}

    def by_agent(dialog: CollectorDialog) -> None:
        qtbot.mouseClick(dialog.agent, LEFT)
        type_into(dialog.inputs["name"].widget, "王芳")
        dialog.inputs["id_number"].widget.setFocus()
        qtbot.keyClicks(dialog.inputs["id_number"].widget, bad)
        checked["message"] = dialog.inputs["id_number"].message.text()
        checked["ok_with_bad"] = dialog.ok_button.isEnabled()
        type_into(dialog.inputs["id_number"].widget, agent)
        checked["ok_with_good"] = dialog.ok_button.isEnabled()
        qtbot.mouseClick(dialog.ok_button, LEFT)

    when_shown(lambda: shown_child(view, CollectorDialog), by_agent)
    answer_box(qtbot, view, "confirmIssue", "发证", seen)
    qtbot.mouseClick(button_for(view, "issue"), LEFT)
    qtbot.waitUntil(lambda: not view.loading and view.snapshot.detail.state == "办结", timeout=15000)
    assert checked == {"message": "“代理人身份证号”校验位（最后一位）不正确，请核对号码是否抄错。",
                       "ok_with_bad": False, "ok_with_good": True}
    assert seen["text"].startswith(f"向代理人 王芳（{agent}）发放")
    collector = get_case(window.store, case.case_no).collector
    assert (collector.kind, collector.name, collector.id_number) == ("代理人", "王芳", agent)
    assert history_rows(view)[-1][2:] == ["发证", "clerk", "发证 → 办结", "", f"领证人：代理人 王芳（{agent}）"]


def shown_text(label: QLabel) -> str:
    """What a label shows: its text, or the text its rich text renders to."""
    if label.textFormat() == Qt.TextFormat.PlainText or (
            label.textFormat() == Qt.TextFormat.AutoText and not QtGui.Qt.mightBeRichText(label.text())):
        return label.text()
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def test_typed_markup_shows_literally_and_nothing_is_clipped_at_1366x768(window, qtbot):
    data = form(GROUP_FORM, address="上海市长宁区<b>长宁路</b>100号")
    data["scope_items"][1] = {"text": "<i>组织</i>会员交流活动"}
    case = open_case(window.store, data, user=window.clerk, today=ACCEPTED_ON)
    walk_to(window, case.case_no, CaseState.SCOPE_REVIEW, on=ON)
    long_name = "上海市长宁区<b>x</b>" + "社区养老服务与居家照护专业人员培训及行业自律发展促进" * 3 + "协会"
    with window.store.write() as session:  # a name as long as the column holds, whatever intake allows today
        session.execute(text("update cases set name = :name"), {"name": long_name})
    view = open_view(qtbot, window, window.reviewer, case.case_no)
    view.tabs.setCurrentWidget(view.review)
    qtbot.waitUntil(lambda: view.heading.height() >= view.heading.heightForWidth(view.heading.width()), timeout=5000)

    shown = {label.objectName() or label.text()[:12]: shown_text(label) for label in view.findChildren(QLabel)
             if "<b>" in label.text() or "&lt;" in label.text() or "<i>" in label.text()}
    assert shown["caseHeading"] == f"{case.case_no}　{long_name}"
    assert shown["item_address"] == "上海市长宁区<b>长宁路</b>100号"
    assert any("“<i>组织</i>会员交流活动”不在目录中" in t for t in shown.values())
    assert all("<b>" in t or "<i>" in t for t in shown.values())  # every label with typed markup shows it as typed

    # the heading wraps instead of being cut; the state tag, the deadline and the button keep their room
    assert view.heading.height() >= view.heading.heightForWidth(view.heading.width())
    for widget in (view.state_tag, view.amend_button, view.back_button):
        assert widget.width() >= widget.sizeHint().width(), widget.objectName()
        assert view.rect().contains(QRect(widget.mapTo(view, QPoint(0, 0)), widget.size())), widget.objectName()
    assert view.deadline_label.height() >= view.deadline_label.heightForWidth(view.deadline_label.width())
    view.tabs.setCurrentWidget(view.persons_table)
    table = view.persons_table
    qtbot.waitUntil(table.isVisible, timeout=5000)
    assert table.horizontalScrollBar().maximum() == 0
    header = table.horizontalHeader()
    assert all(header.sectionSize(c) >= header.sectionSizeHint(c) for c in range(table.columnCount()))
    shot(view, "case_page_long_name.png")


def test_the_correction_is_offered_to_clerks_and_reviewers_while_the_case_is_under_review(window, qtbot):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    perform(window.store, case.case_no, Action.SUPPLEMENT, user=window.clerk, reasons=["缺少会员名单原件"])
    assert open_view(qtbot, window, window.clerk, case.case_no).amend_button.isVisible()  # in 补正
    assert open_view(qtbot, window, window.reviewer, case.case_no).amend_button.isVisible()
    assert not open_view(qtbot, window, window.approver, case.case_no).amend_button.isVisible()
    perform(window.store, case.case_no, Action.REJECT, user=window.approver, reasons=["材料不实"])
    assert not open_view(qtbot, window, window.clerk, case.case_no).amend_button.isVisible()
