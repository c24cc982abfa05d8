"""Role check boxes (角色): one per role in a row, as the set-up dialog and the 设置 page ask them."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

from models.accounts import Role


class RoleChecks(QWidget):
    """``checks[role]`` is the role's check box; ``roles()`` the ticked ones."""

    def __init__(self, ticked: frozenset[Role] = frozenset(), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checks = {role: QCheckBox(self.tr(role.label)) for role in Role}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for role, box in self.checks.items():
            box.setObjectName(f"role_{role.value}")
            box.setChecked(role in ticked)
            row.addWidget(box)
        row.addStretch(1)

    def __getitem__(self, role: Role) -> QCheckBox:
        return self.checks[role]

    def roles(self) -> frozenset[Role]:
        return frozenset(role for role, box in self.checks.items() if box.isChecked())
