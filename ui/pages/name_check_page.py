"""The 名称核准 page: the verdict on a proposed name while the clerk types, with every reason."""

from __future__ import annotations

import html
import time
from datetime import date

import shiboken6
from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from models import reference
from models.errors import SoregError
from registry.name_check import NameCheckResult, check_name, warm_up
from registry.name_rules import Finding
from registry.names import ParsedName, parse_name
from ui.context import PageContext
from ui.pages import main_window_page
from ui.pages.registry_page import RegistryPage
from ui.plain_text import plain

CHECK_DELAY_MS = 60  # typing has stopped after this pause; with a ~20 ms check the verdict shows < 100 ms after the last key
REGISTRY_PAGE_SPEC = "ui.pages.registry_page:RegistryPage"

BANNER_STYLES = {
    "pass": "background: #2e7d32; color: white;",
    "warn": "background: #f9a825; color: #212121;",
    "reject": "background: #c62828; color: white;",
    None: "background: #eeeeee; color: #616161;",
}
LEVEL_COLOURS = {"reject": "#c62828", "warn": "#f9a825", "info": "#1565c0"}
LEVEL_LABELS = {"reject": "不予通过", "warn": "需审核", "info": "说明"}


class FindingView(QFrame):
    """One finding: its level, its Chinese message and the organizations it names."""

    organization_opened = Signal(str)

    def __init__(self, finding: Finding, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.finding = finding
        colour = LEVEL_COLOURS[finding.level]
        self.setObjectName("finding")
        self.setStyleSheet(f"#finding {{ border-left: 5px solid {colour}; background: #fafafa; }}")
        self.message = QLabel(f"<b style='color:{colour}'>[{self.tr(LEVEL_LABELS[finding.level])}]</b> "
                              f"{html.escape(finding.message)}")  # the message names organizations: escaped
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.message)
        self.organizations: QListWidget | None = None
        if finding.organizations:
            orgs = QListWidget()
            orgs.setToolTip(self.tr("双击在登记库中打开"))
            for name in finding.organizations:
                orgs.addItem(QListWidgetItem(name))
            rows = min(len(finding.organizations), 4)  # more scroll
            orgs.setFixedHeight(orgs.sizeHintForRow(0) * rows + 2 * orgs.frameWidth())
            orgs.itemActivated.connect(lambda item: self.organization_opened.emit(item.text()))
            orgs.itemDoubleClicked.connect(lambda item: self.organization_opened.emit(item.text()))
            self.organizations = orgs
            layout.addWidget(orgs)


