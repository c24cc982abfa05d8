"""The intake wizard typed into as a clerk types (offscreen, real store): the name check's verdict
beside the name, a refused name held back until a reason is written, the registration conditions
at their fields, refused characters, rare characters, user text shown literally, and Esc."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent, QTextDocument
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox, QPushButton, QWizard
from sqlalchemy import select

from models.cases import Case
from registry.organizations import OrganizationRecord, add_organization_in
from tests.printing_fixtures import EXT_B_CHAR, build_test_font
from tests.workflow_fixtures import GROUP_FORM, make_window
from ui.case_wizard import CaseWizard
from ui.context import PageContext
from ui.fonts import install_fonts
from ui.tasks import TaskRunner

from screens import SCREENSHOTS  # noqa: E402

TODAY = date(2026, 9, 21)  # the wizard measures dates against this day
REGISTERED = GROUP_FORM["organization"]["name"]  # 上海市长宁区养老服务协会, registered in these tests
HOMOPHONE = "上海市长宁区阳光养老服务协会"
SIMILAR = "上海市长宁区杨光养老服务协会"  # 杨光 sounds like 阳光: a warning


@pytest.fixture
def window(tmp_path, qtbot):
    install_fonts(QApplication.instance())
    w = make_window(tmp_path)
    with w.store.write() as session:
        add_organization_in(session, OrganizationRecord(name=REGISTERED, org_type="社会团体"), actor="t")
        add_organization_in(session, OrganizationRecord(name=HOMOPHONE, org_type="社会团体"), actor="t")
    w.tasks = TaskRunner()
    yield w
    w.tasks.shut_down()
    w.store.close()


def open_wizard(qtbot, window) -> CaseWizard:
    wizard = CaseWizard(PageContext(store=window.store, user=window.clerk, tasks=window.tasks), today=TODAY)
    qtbot.addWidget(wizard)
    wizard.resize(1366, 768)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def next_button(wizard: CaseWizard) -> QPushButton:
    return wizard.button(QWizard.WizardButton.NextButton)


def type_into(qtbot, widget, text: str) -> None:
    """Select what the field holds and type ``text`` over it: ASCII key by key (qtbot.keyClicks),
    every other character committed by the input method, as a Chinese input method does."""
    widget.setFocus()
    widget.selectAll()
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            commit = QInputMethodEvent()
            commit.setCommitString(ch)
            QApplication.sendEvent(widget, commit)


def fill_items(qtbot, wizard: CaseWizard, **changes: str) -> None:
    """The items of GROUP_FORM (with ``changes``), the text fields typed, the choices picked."""
    page = wizard.organization_page
    for key, value in (GROUP_FORM["organization"] | changes).items():
        field_input = page.inputs[key]
        if field_input.field.choices is not None:
            field_input.set_text(value)
        else:
            type_into(qtbot, field_input.widget, value)


def verdict_text(wizard: CaseWizard) -> str:
    return wizard.organization_page.name_verdict.verdict.text()


def wait_verdict(qtbot, wizard: CaseWizard, text: str) -> None:
    qtbot.waitUntil(lambda: verdict_text(wizard) == text, timeout=15000)


def shot(widget, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SCREENSHOTS / name))


def test_the_name_check_verdict_shows_beside_the_name_as_the_clerk_types(window, qtbot):
    wizard = open_wizard(qtbot, window)
    verdict = wizard.organization_page.name_verdict
    assert verdict_text(wizard) == "名称核准：填写组织类型和拟定名称后自动核准"
    fill_items(qtbot, wizard, name="上海市长宁区琴韵音乐协会")
    wait_verdict(qtbot, wizard, "名称核准：通过")
    assert verdict.details.text() == "未发现与登记库中名称相同或相近的社会组织，名称符合规则。"
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=15000)
    assert not verdict.reason.isVisible()

    # a 字号 that sounds like a registered one: a warning naming it; 下一步 stays open
    type_into(qtbot, wizard.organization_page.inputs["name"].widget, SIMILAR)
    wait_verdict(qtbot, wizard, "名称核准：需审核")
    assert "[需审核] 与行(事)业领域和组织形式都相同的社会组织行(事)业领域或会员组成读音相同" in verdict.details.text()
    assert f"“{HOMOPHONE}”（正常）" in verdict.details.text()
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=15000)

    # the very name of a registered organization: refused; 下一步 waits for the clerk's reason
    type_into(qtbot, wizard.organization_page.inputs["name"].widget, REGISTERED)
    wait_verdict(qtbot, wizard, "名称核准：不予通过")
    assert f"[不予通过] 与已登记的社会组织名称相同：“{REGISTERED}”（正常）。" in verdict.details.text()
    assert verdict.reason.isVisible() and not next_button(wizard).isEnabled()
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.organization_page
    shot(wizard, "case_wizard_name_verdict.png")
    type_into(qtbot, verdict.reason, "申请人称同名协会即将注销，坚持使用此名称")
    assert next_button(wizard).isEnabled()
    verdict.reason.clear()
    assert not next_button(wizard).isEnabled()
    type_into(qtbot, verdict.reason, "申请人称同名协会即将注销，坚持使用此名称")
    qtbot.mouseClick(next_button(wizard), Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.scope_page

    # on through the pages to 受理: the reason is kept with the case
    for n, item in enumerate(GROUP_FORM["scope_items"]):
        if n:
            qtbot.mouseClick(wizard.scope_page.add_button, Qt.MouseButton.LeftButton)
        choice = next(c for c in wizard.scope_page.table.fields[0].choices() if c.startswith(item["catalogue_code"] + " "))
        wizard.scope_page.table.set_cell(n, "catalogue_code", choice)
    qtbot.mouseClick(next_button(wizard), Qt.MouseButton.LeftButton)
    for n, person in enumerate(GROUP_FORM["persons"]):
        if n:
            qtbot.mouseClick(wizard.persons_page.add_button, Qt.MouseButton.LeftButton)
        for key, value in person.items():
            wizard.persons_page.table.set_cell(n, key, value)
    qtbot.mouseClick(next_button(wizard), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.materials_page.all_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(next_button(wizard), Qt.MouseButton.LeftButton)
    assert "名称未通过核准仍予受理的理由" in wizard.confirm_page.summary.text()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.result_page, timeout=15000)
    with window.store.read() as session:
        case = session.scalars(select(Case).where(Case.case_no == wizard.case.case_no)).one()
        assert (case.name, case.name_override_reason) == (REGISTERED, "申请人称同名协会即将注销，坚持使用此名称")


@pytest.mark.parametrize(("key", "typed", "message"), [
    ("sponsor_consent_date", "2026-09-22", "“业务主管单位批准日期”2026-09-22 晚于今天（2026-09-21），请核对。"),
    ("funds_yuan", "0", "“注册资金/开办资金（元）”不能为 0，请填写章程规定的注册资金或开办资金。"),
    ("funds_yuan", "29999", "“注册资金/开办资金（元）”为 29,999 元低于社会团体的最低限额 30,000 元，请核对。"),
    ("individual_members", "49", "“个人会员数”不足：个人会员 49 个、单位会员 0 个；社会团体须有个人会员 50 个以上，"
                                 "或单位会员 30 个以上，或两者合计 50 个以上。"),
    ("premises_valid_until", "2026-09-20", "“住所使用期限至”至 2026-09-20，已经到期，请提供期限更长的住所使用证明。"),
    ("name", "上海市长宁区阳光😀协会", "“拟定名称”含有表情符号“😀”（U+1F600），请删除后重新输入。"),
    ("address", "上海市长宁区\u200b长宁路 1 号", "“住所”含有不可见的格式字符（U+200B），请删除后重新输入。"),
])
def test_each_condition_and_refused_character_shows_beside_its_field(window, qtbot, key, typed, message):
    wizard = open_wizard(qtbot, window)
    fill_items(qtbot, wizard, name="上海市长宁区琴韵音乐协会")
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=15000)
    field_input = wizard.organization_page.inputs[key]
    type_into(qtbot, field_input.widget, typed)
    assert field_input.message.isVisible() and field_input.message.text() == message
    assert "#c62828" in field_input.widget.styleSheet() and not next_button(wizard).isEnabled()


def test_members_left_empty_for_a_group_are_asked_for(window, qtbot):
    wizard = open_wizard(qtbot, window)
    fill_items(qtbot, wizard, name="上海市长宁区琴韵音乐协会")
    members = wizard.organization_page.inputs["individual_members"]
    for key in ("individual_members", "unit_members"):
        wizard.organization_page.inputs[key].widget.clear()
    assert members.message.text().startswith("“个人会员数”未填写：社会团体须有个人会员 50 个以上")
    assert not next_button(wizard).isEnabled()


def open_at_persons(qtbot, window) -> CaseWizard:
    """A wizard with valid items and one 业务范围 item, on the 人员 page."""
    wizard = open_wizard(qtbot, window)
    fill_items(qtbot, wizard, name="上海市长宁区琴韵音乐协会")
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=15000)
    qtbot.mouseClick(next_button(wizard), Qt.MouseButton.LeftButton)
    wizard.scope_page.table.set_cell(0, "text", "组织会员开展音乐交流活动")
    qtbot.mouseClick(next_button(wizard), Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.persons_page
    return wizard


def test_a_person_named_with_an_extension_b_character_is_accepted(window, qtbot):
    wizard = open_at_persons(qtbot, window)
    person = GROUP_FORM["persons"][0] | {"name": f"王{EXT_B_CHAR}", "roles": "发起人、法定代表人"}
    for key, value in person.items():
        wizard.persons_page.table.set_cell(0, key, value)
    assert wizard.persons_page.messages.text() == "" and next_button(wizard).isEnabled()
    wizard.persons_page.table.set_cell(0, "name", f"王{EXT_B_CHAR}\U0001F600")
    assert wizard.persons_page.messages.text() == "“第 1 位人员的姓名”含有表情符号“\U0001F600”（U+1F600），请删除后重新输入。"


DRAW_PERSON = """
import sys
from PySide6.QtGui import QColor, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication
from forms.intake import PERSON_FIELDS
from ui.case_wizard import FieldTable
from ui.fonts import install_fonts

