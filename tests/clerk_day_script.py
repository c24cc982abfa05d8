"""The clerk's day as the robot plays it (see tests/robot.py and tests/clerk_day_driver.py).

Only widgets are touched, found by their titles, captions and labels; what the robot saw that the
test checks afterwards is kept with ``robot.remember``. The day:

1. first start: the window's code and its administrator; the administrator adds a clerk, a
   reviewer and an approver and loads a code block in 设置;
2. the clerk takes a 社会团体 and a 民办非企业单位 in (wizard), prints each 受理回执;
3. the reviewer passes every review step with an opinion, the approver approves (confirmed);
4. the clerk prints each certificate's 正本 and 副本 through the print dialog, finishes 制证 and
   issues the certificate to the legal representative: 办结;
5. a third case: accepted with a material missing, 通知补正, the material received, 材料补齐, a
   correction (更正登记事项), reviewed to 人员审查, 退回 to 名称核准, then 不予登记 by the approver;
6. a fourth case withdrawn (撤回) by the clerk;
7. log-out and login again, lock and unlock.
"""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QTableView,
    QTableWidget,
    QTabWidget,
    QWizard,
)

from robot import Robot, field_by_label, find_button, find_checkbox, find_visible, plain, texts_of

ADMIN = ("admin", "管理员甲", "Admin-pass-2026")
PASSWORD = "Clerk-pass-2026"
CLERK, REVIEWER, APPROVER = "wangfang", "liqiang", "zhaomin"
USERS = ((CLERK, "王芳", "窗口受理"), (REVIEWER, "李强", "审核"), (APPROVER, "赵敏", "审批"))
CODES = ("MJ0000018", "MJ0002005")  # the first and last code of the block the district handed out
TODAY = date.today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


GROUP = {
    "items": {
        "组织类型": "社会团体", "拟定名称": "上海市长宁区养老服务协会", "住所": "上海市长宁区长宁路100号（3楼）",
        "所属街镇": "华阳路街道", "宗旨": "团结本区养老服务机构，促进养老服务行业规范发展",
        "活动地域": "上海市长宁区", "注册资金/开办资金（元）": "30000", "业务主管单位": "上海市长宁区民政局",
        "业务主管单位批准文号": "长民〔2026〕12号", "业务主管单位批准日期": day(-20), "个人会员数": "60",
        "单位会员数": "0", "住所证明文件": "沪房地长字（2015）第001234号", "申请人（经办人）": "王芳",
        "申请人电话": "13812345678",
    },
    "scope": [{"业务范围（目录）": "YL02"}, {"业务范围（目录）": "HY01"}],
    "persons": [
        {"姓名": "李建国", "身份证号": "310105196005011233", "联系电话": "13900001111", "身份": ("发起人", "法定代表人"),
         "拟任职务": "会长"},
        {"姓名": "张敏", "身份证号": "310105197503092464", "联系电话": "02162345678", "身份": ("发起人", "负责人"),
         "拟任职务": "秘书长"},
    ],
}
SERVICE = {
    "items": {
        "组织类型": "民办非企业单位", "拟定名称": "上海市长宁区乐龄社区服务中心", "住所": "上海市长宁区天山路200号",
        "所属街镇": "天山路街道", "宗旨": "为社区老年人提供日间照料和文化活动服务", "活动地域": "上海市长宁区",
        "注册资金/开办资金（元）": "50000", "直接登记类别": "城乡社区服务类",
        "直接登记理由": "主要面向本区社区居民提供服务，属城乡社区服务类", "住所证明文件": "租赁合同CN-2026-0088",
        "住所使用期限至": day(3 * 365), "申请人（经办人）": "赵磊", "申请人电话": "13700002222",
    },
    "scope": [{"业务范围（目录）": "YL01", "前置审批文号": "长民养〔2026〕5号", "前置审批日期": day(-30)},
              {"业务范围（自拟）": "组织社区老年人开展书画交流活动"}],
    "persons": [
        {"姓名": "陈晓东", "身份证号": "310105197012013573", "联系电话": "13600003333", "身份": ("法定代表人", "负责人"),
         "拟任职务": "理事长"},
    ],
}
RETURNED = {
    "items": dict(GROUP["items"], **{"组织类型": "社会团体", "拟定名称": "上海市长宁区书画艺术研究会",
                                     "住所": "上海市长宁区愚园路500号", "所属街镇": "江苏路街道",
                                     "宗旨": "研究书画艺术，开展书画交流"}),
    "scope": [{"业务范围（目录）": "HY01"}],
    "persons": [
        {"姓名": "周文华", "身份证号": "310105196803150035", "联系电话": "13911112222", "身份": ("发起人", "法定代表人"),
         "拟任职务": "会长"},
    ],
}
WITHDRAWN = {
    "items": dict(SERVICE["items"], **{"拟定名称": "上海市长宁区青少年科技教育中心", "住所": "上海市长宁区仙霞路300号",
                                        "所属街镇": "仙霞新村街道", "宗旨": "开展青少年科技教育活动"}),
    "scope": [{"业务范围（自拟）": "组织青少年科技兴趣活动"}],
    "persons": SERVICE["persons"],
}


