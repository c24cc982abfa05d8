"""`cases demo N`: cases in every state, each with a history that ends in its state."""

from __future__ import annotations

from sqlalchemy import func, select

from cli.app import run
from models.audit import verify_chain_in
from models.cases import Case, CaseState, CaseStep
from models.registry import Organization
from models.store import open_store
from registry.credit_code import validate_credit_code


def test_demo_cases_cover_every_state_consistently(tmp_path, capsys, monkeypatch):
    db = tmp_path / "demo.sqlite3"
    admin = demo_admin_args(db, capsys, monkeypatch, window="W07")
    assert run([*admin, "cases", "demo", "60", "--seed", "3"]) == 0
    assert "已生成 60 个演示办件" in capsys.readouterr().out
    store = open_store(db)
    with store.read() as session:
        states = dict(session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
        assert states == {s.value: 5 for s in CaseState}
        last = (select(CaseStep.to_state).where(CaseStep.case_id == Case.id)
                .order_by(CaseStep.seq.desc()).limit(1).scalar_subquery())
        assert session.scalar(select(func.count()).where(Case.state != last)) == 0
        approved = session.execute(select(Case.credit_code, Organization.credit_code, Organization.name, Case.name)
                                   .join(Organization, Organization.id == Case.organization_id)).all()
        assert len(approved) == 15  # 制证, 发证 and 办结
        assert all(a == b and validate_credit_code(a).valid and n == m for a, b, n, m in approved)
        numbers = session.scalars(select(Case.case_no).order_by(Case.case_no)).all()
        assert numbers[0].endswith("-000001") and numbers[-1].endswith("-000060") and "-W07-" in numbers[0]
        assert verify_chain_in(session).ok
    store.close()
    assert run([*admin, "cases", "show", numbers[0]]) == 0
    assert "→ 受理" in capsys.readouterr().out
    assert run([*admin, "cases", "demo", "0"]) == 2
    assert "演示办件数量应为正整数" in capsys.readouterr().err


def demo_admin_args(path, capsys, monkeypatch, *, demo: bool = True, window: str = "D01") -> list[str]:
    """A window made by ``init [--demo]`` with an administrator; the arguments that log in as that administrator."""
    import io

    assert run(["--db", str(path), "init", "--window", window, *(["--demo"] if demo else [])]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("demo-pass-1\n"))
    assert run(["--db", str(path), "user", "add", "admin", "--roles", "admin", "--password-stdin"]) == 0
    monkeypatch.setenv("SOREG_PASSWORD", "demo-pass-1")
    capsys.readouterr()
    return ["--db", str(path), "--user", "admin"]


def test_cases_demo_runs_again_on_the_same_database(tmp_path, capsys, monkeypatch):
    """A second run used to reuse the credit codes of the first run's approved cases (UNIQUE constraint failed)."""
    admin = demo_admin_args(tmp_path / "demo.sqlite3", capsys, monkeypatch)
    assert run([*admin, "demo", "--orgs", "30"]) == 0
    for _ in range(2):
        assert run([*admin, "cases", "demo", "200"]) == 0, capsys.readouterr().err
        assert "已生成 200 个演示办件" in capsys.readouterr().out
    assert run([*admin, "demo", "--orgs", "30"]) == 0, capsys.readouterr().err
    store = open_store(tmp_path / "demo.sqlite3")
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 400
        assert session.scalar(select(func.count(func.distinct(Case.case_no)))) == 400
        codes = session.scalars(select(Organization.credit_code)).all()
        assert len(codes) == len(set(codes)) == 60 + 2 * 50  # 50 of every 200 cases are past approval
        assert verify_chain_in(session).ok
    store.close()


def test_demo_commands_refuse_a_database_that_is_not_a_demo(tmp_path, capsys, monkeypatch):
    admin = demo_admin_args(tmp_path / "real.sqlite3", capsys, monkeypatch, demo=False)
    for command in (["demo", "--orgs", "5"], ["cases", "demo", "5"]):
        assert run([*admin, *command]) == 2
        assert "演示数据只能生成在演示数据库中" in capsys.readouterr().err
    store = open_store(tmp_path / "real.sqlite3")
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(Organization)) == 0
    store.close()
