"""Start-up time to a visible login window (启动时间).

Runs ``python main.py --db <tmp>`` N times offscreen with SOREG_STARTUP_PROBE=1, which makes the
program print ``SOREG_STARTUP shown`` once the login window is shown and ``SOREG_STARTUP ready``
once the store is open and 登录 can be pressed, then quit. Wall time is measured from just before
the process is started to each line. The database is initialised first (window + administrator),
so the login window — not the first-start set-up — is what is measured.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--quick]

Last line: one JSON object, e.g. {"median_ms": 420.0, "median_ready_ms": 900.0, "runs": 5}.
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
TIMEOUT_S = 30


def _initialise(db: Path, env: dict[str, str]) -> None:
    main = [sys.executable, str(ROOT / "main.py"), "--db", str(db)]
    subprocess.run([*main, "init", "--window", "W01"], env=env, check=True, capture_output=True)
    subprocess.run([*main, "user", "add", "admin", "--name", "管理员", "--roles", "admin", "--password-stdin"],
                   env=env, check=True, capture_output=True, input="startup-bench-1\nstartup-bench-1\n", text=True)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 runs")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SOREG_HOME": tmp, "SOREG_STARTUP_PROBE": "1"}
        db = Path(tmp) / "bench.sqlite3"
        _initialise(db, env)
        results = [_one_run(db, env) for _ in range(runs)]
    shown = [r["shown"] for r in results]
    ready = [r["ready"] for r in results]
    for i, r in enumerate(results, 1):
        print(f"run {i}: login window shown {r['shown']:.0f} ms, usable {r['ready']:.0f} ms")
    print(json.dumps({
        "median_ms": round(statistics.median(shown), 1),
        "max_ms": round(max(shown), 1),
        "median_ready_ms": round(statistics.median(ready), 1),
        "runs": runs,
        "target_ms": 1000,
    }))


if __name__ == "__main__":
    main()
