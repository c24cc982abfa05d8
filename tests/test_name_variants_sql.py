"""The one-edit keys SQLite computes for bulk loads (fill_name_variants) are exactly variant_keys."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.name_index import fill_name_variants
from registry.names import variant_keys

# characters of real names, doubled ones, an Ext B character (two UTF-16 units, four UTF-8 bytes) and ASCII
KEY = st.text(alphabet="阳光养老服务中心长宁区𠀀𪚥䶮aA1", max_size=12)
FIELD = st.sampled_from(["", "养老服务", "教育"])
FORM = st.sampled_from(["中心", "协会", "院"])


def _org(session) -> str:
    org_id = uuid.uuid4().hex
    session.connection().exec_driver_sql(
        "INSERT INTO organizations (id, name, org_type, status, field, form, zihao, on_abnormal_list,"
        " on_dishonest_list, created_at, updated_at, row_version) VALUES (?, ?, '民办非企业单位', '正常', '', '', '',"
        " 0, 0, '2026-11-26 00:00:00.000000', '2026-11-26 00:00:00.000000', 1)", (org_id, f"测试{org_id}"))
    return org_id


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.tuples(KEY, FIELD, FORM), min_size=1, max_size=6))
def test_sql_variants_equal_variant_keys(store, names):
    with store.write() as session:
        conn = session.connection()
        org_id = _org(session)
        first = (conn.exec_driver_sql("SELECT max(id) FROM organization_names").scalar() or 0) + 1
        conn.exec_driver_sql(
            "INSERT INTO organization_names (organization_id, name, is_current, org_type, compare_key, compare_pinyin,"
            " field, form) VALUES (?, ?, 1, '民办非企业单位', ?, '', ?, ?)",
            [(org_id, f"名称{i}", key, field, form) for i, (key, field, form) in enumerate(names)])
        fill_name_variants(conn, first)
        got = conn.exec_driver_sql("SELECT name_id, variant FROM name_variants WHERE name_id >= ?", (first,)).all()
        session.rollback()
    by_name: dict[int, list[str]] = {}
    for name_id, variant in got:
        by_name.setdefault(name_id, []).append(variant)
    for i, (key, field, form) in enumerate(names):
        assert sorted(by_name.get(first + i, [])) == variant_keys(key, field, form), (key, field, form)


def test_migration_0018_keeps_the_keys_without_rowid_and_the_index_only_if_it_was_built(tmp_path):
    """Migration 0018 copies name_variants into a WITHOUT ROWID table; a variant index left out by
    an import into an empty registry stays out (ensure_registry_indexes fills and builds it)."""
    from sqlalchemy import create_engine

    from models import migrate

    for indexed in (True, False):
        engine = create_engine(f"sqlite:///{tmp_path / f'{indexed}.sqlite3'}")
        migrate.upgrade(engine, "0017")
        with engine.begin() as conn:  # foreign keys are not enforced on this bare engine
            conn.exec_driver_sql("INSERT INTO name_variants (name_id, variant) VALUES (1, '|中心|阳光'), (2, '|院|光')")
            if not indexed:
                conn.exec_driver_sql("DROP INDEX ix_name_variants_variant")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            sql = conn.exec_driver_sql
            assert "WITHOUT ROWID" in sql("SELECT sql FROM sqlite_master WHERE name = 'name_variants'").scalar()
            assert sql("SELECT name_id, variant FROM name_variants ORDER BY 1").all() == [(1, "|中心|阳光"), (2, "|院|光")]
            assert sql("SELECT count(*) FROM sqlite_master WHERE name = 'ix_name_variants_variant'").scalar() == indexed
        engine.dispose()
