"""Registry import (登记库导入) and registry writes: all or nothing, idempotent, every bad row named."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from accounts.users import create_user
from cli.app import run
from models.accounts import Role
from models.audit import AuditEvent, verify_chain_in
from models.errors import SoregError
from models.progress import Cancelled
from models.registry import NameVariant, Organization, OrganizationName
from registry.credit_code import build_credit_code, organization_code
from registry.organizations import (
    FormerName,
    OrganizationRecord,
    add_organization_in,
    change_status_in,
    rename_organization_in,
)
from spreadsheets.registry_import import ImportRejected, import_registry

HEADER = ["名称", "组织类型", "统一社会信用代码", "登记状态", "状态变更日期", "成立日期", "住所", "所属街镇",
          "法定代表人", "业务主管单位", "证书有效期至", "评估等级"]
TYPES = ["社会团体", "民办非企业单位", "基金会"]
ENDINGS = {"社会团体": "协会", "民办非企业单位": "中心", "基金会": "基金会"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def code(n: int, org_type: str) -> str:
    return build_credit_code(organization_code(f"T{n:07d}"), {"社会团体": "1", "民办非企业单位": "2", "基金会": "3"}[org_type])


def good_row(n: int) -> list[str]:
    org_type = TYPES[n % 3]
    digits = "".join("零一二三四五六七八九"[int(d)] for d in str(n))
    return [f"上海市长宁区{digits}号文化{ENDINGS[org_type]}", org_type, code(n, org_type), "正常", "", "2015-06-01",
            f"上海市长宁区天山路{n}号", "天山路街道", "王芳", "上海市长宁区文化和旅游局", "2027-05-31", "4A" if n % 5 == 0 else ""]


def write_csv(path: Path, rows: list[list], *, header=HEADER, bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def count(store, model) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def problems_of(excinfo) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in excinfo.value.problems]


def test_one_bad_row_among_ten_thousand_imports_nothing(store, tmp_path):
    rows = [good_row(n) for n in range(1, 10_001)]
    rows.insert(5000, ["上海市长宁区坏行文化中心", "公司", "", "正常", "", "", "", "", "", "", "", ""])
    path = write_csv(tmp_path / "big.csv", rows)
    with pytest.raises(ImportRejected) as excinfo:
        import_registry(store, path, actor="admin")
    assert problems_of(excinfo) == [(5002, "组织类型")]
    assert str(excinfo.value.problems[0]) == "第 5002 行“组织类型”列：组织类型“公司”无效，应为社会团体、民办非企业单位、基金会之一"
    assert "未导入任何数据" in str(excinfo.value)
    assert count(store, Organization) == 0 and count(store, OrganizationName) == 0
    with store.read() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "registry.import")) == 0

    rows[5000][1] = "民办非企业单位"
    summary = import_registry(store, write_csv(tmp_path / "fixed.csv", rows), actor="admin")
    assert (summary.added, summary.updated, summary.unchanged) == (10_001, 0, 0)
    assert count(store, Organization) == 10_001 and count(store, OrganizationName) == 10_001


def test_every_bad_row_is_reported_in_chinese_with_row_and_column(store, tmp_path):
    rows = [
        good_row(1),
        ["", "社会团体"] + [""] * 10,                                                           # row 3
        ["上海市长宁区甲乙协会", "社会团体", "91350100M000100Y44"] + [""] * 9,                  # row 4
        ["上海市长宁区丙丁中心", "民办非企业单位", "", "已撤销", "", "2015-13-01", "", "静安寺街道", "", "", "", "6A"],  # row 5
        ["上海市长宁区戊己中心", "民办非企业单位", "", "已更名", "2024-01-01"] + [""] * 7,     # row 6
        ["上海市长宁区庚辛中心", "民办非企业单位", code(1, "社会团体")] + [""] * 9,             # row 7
        good_row(1),                                                                           # row 8: repeats row 2
        ["上海市长宁区壬癸中心", "民办非企业单位", "", "正常", "2024-02-30"] + [""] * 7,        # row 9
    ]
    with pytest.raises(ImportRejected) as excinfo:
        import_registry(store, write_csv(tmp_path / "bad.csv", rows), actor="admin")
    assert problems_of(excinfo) == [
        (3, "名称"),
        (4, "统一社会信用代码"),
        (5, "成立日期"), (5, "所属街镇"), (5, "评估等级"), (5, "状态变更日期"),
        (6, "统一社会信用代码"),
        (7, "统一社会信用代码"),
        (8, "统一社会信用代码"),
        (9, "状态变更日期"),
    ]
    for problem in excinfo.value.problems:
        assert CHINESE.search(problem.reason)
        assert str(problem).startswith(f"第 {problem.row} 行“{problem.column}”列：")
    reasons = {(p.row, p.column): p.reason for p in excinfo.value.problems}
    assert reasons[(4, "统一社会信用代码")] == "统一社会信用代码“91350100M000100Y44”无效：校验位（第 18 位）错误，应为 3"
    assert reasons[(5, "状态变更日期")] == "登记状态为“已撤销”时必须填写状态变更日期（YYYY-MM-DD）"
    assert "静安寺街道" in reasons[(5, "所属街镇")] and "新泾镇" in reasons[(5, "所属街镇")]
    assert reasons[(7, "统一社会信用代码")] == "第 2 位为 1，与组织类型“民办非企业单位”的类别代码 2 不符"
    assert reasons[(8, "统一社会信用代码")] == "与第 2 行重复"
    assert count(store, Organization) == 0


def test_header_problems(store, tmp_path):
    path = write_csv(tmp_path / "h.csv", [["上海市长宁区甲乙协会", "x"]], header=["名称", "地址"])
    with pytest.raises(ImportRejected) as excinfo:
        import_registry(store, path, actor="admin")
    reasons = {(p.row, p.column): p.reason for p in excinfo.value.problems}
    assert reasons[(1, "地址")].startswith("无法识别的列，可用的列为：名称、组织类型")
    assert reasons[(1, "组织类型")] == "缺少必填列"


def snapshot(store) -> dict:
    with store.read() as session:
        orgs = {o.credit_code or o.name: (o.row_version, o.updated_at, o.name, o.address)
                for o in session.scalars(select(Organization))}
        names = session.execute(select(OrganizationName.name, OrganizationName.is_current,
                                       OrganizationName.renamed_on)).all()
        return {"orgs": orgs, "names": sorted(names), "variants": session.scalar(
            select(func.count()).select_from(NameVariant))}


def test_importing_the_same_file_again_changes_nothing(store, tmp_path):
    rows = [good_row(n) for n in range(1, 31)]
    rows.append(["上海市长宁区无代码书画协会", "社会团体"] + [""] * 10)          # matched by name + type
    rows.append(["上海市长宁区三号旧文化协会", "社会团体", code(3, "社会团体"), "已更名", "2023-04-01"] + [""] * 7)
    path = write_csv(tmp_path / "r.csv", rows)
    first = import_registry(store, path, actor="admin")
    assert (first.added, first.updated, first.unchanged) == (32, 0, 0)
    before = snapshot(store)
    again = import_registry(store, path, actor="admin")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 32)
    assert snapshot(store) == before
    with store.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "registry.import")).all()
        assert len(events) == 2 and '"unchanged": 32' in events[1].summary
        assert verify_chain_in(session).ok


def test_changed_rows_are_updated_and_renames_reindexed(store, tmp_path):
    rows = [good_row(n) for n in range(1, 4)]
    import_registry(store, write_csv(tmp_path / "a.csv", rows), actor="admin")
    rows[0][6] = "上海市长宁区仙霞路1号"
    rows[1][0] = "上海市长宁区二号科技中心"
    summary = import_registry(store, write_csv(tmp_path / "b.csv", rows), actor="admin")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 2, 1)
    with store.read() as session:
        first = session.scalars(select(Organization).where(Organization.credit_code == rows[0][2])).one()
        second = session.scalars(select(Organization).where(Organization.credit_code == rows[1][2])).one()
        assert first.address == "上海市长宁区仙霞路1号" and first.row_version == 2
        assert (second.zihao, second.field, second.form) == ("二号", "科技", "中心")
        indexed = session.scalars(select(OrganizationName.name).where(OrganizationName.organization_id == second.id)).all()
        assert indexed == ["上海市长宁区二号科技中心"]


def test_former_names_from_renamed_rows(store, tmp_path):
    current = good_row(2)
    rows = [current, ["上海市长宁区二号旧名文化中心", current[1], current[2], "已更名", "2022-08-08"] + [""] * 7]
    import_registry(store, write_csv(tmp_path / "f.csv", rows), actor="admin")
    with store.read() as session:
        names = session.execute(select(OrganizationName.name, OrganizationName.is_current, OrganizationName.renamed_on)
                                .order_by(OrganizationName.is_current)).all()
    assert names == [("上海市长宁区二号旧名文化中心", False, date(2022, 8, 8)), (current[0], True, None)]
    # the same former name with a corrected date, and a second former name, in a later file
    later = [["上海市长宁区二号旧名文化中心", current[1], current[2], "已更名", "2022-09-09"],
             ["上海市长宁区二号更早文化中心", current[1], current[2], "已更名", "2019-01-01"]]
    summary = import_registry(store, write_csv(tmp_path / "g.csv", later, header=HEADER[:5]), actor="admin")
    assert (summary.added, summary.updated, summary.unchanged) == (1, 1, 0)
    with store.read() as session:
        formers = session.execute(select(OrganizationName.name, OrganizationName.renamed_on)
                                  .where(OrganizationName.is_current.is_(False)).order_by(OrganizationName.name)).all()
    assert sorted(formers) == sorted([("上海市长宁区二号旧名文化中心", date(2022, 9, 9)),
                                      ("上海市长宁区二号更早文化中心", date(2019, 1, 1))])
    # a former name of an organization that is neither in the file nor in the registry
    orphan = [["上海市长宁区孤儿中心", "民办非企业单位", code(99, "民办非企业单位"), "已更名", "2022-08-08"] + [""] * 7]
    with pytest.raises(ImportRejected) as excinfo:
        import_registry(store, write_csv(tmp_path / "o.csv", orphan), actor="admin")
    assert problems_of(excinfo) == [(2, "统一社会信用代码")]
    assert "找不到统一社会信用代码为" in excinfo.value.problems[0].reason


def test_xlsx_with_date_cells(store, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["上海市长宁区博雅书画协会", "社会团体", code(7, "社会团体"), "已注销", datetime(2025, 3, 1), datetime(2010, 1, 5),
                  "上海市长宁区愚园路1号", "310105002", "李强", None, datetime(2026, 1, 4), "3A"])
    sheet.append([" 上海市长宁区春晖养老服务中心 ", "民办非企业单位", None, None, None, "2012-02-02", None, "新泾镇", None, None, None, None])
    sheet.append([None] * 12)  # blank rows are skipped
    book.save(tmp_path / "r.xlsx")
    summary = import_registry(store, tmp_path / "r.xlsx", actor="admin")
    assert summary.added == 2
    with store.read() as session:
        orgs = {o.name: o for o in session.scalars(select(Organization))}
    society = orgs["上海市长宁区博雅书画协会"]
    assert (society.status, society.status_changed_on, society.established_on) == ("已注销", date(2025, 3, 1), date(2010, 1, 5))
    assert (society.street_code, society.rating, society.certificate_valid_until) == ("310105002", "3A", date(2026, 1, 4))
    assert orgs["上海市长宁区春晖养老服务中心"].street_code == "310105102"


def test_csv_with_byte_order_mark(store, tmp_path):
    path = write_csv(tmp_path / "bom.csv", [good_row(1), good_row(2)], bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert import_registry(store, path, actor="admin").added == 2


def test_other_file_types_are_refused(store, tmp_path):
    with pytest.raises(SoregError, match="不支持的文件类型"):
        import_registry(store, tmp_path / "r.xls", actor="admin")


class Recorder:
    def __init__(self, cancel_at: int | None = None) -> None:
        self.reports: list[tuple[int, int | None, str]] = []
        self.cancel_at = cancel_at

    def report(self, done, total=None, text=""):
        self.reports.append((done, total, text))

    @property
    def cancelled(self) -> bool:
        return self.cancel_at is not None and len(self.reports) >= self.cancel_at


def test_progress_is_reported_and_cancel_imports_nothing(store, tmp_path):
    path = write_csv(tmp_path / "p.csv", [good_row(n) for n in range(1, 3001)])
    with pytest.raises(Cancelled):
        import_registry(store, path, actor="admin", progress=Recorder(cancel_at=5))
    assert count(store, Organization) == 0
    recorder = Recorder()
    import_registry(store, path, actor="admin", progress=recorder)
    assert (1000, 3000, "校验") in recorder.reports
    assert recorder.reports[-1] == (3000, 3000, "写入")


def test_cli_import_needs_an_admin_and_prints_the_summary(store, tmp_path, monkeypatch, capsys):
    create_user(store, username="admin", display_name="管理员", password="Admin-pass-2026", roles={Role.ADMIN}, actor="system")
    create_user(store, username="clerk", display_name="受理员", password="Clerk-pass-2026", roles={Role.CLERK}, actor="admin")
    good = write_csv(tmp_path / "g.csv", [good_row(1), good_row(2)])
    bad = write_csv(tmp_path / "b.csv", [good_row(1), ["上海市长宁区某中心", "公司"] + [""] * 10])
    db = str(store.path)
    monkeypatch.setenv("SOREG_PASSWORD", "Clerk-pass-2026")
    assert run(["--db", db, "--user", "clerk", "registry", "import", str(good)]) != 0
    assert "没有“管理员”角色" in capsys.readouterr().err
    monkeypatch.setenv("SOREG_PASSWORD", "Admin-pass-2026")
    assert run(["--db", db, "--user", "admin", "registry", "import", str(bad)]) != 0
    err = capsys.readouterr().err
    assert "第 3 行“组织类型”列：组织类型“公司”无效" in err
    assert run(["--db", db, "--user", "admin", "registry", "import", str(good)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "新增 2，更新 0，未变 0（文件编码：UTF-8）"
    assert "写入 100%" in out.err


def test_add_rename_and_change_status_are_audited_and_indexed(store):
    with store.write() as session:
        org = add_organization_in(session, OrganizationRecord(
            name="上海市长宁区春晖养老服务中心", org_type="民办非企业单位",
            former_names=(FormerName("上海市长宁区春风养老中心", date(2020, 1, 1)),)), actor="clerk1")
        rename_organization_in(session, org.id, "上海市长宁区秋实养老服务中心", renamed_on=date(2024, 5, 1), actor="clerk1")
        change_status_in(session, org.id, "已注销", changed_on=date(2025, 1, 1), actor="clerk1")
        with pytest.raises(SoregError, match="已经是“已注销”"):
            change_status_in(session, org.id, "已注销", changed_on=date(2025, 1, 2), actor="clerk1")
    with store.read() as session:
        names = session.execute(select(OrganizationName.name, OrganizationName.is_current, OrganizationName.renamed_on)
                                .order_by(OrganizationName.name)).all()
        stored = session.get(Organization, org.id)
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "clerk1").order_by(AuditEvent.seq)).all()
    assert sorted(names) == sorted([
        ("上海市长宁区春晖养老服务中心", False, date(2024, 5, 1)),
        ("上海市长宁区春风养老中心", False, date(2020, 1, 1)),
        ("上海市长宁区秋实养老服务中心", True, None),
    ])
    assert (stored.zihao, stored.status, stored.status_changed_on) == ("秋实", "已注销", date(2025, 1, 1))
    assert actions == ["organization.add", "organization.rename", "organization.status"]


DATE_SYNTAXES = ["2015-06-01", "2015/6/1", "2015.06.01", "2015年6月1日", "２０１５-０６-０１", "2015 - 6 - 1", "20150601",
                 "2015-6", "01/06/2015", "2015-02-30", "1899-12-31", "二〇一五年六月一日"]


def test_a_date_is_read_as_the_wizard_reads_it(store, tmp_path):
    """One date syntax: each text the intake wizard's date field accepts, the import reads to the
    same day; each it refuses, the import refuses with the same reason (after the cell's text)."""
    from forms.fields import FieldInvalid
    from forms.intake import ORGANIZATION_FIELDS

    wizard_field = next(f for f in ORGANIZATION_FIELDS if f.key == "sponsor_consent_date")
    accepted, refused = {}, {}
    for text in DATE_SYNTAXES:
        try:
            accepted[text] = wizard_field.read(text)
        except FieldInvalid as exc:
            refused[text] = exc.reason
    assert accepted and refused
    rows = [good_row(n) for n in range(1, len(DATE_SYNTAXES) + 1)]
    for row, text in zip(rows, DATE_SYNTAXES, strict=True):
        row[5] = text
    with pytest.raises(ImportRejected) as excinfo:
        import_registry(store, write_csv(tmp_path / "all.csv", rows), actor="admin")
    reasons = {DATE_SYNTAXES[p.row - 2]: p.reason for p in excinfo.value.problems}
    assert reasons == {text: f"“{text}”{reason}" for text, reason in refused.items()}

    import_registry(store, write_csv(tmp_path / "good.csv", [r for r in rows if r[5] in accepted]), actor="admin")
    with store.read() as session:
        read = dict(session.execute(select(Organization.credit_code, Organization.established_on)).all())
    assert {text: read[row[2]] for row, text in zip(rows, DATE_SYNTAXES, strict=True) if text in accepted} == accepted


def test_a_too_long_cell_is_refused_with_the_forms_message(store, tmp_path):
    row = good_row(1)
    row[6] = "上" * 201  # 住所
    with pytest.raises(ImportRejected) as excinfo:
        import_registry(store, write_csv(tmp_path / "long.csv", [row]), actor="admin")
    assert [str(p) for p in excinfo.value.problems] == ["第 2 行“住所”列：最多 200 个字，现有 201 个，请删减。"]


def test_an_import_into_an_empty_registry_leaves_every_index_built(store, tmp_path):
    """The import builds the registry's secondary indexes after its rows, in its transaction, all
    but the one-edit keys' index, which ensure_registry_indexes builds after filling them."""
    from registry.registry_indexes import (
        VARIANTS_INDEX,
        deferred_indexes,
        ensure_registry_indexes,
        missing_indexes,
    )

    import_registry(store, write_csv(tmp_path / "first.csv", [good_row(n) for n in range(1, 6)]), actor="admin")
    with store.read() as session:
        assert deferred_indexes() and [ix.name for ix in missing_indexes(session.connection())] == [VARIANTS_INDEX]
    assert ensure_registry_indexes(store) == 1
    with store.read() as session:
        assert missing_indexes(session.connection()) == []
        assert session.connection().exec_driver_sql("SELECT count(*) FROM name_variants").scalar() > 0
        plan = " ".join(r[-1] for r in session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM organizations WHERE legal_representative = '王芳'"))
    assert "ix_organizations_legal_representative" in plan
