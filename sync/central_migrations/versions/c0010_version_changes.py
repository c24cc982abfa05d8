"""changes of registered records (变更登记) through sync: sync_versions_v2

A window of this release sends each version of an organization's registered record
(登记事项) with the id of the version it was based on (``base_id``: the window's version
number − 1, null for a first version) and the organizations row ops its transaction wrote
(``organization_ops``: the name, name index, address, street, legal representative and
sponsor that follow the version). ``sync_api.sync_versions_v2`` takes a version only when its
base is the centre's current version of that organization (a window's copy of the implied
imported version 1 counts as the same imported version); then it stores the version and brings
the organization's row in step (those columns only; row_version + 1, or the window's when
higher), even for an organization another window registered — an approved change of the same
bureau. Otherwise the version and
its row ops wait in 待复核 (``central.review_queue``, ``proposed`` holding the row as it would
become and the version under ``version``), with a Chinese reason naming the organization, both
windows and both versions; the organization and its versions are logged again for the sending
window, whose next pull brings its copy back to the centre's. A name that another organization
of the same type holds sends the change to 待复核 too. The row ops never apply alone.

``central.resolve_review`` learns such items: 采纳 appends the version as the next number and
brings the row in step; 驳回 leaves the registry as it is. Windows of earlier releases call
``sync_versions_v1`` and ``sync_push_v2`` as before and are served as before.

Revision ID: c0010
Revises: c0009
Create Date: 2026-12-06
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "c0010"
down_revision = "c0009"
branch_labels = None
depends_on = None

UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
IMPORTED = "登记库导入"
# the organizations columns a version brings in step (registry/records.py MIRRORED, the name and its parts)
RECORD_COLUMNS = ("name", "field", "form", "zihao", "address", "street_code", "legal_representative", "sponsor",
                  "former_names", "name_index")
MAX_ROW_OPS = 16

FUNCTIONS = rf"""
-- why a version op of sync_versions_v2 cannot be taken, beyond central.version_problem: its base
-- and the organizations row ops it carries (each checked as sync_push_v2 checks an op)
CREATE FUNCTION central.version_change_problem(o jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN coalesce(jsonb_typeof(o -> 'base_id'), 'null') <> 'null'
             AND (jsonb_typeof(o -> 'base_id') <> 'string' OR (o ->> 'base_id') !~ '{UUID}')
            THEN '依据的版本编号应为 UUID'
        WHEN coalesce(jsonb_typeof(o -> 'organization_ops'), 'null') NOT IN ('null', 'array')
            THEN '随版本的登记库记录应为 JSON 数组'
        WHEN jsonb_array_length(coalesce(o -> 'organization_ops', '[]')) > {MAX_ROW_OPS}
            THEN '随版本的登记库记录过多'
        WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(o -> 'organization_ops', '[]')) e
                      WHERE e ->> 'table_name' IS DISTINCT FROM 'organizations' OR e ->> 'op' IS DISTINCT FROM 'update'
                         OR e ->> 'row_id' IS DISTINCT FROM o -> 'payload' ->> 'organization_id'
                         OR e ->> 'window' IS DISTINCT FROM o ->> 'window')
            THEN '随版本的登记库记录应为同一组织的修改'
        ELSE (SELECT '随版本的登记库记录：' || p.problem
                FROM central.op_problems(coalesce(o -> 'organization_ops', '[]')) p ORDER BY p.ord LIMIT 1)
    END
$$;

