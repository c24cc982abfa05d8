"""The items the case page lists (办件登记事项) and the names of the case's actions, with their labels.

One source of labels: what the applicant declared is labelled by the intake form's fields
(forms/intake.py); the case's own facts (办件编号, 受理人, 核准日期 …) and the actions a case goes
through (受理, 审查通过, 退回 …) are labelled here, for the case page, its history and its buttons.
The registered record of an organization (登记事项, registry/records.py) uses the same labels,
in the registered wording where the form's is the applicant's (拟定名称 → 名称).
"""

from __future__ import annotations

from forms.intake import ORGANIZATION_FIELDS, PERSON_FIELDS, SCOPE_FIELDS

CASE_FACT_LABELS = {
    "case_no": "办件编号", "business_type": "业务类型", "state": "状态", "legal_representative": "拟任法定代表人",
    "accepted_by": "受理人", "accepted_at": "受理时间", "credit_code": "统一社会信用代码", "approved_by": "核准人",
    "approved_on": "核准日期", "closed_on": "办结日期",
}
_FORM_LABELS = {f.key: f.label for f in ORGANIZATION_FIELDS}
CASE_ITEMS: tuple[tuple[str, str], ...] = tuple((key, CASE_FACT_LABELS.get(key) or _FORM_LABELS[key]) for key in (
    "case_no", "business_type", "org_type", "state", "name", "address", "street_code", "purpose", "activity_area",
    "legal_representative", "funds_yuan", "sponsor", "sponsor_consent_doc_no", "sponsor_consent_date",
    "direct_category", "direct_justification", "individual_members", "unit_members", "premises_document",
    "premises_valid_until", "applicant", "applicant_phone", "accepted_by", "accepted_at", "credit_code",
    "approved_by", "approved_on", "closed_on",
))
SHOWN_WHEN_EMPTY = frozenset({"state", "funds_yuan"})  # listed even when empty or 0

# The actions by their code (workflow.transitions.Action and the history's "accept"/"amend").
ACTION_LABELS = {
    "accept": "受理", "submit": "提交审查", "advance": "审查通过", "approve": "核准登记", "print": "制证完成",
    "issue": "发证", "supplement": "通知补正", "return": "退回", "resume": "材料补齐", "reject": "不予登记",
    "withdraw": "撤回", "amend": "更正登记事项",
}

# The registered record (登记事项): its items in the order the organization page lists them.
_REGISTERED_WORDING = {"name": "名称", "legal_representative": "法定代表人", "scope": "业务范围", "persons": "在任人员"}
RECORD_ITEMS: tuple[tuple[str, str], ...] = tuple((key, _REGISTERED_WORDING.get(key) or _FORM_LABELS[key]) for key in (
    "name", "address", "street_code", "activity_area", "scope", "funds_yuan", "sponsor", "direct_category",
    "legal_representative", "purpose", "persons",
))
_SCOPE_LABELS = {f.key: f.label for f in SCOPE_FIELDS}
SCOPE_ITEM_LABELS = {"text": "业务范围", "approval_doc_no": _SCOPE_LABELS["approval_doc_no"],
                     "approval_date": _SCOPE_LABELS["approval_date"]}
_PERSON_LABELS = {f.key: f.label for f in PERSON_FIELDS}
PERSON_ITEM_LABELS = {key: _PERSON_LABELS[key] for key in ("name", "id_number", "roles", "appointed_on")} | {"title": "职务"}
NOT_REGISTERED = "（未登记）"  # an item the registry does not hold yet; a later business asks for it
