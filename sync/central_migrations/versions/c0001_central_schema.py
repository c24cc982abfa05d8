"""central: registry, window records, review queue, change log, code blocks, sync functions v1

The central database (中心库) of the district. Tables live in schema ``central``, which window
roles cannot even see; the versioned SECURITY DEFINER functions live in schema ``sync_api``.
The functions' owner is the NOLOGIN role ``<database>_sync_owner`` (neither superuser nor
BYPASSRLS); every table has row-level security enabled and FORCED, and the owner's policies
limit it to the calling window (``session_user``) wherever a row belongs to a window.

Revision ID: c0001
Revises:
Create Date: 2026-11-26
"""

from alembic import op

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None

# The registry columns a window may propose, in the same names as models/registry.Organization.
ORG_COLUMNS = (
    "name", "org_type", "status", "status_changed_on", "credit_code", "field", "form", "zihao",
    "street_code", "address", "legal_representative", "sponsor", "established_on",
    "certificate_valid_until", "rating", "on_abnormal_list", "on_dishonest_list", "former_names", "name_index",
)

# Tables whose rows a window owns and pushes (its cases and their append-only history).
WINDOW_TABLES = (
    "audit_events", "cases", "case_scope_items", "case_persons", "case_materials", "case_attachments",
    "case_steps", "case_counters", "print_records",
)

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS central;
CREATE SCHEMA sync_api;
REVOKE ALL ON SCHEMA central FROM PUBLIC;
REVOKE ALL ON SCHEMA sync_api FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE TABLE central.windows (
    code text PRIMARY KEY,
    login_role name NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE central.synced_tables (
    table_name text PRIMARY KEY,
    owner text NOT NULL CHECK (owner IN ('window', 'centre'))
);

CREATE TABLE central.organizations (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    org_type text NOT NULL,
    status text NOT NULL DEFAULT '正常',
    status_changed_on date,
    credit_code text UNIQUE,
    field text NOT NULL DEFAULT '',
    form text NOT NULL DEFAULT '',
    zihao text NOT NULL DEFAULT '',
    street_code text,
    address text,
    legal_representative text,
    sponsor text,
    established_on date,
    certificate_valid_until date,
    rating text,
    on_abnormal_list boolean NOT NULL DEFAULT false,
    on_dishonest_list boolean NOT NULL DEFAULT false,
    former_names jsonb NOT NULL DEFAULT '[]',
    name_index jsonb,
    origin_window text REFERENCES central.windows(code),
    changed_by_window text REFERENCES central.windows(code),
    created_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    row_version integer NOT NULL DEFAULT 1
);
CREATE INDEX ix_central_organizations_name ON central.organizations (name, org_type);

CREATE TABLE central.dishonest_persons (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    id_number text NOT NULL,
    name text NOT NULL,
    listed_on date NOT NULL,
    removed_on date,
    source text NOT NULL DEFAULT '',
    created_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    row_version integer NOT NULL DEFAULT 1
);

CREATE TABLE central.reference_data (
    key text PRIMARY KEY,
    value jsonb NOT NULL,
    row_version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE central.window_keys (
    id uuid PRIMARY KEY,
    key_id text NOT NULL UNIQUE,
    window_code text NOT NULL REFERENCES central.windows(code),
    public_key text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    row_version integer NOT NULL
);

CREATE TABLE central.window_records (
    window_code text NOT NULL REFERENCES central.windows(code),
    table_name text NOT NULL,
    row_id text NOT NULL,
    row_version integer NOT NULL,
    deleted boolean NOT NULL DEFAULT false,
    payload jsonb,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (window_code, table_name, row_id)
);

CREATE TABLE central.received_ops (
    window_code text NOT NULL REFERENCES central.windows(code),
    op_id uuid NOT NULL,
    table_name text NOT NULL,
    row_id text NOT NULL,
    row_version integer,
    base_version integer,
    op text NOT NULL,
    payload jsonb,
    status text NOT NULL,
    reason text,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (window_code, op_id)
);

CREATE TABLE central.review_queue (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status text NOT NULL DEFAULT '待复核',
    reason text NOT NULL,
    window_code text NOT NULL REFERENCES central.windows(code),
    op_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    proposed jsonb NOT NULL,
    based_on_cursor text,
    existing_id uuid,
    existing_name text,
    existing_window text,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    UNIQUE (window_code, op_id)
);

CREATE TABLE central.code_pool (
    id integer PRIMARY KEY CHECK (id = 1),
    stem text NOT NULL,
    next_number bigint NOT NULL,
    width integer NOT NULL
);

CREATE TABLE central.code_blocks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    window_code text NOT NULL REFERENCES central.windows(code),
    first_body text NOT NULL UNIQUE,
    count integer NOT NULL CHECK (count > 0),
    reserved_at timestamptz NOT NULL DEFAULT now()
);

-- The change log read by sync_pull: one row per changed row, ordered by (xid, id).
CREATE TABLE central.change_log (
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    id bigint GENERATED ALWAYS AS IDENTITY,
    kind text NOT NULL,
    row_id text NOT NULL,
    window_code text,
    PRIMARY KEY (xid, id)
);
"""

TRIGGERS = """
CREATE FUNCTION central.log_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
-- TG_ARGV: kind, key column, window column (or '' for rows every window receives)
BEGIN
    EXECUTE format(
        'INSERT INTO central.change_log (kind, row_id, window_code) SELECT %L, %I::text, %s FROM changed',
        TG_ARGV[0], TG_ARGV[1], CASE WHEN TG_ARGV[2] = '' THEN 'NULL' ELSE quote_ident(TG_ARGV[2]) END);
    RETURN NULL;
END $$;

CREATE FUNCTION central.log_review_rows() RETURNS trigger LANGUAGE plpgsql AS $$
-- a review item is news for the window whose registration was held and for the window that
-- registered the organization it collided with
BEGIN
    INSERT INTO central.change_log (kind, row_id, window_code)
    SELECT 'review', id::text, window_code FROM changed
    UNION ALL
    SELECT 'review', id::text, existing_window FROM changed
     WHERE existing_window IS NOT NULL AND existing_window <> window_code;
    RETURN NULL;
END $$;
"""

# (table, kind, key column, window column) of every table whose changes windows pull
LOGGED = (
    ("organizations", "organization", "id", ""),
    ("dishonest_persons", "dishonest_person", "id", ""),
    ("reference_data", "reference", "key", ""),
    ("window_keys", "window_key", "id", ""),
    ("code_blocks", "code_block", "id", "window_code"),
)

FUNCTIONS = r"""
-- No SET clause here, so that policies can inline it; the body names its schema and operator.
CREATE FUNCTION central.current_window() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT w.code FROM central.windows w WHERE w.login_role OPERATOR(pg_catalog.=) session_user
$$;

CREATE FUNCTION central.require_window() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE w text := central.current_window();
BEGIN
    IF w IS NULL THEN
        RAISE EXCEPTION '登录角色 % 不是中心登记过的窗口', session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN w;
END $$;

CREATE FUNCTION central.change_payload(k text, rid text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, central, pg_temp AS $$
BEGIN
    IF k = 'organization' THEN RETURN (SELECT to_jsonb(o) FROM central.organizations o WHERE o.id = rid::uuid);
    ELSIF k = 'dishonest_person' THEN RETURN (SELECT to_jsonb(d) FROM central.dishonest_persons d WHERE d.id = rid::uuid);
    ELSIF k = 'reference' THEN RETURN (SELECT to_jsonb(r) FROM central.reference_data r WHERE r.key = rid);
    ELSIF k = 'window_key' THEN RETURN (SELECT to_jsonb(x) FROM central.window_keys x WHERE x.id = rid::uuid);
    ELSIF k = 'code_block' THEN RETURN (SELECT to_jsonb(b) FROM central.code_blocks b WHERE b.id = rid::uuid);
    ELSIF k = 'review' THEN RETURN (SELECT to_jsonb(v) FROM central.review_queue v WHERE v.id = rid::uuid);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION central.hold_for_review(w text, op_id uuid, row_id text, p jsonb, cursor_text text,
                                        why text, existing central.organizations) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, central, pg_temp AS $$
    INSERT INTO central.review_queue (reason, window_code, op_id, organization_id, proposed, based_on_cursor,
                                      existing_id, existing_name, existing_window)
    VALUES (why, w, op_id, row_id::uuid, p, cursor_text, existing.id, existing.name,
            coalesce(existing.changed_by_window, existing.origin_window))
$$;

-- A window's proposal for the registry: a new organization (from an approved case) or a change
-- to one. The registry is never overwritten silently: a name or credit code that collides with
-- an organization already in the registry, or a change based on an outdated version, goes to
-- the 待复核 queue instead, and both windows concerned are told through their pull.
CREATE FUNCTION central.apply_organization_op(w text, op_id uuid, row_id text, base_version integer,
                                              kind text, payload jsonb, cursor_text text,
                                              OUT status text, OUT reason text)
LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    p central.organizations;
    cur central.organizations;
    clash central.organizations;
BEGIN
    IF kind = 'delete' THEN
        status := 'rejected'; reason := '登记库中的组织不能由窗口删除';
        RETURN;
    END IF;
    p := jsonb_populate_record(NULL::central.organizations, payload);
    SELECT * INTO cur FROM central.organizations o WHERE o.id = row_id::uuid FOR UPDATE;
    SELECT * INTO clash FROM central.organizations o
     WHERE o.id <> row_id::uuid
       AND ((o.name = p.name AND o.org_type = p.org_type AND o.status = '正常')
            OR (p.credit_code IS NOT NULL AND o.credit_code = p.credit_code))
     LIMIT 1;
    IF clash.id IS NOT NULL THEN
        reason := CASE WHEN clash.credit_code = p.credit_code
                       THEN format('统一社会信用代码 %s 已被“%s”使用', p.credit_code, clash.name)
                       ELSE format('名称“%s”已由%s登记', p.name,
                                   coalesce('窗口 ' || coalesce(clash.changed_by_window, clash.origin_window),
                                            '中心')) END;
        PERFORM central.hold_for_review(w, op_id, row_id, payload, cursor_text, reason, clash);
        status := 'review';
        RETURN;
    END IF;
    IF cur.id IS NULL THEN
        p.id := row_id::uuid;
        p.origin_window := w;
        p.changed_by_window := w;
        p.row_version := 1;
        p.created_at := coalesce(p.created_at, now() AT TIME ZONE 'utc');
        p.updated_at := now() AT TIME ZONE 'utc';
        p.former_names := coalesce(p.former_names, '[]');
        INSERT INTO central.organizations SELECT (p).*;
        status := 'accepted';
        RETURN;
    END IF;
    IF cur.row_version IS DISTINCT FROM base_version THEN
        reason := format('该组织在中心已有更新（中心版本 %s，本窗口依据的版本 %s）', cur.row_version, base_version);
        PERFORM central.hold_for_review(w, op_id, row_id, payload, cursor_text, reason, cur);
        status := 'review';
        RETURN;
    END IF;
    UPDATE central.organizations o SET
        {org_update},
        changed_by_window = w,
        updated_at = now() AT TIME ZONE 'utc',
        row_version = cur.row_version + 1
     WHERE o.id = cur.id;
    status := 'accepted';
END $$;

CREATE FUNCTION central.apply_window_key_op(w text, row_id text, kind text, payload jsonb,
                                            OUT status text, OUT reason text)
LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE k central.window_keys;
BEGIN
    k := jsonb_populate_record(NULL::central.window_keys, payload);
    IF kind = 'delete' OR k.window_code IS DISTINCT FROM w THEN
        status := 'rejected'; reason := '窗口只能登记自己的签名公钥';
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM central.window_keys x WHERE x.key_id = k.key_id AND x.id <> row_id::uuid) THEN
        status := 'rejected'; reason := format('公钥编号 %s 已被占用', k.key_id);
        RETURN;
    END IF;
    k.id := row_id::uuid;
    INSERT INTO central.window_keys SELECT (k).*
    ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, updated_at = excluded.updated_at,
        row_version = excluded.row_version
      WHERE central.window_keys.window_code = w AND central.window_keys.row_version < excluded.row_version;
    status := 'accepted';
END $$;

-- Push (上传): ops in the order the window made them. (window, op id) is unique, so a replayed
-- op gets its earlier result back and changes nothing. Every op gets a result: accepted,
-- rejected (with a reason) or review.
CREATE FUNCTION sync_api.sync_push_v1(ops jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    w text := central.require_window();
    o record;
    res record;
    answered bigint;
BEGIN
    IF jsonb_typeof(ops) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'ops 应为 JSON 数组' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(ops) e WHERE e->>'window' IS DISTINCT FROM w) THEN
        RAISE EXCEPTION '操作署名的窗口与登录身份（窗口 %）不符', w USING ERRCODE = 'insufficient_privilege';
    END IF;

    -- rows of window-owned tables: set-based
    WITH incoming AS (
        SELECT DISTINCT ON (x.op_id) x.*, st.owner
          FROM jsonb_to_recordset(ops) AS x(op_id uuid, table_name text, row_id text, row_version integer,
                                            base_version integer, op text, payload jsonb)
          LEFT JOIN central.synced_tables st ON st.table_name = x.table_name
         WHERE x.table_name NOT IN ('organizations', 'window_keys')
           AND NOT EXISTS (SELECT 1 FROM central.received_ops r WHERE r.window_code = w AND r.op_id = x.op_id)
    ), logged AS (
        INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version,
                                          op, payload, status, reason)
        SELECT w, i.op_id, i.table_name, i.row_id, i.row_version, i.base_version, i.op, i.payload,
               CASE WHEN i.owner = 'window' THEN 'accepted' ELSE 'rejected' END,
               CASE WHEN i.owner = 'window' THEN NULL ELSE format('中心不接收数据表 %s 的记录', i.table_name) END
          FROM incoming i
        RETURNING table_name, row_id, row_version, op, payload, status
    )
    INSERT INTO central.window_records AS wr (window_code, table_name, row_id, row_version, deleted, payload)
    SELECT DISTINCT ON (l.table_name, l.row_id) w, l.table_name, l.row_id, l.row_version, l.op = 'delete', l.payload
      FROM logged l WHERE l.status = 'accepted'
     ORDER BY l.table_name, l.row_id, l.row_version DESC
    ON CONFLICT (window_code, table_name, row_id) DO UPDATE
       SET row_version = excluded.row_version, deleted = excluded.deleted, payload = excluded.payload,
           updated_at = now()
     WHERE wr.row_version <= excluded.row_version;

    -- proposals for the registry and window keys: one by one, in order
    FOR o IN
        SELECT (e.v->>'op_id')::uuid AS op_id, e.v->>'table_name' AS table_name, e.v->>'row_id' AS row_id,
               (e.v->>'row_version')::integer AS row_version, (e.v->>'base_version')::integer AS base_version,
               e.v->>'op' AS op, e.v->'payload' AS payload, e.v->>'registry_cursor' AS registry_cursor
          FROM jsonb_array_elements(ops) WITH ORDINALITY AS e(v, ord)
         WHERE e.v->>'table_name' IN ('organizations', 'window_keys')
         ORDER BY e.ord
    LOOP
        INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version,
                                          op, payload, status)
        VALUES (w, o.op_id, o.table_name, o.row_id, o.row_version, o.base_version, o.op, o.payload, 'pending')
        ON CONFLICT (window_code, op_id) DO NOTHING;
        CONTINUE WHEN NOT FOUND;  -- a replay: the earlier result stands
        IF o.table_name = 'organizations' THEN
            res := central.apply_organization_op(w, o.op_id, o.row_id, o.base_version, o.op, o.payload,
                                                 o.registry_cursor);
        ELSE
            res := central.apply_window_key_op(w, o.row_id, o.op, o.payload);
        END IF;
        UPDATE central.received_ops r SET status = res.status, reason = res.reason
         WHERE r.window_code = w AND r.op_id = o.op_id;
    END LOOP;

    SELECT count(DISTINCT r.op_id) INTO answered
      FROM jsonb_array_elements(ops) e
      JOIN central.received_ops r ON r.window_code = w AND r.op_id = (e->>'op_id')::uuid;
    IF answered <> (SELECT count(DISTINCT e->>'op_id') FROM jsonb_array_elements(ops) e) THEN
        RAISE EXCEPTION '部分操作没有得到处理结果' USING ERRCODE = 'internal_error';
    END IF;
    RETURN jsonb_build_object(
        'window', w,
        'answered', answered,
        'problems', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'op_id', r.op_id, 'table_name', r.table_name, 'row_id', r.row_id,
                        'status', r.status, 'reason', r.reason)), '[]'::jsonb)
                       FROM jsonb_array_elements(ops) e
                       JOIN central.received_ops r ON r.window_code = w AND r.op_id = (e->>'op_id')::uuid
                      WHERE r.status <> 'accepted'));
