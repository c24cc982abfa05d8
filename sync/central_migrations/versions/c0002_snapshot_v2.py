"""sync_snapshot_v2: the registry snapshot with organizations already in columns

A first pull reads a million organizations. ``sync_snapshot_v1`` hands each one over as
``to_jsonb(row)``, which the window's select list then takes apart again with ``->>``: the
centre spent about 0.5 s of processor time per 10,000 organizations on building and reading
JSON, as much as the window spent writing them. v2 reads the columns straight from the table,
in the formats the window stores on SQLite (UUID as 32 hex digits, times as
'YYYY-MM-DD HH24:MI:SS.US', dates as 'YYYY-MM-DD', booleans 0/1), and the name index as its
first entry in columns plus the other entries (former names, rare) as JSON arrays; about a
quarter of the work. Other kinds come as JSON text, as in v1. v1 stays for windows not yet
updated.

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-26
"""

from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None

# (column, type, expression over central.organizations o): the window's organizations columns
ORGANIZATION = (
    ("id", "text", "replace(o.id::text, '-', '')"),
    ("name", "text", "o.name"),
    ("org_type", "text", "o.org_type"),
    ("status", "text", "o.status"),
    ("status_changed_on", "text", "to_char(o.status_changed_on, 'YYYY-MM-DD')"),
    ("credit_code", "text", "o.credit_code"),
    ("field", "text", "o.field"),
    ("form", "text", "o.form"),
    ("zihao", "text", "o.zihao"),
    ("street_code", "text", "o.street_code"),
    ("address", "text", "o.address"),
    ("legal_representative", "text", "o.legal_representative"),
    ("sponsor", "text", "o.sponsor"),
    ("established_on", "text", "to_char(o.established_on, 'YYYY-MM-DD')"),
    ("certificate_valid_until", "text", "to_char(o.certificate_valid_until, 'YYYY-MM-DD')"),
    ("rating", "text", "o.rating"),
    ("on_abnormal_list", "integer", "o.on_abnormal_list::int"),
    ("on_dishonest_list", "integer", "o.on_dishonest_list::int"),
    ("created_at", "text", "to_char(o.created_at, 'YYYY-MM-DD HH24:MI:SS.US')"),
    ("updated_at", "text", "to_char(o.updated_at, 'YYYY-MM-DD HH24:MI:SS.US')"),
    ("row_version", "integer", "o.row_version"),
)

# the first name-index entry in columns, the others as a JSON array of arrays in the same order
_FIRST = "(CASE WHEN jsonb_typeof(o.name_index) = 'array' THEN o.name_index -> 0 END)"
_ENTRY = ("jsonb_build_array(e ->> 'name', (e ->> 'is_current')::boolean::int, e ->> 'renamed_on', "
          "coalesce(e ->> 'org_type', o.org_type), e ->> 'compare_key', e ->> 'compare_pinyin', e ->> 'field', "
          "e ->> 'form')")
NAME_INDEX = (
    ("ix_name", "text", f"{_FIRST} ->> 'name'"),
    ("ix_is_current", "integer", f"({_FIRST} ->> 'is_current')::boolean::int"),
    ("ix_renamed_on", "text", f"{_FIRST} ->> 'renamed_on'"),
    ("ix_org_type", "text", f"CASE WHEN {_FIRST} IS NOT NULL THEN coalesce({_FIRST} ->> 'org_type', o.org_type) END"),
    ("ix_compare_key", "text", f"{_FIRST} ->> 'compare_key'"),
    ("ix_compare_pinyin", "text", f"{_FIRST} ->> 'compare_pinyin'"),
    ("ix_field", "text", f"{_FIRST} ->> 'field'"),
    ("ix_form", "text", f"{_FIRST} ->> 'form'"),
    ("ix_more", "text", f"CASE WHEN jsonb_typeof(o.name_index) = 'array' AND jsonb_array_length(o.name_index) > 1 "
                        f"THEN (SELECT jsonb_agg({_ENTRY} ORDER BY e_n)::text FROM jsonb_array_elements(o.name_index)"
                        " WITH ORDINALITY AS x(e, e_n) WHERE e_n > 1) END"),
    ("former_names", "text", "o.former_names::text"),
)
COLUMNS = ORGANIZATION + NAME_INDEX

SIGNATURE = "sync_snapshot_v2(text, text, integer)"


def _branch(select_from: str, key: str, where: str = "") -> str:
    """One kind of the snapshot: its rows as JSON text, organization columns NULL."""
    nulls = ", ".join(f"NULL::{sql_type}" for _, sql_type, _ in COLUMNS)
    alias = select_from.split()[-1]
    return (f"RETURN QUERY SELECT k, {key}::text, to_jsonb({alias})::text, {nulls} FROM {select_from}"
            f" WHERE {where}(after_kind IS DISTINCT FROM k OR {key} > after_id{'::uuid' if key.endswith('.id') else ''})"
            f" ORDER BY {key} LIMIT lim;")


def _function() -> str:
    organizations = (
        "RETURN QUERY SELECT k, o.id::text, NULL::text, " + ", ".join(expr for _, _, expr in COLUMNS) +
        " FROM central.organizations o WHERE (after_kind IS DISTINCT FROM k OR o.id > after_id::uuid)"
        " ORDER BY o.id LIMIT lim;")
    branches = {
        "code_block": _branch("central.code_blocks b", "b.id", "b.window_code = w AND "),
        "dishonest_person": _branch("central.dishonest_persons d", "d.id"),
        "organization": organizations,
        "reference": _branch("central.reference_data r", "r.key"),
        "review": _branch("central.review_queue v", "v.id",
                          "(v.window_code = w OR v.existing_window = w) AND "),
        "window_key": _branch("central.window_keys x", "x.id"),
    }
    body = "\n        ".join(f"{'IF' if i == 0 else 'ELSIF'} k = '{kind}' THEN {branch}"
                             for i, (kind, branch) in enumerate(branches.items()))
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type, _ in COLUMNS)
    kinds = ", ".join(f"'{kind}'" for kind in branches)
    return f"""
CREATE FUNCTION sync_api.sync_snapshot_v2(after_kind text, after_id text, lim integer)
RETURNS TABLE (kind text, row_id text, payload text, {columns})
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $$
#variable_conflict use_column
DECLARE
    w text := central.require_window();
    n bigint;
    k text;
BEGIN
    lim := least(greatest(lim, 1), 20000);
    FOREACH k IN ARRAY ARRAY[{kinds}] LOOP
        CONTINUE WHEN after_kind IS NOT NULL AND after_kind > k;
        {body}
        END IF;
        GET DIAGNOSTICS n = ROW_COUNT;
        lim := lim - n;
        EXIT WHEN lim <= 0;
    END LOOP;
END $$;
"""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    cur = op.get_bind().connection.dbapi_connection.cursor()
    db = cur.execute("SELECT current_database()").fetchone()[0]
    owner, group = f"{db}_sync_owner", f"{db}_window"
    cur.execute(_function())
    cur.execute(f"ALTER FUNCTION sync_api.{SIGNATURE} OWNER TO {_ident(owner)}")
    cur.execute(f"REVOKE ALL ON FUNCTION sync_api.{SIGNATURE} FROM PUBLIC")
    cur.execute(f"GRANT EXECUTE ON FUNCTION sync_api.{SIGNATURE} TO {_ident(group)}")


def downgrade() -> None:
    op.get_bind().connection.dbapi_connection.cursor().execute(f"DROP FUNCTION sync_api.{SIGNATURE}")
