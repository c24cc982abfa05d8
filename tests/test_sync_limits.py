"""Timeouts a window cannot turn off: a window that sets its own timeouts to 0 and keeps a
transaction open is ended by the centre's watchdog (``central watchdog``, run here as the
district runs it, with short limits), and another window's pull goes on; lock waits inside the
sync functions are bounded by the functions' own SET clause. Issue 12: such a window held the
pull horizon for 75 s, past both limits."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sync_fixtures import centre, file_keyring, make_window, private_server, raw_op  # noqa: F401

from cli.app import run
from models.registry import Organization
from sync.central_admin import centre_limits, set_limits
from sync.runner import run_sync

ROOT = Path(__file__).resolve().parent.parent
ORG = uuid.UUID("0190a0a0-0000-7000-8000-0000000000d1")
WAIT_S = 90  # generous: the machine is shared; the limits themselves are seconds


def _hold_a_transaction(centre, code: str) -> psycopg.Connection:
    """A window role that turns its timeouts off, pushes in a transaction and keeps it open."""
    conn = psycopg.connect(centre.window_url(code), password=centre.windows[code].password, autocommit=True)
    conn.execute("SET statement_timeout = 0")
    conn.execute("SET idle_in_transaction_session_timeout = 0")
    conn.execute("BEGIN")
    event_id = str(uuid.uuid4())
    conn.execute("SELECT sync_api.sync_push_v2(%s::json)", (json.dumps([raw_op(code, "cases", event_id, {"id": event_id})]),))
    return conn


def _new_central_org(centre) -> None:
    with centre.admin() as conn:
        conn.execute("INSERT INTO central.organizations (id, name, org_type) VALUES (%s, '上海市长宁区华阳社区服务中心',"
                     " '民办非企业单位')", (ORG,))


def _has_org(store) -> bool:
    with store.read() as session:
        return session.scalar(select(Organization.id).where(Organization.id == ORG)) is not None


def _pull_until_the_org_arrives(store, settings, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run_sync(store, settings)
        if _has_org(store):
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def watchdog(centre):
    """``central watchdog`` as a process of its own, sweeping twice a second."""
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "central", "watchdog", "--url", centre.admin_url,
                                "--interval", "0.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process
    if process.poll() is None:
        process.terminate()
        process.communicate(timeout=30)


def _log_of(process: subprocess.Popen) -> str:
    process.terminate()
    return process.communicate(timeout=30)[0]


def test_without_a_watchdog_one_window_holds_back_every_pull(tmp_path, centre, file_keyring):
    """The failure itself, on this centre: nothing but the watchdog ends the held transaction."""
    store, settings = make_window(tmp_path, centre, "W02")
    run_sync(store, settings)  # past its first snapshot: from now on it reads the change log
    centre.add_window("W01")
    set_limits(centre.admin_url, idle_in_transaction_s=1, transaction_s=2)
    held = _hold_a_transaction(centre, "W01")
    try:
        _new_central_org(centre)
        assert not _pull_until_the_org_arrives(store, settings, 6)  # three times the limits
    finally:
        held.close()
    assert _pull_until_the_org_arrives(store, settings, WAIT_S)


@pytest.mark.parametrize("how", ["idle", "busy"])
def test_the_watchdog_ends_a_window_holding_a_transaction_and_the_others_pull(
        tmp_path, centre, file_keyring, watchdog, how):
    store, settings = make_window(tmp_path, centre, "W02")
    run_sync(store, settings)  # past its first snapshot: from now on it reads the change log
    centre.add_window("W01")
    set_limits(centre.admin_url, idle_in_transaction_s=2, transaction_s=4)
    held = _hold_a_transaction(centre, "W01")
    failures: list[BaseException] = []
    if how == "busy":  # a statement that runs and runs, inside the transaction
        def sleep() -> None:
            try:
                held.execute("SELECT pg_sleep(600)")
            except psycopg.Error as exc:
                failures.append(exc)

        sleeper = threading.Thread(target=sleep)
        sleeper.start()
    _new_central_org(centre)
    started = time.monotonic()
    assert _pull_until_the_org_arrives(store, settings, WAIT_S)
    waited = time.monotonic() - started
    if how == "busy":
        sleeper.join(timeout=30)
        assert isinstance(failures[0], psycopg.OperationalError)
    else:
        with pytest.raises(psycopg.OperationalError):
            held.execute("SELECT 1")
    held.close()
    assert waited < WAIT_S
    with centre.admin() as conn:
        role = centre.windows["W01"].role
        assert conn.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (role,)).fetchone()[0] == 0
    log = _log_of(watchdog)
    assert f"已结束窗口账户 {role} 的会话" in log
    assert ("事务空闲超过 2 秒" if how == "idle" else "事务持续超过 4 秒") in log


def test_watchdog_once_names_what_it_ended(centre, capsys):
    centre.add_window("W01")
    set_limits(centre.admin_url, idle_in_transaction_s=1, transaction_s=60)
    held = _hold_a_transaction(centre, "W01")
    time.sleep(2)
    assert run(["central", "watchdog", "--url", centre.admin_url, "--once"]) == 0
    out = capsys.readouterr().out
    assert f"已结束窗口账户 {centre.windows['W01'].role} 的会话" in out and "事务空闲超过 1 秒" in out
    assert "结束了 1 个窗口会话" in out
    with pytest.raises(psycopg.OperationalError):
        held.execute("SELECT 1")
    held.close()
    assert run(["central", "watchdog", "--url", centre.admin_url, "--once"]) == 0
    assert "结束了 0 个窗口会话" in capsys.readouterr().out


def test_a_lock_held_by_one_window_does_not_stall_another_past_the_functions_lock_timeout(centre):
    centre.add_window("W01")
    centre.add_window("W02")
    holder = psycopg.connect(centre.window_url("W01"), password=centre.windows["W01"].password, autocommit=True)
    holder.execute("SET lock_timeout = 0")
    holder.execute("BEGIN")
    holder.execute("SELECT sync_api.reserve_code_block_v1(10)")  # holds the code pool's row lock
    try:
        with centre.window_conn("W02") as conn:
            conn.execute("SET lock_timeout = 0")  # the window's own setting does not count inside the function
            with pytest.raises(psycopg.errors.LockNotAvailable):
                conn.execute("SELECT sync_api.reserve_code_block_v1(10)")
    finally:
        holder.close()
    with centre.admin() as conn:
        configs = conn.execute("SELECT p.proname, p.proconfig FROM pg_proc p JOIN pg_namespace n"
                               " ON n.oid = p.pronamespace WHERE n.nspname = 'sync_api'").fetchall()
    assert all("lock_timeout=5s" in config for _, config in configs), configs


def test_limits_are_set_by_the_centre_for_all_and_for_one_window(centre, capsys):
    centre.add_window("W01")
    assert run(["central", "limits", "--url", centre.admin_url, "--bytes-per-day-mb", "64",
                "--code-blocks-per-hour", "4"]) == 0
    out = capsys.readouterr().out
    assert "每个窗口每天可上传的字节数：64 MB" in out and "每个窗口每小时可申领的号段数：4" in out
    assert centre_limits(centre.admin_url)["bytes_per_day"] == 64 * 2**20
    assert run(["central", "limits", "--url", centre.admin_url, "--window", "w01", "--outstanding-codes", "50"]) == 0
    assert "每个窗口已申领而未使用的组织机构代码上限：50" in capsys.readouterr().out
    with centre.admin() as conn:
        assert conn.execute("SELECT outstanding_codes FROM central.windows WHERE code = 'W01'").fetchone()[0] == 50
    assert run(["central", "limits", "--url", centre.admin_url, "--window", "W01", "--transaction-s", "9"]) == 2
    assert "只有中心默认值" in capsys.readouterr().err
    assert run(["central", "limits", "--url", centre.admin_url, "--window", "W01", "--reset"]) == 0
    assert "组织机构代码上限：中心默认" in capsys.readouterr().out
