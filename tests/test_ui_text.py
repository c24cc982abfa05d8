"""Text on screen: Qt's own dialogs and menus in Chinese, and text a user typed shown as typed — a name
with markup in it shows its angle brackets in the case list, on the 首页 and in the registry."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QLocale, Qt, QTranslator
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QLineEdit, QMessageBox
from sqlalchemy import update

from models.cases import Case
from registry.organizations import OrganizationRecord, add_organization_in
from tests.workflow_fixtures import GROUP_FORM, form, make_window
from ui.app import install_translations
from ui.context import PageContext
from ui.fonts import install_fonts
from ui.pages.cases_page import CasesPage
from ui.pages.dashboard_page import DashboardPage
from ui.pages.registry_page import RegistryPage
from ui.tasks import TaskRunner
from workflow.intake import open_case

MARKED = "上海市长宁区<b>粗体</b>协会"
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def english_in(text: str) -> bool:
    """Latin words left once accelerators (&X, (&X)) and shortcuts (after a tab) are taken out."""
    return bool(LATIN_WORD.search(re.sub(r"\t.*|\(&.\)|&", "", text)))


@pytest.fixture
def chinese_qt(qapp):
    """The translations as the program installs them at start, taken out again afterwards."""
    before = QLocale()
    loaded = install_translations(qapp)
    yield loaded
    for translator in qapp.findChildren(QTranslator):
        qapp.removeTranslator(translator)
        translator.deleteLater()
    QLocale.setDefault(before)


def test_qt_own_buttons_menus_and_file_dialog_are_chinese(chinese_qt, qtbot):
    assert chinese_qt == ["qtbase_zh_CN", "qt_supplement_zh_CN"]
    box = QMessageBox(QMessageBox.Icon.Question, "提示", "内容",
                      QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel | QMessageBox.StandardButton.Yes
                      | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Close)
    qtbot.addWidget(box)
    assert sorted(b.text() for b in box.buttons()) == sorted(["确定", "取消", "是(&Y)", "否(&N)", "关闭"])

    edit = QLineEdit("上海市长宁区")
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[0] == "撤消(&U)\tCtrl+Z" and "全选\tCtrl+A" in texts
    assert not [t for t in texts if english_in(t)]

    dialog = QFileDialog(None, "导出办件台账", "", "Excel 文件 (*.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
    assert not [t for t in labels if english_in(t)]
    assert QLocale().monthName(1) == "一月"


@pytest.fixture
def window(tmp_path, qtbot):
    install_fonts(QApplication.instance())
    w = make_window(tmp_path)
    w.tasks = TaskRunner()
    yield w
    w.tasks.shut_down()
    w.store.close()


def shown_text(label: QLabel) -> str:
    """What a label shows: its text, or the text its rich text renders to."""
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(label.text()))
    if not rich:
        return label.text()
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def test_a_name_with_markup_shows_literally_in_the_case_list_dashboard_and_registry(window, qtbot):
    case = open_case(window.store, form(GROUP_FORM, name=MARKED) | {"name_override_reason": "核对<i>名称</i>"},
                     user=window.clerk, today=date(2026, 9, 21))
    with window.store.write() as session:  # due this week: on the 首页's first cards
        session.execute(update(Case).where(Case.case_no == case.case_no).values(state="名称核准", due_date=date.today()))
        add_organization_in(session, OrganizationRecord(name=MARKED, org_type="社会团体", legal_representative="王<i>芳</i>"),
                            actor="t")
    context = PageContext(store=window.store, user=window.reviewer, tasks=window.tasks)

    cases = CasesPage(context)
    qtbot.addWidget(cases)
    cases.resize(1366, 768)
    cases.show()
    qtbot.waitUntil(lambda: cases.model.ready and cases.model.rowCount() == 1, timeout=15000)
    qtbot.waitUntil(lambda: cases.model.row(0) is not None, timeout=15000)
    assert cases.model.data(cases.model.index(0, 1)) == MARKED

    board = DashboardPage(context)
    qtbot.addWidget(board)
    board.resize(1366, 768)
    board.show()
    qtbot.waitUntil(lambda: board.data is not None, timeout=15000)
    listed = board.cards["due_this_week"].list
    assert listed.item(0).text().startswith(MARKED + "　名称核准")

    registry = RegistryPage(context)
    qtbot.addWidget(registry)
    registry.resize(1366, 768)
    registry.show()
    qtbot.waitUntil(lambda: registry.model.rowCount() == 1, timeout=15000)
    cell = registry.table.visualRect(registry.model.index(0, 0))
    qtbot.mouseClick(registry.table.viewport(), Qt.MouseButton.LeftButton, pos=cell.center())
    qtbot.waitUntil(lambda: "法定代表人" in registry.details.text(), timeout=15000)
    details = shown_text(registry.details)
    assert details.startswith(MARKED + "（社会团体，正常）") and "法定代表人：王<i>芳</i>" in details
    assert registry.model.data(registry.model.index(0, 0)) == MARKED


def test_labels_with_user_text_are_plain_text(window, qtbot):
    """The greeting names the user as typed at set-up; a failed query's message may quote the search."""
    from dataclasses import replace

    user = replace(window.reviewer, display_name="<b>王</b>芳")
    board = DashboardPage(PageContext(store=window.store, user=user, tasks=window.tasks))
    qtbot.addWidget(board)
    board.show()
    qtbot.waitUntil(lambda: board.data is not None, timeout=15000)
    assert shown_text(board.greeting).startswith("<b>王</b>芳（")
    cases = CasesPage(PageContext(store=window.store, user=user, tasks=window.tasks))
    qtbot.addWidget(cases)
    assert cases.count_label.textFormat() == Qt.TextFormat.PlainText
