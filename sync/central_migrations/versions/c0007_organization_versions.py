"""organization versions: every version of an organization's registered record (登记事项)

A window sends each version it writes (at approval, and by later businesses) through
``sync_api.sync_versions_v1``: each op is checked as c0004 checks a push — its shape, then every
field of the version and of its 业务范围 items and persons in office against
``central.column_rules`` (a frozen copy of ``models.op_rules``), the payload's size — and a bad
one is refused alone with a Chinese reason; a version number another window already used for
the organization is refused too, naming that window. The call counts against the window's byte
quota and is refused whole over it; an op sent again gets its earlier result back.

Versions are kept in ``central.organization_versions`` (append-only: the functions only insert)
and reach every window through the change log (kind ``organization_version``) and the snapshot
(``sync_snapshot_v2`` gains the kind, after the organizations). Windows of earlier releases
skip a kind they do not know, and call no new function: they are served as before.

Revision ID: c0007
Revises: c0006
Create Date: 2026-12-06
"""

import importlib.util
import re
from pathlib import Path

from alembic import op

revision = "c0007"
down_revision = "c0006"
branch_labels = None
depends_on = None

KIND = "organization_version"
PAYLOAD_LIMIT_BYTES = 1 << 20
UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
ENVELOPE = ("window", "op_id", "table_name", "row_id", "op", "row_version", "base_version", "registry_cursor",
            "payload")

# (scope, ((column, kind, max length, nullable, required, choices, label), …)) in column order
RULES = (
    ('organization_versions', (
        ('organization_id', 'uuid', None, False, True, None, '登记库组织编号'),
        ('version_no', 'integer', None, False, True, None, '版本序号'),
        ('business', 'text', 16, False, True, None, '业务'),
        ('case_id', 'uuid', None, True, False, None, '办件编号'),
        ('case_no', 'text', 40, True, False, None, '办件编号'),
        ('actor', 'text', 64, False, True, None, '操作人'),
        ('at', 'timestamp', None, False, True, None, '时间'),
        ('effective_on', 'date', None, False, True, None, '生效日期'),
        ('id', 'uuid', None, False, True, None, '编号'),
        ('created_at', 'timestamp', None, False, True, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, True, None, '修改时间'),
        ('row_version', 'integer', None, False, True, None, '版本号'),
        ('name', 'text', 200, False, True, None, '名称'),
        ('address', 'text', 200, False, True, None, '住所'),
        ('street_code', 'text', 9, False, True, None, '街道代码'),
        ('activity_area', 'text', 100, False, True, None, '活动地域'),
        ('scope', 'records', None, False, True, None, '业务范围'),
        ('funds_yuan', 'integer', None, True, True, None, '注册资金'),
        ('sponsor', 'text', 100, False, True, None, '业务主管单位'),
        ('direct_category', 'text', 16, False, True, None, '直接登记类别'),
        ('legal_representative', 'text', 64, False, True, None, '法定代表人'),
        ('purpose', 'text', 20000, False, True, None, '宗旨'),
        ('persons', 'records', None, False, True, None, '在任人员'),
    )),
    ('organization_versions.scope', (
        ('text', 'text', 200, False, True, None, '业务范围'),
        ('approval_doc_no', 'text', 64, False, True, None, '前置审批文号'),
        ('approval_date', 'date', None, True, True, None, '前置审批日期'),
    )),
    ('organization_versions.persons', (
        ('name', 'text', 64, False, True, None, '姓名'),
        ('id_number', 'text', 18, False, True, None, '身份证号'),
        ('roles', 'text', 64, False, True, None, '身份'),
        ('title', 'text', 32, False, True, None, '职务'),
        ('appointed_on', 'date', None, True, True, None, '任职日期'),
    )),
)

TABLE = """
CREATE TABLE central.organization_versions (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL,
    version_no integer NOT NULL CHECK (version_no > 0),
    window_code text NOT NULL REFERENCES central.windows(code),
    payload jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, version_no)
);
INSERT INTO central.synced_tables VALUES ('organization_versions', 'centre');
"""
MINE = "window_code = (SELECT central.current_window())"

