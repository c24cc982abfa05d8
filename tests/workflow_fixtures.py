"""Shared set-up for the workflow tests: a fresh window with users, a code block and intake forms."""

from __future__ import annotations

import copy
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from stdnum.cn import ric

from accounts.users import UserInfo, create_user
from accounts.window import init_window
from models.accounts import Role
from models.store import Store, open_store
from registry.code_blocks import add_block

PASSWORD = "correct-horse-1"


def id_number(birth: date, serial: str = "123", region: str = "310105") -> str:
    """A valid 18-character ID number for someone born on ``birth``."""
    body = f"{region}{birth:%Y%m%d}{serial}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class Window:
    store: Store
    clerk: UserInfo
    reviewer: UserInfo
    approver: UserInfo
    clerk_approver: UserInfo  # holds both duties: accepts, and may not then approve (four-eyes)


_TEMPLATE: dict[str, object] = {}


def make_window(tmp_path: Path) -> Window:
    """A window (W01) with four users and 20 organization codes, copied from a template made once
    per test run (creating users hashes passwords, which is slow on purpose)."""
    if not _TEMPLATE:
        template_dir = Path(tempfile.mkdtemp(prefix="soreg-window-"))
        window = _build_window(template_dir / "t.sqlite3")
        window.store.close()
        _TEMPLATE.update(path=template_dir / "t.sqlite3", window=window)
    target = tmp_path / "t.sqlite3"
    shutil.copyfile(_TEMPLATE["path"], target)
    template: Window = _TEMPLATE["window"]  # type: ignore[assignment]
    return Window(open_store(target), template.clerk, template.reviewer, template.approver, template.clerk_approver)


def _build_window(path: Path) -> Window:
    store = open_store(path)
    init_window(store, "W01", actor="system")

    def user(name: str, *roles: Role) -> UserInfo:
        return create_user(store, username=name, display_name=name, password=PASSWORD, roles=frozenset(roles), actor="system")

    window = Window(store, user("clerk", Role.CLERK), user("reviewer", Role.REVIEWER), user("approver", Role.APPROVER),
                    user("both", Role.CLERK, Role.APPROVER))
    add_block(store, "MA1A0001", 20, actor="system")
    return window


GROUP_FORM = {
    "organization": {
        "org_type": "社会团体",
        "name": "上海市长宁区养老服务协会",
        "address": "上海市长宁区长宁路 100 号 3 楼",
        "street_code": "华阳路街道",
        "purpose": "团结本区养老服务机构，促进养老服务行业规范发展",
        "activity_area": "上海市长宁区",
        "funds_yuan": "30,000",
        "sponsor": "上海市长宁区民政局",
        "sponsor_consent_doc_no": "长民〔2026〕12号",
        "sponsor_consent_date": "2026-08-20",
        "individual_members": "50",
        "unit_members": "0",
        "premises_document": "沪房地长字（2015）第001234号",
        "applicant": "王芳",
        "applicant_phone": "13812345678",
    },
    "scope_items": [{"catalogue_code": "YL02"}, {"catalogue_code": "HY01"}],
    "persons": [
        {"name": "李建国", "id_number": id_number(date(1960, 5, 1)), "phone": "13900001111", "roles": "发起人、法定代表人",
         "title": "会长"},
        {"name": "张敏", "id_number": id_number(date(1975, 3, 9), "246"), "phone": "021-62345678", "roles": "发起人,负责人",
         "title": "秘书长"},
    ],
    "received": ["SQS", "ZC", "ZGPJ", "ZSZM", "ZJZM", "FQR", "FZR", "HYMD"],
}

SERVICE_FORM = {
    "organization": {
        "org_type": "民办非企业单位",
        "name": "上海市长宁区乐龄社区服务中心",
        "address": "上海市长宁区天山路 200 号",
        "street_code": "310105006",
        "purpose": "为社区老年人提供日间照料和文化活动服务",
        "activity_area": "上海市长宁区",
        "funds_yuan": "50000",
        "direct_category": "城乡社区服务类",
        "direct_justification": "主要面向本区社区居民提供服务，属城乡社区服务类",
        "premises_document": "租赁合同 CN-2026-0088",
        "premises_valid_until": "2029-12-31",
        "applicant": "赵磊",
        "applicant_phone": "13700002222",
    },
    "scope_items": [{"catalogue_code": "YL01", "approval_doc_no": "长民养〔2026〕5号", "approval_date": "2026-08-01"},
                    {"text": "组织社区老年人开展书画交流活动"}],
    "persons": [
        {"name": "陈晓东", "id_number": id_number(date(1970, 12, 1), "357"), "phone": "13600003333",
         "roles": "法定代表人,负责人", "title": "理事长"},
    ],
    "received": ["SQS", "ZC", "ZJDJ", "ZSZM", "ZJZM", "FZR", "CYRY", "QZSP"],
}


def form(base: dict, **organization: str) -> dict:
    """A deep copy of ``base`` with some organization items replaced."""
    data = copy.deepcopy(base)
    data["organization"].update(organization)
    return data


def print_certificates(window: Window, case_no: str, *, serial_base: str = "SZ2026") -> None:
    """Record the 正本 and 副本 as printed on stock (制证完成 needs both)."""
    from models.print_records import DocumentKind
    from printing.data import CopyKind
    from workflow.print_records import PrintRequest, record_print

    for number, copy in enumerate((CopyKind.ORIGINAL, CopyKind.DUPLICATE), start=1):
        serial = f"{serial_base}{case_no[-6:]}{number}"
        record_print(window.store, PrintRequest(case_no, DocumentKind.CERTIFICATE, "测试打印机", copy, serial),
                     user=window.clerk)


def demo_cases(window: Window, count: int, **options) -> None:
    """``count`` demo cases in the window's database, flagged a demo database first (demo data is
    made only there)."""
    from workflow.demo import fill_demo_cases

    init_window(window.store, "W01", actor="system", demo=True)
    fill_demo_cases(window.store, count, **options)


def as_accepted_by_an_older_version(window: Window, sql: str, **values) -> None:
    """Put a value intake refuses today into a case, as a case accepted before intake checked it
    still holds it (``sql`` is an UPDATE with named parameters)."""
    from sqlalchemy import text

    with window.store.write() as session:
        session.execute(text(sql), values)


def with_old_person(window: Window, case_no: str, position: int, birth: date, serial: str) -> str:
    """Make person ``position`` of the case born on ``birth`` (over the age limit); return the ID number."""
    number = id_number(birth, serial)
    as_accepted_by_an_older_version(
        window, "update case_persons set id_number = :number, birth_date = :birth where position = :position"
        " and case_id = (select id from cases where case_no = :no)",
        number=number, birth=birth.isoformat(), position=position, no=case_no)
    return number
