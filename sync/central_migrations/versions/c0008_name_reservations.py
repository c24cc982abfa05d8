"""name reservations (名称保留): every window's reserved names, clashes held for review at once

Windows send the names their open cases reserve (and the end of each reservation) through
``sync_api.sync_reserve_v1``; the centre keeps them in ``central.name_reservations`` and every
window pulls them (change-log kind ``name_reservation``; ``sync_reservations_v1`` hands a new
or upgraded window all of them at once). A reservation whose name, or whose 字号 in the same field
and form, another window holds already goes to 待复核 the moment it arrives (not at approval):
the review item names both cases, and both windows see it as a notice after their next pull.
Each op is checked as c0004 checks a push (``central.envelope_problem``, ``central.object_problem``
with the frozen rules of the window's columns, the payload cap, the byte quota); a bad one is
refused alone with a Chinese reason. ``central.resolve_review`` now settles a reservation's item
too (采纳: both stand; 驳回: the centre ends the later reservation as 中心驳回, which its window
pulls); an organization's item is settled as before (``central.resolve_organization_review``).
Windows of older versions are served unchanged: they do not call the new functions and skip the
new change-log kind.

Revision ID: c0008
Revises: c0007
Create Date: 2026-12-06
"""

from alembic import op

revision = "c0008"
down_revision = "c0007"
branch_labels = None
depends_on = None

# the window's columns (models/name_reservations.py) as models.op_rules checks them
RULES = (
    ('name_reservations', (
        ('window_code', 'text', 8, False, True, None, '窗口代码'),
        ('case_id', 'uuid', None, False, True, None, '办件编号'),
        ('case_no', 'text', 40, False, True, None, '办件编号'),
        ('name', 'text', 200, False, True, None, '名称'),
        ('org_type', 'text', 16, False, True, None, '组织类型'),
        ('compare_key', 'text', 100, False, True, None, '比对字号'),
        ('compare_pinyin', 'text', 400, False, True, None, '比对拼音'),
        ('field', 'text', 32, False, True, None, '行(事)业领域'),
        ('form', 'text', 16, False, True, None, '组织形式'),
        ('reserved_by', 'text', 64, False, True, None, '保留人'),
        ('reserved_on', 'date', None, False, True, None, '保留日期'),
        ('expires_on', 'date', None, False, True, None, '保留期满日期'),
        ('ended_on', 'date', None, True, False, None, '保留结束日期'),
        ('end_reason', 'text', 16, True, False, None, '保留结束原因'),
        ('id', 'uuid', None, False, True, None, '编号'),
        ('created_at', 'timestamp', None, False, True, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, True, None, '修改时间'),
        ('row_version', 'integer', None, False, True, None, '版本号'),
    )),
)

TABLE = """
CREATE TABLE central.name_reservations (
    id uuid PRIMARY KEY,
    window_code text NOT NULL REFERENCES central.windows(code),
    case_id uuid NOT NULL,
    case_no text NOT NULL,
    name text NOT NULL,
    org_type text NOT NULL,
    compare_key text NOT NULL,
    compare_pinyin text NOT NULL,
    field text NOT NULL,
    form text NOT NULL,
    reserved_by text NOT NULL,
    reserved_on date NOT NULL,
    expires_on date NOT NULL,
    ended_on date,
    end_reason text,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    row_version integer NOT NULL
);
CREATE INDEX ix_central_name_reservations_name ON central.name_reservations (name) WHERE ended_on IS NULL;
CREATE INDEX ix_central_name_reservations_key ON central.name_reservations (compare_key, field, form)
    WHERE ended_on IS NULL;
CREATE TRIGGER log_insert AFTER INSERT ON central.name_reservations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION central.log_changed_rows('name_reservation', 'id', '');
CREATE TRIGGER log_update AFTER UPDATE ON central.name_reservations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION central.log_changed_rows('name_reservation', 'id', '');
"""

MINE = "window_code = (SELECT central.current_window())"
POLICIES = (("SELECT", "true", None), ("INSERT", None, MINE), ("UPDATE", "true", "true"))

