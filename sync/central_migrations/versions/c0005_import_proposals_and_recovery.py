"""import proposals and recovery: sync_propose_v1, sync_records_v2

``sync_propose_v1`` receives the changes a window's registry import proposes to organizations
already in the registry (op ``propose``): each is held for review (待复核) against the
organization it changes, whatever version it carries, and never changes the registry by
itself; the administrator settles it with ``central.resolve_review``, which applies an
accepted one through ``central.apply_organization_op`` like any change. (A window's new
organizations still go through the push: entered, or held on a clash.) Like a push (c0004), every
proposal is checked first as the update it would become (``central.op_problems``) and a bad one is
refused alone; the call counts against the window's byte quota and is refused whole over it; an
op sent again gets its earlier result back.

``sync_records_v2`` hands a window its own records back a page at a time, in row-id order,
without knowing their ids: what a window restored from a backup, or reinstalled, reads to get
its cases and its case-number counters back (``sync_records_v1`` needs the ids).

Revision ID: c0005
Revises: c0004
Create Date: 2026-12-05
"""

from alembic import op

revision = "c0005"
down_revision = "c0004"
branch_labels = None
depends_on = None

FUNCTIONS = r"""
CREATE FUNCTION sync_api.sync_propose_v1(ops jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    w text := central.require_window();
    refusal text;
    checked jsonb;
    unrecorded jsonb := '[]'::jsonb;
    o record;
    cur central.organizations;
    outcome text;
    why text;
BEGIN
    IF jsonb_typeof(ops) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'ops 应为 JSON 数组' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    refusal := central.count_received(w, octet_length(ops::text));
    IF refusal IS NOT NULL THEN
        RETURN jsonb_build_object('window', w, 'problems', '[]'::jsonb, 'refused', refusal);
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(ops) e WHERE e->>'window' IS DISTINCT FROM w) THEN
        RAISE EXCEPTION '操作署名的窗口与登录身份（窗口 %）不符', w USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- each proposal is checked as the update of the organization it would become (c0004's rules)
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'window', x.v -> 'window', 'op_id', x.v -> 'op_id', 'table_name', 'organizations',
               'row_id', x.v -> 'row_id', 'op', 'update', 'row_version', x.v -> 'row_version',
               'base_version', x.v -> 'base_version', 'registry_cursor', x.v -> 'registry_cursor',
               'payload', x.v -> 'payload') ORDER BY x.ord), '[]'::jsonb)
      INTO checked FROM jsonb_array_elements(ops) WITH ORDINALITY AS x(v, ord);
    FOR o IN
        SELECT x.v ->> 'op_id' AS op_text, x.v->>'row_id' AS row_id, x.v -> 'payload' AS payload,
               x.v->>'registry_cursor' AS registry_cursor, p.problem
          FROM jsonb_array_elements(checked) WITH ORDINALITY AS x(v, ord)
          LEFT JOIN central.op_problems(checked) p ON p.ord = x.ord
         ORDER BY x.ord
    LOOP
        IF o.problem IS NOT NULL THEN
            IF o.op_text ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN
                INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version,
                                                  op, payload, status, reason)
                VALUES (w, o.op_text::uuid, 'organizations', left(o.row_id, 64), 0, 0, 'propose', NULL, 'rejected',
                        o.problem)
                ON CONFLICT (window_code, op_id) DO NOTHING;
            ELSE
                unrecorded := unrecorded || jsonb_build_object('op_id', o.op_text, 'table_name', 'organizations',
                                                               'row_id', o.row_id, 'status', 'rejected',
                                                               'reason', o.problem);
            END IF;
            CONTINUE;
        END IF;
        INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version,
                                          op, payload, status)
        SELECT w, o.op_text::uuid, 'organizations', o.row_id, (e.v->>'row_version')::integer,
               (e.v->>'base_version')::integer, 'propose', NULL, 'pending'  -- kept once, in the review item
          FROM jsonb_array_elements(checked) e(v) WHERE e.v ->> 'op_id' = o.op_text LIMIT 1
        ON CONFLICT (window_code, op_id) DO NOTHING;
        CONTINUE WHEN NOT FOUND;  -- a replay: the earlier result stands
        SELECT * INTO cur FROM central.organizations c WHERE c.id = o.row_id::uuid;
        IF cur.id IS NULL THEN
            outcome := 'rejected';
            why := '中心登记库中没有这个组织，无法变更：请先同步，核对后重新导入';
        ELSE
            outcome := 'review';
            why := format('窗口 %s 导入的对登记库中已有组织的变更，须经中心复核', w);
            PERFORM central.hold_for_review(w, o.op_text::uuid, o.row_id, o.payload, o.registry_cursor, why, cur);
        END IF;
        UPDATE central.received_ops r SET status = outcome, reason = why
         WHERE r.window_code = w AND r.op_id = o.op_text::uuid;
    END LOOP;
    RETURN jsonb_build_object(
        'window', w,
        'problems', unrecorded || (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'op_id', r.op_id, 'table_name', r.table_name, 'row_id', r.row_id,
                        'status', r.status, 'reason', r.reason)), '[]'::jsonb)
                       FROM jsonb_array_elements(ops) e
                       JOIN central.received_ops r ON r.window_code = w AND r.op_id::text = lower(e->>'op_id')
                      WHERE r.status <> 'accepted'));
END $$;

CREATE FUNCTION sync_api.sync_records_v2(tbl text, after_row_id text, lim integer)
RETURNS TABLE (row_id text, row_version integer, deleted boolean, payload jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp SET lock_timeout = '5s' AS $$
#variable_conflict use_column
DECLARE w text := central.require_window();
BEGIN
    RETURN QUERY
    SELECT r.row_id, r.row_version, r.deleted, r.payload FROM central.window_records r
     WHERE r.window_code = w AND r.table_name = tbl AND r.row_id > coalesce(after_row_id, '')
     ORDER BY r.row_id
     LIMIT least(greatest(lim, 1), 20000);
END $$;
"""

SIGNATURES = ("sync_propose_v1(jsonb)", "sync_records_v2(text, text, integer)")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    cur = op.get_bind().connection.dbapi_connection.cursor()
    db = cur.execute("SELECT current_database()").fetchone()[0]
    owner, group = f"{db}_sync_owner", f"{db}_window"
    cur.execute(FUNCTIONS)
    for signature in SIGNATURES:
        cur.execute(f"ALTER FUNCTION sync_api.{signature} OWNER TO {_ident(owner)}")
        cur.execute(f"REVOKE ALL ON FUNCTION sync_api.{signature} FROM PUBLIC")
        cur.execute(f"GRANT EXECUTE ON FUNCTION sync_api.{signature} TO {_ident(group)}")


def downgrade() -> None:
    cur = op.get_bind().connection.dbapi_connection.cursor()
    for signature in SIGNATURES:
        cur.execute(f"DROP FUNCTION sync_api.{signature}")