def main_window() -> QMainWindow | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()), None)


def modal_box(containing: str = "") -> QMessageBox | None:
    box = QApplication.activeModalWidget()
    return box if isinstance(box, QMessageBox) and containing in box.text() else None


# -- the shell --

def set_up_window(robot: Robot):
    """首次启动设置: the window's code and the first administrator (who administers, not cases)."""
    setup = yield robot.window("首次启动设置")
    robot.type(field_by_label(setup, "窗口代码"), "W01")
    username, name, password = ADMIN
    robot.type(field_by_label(setup, "用户名"), username)
    robot.type(field_by_label(setup, "姓名"), name)
    robot.type(field_by_label(setup, "密码"), password)
    robot.type(field_by_label(setup, "确认密码"), password)
    yield robot.text(setup, "代码段")  # a new window is told it has no code block yet, and what to do
    for role in ("窗口受理", "审核", "审批"):
        box = find_checkbox(setup, role)
        if box is not None:
            robot.set_checked(box, False)
    yield robot.press(setup, "完成设置")
    yield robot.gone(setup)


def data_layer(robot: Robot) -> None:
    """Note which ORM classes the running program has mapped, and whether each is configured, the
    moment 登录 can be pressed: from then on worker threads query while the UI thread imports the
    pages' modules, and a mapper configured in that race stays broken for the run. (Read from the
    program's own modules; nothing is imported.)"""
    base = sys.modules.get("models.base")
    mappers = base.Base.registry.mappers if base is not None else ()
    robot.remember("mappers_at_login", {m.class_.__name__: m.configured for m in mappers})


def log_in(robot: Robot, username: str, password: str):
    dialog = yield robot.window("登录")
    button = yield robot.button(dialog, "登录")
    if "mappers_at_login" not in getattr(robot, "seen", {}):
        data_layer(robot)
    robot.type(field_by_label(dialog, "用户名"), username)
    robot.type(field_by_label(dialog, "密码"), password)
    robot.click(button)
    window = yield robot.until(f"{username} 的主窗口", main_window)
    yield robot.text(window, f"用户：.*（{username}）")
    return window


def log_out(robot: Robot, window: QMainWindow):
    robot.menu(window, "账户", "注销")
    yield robot.window("登录")


def as_user(robot: Robot, window: QMainWindow | None, username: str, password: str = PASSWORD):
    if window is not None:
        yield from log_out(robot, window)
    return (yield from log_in(robot, username, password))


def lock_and_unlock(robot: Robot, window: QMainWindow, password: str):
    robot.menu(window, "账户", "锁定屏幕")
    dialog = yield robot.window("解锁")
    yield robot.text(window, "屏幕已锁定")
    robot.type(field_by_label(dialog, "密码"), "wrong-password")
    yield robot.press(dialog, "解锁")
    yield robot.text(dialog, "用户名或密码不正确")  # refused: the dialog says so and stays
    robot.type(field_by_label(dialog, "密码"), password)
    yield robot.press(dialog, "解锁")
    yield robot.gone(dialog)