CHANGE_PAYLOAD = r"""
CREATE OR REPLACE FUNCTION central.change_payload(k text, rid text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, central, pg_temp AS $$
BEGIN
    IF k = 'organization' THEN RETURN (SELECT to_jsonb(o) FROM central.organizations o WHERE o.id = rid::uuid);
    ELSIF k = 'dishonest_person' THEN RETURN (SELECT to_jsonb(d) FROM central.dishonest_persons d WHERE d.id = rid::uuid);
    ELSIF k = 'reference' THEN RETURN (SELECT to_jsonb(r) FROM central.reference_data r WHERE r.key = rid);
    ELSIF k = 'window_key' THEN RETURN (SELECT to_jsonb(x) FROM central.window_keys x WHERE x.id = rid::uuid);
    ELSIF k = 'code_block' THEN RETURN (SELECT to_jsonb(b) FROM central.code_blocks b WHERE b.id = rid::uuid);
    ELSIF k = 'review' THEN RETURN (SELECT to_jsonb(v) FROM central.review_queue v WHERE v.id = rid::uuid);
    ELSIF k = 'organization_version' THEN
        RETURN (SELECT to_jsonb(v) FROM central.organization_versions v WHERE v.id = rid::uuid);
    ELSIF k = 'name_reservation' THEN
        RETURN (SELECT to_jsonb(n) FROM central.name_reservations n WHERE n.id = rid::uuid);
    END IF;
    RETURN NULL;
END $$;
"""

