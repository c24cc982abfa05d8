"""The case page (办件页): tabs 基本信息 / 人员 / 材料 / 审查 / 历史 of one case.

The 审查 tab shows the findings of the current step (in the name check's shape) and a button for
each action the domain allows this user in this state (``available_transitions``); the approve
button is left out when the four-eyes rule (四眼原则) would refuse it. Every action runs
``workflow.transitions.perform`` on the task runner; a refusal is shown as its Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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

from accounts.users import UserInfo
from models.accounts import Role
from models.cases import CaseState
from models.errors import SoregError
from models.print_records import DocumentKind
from models.reference import streets
from printing.case_documents import NOTICES
from models.settings import FOUR_EYES, get_setting
from registry.name_rules import Finding
from ui.context import PageContext
from ui.pages.name_check_page import FindingView
from workflow.case_queries import CaseDetail, case_detail
from workflow.checks import STEP_CHECKS
from workflow.deadlines import DeadlineStatus, deadline_status
from workflow.materials import receive_material
from workflow.queries import StepRecord, case_history
from workflow.states import is_open
from workflow.transitions import Action, Outcome, StepRefused, Transition, available_transitions, perform, preview_findings

ACTION_NAMES = {"accept": "受理", "advance": "审查通过", "approve": "核准登记", "print": "制证完成", "issue": "发证",
                "supplement": "通知补正", "resume": "材料补齐", "reject": "不予登记", "withdraw": "撤回"}
ITEM_LABELS = (
    ("case_no", "办件编号"), ("business_type", "业务类型"), ("org_type", "组织类型"), ("state", "状态"),
    ("name", "拟定名称"), ("address", "住所"), ("street_code", "所属街镇"), ("purpose", "宗旨"),
    ("activity_area", "活动地域"), ("legal_representative", "拟任法定代表人"), ("funds_yuan", "注册资金/开办资金（元）"),
    ("sponsor", "业务主管单位"), ("sponsor_consent_doc_no", "业务主管单位批准文号"), ("sponsor_consent_date", "批准日期"),
    ("direct_category", "直接登记类别"), ("direct_justification", "直接登记理由"),
    ("individual_members", "个人会员数"), ("unit_members", "单位会员数"), ("premises_document", "住所证明文件"),
    ("premises_valid_until", "住所使用期限至"), ("applicant", "申请人（经办人）"), ("applicant_phone", "申请人电话"),
    ("accepted_by", "受理人"), ("accepted_at", "受理时间"), ("credit_code", "统一社会信用代码"),
    ("approved_by", "核准人"), ("approved_on", "核准日期"), ("closed_on", "办结日期"),
)


@dataclass(frozen=True)
class CaseSnapshot:
    """What the case page shows, read in one go on the worker."""

    detail: CaseDetail
    history: list[StepRecord]
    findings: list[Finding]
    four_eyes_blocks: bool  # the four-eyes rule forbids this user to approve this case
    today: date

    @property
    def deadline(self) -> DeadlineStatus:
        i = self.detail.items
        return deadline_status(i["due_date"], i["statutory_due_date"], i["stopped_since"], self.today)


def load_snapshot(context: PageContext, case_no: str) -> CaseSnapshot:
    """Read the case, its history and its current step's findings (runs on the worker)."""
    store, user = context.store, context.user
    with store.read() as session:
        detail = case_detail(session, case_no)
        four_eyes = bool(get_setting(session, FOUR_EYES)) and detail.items["accepted_by"] == user.username
    return CaseSnapshot(detail, case_history(store, case_no), preview_findings(store, case_no), four_eyes, date.today())


def offered_actions(state: str, user: UserInfo, four_eyes_blocks: bool) -> list[Transition]:
    """The buttons of the 审查 tab: what the domain allows ``user`` here, less a four-eyes refusal."""
    return [t for t in available_transitions(state, user) if not (t.action is Action.APPROVE and four_eyes_blocks)]


def printable_documents(detail: CaseDetail) -> list[DocumentKind]:
    """The documents (文书) a case in its state has: the receipt always, then by outcome."""
    kinds = [DocumentKind.RECEIPT]
    if detail.state in NOTICES:
        kinds.append(NOTICES[detail.state])
    if detail.items["credit_code"]:
        kinds += [DocumentKind.CERTIFICATE, DocumentKind.COLLECTION_RECEIPT]
    return kinds


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    return str(value)


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