def page(robot: Robot, window: QMainWindow, title: str):
    nav = find_visible(window, QListWidget)
    robot.click_item(nav, title)
    yield robot.until(f"“{title}”页", lambda: nav.currentItem() is not None and nav.currentItem().text() == title)
    return window.pages.currentWidget()


# -- administration --

def administer(robot: Robot, window: QMainWindow):
    settings = yield from page(robot, window, "设置")
    tabs = yield robot.until("设置的各项", lambda: find_visible(settings, QTabWidget))
    robot.tab(tabs, "用户")
    for username, name, role in USERS:
        yield from add_user(robot, settings, username, name, role)
    robot.tab(tabs, "代码段")
    codes = yield robot.until("代码段", lambda: field_by_label(settings, "起始代码"))
    robot.type(codes, CODES[0])
    robot.type(field_by_label(settings, "截止代码"), CODES[1])
    robot.type(field_by_label(settings, "备注"), "长民社〔2026〕8号")
    yield robot.press(settings, "载入号段")
    yield robot.text(settings, "已载入号段")
    yield robot.text(settings, r"剩余组织机构代码：200 个")


def add_user(robot: Robot, settings, username: str, name: str, role: str):
    """设置 → 用户 → 新增用户… (the 用户 tab is showing)."""
    yield robot.press(settings, "新增用户…")
    dialog = yield robot.window("新增用户")
    robot.type(field_by_label(dialog, "用户名"), username)
    robot.type(field_by_label(dialog, "姓名"), name)
    robot.type(field_by_label(dialog, "新密码"), PASSWORD)
    robot.type(field_by_label(dialog, "确认密码"), PASSWORD)
    for other in ("窗口受理", "审核", "审批", "管理员"):
        robot.set_checked(find_checkbox(dialog, other), other == role)
    yield robot.press(dialog, "确定")
    yield robot.gone(dialog)
    yield robot.text(settings, f"已新增用户 {username}")


# -- intake --

def fill_item(robot: Robot, root, label: str, value: str) -> None:
    widget = field_by_label(root, label)
    assert widget is not None, f"找不到“{label}”"
    if isinstance(widget, QComboBox):
        robot.choose(widget, value)
    else:
        robot.type(widget, value)


def fill_rows(robot: Robot, root, rows: list[dict], add_caption: str):
    table = find_visible(root, QTableWidget)
    for n, row in enumerate(rows):
        if n >= table.rowCount():
            yield robot.press(root, add_caption)
            yield robot.until(f"第 {n + 1} 行", lambda n=n: table.rowCount() > n)
        for column, value in row.items():
            editor = yield robot.open_cell(table, n, column)
            if isinstance(editor, QComboBox):
                robot.choose(editor, value)
                robot.key(editor, Qt.Key.Key_Return)
            elif isinstance(editor, QLineEdit):
                robot.type(editor, value)
                robot.key(editor, Qt.Key.Key_Return)
            else:  # several choices: check boxes
                for box in editor.findChildren(QCheckBox):
                    robot.set_checked(box, box.text() in value)
            yield robot.pause(50)
    robot.later(lambda: table.setFocus())  # the last editor closes and gives its value


def wizard_next(robot: Robot, wizard: QWizard, title: str):
    yield robot.press(wizard, "下一步 >")
    yield robot.until(f"向导的“{title}”", lambda: wizard.currentPage().title() == title)


def new_case(robot: Robot, cases, business: str):
    """新建办件 → the business, from the button's menu of the catalogue's businesses."""
    yield robot.press(cases, "新建办件")
    menu = yield robot.until("新建办件的业务菜单", lambda: QApplication.activePopupWidget())
    entry = next(a for a in menu.actions() if plain(a.text()) == business)
    robot.later(lambda: QTest.mouseClick(menu, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                                         menu.actionGeometry(entry).center()))
    wizard = yield robot.window(f"新建办件 — {business}")
    return wizard