class NameCheckPage(QWidget):
    """名称核准: name, type and date in; verdict banner, editable split and findings out."""

    checked = Signal(object)  # the NameCheckResult now shown

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.result: NameCheckResult | None = None
        self.last_latency_ms: float | None = None  # from the pause in typing to the verdict on screen
        self._request = 0
        self._requested_at = 0.0
        self._corrected: ParsedName | None = None

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("输入拟申请的名称，例如：上海市长宁区阳光养老服务中心"))
        self.name_edit.setClearButtonEnabled(True)
        self.type_combo = QComboBox()
        for name in reference.org_types():
            self.type_combo.addItem(name, name)
        self.type_combo.setCurrentText("民办非企业单位")
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")

        self.banner = plain(QLabel())
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setMinimumHeight(48)
        self.banner_note = plain(QLabel())
        self.banner_note.setWordWrap(True)

        self.part_edits = {key: QLineEdit() for key in ("region", "zihao", "field", "form")}
        self.recheck_button = QPushButton(self.tr("按更正的拆分重新核准"))
        self.reset_split_button = QPushButton(self.tr("恢复自动拆分"))
        split_box = QGroupBox(self.tr("名称拆分（拆分有误时可更正后重新核准）"))
        grid = QGridLayout(split_box)
        for column, (key, label) in enumerate(
            (("region", "行政区划"), ("zihao", "字号"), ("field", "行(事)业领域"), ("form", "组织形式"))
        ):
            grid.addWidget(QLabel(self.tr(label)), 0, column)
            grid.addWidget(self.part_edits[key], 1, column)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reset_split_button)
        buttons.addWidget(self.recheck_button)
        grid.addLayout(buttons, 2, 0, 1, 4)

        self.findings_box = QWidget()
        self.findings_layout = QVBoxLayout(self.findings_box)
        self.findings_layout.setContentsMargins(0, 0, 0, 0)
        self.findings_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.findings_box)
        self.finding_views: list[FindingView] = []

        form = QFormLayout()
        form.addRow(self.tr("拟申请名称："), self.name_edit)
        row = QHBoxLayout()
        row.addWidget(self.type_combo)
        row.addSpacing(20)
        row.addWidget(QLabel(self.tr("核准日期：")))
        row.addWidget(self.date_edit)
        row.addStretch(1)
        form.addRow(self.tr("组织类型："), row)
        heading = QLabel(self.tr("名称核准"))
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.banner)
        layout.addWidget(self.banner_note)
        layout.addWidget(split_box)
        layout.addWidget(QLabel(self.tr("核准意见（双击组织名称可在登记库中查看）：")))
        layout.addWidget(scroll, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.run_check)
        self.name_edit.textChanged.connect(self._name_changed)
        self.type_combo.currentIndexChanged.connect(self._name_changed)
        self.date_edit.dateChanged.connect(lambda _date: self._timer.start())
        self.recheck_button.clicked.connect(self._check_corrected_split)
        self.reset_split_button.clicked.connect(self._reset_split)
        self._show_result(None)
        store = context.store
        context.tasks.run(lambda _progress: warm_up(store), on_failure=lambda _error: None)

    # -- checking --
    def _name_changed(self) -> None:
        self._corrected = None  # a new name gets the automatic split again
        self._request += 1  # a check still under way is for a name no longer in the box
        self._timer.start()

    def as_of(self) -> date:
        return self.date_edit.date().toPython()

    def run_check(self) -> None:
        """Check the name now (the debounce timer calls this once typing pauses)."""
        self._timer.stop()
        name, org_type = self.name_edit.text(), self.type_combo.currentData()
        self._request += 1
        request = self._request
        if not name.strip():
            self._show_result(None)
            return
        self._requested_at = time.perf_counter()
        store, as_of, parsed = self.context.store, self.as_of(), self._corrected

        def work(_progress) -> NameCheckResult:
            return check_name(store, name, org_type, as_of, parsed=parsed)

        self.context.tasks.run(
            work,
            on_success=lambda result: self._deliver(request, result),
            on_failure=lambda error: self._refused(request, error),
        )

    def _deliver(self, request: int, result: NameCheckResult) -> None:
        if not shiboken6.isValid(self.banner) or request != self._request:
            return  # the page was closed, or the clerk typed on and a newer check is coming
        self._show_result(result)
        self.last_latency_ms = (time.perf_counter() - self._requested_at) * 1000
        self.checked.emit(result)

    def _refused(self, request: int, error: SoregError) -> None:
        if shiboken6.isValid(self.banner) and request == self._request:
            self._show_result(None, error.message)

    def _check_corrected_split(self) -> None:
        if not self.name_edit.text().strip():
            return
        org_type = self.type_combo.currentData()
        e = {key: edit.text().strip() for key, edit in self.part_edits.items()}
        self._corrected = parse_name(self.name_edit.text(), org_type).with_parts(
            region=e["region"], zihao=e["zihao"], field_word=e["field"], form=e["form"]
        )
        self.run_check()

    def _reset_split(self) -> None:
        self._corrected = None
        self.run_check()

    # -- showing --
    def _show_result(self, result: NameCheckResult | None, note: str = "") -> None:
        self.result = result
        verdict = result.verdict if result else None
        self.banner.setStyleSheet(f"QLabel {{ {BANNER_STYLES[verdict]} font-size: 20pt; font-weight: bold; border-radius: 4px; }}")
        self.banner.setText(self.tr(result.verdict_label) if result else self.tr("请输入拟申请的名称"))
        if result is None:
            self.banner_note.setText(note)
        elif result.verdict == "pass":
            self.banner_note.setText(self.tr("未发现与登记库中名称相同或相近的社会组织，名称符合规则。"))
        else:
            counts = {level: sum(f.level == level for f in result.findings) for level in ("reject", "warn")}
            self.banner_note.setText(
                self.tr("不予通过的理由 {0} 条，需审核人员判断的 {1} 条。").format(counts["reject"], counts["warn"])
            )
        parts = {"region": "", "zihao": "", "field": "", "form": ""}
        if result:
            p = result.parsed
            parts = {"region": p.region, "zihao": p.zihao, "field": p.field_word, "form": p.form}
        for key, edit in self.part_edits.items():
            edit.setText(parts[key])
        self.recheck_button.setEnabled(result is not None)
        self.reset_split_button.setEnabled(self._corrected is not None)
        for view in self.finding_views:
            view.deleteLater()
        self.finding_views = [FindingView(f) for f in (result.findings if result else [])]
        for i, view in enumerate(self.finding_views):
            view.organization_opened.connect(self.open_organization)
            self.findings_layout.insertWidget(i, view)

    # -- opening an organization --
    def open_organization(self, name: str) -> None:
        """Show ``name`` on the 登记库 page of the main window, or in a window of its own."""
        page = main_window_page(self, REGISTRY_PAGE_SPEC)
        if page is None:
            dialog = QDialog(self)
            dialog.setWindowTitle(self.tr("登记库"))
            dialog.resize(1100, 600)
            page = RegistryPage(self.context, dialog)
            QVBoxLayout(dialog).addWidget(page)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.show()
        page.show_organization(name)
