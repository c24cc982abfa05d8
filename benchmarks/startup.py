"""Start-up time to a usable login window, and from 登录 to the 首页 (启动与登录时间).

Start: runs ``python main.py --db <tmp>`` N times offscreen with SOREG_STARTUP_PROBE=1, which makes
the program print ``SOREG_STARTUP shown`` once the login window is shown and ``SOREG_STARTUP ready``
once the store is open and 登录 can be pressed, then quit. Wall time is measured from just before
the process is started to each line.

Login: runs the program N more times with the robot clerk of tests/robot.py in the process
(tests/login_timing_driver.py): it types the user name and password, clicks 登录 and waits until the
首页's cards show their counts; the time is from the click to the counts. The database is a demo
database (window, administrator, ``--cases`` demo cases and ten times as many organizations), so
the 首页 has real work to count.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--cases 20000] [--quick]

Last line: one JSON object, e.g. {"median_ms": 420.0, "median_ready_ms": 900.0,
"median_login_ms": 350.0, "runs": 5}.
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


def _initialise(db: Path, env: dict[str, str], cases: int) -> None:
    main = [sys.executable, str(ROOT / "main.py"), "--db", str(db)]
    subprocess.run([*main, "init", "--window", "W01", "--demo"], env=env, check=True, capture_output=True)
    subprocess.run([*main, "user", "add", "admin", "--name", "管理员", "--roles", "admin,clerk,reviewer,approver",
                    "--password-stdin"], env=env, check=True, capture_output=True, input=f"{PASSWORD}\n{PASSWORD}\n",
                   text=True)
    login = {**env, "SOREG_PASSWORD": PASSWORD}
    subprocess.run([*main, "--user", "admin", "demo", "--orgs", str(cases * 10)], env=login, check=True,
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


def _login_run(db: Path, env: dict[str, str], report: Path) -> float:
    """Milliseconds from the click on 登录 to the 首页's counts, measured by the robot in the program."""
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "login_timing_driver.py"), str(db), str(report)], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    result = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    if proc.returncode != 0 or result.get("failure"):
        raise SystemExit(f"login run failed (exit {proc.returncode}): {result.get('failure')}\n{proc.stderr[-2000:]}")
    return result["seen"]["login_ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, default=20_000, help="demo cases (and ten times as many organizations)")
    parser.add_argument("--quick", action="store_true", help="2 runs, 500 cases")
    args = parser.parse_args()
    runs, cases = (2, 500) if args.quick else (args.runs, args.cases)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SOREG_HOME": tmp, "SOREG_ALLOW_FILE_KEYRING": "1",
               "XDG_DATA_HOME": tmp}
        db = Path(tmp) / "bench.sqlite3"
        _initialise(db, env, cases)
        results = [_one_run(db, {**env, "SOREG_STARTUP_PROBE": "1"}) for _ in range(runs)]
        logins = [_login_run(db, env, Path(tmp) / f"login-{i}.json") for i in range(runs)]
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
        "cases": cases,
        "runs": runs,
        "target_ms": 1000,
    }))


if __name__ == "__main__":
    main()
