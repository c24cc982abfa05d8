"""The case page (办件页): tabs 基本信息 / 人员 / 材料 / 审查 / 历史 of one case.

The page renders what ``workflow.case_page.case_page`` returns and decides nothing itself. The
审查 tab shows the findings of the current step (in the name check's shape), a box for the
reviewer's opinion (审查意见) and a button for each action the domain offers this user (the
four-eyes rule, 四眼原则, already applied). 退回 asks for the step to return to and the reasons, 核准登记 and 发证
ask for confirmation, 发证 for the certificate's collector. 更正登记事项 opens the correction
dialog (ui/amend_dialog.py) for the roles that may correct. Every action runs a domain function
on the task runner; a refusal is shown as its Chinese message. Text the clerks typed is shown as
plain text everywhere (a name like ``<b>x</b>`` shows literally).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models.accounts import Role
from models.base import local_time
from models.cases import CaseState, PersonRole
from models.errors import SoregError
from models.print_records import DocumentKind
from ui.amend_dialog import AmendDialog
from ui.collector_dialog import CollectorDialog
from ui.context import PageContext
from ui.pages.name_check_page import FindingView
from workflow.amend import Amended
from workflow.case_page import CaseItem, CasePage, case_page
from workflow.checks import has_rejects
from workflow.materials import receive_material
from workflow.queries import StepRecord
from workflow.states import FINAL, is_open
from workflow.transitions import (
    Action,
    Collector,
    Outcome,
    StepRefused,
    Transition,
    perform,
)

STATE_TAG_COLOURS = {CaseState.SUPPLEMENT: ("#fff3e0", "#e65100"), CaseState.REJECTED: ("#ffebee", "#b71c1c"),
                     CaseState.WITHDRAWN: ("#eeeeee", "#424242"), CaseState.CLOSED: ("#e8f5e9", "#1b5e20")}
REVIEWING = frozenset({Role.REVIEWER, Role.APPROVER})  # the roles whose steps take an opinion (审查意见)


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def _answered(dialog: QDialog) -> bool:
    """Run ``dialog`` modally; True when accepted. It is deleted once its values have been read."""
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    return accepted


def plain_label(name: str = "", text: str = "") -> QLabel:
    """A label that shows its text literally (Qt would take ``<b>…`` for rich text)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


def history_row(step: StepRecord) -> tuple[object, ...]:
    """One line of the 历史 tab: 序号, 时间, 操作, 办理人, 流转, 理由, 意见与说明."""
    moved = f"{step.from_state} → {step.to_state}" if step.from_state and step.from_state != step.to_state \
        else step.to_state
    details = ([f"审查意见：{step.opinion}"] if step.opinion else []) + ([step.note] if step.note else []) \
        + [str(c) for c in step.changes]
    return (step.seq, local_time(step.at).strftime("%Y-%m-%d %H:%M"), step.title, step.actor, moved,
            "；".join(step.reasons), "\n".join(details))


class ReasonsDialog(QDialog):
    """Asks for the reasons of 补正 (the missing items), 不予登记 or 撤回: one per line or ticked."""

    def __init__(self, title: str, prompt: str, items: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.boxes = [QCheckBox(item) for item in items]
        for box in self.boxes:
            box.setChecked(True)
        self.text = QPlainTextEdit()
        self.text.setObjectName("reasonsText")
        self.text.setPlaceholderText(self.tr("每行一条"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("确定"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt))
        for box in self.boxes:
            layout.addWidget(box)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)
        self.resize(520, 360)
        self.text.textChanged.connect(self._update)
        for box in self.boxes:
            box.toggled.connect(self._update)
        self._update()

    def reasons(self) -> list[str]:
        ticked = [b.text() for b in self.boxes if b.isChecked()]
        return ticked + [line.strip() for line in self.text.toPlainText().splitlines() if line.strip()]

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.reasons()))


class ReturnDialog(ReasonsDialog):
    """退回: the step to return to (one the case has passed) and the reasons."""

    def __init__(self, transition: Transition, targets: list[str], parent: QWidget | None = None) -> None:
        super().__init__(self.tr(transition.label), self.tr("请填写退回的理由（每行一条）："), [], parent)
        self.target = QComboBox()
        self.target.setObjectName("returnTarget")
        self.target.addItems(list(targets))
        self.target.setCurrentIndex(len(targets) - 1)  # the step just before this one
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("退回至：")))
        row.addWidget(self.target, 1)
        self.layout().insertLayout(0, row)


