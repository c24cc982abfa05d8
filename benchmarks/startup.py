"""Start-up time to a usable login window, and from 登录 to the 首页 (启动与登录时间).

Start: runs ``python main.py --db <tmp>`` N times offscreen with SOREG_STARTUP_PROBE=1, which makes
the program print ``SOREG_STARTUP shown`` once the login window is shown and ``SOREG_STARTUP ready``
once the store is open and 登录 can be pressed, then quit. Wall time is measured from just before
the process is started to each line.

Login: runs the program N more times with the robot clerk of tests/robot.py in the process
(tests/login_timing_driver.py): it types the user name and password, clicks 登录 and waits until the
首页's cards show their counts; the time is from the click to the counts, the click coming
``--typing-ms`` after 登录 could be pressed (what the first login prepares meanwhile, the clerk
would wait for if he typed faster: ``--typing-ms 0`` measures that). The database is a demo
database (window, administrator, ``--cases`` demo cases and ``--organizations`` organizations,
by default ten times as many), so the 首页 has real work to count.

Backup: the GUI makes the day's backup on a worker of its own some seconds after the login window
is usable (ui/daily_backup.py), so neither figure includes it; ``backup_s`` is what that worker
then spends copying and checking this database (the ``backup`` command, timed).

    .venv/bin/python benchmarks/startup.py [--runs 5] [--cases 20000] [--organizations N] [--quick]
    .venv/bin/python benchmarks/startup.py --db /tmp/big.sqlite3 --cases 100000 --organizations 1000000

With ``--db`` the demo database is made at that path if it is not there, and kept: a big one
takes minutes to make, and later runs reuse it (as it is: ``--cases`` then only makes it).

Last line: one JSON object, e.g. {"median_ms": 420.0, "median_ready_ms": 900.0,
"median_login_ms": 350.0, "runs": 5, "db_mb": 240, "backup_s": 8.1}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 60
PASSWORD = "startup-bench-1"  # tests/login_timing_driver.py logs in with it


def _main(db: Path, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "--db", str(db), *args]


def _initialise(db: Path, env: dict[str, str], cases: int, organizations: int) -> None:
    main = _main(db)
    subprocess.run([*main, "init", "--window", "W01", "--demo"], env=env, check=True, capture_output=True)
    subprocess.run([*main, "user", "add", "admin", "--name", "管理员", "--roles", "admin,clerk,reviewer,approver",
                    "--password-stdin"], env=env, check=True, capture_output=True, input=f"{PASSWORD}\n{PASSWORD}\n",
                   text=True)
    login = {**env, "SOREG_PASSWORD": PASSWORD}
    subprocess.run([*main, "--user", "admin", "demo", "--orgs", str(organizations)], env=login, check=True,
                   capture_output=True)
    subprocess.run([*main, "--user", "admin", "cases", "demo", str(cases)], env=login, check=True, capture_output=True)


def _one_run(db: Path, env: dict[str, str]) -> dict[str, float]:
    """Milliseconds from process start to each probe line."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--db", str(db)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    times: dict[str, float] = {}
    try:
        for line in proc.stdout:
            if line.startswith("SOREG_STARTUP "):
                times[line.split()[1]] = (time.perf_counter() - started) * 1000
                if "ready" in times:
                    break
        proc.wait(timeout=TIMEOUT_S)
    finally:
        proc.kill()
    if set(times) != {"shown", "ready"}:
        raise SystemExit(f"the probe lines did not come (got {sorted(times)}, exit code {proc.returncode})")
    return times


def _login_run(db: Path, env: dict[str, str], report: Path, typing_ms: int) -> float:
    """Milliseconds from the click on 登录 to the 首页's counts, measured by the robot in the program."""
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "login_timing_driver.py"), str(db), str(report),
                           str(typing_ms)], env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    result = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    if proc.returncode != 0 or result.get("failure"):
        raise SystemExit(f"login run failed (exit {proc.returncode}): {result.get('failure')}\n{proc.stderr[-2000:]}")
    return result["seen"]["login_ms"]


def _backup_seconds(db: Path, env: dict[str, str]) -> float:
    """Seconds the ``backup`` command takes: the copy and its checks, as the daily backup makes them."""
    started = time.perf_counter()
    subprocess.run(_main(db, "--user", "admin", "backup"), env={**env, "SOREG_PASSWORD": PASSWORD}, check=True,
                   capture_output=True)
    return time.perf_counter() - started


def _database_mb(db: Path) -> float:
    return sum(f.stat().st_size for f in db.parent.glob(db.name + "*")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, default=20_000, help="demo cases")
    parser.add_argument("--organizations", type=int, help="demo organizations (default: ten per case)")
    parser.add_argument("--db", type=Path, help="the demo database to use, made there first if missing, and kept")
    parser.add_argument("--typing-ms", type=int, default=1500,
                        help="from 登录 becoming usable to the click (a clerk typing; 0: at once)")
    parser.add_argument("--quick", action="store_true", help="2 runs, 500 cases")
    args = parser.parse_args()
    runs, cases = (2, 500) if args.quick else (args.runs, args.cases)
    organizations = args.organizations if args.organizations is not None else cases * 10
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db.resolve() if args.db else Path(tmp) / "bench.sqlite3"
        home = str(db.parent)  # the data folder and the window key's file keyring stay with the database
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SOREG_HOME": home, "SOREG_ALLOW_FILE_KEYRING": "1",
               "XDG_DATA_HOME": home}
        if not db.exists():
            _initialise(db, env, cases, organizations)
        results = [_one_run(db, {**env, "SOREG_STARTUP_PROBE": "1"}) for _ in range(runs)]
        logins = [_login_run(db, env, Path(tmp) / f"login-{i}.json", args.typing_ms) for i in range(runs)]
        backup_s = _backup_seconds(db, env)
        size_mb = _database_mb(db)
    shown = [r["shown"] for r in results]
    ready = [r["ready"] for r in results]
    for i, (r, login) in enumerate(zip(results, logins), 1):
        print(f"run {i}: login window shown {r['shown']:.0f} ms, usable {r['ready']:.0f} ms; 登录 → 首页 {login:.0f} ms")
    print(json.dumps({
        "median_ms": round(statistics.median(shown), 1),
        "max_ms": round(max(shown), 1),
        "median_ready_ms": round(statistics.median(ready), 1),
        "max_ready_ms": round(max(ready), 1),
        "median_login_ms": round(statistics.median(logins), 1),
        "max_login_ms": round(max(logins), 1),
        "cases": cases if not args.db else None,
        "typing_ms": args.typing_ms,
        "db_mb": round(size_mb),
        "backup_s": round(backup_s, 1),
        "runs": runs,
        "target_ms": 1000,
    }))


if __name__ == "__main__":
    main()
