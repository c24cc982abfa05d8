"""Demo data (演示数据): realistic, varied, valid, and the same for the same seed."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from accounts.window import init_window
from cli.app import run
from models import reference
from models.audit import AuditEvent
from models.registry import NameVariant, Organization, OrganizationName
from models.store import open_store
from registry.credit_code import validate_credit_code
from registry.demo import demo_organizations, fill_demo
from registry.name_index import name_row
from registry.names import parse_name, variant_keys


@pytest.fixture(scope="module")
def sample():
    return list(demo_organizations(3000, seed=7))


def test_same_seed_same_organizations_other_seed_others(sample):
    assert list(demo_organizations(3000, seed=7)) == sample
    other = list(demo_organizations(3000, seed=8))
    assert [r.name for r in other] != [r.name for r in sample]


def test_every_type_status_and_kind_of_data_occurs(sample):
    assert set(Counter(r.org_type for r in sample)) == {"社会团体", "民办非企业单位", "基金会"}
    assert set(Counter(r.status for r in sample)) == {"正常", "已注销", "已撤销"}
    assert all((r.status == "正常") == (r.status_changed_on is None) for r in sample)
    assert all(r.status_changed_on is None or r.status_changed_on > r.established_on for r in sample)
    renamed = [r for r in sample if r.former_names]
    assert 50 < len(renamed) < 300
    assert all(f.renamed_on > r.established_on and f.name != r.name for r in renamed for f in r.former_names)
    assert {r.street_code for r in sample} == {s.code for s in reference.streets()}
    assert {r.rating for r in sample} == {None, "3A", "4A", "5A"}
    assert any(r.on_abnormal_list for r in sample) and any(r.on_dishonest_list for r in sample)
    assert all(len(r.legal_representative) in (2, 3) for r in sample)


def test_names_are_well_formed_for_their_type(sample):
    types = reference.org_types()
    divisions = reference.division_names()
    for record in sample:
        parsed = parse_name(record.name, record.org_type)
        assert parsed.region == "上海市长宁区"
        assert parsed.form in types[record.org_type].endings, record.name
        if types[record.org_type].has_zihao:
            assert len(parsed.zihao) >= 2 and parsed.zihao not in divisions, record.name
            assert parsed.field, record.name
            assert "总" not in record.name or record.org_type != "民办非企业单位"


def test_every_credit_code_is_valid_unique_and_matches_the_type(sample):
    codes = [r.credit_code for r in sample]
    assert len(set(codes)) == len(codes)
    types = reference.org_types()
    for record in sample:
        assert validate_credit_code(record.credit_code).valid
        assert record.credit_code[:2] == "5" + types[record.org_type].code_digit
        assert record.credit_code[2:8] == "310105"


def test_fill_writes_organizations_names_and_index_with_one_audit_event(tmp_path):
    store = open_store(tmp_path / "d.sqlite3")
    init_window(store, "D01", actor="system", demo=True)
    assert fill_demo(store, 400, seed=3) == 400
    assert fill_demo(store, 400, seed=3) == 400  # a second run adds new codes, never repeats one
    records = list(demo_organizations(400, seed=3))
    with store.read() as session:
        codes = session.scalars(select(Organization.credit_code)).all()
        assert len(codes) == 800 and len(set(codes)) == 800
        assert all(validate_credit_code(c).valid for c in codes)
        names = session.scalar(select(func.count()).select_from(OrganizationName))
        assert names == 2 * sum(1 + len(r.former_names) for r in records)
        first = session.scalars(select(Organization).where(Organization.credit_code == records[0].credit_code)).one()
        entry = session.scalars(select(OrganizationName).where(OrganizationName.organization_id == first.id,
                                                               OrganizationName.is_current)).one()
        expected = name_row(first.id, first.org_type, first.name, is_current=True)
        assert {k: getattr(entry, k) for k in expected} == expected
        stored_variants = session.scalars(select(NameVariant.variant).where(NameVariant.name_id == entry.id)).all()
        assert sorted(stored_variants) == variant_keys(expected["compare_key"], expected["field"], expected["form"])
        assert (first.zihao, first.form) == (parse_name(first.name, first.org_type).zihao, parse_name(first.name, first.org_type).form)
        events = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "registry.demo")).all()
        assert len(events) == 2 and '"organizations": 400' in events[0]
    store.close()


def test_demo_command(tmp_path, capsys, monkeypatch):
    from tests.test_workflow_demo import demo_admin_args

    admin = demo_admin_args(tmp_path / "cli.sqlite3", capsys, monkeypatch)
    assert run([*admin, "demo", "--orgs", "60", "--seed", "5"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("已生成 60 个演示组织（种子 5）")
    assert "生成演示数据 100%" in out.err
    assert run([*admin, "demo", "--orgs", "0"]) != 0
    assert "演示组织数量应为正整数" in capsys.readouterr().err