FUNCTIONS = rf"""
-- why a version op cannot be taken (models.op_rules.op_problem for table organization_versions)
CREATE FUNCTION central.version_problem(o jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN jsonb_typeof(o) IS DISTINCT FROM 'object' THEN '操作应为 JSON 对象'
        WHEN (o - ARRAY{list(ENVELOPE)}) <> '{{}}'::jsonb THEN '操作中有不认识的项'
        WHEN jsonb_typeof(o -> 'op_id') IS DISTINCT FROM 'string' OR (o ->> 'op_id') !~ '{UUID}' THEN '操作编号应为 UUID'
        WHEN o ->> 'table_name' IS DISTINCT FROM 'organization_versions' THEN '数据表应为登记事项版本'
        WHEN jsonb_typeof(o -> 'row_id') IS DISTINCT FROM 'string' OR (o ->> 'row_id') !~ '{UUID}' THEN '记录编号应为 UUID'
        WHEN o ->> 'op' IS DISTINCT FROM 'insert' THEN '登记事项的版本只能追加（insert），不能修改或删除'
        WHEN NOT coalesce(central.json_int(o -> 'row_version') BETWEEN 1 AND 2147483647, false) THEN '版本号应为正整数'
        WHEN NOT coalesce(central.json_int(o -> 'base_version') BETWEEN 0 AND central.json_int(o -> 'row_version'), false)
            THEN '依据的版本号应为 0 至版本号之间的整数'
        WHEN coalesce(jsonb_typeof(o -> 'registry_cursor'), 'null') <> 'null'
             AND (jsonb_typeof(o -> 'registry_cursor') <> 'string'
                  OR (o ->> 'registry_cursor') !~ '^[0-9]{{1,20}}:[0-9]{{1,19}}$') THEN '登记库位置格式不对'
        WHEN jsonb_typeof(o -> 'payload') IS DISTINCT FROM 'object' THEN '数据应为 JSON 对象'
        WHEN octet_length((o -> 'payload')::text) > {PAYLOAD_LIMIT_BYTES}
            THEN format('数据超过 {PAYLOAD_LIMIT_BYTES} 字节的上限（%s 字节）', octet_length((o -> 'payload')::text))
        WHEN (o -> 'payload' -> 'id') IS DISTINCT FROM (o -> 'row_id') THEN '数据中的编号与记录编号不符'
        WHEN o -> 'payload' ? 'row_version' AND (o -> 'payload' -> 'row_version') IS DISTINCT FROM (o -> 'row_version')
            THEN '数据中的版本号与操作不符'
        ELSE coalesce(central.object_problem('organization_versions', o -> 'payload'),
                      CASE WHEN central.json_int(o -> 'payload' -> 'version_no') < 1 THEN '版本序号应为正整数' END)
    END
$$;

CREATE FUNCTION sync_api.sync_versions_v1(ops jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    w text := central.require_window();
    refusal text;
    unrecorded jsonb := '[]'::jsonb;
    o record;
    p jsonb;
    why text;
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
    FOR o IN SELECT x.v, central.version_problem(x.v) AS problem
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
        SELECT v.window_code INTO holder FROM central.organization_versions v
         WHERE v.organization_id = (p ->> 'organization_id')::uuid AND v.version_no = (p ->> 'version_no')::integer
           AND v.id <> (p ->> 'id')::uuid;
        IF FOUND THEN
            why := format('该组织的第 %s 版登记事项已由窗口 %s 上传，本窗口的这一版未被采用：请同步后核对该组织的登记事项',
                          p ->> 'version_no', holder);
        ELSE
            why := NULL;
            INSERT INTO central.organization_versions (id, organization_id, version_no, window_code, payload)
            VALUES ((p ->> 'id')::uuid, (p ->> 'organization_id')::uuid, (p ->> 'version_no')::integer, w, p)
            ON CONFLICT (id) DO NOTHING;
        END IF;
        UPDATE central.received_ops r SET status = CASE WHEN why IS NULL THEN 'accepted' ELSE 'rejected' END, reason = why
         WHERE r.window_code = w AND r.op_id = (o.v ->> 'op_id')::uuid;
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

SIGNATURE = "sync_versions_v1(jsonb)"
SNAPSHOT = "sync_snapshot_v2(text, text, integer)"


def _run(sql: str, params: tuple | None = None):
    cur = op.get_bind().connection.dbapi_connection.cursor()
    cur.execute(sql, params)
    return cur


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _change_payload(with_versions: bool) -> str:
    """central.change_payload as c0001 made it, with the versions' kind or without."""
    found = re.search(r"CREATE FUNCTION central\.change_payload\(.*?END \$\$;", _module("c0001_central_schema").FUNCTIONS,
                      re.S).group().replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    if with_versions:
        found = found.replace("    END IF;\n    RETURN NULL;", f"    ELSIF k = '{KIND}' THEN RETURN (SELECT to_jsonb(v)"
                              " FROM central.organization_versions v WHERE v.id = rid::uuid);\n    END IF;\n    RETURN NULL;")
    return found


