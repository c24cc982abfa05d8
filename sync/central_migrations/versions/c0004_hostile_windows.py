"""careless and hostile windows: every op checked, quotas, a watchdog, closed catalogues

What a window sends is checked in the SECURITY DEFINER functions before anything is stored:
each op's shape, each value's type, length and characters, the registry's enums, and the size
of each payload (``central.column_rules`` holds the rules, a frozen copy of
``models.op_rules``). An op that fails is refused alone, with a Chinese reason the window keeps
as a notice; it never aborts the batch and never reaches the registry. ``sync_push_v2`` takes
the batch as ``json`` rather than ``jsonb``, so that an op holding ``\\u0000`` (which jsonb
cannot hold) is refused alone too; ``sync_push_v1`` answers through it. The payload is kept
once (in ``window_records``), never again in ``received_ops``. A CHECK constraint keeps even
the functions' owner from storing a name index or former names that would break a pull.

A change to an organization another window registered goes to 待复核 whatever row version it
carries.

Quotas (``central.limits``, per window in ``central.windows``): bytes a window may send a day
and in one call, code blocks an hour and codes reserved but not yet used. Timeouts a window
cannot turn off: every sync function has its own ``lock_timeout`` (PostgreSQL reads
``statement_timeout`` only when a statement starts, so a SET clause on a function cannot bound
the call it is in); ``central.end_stuck_windows`` — run every few seconds by
``central watchdog`` — ends window sessions idle in a transaction, or in one (holding back the
pull horizon) longer than the limits, or connected to another database.

Window roles reach the centre's database only through the group's CONNECT (PUBLIC's is
revoked), and can no longer read function sources (``pg_proc.prosrc``, ``pg_get_functiondef``).

Revision ID: c0004
Revises: c0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from alembic import op

revision = "c0004"
down_revision = "c0003"
branch_labels = None
depends_on = None

LOCK_TIMEOUT = "5s"
LIMITS = {"bytes_per_day": 256 * 2**20, "call_bytes": 16 * 2**20, "code_blocks_per_hour": 10,
          "outstanding_codes": 1000, "idle_in_transaction_s": 10, "transaction_s": 120}
PAYLOAD_LIMIT_BYTES = 1 << 20
UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
ENVELOPE = ("window", "op_id", "table_name", "row_id", "op", "row_version", "base_version", "registry_cursor",
            "payload")

# Characters no value may hold (Unicode 14; NUL and surrogates cannot be in PostgreSQL text at all)
REFUSED = (
    ("控制字符", ((0x01, 0x08), (0x0B, 0x1F), (0x7F, 0x9F))),
    ("不可见的格式字符", (
        (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
        (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
        (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
        (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
        (0xE0020, 0xE007F))),
    ("私用区字符", ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))),
)

# (scope, ((column, kind, max length, nullable, required, choices, label), …)) in column order
RULES = (
    ('audit_events', (
        ('seq', 'integer', None, False, False, None, '序号'),
        ('actor', 'text', 64, False, False, None, '操作人'),
        ('action', 'text', 64, False, False, None, '操作'),
        ('record_type', 'text', 64, False, False, None, '对象类别'),
        ('record_id', 'text', 64, False, False, None, '对象编号'),
        ('summary', 'text', 100000, False, False, None, '内容摘要'),
        ('prev_hash', 'text', 64, False, False, None, '前一条摘要'),
        ('hash', 'text', 64, False, False, None, '摘要'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
    ('case_attachments', (
        ('material_id', 'uuid', None, False, False, None, '材料编号'),
        ('original_name', 'text', 255, False, False, None, '原文件名'),
        ('stored_path', 'text', 255, False, False, None, '存放路径'),
        ('sha256', 'text', 64, False, False, None, '文件摘要'),
        ('size_bytes', 'integer', None, False, False, None, '文件大小'),
        ('media_type', 'text', 32, False, False, None, '文件类型'),
        ('added_by', 'text', 64, False, False, None, '添加人'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
    ('case_counters', (
        ('window_code', 'text', 8, False, False, None, '窗口代码'),
        ('year', 'integer', None, False, False, None, '年度'),
        ('last_seq', 'integer', None, False, False, None, '最后流水号'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
    ('case_materials', (
        ('case_id', 'uuid', None, False, False, None, '办件编号'),
        ('position', 'integer', None, False, False, None, '序号'),
        ('item_code', 'text', 16, False, False, None, '材料代码'),
        ('label', 'text', 100, False, False, None, '材料名称'),
        ('received', 'boolean', None, False, False, None, '是否已收'),
        ('received_on', 'date', None, True, False, None, '收件日期'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
    ('case_persons', (
        ('case_id', 'uuid', None, False, False, None, '办件编号'),
        ('position', 'integer', None, False, False, None, '序号'),
        ('name', 'text', 64, False, False, None, '姓名'),
        ('id_number', 'text', 18, False, False, None, '身份证号'),
        ('birth_date', 'date', None, False, False, None, '出生日期'),
        ('phone', 'text', 32, False, False, None, '电话'),
        ('roles', 'text', 64, False, False, None, '身份'),
        ('title', 'text', 32, False, False, None, '拟任职务'),
        ('appointed_on', 'date', None, True, False, None, '任职日期'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
    ('case_scope_items', (
        ('case_id', 'uuid', None, False, False, None, '办件编号'),
        ('position', 'integer', None, False, False, None, '序号'),
        ('catalogue_code', 'text', 16, True, False, None, '目录编码'),
        ('text', 'text', 200, False, False, None, '内容'),
        ('approval_doc_no', 'text', 64, True, False, None, '前置审批文号'),
        ('approval_date', 'date', None, True, False, None, '前置审批日期'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
    ('case_steps', (
        ('case_id', 'uuid', None, False, False, None, '办件编号'),
        ('seq', 'integer', None, False, False, None, '序号'),
        ('action', 'text', 32, False, False, None, '环节操作'),
        ('from_state', 'text', 16, True, False, None, '原环节'),
        ('to_state', 'text', 16, False, False, None, '新环节'),
        ('actor', 'text', 64, False, False, None, '操作人'),
        ('at', 'timestamp', None, False, False, None, '时间'),
        ('note', 'text', 20000, False, False, None, '说明'),
        ('reasons', 'text', 20000, False, False, None, '理由'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
    ('cases', (
        ('case_no', 'text', 40, False, False, None, '办件编号'),
        ('business_type', 'text', 16, False, False, None, '业务类型'),
        ('org_type', 'text', 16, False, False, None, '组织类型'),
        ('state', 'text', 16, False, False, None, '办件状态'),
        ('resume_state', 'text', 16, True, False, None, '补正后返回的环节'),
        ('window_code', 'text', 8, False, False, None, '窗口代码'),
        ('accepted_by', 'text', 64, False, False, None, '受理人'),
        ('accepted_at', 'timestamp', None, False, False, None, '受理时间'),
        ('applicant', 'text', 64, False, False, None, '申请人'),
        ('applicant_phone', 'text', 32, False, False, None, '申请人电话'),
        ('due_date', 'date', None, False, False, None, '承诺办结日期'),
        ('statutory_due_date', 'date', None, False, False, None, '法定办结日期'),
        ('stopped_since', 'date', None, True, False, None, '计时暂停日期'),
        ('stopped_working_days', 'integer', None, False, False, None, '暂停工作日数'),
        ('stopped_calendar_days', 'integer', None, False, False, None, '暂停自然日数'),
        ('name', 'text', 200, False, False, None, '名称'),
        ('address', 'text', 200, False, False, None, '住所'),
        ('street_code', 'text', 9, True, False, None, '街道代码'),
        ('purpose', 'text', 20000, False, False, None, '宗旨'),
        ('activity_area', 'text', 100, False, False, None, '活动地域'),
        ('legal_representative', 'text', 64, False, False, None, '法定代表人'),
        ('funds_yuan', 'integer', None, False, False, None, '注册资金'),
        ('sponsor', 'text', 100, True, False, None, '业务主管单位'),
        ('sponsor_consent_doc_no', 'text', 64, True, False, None, '业务主管单位批准文号'),
        ('sponsor_consent_date', 'date', None, True, False, None, '业务主管单位批准日期'),
        ('direct_category', 'text', 16, True, False, None, '直接登记类别'),
        ('direct_justification', 'text', 20000, True, False, None, '直接登记理由'),
        ('individual_members', 'integer', None, False, False, None, '个人会员数'),
        ('unit_members', 'integer', None, False, False, None, '单位会员数'),
        ('premises_document', 'text', 100, True, False, None, '住所证明文件'),
        ('premises_valid_until', 'date', None, True, False, None, '住所使用期限'),
        ('name_warnings_ack_by', 'text', 64, True, False, None, '名称提示确认人'),
        ('name_warnings_ack_at', 'timestamp', None, True, False, None, '名称提示确认时间'),
        ('organization_id', 'uuid', None, True, False, None, '登记库组织编号'),
        ('credit_code', 'text', 18, True, False, None, '统一社会信用代码'),
        ('approved_by', 'text', 64, True, False, None, '核准人'),
        ('approved_on', 'date', None, True, False, None, '核准日期'),
        ('closed_on', 'date', None, True, False, None, '办结日期'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
    ('organizations', (
        ('name', 'text', 200, False, True, None, '名称'),
        ('org_type', 'text', 16, False, True, ('社会团体', '民办非企业单位', '基金会'), '组织类型'),
        ('status', 'text', 8, False, True, ('正常', '已注销', '已撤销'), '登记状态'),
        ('status_changed_on', 'date', None, True, False, None, '状态变更日期'),
        ('credit_code', 'text', 18, True, False, None, '统一社会信用代码'),
        ('field', 'text', 32, False, True, None, '行(事)业领域'),
        ('form', 'text', 16, False, True, None, '组织形式'),
        ('zihao', 'text', 100, False, True, None, '字号'),
        ('street_code', 'text', 9, True, False, None, '街道代码'),
        ('address', 'text', 200, True, False, None, '住所'),
        ('legal_representative', 'text', 64, True, False, None, '法定代表人'),
        ('sponsor', 'text', 100, True, False, None, '业务主管单位'),
        ('established_on', 'date', None, True, False, None, '成立日期'),
        ('certificate_valid_until', 'date', None, True, False, None, '证书有效期'),
        ('rating', 'text', 4, True, False, None, '评估等级'),
        ('on_abnormal_list', 'boolean', None, False, True, None, '是否列入异常名录'),
        ('on_dishonest_list', 'boolean', None, False, True, None, '是否列入失信名单'),
        ('id', 'uuid', None, False, True, None, '编号'),
        ('created_at', 'timestamp', None, False, True, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, True, None, '修改时间'),
        ('row_version', 'integer', None, False, True, None, '版本号'),
        ('former_names', 'records', None, False, True, None, '曾用名'),
        ('name_index', 'records', None, True, False, None, '名称索引'),
    )),
    ('print_records', (
        ('case_id', 'uuid', None, False, False, None, '办件编号'),
        ('case_no', 'text', 40, False, False, None, '办件编号'),
        ('document', 'text', 16, False, False, None, '文书'),
        ('copy', 'text', 4, False, False, None, '正副本'),
        ('event', 'text', 4, False, False, None, '打印类别'),
        ('copy_number', 'integer', None, False, False, None, '份次'),
        ('printer', 'text', 200, False, False, None, '打印机'),
        ('serial', 'text', 20, True, False, None, '证件印制号'),
        ('reason', 'text', 20000, False, False, None, '原因'),
        ('actor', 'text', 64, False, False, None, '操作人'),
        ('at', 'timestamp', None, False, False, None, '时间'),
        ('voids_id', 'uuid', None, True, False, None, '作废的打印记录'),
        ('voided', 'boolean', None, False, False, None, '是否作废'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
    ('window_keys', (
        ('key_id', 'text', 16, False, True, None, '公钥编号'),
        ('window_code', 'text', 8, False, True, None, '窗口代码'),
        ('public_key', 'text', 64, False, True, None, '公钥'),
        ('id', 'uuid', None, False, True, None, '编号'),
        ('created_at', 'timestamp', None, False, True, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, True, None, '修改时间'),
        ('row_version', 'integer', None, False, True, None, '版本号'),
    )),
    ('organizations.former_names', (
        ('name', 'text', 200, False, True, None, '名称'),
        ('renamed_on', 'date', None, True, True, None, '更名日期'),
    )),
    ('organizations.name_index', (
        ('name', 'text', 200, False, True, None, '名称'),
        ('is_current', 'boolean', None, False, True, None, '是否现名'),
        ('renamed_on', 'date', None, True, True, None, '更名日期'),
        ('org_type', 'text', 16, True, False, ('社会团体', '民办非企业单位', '基金会'), '组织类型'),
        ('compare_key', 'text', 100, False, True, None, '比对字号'),
        ('compare_pinyin', 'text', 400, False, True, None, '比对拼音'),
        ('field', 'text', 32, False, True, None, '行(事)业领域'),
        ('form', 'text', 16, False, True, None, '组织形式'),
    )),
)

TABLES = """
CREATE TABLE central.column_rules (
    scope text NOT NULL,
    column_name text NOT NULL,
    position integer NOT NULL,
    kind text NOT NULL CHECK (kind IN ('text', 'integer', 'boolean', 'date', 'timestamp', 'uuid', 'records')),
    max_length integer,
    nullable boolean NOT NULL,
    required boolean NOT NULL,
    choices text[],
    label text NOT NULL,
    PRIMARY KEY (scope, column_name)
);