class CaseView(QWidget):
    """One case: its items, persons, materials, the current step's review and its history."""

    back_requested = Signal()
    changed = Signal(str)  # the case moved or its materials changed: the list should refresh
    print_requested = Signal(str, object)  # case number and the DocumentKind to print (打印 page)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.case_no: str | None = None
        self.snapshot: CaseSnapshot | None = None
        self.action_buttons: dict[Action, QPushButton] = {}
        self.last_outcome: Outcome | None = None
        self._loading = 0

        self.back_button = QPushButton(self.tr("← 返回办件列表"))
        self.back_button.setToolTip(self.tr("Esc"))
        self.back_button.clicked.connect(self.back_requested)
        self.heading = QLabel()
        self.heading.setObjectName("caseHeading")
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.deadline_label = QLabel()
        self.deadline_label.setObjectName("deadline")
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.heading, 1)
        top.addWidget(self.deadline_label)

        self.tabs = QTabWidget()
        self.items_form = QFormLayout()
        items = QWidget()
        items.setLayout(self.items_form)
        items_scroll = QScrollArea()
        items_scroll.setWidgetResizable(True)
        items_scroll.setWidget(items)
        self.scope_table = self._table(("业务范围", "目录代码", "前置审批文号", "前置审批日期"))
        basics = QWidget()
        basics_layout = QVBoxLayout(basics)
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
        self.history_table = self._table(("序号", "时间", "环节", "操作", "办理人", "说明", "理由"))

        self.review = QWidget()
        self.step_label = QLabel()
        self.step_label.setObjectName("stepLabel")
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
        self.result_label = QLabel()
        self.result_label.setObjectName("resultLabel")
        self.result_label.setStyleSheet("font-size: 12pt; color: #1b5e20;")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label = QLabel()
        self.note_label.setObjectName("actionNote")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #616161;")
        self.actions_row = QHBoxLayout()
        self.print_row = QHBoxLayout()
        self.print_buttons: dict[DocumentKind, QPushButton] = {}
        review_layout = QVBoxLayout(self.review)
        review_layout.addWidget(self.step_label)
        review_layout.addWidget(findings_scroll, 1)
        review_layout.addWidget(self.acknowledge)
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
        self.heading.setText(case_no)
        self.reload()

    def reload(self) -> None:
        if self.case_no is None:
            return
        self._loading += 1
        context, case_no = self.context, self.case_no
        self.context.tasks.run(lambda _p: load_snapshot(context, case_no), on_success=self._loaded,
                               on_failure=self._load_failed, parent=self)

    def _load_failed(self, error: SoregError) -> None:
        self._loading -= 1
        QMessageBox.warning(self, self.tr("无法打开办件"), error.message)

    def _loaded(self, snapshot: CaseSnapshot) -> None:
        self._loading -= 1
        if snapshot.detail.case_no != self.case_no:
            return
        self.snapshot = snapshot
        detail, items = snapshot.detail, snapshot.detail.items
        self.heading.setText(f"{detail.case_no}　{items['name']}　[{detail.state}]")
        self._render_deadline(snapshot)
        self._render_items(items)
        self._fill(self.scope_table, [(s.text, s.catalogue_code, s.approval_doc_no, s.approval_date) for s in detail.scope])
        self._fill(self.persons_table, [(p.name, p.roles.replace(",", "、"), p.id_number, p.birth_date, p.phone, p.title,
                                         p.appointed_on or self.tr("核准日")) for p in detail.persons])
        self._fill(self.materials_table, [
            (m.label, m.item_code, self.tr("已收") if m.received else self.tr("待补"), m.received_on,
             "；".join(a.original_name for a in m.attachments)) for m in detail.materials])
        self._fill(self.history_table, [
            (s.seq, s.at, s.to_state, self.tr(ACTION_NAMES.get(s.action, s.action)), s.actor, s.note, "；".join(s.reasons))
            for s in snapshot.history])
        may_receive = Role.CLERK in self.context.user.roles and is_open(detail.state)
        self.receive_button.setEnabled(may_receive)
        self.attach_button.setEnabled(may_receive)
        self._render_review(snapshot)

    def _render_deadline(self, snapshot: CaseSnapshot) -> None:
        items = snapshot.detail.items
        if not is_open(snapshot.detail.state) or items["credit_code"]:
            self.deadline_label.setText(self.tr("承诺办结日 {0}").format(items["due_date"].isoformat()))
            self.deadline_label.setStyleSheet("")
            return
        d = snapshot.deadline
        text = self.tr("承诺办结日 {0}，剩余 {1} 个工作日").format(d.due_date.isoformat(), d.working_days_left)
        if d.stopped:
            text += self.tr("（补正中，时限中止）")
        if d.overdue:
            text += self.tr("，已超期")
        self.deadline_label.setText(text + self.tr("；法定期限 {0}").format(d.statutory_due_date.isoformat()))
        self.deadline_label.setStyleSheet("color: #b71c1c; font-weight: bold;" if d.overdue else "")

    def _render_items(self, items: dict) -> None:
        while self.items_form.rowCount():
            self.items_form.removeRow(0)
        street_names = {s.code: s.name for s in streets()}
        for key, label in ITEM_LABELS:
            value = items[key]
            if value in (None, "", 0) and key not in ("state", "funds_yuan"):
                continue
            text = street_names.get(value, value) if key == "street_code" else value
            shown = QLabel(_text(text))
            shown.setObjectName(f"item_{key}")
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.items_form.addRow(self.tr(label) + "：", shown)

    def _render_review(self, snapshot: CaseSnapshot) -> None:
        state = snapshot.detail.state
        self.step_label.setText(self.tr("当前环节：{0}").format(state))
        for i in reversed(range(self.findings_layout.count())):
            item = self.findings_layout.takeAt(i)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.finding_views = [FindingView(f) for f in snapshot.findings]
        for view in self.finding_views:
            self.findings_layout.addWidget(view)
        if not snapshot.findings:
            note = QLabel(self.tr("本环节的系统审查未发现问题。") if CaseState(state) in STEP_CHECKS
                          else self.tr("本环节没有系统审查要点。"))
            note.setObjectName("noFindings")
            self.findings_layout.addWidget(note)
        self.findings_layout.addStretch(1)
        has_warnings = any(f.level == "warn" for f in snapshot.findings)
        self.acknowledge.setVisible(has_warnings)
        self.acknowledge.setChecked(False)

        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.action_buttons = {}
        offered = offered_actions(state, self.context.user, snapshot.four_eyes_blocks)
        for transition in offered:
            button = QPushButton(self.tr(transition.label))
            button.setObjectName(f"action_{transition.action.value}")
            button.clicked.connect(lambda _=False, t=transition: self.take(t))
            self.actions_row.addWidget(button)
            self.action_buttons[transition.action] = button
        self.actions_row.addStretch(1)
        notes = []
        if snapshot.four_eyes_blocks and any(t.action is Action.APPROVE for t in available_transitions(state, self.context.user)):
            notes.append(self.tr("本办件由您受理，按四眼原则须由其他审批人员核准。"))
        if not offered:
            notes.append(self.tr("您的角色在“{0}”环节没有可执行的操作。").format(state) if is_open(state)
                         else self.tr("办件已{0}。").format(state))
        self.note_label.setText("".join(notes))
        self._render_print_buttons(snapshot.detail)
        if snapshot.detail.items["credit_code"]:
            self.result_label.setText(self.tr("统一社会信用代码：{0}").format(snapshot.detail.items["credit_code"]))

    def _render_print_buttons(self, detail: CaseDetail) -> None:
        """One button per document this case has now; each opens it on the 打印 page."""
        while self.print_row.count():
            item = self.print_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.print_buttons = {}
        for kind in printable_documents(detail):
            button = QPushButton(self.tr("打印{0}…").format(kind.value))
            button.setObjectName(f"print_{kind.name.lower()}")
            button.clicked.connect(lambda _=False, k=kind: self.print_requested.emit(detail.case_no, k))
            self.print_row.addWidget(button)
            self.print_buttons[kind] = button
        self.print_row.addStretch(1)

    # -- actions --
    def take(self, transition: Transition) -> None:
        """Run one action of the 审查 tab, asking first for reasons where the domain needs them."""
        reasons: list[str] = []
        if transition.needs_reasons:
            dialog = self._reasons_dialog(transition)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            reasons = dialog.reasons()
        self.run_action(transition.action, reasons)

    def _reasons_dialog(self, transition: Transition) -> ReasonsDialog:
        if transition.action is Action.SUPPLEMENT:
            missing = [m.label for m in self.snapshot.detail.materials if not m.received]
            return ReasonsDialog(self.tr("通知补正"), self.tr("请勾选或填写需补正的材料和事项："), missing, self)
        prompts = {Action.REJECT: self.tr("请填写不予登记的理由（每行一条，将写入不予登记通知书）："),
                   Action.WITHDRAW: self.tr("请填写撤回的原因（每行一条）：")}
        return ReasonsDialog(self.tr(transition.label), prompts[transition.action], [], self)

    def run_action(self, action: Action, reasons: list[str] | None = None) -> None:
        store, user, case_no = self.context.store, self.context.user, self.case_no
        acknowledged = self.acknowledge.isVisible() and self.acknowledge.isChecked()
        for button in self.action_buttons.values():
            button.setEnabled(False)
        self._loading += 1

        def work(_progress) -> Outcome:
            return perform(store, case_no, action, user=user, reasons=reasons or (), acknowledge_warnings=acknowledged)

        self.context.tasks.run(work, on_success=self._performed, on_failure=self._refused, parent=self)

    def _performed(self, outcome: Outcome) -> None:
        self._loading -= 1
        self.last_outcome = outcome
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
            self._render_review(CaseSnapshot(self.snapshot.detail, self.snapshot.history, list(error.findings),
                                             self.snapshot.four_eyes_blocks, self.snapshot.today))
        self._message(QMessageBox.Icon.Warning, self.tr("操作未完成"), error.message, "refusedBox")

    def _message(self, icon: QMessageBox.Icon, title: str, text: str, name: str) -> None:
        if not shiboken6.isValid(self):
            return
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName(name)
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

