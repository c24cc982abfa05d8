"""发证: who collects the certificate (领证人) — the legal representative in person, or an agent
(代理人) whose name and ID number are checked as the intake form checks persons (forms/review.py),
with the Chinese message beside the field; 确定 stays disabled until they are right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from forms.review import AGENT_FIELDS, read_agent
from models.cases import CollectorKind
from ui.case_wizard import FieldInput
from workflow.case_queries import PersonInfo
from workflow.transitions import Collector


class CollectorDialog(QDialog):
    """Choose the legal representative or type the agent's name and ID number."""

    def __init__(self, legal_representative: PersonInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.legal_representative = legal_representative
        self.setWindowTitle(self.tr("发证 — 登记领证人"))
        self.legal = QRadioButton(self.tr("法定代表人本人领取：{0}（{1}）").format(
            legal_representative.name, legal_representative.id_number))
        self.legal.setObjectName("collectorLegal")
        self.agent = QRadioButton(self.tr("代理人领取（须核验代理人身份证件和授权委托书）"))
        self.agent.setObjectName("collectorAgent")
        self.kinds = QButtonGroup(self)
        self.kinds.addButton(self.legal)
        self.kinds.addButton(self.agent)
        self.legal.setChecked(True)
        self.inputs = {f.key: FieldInput(f, self._changed) for f in AGENT_FIELDS}
        self.touched: set[str] = set()
        agent_form = QFormLayout()
        agent_form.setContentsMargins(24, 0, 0, 0)
        for f in AGENT_FIELDS:
            self.inputs[f.key].widget.setObjectName(f"agent_{f.key}")
            self.inputs[f.key].message.setObjectName(f"agentMessage_{f.key}")
            self.inputs[f.key].message.setTextFormat(Qt.TextFormat.PlainText)
            cell = QVBoxLayout()
            cell.addWidget(self.inputs[f.key].widget)
            cell.addWidget(self.inputs[f.key].message)
            agent_form.addRow(self.tr("代理人{0}：").format(f.label), cell)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("确定"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("collectorOk")
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("领证人：")))
        layout.addWidget(self.legal)
        layout.addWidget(self.agent)
        layout.addLayout(agent_form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.kinds.buttonToggled.connect(lambda *_: self._changed())
        self.resize(560, 300)
        self._changed()

    def _changed(self, *_args: object) -> None:
        sender = next((k for k, i in self.inputs.items() if i.widget is self.sender()), None)
        if sender is not None:
            self.touched.add(sender)
        by_agent = self.agent.isChecked()
        for field_input in self.inputs.values():
            field_input.widget.setEnabled(by_agent)
        errors = read_agent(self._typed())[1] if by_agent else []
        messages = {e.path.removeprefix("collector."): e.message for e in errors}
        for key, field_input in self.inputs.items():
            field_input.show_error(messages.get(key) if key in self.touched else None)
        self.ok_button.setEnabled(not errors)

    def _typed(self) -> dict[str, str]:
        return {key: i.text() for key, i in self.inputs.items()}

    def collector_text(self) -> str:
        """Who was chosen, in words: "代理人 王芳（310105…）"."""
        if self.agent.isChecked():
            values = read_agent(self._typed())[0]
            return f"{CollectorKind.AGENT.value} {values['name']}（{values['id_number']}）"
        person = self.legal_representative
        return f"{CollectorKind.LEGAL_REPRESENTATIVE.value} {person.name}（{person.id_number}）"

    def collector(self) -> Collector:
        if self.agent.isChecked():
            typed = self._typed()
            return Collector(CollectorKind.AGENT, typed["name"], typed["id_number"])
        return Collector(CollectorKind.LEGAL_REPRESENTATIVE)
