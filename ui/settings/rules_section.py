"""设置 → 办理规则: four-eyes (双人复核), the idle lock (闲置锁屏) and the window's commitment per
business type (承诺时限), saved through ``accounts.window_settings`` (each change audited)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from accounts.window_settings import (
    MAX_IDLE_LOCK_MINUTES,
    MIN_IDLE_LOCK_MINUTES,
    Deadline,
    WindowSettings,
    set_commitment,
    set_four_eyes,
    set_idle_lock_minutes,
    window_settings,
)
from ui.context import PageContext
from ui.settings.section import Section, intro_label, read_only_table

DEADLINE_COLUMNS = ("业务类型", "法定时限", "承诺时限", "默认承诺时限")


class RulesSection(Section):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.deadlines: tuple[Deadline, ...] = ()
        self.four_eyes_check = QCheckBox(self.tr("双人复核：受理人不能核准登记自己受理的办件（建议开启）"))
        self.idle_spin = QSpinBox()
        self.idle_spin.setRange(MIN_IDLE_LOCK_MINUTES, MAX_IDLE_LOCK_MINUTES)
        self.idle_spin.setSuffix(self.tr(" 分钟"))
        self.save_rules_button = QPushButton(self.tr("保存审批与锁屏设置"))
        self.save_rules_button.clicked.connect(self.save_rules)
        rules = QGroupBox(self.tr("审批与锁屏"))
        rules_form = QFormLayout(rules)
        rules_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        rules_form.addRow(self.four_eyes_check)
        rules_form.addRow(self.tr("无操作多久后锁定屏幕："), self.idle_spin)
        rules_form.addRow("", self.save_rules_button)

        self.deadline_table = read_only_table("deadlineTable", [self.tr(c) for c in DEADLINE_COLUMNS])
        self.save_deadlines_button = QPushButton(self.tr("保存办理时限"))
        self.save_deadlines_button.clicked.connect(self.save_deadlines)
        deadlines = QGroupBox(self.tr("办理时限"))
        note = intro_label(self.tr("法定时限由法规规定（日历日），本窗口不能更改；承诺时限是本窗口对申请人承诺的工作日数，"
                                   "不能多于法定时限的天数。修改只影响此后受理的办件。"))
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_deadlines_button)
        deadlines_layout = QVBoxLayout(deadlines)
        deadlines_layout.addWidget(note)
        deadlines_layout.addWidget(self.deadline_table, 1)
        deadlines_layout.addLayout(save_row)

        layout = QVBoxLayout(self)
        layout.addWidget(rules)
        layout.addWidget(self.message)
        layout.addWidget(deadlines, 1)
        self.fields = {"闲置锁屏": self.idle_spin, "承诺时限": self.deadline_table}

    def load(self) -> None:
        store = self.context.store
        self.run(lambda _progress: window_settings(store), self._show)

    def _show(self, settings: WindowSettings) -> None:
        self.four_eyes_check.setChecked(settings.four_eyes)
        self.idle_spin.setValue(settings.idle_lock_minutes)
        self.deadlines = settings.deadlines
        table = self.deadline_table
        table.setRowCount(len(settings.deadlines))
        for row, deadline in enumerate(settings.deadlines):
            table.setItem(row, 0, QTableWidgetItem(deadline.business))
            table.setItem(row, 1, QTableWidgetItem(self.tr("{0} 日").format(deadline.statutory_calendar_days)))
            spin = QSpinBox()
            spin.setRange(1, deadline.max_working_days)
            spin.setSuffix(self.tr(" 个工作日"))
            spin.setValue(deadline.local_working_days)
            table.setCellWidget(row, 2, spin)
            table.setItem(row, 3, QTableWidgetItem(self.tr("{0} 个工作日").format(deadline.default_working_days)))

    def commitment_spin(self, business: str) -> QSpinBox:
        row = next(i for i, d in enumerate(self.deadlines) if d.business == business)
        return self.deadline_table.cellWidget(row, 2)

    def save_rules(self) -> None:
        store, actor = self.context.store, self.actor
        four_eyes, minutes = self.four_eyes_check.isChecked(), self.idle_spin.value()

        def save(_progress) -> WindowSettings:
            set_four_eyes(store, four_eyes, actor=actor)
            set_idle_lock_minutes(store, minutes, actor=actor)
            return window_settings(store)

        self.run(save, self._rules_saved)

    def _rules_saved(self, settings: WindowSettings) -> None:
        self._show(settings)
        idle_watch = getattr(self.window(), "idle_watch", None)  # the main window's: the new time applies now
        if idle_watch is not None:
            idle_watch.start(settings.idle_lock_minutes * 60_000)
        self.tell(self.tr("已保存：双人复核{0}，无操作 {1} 分钟后锁屏。").format(
            self.tr("开启") if settings.four_eyes else self.tr("关闭"), settings.idle_lock_minutes))

    def save_deadlines(self) -> None:
        store, actor = self.context.store, self.actor
        changed = [(d.business, self.commitment_spin(d.business).value()) for d in self.deadlines
                   if self.commitment_spin(d.business).value() != d.local_working_days]
        if not changed:
            self.tell(self.tr("办理时限没有改动。"))
            return

        def save(_progress) -> WindowSettings:
            for business, days in changed:
                set_commitment(store, business, days, actor=actor)
            return window_settings(store)

        def saved(settings: WindowSettings) -> None:
            self._show(settings)
            self.tell(self.tr("已保存承诺时限：{0}。").format(
                "、".join(self.tr("{0} {1} 个工作日").format(b, d) for b, d in changed)))

        self.run(save, saved)