def intake(robot: Robot, window: QMainWindow, form: dict, *, all_materials: bool = True, print_receipt: bool = True):
    cases = yield from page(robot, window, "办件")
    wizard = yield from new_case(robot, cases, "成立登记")
    for label, value in form["items"].items():
        fill_item(robot, wizard, label, value)
    yield robot.text(wizard, "名称核准：(通过|需审核)")
    yield from wizard_next(robot, wizard, "业务范围")
    yield from fill_rows(robot, wizard, form["scope"], "添加一项")
    yield from wizard_next(robot, wizard, "人员")
    yield from fill_rows(robot, wizard, form["persons"], "添加人员")
    yield from wizard_next(robot, wizard, "申请材料")
    if all_materials:
        yield robot.press(wizard, "全部已收")
    else:
        for box in wizard.currentPage().findChildren(QCheckBox):
            robot.set_checked(box, "会员名单" not in box.text())
    yield from wizard_next(robot, wizard, "确认受理")
    yield robot.press(wizard, "受理")
    number = yield robot.text(wizard, r"^办件编号：\S+$")
    case_no = number.split("：")[1]
    if print_receipt:
        yield robot.press(wizard, "打印受理回执…")
        printing = yield robot.until("打印页", lambda: window.pages.currentWidget() if field_by_label(
            window.pages.currentWidget(), "证件印制号") is not None else None)
        yield from print_on_paper(robot, window, printing, f"receipt-{case_no}.pdf", expect="受理回执")
    else:
        yield robot.press(wizard, "完成")
        yield robot.gone(wizard)
    return case_no


# -- printing --

def print_on_paper(robot: Robot, window: QMainWindow, printing, file_name: str, *, expect: str, serial: str = ""):
    """On the 打印 page, with the document chosen: 打印… → the system print dialog → a PDF file."""
    yield robot.text(printing, r"预览：共 \d+ 页")
    if serial:
        robot.type(field_by_label(printing, "证件印制号"), serial)
    yield robot.press(printing, "打印…")
    dialog = yield robot.until("打印对话框", lambda: next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, QPrintDialog) and w.isVisible()), None))
    printers = dialog.findChild(QComboBox, "printers")
    robot.choose(printers, printers.itemText(printers.count() - 1))  # Qt lists print-to-file (PDF) last
    robot.type(dialog.findChild(QLineEdit, "filename"), str(robot.report_dir / file_name))
    buttons = dialog.findChild(QDialogButtonBox)
    robot.click(next(b for b in buttons.buttons() if buttons.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole))
    yield robot.text(printing, f"已打印{expect}")
    robot.remember(f"printed:{file_name}", str(robot.report_dir / file_name))


def print_certificates(robot: Robot, window: QMainWindow, case_no: str, serial_base: str):
    printing = yield from page(robot, window, "打印")
    robot.type(field_by_label(printing, "办件"), case_no)
    robot.key(field_by_label(printing, "办件"), Qt.Key.Key_Return)
    yield robot.text(printing, "制证")
    combo = field_by_label(printing, "文书")
    for copy, serial in (("正本", f"{serial_base}1"), ("副本", f"{serial_base}2")):
        robot.choose(combo, f"登记证书（{copy}）")
        yield robot.until(f"选中{copy}", lambda copy=copy: copy in combo.currentText())
        yield from print_on_paper(robot, window, printing, f"certificate-{case_no}-{copy}.pdf",
                                  expect=f"登记证书{copy}", serial=serial)


# -- the case page --

def open_case(robot: Robot, window: QMainWindow, case_no: str):
    cases = yield from page(robot, window, "办件")
    if find_button(cases, "← 返回办件列表") is not None:
        yield robot.press(cases, "← 返回办件列表")
    search = yield robot.until("查找框", lambda: find_visible(cases, QLineEdit, lambda e: "办件编号" in e.placeholderText()))
    robot.type(search, case_no[-6:])  # any part of the number finds it
    robot.key(search, Qt.Key.Key_Return)
    table = find_visible(cases, QTableView)
    yield robot.until(f"列表只剩 {case_no}", lambda: table.model().rowCount() == 1
                      and table.model().index(0, 0).data() == case_no)
    robot.double_click_row(table, 0)
    view = yield robot.until("办件页", lambda: find_visible(cases, QTabWidget))
    yield robot.text(cases, re.escape(case_no))
    tabs = view
    robot.tab(tabs, "审查")
    return cases, tabs


