"""``namecheck``: verdicts in Chinese or JSON, batch JSON Lines, exit codes only for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cli.app import run
from models.registry import OrgStatus
from tests.name_check_fixtures import fresh_store, register

ROOT = Path(__file__).resolve().parent.parent
CENTRE = "上海市长宁区阳光养老服务中心"


@pytest.fixture
def db(tmp_path) -> str:
    store = fresh_store(tmp_path)
    register(store, CENTRE)
    register(store, "上海市长宁区晨曦养老服务中心", status=OrgStatus.DEREGISTERED, changed_on=date(2025, 3, 1))
    store.close()
    return str(store.path)


def test_human_output_gives_the_verdict_and_names_the_organization(db, capsys):
    assert run(["--db", db, "namecheck", CENTRE, "--type", "民办非企业单位"]) == 0
    out = capsys.readouterr().out
    assert "结论：不予通过" in out
    assert f"[不予通过] 与已登记的社会组织名称相同：“{CENTRE}”（正常）" in out
    assert "字号“阳光”" in out


def test_json_output_and_as_of_date(db, capsys):
    name = "上海市长宁区晨曦养老服务中心"
    assert run(["--db", db, "namecheck", name, "--type", "民办非企业单位", "--as-of", "2026-02-28", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert before["verdict"] == "reject"
    assert before["findings"][0]["organizations"] == [name]
    assert set(before["findings"][0]) == {"rule", "level", "message", "organizations"}
    assert run(["--db", db, "namecheck", name, "--type", "民办非企业单位", "--as-of", "2026-03-01", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["verdict"] == "pass"
    assert [f["level"] for f in after["findings"]] == ["info"]
    assert after["parsed"] == {"region": "上海市长宁区", "zihao": "晨曦", "field": "养老服务", "form": "中心"}


def test_batch_writes_json_lines_in_file_order(db, tmp_path, capsys):
    batch = tmp_path / "names.txt"
    batch.write_text(f"\ufeff{CENTRE}\n\n上海市长宁区杨光养老服务中心\n上海市长宁区星河教育培训学校\n", encoding="utf-8")
    assert run(["--db", db, "namecheck", "--batch", str(batch), "--type", "民办非企业单位"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["name"], r["verdict"]) for r in lines] == [
        (CENTRE, "reject"), ("上海市长宁区杨光养老服务中心", "warn"), ("上海市长宁区星河教育培训学校", "pass")]
    assert lines[1]["findings"][0]["rule"] == "homophone_zihao"


@pytest.mark.parametrize(("args", "message"), [
    (["", "--type", "民办非企业单位"], "请输入拟申请的名称"),
    ([CENTRE, "--type", "公司"], "组织类型“公司”无效"),
    ([CENTRE, "--type", "基金会", "--as-of", "2026-02-30"], "核准日期“2026-02-30”格式不对"),
])
def test_bad_input_exits_non_zero_with_one_chinese_line(db, capsys, args, message):
    assert run(["--db", db, "namecheck", *args]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1


def test_bad_line_in_batch_names_its_line(db, tmp_path, capsys):
    batch = tmp_path / "names.txt"
    batch.write_text(f"{CENTRE}\n（）\n", encoding="utf-8")
    assert run(["--db", db, "namecheck", "--batch", str(batch), "--type", "民办非企业单位"]) != 0
    assert "名称文件第 2 行" in capsys.readouterr().err


def test_main_py_runs_namecheck_end_to_end(db):
    proc = subprocess.run(
        [sys.executable, "main.py", "--db", db, "namecheck", "上海市长宁区阳光明养老服务中心", "--type", "民办非企业单位", "--json"],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["verdict"] == "warn"
    assert result["findings"][0]["organizations"] == [CENTRE]