-- store version ``p`` and bring its organization's row in step with ``org`` (a row as a window
-- sends it; only the record's columns are taken), in the caller's transaction
CREATE FUNCTION central.apply_version(w text, p jsonb, org jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE q central.organizations;
BEGIN
    INSERT INTO central.organization_versions (id, organization_id, version_no, window_code, payload)
    VALUES ((p ->> 'id')::uuid, (p ->> 'organization_id')::uuid, (p ->> 'version_no')::integer, w, p);
    IF org IS NULL THEN
        RETURN;
    END IF;
    q := jsonb_populate_record(NULL::central.organizations, org);
    UPDATE central.organizations o SET
        {", ".join(f"{c} = {'coalesce(q.former_names, o.former_names)' if c == 'former_names' else 'q.' + c}"
                   for c in RECORD_COLUMNS)},
        changed_by_window = w,
        updated_at = now() AT TIME ZONE 'utc',
        row_version = greatest(o.row_version + 1, q.row_version)  -- the window's, when ahead: its next row op fits
     WHERE o.id = (p ->> 'organization_id')::uuid;
END $$;

-- Versions with the row ops that follow them: taken on the centre's current version, else held
-- for review (待复核) with the organization logged again for the sender; see the module docstring.
CREATE FUNCTION sync_api.sync_versions_v2(ops jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    w text := central.require_window();
    refusal text;
    unrecorded jsonb := '[]'::jsonb;
    same jsonb := '{{}}'::jsonb;  -- this window's copy of an imported version 1 → the centre's
    o record;
    p jsonb;
    org jsonb;
    proposed jsonb;
    why text;
    outcome text;
    reg central.organizations;
    cur central.organization_versions;
    first central.organization_versions;
    clash central.organizations;
    holder text;
BEGIN
    IF jsonb_typeof(ops) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'ops 应为 JSON 数组' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    refusal := central.count_received(w, octet_length(ops::text));
    IF refusal IS NOT NULL THEN
        RETURN jsonb_build_object('window', w, 'problems', '[]'::jsonb, 'refused', refusal);
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(ops) e WHERE e ->> 'window' IS DISTINCT FROM w) THEN
        RAISE EXCEPTION '操作署名的窗口与登录身份（窗口 %）不符', w USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR o IN SELECT x.v, coalesce(central.version_problem(x.v - 'base_id' - 'organization_ops'),
                                  central.version_change_problem(x.v)) AS problem
               FROM jsonb_array_elements(ops) WITH ORDINALITY AS x(v, ord) ORDER BY x.ord
    LOOP
        IF o.problem IS NOT NULL THEN
            IF (o.v ->> 'op_id') ~ '{UUID}' THEN
                INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version,
                                                  op, status, reason)
                VALUES (w, (o.v ->> 'op_id')::uuid, 'organization_versions', coalesce(left(o.v ->> 'row_id', 64), ''),
                        NULL, NULL, 'insert', 'rejected', o.problem)
                ON CONFLICT (window_code, op_id) DO NOTHING;
            ELSE
                unrecorded := unrecorded || jsonb_build_object('op_id', left(o.v ->> 'op_id', 64),
                    'table_name', 'organization_versions', 'row_id', left(o.v ->> 'row_id', 64), 'status', 'rejected',
                    'reason', o.problem);
            END IF;
            CONTINUE;
        END IF;
        p := o.v -> 'payload';
        INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version, op,
                                          payload_size, status)
        VALUES (w, (o.v ->> 'op_id')::uuid, 'organization_versions', o.v ->> 'row_id', (o.v ->> 'row_version')::integer,
                (o.v ->> 'base_version')::integer, 'insert', pg_column_size(p), 'pending')
        ON CONFLICT (window_code, op_id) DO NOTHING;
        CONTINUE WHEN NOT FOUND;  -- a replay: the earlier result stands
        SELECT e -> 'payload' INTO org FROM jsonb_array_elements(coalesce(o.v -> 'organization_ops', '[]'))
                                            WITH ORDINALITY AS a(e, n) ORDER BY a.n DESC LIMIT 1;
        SELECT * INTO reg FROM central.organizations r WHERE r.id = (p ->> 'organization_id')::uuid FOR UPDATE;
        SELECT * INTO cur FROM central.organization_versions v WHERE v.organization_id = (p ->> 'organization_id')::uuid
         ORDER BY v.version_no DESC LIMIT 1;
        why := NULL;
        outcome := 'accepted';
        IF p ->> 'business' = '{IMPORTED}' AND (p ->> 'version_no')::integer = 1 AND cur.id IS NOT NULL THEN
            SELECT * INTO first FROM central.organization_versions v
             WHERE v.organization_id = (p ->> 'organization_id')::uuid AND v.version_no = 1;
            IF first.payload ->> 'business' = '{IMPORTED}' THEN  -- the same imported record, stored once
                same := same || jsonb_build_object(p ->> 'id', first.id::text);
                outcome := 'same';
            ELSE
                outcome := 'review';
            END IF;
        ELSIF coalesce(same ->> (o.v ->> 'base_id'), o.v ->> 'base_id') IS DISTINCT FROM cur.id::text THEN
            outcome := 'review';
        ELSIF (p ->> 'version_no')::integer <> coalesce(cur.version_no, 0) + 1 THEN
            outcome := 'rejected';
            why := format('版本序号应为 %s（中心的现行版本为第 %s 版）', coalesce(cur.version_no, 0) + 1,
                          coalesce(cur.version_no, 0));
        ELSIF org IS NOT NULL AND reg.id IS NOT NULL THEN
            SELECT * INTO clash FROM central.organizations c
             WHERE c.id <> reg.id AND c.name = org ->> 'name' AND c.org_type = reg.org_type AND c.status = '正常'
             LIMIT 1;
            IF clash.id IS NOT NULL THEN
                outcome := 'review';
                why := format('名称“%s”已由%s登记', org ->> 'name',
                              coalesce('窗口 ' || coalesce(clash.changed_by_window, clash.origin_window), '中心'));
            END IF;
        END IF;
        IF outcome = 'review' THEN
            holder := coalesce(clash.changed_by_window, clash.origin_window, cur.window_code, reg.changed_by_window,
                               reg.origin_window);
            why := coalesce(why, format('“%s”的登记事项在中心已是窗口 %s 的第 %s 版，窗口 %s 的第 %s 版不是依据该版作出的变更，未被采用',
                                        coalesce(reg.name, p ->> 'name'), cur.window_code, cur.version_no, w,
                                        p ->> 'version_no'));
            proposed := coalesce(to_jsonb(reg), '{{}}'::jsonb)
                        || jsonb_build_object({", ".join(f"'{c}', p -> '{c}'" for c in RECORD_COLUMNS[:1] + RECORD_COLUMNS[4:8])})
                        || coalesce((SELECT jsonb_object_agg(k.key, k.value) FROM jsonb_each(org) k
                                      WHERE k.key = ANY(ARRAY{list(RECORD_COLUMNS)})), '{{}}'::jsonb)
                        || jsonb_build_object('version', p);
            INSERT INTO central.review_queue (reason, window_code, op_id, organization_id, proposed, based_on_cursor,
                                              existing_id, existing_name, existing_window)
            VALUES (why, w, (o.v ->> 'op_id')::uuid, (p ->> 'organization_id')::uuid, proposed,
                    o.v ->> 'registry_cursor', coalesce(clash.id, reg.id), coalesce(clash.name, reg.name), holder);
            -- the sender changed its copy already: the centre's row and versions go down to it again
            INSERT INTO central.change_log (kind, row_id, window_code)
            SELECT 'organization', reg.id::text, w WHERE reg.id IS NOT NULL
            UNION ALL
            SELECT 'organization_version', v.id::text, w FROM central.organization_versions v
             WHERE v.organization_id = (p ->> 'organization_id')::uuid;
        ELSIF outcome = 'accepted' THEN
            PERFORM central.apply_version(w, p, CASE WHEN reg.id IS NOT NULL THEN org END);
        END IF;
        UPDATE central.received_ops r SET status = CASE outcome WHEN 'same' THEN 'accepted' ELSE outcome END,
                                          reason = why
         WHERE r.window_code = w AND r.op_id = (o.v ->> 'op_id')::uuid;
        clash := NULL;
    END LOOP;
    RETURN jsonb_build_object(
        'window', w,
        'problems', unrecorded || (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'op_id', r.op_id, 'table_name', r.table_name, 'row_id', r.row_id,
                        'status', r.status, 'reason', r.reason)), '[]'::jsonb)
                       FROM jsonb_array_elements(ops) e
                       JOIN central.received_ops r ON r.window_code = w AND r.op_id::text = lower(e ->> 'op_id')
                      WHERE r.status <> 'accepted'));