app = QApplication([])
if sys.argv[1] != "-":  # a font of the machine, there before the program starts
    QFontDatabase.addApplicationFont(sys.argv[1])
install_fonts(app)
table = FieldTable(PERSON_FIELDS)
table.resize(1000, 200)
table.add_row({"name": sys.argv[2]})
table.setCurrentCell(-1, -1)
table.show()
app.processEvents()
image = table.viewport().grab(table.visualItemRect(table.item(0, 0))).toImage()
dark = sum(QColor(image.pixel(x, y)).lightness() < 80 for x in range(image.width()) for y in range(image.height()))
print(dark, QFontMetrics(table.font()).height())
"""


def _dark_pixels(font: str, text: str) -> tuple[int, int]:
    """Dark pixels of ``text`` drawn in the persons table by a fresh program (Qt's font fallback
    is settled when a process first draws Chinese, so the machine's fonts come before it)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", DRAW_PERSON, font, text], capture_output=True, text=True, timeout=120,
                          cwd=root, env=os.environ | {"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    dark, height = done.stdout.split()
    return int(dark), int(height)


def test_the_gui_font_draws_an_extension_b_name_with_the_machines_font(tmp_path):
    font = str(build_test_font(tmp_path / "extb.ttf", EXT_B_CHAR))  # stands in for SimSun-ExtB or BabelStone Han
    plain_han, height = _dark_pixels(font, "王")
    with_ext_b, _ = _dark_pixels(font, f"王{EXT_B_CHAR}")
    # the test font's 𠈌 is a filled square about as high as the text: drawn, not a hollow box
    assert with_ext_b - plain_han > height * height // 3, (plain_han, with_ext_b, height)


def test_user_text_with_markup_shows_literally_in_the_summary(window, qtbot):
    wizard = open_wizard(qtbot, window)
    marked = "上海市长宁区<b>粗体</b>协会"
    fill_items(qtbot, wizard, name=marked, address="上海市长宁区<i>长宁路</i> 1 号")
    verdict = wizard.organization_page.name_verdict
    wait_verdict(qtbot, wizard, "名称核准：不予通过")  # Latin letters in a name
    type_into(qtbot, verdict.reason, "核对<u>名称</u>")
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=15000)
    wizard.next()
    wizard.scope_page.table.set_cell(0, "text", "组织<a href='x'>会员</a>交流")
    wizard.next()
    for key, value in GROUP_FORM["persons"][0].items():
        wizard.persons_page.table.set_cell(0, key, value)
    wizard.next()
    wizard.next()
    assert wizard.currentPage() is wizard.confirm_page
    shown = QTextDocument()
    shown.setHtml(wizard.confirm_page.summary.text())
    seen = shown.toPlainText()
    for literal in (marked, "上海市长宁区<i>长宁路</i> 1 号", "核对<u>名称</u>", "组织<a href='x'>会员</a>交流"):
        assert literal in seen, literal


def test_esc_closes_an_empty_wizard_at_once_and_asks_on_a_filled_one(window, qtbot):
    empty = open_wizard(qtbot, window)
    qtbot.keyClick(empty, Qt.Key.Key_Escape)
    assert not empty.isVisible() and empty.result() == QWizard.DialogCode.Rejected
    assert not empty.findChild(QMessageBox, "discardBox").isVisible()  # never asked

    wizard = open_wizard(qtbot, window)
    type_into(qtbot, wizard.organization_page.inputs["applicant"].widget, "王芳")
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    box = wizard.findChild(QMessageBox, "discardBox")
    assert box is not None and box.isVisible() and wizard.isVisible()
    assert box.text() == "已填写的内容尚未受理，关闭后不会保存。要放弃这些内容吗？"
    assert sorted(b.text() for b in box.buttons()) == ["放弃", "继续填写"]
    keep = next(b for b in box.buttons() if b.text() == "继续填写")
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
    assert wizard.isVisible() and wizard.organization_page.inputs["applicant"].text() == "王芳"

    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert box.isVisible()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Esc on the question means 继续填写
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
    assert wizard.isVisible()

    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    qtbot.mouseClick(next(b for b in box.buttons() if b.text() == "放弃"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=5000)
    assert wizard.result() == QWizard.DialogCode.Rejected


def test_the_roles_check_boxes_fit_their_column(window, qtbot):
    wizard = open_at_persons(qtbot, window)
    table = wizard.persons_page.table
    column = next(c for c, f in enumerate(table.fields) if f.key == "roles")
    cell = table.visualItemRect(table.item(0, column))
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell.center())
    qtbot.waitUntil(lambda: len(table.viewport().findChildren(QCheckBox)) == 3, timeout=5000)
    boxes = table.viewport().findChildren(QCheckBox)
    assert [b.text() for b in boxes] == ["发起人", "法定代表人", "负责人"]
    for box in boxes:  # each whole, inside the cell
        shown = box.geometry().translated(box.parentWidget().mapTo(table.viewport(), box.parentWidget().rect().topLeft()))
        assert cell.contains(shown), (box.text(), shown, cell)
        assert box.width() >= box.sizeHint().width(), box.text()
    qtbot.mouseClick(boxes[1], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(boxes[0], Qt.MouseButton.LeftButton)
    table.setCurrentCell(0, 0)  # leaving the cell commits the editor
    qtbot.waitUntil(lambda: table.item(0, column).text() == "发起人、法定代表人", timeout=5000)