def state_is(robot: Robot, root, state: str):
    return robot.text(root, f"^当前环节：{re.escape(state)}")


def act(robot: Robot, root, caption: str, *, opinion: str = "", acknowledge: bool = True):
    """Press an action of the 审查 tab, with an opinion typed first and warnings acknowledged."""
    yield robot.button(root, caption)
    if acknowledge:
        box = find_checkbox(root, "我已审核以上提示，确认继续")
        if box is not None:
            robot.set_checked(box)
    if opinion:
        edit = find_visible(root, QPlainTextEdit, lambda e: e.objectName() == "opinion") \
            or find_visible(root, QPlainTextEdit)
        robot.type(edit, opinion)
    yield robot.press(root, caption)


def answer_reasons(robot: Robot, title: str, reasons: str, *, target: str = ""):
    dialog = yield robot.window(title)
    if target:
        robot.choose(dialog.findChild(QComboBox), target)
    robot.type(find_visible(dialog, QPlainTextEdit), reasons)
    yield robot.press(dialog, "确定")
    yield robot.gone(dialog)


def confirm(robot: Robot, caption: str):
    box = yield robot.until(f"确认框「{caption}」", lambda: modal_box())
    robot.click(next(b for b in box.buttons() if plain(b.text()) == caption))
    yield robot.gone(box)


def review_to_approval(robot: Robot, window: QMainWindow, case_no: str, steps: tuple[str, ...]):
    cases, _tabs = yield from open_case(robot, window, case_no)
    for step in steps:
        yield state_is(robot, cases, step)
        yield from act(robot, cases, "审查通过", opinion=f"{step}：材料齐全，符合规定。")
    yield state_is(robot, cases, "核准登记")


def approve(robot: Robot, window: QMainWindow, case_no: str):
    cases, _tabs = yield from open_case(robot, window, case_no)
    yield state_is(robot, cases, "核准登记")
    yield from act(robot, cases, "核准登记", opinion="同意登记。")
    yield from confirm(robot, "核准登记")
    done = yield robot.message_box("核准登记完成")
    code = re.search(r"统一社会信用代码：(\w{18})", done.text()).group(1)
    robot.click(find_button(done, "确定") or done.buttons()[0])
    yield state_is(robot, cases, "制证")
    return code


def finish_and_issue(robot: Robot, window: QMainWindow, case_no: str):
    cases, _tabs = yield from open_case(robot, window, case_no)
    yield state_is(robot, cases, "制证")
    yield from act(robot, cases, "制证完成")
    yield from issue(robot, cases)


def issue(robot: Robot, cases):
    """发证 of the open case: the legal representative collects, and the case ends (办结)."""
    yield state_is(robot, cases, "发证")
    yield from act(robot, cases, "发证")
    dialog = yield robot.window("登记领证人")
    robot.set_checked(find_visible(dialog, QRadioButton, lambda b: b.text().startswith("法定代表人")))
    yield robot.press(dialog, "确定")
    yield robot.gone(dialog)
    yield from confirm(robot, "发证")
    yield robot.text(cases, "办件已办结")


def establish(robot: Robot, window: QMainWindow, form: dict, serial_base: str):
    """One case from intake to 办结, each step by its own user; returns (window, case no, code)."""
    window = yield from as_user(robot, window, CLERK)
    case_no = yield from intake(robot, window, form)
    cases, _tabs = yield from open_case(robot, window, case_no)
    yield from act(robot, cases, "提交审查")
    yield state_is(robot, cases, "名称核准")
    window = yield from as_user(robot, window, REVIEWER)
    yield from review_to_approval(robot, window, case_no, ("名称核准", "业务范围审定", "业务主管单位审查",
                                                            "发起人/拟任负责人审查"))
    window = yield from as_user(robot, window, APPROVER)
    code = yield from approve(robot, window, case_no)
    window = yield from as_user(robot, window, CLERK)
    yield from print_certificates(robot, window, case_no, serial_base)
    yield from finish_and_issue(robot, window, case_no)
    robot.remember(f"closed:{case_no}", code)
    return window, case_no