END $$;

CREATE FUNCTION sync_api.sync_whoami_v1() RETURNS text
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
    SELECT central.require_window()
$$;

-- The pull cursor (拉取游标) is (xid, id) of the last change applied. Only changes of
-- transactions older than the oldest one still running (pg_snapshot_xmin) are handed out, so a
-- transaction that commits late is never skipped: its changes carry an xid at or above that
-- horizon and are handed out on a later pull. The horizon is cluster-wide: a long transaction
-- in any database of the cluster delays (never loses) changes, which is why window roles have
-- statement and idle-in-transaction timeouts and the centre wants a cluster of its own.
CREATE FUNCTION sync_api.sync_pull_v1(after_xid text, after_id bigint, lim integer)
RETURNS TABLE (xid text, id bigint, kind text, row_id text, payload jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE w text := central.require_window();
BEGIN
    RETURN QUERY
    WITH page AS (
        SELECT l.xid, l.id, l.kind, l.row_id
          FROM central.change_log l
         WHERE (l.xid, l.id) > (coalesce(after_xid, '0')::xid8, coalesce(after_id, 0))
           AND l.xid < pg_snapshot_xmin(pg_current_snapshot())
           AND (l.window_code IS NULL OR l.window_code = w)
         ORDER BY l.xid, l.id
         LIMIT least(greatest(lim, 1), 20000)
    )
    SELECT page.xid::text, page.id, page.kind, page.row_id, central.change_payload(page.kind, page.row_id)
      FROM page ORDER BY page.xid, page.id;
END $$;

-- Where a first pull starts reading the change log after its snapshot: every change of a
-- transaction below this horizon is already visible to the snapshot pages read afterwards.
CREATE FUNCTION sync_api.sync_cursor_now_v1() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
    SELECT CASE WHEN central.require_window() IS NOT NULL
                THEN pg_snapshot_xmin(pg_current_snapshot())::text END
$$;

-- The snapshot (全量快照) for a first pull, in pages ordered by (kind, row id).
CREATE FUNCTION sync_api.sync_snapshot_v1(after_kind text, after_id text, lim integer)
RETURNS TABLE (kind text, row_id text, payload jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    w text := central.require_window();
    n bigint;
    k text;
BEGIN
    lim := least(greatest(lim, 1), 20000);
    FOREACH k IN ARRAY ARRAY['code_block', 'dishonest_person', 'organization', 'reference', 'review', 'window_key'] LOOP
        CONTINUE WHEN after_kind IS NOT NULL AND after_kind > k;
        IF k = 'code_block' THEN
            RETURN QUERY SELECT k, b.id::text, to_jsonb(b) FROM central.code_blocks b
             WHERE b.window_code = w AND (after_kind IS DISTINCT FROM k OR b.id > after_id::uuid)
             ORDER BY b.id LIMIT lim;
        ELSIF k = 'dishonest_person' THEN
            RETURN QUERY SELECT k, d.id::text, to_jsonb(d) FROM central.dishonest_persons d
             WHERE (after_kind IS DISTINCT FROM k OR d.id > after_id::uuid) ORDER BY d.id LIMIT lim;
        ELSIF k = 'organization' THEN
            RETURN QUERY SELECT k, o.id::text, to_jsonb(o) FROM central.organizations o
             WHERE (after_kind IS DISTINCT FROM k OR o.id > after_id::uuid) ORDER BY o.id LIMIT lim;
        ELSIF k = 'reference' THEN
            RETURN QUERY SELECT k, r.key, to_jsonb(r) FROM central.reference_data r
             WHERE (after_kind IS DISTINCT FROM k OR r.key > after_id) ORDER BY r.key LIMIT lim;
        ELSIF k = 'review' THEN
            RETURN QUERY SELECT k, v.id::text, to_jsonb(v) FROM central.review_queue v
             WHERE (v.window_code = w OR v.existing_window = w)
               AND (after_kind IS DISTINCT FROM k OR v.id > after_id::uuid) ORDER BY v.id LIMIT lim;
        ELSE
            RETURN QUERY SELECT k, x.id::text, to_jsonb(x) FROM central.window_keys x
             WHERE (after_kind IS DISTINCT FROM k OR x.id > after_id::uuid) ORDER BY x.id LIMIT lim;
        END IF;
        GET DIAGNOSTICS n = ROW_COUNT;
        lim := lim - n;
        EXIT WHEN lim <= 0;
    END LOOP;
END $$;

-- Count and order-independent checksum of the registry, compared with the window's copy at
-- cursor (after_xid, after_id). ``behind`` says that registry changes after that cursor are
-- visible: the window has not caught up and the comparison would mean nothing (all in one
-- statement, so the digest and ``behind`` see the same snapshot).
CREATE FUNCTION sync_api.sync_registry_digest_v1(after_xid text, after_id bigint) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
    SELECT jsonb_build_object(
        'window', central.require_window(),
        'behind', EXISTS (SELECT 1 FROM central.change_log l
                           WHERE l.kind = 'organization'
                             AND (l.xid, l.id) > (coalesce(after_xid, '0')::xid8, coalesce(after_id, 0))),
        'count', count(*),
        'checksum', coalesce(sum(('x' || substr(md5(o.id::text || ':' || o.row_version), 1, 15))::bit(60)::bigint), 0)::text)
      FROM central.organizations o
$$;

-- A block of organization codes (组织机构代码号段) for the calling window alone.
CREATE FUNCTION sync_api.reserve_code_block_v1(n integer) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    w text := central.require_window();
    pool central.code_pool;
    block central.code_blocks;
BEGIN
    IF n IS NULL OR n < 1 OR n > 100000 THEN
        RAISE EXCEPTION '号段数量应在 1 至 100000 之间' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE central.code_pool SET next_number = next_number + n WHERE id = 1 RETURNING * INTO pool;
    IF pool.id IS NULL THEN
        RAISE EXCEPTION '中心尚未设定组织机构代码号段池' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF pool.next_number - 1 >= 10 ^ pool.width THEN
        RAISE EXCEPTION '中心的组织机构代码号段池已用完' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    INSERT INTO central.code_blocks (window_code, first_body, count)
    VALUES (w, pool.stem || lpad((pool.next_number - n)::text, pool.width, '0'), n)
    RETURNING * INTO block;
    RETURN to_jsonb(block);
END $$;

-- A window's own records back from the centre (e.g. after reinstalling the window); a record
-- of another window is refused.
CREATE FUNCTION sync_api.sync_records_v1(tbl text, ids text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    w text := central.require_window();
    found jsonb;
BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object('row_id', r.row_id, 'row_version', r.row_version,
                                                 'deleted', r.deleted, 'payload', r.payload)), '[]'::jsonb)
      INTO found
      FROM central.window_records r
     WHERE r.window_code = w AND r.table_name = tbl AND r.row_id = ANY (ids);
    IF jsonb_array_length(found) < cardinality(ids) THEN
        RAISE EXCEPTION '所请求的记录不存在或不属于本窗口' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN found;
END $$;
"""

API = ("sync_push_v1(jsonb)", "sync_whoami_v1()", "sync_pull_v1(text, bigint, integer)", "sync_cursor_now_v1()",
       "sync_snapshot_v1(text, text, integer)", "sync_registry_digest_v1(text, bigint)", "reserve_code_block_v1(integer)",
       "sync_records_v1(text, text[])")
INTERNAL = ("current_window()", "require_window()", "change_payload(text, text)",
            "hold_for_review(text, uuid, text, jsonb, text, text, central.organizations)",
            "apply_organization_op(text, uuid, text, integer, text, jsonb, text)",
            "apply_window_key_op(text, text, text, jsonb)")

# (table, privileges of the function owner, policies: (command, USING, WITH CHECK))
MINE = "window_code = (SELECT central.current_window())"  # a sub-select: evaluated once per statement
TABLES = (
    ("windows", "SELECT", (("SELECT", "true", None),)),
    ("synced_tables", "SELECT", (("SELECT", "true", None),)),
    ("organizations", "SELECT, INSERT, UPDATE", (("SELECT", "true", None), ("INSERT", None, "true"),
                                                 ("UPDATE", "true", "true"))),
    ("dishonest_persons", "SELECT", (("SELECT", "true", None),)),
    ("reference_data", "SELECT", (("SELECT", "true", None),)),
    ("window_keys", "SELECT, INSERT, UPDATE", (("SELECT", "true", None), ("INSERT", None, MINE),
                                               ("UPDATE", MINE, MINE))),
    ("window_records", "SELECT, INSERT, UPDATE", (("SELECT", MINE, None), ("INSERT", None, MINE),
                                                  ("UPDATE", MINE, MINE))),
    ("received_ops", "SELECT, INSERT, UPDATE", (("SELECT", MINE, None), ("INSERT", None, MINE),
                                                ("UPDATE", MINE, MINE))),
    ("review_queue", "SELECT, INSERT", (("SELECT", f"{MINE} OR existing_window = (SELECT central.current_window())", None),
                                        ("INSERT", None, MINE))),
    ("code_pool", "SELECT, UPDATE", (("SELECT", "true", None), ("UPDATE", "true", "true"))),
    ("code_blocks", "SELECT, INSERT", (("SELECT", MINE, None), ("INSERT", None, MINE))),
    ("change_log", "SELECT, INSERT", (("SELECT", f"window_code IS NULL OR {MINE}", None),
                                      ("INSERT", None, "true"))),
)


def _run(sql: str, params: tuple | None = None):
    """Execute on the raw psycopg connection: without parameters the text goes as written
    (several statements, ``%`` in format strings)."""
    cur = op.get_bind().connection.dbapi_connection.cursor()
    cur.execute(sql, params)
    return cur


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    run = _run
    db = run("SELECT current_database()").fetchone()[0]
    owner, group = f"{db}_sync_owner", f"{db}_window"
    for role in (owner, group):
        if not run("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            run(f"CREATE ROLE {_ident(role)} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
    run(f"REVOKE TEMPORARY ON DATABASE {_ident(db)} FROM PUBLIC")
    run(SCHEMA)
    run("INSERT INTO central.synced_tables VALUES "
        + ", ".join(f"('{t}', 'window')" for t in WINDOW_TABLES)
        + ", ('organizations', 'centre'), ('window_keys', 'centre')")
    run(TRIGGERS)
    for table, kind, key, window in LOGGED:
        for event, ref in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            run(f"CREATE TRIGGER log_{event.lower()} AFTER {event} ON central.{table} "
                f"REFERENCING {ref} TABLE AS changed FOR EACH STATEMENT "
                f"EXECUTE FUNCTION central.log_changed_rows('{kind}', '{key}', '{window}')")
    for event in ("INSERT", "UPDATE"):
        run(f"CREATE TRIGGER log_{event.lower()} AFTER {event} ON central.review_queue "
            f"REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION central.log_review_rows()")
    org_update = ",\n        ".join(f"{c} = p.{c}" for c in ORG_COLUMNS)
    run(FUNCTIONS.replace("{org_update}", org_update))

    run(f"GRANT USAGE ON SCHEMA central TO {_ident(owner)}")
    for table, privileges, policies in TABLES:
        run(f"ALTER TABLE central.{table} ENABLE ROW LEVEL SECURITY")
        run(f"ALTER TABLE central.{table} FORCE ROW LEVEL SECURITY")
        run(f"GRANT {privileges} ON central.{table} TO {_ident(owner)}")
        for command, using, check in policies:
            clause = (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else "")
            run(f"CREATE POLICY owner_{command.lower()} ON central.{table} FOR {command} TO {_ident(owner)}{clause}")
    run("ALTER TABLE central.alembic_version ENABLE ROW LEVEL SECURITY")
    run("ALTER TABLE central.alembic_version FORCE ROW LEVEL SECURITY")

    for signature in INTERNAL:
        run(f"ALTER FUNCTION central.{signature} OWNER TO {_ident(owner)}")
        run(f"REVOKE ALL ON FUNCTION central.{signature} FROM PUBLIC")
    for name in ("log_changed_rows()", "log_review_rows()"):
        run(f"REVOKE ALL ON FUNCTION central.{name} FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION central.{name} TO {_ident(owner)}")
    run(f"GRANT USAGE ON SCHEMA sync_api TO {_ident(group)}")
    for signature in API:
        run(f"ALTER FUNCTION sync_api.{signature} OWNER TO {_ident(owner)}")
        run(f"REVOKE ALL ON FUNCTION sync_api.{signature} FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION sync_api.{signature} TO {_ident(group)}")


def downgrade() -> None:
    run = _run
    run("DROP SCHEMA sync_api CASCADE")
    for table, *_ in reversed(TABLES):
        run(f"DROP TABLE central.{table} CASCADE")
    run("DROP FUNCTION central.log_changed_rows(), central.log_review_rows()")