FUNCTIONS = r"""
-- why the centre cannot take a reservation op: c0004's envelope check (asked about a table it
-- knows, the table name checked here), no delete, then the payload by the frozen rules
CREATE FUNCTION central.reservation_problem(o jsonb, w text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, central, pg_temp AS $$
    SELECT CASE
        WHEN jsonb_typeof(o) IS DISTINCT FROM 'object' THEN '操作应为 JSON 对象'
        WHEN o ->> 'table_name' IS DISTINCT FROM 'name_reservations' THEN '数据表不是名称保留'
        ELSE coalesce(central.envelope_problem(o || '{"table_name": "cases"}'),
                      CASE WHEN o ->> 'op' = 'delete' THEN '名称保留不能删除，请结束保留' END,
                      central.object_problem('name_reservations', o -> 'payload'),
                      CASE WHEN o -> 'payload' ->> 'window_code' IS DISTINCT FROM w
                           THEN '保留记录的窗口代码与登录身份不符' END)
    END
$$;

-- the reservation another window holds in force for the same name, or the same 字号 in the
-- same field and form (the name check's reject relations), if any: the oldest
CREATE FUNCTION central.reservation_clash(p central.name_reservations) RETURNS central.name_reservations
LANGUAGE sql STABLE SET search_path = pg_catalog, central, pg_temp AS $$
    SELECT c.* FROM central.name_reservations c
     WHERE c.id <> p.id AND c.window_code <> p.window_code AND c.ended_on IS NULL AND c.expires_on > current_date
       AND (c.name = p.name OR p.compare_key <> '' AND (c.compare_key, c.field, c.form) = (p.compare_key, p.field, p.form))
     ORDER BY c.reserved_on, c.created_at, c.id LIMIT 1
$$;

CREATE FUNCTION sync_api.sync_reserve_v1(ops jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    w text := central.require_window();
    refusal text;
    unrecorded jsonb := '[]'::jsonb;
    o record;
    problem text;
    p central.name_reservations;
    cur central.name_reservations;
    clash central.name_reservations;
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
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(ops) e WHERE e ->> 'window' IS DISTINCT FROM w) THEN
        RAISE EXCEPTION '操作署名的窗口与登录身份（窗口 %）不符', w USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR o IN SELECT x.v, x.v ->> 'op_id' AS op_text FROM jsonb_array_elements(ops) WITH ORDINALITY AS x(v, ord)
              ORDER BY x.ord LOOP
        problem := central.reservation_problem(o.v, w);
        IF problem IS NOT NULL THEN
            IF o.op_text ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN
                INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version,
                                                  op, status, reason)
                VALUES (w, o.op_text::uuid, 'name_reservations', left(coalesce(o.v ->> 'row_id', ''), 64), 0, 0,
                        'reserve', 'rejected', problem)
                ON CONFLICT (window_code, op_id) DO NOTHING;
            ELSE
                unrecorded := unrecorded || jsonb_build_object('op_id', left(o.op_text, 64),
                    'table_name', 'name_reservations', 'row_id', left(o.v ->> 'row_id', 64), 'status', 'rejected',
                    'reason', problem);
            END IF;
            CONTINUE;
        END IF;
        INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version, op,
                                          payload_size, status)
        VALUES (w, o.op_text::uuid, 'name_reservations', o.v ->> 'row_id', (o.v ->> 'row_version')::integer,
                (o.v ->> 'base_version')::integer, o.v ->> 'op', pg_column_size(o.v -> 'payload'), 'pending')
        ON CONFLICT (window_code, op_id) DO NOTHING;
        CONTINUE WHEN NOT FOUND;  -- a replay: the earlier result stands
        p := jsonb_populate_record(NULL::central.name_reservations, o.v -> 'payload');
        SELECT * INTO cur FROM central.name_reservations n WHERE n.id = p.id FOR UPDATE;
        outcome := 'accepted';
        why := NULL;
        IF cur.id IS NOT NULL AND cur.window_code <> w THEN
            outcome := 'rejected';
            why := format('该名称保留属于窗口 %s，本窗口不能修改', cur.window_code);
        ELSIF cur.id IS NULL OR cur.row_version < p.row_version THEN  -- an older version changes nothing
            INSERT INTO central.name_reservations VALUES (p.*)
            ON CONFLICT (id) DO UPDATE SET
                case_id = excluded.case_id, case_no = excluded.case_no, name = excluded.name,
                org_type = excluded.org_type, compare_key = excluded.compare_key,
                compare_pinyin = excluded.compare_pinyin, field = excluded.field, form = excluded.form,
                reserved_by = excluded.reserved_by, reserved_on = excluded.reserved_on,
                expires_on = excluded.expires_on, ended_on = excluded.ended_on, end_reason = excluded.end_reason,
                created_at = excluded.created_at, updated_at = excluded.updated_at, row_version = excluded.row_version;
            IF p.ended_on IS NULL THEN
                clash := central.reservation_clash(p);
                IF clash.id IS NOT NULL THEN
                    outcome := 'review';
                    why := format('名称“%s”（窗口 %s 办件 %s）与窗口 %s 办件 %s 已保留的“%s”（保留至 %s）相同或字号相同，须经中心复核',
                                  p.name, w, p.case_no, clash.window_code, clash.case_no, clash.name,
                                  to_char(clash.expires_on - 1, 'YYYY-MM-DD'));
                    INSERT INTO central.review_queue (reason, window_code, op_id, organization_id, proposed,
                                                      existing_id, existing_name, existing_window)
                    VALUES (why, w, o.op_text::uuid, p.id, o.v -> 'payload', clash.id, clash.name, clash.window_code);
                END IF;
            END IF;
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
                       JOIN central.received_ops r ON r.window_code = w AND r.op_id::text = lower(e ->> 'op_id')
                      WHERE r.status <> 'accepted'));
END $$;

-- every reservation: what a window that has not had them yet (new, or upgraded) loads once
CREATE FUNCTION sync_api.sync_reservations_v1() RETURNS SETOF jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp SET lock_timeout = '5s' AS $$
    SELECT to_jsonb(n) FROM central.name_reservations n WHERE central.require_window() IS NOT NULL ORDER BY n.id
$$;

-- a reservation's review item: 采纳 lets both stand, 驳回 ends the later one at the centre;
-- an organization's item is settled as c0003 settles it
CREATE FUNCTION central.resolve_review(review_id uuid, decision text, note text, resolver text)
RETURNS central.review_queue
LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE r central.review_queue;
BEGIN
    SELECT * INTO r FROM central.review_queue v WHERE v.id = review_id;
    IF r.id IS NULL OR NOT EXISTS (SELECT 1 FROM central.name_reservations n WHERE n.id = r.organization_id) THEN
        RETURN central.resolve_organization_review(review_id, decision, note, resolver);
    END IF;
    IF decision IS NULL OR decision NOT IN ('采纳', '驳回') THEN
        RAISE EXCEPTION '处理决定应为“采纳”或“驳回”，收到“%”。', coalesce(decision, '')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(note), '') = '' THEN
        RAISE EXCEPTION '请填写处理说明（驳回时写明理由，窗口会看到这段说明）。'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO r FROM central.review_queue v WHERE v.id = review_id FOR UPDATE;
    IF r.status <> '待复核' THEN
        RAISE EXCEPTION '复核事项 % 已于 % 由 % 处理（%），不能再次处理。', review_id,
            to_char(r.resolved_at, 'YYYY-MM-DD HH24:MI'), r.resolved_by, r.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF decision = '驳回' THEN
        UPDATE central.name_reservations n
           SET ended_on = current_date, end_reason = '中心驳回', row_version = n.row_version + 1,
               updated_at = now() AT TIME ZONE 'utc'
         WHERE n.id = r.organization_id AND n.ended_on IS NULL;
    END IF;
    UPDATE central.received_ops o
       SET status = CASE WHEN decision = '采纳' THEN 'accepted' ELSE 'rejected' END,
           reason = CASE WHEN decision = '采纳' THEN NULL ELSE format('中心复核驳回：%s', btrim(note)) END
     WHERE o.window_code = r.window_code AND o.op_id = r.op_id;
    UPDATE central.review_queue v
       SET status = CASE WHEN decision = '采纳' THEN '已采纳' ELSE '已驳回' END,
           resolution_note = btrim(note), resolved_by = coalesce(nullif(btrim(resolver), ''), session_user),
           resolved_at = now()
     WHERE v.id = review_id
    RETURNING * INTO r;
    RETURN r;
END $$;
"""

