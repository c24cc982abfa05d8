"""review resolution: the administrator settles an item of the 待复核 queue

A registration or change held for review (待复核) is settled by the centre's administrator
with ``central.resolve_review``: 采纳 (accept) enters the proposal into the registry through
the same ``central.apply_organization_op`` a push uses, refusing while the clash still stands;
驳回 (reject) leaves the registry as it is. Either way the item records the decision, its
reason, who made it and when, and the window's op gets the decision as its answer should it be
sent again; the review_queue UPDATE trigger of c0001 logs the item for both windows concerned,
so their next pull shows the outcome. The function is the administrator's
alone: not SECURITY DEFINER, no EXECUTE for PUBLIC or the window roles.

Revision ID: c0003
Revises: c0002
Create Date: 2026-11-26
"""

from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None

SIGNATURE = "resolve_review(uuid, text, text, text)"

COLUMNS = """
ALTER TABLE central.review_queue
    ADD COLUMN resolution_note text,
    ADD COLUMN resolved_by text,
    ADD CONSTRAINT review_queue_status_check CHECK (status IN ('待复核', '已采纳', '已驳回'));
"""

FUNCTION = r"""
CREATE FUNCTION central.resolve_review(review_id uuid, decision text, note text, resolver text)
RETURNS central.review_queue
LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $$
DECLARE
    r central.review_queue;
    p central.organizations;
    cur central.organizations;
    clash central.organizations;
BEGIN
    IF decision IS NULL OR decision NOT IN ('采纳', '驳回') THEN
        RAISE EXCEPTION '处理决定应为“采纳”或“驳回”，收到“%”。', coalesce(decision, '')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(note), '') = '' THEN
        RAISE EXCEPTION '请填写处理说明（驳回时写明理由，窗口会看到这段说明）。'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO r FROM central.review_queue v WHERE v.id = review_id FOR UPDATE;
    IF r.id IS NULL THEN
        RAISE EXCEPTION '复核事项 % 不存在，请用 central reviews 查看编号。', review_id USING ERRCODE = 'no_data_found';
    END IF;
    IF r.status <> '待复核' THEN
        RAISE EXCEPTION '复核事项 % 已于 % 由 % 处理（%），不能再次处理。', review_id,
            to_char(r.resolved_at, 'YYYY-MM-DD HH24:MI'), r.resolved_by, r.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    IF decision = '采纳' THEN
        p := jsonb_populate_record(NULL::central.organizations, r.proposed);
        SELECT * INTO cur FROM central.organizations o WHERE o.id = r.organization_id FOR UPDATE;
        SELECT * INTO clash FROM central.organizations o
         WHERE o.id <> r.organization_id
           AND ((o.name = p.name AND o.org_type = p.org_type AND o.status = '正常')
                OR (p.credit_code IS NOT NULL AND o.credit_code = p.credit_code))
         LIMIT 1;
        IF clash.id IS NOT NULL THEN
            RAISE EXCEPTION '%，不能采纳：请先处理登记库中的该组织（如变更名称或办理注销），或驳回本事项。',
                CASE WHEN clash.credit_code = p.credit_code
                     THEN format('统一社会信用代码 %s 仍由“%s”使用', p.credit_code, clash.name)
                     ELSE format('名称“%s”仍由正常状态的“%s”（%s）使用', p.name, clash.name,
                                 coalesce('窗口 ' || coalesce(clash.changed_by_window, clash.origin_window), '中心'))
                END
                USING ERRCODE = 'unique_violation';
        END IF;
        -- the push's own path, on the registry's current version: insert, or update with row_version + 1
        PERFORM central.apply_organization_op(r.window_code, r.op_id, r.organization_id::text, cur.row_version,
                                              CASE WHEN cur.id IS NULL THEN 'insert' ELSE 'update' END,
                                              r.proposed, r.based_on_cursor);
    END IF;

    -- a window that sends the op again (its acknowledgement was lost) gets the decision as the answer
    UPDATE central.received_ops o
       SET status = CASE WHEN decision = '采纳' THEN 'accepted' ELSE 'rejected' END,
           reason = CASE WHEN decision = '采纳' THEN NULL ELSE format('中心复核驳回：%s', btrim(note)) END
     WHERE o.window_code = r.window_code AND o.op_id = r.op_id;
    UPDATE central.review_queue v
       SET status = CASE WHEN decision = '采纳' THEN '已采纳' ELSE '已驳回' END,
           resolution_note = btrim(note),
           resolved_by = coalesce(nullif(btrim(resolver), ''), session_user),
           resolved_at = now()
     WHERE v.id = review_id
    RETURNING * INTO r;
    RETURN r;
END $$;
"""


def upgrade() -> None:
    cur = op.get_bind().connection.dbapi_connection.cursor()
    cur.execute(COLUMNS)
    cur.execute(FUNCTION)
    cur.execute(f"REVOKE ALL ON FUNCTION central.{SIGNATURE} FROM PUBLIC")


def downgrade() -> None:
    cur = op.get_bind().connection.dbapi_connection.cursor()
    cur.execute(f"DROP FUNCTION central.{SIGNATURE}")
    cur.execute("ALTER TABLE central.review_queue DROP CONSTRAINT review_queue_status_check,"
                " DROP COLUMN resolved_by, DROP COLUMN resolution_note")