END $$;
"""

SIGNATURE = "sync_versions_v2(jsonb)"
INTERNAL = ("version_change_problem(jsonb)", "apply_version(text, jsonb, jsonb)")

# central.resolve_organization_review (c0003's resolve_review, renamed by c0008) with a branch for a held version
ACCEPT_FROM = """        -- the push's own path, on the registry's current version: insert, or update with row_version + 1
        PERFORM central.apply_organization_op("""
ACCEPT_TO = """        IF r.proposed ? 'version' THEN  -- a held version (c0010): appended as the next number
            PERFORM central.apply_version(r.window_code, (r.proposed -> 'version') || jsonb_build_object('version_no',
                coalesce((SELECT max(v.version_no) FROM central.organization_versions v
                           WHERE v.organization_id = r.organization_id), 0) + 1), r.proposed - 'version');
        ELSE
        -- the push's own path, on the registry's current version: insert, or update with row_version + 1
        PERFORM central.apply_organization_op("""
ACCEPT_END_FROM = "r.proposed, r.based_on_cursor);\n    END IF;"
ACCEPT_END_TO = "r.proposed, r.based_on_cursor);\n        END IF;\n    END IF;"


def _run(sql: str, params: tuple | None = None):
    cur = op.get_bind().connection.dbapi_connection.cursor()
    cur.execute(sql, params)
    return cur


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _resolve_review(with_versions: bool) -> str:
    spec = importlib.util.spec_from_file_location("c0003", Path(__file__).with_name("c0003_review_resolution.py"))
    c0003 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(c0003)
    # c0008 renamed c0003's function: it settles an organization's item, resolve_review dispatches
    text = c0003.FUNCTION.replace("CREATE FUNCTION central.resolve_review(",
                                  "CREATE OR REPLACE FUNCTION central.resolve_organization_review(", 1)
    if with_versions:
        assert ACCEPT_FROM in text and ACCEPT_END_FROM in text
        text = text.replace(ACCEPT_FROM, ACCEPT_TO).replace(ACCEPT_END_FROM, ACCEPT_END_TO)
    return text


def upgrade() -> None:
    db = _run("SELECT current_database()").fetchone()[0]
    owner, group = f"{db}_sync_owner", f"{db}_window"
    _run(FUNCTIONS)
    for signature in INTERNAL:
        _run(f"ALTER FUNCTION central.{signature} OWNER TO {_ident(owner)}")
        _run(f"REVOKE ALL ON FUNCTION central.{signature} FROM PUBLIC")
    _run(f"ALTER FUNCTION sync_api.{SIGNATURE} OWNER TO {_ident(owner)}")
    _run(f"REVOKE ALL ON FUNCTION sync_api.{SIGNATURE} FROM PUBLIC")
    _run(f"GRANT EXECUTE ON FUNCTION sync_api.{SIGNATURE} TO {_ident(group)}")
    _run(_resolve_review(True))


def downgrade() -> None:
    _run(_resolve_review(False))
    _run(f"DROP FUNCTION sync_api.{SIGNATURE}")
    for signature in reversed(INTERNAL):
        _run(f"DROP FUNCTION central.{signature}")