class CaseView(QWidget):
    """One case: its items, persons, materials, the current step's review and its history."""

    back_requested = Signal()
    changed = Signal(str)  # the case moved or its materials changed: the list should refresh
    print_requested = Signal(str, object)  # case number and the DocumentKind to print (打印 page)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.case_no: str | None = None
        self.snapshot: CasePage | None = None
        self.action_buttons: dict[Action, QPushButton] = {}
        self.last_outcome: Outcome | None = None
        self._loading = 0

        self.back_button = QPushButton(self.tr("← 返回办件列表"))
        self.back_button.setToolTip(self.tr("Esc"))
        self.back_button.clicked.connect(self.back_requested)
        self.heading = plain_label("caseHeading")
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_tag = plain_label("stateTag")
        self.deadline_label = plain_label("deadline")
        self.deadline_label.setWordWrap(True)
        self.amend_button = QPushButton(self.tr("更正登记事项(&E)…"))
        self.amend_button.setObjectName("amendButton")
        self.amend_button.setToolTip(self.tr("更正登记事项、业务范围与前置审批、人员，须写明理由"))
        self.amend_button.clicked.connect(self.open_amend_dialog)
        self.amend_button.hide()
        facts = QHBoxLayout()
        facts.addWidget(self.state_tag)
        facts.addWidget(self.deadline_label, 1)
        title = QVBoxLayout()
        title.addWidget(self.heading)
        title.addLayout(facts)
        top = QHBoxLayout()
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(title, 1)
        top.addWidget(self.amend_button, 0, Qt.AlignmentFlag.AlignTop)

        self.tabs = QTabWidget()
        self.items_form = QFormLayout()
        items = QWidget()
        items.setLayout(self.items_form)
        items_scroll = QScrollArea()
        items_scroll.setWidgetResizable(True)
        items_scroll.setWidget(items)
        self.scope_table = self._table(("业务范围", "目录代码", "前置审批文号", "前置审批日期"))
        self.changes_caption = plain_label("changesCaption", self.tr("变更事项（现登记 → 申请变更为）："))
        self.changes_table = self._table(("变更事项", "变更前", "变更后"))
        self.changes_table.setObjectName("changesTable")
        self.changes_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        basics = QWidget()
        basics_layout = QVBoxLayout(basics)
        basics_layout.addWidget(self.changes_caption)
        basics_layout.addWidget(self.changes_table, 2)
        basics_layout.addWidget(items_scroll, 3)
        basics_layout.addWidget(self.scope_table, 1)
        self.persons_table = self._table(("姓名", "身份", "身份证号", "出生日期", "联系电话", "拟任职务", "任职日期"))
        self.materials_table = self._table(("材料", "代码", "状态", "收到日期", "扫描件"))
        self.receive_button = QPushButton(self.tr("登记收到(&R)"))
        self.attach_button = QPushButton(self.tr("附加扫描件(&F)…"))
        self.receive_button.clicked.connect(lambda: self.receive(None))
        self.attach_button.clicked.connect(self.attach_file)
        materials = QWidget()
        materials_layout = QVBoxLayout(materials)
        materials_layout.addWidget(self.materials_table, 1)
        material_buttons = QHBoxLayout()
        material_buttons.addWidget(self.receive_button)
        material_buttons.addWidget(self.attach_button)
        material_buttons.addStretch(1)
        materials_layout.addLayout(material_buttons)
        self.history_table = self._table(("序号", "时间", "操作", "办理人", "流转", "理由", "意见与说明"))
        self.history_table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Interactive)
        self.history_table.setColumnWidth(5, 240)

        self.review = QWidget()
        self.step_label = plain_label("stepLabel")
        self.step_label.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.findings_box = QWidget()
        self.findings_layout = QVBoxLayout(self.findings_box)
        self.findings_layout.setContentsMargins(0, 0, 0, 0)
        findings_scroll = QScrollArea()
        findings_scroll.setWidgetResizable(True)
        findings_scroll.setWidget(self.findings_box)
        self.finding_views: list[FindingView] = []
        self.acknowledge = QCheckBox(self.tr("我已审核以上提示，确认继续(&K)"))
        self.acknowledge.setObjectName("acknowledge")
        self.result_label = plain_label("resultLabel")
        self.result_label.setStyleSheet("font-size: 12pt; color: #1b5e20;")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label = plain_label("actionNote")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #616161;")
        self.opinion_label = QLabel(self.tr("审查意见（随本次操作记入办理过程，可不填）："))
        self.opinion = QPlainTextEdit()
        self.opinion.setObjectName("opinion")
        self.opinion.setTabChangesFocus(True)
        self.opinion.setFixedHeight(56)
        self.opinion_label.setBuddy(self.opinion)
        self.actions_row = QHBoxLayout()
        self.print_row = QHBoxLayout()
        self.print_buttons: dict[DocumentKind, QPushButton] = {}
        review_layout = QVBoxLayout(self.review)
        review_layout.addWidget(self.step_label)
        review_layout.addWidget(findings_scroll, 1)
        review_layout.addWidget(self.acknowledge)
        review_layout.addWidget(self.opinion_label)
        review_layout.addWidget(self.opinion)
        review_layout.addLayout(self.actions_row)
        review_layout.addLayout(self.print_row)
        review_layout.addWidget(self.note_label)
        review_layout.addWidget(self.result_label)

        for widget, title in ((basics, "基本信息"), (self.persons_table, "人员"), (materials, "材料"),
                              (self.review, "审查"), (self.history_table, "历史")):
            self.tabs.addTab(widget, self.tr(title))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

        # window-wide while the case page is shown (hidden widgets' shortcuts do not fire)
        self._shortcut("Esc", self.back_requested.emit)
        for n in range(self.tabs.count()):
            self._shortcut(f"Alt+{n + 1}", lambda n=n: self.tabs.setCurrentIndex(n))

    def _shortcut(self, keys: str, slot) -> None:
        action = QAction(self)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)

    def _table(self, headers: tuple[str, ...]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels([self.tr(h) for h in headers])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return table

    @staticmethod
    def _fill(table: QTableWidget, rows: list[tuple]) -> None:
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                table.setItem(r, c, QTableWidgetItem(_text(value)))
        table.resizeRowsToContents()

    # -- loading --
    @property
    def loading(self) -> bool:
        return self._loading > 0

    def show_case(self, case_no: str) -> None:
        self.case_no = case_no
        self.snapshot = None
        self.result_label.clear()
        self.opinion.clear()
        self.heading.setText(case_no)
        self.state_tag.clear()
        self.reload()

    def reload(self) -> None:
        if self.case_no is None:
            return
        self._loading += 1
        store, user, case_no = self.context.store, self.context.user, self.case_no
        self.context.tasks.run(lambda _p: case_page(store, case_no, user), on_success=self._loaded,
                               on_failure=self._load_failed, parent=self)

    def _load_failed(self, error: SoregError) -> None:
        self._loading -= 1
        QMessageBox.warning(self, self.tr("无法打开办件"), error.message)

    def _loaded(self, snapshot: CasePage) -> None:
        self._loading -= 1
        if snapshot.detail.case_no != self.case_no:
            return
        self.snapshot = snapshot
        detail, items = snapshot.detail, snapshot.detail.items
        self.heading.setText(f"{detail.case_no}　{items['name']}")
        self._render_state_tag(detail.state)
        self.amend_button.setVisible(snapshot.may_amend)
        self._render_deadline(snapshot)
        self._render_items(snapshot.items)
        self._fill(self.changes_table, [(c.label, c.before, c.after) for c in snapshot.changes])
        for widget in (self.changes_caption, self.changes_table):
            widget.setVisible(bool(snapshot.changes))
        self._fill(self.scope_table, [(s.text, s.catalogue_code, s.approval_doc_no, s.approval_date) for s in detail.scope])
        self._fill(self.persons_table, [(p.name, p.roles.replace(",", "、"), p.id_number, p.birth_date, p.phone, p.title,
                                         p.appointed_on or self.tr("核准日")) for p in detail.persons])
        self._fill(self.materials_table, [
            (m.label, m.item_code, self.tr("已收") if m.received else self.tr("待补"), m.received_on,
             "；".join(a.original_name for a in m.attachments)) for m in detail.materials])
        self._fill(self.history_table, [history_row(s) for s in snapshot.history])
        self.receive_button.setEnabled(snapshot.may_receive)
        self.attach_button.setEnabled(snapshot.may_receive)
        self._render_review(snapshot)

    def _render_state_tag(self, state: str) -> None:
        background, colour = STATE_TAG_COLOURS.get(state, ("#e3f2fd", "#0d47a1"))
        self.state_tag.setText(state)
        self.state_tag.setStyleSheet(f"background: {background}; color: {colour}; border-radius: 4px; "
                                     "padding: 2px 8px; font-weight: bold;")

    def _render_deadline(self, snapshot: CasePage) -> None:
        items = snapshot.detail.items
        if not is_open(snapshot.detail.state) or items["credit_code"]:
            self.deadline_label.setText(self.tr("承诺办结日 {0}").format(items["due_date"].isoformat()))
            self.deadline_label.setStyleSheet("")
            return
        d = snapshot.deadline
        text = (self.tr("承诺办结日 {0}，已超期 {1} 个工作日") if d.overdue else self.tr("承诺办结日 {0}，剩余 {1} 个工作日")
                ).format(d.due_date.isoformat(), abs(d.working_days_left))
        if d.stopped:
            text += self.tr("（补正中，时限中止）")
        self.deadline_label.setText(text + self.tr("；法定期限 {0}").format(d.statutory_due_date.isoformat()))
        self.deadline_label.setStyleSheet("color: #b71c1c; font-weight: bold;" if d.overdue else "")

    def _render_items(self, items: tuple[CaseItem, ...]) -> None:
        while self.items_form.rowCount():
            self.items_form.removeRow(0)
        for item in items:
            shown = plain_label(f"item_{item.key}", _text(item.value))
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.items_form.addRow(self.tr(item.label) + "：", shown)

    def _render_review(self, snapshot: CasePage) -> None:
        state, resume = snapshot.detail.state, snapshot.detail.items["resume_state"]
        self.step_label.setText(self.tr("当前环节：{0}").format(state) if not resume else
                                self.tr("当前环节：{0}（材料补齐后回到“{1}”，以下为该环节的审查结果）").format(state, resume))
        for i in reversed(range(self.findings_layout.count())):
            item = self.findings_layout.takeAt(i)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.finding_views = [FindingView(f) for f in snapshot.findings]
        for view in self.finding_views:
            self.findings_layout.addWidget(view)
        if not snapshot.findings:
            note = plain_label("noFindings", self.tr("本环节的系统审查未发现问题。") if snapshot.step_has_checks
                               else self.tr("本环节没有系统审查要点。"))
            self.findings_layout.addWidget(note)
        self.findings_layout.addStretch(1)
        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.action_buttons = {}
        offered = snapshot.actions
        for transition in offered:
            button = QPushButton(self.tr(transition.label))
            button.setObjectName(f"action_{transition.action.value}")
            button.clicked.connect(lambda _=False, t=transition: self.take(t))
            self.actions_row.addWidget(button)
            self.action_buttons[transition.action] = button
        self.actions_row.addStretch(1)
        passing = any(t.action in (Action.ADVANCE, Action.APPROVE, Action.PRINT, Action.ISSUE) for t in offered)
        self.acknowledge.setVisible(passing and any(f.level == "warn" for f in snapshot.findings))
        self.acknowledge.setChecked(False)
        takes_opinion = any(t.roles & REVIEWING & self.context.user.roles for t in offered)
        self.opinion_label.setVisible(takes_opinion)
        self.opinion.setVisible(takes_opinion)
        notes = []
        if has_rejects(snapshot.findings) and state not in FINAL:
            count = sum(1 for f in snapshot.findings if f.level == "reject")
            ways = ([self.tr("更正登记事项后重新审查")] if snapshot.may_amend else []) + [
                self.tr(t.label) for t in offered if t.action in (Action.SUPPLEMENT, Action.RETURN, Action.REJECT)]
            notes.append(self.tr("本环节有 {0} 项问题须解决").format(count)
                         + (self.tr("：可{0}。").format("、".join(ways)) if ways else self.tr("。")))
        if snapshot.four_eyes_withheld:
            notes.append(self.tr("本办件由您受理，按四眼原则须由其他审批人员核准。"))
        if not offered:
            notes.append(self.tr("您的角色在“{0}”环节没有可执行的操作。").format(state) if is_open(state)
                         else self.tr("办件已{0}。").format(state))
        self.note_label.setText("".join(notes))
        self._render_print_buttons(snapshot)
        if snapshot.detail.items["credit_code"]:
            self.result_label.setText(self.tr("统一社会信用代码：{0}").format(snapshot.detail.items["credit_code"]))

    def _render_print_buttons(self, snapshot: CasePage) -> None:
        """One button per document this case has now; each opens it on the 打印 page."""
        while self.print_row.count():
            item = self.print_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.print_buttons = {}
        case_no = snapshot.detail.case_no
        for kind in snapshot.documents:
            button = QPushButton(self.tr("打印{0}…").format(kind.value))
            button.setObjectName(f"print_{kind.name.lower()}")
            button.clicked.connect(lambda _=False, k=kind: self.print_requested.emit(case_no, k))
            self.print_row.addWidget(button)
            self.print_buttons[kind] = button
        self.print_row.addStretch(1)

    # -- actions --
    def take(self, transition: Transition) -> None:
        """Run one action of the 审查 tab, asking first for what the domain needs: reasons, the step
        to return to, the certificate's collector, or a confirmation."""
        reasons: list[str] = []
        return_to: str | None = None
        collector: Collector | None = None
        if transition.action is Action.RETURN:
            dialog = ReturnDialog(transition, list(self.snapshot.return_targets), self)
            if not _answered(dialog):
                return
            reasons, return_to = dialog.reasons(), dialog.target.currentText()
        elif transition.needs_reasons:
            dialog = self._reasons_dialog(transition)
            if not _answered(dialog):
                return
            reasons = dialog.reasons()
        elif transition.action is Action.APPROVE:
            question = self.tr("核准“{0}”的成立登记？\n核准后即赋予统一社会信用代码并登记入库，不能撤销。").format(
                self.snapshot.detail.items["name"])
            if not self._confirm(self.tr("确认核准登记"), question, self.tr("核准登记"), "confirmApprove"):
                return
        elif transition.action is Action.ISSUE:
            collector = self._ask_collector()
            if collector is None:
                return
        self.run_action(transition.action, reasons, return_to=return_to, collector=collector)

    def _ask_collector(self) -> Collector | None:
        """发证: who collects the certificate, then a confirmation naming them."""
        legal = next(p for p in self.snapshot.detail.persons if PersonRole.LEGAL_REPRESENTATIVE in p.roles.split(","))
        dialog = CollectorDialog(legal, self)
        if not _answered(dialog):
            return None
        collector = dialog.collector()
        question = self.tr("向{0}发放“{1}”的登记证书（正本、副本）？\n发证后办件办结。").format(
            dialog.collector_text(), self.snapshot.detail.items["name"])
        return collector if self._confirm(self.tr("确认发证"), question, self.tr("发证"), "confirmIssue") else None

    def _confirm(self, title: str, question: str, yes: str, name: str) -> bool:
        """Ask ``question`` with Chinese buttons ``yes`` / 取消; True when ``yes`` was clicked."""
        box = QMessageBox(QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.NoButton, self)
        box.setObjectName(name)
        box.setTextFormat(Qt.TextFormat.PlainText)
        accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(accept)
        box.exec()
        box.deleteLater()
        return box.clickedButton() is accept

    def _reasons_dialog(self, transition: Transition) -> ReasonsDialog:
        if transition.action is Action.SUPPLEMENT:
            missing = [m.label for m in self.snapshot.detail.materials if not m.received]
            return ReasonsDialog(self.tr(transition.label), self.tr("请勾选或填写需补正的材料和事项："), missing, self)
        prompts = {Action.REJECT: self.tr("请填写不予登记的理由（每行一条，将写入不予登记通知书）："),
                   Action.WITHDRAW: self.tr("请填写撤回的原因（每行一条）：")}
        return ReasonsDialog(self.tr(transition.label), prompts[transition.action], [], self)

    def run_action(self, action: Action, reasons: list[str] | None = None, *, return_to: str | None = None,
                   collector: Collector | None = None) -> None:
        store, user, case_no = self.context.store, self.context.user, self.case_no
        acknowledged = not self.acknowledge.isHidden() and self.acknowledge.isChecked()
        opinion = "" if self.opinion.isHidden() else self.opinion.toPlainText()
        for button in self.action_buttons.values():
            button.setEnabled(False)
        self._loading += 1

        def work(_progress) -> Outcome:
            return perform(store, case_no, action, user=user, reasons=reasons or (), opinion=opinion,
                           acknowledge_warnings=acknowledged, return_to=return_to, collector=collector)

        self.context.tasks.run(work, on_success=self._performed, on_failure=self._refused, parent=self)

    def open_amend_dialog(self) -> None:
        """更正登记事项: the correction dialog; after a save the case is read again, its findings re-run."""
        if self.snapshot is None:
            return
        dialog = AmendDialog(self.context, self.snapshot.detail, self)
        if _answered(dialog) and dialog.amended is not None:
            self._amended(dialog.amended)

    def _amended(self, amended: Amended) -> None:
        self.changed.emit(amended.case.case_no)
        self.result_label.setText(self.tr("已更正 {0} 项，已记入办理过程；本环节系统审查已重新运行。").format(len(amended.changes)))
        self.tabs.setCurrentWidget(self.review)
        self.reload()

    def _performed(self, outcome: Outcome) -> None:
        self._loading -= 1
        self.last_outcome = outcome
        self.opinion.clear()
        self.changed.emit(outcome.case.case_no)
        if outcome.registration is not None:
            r = outcome.registration
            message = self.tr("核准登记完成。\n统一社会信用代码：{0}\n证书有效期至：{1}").format(
                r.credit_code, r.certificate_valid_until.isoformat())
            if r.codes_low:
                message += self.tr("\n注意：预留代码仅剩 {0} 个，请及时申领新的代码段。").format(r.codes_remaining)
            self._message(QMessageBox.Icon.Information, self.tr("核准登记"), message, "approvedBox")
        self.reload()

    def _refused(self, error: SoregError) -> None:
        self._loading -= 1
        for button in self.action_buttons.values():
            button.setEnabled(True)
        if isinstance(error, StepRefused) and self.snapshot is not None:
            self._render_review(replace(self.snapshot, findings=tuple(error.findings)))
        self._message(QMessageBox.Icon.Warning, self.tr("操作未完成"), error.message, "refusedBox")

    def _message(self, icon: QMessageBox.Icon, title: str, text: str, name: str) -> None:
        if not shiboken6.isValid(self):
            return
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName(name)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.button(QMessageBox.StandardButton.Ok).setText(self.tr("确定"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _selected_material(self) -> str | None:
        row = self.materials_table.currentRow()
        if self.snapshot is None or row < 0:
            QMessageBox.information(self, self.tr("材料"), self.tr("请先在材料清单中选中一项材料。"))
            return None
        return self.snapshot.detail.materials[row].item_code

    def receive(self, file: Path | None) -> None:
        """Record the selected material as received, with its scanned ``file`` if given."""
        item = self._selected_material()
        if item is None:
            return
        store, user, case_no = self.context.store, self.context.user, self.case_no
        self._loading += 1

        def done(_result) -> None:
            self._loading -= 1
            self.changed.emit(case_no)
            self.reload()

        def failed(error: SoregError) -> None:
            self._loading -= 1
            self._message(QMessageBox.Icon.Warning, self.tr("未能登记材料"), error.message, "refusedBox")

        self.context.tasks.run(lambda _p: receive_material(store, case_no, item, user=user, file=file),
                               on_success=done, on_failure=failed, parent=self)

    def attach_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("选择扫描件"), "", self.tr("扫描件 (*.pdf *.jpg *.jpeg *.png)"))
        if name:
            self.receive(Path(name))