def supplement_correct_return_reject(robot: Robot, window: QMainWindow):
    """补正 with the material received, a correction, 退回, then 不予登记."""
    window = yield from as_user(robot, window, CLERK)
    case_no = yield from intake(robot, window, RETURNED, all_materials=False, print_receipt=False)
    cases, tabs = yield from open_case(robot, window, case_no)
    yield robot.text(cases, "尚未收到")  # the materials check refuses to start the review
    yield from act(robot, cases, "通知补正")
    yield from answer_reasons(robot, "通知补正", "请补交会员名单")
    yield state_is(robot, cases, "补正")
    robot.tab(tabs, "材料")
    materials = yield robot.until("材料清单", lambda: find_visible(cases, QTableWidget,
                                                                 lambda t: t.model().headerData(0, Qt.Orientation.Horizontal) == "材料"))
    row = next(r for r in range(materials.rowCount()) if "会员名单" in materials.item(r, 0).text())
    robot.later(lambda: materials.selectRow(row))
    yield robot.press(cases, "登记收到")
    yield robot.until("会员名单已收", lambda: materials.item(row, 2).text() == "已收")
    robot.tab(tabs, "审查")
    yield from act(robot, cases, "材料补齐")
    yield state_is(robot, cases, "受理")
    # a correction: the address the applicant gave was wrong
    yield robot.press(cases, "更正登记事项…")
    dialog = yield robot.window("更正登记事项")
    robot.type(field_by_label(dialog, "住所"), "上海市长宁区愚园路502号")
    robot.type(find_visible(dialog, QPlainTextEdit, lambda e: "理由" in (e.placeholderText() + e.objectName()))
               or field_by_label(dialog, "更正理由"), "申请人核对房产证后更正门牌号")
    yield robot.press(dialog, "保存更正")
    yield robot.gone(dialog)
    yield robot.text(cases, "已更正 1 项")
    robot.remember("corrected", case_no)
    yield from act(robot, cases, "提交审查")
    window = yield from as_user(robot, window, REVIEWER)
    cases, _tabs = yield from open_case(robot, window, case_no)
    for step in ("名称核准", "业务范围审定", "业务主管单位审查"):
        yield state_is(robot, cases, step)
        yield from act(robot, cases, "审查通过", opinion=f"{step}无异议。")
    yield state_is(robot, cases, "发起人/拟任负责人审查")
    yield from act(robot, cases, "退回")
    yield from answer_reasons(robot, "退回", "名称中的行业表述需重新核准", target="名称核准")
    yield state_is(robot, cases, "名称核准")
    window = yield from as_user(robot, window, APPROVER)
    cases, _tabs = yield from open_case(robot, window, case_no)
    yield from act(robot, cases, "不予登记")
    yield from answer_reasons(robot, "不予登记", "拟任法定代表人未能提交任职资格证明")
    yield robot.text(cases, "办件已不予登记")
    robot.remember("rejected", case_no)
    return window


def withdraw(robot: Robot, window: QMainWindow):
    window = yield from as_user(robot, window, CLERK)
    case_no = yield from intake(robot, window, WITHDRAWN, print_receipt=False)
    cases, _tabs = yield from open_case(robot, window, case_no)
    yield from act(robot, cases, "撤回")
    yield from answer_reasons(robot, "撤回", "申请人书面申请撤回")
    yield robot.text(cases, "办件已撤回")
    robot.remember("withdrawn", case_no)
    return window


def clerk_day(robot: Robot):
    yield from set_up_window(robot)
    username, _name, password = ADMIN
    window = yield from log_in(robot, username, password)
    yield from administer(robot, window)
    window, group = yield from establish(robot, window, GROUP, "ZS2026000")
    window, service = yield from establish(robot, window, SERVICE, "ZS2026100")
    window = yield from supplement_correct_return_reject(robot, window)
    window = yield from withdraw(robot, window)
    yield from lock_and_unlock(robot, window, PASSWORD)
    window = yield from as_user(robot, window, username, password)
    robot.remember("logged_in_again", True)
    robot.remember("screens", [t for t in texts_of(window) if t][:5])
    _ = (group, service, QAbstractButton)