def _snapshot(with_versions: bool) -> str:
    """sync_snapshot_v2 as c0002 made it, with the versions' kind (after the organizations) or without."""
    c0002 = _module("c0002_snapshot_v2")
    text = c0002._function().replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    if with_versions:
        branch = c0002._branch("central.organization_versions v", "v.id")
        text = text.replace("'organization', 'reference'", f"'organization', '{KIND}', 'reference'")
        text = text.replace("ELSIF k = 'reference'", f"ELSIF k = '{KIND}' THEN {branch}\n        ELSIF k = 'reference'")
    return text


def upgrade() -> None:
    db = _run("SELECT current_database()").fetchone()[0]
    owner, group = f"{db}_sync_owner", f"{db}_window"
    _run(TABLE)
    _run("ALTER TABLE central.organization_versions ENABLE ROW LEVEL SECURITY")
    _run("ALTER TABLE central.organization_versions FORCE ROW LEVEL SECURITY")
    _run(f"GRANT SELECT, INSERT ON central.organization_versions TO {_ident(owner)}")
    _run(f"CREATE POLICY owner_select ON central.organization_versions FOR SELECT TO {_ident(owner)} USING (true)")
    _run(f"CREATE POLICY owner_insert ON central.organization_versions FOR INSERT TO {_ident(owner)} WITH CHECK ({MINE})")
    _run("CREATE TRIGGER log_insert AFTER INSERT ON central.organization_versions REFERENCING NEW TABLE AS changed"
         f" FOR EACH STATEMENT EXECUTE FUNCTION central.log_changed_rows('{KIND}', 'id', '')")
    cur = op.get_bind().connection.dbapi_connection.cursor()
    cur.executemany("INSERT INTO central.column_rules VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [(scope, column, position, kind, length, nullable, required, list(choices) if choices else None,
                      label)
                     for scope, columns in RULES
                     for position, (column, kind, length, nullable, required, choices, label) in enumerate(columns)])
    _run(FUNCTIONS)
    _run(_change_payload(True))
    _run(_snapshot(True))
    _run(f"ALTER FUNCTION sync_api.{SNAPSHOT} SET lock_timeout = '5s'")  # as c0004 set it: a replacement drops it
    _run(f"ALTER FUNCTION central.version_problem(jsonb) OWNER TO {_ident(owner)}")
    _run("REVOKE ALL ON FUNCTION central.version_problem(jsonb) FROM PUBLIC")
    _run(f"ALTER FUNCTION sync_api.{SIGNATURE} OWNER TO {_ident(owner)}")
    _run(f"REVOKE ALL ON FUNCTION sync_api.{SIGNATURE} FROM PUBLIC")
    _run(f"GRANT EXECUTE ON FUNCTION sync_api.{SIGNATURE} TO {_ident(group)}")


def downgrade() -> None:
    _run(_snapshot(False))
    _run(f"ALTER FUNCTION sync_api.{SNAPSHOT} SET lock_timeout = '5s'")
    _run(_change_payload(False))
    _run(f"DROP FUNCTION sync_api.{SIGNATURE}")
    _run("DROP FUNCTION central.version_problem(jsonb)")
    _run("DELETE FROM central.column_rules WHERE scope = ANY(%s)", ([scope for scope, _ in RULES],))
    _run("DELETE FROM central.change_log WHERE kind = %s", (KIND,))
    _run("DROP TABLE central.organization_versions")
    _run("DELETE FROM central.synced_tables WHERE table_name = 'organization_versions'")
