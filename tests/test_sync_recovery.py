"""A window restored from a backup, or reinstalled, gets its own records back from the centre
before it opens a case: no 办件编号 is issued twice, and its history comes back (issue 12)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select
from sync_fixtures import centre, file_keyring, make_window, private_server  # noqa: F401
from workflow_fixtures import GROUP_FORM, SERVICE_FORM, form

from accounts.users import authenticate, create_user
from accounts.window import init_window
from cli.app import run
from models.accounts import Role
from models.backup import BackupReason, backup_store, restore_store
from models.cases import Case, CaseCounter, CasePerson, CaseStep
from models.errors import SoregError
from models.settings import RECOVERY_PENDING, get_setting_in
from models.store import open_store
from sync.connection import CentralSettings
from sync.runner import run_sync
from workflow.intake import open_case

TODAY = date(2026, 11, 20)


def _clerk(store):
    return create_user(store, username="clerk", display_name="受理员", password="pw-123456789",
                       roles=frozenset({Role.CLERK}), actor="system")


def _open(store, clerk, n: int) -> str:
    base = SERVICE_FORM if n % 2 else GROUP_FORM
    ending = "养老服务中心" if n % 2 else "养老服务协会"
    digits = "".join("零一二三四五六七八九"[int(d)] for d in str(n))
    return open_case(store, form(base, name=f"上海市长宁区{digits}号{ending}"), user=clerk, today=TODAY).case_no


def _local(store) -> dict[str, int]:
    with store.read() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Case, CasePerson, CaseStep)}


def _case_nos(store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(select(Case.case_no)))


def _central(centre) -> tuple[list[str], dict[str, int]]:
    """The case numbers the centre holds for W01 (one per case record), and its record counts."""
    with centre.admin() as conn:
        numbers = [r[0] for r in conn.execute("SELECT payload->>'case_no' FROM central.window_records"
                                              " WHERE window_code = 'W01' AND table_name = 'cases'")]
        counts = dict(conn.execute("SELECT table_name, count(*) FROM central.window_records WHERE window_code = 'W01'"
                                   " GROUP BY 1").fetchall())
    return numbers, counts


def _refused(store, clerk) -> None:
    with pytest.raises(SoregError, match="须先与中心同步一次，取回本窗口的办件和办件编号后才能受理新办件"):
        _open(store, clerk, 99)


def test_a_restored_window_gets_its_cases_back_and_never_issues_a_number_twice(tmp_path, centre, file_keyring):
    store, cfg = make_window(tmp_path / "w", centre, "W01")
    clerk = _clerk(store)
    create_user(store, username="admin", display_name="管理员", password="pw-123456789", roles=frozenset({Role.ADMIN}),
                actor="system")
    for n in (1, 2):
        _open(store, clerk, n)
    run_sync(store, cfg)
    backup = backup_store(store, BackupReason.MANUAL, actor="admin").backups[0].path
    for n in (3, 4, 5):  # work after the backup, pushed to the centre
        _open(store, clerk, n)
    run_sync(store, cfg)
    pushed = _local(store)
    before = _case_nos(store)

    store.close()  # the restore, as `restore FILE` and 设置 → 备份 do it (the program holds no connection)
    restore_store(store.path, backup, authorize=lambda current: authenticate(current, "admin", "pw-123456789").username)
    restored = open_store(store.path)
    with restored.read() as session:
        assert get_setting_in(session, RECOVERY_PENDING) is True  # a window that syncs recovers first
    assert len(_case_nos(restored)) == 2
    _refused(restored, clerk)

    report = run_sync(restored, cfg)
    assert report.recovered > 0 and "从中心取回本窗口的记录" in report.summary()
    assert _case_nos(restored) == before and _local(restored) == pushed  # its whole history is back
    with restored.read() as session:
        assert not get_setting_in(session, RECOVERY_PENDING)
        assert session.scalar(select(CaseCounter.last_seq)) == 5
    new = _open(restored, clerk, 6)
    assert new.endswith("-000006")
    run_sync(restored, cfg)
    numbers, counts = _central(centre)
    assert len(numbers) == len(set(numbers)) == 6  # no number twice at the centre
    assert set(numbers) == _case_nos(restored)
    assert counts["case_steps"] == _local(restored)["case_steps"]


def test_a_reinstalled_window_gets_its_cases_back_before_it_opens_one(tmp_path, centre, file_keyring, monkeypatch,
                                                                      capsys):
    old, cfg = make_window(tmp_path / "old", centre, "W01")
    clerk = _clerk(old)
    for n in (1, 2, 3):
        _open(old, clerk, n)
    run_sync(old, cfg)
    pushed, before = _local(old), _case_nos(old)
    old.close()

    # a new PC: an empty data folder, the same window code, connected to the centre
    db = tmp_path / "new" / "soreg.sqlite3"
    fresh = open_store(db)
    init_window(fresh, "W01", actor="system")
    monkeypatch.setattr("sys.stdin", io.StringIO(centre.windows["W01"].password + "\n"))
    assert run(["--db", str(db), "central", "connect", "--url", centre.window_url("W01"), "--password-stdin",
                "--allow-file-keyring"]) == 0
    assert "中心已有本窗口的记录（本窗口是重新安装的）：请先同步一次" in capsys.readouterr().out
    clerk = _clerk(fresh)
    _refused(fresh, clerk)

    report = run_sync(fresh, replace(cfg, url=centre.window_url("W01")))
    assert report.recovered > 0
    assert _case_nos(fresh) == before and _local(fresh) == pushed
    assert _open(fresh, clerk, 4).endswith("-000004")
    run_sync(fresh, cfg)
    numbers, _ = _central(centre)
    assert len(numbers) == len(set(numbers)) == 4


def test_a_new_window_is_not_held_back_and_its_first_sync_finds_nothing_to_recover(tmp_path, centre, file_keyring,
                                                                                   monkeypatch, capsys):
    db = tmp_path / "soreg.sqlite3"
    store = open_store(db)
    init_window(store, "W02", actor="system")
    centre.add_window("W02")
    monkeypatch.setattr("sys.stdin", io.StringIO(centre.windows["W02"].password + "\n"))
    assert run(["--db", str(db), "central", "connect", "--url", centre.window_url("W02"), "--password-stdin",
                "--allow-file-keyring"]) == 0
    assert "重新安装" not in capsys.readouterr().out
    clerk = _clerk(store)
    assert _open(store, clerk, 1).endswith("-000001")
    report = run_sync(store, CentralSettings(url=centre.window_url("W02"), allow_file_keyring=True))
    assert report.recovered == 0


def test_a_window_connected_while_the_centre_cannot_be_asked_waits_for_its_first_sync(tmp_path, centre, file_keyring,
                                                                                       monkeypatch, capsys):
    old, cfg = make_window(tmp_path / "old", centre, "W01")
    _open(old, _clerk(old), 1)
    run_sync(old, cfg)
    old.close()

    db = tmp_path / "new" / "soreg.sqlite3"
    fresh = open_store(db)
    init_window(fresh, "W01", actor="system")
    unreachable = centre.window_url("W01", port=1)  # nothing listens there
    monkeypatch.setattr("sys.stdin", io.StringIO(centre.windows["W01"].password + "\n"))
    assert run(["--db", str(db), "central", "connect", "--url", unreachable, "--password-stdin",
                "--allow-file-keyring"]) == 0
    assert "暂时无法向中心确认是否已有本窗口的记录" in capsys.readouterr().out
    clerk = _clerk(fresh)
    _refused(fresh, clerk)  # it may be a reinstall: no number before the centre has been asked

    report = run_sync(fresh, replace(cfg, url=centre.window_url("W01")))
    assert report.recovered > 0
    assert _open(fresh, clerk, 2).endswith("-000002")
