"""`cases demo N`: cases in every state, each with a history that ends in its state."""

from __future__ import annotations

from sqlalchemy import func, select

from cli.app import run
from models.audit import verify_chain
from models.cases import Case, CaseState, CaseStep
from models.registry import Organization
from models.store import open_store
from registry.credit_code import validate_credit_code


def test_demo_cases_cover_every_state_consistently(tmp_path, capsys):
    db = tmp_path / "demo.sqlite3"
    assert run(["--db", str(db), "init", "--window", "W07"]) == 0
    assert run(["--db", str(db), "cases", "demo", "60", "--seed", "3"]) == 0
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
        assert verify_chain(session).ok
    store.close()
    assert run(["--db", str(db), "cases", "show", numbers[0]]) == 0
    assert "→ 受理" in capsys.readouterr().out
    assert run(["--db", str(db), "cases", "demo", "0"]) == 2
    assert "演示办件数量应为正整数" in capsys.readouterr().err
