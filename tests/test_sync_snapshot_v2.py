"""The snapshot (sync_snapshot_v2, organizations read straight from the table) and the change log
(organizations read from JSON) leave the same registry copy behind; a centre without v2 is named."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from sync_fixtures import (  # noqa: F401
    centre,
    file_keyring,
    make_window,
    private_server,
)

from models.errors import SoregError
from registry.name_index import name_row
from registry.names import variant_keys
from sync.runner import run_sync

MINFEI, SHETUAN = "民办非企业单位", "社会团体"


def _index(name: str, org_type: str, *, current: bool, renamed_on: str | None = None) -> dict:
    row = name_row(uuid.uuid4(), org_type, name, is_current=current)
    row.pop("organization_id")
    return {**row, "renamed_on": renamed_on}


def _add_organizations(centre) -> None:
    shipped = [_index("上海市长宁区𠀀阳养老服务中心", MINFEI, current=True),
               _index("上海市长宁区旧名养老服务中心", MINFEI, current=False, renamed_on="2024-05-06")]
    with centre.admin() as conn:
        conn.execute(
            "INSERT INTO central.organizations (id, name, org_type, status, status_changed_on, credit_code, field, form,"
            " zihao, street_code, address, legal_representative, sponsor, established_on, certificate_valid_until,"
            " rating, on_abnormal_list, on_dishonest_list, former_names, name_index, row_version) VALUES"
            " (%s, '上海市长宁区𠀀阳养老服务中心', %s, '正常', '2024-05-06', '52310105MJ0000011X', '养老服务', '中心', '𠀀阳',"
            " '310105002', '长宁路1号', '䶮明', '上海市长宁区民政局', '2019-03-01', '2029-02-28', '4A', true, false,"
            " %s, %s, 3)",
            (uuid.uuid4(), MINFEI, json.dumps([{"name": "上海市长宁区旧名养老服务中心", "renamed_on": "2024-05-06"}]),
             json.dumps(shipped, ensure_ascii=False)))
        # no index at the centre (SQL NULL, JSON null): each window computes it from the names
        conn.execute("INSERT INTO central.organizations (id, name, org_type, former_names, name_index) VALUES"
                     " (%s, '上海市长宁区书画协会', %s, %s, NULL)",
                     (uuid.uuid4(), SHETUAN, json.dumps([{"name": "上海市长宁区书法协会", "renamed_on": "2021-01-02"}])))
        conn.execute("INSERT INTO central.organizations (id, name, org_type, name_index) VALUES"
                     " (%s, '上海市长宁区启明青少年服务社', %s, 'null'::jsonb)", (uuid.uuid4(), MINFEI))


def _registry(store) -> tuple[list, list]:
    """Organizations and their name index with its one-edit keys, without the local name ids."""
    with store.read() as session:
        conn = session.connection()
        orgs = conn.exec_driver_sql("SELECT * FROM organizations ORDER BY id").all()
        names = conn.exec_driver_sql(
            "SELECT n.organization_id, n.name, n.is_current, n.renamed_on, n.org_type, n.compare_key,"
            " n.compare_pinyin, n.field, n.form, (SELECT group_concat(v.variant, ' ') FROM"
            " (SELECT variant FROM name_variants WHERE name_id = n.id ORDER BY variant) v)"
            " FROM organization_names n ORDER BY n.organization_id, n.name").all()
    return [tuple(o) for o in orgs], [tuple(n) for n in names]


def test_snapshot_and_change_log_make_the_same_copy(tmp_path, centre, file_keyring):
    by_log, by_log_cfg = make_window(tmp_path / "a", centre, "W01")
    run_sync(by_log, by_log_cfg)  # an empty registry: the organizations below come through the change log
    _add_organizations(centre)
    centre.drain()
    assert run_sync(by_log, by_log_cfg).pulled_by_kind.get("organization") == 3

    by_snapshot, by_snapshot_cfg = make_window(tmp_path / "b", centre, "W02")
    report = run_sync(by_snapshot, by_snapshot_cfg)
    assert report.snapshot_rows >= 3 and report.pulled_by_kind.get("organization") == 3

    orgs, names = _registry(by_snapshot)
    assert (orgs, names) == _registry(by_log)
    assert len(orgs) == 3
    shipped = [n for n in names if n[1] in ("上海市长宁区𠀀阳养老服务中心", "上海市长宁区旧名养老服务中心")]
    assert sorted((n[1], n[2], n[3]) for n in shipped) == [
        ("上海市长宁区旧名养老服务中心", 0, "2024-05-06"), ("上海市长宁区𠀀阳养老服务中心", 1, None)]
    computed = {n[1]: n for n in names}
    assert computed["上海市长宁区书法协会"][2:4] == (0, "2021-01-02")  # the former name of an index-less row
    assert "上海市长宁区启明青少年服务社" in computed
    for n in names:
        assert (n[9] or "").split() == variant_keys(n[5], n[7], n[8]), n[1]


def test_a_centre_without_snapshot_v2_is_named_with_what_to_do(tmp_path, centre, file_keyring):
    with centre.admin() as conn:
        conn.execute("DROP FUNCTION sync_api.sync_snapshot_v2(text, text, integer)")
    store, cfg = make_window(tmp_path, centre, "W01")
    with pytest.raises(SoregError) as refused:
        run_sync(store, cfg)
    assert "sync_snapshot_v2" in str(refused.value) and "central init" in str(refused.value)


def test_a_centre_of_the_previous_release_upgrades_with_central_init(tmp_path, private_server, file_keyring):
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from pg_server import create_database, drop_database
    from sqlalchemy import create_engine

    from sync.central_admin import CENTRAL_MIGRATIONS, drop_central_roles, init_central, sqlalchemy_url
    from sync_fixtures import Centre

    name = f"soreg_sync_{uuid.uuid4().hex[:10]}"
    url = create_database(private_server, name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA central")
        engine = create_engine(sqlalchemy_url(url))
        with engine.begin() as conn:  # the centre as the release before sync_snapshot_v2 left it
            migrations = Config()
            migrations.set_main_option("script_location", str(CENTRAL_MIGRATIONS))
            migrations.attributes["connection"] = conn
            command.upgrade(migrations, "c0001")
        engine.dispose()
        centre = Centre(url)
        _add_organizations(centre)
        assert init_central(url) == ScriptDirectory.from_config(migrations).get_current_head()
        store, cfg = make_window(tmp_path, centre, "W01")
        assert run_sync(store, cfg).pulled_by_kind.get("organization") == 3
    finally:
        drop_central_roles(url)
        drop_database(private_server, name)