CREATE TABLE central.limits (
    id integer PRIMARY KEY CHECK (id = 1),
    bytes_per_day bigint NOT NULL CHECK (bytes_per_day > 0),
    call_bytes bigint NOT NULL CHECK (call_bytes > 0),
    code_blocks_per_hour integer NOT NULL CHECK (code_blocks_per_hour >= 0),
    outstanding_codes integer NOT NULL CHECK (outstanding_codes >= 0),
    idle_in_transaction_s integer NOT NULL CHECK (idle_in_transaction_s > 0),
    transaction_s integer NOT NULL CHECK (transaction_s > 0)
);

ALTER TABLE central.windows
    ADD COLUMN bytes_per_day bigint CHECK (bytes_per_day > 0),
    ADD COLUMN code_blocks_per_hour integer CHECK (code_blocks_per_hour >= 0),
    ADD COLUMN outstanding_codes integer CHECK (outstanding_codes >= 0);

CREATE TABLE central.window_usage (
    window_code text NOT NULL REFERENCES central.windows(code),
    day date NOT NULL,
    bytes_received bigint NOT NULL DEFAULT 0,
    calls integer NOT NULL DEFAULT 0,
    PRIMARY KEY (window_code, day)
);

ALTER TABLE central.received_ops ADD COLUMN payload_size integer;
CREATE INDEX ix_central_organizations_origin ON central.organizations (origin_window) WHERE origin_window IS NOT NULL;
"""

# (table, privileges of the function owner, policies) as in c0001
MINE = "window_code = (SELECT central.current_window())"
NEW_TABLES = (
    ("column_rules", "SELECT", (("SELECT", "true", None),)),
    ("limits", "SELECT", (("SELECT", "true", None),)),
    ("window_usage", "SELECT, INSERT, UPDATE", (("SELECT", MINE, None), ("INSERT", None, MINE),
                                                ("UPDATE", MINE, MINE))),
)


def _class(ranges) -> str:
    def ch(code: int) -> str:
        return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"

    return "".join(ch(a) if a == b else f"{ch(a)}-{ch(b)}" for a, b in ranges)


TABLES_SYNCED = sorted(scope for scope, _ in RULES if "." not in scope)  # central.synced_tables
ALL_REFUSED = "[" + "".join(_class(r) for _, r in REFUSED) + "]"
CONTROL = "[" + _class(REFUSED[0][1]) + "]"
PRIVATE = "[" + _class(REFUSED[2][1]) + "]"

CHECKS = rf"""
-- what a refused character is, named as models.op_rules names it. These checks are STABLE, never
-- IMMUTABLE (format() is STABLE), and have no FROM, so that the planner inlines them.
CREATE FUNCTION central.refused_name(c text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT format('含有%s（U+%s）', CASE WHEN c ~ '{CONTROL}' THEN '控制字符' WHEN c ~ '{PRIVATE}' THEN '私用区字符'
                                         ELSE '不可见的格式字符' END,
                  lpad(upper(to_hex(ascii(c))), greatest(4, length(to_hex(ascii(c)))), '0'))
$$;

CREATE FUNCTION central.refused_character(t text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t ~ '{ALL_REFUSED}' THEN central.refused_name(substring(t FROM '{ALL_REFUSED}')) END
$$;

CREATE FUNCTION central.is_date(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t IS NULL OR t !~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN false
                WHEN substr(t, 1, 4)::int < 1 OR substr(t, 6, 2)::int NOT BETWEEN 1 AND 12 THEN false
                ELSE substr(t, 9, 2)::int BETWEEN 1 AND extract(day FROM make_date(substr(t, 1, 4)::int,
                                                   substr(t, 6, 2)::int, 1) + interval '1 month - 1 day')::int END
$$;

CREATE FUNCTION central.is_timestamp(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t IS NULL OR t !~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\.[0-9]{{1,6}})?$'
                THEN false
                ELSE central.is_date(left(t, 10)) AND substr(t, 12, 2)::int < 24 AND substr(t, 15, 2)::int < 60
                     AND substr(t, 18, 2)::int < 60 END
$$;

-- an integer of at most 18 digits as a JSON number, else NULL
CREATE FUNCTION central.json_int(v jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(v) = 'number' AND v::text ~ '^-?[0-9]{{1,18}}$' THEN v::text::bigint END
$$;

CREATE FUNCTION central.text_problem(label text, t text, max_length integer, choices text[]) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN max_length IS NOT NULL AND char_length(t) > max_length
            THEN format('%s超过 %s 个字符（现有 %s 个）', label, max_length, char_length(t))
        WHEN t ~ '{ALL_REFUSED}' THEN label || central.refused_name(substring(t FROM '{ALL_REFUSED}'))
        WHEN choices IS NOT NULL AND NOT t = ANY (choices)
            THEN format('%s“%s”不是可选的值（%s）', label, t, array_to_string(choices, '、'))
    END
$$;

-- a field the centre has no rule for (a newer window's column): a plain value, checked as text
CREATE FUNCTION central.unknown_problem(key text, v jsonb) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN key !~ '^[a-z_][a-z0-9_]{{0,62}}$' THEN '字段名' || coalesce(central.refused_character(key), '不对')
        WHEN jsonb_typeof(v) = 'string' THEN central.text_problem(format('字段“%s”', key), v #>> '{{}}', 20000, NULL)
        WHEN jsonb_typeof(v) IN ('null', 'boolean', 'number') THEN NULL
        ELSE format('字段“%s”应为文字、数字或 true/false', key)
    END
$$;

CREATE FUNCTION central.records_problem(scope text, label text, v jsonb) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    e jsonb;
    n integer := 0;
    p text;
BEGIN
    IF jsonb_typeof(v) <> 'array' THEN
        RETURN label || '应为列表';
    END IF;
    FOR e IN SELECT x FROM jsonb_array_elements(v) x LOOP
        n := n + 1;
        IF jsonb_typeof(e) <> 'object' THEN
            RETURN format('%s第 %s 项应为对象', label, n);
        END IF;
        p := central.object_problem(scope, e);
        IF p IS NOT NULL THEN
            RETURN format('%s第 %s 项：%s', label, n, p);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION central.value_problem(r central.column_rules, v jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN jsonb_typeof(v) = 'null' THEN CASE WHEN r.nullable THEN NULL ELSE r.label || '不能为空' END
        WHEN r.kind = 'text' THEN CASE WHEN jsonb_typeof(v) <> 'string' THEN r.label || '应为文字'
                                       ELSE central.text_problem(r.label, v #>> '{{}}', r.max_length, r.choices) END
        WHEN r.kind = 'integer' THEN CASE WHEN central.json_int(v) IS NULL THEN r.label || '应为整数' END
        WHEN r.kind = 'boolean' THEN CASE WHEN jsonb_typeof(v) <> 'boolean' THEN r.label || '应为 true 或 false' END
        WHEN r.kind = 'date' THEN CASE WHEN jsonb_typeof(v) <> 'string' OR NOT central.is_date(v #>> '{{}}')
                                       THEN r.label || '应为日期（YYYY-MM-DD）' END
        WHEN r.kind = 'timestamp' THEN CASE WHEN jsonb_typeof(v) <> 'string' OR NOT central.is_timestamp(v #>> '{{}}')
                                            THEN r.label || '应为时间（YYYY-MM-DDTHH:MM:SS）' END
        WHEN r.kind = 'uuid' THEN CASE WHEN jsonb_typeof(v) <> 'string' OR (v #>> '{{}}') !~ '{UUID}'
                                       THEN r.label || '应为编号（UUID）' END
        ELSE central.records_problem(r.scope || '.' || r.column_name, r.label, v)
    END
$$;

-- the first problem of a record of ``scope``: unknown fields (in jsonb's key order), then the known
-- ones in column order, then the required ones it lacks
CREATE FUNCTION central.object_problem(scope text, obj jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT x.p FROM (
        SELECT 1 AS prio, k.n AS pos, central.unknown_problem(k.key, k.value) AS p
          FROM jsonb_each(obj) WITH ORDINALITY AS k(key, value, n)
         WHERE NOT EXISTS (SELECT 1 FROM central.column_rules r WHERE r.scope = $1 AND r.column_name = k.key)
        UNION ALL
        SELECT 2, r.position, central.value_problem(r, obj -> r.column_name)
          FROM central.column_rules r WHERE r.scope = $1 AND obj ? r.column_name
        UNION ALL
        SELECT 3, r.position, '缺少' || r.label
          FROM central.column_rules r WHERE r.scope = $1 AND r.required AND NOT obj ? r.column_name
    ) x WHERE x.p IS NOT NULL ORDER BY x.prio, x.pos LIMIT 1
$$;

-- why an op cannot be taken, leaving its payload's values aside (models.op_rules.envelope_problem);
-- no sub-select, so that the planner inlines it
CREATE FUNCTION central.envelope_problem(o jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN jsonb_typeof(o) IS DISTINCT FROM 'object' THEN '操作应为 JSON 对象'
        WHEN (o - ARRAY{list(ENVELOPE)}) <> '{{}}'::jsonb THEN '操作中有不认识的项'
        WHEN jsonb_typeof(o -> 'op_id') IS DISTINCT FROM 'string' OR (o ->> 'op_id') !~ '{UUID}' THEN '操作编号应为 UUID'
        WHEN jsonb_typeof(o -> 'table_name') IS DISTINCT FROM 'string'
             OR (o ->> 'table_name') <> ALL (ARRAY{TABLES_SYNCED}) THEN '数据表不是同步的数据表'
        WHEN jsonb_typeof(o -> 'row_id') IS DISTINCT FROM 'string' OR (o ->> 'row_id') !~ '{UUID}' THEN '记录编号应为 UUID'
        WHEN jsonb_typeof(o -> 'op') IS DISTINCT FROM 'string' OR (o ->> 'op') NOT IN ('insert', 'update', 'delete')
            THEN '操作类别应为 insert、update 或 delete'
        WHEN NOT coalesce(central.json_int(o -> 'row_version') BETWEEN 1 AND 2147483647, false) THEN '版本号应为正整数'
        WHEN NOT coalesce(central.json_int(o -> 'base_version') BETWEEN 0 AND central.json_int(o -> 'row_version'), false)
            THEN '依据的版本号应为 0 至版本号之间的整数'
        WHEN coalesce(jsonb_typeof(o -> 'registry_cursor'), 'null') <> 'null'
             AND (jsonb_typeof(o -> 'registry_cursor') <> 'string'
                  OR (o ->> 'registry_cursor') !~ '^[0-9]{{1,20}}:[0-9]{{1,19}}$') THEN '登记库位置格式不对'
        WHEN o ->> 'op' = 'delete' THEN CASE WHEN coalesce(jsonb_typeof(o -> 'payload'), 'null') <> 'null'
                                             THEN '删除操作不能带数据' END
        WHEN jsonb_typeof(o -> 'payload') IS DISTINCT FROM 'object' THEN '数据应为 JSON 对象'
        WHEN pg_column_size(o -> 'payload') > {PAYLOAD_LIMIT_BYTES // 8}  -- smaller ones are not printed to be measured
             AND octet_length((o -> 'payload')::text) > {PAYLOAD_LIMIT_BYTES}
            THEN format('数据超过 {PAYLOAD_LIMIT_BYTES} 字节的上限（%s 字节）', octet_length((o -> 'payload')::text))
        WHEN (o -> 'payload' -> 'id') IS DISTINCT FROM (o -> 'row_id') THEN '数据中的编号与记录编号不符'
        WHEN o -> 'payload' ? 'row_version' AND (o -> 'payload' -> 'row_version') IS DISTINCT FROM (o -> 'row_version')
            THEN '数据中的版本号与操作不符'
    END
$$;

-- the first problem of each op of a batch that has one (models.op_rules.op_problem), all ops in one
-- query: the envelope, then the payload's fields as central.object_problem orders them
CREATE FUNCTION central.op_problems(doc jsonb) RETURNS TABLE (ord bigint, problem text)
LANGUAGE sql STABLE AS $$
    WITH e AS (
        SELECT x.ord, x.v, central.envelope_problem(x.v) AS p
          FROM jsonb_array_elements(doc) WITH ORDINALITY AS x(v, ord)
    ), payloads AS (
        SELECT e.ord, e.v ->> 'table_name' AS scope, e.v -> 'payload' AS obj
          FROM e WHERE e.p IS NULL AND jsonb_typeof(e.v -> 'payload') = 'object'
    ), fields AS (
        SELECT y.ord, CASE WHEN r.column_name IS NULL THEN 1 ELSE 2 END AS prio, coalesce(r.position, k.n) AS pos,
               CASE WHEN r.column_name IS NULL THEN central.unknown_problem(k.key, k.value)
                    ELSE central.value_problem(r, k.value) END AS p
          FROM payloads y CROSS JOIN LATERAL jsonb_each(y.obj) WITH ORDINALITY AS k(key, value, n)
          LEFT JOIN central.column_rules r ON r.scope = y.scope AND r.column_name = k.key
        UNION ALL
        SELECT y.ord, 3, r.position, '缺少' || r.label
          FROM payloads y JOIN central.column_rules r ON r.scope = y.scope AND r.required
         WHERE NOT y.obj ? r.column_name
    )
    SELECT e.ord, e.p FROM e WHERE e.p IS NOT NULL
    UNION ALL
    SELECT * FROM (SELECT DISTINCT ON (f.ord) f.ord, f.p FROM fields f WHERE f.p IS NOT NULL
                    ORDER BY f.ord, f.prio, f.pos) first
$$;

-- the name index and former names as every window's pull reads them (a CHECK constraint)
CREATE FUNCTION central.name_entries_ok(entries jsonb, is_index boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT entries IS NULL OR jsonb_typeof(entries) = 'null' AND is_index OR jsonb_typeof(entries) = 'array' AND NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(entries) e WHERE NOT coalesce(
            jsonb_typeof(e) = 'object' AND jsonb_typeof(e -> 'name') = 'string'
            AND CASE jsonb_typeof(e -> 'renamed_on') WHEN 'string' THEN central.is_date(e ->> 'renamed_on')
                                                     WHEN 'null' THEN true ELSE e -> 'renamed_on' IS NULL END
            AND (NOT is_index OR jsonb_typeof(e -> 'is_current') = 'boolean'
                 AND coalesce(jsonb_typeof(e -> 'org_type'), 'null') IN ('null', 'string')
                 AND jsonb_typeof(e -> 'compare_key') = 'string' AND jsonb_typeof(e -> 'compare_pinyin') = 'string'
                 AND jsonb_typeof(e -> 'field') = 'string' AND jsonb_typeof(e -> 'form') = 'string'), false))
$$;
"""

PUSH = rf"""
-- one head field (op id, table, row id, op) of an op jsonb cannot read (it holds \u0000): json
-- cannot extract any field of such an object either, so the field's plain text is looked for
CREATE FUNCTION central.json_field(e json, k text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT substring(e::text FROM '"' || k || '"\s*:\s*"([^"\\]{{0,64}})"')
$$;

-- a batch jsonb cannot take whole, element by element: each unreadable op becomes NULL in ``doc``,
-- and its readable head fields and the reason go to ``unreadable`` under its position
CREATE FUNCTION central.readable_ops(ops json, OUT doc jsonb, OUT unreadable jsonb)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    e json;
    n bigint := 0;
    parts jsonb[] := '{{}}';
BEGIN
    unreadable := '{{}}';
    FOR e IN SELECT x FROM json_array_elements(ops) x LOOP
        n := n + 1;
        BEGIN
            parts := parts || e::jsonb;
        EXCEPTION WHEN untranslatable_character OR invalid_text_representation THEN
            parts := parts || 'null'::jsonb;
            unreadable := unreadable || jsonb_build_object(n::text, jsonb_build_object(
                'op_id', central.json_field(e, 'op_id'), 'table_name', central.json_field(e, 'table_name'),
                'row_id', central.json_field(e, 'row_id'), 'op', central.json_field(e, 'op'),
                'reason', CASE WHEN strpos(e::text, E'\\u0000') > 0 THEN '含有空字符（U+0000），数据库不能保存'
                               ELSE '含有数据库不能保存的字符（不成对的代理项）' END));
        END;
    END LOOP;
    doc := to_jsonb(parts);
END $$;

-- the refused ops (``verdicts``: position → reason) with their head fields as far as they are sound,
-- for the answer and the log of received ops (unsound fields are left empty)
CREATE FUNCTION central.refused_heads(doc jsonb, unreadable jsonb, verdicts jsonb)
RETURNS TABLE (ord bigint, reason text, op_id text, op_uuid uuid, table_name text, row_id text, op text,
               row_version integer, base_version integer)
LANGUAGE sql STABLE SET search_path = pg_catalog, central, pg_temp AS $$
    SELECT e.ord, verdicts ->> e.ord::text, left(h ->> 'op_id', 64), CASE WHEN (h ->> 'op_id') ~ '{UUID}' THEN (h ->> 'op_id')::uuid END,
           CASE WHEN EXISTS (SELECT 1 FROM central.synced_tables s WHERE s.table_name = h ->> 'table_name')
                THEN h ->> 'table_name' ELSE '' END,
           CASE WHEN (h ->> 'row_id') ~ '{UUID}' THEN h ->> 'row_id' ELSE '' END,
           CASE WHEN (h ->> 'op') IN ('insert', 'update', 'delete') THEN h ->> 'op' ELSE '' END,
           CASE WHEN central.json_int(h -> 'row_version') BETWEEN 0 AND 2147483647
                THEN central.json_int(h -> 'row_version')::integer END,
           CASE WHEN central.json_int(h -> 'base_version') BETWEEN 0 AND 2147483647
                THEN central.json_int(h -> 'base_version')::integer END
      FROM jsonb_array_elements(doc) WITH ORDINALITY AS e(v, ord)
      CROSS JOIN LATERAL (SELECT coalesce(unreadable -> e.ord::text, e.v) AS h) x
     WHERE verdicts ? e.ord::text
$$;

-- what a window sent, counted against its quota whatever becomes of it; the reason the call is
-- refused whole (over the quota of the day, or bigger than one call may be), else NULL
CREATE FUNCTION central.count_received(w text, bytes bigint) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    lim central.limits;
    quota bigint;
    total bigint;
BEGIN
    SELECT * INTO lim FROM central.limits l WHERE l.id = 1;
    SELECT coalesce(x.bytes_per_day, lim.bytes_per_day) INTO quota FROM central.windows x WHERE x.code = w;
    INSERT INTO central.window_usage AS u (window_code, day, bytes_received, calls) VALUES (w, current_date, bytes, 1)
    ON CONFLICT (window_code, day) DO UPDATE
       SET bytes_received = u.bytes_received + excluded.bytes_received, calls = u.calls + 1
    RETURNING u.bytes_received INTO total;
    IF bytes > lim.call_bytes THEN
        RETURN format('本次上传超过中心对一次上传的上限（%s 字节，本次 %s 字节）', lim.call_bytes, bytes);
    END IF;
    IF total > quota THEN
        RETURN format('本窗口今日上传量已达中心设定的上限（%s），未上传的记录留在本窗口，明天再同步即可；'
                      '如需提高上限，请联系中心管理员（central limits）',
                      CASE WHEN quota >= 1048576 THEN round(quota / 1048576.0) || ' MB' ELSE quota || ' 字节' END);
    END IF;
    RETURN NULL;
END $$;

-- a window's proposal for the registry; a change to an organization another window registered
-- goes to 待复核 whatever row version it carries, and every window gets the centre's version again
CREATE FUNCTION central.propose_organization(w text, op_id uuid, row_id text, base_version integer, kind text,
                                             payload jsonb, cursor_text text, OUT status text, OUT reason text)
LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE cur central.organizations;
BEGIN
    IF kind <> 'delete' THEN
        SELECT * INTO cur FROM central.organizations o WHERE o.id = row_id::uuid FOR UPDATE;
        IF cur.origin_window IS NOT NULL AND cur.origin_window <> w THEN
            reason := format('该组织由窗口 %s 登记，其他窗口对它的变更须经中心复核', cur.origin_window);
            PERFORM central.hold_for_review(w, op_id, row_id, payload, cursor_text, reason, cur);
            -- the proposing window changed its copy already: the centre's version goes down again
            INSERT INTO central.change_log (kind, row_id) VALUES ('organization', cur.id::text);
            status := 'review';
            RETURN;
        END IF;
    END IF;
    SELECT a.status, a.reason INTO status, reason
      FROM central.apply_organization_op(w, op_id, row_id, base_version, kind, payload, cursor_text) a;
END $$;

-- Push (上传), v2: ops in the order the window made them, as json (an op holding \u0000, which
-- jsonb cannot hold, is refused alone). Every op is checked (central.op_problems) before anything
-- is stored; a refused op is answered 'rejected' with its reason and kept without its payload, so
-- that a replay gets the same answer. (window, op id) is unique: a replayed op gets its earlier
-- result. A call over the window's quota is refused whole: nothing of it is taken, and the answer
-- says why under 'refused'.
CREATE FUNCTION sync_api.sync_push_v2(ops json) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp SET lock_timeout = '{LOCK_TIMEOUT}' AS $$
DECLARE
    w text := central.require_window();
    doc jsonb;
    unreadable jsonb := '{{}}';
    verdicts jsonb;
    refusal text;
    o record;
    res record;
    answered bigint;
    expected bigint;
    problems jsonb;
BEGIN
    IF json_typeof(ops) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'ops 应为 JSON 数组' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    refusal := central.count_received(w, octet_length(ops::text));
    IF refusal IS NOT NULL THEN
        RETURN jsonb_build_object('window', w, 'answered', 0, 'problems', '[]'::jsonb, 'refused', refusal);
    END IF;
    BEGIN
        doc := ops::jsonb;
    EXCEPTION WHEN untranslatable_character OR invalid_text_representation THEN
        SELECT r.doc, r.unreadable INTO doc, unreadable FROM central.readable_ops(ops) r;
    END;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(doc) e
                WHERE jsonb_typeof(e) = 'object' AND e ->> 'window' IS DISTINCT FROM w) THEN
        RAISE EXCEPTION '操作署名的窗口与登录身份（窗口 %）不符', w USING ERRCODE = 'insufficient_privilege';
    END IF;

    SELECT coalesce(jsonb_object_agg(x.ord::text, x.problem), '{{}}') INTO verdicts
      FROM (SELECT c.ord, c.problem FROM central.op_problems(doc) c
             WHERE NOT unreadable ? c.ord::text
             UNION ALL
            SELECT u.key::bigint, u.value ->> 'reason' FROM jsonb_each(unreadable) u) x;

    -- refused ops: answered, and kept without their payload
    INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version, op,
                                      status, reason)
    SELECT DISTINCT ON (h.op_uuid) w, h.op_uuid, h.table_name, h.row_id, h.row_version, h.base_version, h.op,
           'rejected', h.reason
      FROM central.refused_heads(doc, unreadable, verdicts) h
     WHERE h.op_uuid IS NOT NULL
     ORDER BY h.op_uuid, h.ord
    ON CONFLICT (window_code, op_id) DO NOTHING;

    -- rows of window-owned tables: set-based; the payload is kept once, in window_records
    WITH incoming AS (
        SELECT DISTINCT ON ((e.v ->> 'op_id')::uuid) (e.v ->> 'op_id')::uuid AS op_id, e.v ->> 'table_name' AS table_name,
               e.v ->> 'row_id' AS row_id, (e.v ->> 'row_version')::integer AS row_version,
               (e.v ->> 'base_version')::integer AS base_version, e.v ->> 'op' AS op, e.v -> 'payload' AS payload
          FROM jsonb_array_elements(doc) WITH ORDINALITY AS e(v, ord)
         WHERE NOT verdicts ? e.ord::text AND e.v ->> 'table_name' NOT IN ('organizations', 'window_keys')
           AND NOT EXISTS (SELECT 1 FROM central.received_ops r
                            WHERE r.window_code = w AND r.op_id = (e.v ->> 'op_id')::uuid)
         ORDER BY (e.v ->> 'op_id')::uuid, e.ord
    ), logged AS (
        INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version, op,
                                          payload_size, status)
        SELECT w, i.op_id, i.table_name, i.row_id, i.row_version, i.base_version, i.op, pg_column_size(i.payload),
               'accepted'
          FROM incoming i
        RETURNING op_id
    )
    INSERT INTO central.window_records AS wr (window_code, table_name, row_id, row_version, deleted, payload)
    SELECT DISTINCT ON (i.table_name, i.row_id) w, i.table_name, i.row_id, i.row_version, i.op = 'delete', i.payload
      FROM incoming i JOIN logged l ON l.op_id = i.op_id
     ORDER BY i.table_name, i.row_id, i.row_version DESC
    ON CONFLICT (window_code, table_name, row_id) DO UPDATE
       SET row_version = excluded.row_version, deleted = excluded.deleted, payload = excluded.payload,
           updated_at = now()
     WHERE wr.row_version <= excluded.row_version;

    -- proposals for the registry and window keys: one by one, in order
    FOR o IN
        SELECT (e.v ->> 'op_id')::uuid AS op_id, e.v ->> 'table_name' AS table_name, e.v ->> 'row_id' AS row_id,
               (e.v ->> 'row_version')::integer AS row_version, (e.v ->> 'base_version')::integer AS base_version,
               e.v ->> 'op' AS op, e.v -> 'payload' AS payload, e.v ->> 'registry_cursor' AS registry_cursor
          FROM jsonb_array_elements(doc) WITH ORDINALITY AS e(v, ord)
         WHERE NOT verdicts ? e.ord::text AND e.v ->> 'table_name' IN ('organizations', 'window_keys')
         ORDER BY e.ord
    LOOP
        INSERT INTO central.received_ops (window_code, op_id, table_name, row_id, row_version, base_version,
                                          op, payload_size, status)
        VALUES (w, o.op_id, o.table_name, o.row_id, o.row_version, o.base_version, o.op,
                pg_column_size(o.payload), 'pending')
        ON CONFLICT (window_code, op_id) DO NOTHING;
        CONTINUE WHEN NOT FOUND;  -- a replay: the earlier result stands
        IF o.table_name = 'organizations' THEN
            res := central.propose_organization(w, o.op_id, o.row_id, o.base_version, o.op, o.payload,
                                                o.registry_cursor);
        ELSE
            res := central.apply_window_key_op(w, o.row_id, o.op, o.payload);
        END IF;
        UPDATE central.received_ops r SET status = res.status, reason = res.reason
         WHERE r.window_code = w AND r.op_id = o.op_id;
    END LOOP;

    -- the answer: every op's result (an op without a sound op id is answered from its check alone)
    WITH refused AS (
        SELECT * FROM central.refused_heads(doc, unreadable, verdicts)
    ), ids AS (
        SELECT (e.v ->> 'op_id')::uuid AS op_id FROM jsonb_array_elements(doc) WITH ORDINALITY AS e(v, ord)
         WHERE NOT verdicts ? e.ord::text
        UNION
        SELECT r.op_uuid FROM refused r WHERE r.op_uuid IS NOT NULL
    ), recorded AS (
        SELECT r.op_id, r.table_name, r.row_id, r.status, r.reason
          FROM ids JOIN central.received_ops r ON r.window_code = w AND r.op_id = ids.op_id
    )
    SELECT (SELECT count(*) FROM recorded) + (SELECT count(*) FROM refused WHERE op_uuid IS NULL),
           (SELECT count(*) FROM ids) + (SELECT count(*) FROM refused WHERE op_uuid IS NULL),
           (SELECT coalesce(jsonb_agg(p), '[]'::jsonb) FROM (
                SELECT jsonb_build_object('op_id', r.op_id, 'table_name', r.table_name, 'row_id', r.row_id,
                                          'status', r.status, 'reason', r.reason) AS p
                  FROM recorded r WHERE r.status <> 'accepted'
                UNION ALL
                SELECT jsonb_build_object('op_id', h.op_id, 'table_name', NULL, 'row_id', NULL, 'status', 'rejected',
                                          'reason', h.reason)
                  FROM refused h WHERE h.op_uuid IS NULL) x)
      INTO answered, expected, problems;
    IF answered <> expected THEN
        RAISE EXCEPTION '部分操作没有得到处理结果' USING ERRCODE = 'internal_error';
    END IF;
    RETURN jsonb_build_object('window', w, 'answered', answered, 'problems', problems);
END $$;

-- v1 answers through v2; a call v2 refuses whole is an error here, so that a window of an older
-- version keeps its ops queued instead of taking the empty answer as an acknowledgement
CREATE OR REPLACE FUNCTION sync_api.sync_push_v1(ops jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE answer jsonb := sync_api.sync_push_v2(ops::json);
BEGIN
    IF answer ? 'refused' THEN
        RAISE EXCEPTION '%', answer ->> 'refused' USING ERRCODE = 'SRQ03';
    END IF;
    RETURN answer;
END $$;
"""

CODES = r"""
-- codes reserved for window ``w`` that no organization it registered carries yet
CREATE FUNCTION central.outstanding_codes(w text, pool central.code_pool) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, central, pg_temp AS $$
    WITH blocks AS (
        SELECT b.count, b.first_body,
               CASE WHEN left(b.first_body, length(pool.stem)) = pool.stem
                         AND substr(b.first_body, length(pool.stem) + 1) ~ '^[0-9]{1,18}$'
                    THEN pool.stem || lpad((substr(b.first_body, length(pool.stem) + 1)::bigint + b.count - 1)::text,
                                           pool.width, '0')
                    ELSE b.first_body END AS last_body
          FROM central.code_blocks b WHERE b.window_code = w
    )
    SELECT coalesce((SELECT sum(count) FROM blocks), 0)
         - (SELECT count(*) FROM central.organizations o JOIN blocks b
                ON substr(o.credit_code, 9, 8) BETWEEN b.first_body AND b.last_body
             WHERE o.origin_window = w AND length(o.credit_code) = 18)
$$;

-- A block of organization codes (组织机构代码号段) for the calling window alone, within the
-- centre's limits: codes reserved but not used yet, and blocks an hour.
CREATE OR REPLACE FUNCTION sync_api.reserve_code_block_v1(n integer) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    w text := central.require_window();
    pool central.code_pool;
    block central.code_blocks;
    lim central.limits;
    cap integer;
    per_hour integer;
    outstanding bigint;
    recent integer;
BEGIN
    IF n IS NULL OR n < 1 OR n > 100000 THEN
        RAISE EXCEPTION '号段数量应在 1 至 100000 之间' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO pool FROM central.code_pool p WHERE p.id = 1 FOR UPDATE;  -- one reservation at a time
    IF pool.id IS NULL THEN
        RAISE EXCEPTION '中心尚未设定组织机构代码号段池' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT * INTO lim FROM central.limits l WHERE l.id = 1;
    SELECT coalesce(x.outstanding_codes, lim.outstanding_codes), coalesce(x.code_blocks_per_hour, lim.code_blocks_per_hour)
      INTO cap, per_hour FROM central.windows x WHERE x.code = w;
    outstanding := central.outstanding_codes(w, pool);
    IF outstanding + n > cap THEN
        RAISE EXCEPTION '本窗口尚未使用的组织机构代码已有 % 个，再申领 % 个将超过中心设定的上限 % 个：请先用完已有的代码，或请中心管理员调整（central limits）。',
            outstanding, n, cap USING ERRCODE = 'SRQ01';
    END IF;
    SELECT count(*) INTO recent FROM central.code_blocks b
     WHERE b.window_code = w AND b.reserved_at > now() - interval '1 hour';
    IF recent >= per_hour THEN
        RAISE EXCEPTION '本窗口一小时内已申领 % 个号段，达到中心设定的上限：请稍后再申领，或请中心管理员调整（central limits）。',
            recent USING ERRCODE = 'SRQ02';
    END IF;
    UPDATE central.code_pool p SET next_number = p.next_number + n WHERE p.id = 1 RETURNING * INTO pool;
    IF pool.next_number - 1 >= 10 ^ pool.width THEN
        RAISE EXCEPTION '中心的组织机构代码号段池已用完' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    INSERT INTO central.code_blocks (window_code, first_body, count)
    VALUES (w, pool.stem || lpad((pool.next_number - n)::text, pool.width, '0'), n)
    RETURNING * INTO block;
    RETURN to_jsonb(block);
END $$;
"""

WATCHDOG = r"""
-- The watchdog's sweep (run by ``central watchdog`` as the administrator): end every session of a
-- window role that is idle in a transaction, or in one (holding back the pull horizon and VACUUM),
-- longer than the limits, or connected to another database; return what it ended and why.
CREATE FUNCTION central.end_stuck_windows() RETURNS TABLE (pid integer, role text, database text, reason text)
LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    lim central.limits;
    s record;
BEGIN
    SELECT * INTO lim FROM central.limits l WHERE l.id = 1;
    FOR s IN
        SELECT a.pid, a.usename::text AS role, a.datname::text AS database, CASE
                   WHEN a.datname IS DISTINCT FROM current_database() THEN '连接了中心以外的数据库'
                   WHEN a.state LIKE 'idle in transaction%'
                        AND now() - a.state_change > lim.idle_in_transaction_s * interval '1 second'
                       THEN format('事务空闲超过 %s 秒', lim.idle_in_transaction_s)
                   WHEN now() - a.xact_start > lim.transaction_s * interval '1 second'
                       THEN format('事务持续超过 %s 秒，阻碍各窗口下载更新', lim.transaction_s)
               END AS reason
          FROM pg_stat_activity a
         WHERE a.pid <> pg_backend_pid()
           AND a.usesysid IN (SELECT m.member FROM pg_auth_members m
                               WHERE m.roleid = to_regrole(quote_ident(current_database() || '_window')))
    LOOP
        CONTINUE WHEN s.reason IS NULL;
        IF pg_terminate_backend(s.pid) THEN
            pid := s.pid; role := s.role; database := s.database; reason := s.reason;
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;
"""

# internal functions the SECURITY DEFINER functions call: owned by the functions' owner
INTERNAL = ("refused_name(text)", "refused_character(text)", "is_date(text)", "is_timestamp(text)", "json_int(jsonb)",
            "text_problem(text, text, integer, text[])", "unknown_problem(text, jsonb)",
            "value_problem(central.column_rules, jsonb)", "object_problem(text, jsonb)",
            "records_problem(text, text, jsonb)", "envelope_problem(jsonb)", "op_problems(jsonb)",
            "name_entries_ok(jsonb, boolean)", "json_field(json, text)", "readable_ops(json)",
            "refused_heads(jsonb, jsonb, jsonb)", "count_received(text, bigint)",
            "propose_organization(text, uuid, text, integer, text, jsonb, text)",
            "outstanding_codes(text, central.code_pool)")
API = ("sync_push_v1(jsonb)", "sync_push_v2(json)", "sync_whoami_v1()", "sync_pull_v1(text, bigint, integer)",
       "sync_cursor_now_v1()", "sync_snapshot_v1(text, text, integer)", "sync_snapshot_v2(text, text, integer)",
       "sync_registry_digest_v1(text, bigint)", "reserve_code_block_v1(integer)", "sync_records_v1(text, text[])")
SOURCE_COLUMNS = ("prosrc", "probin", "prosqlbody")
SOURCE_FUNCTIONS = ("pg_get_functiondef(oid)", "pg_get_function_sqlbody(oid)")

REPAIR = """
-- a name index that would break a pull is dropped (windows compute it themselves); former names
-- keep only their sound entries
UPDATE central.organizations SET name_index = NULL WHERE NOT central.name_entries_ok(name_index, true);
UPDATE central.organizations o SET former_names = coalesce((
    SELECT jsonb_agg(e ORDER BY n) FROM jsonb_array_elements(CASE WHEN jsonb_typeof(o.former_names) = 'array'
                                                                  THEN o.former_names ELSE '[]' END)
                                         WITH ORDINALITY AS x(e, n)
     WHERE central.name_entries_ok(jsonb_build_array(e), false)), '[]')
 WHERE NOT central.name_entries_ok(former_names, false);
ALTER TABLE central.organizations ADD CONSTRAINT organizations_names_readable
    CHECK (central.name_entries_ok(former_names, false) AND central.name_entries_ok(name_index, true));
"""


def _run(sql: str, params: tuple | None = None):
    cur = op.get_bind().connection.dbapi_connection.cursor()
    cur.execute(sql, params)
    return cur


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _roles() -> tuple[str, str, str]:
    db = _run("SELECT current_database()").fetchone()[0]
    return db, f"{db}_sync_owner", f"{db}_window"


def _source_functions() -> list[str]:
    return [f for f in SOURCE_FUNCTIONS if _run("SELECT to_regprocedure(%s)", (f,)).fetchone()[0]]


def upgrade() -> None:
    db, owner, group = _roles()
    _run(TABLES)
    _run("INSERT INTO central.limits (id, " + ", ".join(LIMITS) + ") VALUES (1, "
         + ", ".join(str(v) for v in LIMITS.values()) + ")")
    cur = op.get_bind().connection.dbapi_connection.cursor()
    cur.executemany("INSERT INTO central.column_rules VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [(scope, column, position, kind, length, nullable, required, list(choices) if choices else None,
                      label)
                     for scope, columns in RULES
                     for position, (column, kind, length, nullable, required, choices, label) in enumerate(columns)])
    for table, privileges, policies in NEW_TABLES:
        _run(f"ALTER TABLE central.{table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE central.{table} FORCE ROW LEVEL SECURITY")
        _run(f"GRANT {privileges} ON central.{table} TO {_ident(owner)}")
        for command, using, check in policies:
            clause = (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else "")
            _run(f"CREATE POLICY owner_{command.lower()} ON central.{table} FOR {command} TO {_ident(owner)}{clause}")
    _run(CHECKS)
    _run(PUSH)
    _run(CODES)
    _run(WATCHDOG)
    _run("REVOKE ALL ON FUNCTION central.end_stuck_windows() FROM PUBLIC")
    for signature in INTERNAL:
        _run(f"ALTER FUNCTION central.{signature} OWNER TO {_ident(owner)}")
        _run(f"REVOKE ALL ON FUNCTION central.{signature} FROM PUBLIC")
    _run(REPAIR)
    _run("ALTER FUNCTION sync_api.sync_push_v2(json) OWNER TO " + _ident(owner))
    _run(f"GRANT USAGE ON SCHEMA sync_api TO {_ident(owner)}")  # v1 answers through v2
    _run("REVOKE ALL ON FUNCTION sync_api.sync_push_v2(json) FROM PUBLIC")
    _run(f"GRANT EXECUTE ON FUNCTION sync_api.sync_push_v2(json) TO {_ident(group)}")
    for signature in API:
        _run(f"ALTER FUNCTION sync_api.{signature} SET lock_timeout = '{LOCK_TIMEOUT}'")

    # the centre's database alone, through the group; no function sources
    _run(f"REVOKE CONNECT ON DATABASE {_ident(db)} FROM PUBLIC")
    _run(f"GRANT CONNECT ON DATABASE {_ident(db)} TO {_ident(group)}")
    columns = [r[0] for r in _run("SELECT attname FROM pg_attribute WHERE attrelid = 'pg_catalog.pg_proc'::regclass"
                                  " AND attnum > 0 AND NOT attisdropped ORDER BY attnum")]
    readable = ", ".join(c for c in columns if c not in SOURCE_COLUMNS)
    _run("REVOKE SELECT ON pg_catalog.pg_proc FROM PUBLIC")
    _run(f"GRANT SELECT ({readable}) ON pg_catalog.pg_proc TO PUBLIC")
    for function in _source_functions():
        _run(f"REVOKE EXECUTE ON FUNCTION pg_catalog.{function} FROM PUBLIC")


def _c0001_function(name: str) -> str:
    """The text of a sync function as migration c0001 created it."""
    path = Path(__file__).with_name("c0001_central_schema.py")
    spec = importlib.util.spec_from_file_location("c0001_central_schema", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = re.search(rf"CREATE FUNCTION sync_api\.{name}\(.*?END \$\$;", module.FUNCTIONS, re.S)
    return found.group().replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def downgrade() -> None:
    db, owner, group = _roles()
    for function in _source_functions():
        _run(f"GRANT EXECUTE ON FUNCTION pg_catalog.{function} TO PUBLIC")
    columns = [r[0] for r in _run("SELECT attname FROM pg_attribute WHERE attrelid = 'pg_catalog.pg_proc'::regclass"
                                  " AND attnum > 0 AND NOT attisdropped ORDER BY attnum")]
    _run(f"REVOKE SELECT ({', '.join(c for c in columns if c not in SOURCE_COLUMNS)}) ON pg_catalog.pg_proc FROM PUBLIC")
    _run("GRANT SELECT ON pg_catalog.pg_proc TO PUBLIC")
    _run(f"GRANT CONNECT ON DATABASE {_ident(db)} TO PUBLIC")
    _run(f"REVOKE CONNECT ON DATABASE {_ident(db)} FROM {_ident(group)}")
    for signature in API:
        _run(f"ALTER FUNCTION sync_api.{signature} RESET lock_timeout")
    _run(_c0001_function("sync_push_v1"))
    _run(f"REVOKE USAGE ON SCHEMA sync_api FROM {_ident(owner)}")
    _run(_c0001_function("reserve_code_block_v1"))
    _run("ALTER TABLE central.organizations DROP CONSTRAINT organizations_names_readable")
    _run("DROP FUNCTION sync_api.sync_push_v2(json), central.end_stuck_windows()")
    for signature in reversed(INTERNAL):
        _run(f"DROP FUNCTION central.{signature}")
    _run("DROP INDEX central.ix_central_organizations_origin")
    _run("ALTER TABLE central.received_ops DROP COLUMN payload_size")
    _run("DROP TABLE central.window_usage, central.limits, central.column_rules")
    _run("ALTER TABLE central.windows DROP COLUMN bytes_per_day, DROP COLUMN code_blocks_per_hour,"
         " DROP COLUMN outstanding_codes")
