"""what windows send since review opinions, corrections, collectors and name overrides

Windows of this release send new columns of ``cases`` (name_override_reason, collector_kind,
collector_name, collector_id_number, collected_at) and of ``case_steps`` (opinion, changes): the
frozen copy of the window's rules (``central.column_rules``, migration c0004) holds them, in the
windows' column order, so the centre checks them as the window does (models.op_rules).

Revision ID: c0006
Revises: c0005
Create Date: 2026-12-05
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "c0006"
down_revision = "c0005"
branch_labels = None
depends_on = None

# (scope, ((column, kind, max length, nullable, required, choices, label), …)) in column order
RULES = (
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
        ('name_override_reason', 'text', 20000, True, False, None, '名称未通过核准仍予受理的理由'),
        ('name_warnings_ack_by', 'text', 64, True, False, None, '名称提示确认人'),
        ('name_warnings_ack_at', 'timestamp', None, True, False, None, '名称提示确认时间'),
        ('organization_id', 'uuid', None, True, False, None, '登记库组织编号'),
        ('credit_code', 'text', 18, True, False, None, '统一社会信用代码'),
        ('approved_by', 'text', 64, True, False, None, '核准人'),
        ('approved_on', 'date', None, True, False, None, '核准日期'),
        ('closed_on', 'date', None, True, False, None, '办结日期'),
        ('collector_kind', 'text', 8, True, False, None, '领证人类别'),
        ('collector_name', 'text', 64, True, False, None, '领证人姓名'),
        ('collector_id_number', 'text', 18, True, False, None, '领证人身份证号'),
        ('collected_at', 'timestamp', None, True, False, None, '领证时间'),
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
        ('opinion', 'text', 20000, False, False, None, '审查意见'),
        ('changes', 'text', 20000, False, False, None, '更正内容'),
        ('id', 'uuid', None, False, False, None, '编号'),
        ('created_at', 'timestamp', None, False, False, None, '创建时间'),
        ('updated_at', 'timestamp', None, False, False, None, '修改时间'),
        ('row_version', 'integer', None, False, False, None, '版本号'),
    )),
)


def _replace(rules) -> None:
    cur = op.get_bind().connection.dbapi_connection.cursor()
    for scope, columns in rules:
        cur.execute("DELETE FROM central.column_rules WHERE scope = %s", (scope,))
        cur.executemany("INSERT INTO central.column_rules VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [(scope, column, position, kind, length, nullable, required,
                          list(choices) if choices else None, label)
                         for position, (column, kind, length, nullable, required, choices, label) in enumerate(columns)])


def upgrade() -> None:
    _replace(RULES)


def downgrade() -> None:
    spec = importlib.util.spec_from_file_location("c0004", Path(__file__).with_name("c0004_hostile_windows.py"))
    c0004 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(c0004)
    _replace([(scope, columns) for scope, columns in c0004.RULES if scope in {s for s, _ in RULES}])
