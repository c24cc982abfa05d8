"""Registry import has one meaning (issue 12): at the centre it loads the registry, at a window
that syncs it proposes (additions reach every window, changes go to 待复核), and the registry
check keeps and reports what only the window has."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select, update
from sync_fixtures import centre, file_keyring, make_window, private_server  # noqa: F401
from test_registry_import import code, good_row, write_csv
from workflow_fixtures import SERVICE_FORM, form

from accounts.users import create_user
from cli.app import run
from models.accounts import Role
from models.cases import Case
from models.outbox import OutboxOp, SyncNotice, SyncState
from models.registry import Organization, OrganizationName
from registry.organizations import OrganizationRecord, bulk_add_organizations_in
from spreadsheets.registry_import import import_registry
from sync.reviews import resolve_review
from sync.runner import run_sync
from workflow.intake import open_case

CENTRE_ORGS = 28


def _central_rows(n: int) -> list[list[str]]:
    return [good_row(i) for i in range(1, n + 1)]


def _load_centre(centre, tmp_path, rows) -> None:
    assert run(["central", "registry", "import", str(write_csv(tmp_path / "centre.csv", rows)),
                "--url", centre.admin_url]) == 0


def _names(store) -> dict[str, str]:
    with store.read() as session:
        return dict(session.execute(select(Organization.credit_code, Organization.name)).all())


def _all_names(store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(select(Organization.name)))


def _force_registry_check(store) -> None:
    with store.write() as session:
        session.get(SyncState, 1).last_digest_at = None


def _settle(centre, *windows) -> None:
    for _ in range(2):
        for store, cfg in windows:
            centre.drain()
            run_sync(store, cfg)


def test_the_centres_import_reaches_every_window_with_its_name_index(tmp_path, centre, file_keyring, capsys):
    rows = _central_rows(5)
    rows.append(["上海市长宁区一号旧名文化协会", "民办非企业单位", code(1, "民办非企业单位"), "已更名", "2020-01-01"]
                + [""] * 7)
    rows[0][1], rows[0][2] = "民办非企业单位", code(1, "民办非企业单位")
    _load_centre(centre, tmp_path, rows)
    assert "中心登记库：新增 6，更新 0，未变 0（文件编码：UTF-8）。各窗口下次同步时收到。" in capsys.readouterr().out
    w1, w2 = make_window(tmp_path / "a", centre, "W01"), make_window(tmp_path / "b", centre, "W02")
    _settle(centre, w1)
    # a window already synced gets later loads through the change log
    rows[1][6] = "上海市长宁区仙霞路9号"
    _load_centre(centre, tmp_path, rows)
    assert "新增 0，更新 1，未变 5" in capsys.readouterr().out
    _settle(centre, w1, w2)
    with centre.admin() as conn:
        central = conn.execute("SELECT name, row_version, origin_window, jsonb_array_length(name_index)"
                               " FROM central.organizations ORDER BY name").fetchall()
    assert len(central) == 5 and all(origin is None for _, _, origin, _ in central)
    assert sorted(v for _, v, _, _ in central) == [1, 1, 1, 1, 2]
    for store, _ in (w1, w2):
        assert sorted(_names(store).values()) == sorted(r[0] for r in rows[:5])
        with store.read() as session:
            indexed = set(session.scalars(select(OrganizationName.name)))
            assert session.scalar(select(Organization.address).where(Organization.credit_code == rows[1][2])) \
                == "上海市长宁区仙霞路9号"
        assert "上海市长宁区一号旧名文化协会" in indexed  # the former name, for the name check


def test_an_import_at_a_window_that_syncs_proposes_changes_and_sends_additions(tmp_path, centre, file_keyring):
    """Before issue 12: rows matched by credit code were pushed as updates and renamed 28 centre
    organizations without review, and new rows never reached the centre and were deleted at
    the next registry check."""
    rows = _central_rows(CENTRE_ORGS)
    _load_centre(centre, tmp_path, rows)
    w1, w2 = make_window(tmp_path / "a", centre, "W01"), make_window(tmp_path / "b", centre, "W02")
    _settle(centre, w1, w2)
    before = _names(w1[0])

    renamed = [[f"{r[0][:-2]}新{r[0][-2:]}", *r[1:]] for r in rows]  # every organization renamed
    added = [good_row(n) for n in range(101, 104)]
    summary = import_registry(w1[0], write_csv(tmp_path / "window.csv", renamed + added), actor="admin")
    assert (summary.added, summary.updated, summary.proposed) == (3, 0, CENTRE_ORGS)
    assert "28 行是对登记库中已有组织的变更，已提交中心复核（待复核）" in str(summary)
    local = _names(w1[0])
    assert all(local[c] == before[c] for c in before)  # the copy stays as the centre has it
    assert {local[r[2]] for r in added} == {r[0] for r in added}

    report = run_sync(*w1)
    assert report.held_for_review == CENTRE_ORGS
    _settle(centre, w1, w2)
    with centre.admin() as conn:
        central = dict(conn.execute("SELECT credit_code, name FROM central.organizations").fetchall())
        reviews = conn.execute("SELECT status, window_code, existing_id = organization_id, reason"
                               " FROM central.review_queue").fetchall()
        origin = {r[0] for r in conn.execute("SELECT origin_window FROM central.organizations WHERE credit_code = ANY(%s)",
                                             ([r[2] for r in added],))}
    assert all(central[c] == before[c] for c in before)  # nothing renamed without review
    assert len(reviews) == CENTRE_ORGS and all(r[:3] == ("待复核", "W01", True) for r in reviews)
    assert "导入的对登记库中已有组织的变更，须经中心复核" in reviews[0][3]
    assert {central[r[2]] for r in added} == {r[0] for r in added} and origin == {"W01"}
    assert {r[0] for r in added} <= set(_names(w2[0]).values())  # the additions reach every window
    with w1[0].read() as session:
        notices = session.scalars(select(SyncNotice).where(SyncNotice.kind == "待复核")).all()
    assert len(notices) == CENTRE_ORGS and all("本窗口对“" in n.reason and "的变更已转中心待复核" in n.reason
                                               for n in notices)

    for store, cfg in (w1, w2):  # the registry check finds nothing to drop or re-read
        _force_registry_check(store)
        checked = run_sync(store, cfg)
        assert checked.registry_checked and checked.registry_matched
    assert {r[0] for r in added} <= set(_names(w1[0]).values())

    # the administrator accepts one change: it reaches both windows through the change log
    with centre.admin() as conn:
        review_id = conn.execute("SELECT v.id FROM central.review_queue v JOIN central.organizations o"
                                 " ON o.id = v.organization_id WHERE o.credit_code = %s", (rows[0][2],)).fetchone()[0]
    resolve_review(centre.admin_url, review_id, "采纳", note="核对无误", resolver="admin")
    _settle(centre, w1, w2)
    for store, _ in (w1, w2):
        assert _names(store)[rows[0][2]] == renamed[0][0]
        assert _names(store)[rows[1][2]] == rows[1][0]


def test_an_import_at_a_window_that_never_synced_writes_its_registry(tmp_path, store):
    rows = _central_rows(3)
    import_registry(store, write_csv(tmp_path / "a.csv", rows), actor="admin")
    rows[0][0] = "上海市长宁区一号新名文化中心"
    summary = import_registry(store, write_csv(tmp_path / "b.csv", rows), actor="admin")
    assert (summary.added, summary.updated, summary.unchanged, summary.proposed) == (0, 1, 2, 0)
    assert _names(store)[rows[0][2]] == "上海市长宁区一号新名文化中心"
    with store.read() as session:  # nothing waits for a centre it does not have
        assert session.scalar(select(func.count()).select_from(OutboxOp).where(OutboxOp.op == "propose")) == 0


def _case_on(store, org_id: uuid.UUID) -> None:
    """A case linked to ``org_id`` (as an approved one is), the link written behind the outbox's back."""
    clerk = create_user(store, username="clerk", display_name="受理员", password="pw-123456789",
                        roles=frozenset({Role.CLERK}), actor="system")
    case = open_case(store, form(SERVICE_FORM, name="上海市长宁区演示养老服务中心"), user=clerk, today=date(2026, 11, 20))
    with store.write() as session:
        session.execute(update(Case).where(Case.case_no == case.case_no).values(organization_id=org_id))


