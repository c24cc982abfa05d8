"""The registry import's bulk path (登记库导入 into an empty registry): matching decided in SQL,
names split in a second process, ids in blocks; the name check finds the imported names at once."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import select

import spreadsheets.registry_import as registry_import
from models import reference
from models.progress import SILENT
from models.registry import Organization
from models.store import open_store
from registry.name_check import check_name
from registry.organizations import _id_block, bulk_add_organizations_in
from registry.registry_indexes import (
    VARIANTS_INDEX,
    ensure_registry_indexes,
    missing_indexes,
    variants_pending,
)
from spreadsheets.registry_import import ImportRejected, import_registry, staged_import
from tests.test_registry_import import HEADER, good_row, write_csv

TODAY = date(2026, 1, 1)
MINFEI = "民办非企业单位"


def renamed_row(n: int, name: str, on: str) -> list[str]:
    current = good_row(n)
    return [name, current[1], current[2], "已更名", on] + [""] * (len(HEADER) - 5)


def file_rows() -> list[list[str]]:
    rows = [good_row(n) for n in range(1, 301)]
    rows.append(renamed_row(3, "上海市长宁区旧名文化中心", "2024-03-01"))  # 3 % 3 == 0: a 社会团体, ends 协会
    rows.append(["上海市长宁区阳光养老服务中心", MINFEI, "", "正常", "", "2015-06-01", "", "", "", "", "", ""])
    return rows


def index_of(store) -> tuple[list, list, list]:
    """The registry and its name index without the ids a run draws (compared between runs), once
    ``ensure_registry_indexes`` filled the one-edit keys an import into an empty registry leaves."""
    ensure_registry_indexes(store)
    with store.read() as session:
        sql = session.connection().exec_driver_sql
        orgs = sql("SELECT name, org_type, credit_code, status, established_on, address, street_code, zihao, field,"
                   " form, rating, on_abnormal_list, on_dishonest_list, row_version FROM organizations ORDER BY name").all()
        names = sql("SELECT o.name, n.name, n.is_current, n.renamed_on, n.org_type, n.compare_key, n.compare_pinyin,"
                    " n.field, n.form FROM organization_names n JOIN organizations o ON o.id = n.organization_id"
                    " ORDER BY n.name").all()
        variants = sql("SELECT n.name, v.variant FROM name_variants v JOIN organization_names n ON n.id = v.name_id"
                       " ORDER BY 1, 2").all()
    return orgs, names, variants


def test_names_split_in_the_second_process_give_the_same_registry_and_index(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "registry.csv", file_rows())
    here = open_store(tmp_path / "here.sqlite3")
    import_registry(here, path, actor="admin")  # 301 new organizations: split by the writer itself
    monkeypatch.setattr(registry_import, "SECOND_PROCESS_FROM", 1)
    monkeypatch.setattr(registry_import, "CHUNK", 64)  # several chunks in flight
    there = open_store(tmp_path / "there.sqlite3")
    summary = import_registry(there, path, actor="admin")
    assert (summary.added, summary.updated, summary.unchanged) == (302, 0, 0)
    orgs, names, variants = index_of(there)
    assert (orgs, names, variants) == index_of(here)
    assert len(orgs) == 301 and len(names) == 302 and len(variants) > 600
    assert ("上海市长宁区三号文化协会", "上海市长宁区旧名文化中心", 0, "2024-03-01") in [n[:4] for n in names]
    here.close()
    there.close()


def test_the_name_check_finds_identical_homophone_and_one_edit_names_right_after_an_import(tmp_path, monkeypatch):
    monkeypatch.setattr(registry_import, "SECOND_PROCESS_FROM", 1)
    """Before ensure_registry_indexes fills the one-edit keys the import left out, the check
    computes those it needs; after it, it reads them: the same findings."""
    store = open_store(tmp_path / "registry.sqlite3")
    import_registry(store, write_csv(tmp_path / "registry.csv", file_rows()), actor="admin")
    names = ("上海市长宁区阳光养老服务中心", "上海市长宁区杨光养老服务中心", "上海市长宁区阳光明养老服务中心",
             "上海市长宁区阳养老服务中心", "上海市长宁区阴光养老服务中心", "上海市长宁区阳光文化中心")
    with store.read() as session:
        conn = session.connection()
        assert variants_pending(conn) and [ix.name for ix in missing_indexes(conn)] == [VARIANTS_INDEX]
        assert conn.exec_driver_sql("SELECT count(*) FROM name_variants").scalar() == 0
    pending = {name: sorted((f.rule, f.message) for f in check_name(store, name, MINFEI, TODAY).findings)
               for name in names}
    assert ensure_registry_indexes(store) == 1
    with store.read() as session:
        assert not variants_pending(session.connection())
    assert {name: sorted((f.rule, f.message) for f in check_name(store, name, MINFEI, TODAY).findings)
            for name in names} == pending
    found = {name: {rule for rule, _ in findings} for name, findings in pending.items()}
    assert "identical_name" in found["上海市长宁区阳光养老服务中心"]
    assert "homophone_zihao" in found["上海市长宁区杨光养老服务中心"]
    assert "one_char_zihao" in found["上海市长宁区阳光明养老服务中心"]  # one character added
    assert "one_char_zihao" in found["上海市长宁区阴光养老服务中心"]  # one character replaced
    store.close()


def test_ensure_fills_the_keys_an_import_left_out_and_keeps_those_of_a_name_added_meanwhile(tmp_path):
    """After an import into an empty registry the clerk may register an organization (its name's
    one-edit keys written at once) before ensure_registry_indexes fills the others: each name
    ends with exactly the keys an import that wrote them itself gives."""
    from registry.organizations import OrganizationRecord, add_organization_in

    path = write_csv(tmp_path / "registry.csv", file_rows())
    stores = [open_store(tmp_path / f"{n}.sqlite3") for n in (1, 2)]
    for store in stores:
        import_registry(store, path, actor="admin")
        with store.write() as session:
            add_organization_in(session, OrganizationRecord("上海市长宁区晨光养老服务中心", MINFEI), actor="admin")
    with stores[0].write() as session:  # as an import writing the keys itself would leave them
        from registry.name_index import fill_name_variants

        fill_name_variants(session.connection(), 1)
    for store in stores:
        ensure_registry_indexes(store)
    assert index_of(stores[0]) == index_of(stores[1])
    assert any(name == "上海市长宁区晨光养老服务中心" for name, _ in index_of(stores[1])[2])
    for store in stores:
        store.close()


def test_a_former_name_without_its_organization_is_refused_when_importing_into_an_empty_registry(tmp_path):
    store = open_store(tmp_path / "registry.sqlite3")
    rows = [good_row(1), renamed_row(7, "上海市长宁区旧名文化中心", "2024-03-01")]  # organization 7 is not in the file
    with pytest.raises(ImportRejected) as excinfo:
        import_registry(store, write_csv(tmp_path / "registry.csv", rows), actor="admin")
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(3, "统一社会信用代码")]
    assert "找不到统一社会信用代码为" in excinfo.value.problems[0].reason
    store.close()


def test_an_id_block_is_ordered_unique_uuid7_after_the_block_before():
    first, second = _id_block(5000), _id_block(3)
    ids = [f"{i:032x}" for i in (*first, *second)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(i[12] == "7" and i[16] in "89ab" for i in ids)  # version 7, RFC 9562 variant


def test_rows_checked_in_the_second_process_are_reported_as_in_this_one(tmp_path, monkeypatch):
    rows = [good_row(n) for n in range(1, 2500)]
    rows[10][0] = "上海市长宁区\u202e文化中心"  # bidirectional control
    rows[1500][2] = "51310105MD0000008X"  # wrong check character
    rows[2400][1] = "公司"
    rows.append(good_row(5))  # the credit code of row 7 again
    path = write_csv(tmp_path / "bad.csv", rows)
    reports = []
    for first in (10**9, 1):
        monkeypatch.setattr(registry_import, "SECOND_PROCESS_FROM", first)
        store = open_store(tmp_path / f"{first}.sqlite3")
        with pytest.raises(ImportRejected) as excinfo:
            import_registry(store, path, actor="admin")
        reports.append((excinfo.value.total, [str(p) for p in excinfo.value.problems]))
        store.close()
    assert reports[0] == reports[1]
    assert [p.split("：")[0] for p in reports[1][1]] == [
        "第 12 行“名称”列", "第 1502 行“统一社会信用代码”列", "第 2402 行“组织类型”列", "第 2501 行“统一社会信用代码”列"]


def test_the_second_process_uses_the_centres_reference_data(tmp_path, monkeypatch):
    """A field word only the centre's fields.json has splits the names in both processes alike."""
    fields = reference.bundled("fields.json")
    fields["fields"][0]["words"].append("文化")  # “…号文化协会”: 文化 becomes a field word of 养老
    assert reference.use_central({"fields.json": fields}) == {}
    try:
        path = write_csv(tmp_path / "registry.csv", file_rows())
        here = open_store(tmp_path / "here.sqlite3")
        import_registry(here, path, actor="admin")
        monkeypatch.setattr(registry_import, "SECOND_PROCESS_FROM", 1)
        there = open_store(tmp_path / "there.sqlite3")
        import_registry(there, path, actor="admin")
        assert index_of(there) == index_of(here)
        assert {org[8] for org in index_of(there)[0]} >= {"养老"}  # the centre's field word was used
        here.close()
        there.close()
    finally:
        reference.use_central({})