RESOLVE = "resolve_review(uuid, text, text, text)"
INTERNAL = ("reservation_problem(jsonb, text)", "reservation_clash(central.name_reservations)")
API = ("sync_reserve_v1(jsonb)", "sync_reservations_v1()")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    cur = op.get_bind().connection.dbapi_connection.cursor()
    db = cur.execute("SELECT current_database()").fetchone()[0]
    owner, group = f"{db}_sync_owner", f"{db}_window"
    cur.execute(TABLE)
    cur.execute("INSERT INTO central.synced_tables VALUES ('name_reservations', 'centre')")
    cur.execute("ALTER TABLE central.name_reservations ENABLE ROW LEVEL SECURITY;"
                " ALTER TABLE central.name_reservations FORCE ROW LEVEL SECURITY")
    cur.execute(f"GRANT SELECT, INSERT, UPDATE ON central.name_reservations TO {_ident(owner)}")
    for command, using, check in POLICIES:
        clause = (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else "")
        cur.execute(f"CREATE POLICY owner_{command.lower()} ON central.name_reservations FOR {command}"
                    f" TO {_ident(owner)}{clause}")
    for scope, columns in RULES:
        cur.executemany("INSERT INTO central.column_rules VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [(scope, column, position, kind, length, nullable, required,
                          list(choices) if choices else None, label)
                         for position, (column, kind, length, nullable, required, choices, label) in enumerate(columns)])
    cur.execute(CHANGE_PAYLOAD)
    cur.execute(f"ALTER FUNCTION central.{RESOLVE} RENAME TO resolve_organization_review")
    cur.execute(FUNCTIONS)
    cur.execute(f"REVOKE ALL ON FUNCTION central.{RESOLVE} FROM PUBLIC")
    for signature in INTERNAL:
        cur.execute(f"ALTER FUNCTION central.{signature} OWNER TO {_ident(owner)}")
        cur.execute(f"REVOKE ALL ON FUNCTION central.{signature} FROM PUBLIC")
    for signature in API:
        cur.execute(f"ALTER FUNCTION sync_api.{signature} OWNER TO {_ident(owner)}")
        cur.execute(f"REVOKE ALL ON FUNCTION sync_api.{signature} FROM PUBLIC")
        cur.execute(f"GRANT EXECUTE ON FUNCTION sync_api.{signature} TO {_ident(group)}")


def downgrade() -> None:
    cur = op.get_bind().connection.dbapi_connection.cursor()
    for signature in API:
        cur.execute(f"DROP FUNCTION sync_api.{signature}")
    cur.execute(f"DROP FUNCTION central.{RESOLVE}")
    cur.execute("ALTER FUNCTION central.resolve_organization_review(uuid, text, text, text) RENAME TO resolve_review")
    for signature in INTERNAL:
        cur.execute(f"DROP FUNCTION central.{signature}")
    cur.execute("DELETE FROM central.column_rules WHERE scope = 'name_reservations'")
    cur.execute("DROP TABLE central.name_reservations")
    cur.execute("DELETE FROM central.synced_tables WHERE table_name = 'name_reservations'")
    cur.execute(CHANGE_PAYLOAD.replace(
        "    ELSIF k = 'name_reservation' THEN\n"
        "        RETURN (SELECT to_jsonb(n) FROM central.name_reservations n WHERE n.id = rid::uuid);\n", ""))