def _local_only(store) -> list[str]:
    with store.read() as session:
        return [n.reason for n in session.scalars(select(SyncNotice).where(SyncNotice.kind == "仅本窗口"))]


def test_the_registry_check_keeps_local_organizations_a_case_refers_to_and_reports_them(
        tmp_path, centre, file_keyring):
    """Before issue 12: demo organizations made every sync fail with IntegrityError (the check
    tried to delete organizations that demo cases refer to)."""
    _load_centre(centre, tmp_path, _central_rows(3))
    store, cfg = make_window(tmp_path, centre, "W01")
    run_sync(store, cfg)
    with store.write() as session:  # demo data: organizations without outbox rows
        ids = bulk_add_organizations_in(session, [OrganizationRecord(name=f"上海市长宁区演示{n}号服务中心",
                                                                  org_type="民办非企业单位") for n in range(3)])
    _case_on(store, ids[0])
    _force_registry_check(store)
    report = run_sync(store, cfg)
    assert report.registry_checked and report.registry_matched is False
    names = _all_names(store)
    assert {f"上海市长宁区演示{n}号服务中心" for n in range(3)} <= names
    reasons = _local_only(store)
    assert len(reasons) == 3 and all("只在本窗口的登记库中，中心登记库没有" in r for r in reasons)
    _force_registry_check(store)
    again = run_sync(store, cfg)
    assert again.registry_matched and again.snapshot_rows == 0
    with centre.admin() as conn:  # nothing of it went to the centre
        assert conn.execute("SELECT count(*) FROM central.organizations").fetchone()[0] == 3


def test_a_first_sync_keeps_what_the_window_imported_before_it_had_a_centre(tmp_path, centre, file_keyring):
    _load_centre(centre, tmp_path, _central_rows(2))
    store, cfg = make_window(tmp_path, centre, "W01")
    with store.write() as session:
        session.execute(update(SyncState).values(cursor_xid=None))  # as before any sync
    local_rows = [good_row(n) for n in range(201, 204)]
    with store.write() as session:
        ids = bulk_add_organizations_in(session, [OrganizationRecord(name=r[0], org_type=r[1], credit_code=r[2])
                                               for r in local_rows])
    _case_on(store, ids[1])
    run_sync(store, cfg)
    assert {r[0] for r in local_rows} <= set(_names(store).values())
    assert len(_local_only(store)) == 3
    with store.read() as session:
        assert session.get(SyncState, 1).last_error is None


def test_the_centres_import_refuses_a_bad_file_whole(tmp_path, centre, capsys):
    rows = _central_rows(3) + [["上海市长宁区\u202e坏名中心", "民办非企业单位"] + [""] * 10]
    assert run(["central", "registry", "import", str(write_csv(tmp_path / "bad.csv", rows)),
                "--url", centre.admin_url]) != 0
    assert "第 5 行“名称”列：含有不可见的格式字符（U+202E）" in capsys.readouterr().err
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.organizations").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM central.change_log").fetchone()[0] == 0