def test_the_stored_path_writes_what_the_records_path_writes(tmp_path):
    """The import's rows in SQLite's stored form end up as bulk_add_organizations_in would write
    the same organizations as records (the path of a window that syncs), read raw and by the ORM."""
    path = write_csv(tmp_path / "registry.csv", file_rows())
    stored = open_store(tmp_path / "stored.sqlite3")
    import_registry(stored, path, actor="admin")
    records = open_store(tmp_path / "records.sqlite3")
    with staged_import(path) as staged, records.write() as session:
        staged.match_into_empty(SILENT)
        for chunk in staged.additions():
            bulk_add_organizations_in(session, chunk)
    assert index_of(stored) == index_of(records)

    def orm(store):
        with store.read() as session:
            return sorted((tuple(getattr(o, c.key) for c in Organization.__table__.columns
                                 if c.key not in ("id", "created_at", "updated_at")), type(o.created_at))
                          for o in session.scalars(select(Organization)))

    assert orm(stored) == orm(records)
    stored.close()
    records.close()


def test_xlsx_cells_checked_in_the_second_process_read_as_in_this_one(tmp_path, monkeypatch):
    """Date cells, numbers and formulas without a value cross to the second process intact."""
    book = Workbook(write_only=True)  # formulas without their results
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for n in range(1, 40):
        row = good_row(n)
        row[5] = datetime(2010, 1, n % 28 + 1)
        sheet.append(row)
    formula_row = good_row(40)
    formula_row[5] = "=DATE(2015,6,1)"
    sheet.append(formula_row)
    book.save(tmp_path / "f.xlsx")
    reports = []
    for first in (10**9, 1):
        monkeypatch.setattr(registry_import, "SECOND_PROCESS_FROM", first)
        store = open_store(tmp_path / f"{first}.sqlite3")
        with pytest.raises(ImportRejected) as excinfo:
            import_registry(store, tmp_path / "f.xlsx", actor="admin")
        reports.append([str(p) for p in excinfo.value.problems])
        store.close()
    assert reports[0] == reports[1] and len(reports[1]) == 1 and "单元格 F41 是公式" in reports[1][0]
