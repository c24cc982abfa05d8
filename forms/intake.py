"""The intake form (受理登记表) of an establishment case (成立登记).

Three parts: the proposed organization's registered items (登记事项), its 业务范围 items and the
persons (发起人 / 拟任法定代表人 / 拟任负责人), plus which checklist materials were received.
``read_intake`` turns the raw text into an ``Intake`` or reports every invalid value at once:
values a field cannot take, and values that fail a registration condition (登记条件, see
``forms/conditions.py``) measured at that field on the day of intake — a date after today, funds
of 0 or below the minimum, a 社会团体 without enough members, an expired or too short use of the
premises, a head over the age limit, neither a sponsor nor a direct-registration category.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from stdnum.cn import ric
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from forms.conditions import (
    GROUP,
    age_excess,
    funds_shortfall,
    later_than,
    members_requirement,
    members_shortfall,
    premises_shortfall,
    type_limits,
)
from forms.fields import (
    Field,
    FieldError,
    FieldInvalid,
    as_chinese_line,
    as_chinese_text,
    as_date,
    as_person_name,
    as_phone,
    as_single_line,
    choice_parser,
    count_parser,
    field_error,
    list_parser,
    read_fields,
)
from forms.materials import changed_conditions, checklist, required_items
from forms.print_limits import max_chars, scope_too_long
from models.case_rules import default_rules, direct_categories
from models.cases import BusinessType, PersonRole
from models.errors import SoregError
from models.reference import org_types, scope_catalogue, streets

MAX_FUNDS_YUAN = 10**12
MAX_MEMBERS = 10**7


def as_id_number(text: str) -> str:
    """A resident ID number (居民身份证号码, GB 11643): 18 characters, valid birth date and check character."""
    number = text.replace(" ", "").upper()
    try:
        return ric.validate(number)
    except InvalidLength:
        raise FieldInvalid(f"应为 18 位，现为 {len(number)} 位，请核对。") from None
    except InvalidFormat:
        raise FieldInvalid("前 17 位应为数字，最后一位为数字或 X，请核对。") from None
    except InvalidComponent:
        raise FieldInvalid("其中的出生日期不存在，请核对。") from None
    except InvalidChecksum:
        raise FieldInvalid("校验位（最后一位）不正确，请核对号码是否抄错。") from None
    except ValidationError:
        raise FieldInvalid("不是有效的居民身份证号码，请核对。") from None


def birth_date_of(id_number: str) -> date:
    """The birth date written in a valid ID number."""
    return ric.get_birth_date(id_number)


def _street_names() -> list[str]:
    return [s.name for s in streets()]


def _street_codes_by_name() -> dict[str, str]:
    return {s.name: s.code for s in streets()}


def as_street_code(text: str) -> str:
    """A street or town (所属街镇) of the district, given by name or code; returns the code."""
    by_name = _street_codes_by_name()
    if text in by_name:
        return by_name[text]
    if text in by_name.values():
        return text
    raise FieldInvalid(f"应为本区的街道或镇：{'、'.join(by_name)}。")


def _catalogue_by_code() -> dict[str, str]:
    return {item.code: item.text for item in scope_catalogue()}


def as_catalogue_code(text: str) -> str:
    """A 业务范围 catalogue item, given by code ("YL02") or "code text" or its text."""
    catalogue = _catalogue_by_code()
    code = text.split(" ", 1)[0].upper()
    if code in catalogue:
        return code
    for item_code, item_text in catalogue.items():
        if item_text == text:
            return item_code
    raise FieldInvalid("不在业务范围目录中，请从目录中选择，或留空并在“业务范围（自拟）”中填写。")


ROLE_CHOICES = tuple(r.value for r in PersonRole)
HEADS = frozenset({PersonRole.LEGAL_REPRESENTATIVE, PersonRole.RESPONSIBLE})  # the age limit applies to them

ORGANIZATION_FIELDS: tuple[Field, ...] = (
    Field("org_type", "组织类型", choice_parser(lambda: tuple(org_types())), required=True, choices=lambda: tuple(org_types())),
    Field("name", "拟定名称", as_chinese_line, required=True, max_length=max_chars("name")),
    Field("address", "住所", as_chinese_line, required=True, max_length=max_chars("address")),
    Field("street_code", "所属街镇", as_street_code, required=True, choices=_street_names),
    Field("purpose", "宗旨", as_chinese_text, required=True, max_length=500, multiline=True),
    Field("activity_area", "活动地域", as_chinese_line, required=True, max_length=max_chars("activity_area"), hint="例如：上海市长宁区"),
    Field("funds_yuan", "注册资金/开办资金（元）", count_parser(MAX_FUNDS_YUAN), required=True),
    Field("sponsor", "业务主管单位", as_chinese_line, max_length=max_chars("sponsor")),
    Field("sponsor_consent_doc_no", "业务主管单位批准文号", as_single_line, max_length=64),
    Field("sponsor_consent_date", "业务主管单位批准日期", as_date, max_length=20),
    Field("direct_category", "直接登记类别", choice_parser(direct_categories), choices=direct_categories),
    Field("direct_justification", "直接登记理由", as_chinese_text, max_length=500, multiline=True),
    Field("individual_members", "个人会员数", count_parser(MAX_MEMBERS), max_length=20),
    Field("unit_members", "单位会员数", count_parser(MAX_MEMBERS), max_length=20),
    Field("premises_document", "住所证明文件", as_single_line, max_length=100, hint="产权证号或租赁合同编号"),
    Field("premises_valid_until", "住所使用期限至", as_date, max_length=20, hint="自有产权留空"),
    Field("applicant", "申请人（经办人）", as_person_name, required=True, max_length=32),
    Field("applicant_phone", "申请人电话", as_phone, required=True, max_length=32),
)

SCOPE_FIELDS: tuple[Field, ...] = (
    Field("catalogue_code", "业务范围（目录）", as_catalogue_code, choices=lambda: tuple(f"{c} {t}" for c, t in _catalogue_by_code().items())),
    Field("text", "业务范围（自拟）", as_chinese_line, max_length=200),
    Field("approval_doc_no", "前置审批文号", as_single_line, max_length=64),
    Field("approval_date", "前置审批日期", as_date, max_length=20),
)

PERSON_FIELDS: tuple[Field, ...] = (
    Field("name", "姓名", as_person_name, required=True, max_length=32),
    Field("id_number", "身份证号", as_id_number, required=True, max_length=24),
    Field("phone", "联系电话", as_phone, required=True, max_length=32),
    Field("roles", "身份", list_parser(choice_parser(lambda: ROLE_CHOICES)), required=True, choices=lambda: ROLE_CHOICES,
          hint="发起人、法定代表人、负责人，可多选"),
    Field("title", "拟任职务", as_single_line, max_length=32),
    Field("appointed_on", "任职日期", as_date, max_length=20, hint="留空则以核准日为准"),
)

# 内部决议日期: the day the members' or board's meeting decided a change (变更登记 is due within a
# number of days of it, rules "change"); read beside the form of a business that changes items.
DECISION_FIELD = Field("decision_date", "内部决议日期", as_date, required=True, max_length=20,
                       hint="会员（代表）大会或理事会作出变更决议的日期")

# Why a name that the name check (名称核准) refuses is accepted all the same: shown to the reviewer.
NAME_OVERRIDE_FIELD = Field("name_override_reason", "名称未通过核准仍予受理的理由", as_chinese_text, max_length=500,
                            multiline=True, hint="例如：申请人坚持使用此名称，请审核人员判断")


@dataclass(frozen=True)
class Intake:
    """A valid intake form: plain values ready to become a case."""

    business_type: str
    organization: dict[str, Any]
    scope_items: tuple[dict[str, Any], ...]
    persons: tuple[dict[str, Any], ...]
    received: frozenset[str]
    name_override_reason: str | None = None

    @property
    def legal_representative(self) -> str:
        return next(p["name"] for p in self.persons if PersonRole.LEGAL_REPRESENTATIVE in p["roles"])


def material_conditions(organization: Mapping[str, Any], scope_items: Sequence[Mapping[str, Any]],
                        changed: Collection[str] = ()) -> frozenset[str]:
    """Which conditional checklist items apply to a case that changes ``changed`` (see forms.materials)."""
    found = set(changed_conditions(changed))
    if organization.get("direct_category"):
        found.add("direct")
    elif organization.get("sponsor"):
        found.add("sponsor")
    needs_approval = {item.code for item in scope_catalogue() if item.prior_approval}
    if any(s.get("catalogue_code") in needs_approval for s in scope_items):
        found.add("prior_approval")
    return frozenset(found)


class IntakeInvalid(SoregError):
    """The form has invalid values; ``errors`` lists every one."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        first = errors[0]
        more = f"（另有 {len(errors) - 1} 处需要修改）" if len(errors) > 1 else ""
        super().__init__(first.message + more, field=first.path)
        self.errors = tuple(errors)


def _field(fields: Sequence[Field], key: str) -> Field:
    return next(f for f in fields if f.key == key)


def organization_condition_errors(org: Mapping[str, Any], *, today: date, rules: Mapping[str, Any]) -> list[FieldError]:
    """The registration conditions of the registered items, each at its field.

    ``org`` holds the values read so far (a key is absent when its text was invalid: then its
    condition is not measured). Shared with the correction of registered items during review.
    """
    errors: list[FieldError] = []

    def fails(key: str, reason: str) -> None:
        errors.append(field_error(_field(ORGANIZATION_FIELDS, key), reason))

    org_type = org.get("org_type")
    limits = type_limits(rules, org_type)
    funds = org.get("funds_yuan")
    if funds == 0:
        fails("funds_yuan", "不能为 0，请填写章程规定的注册资金或开办资金。")
    elif funds is not None and org_type and (short := funds_shortfall(funds, org_type, limits)):
        fails("funds_yuan", f"为 {short}，请核对。")
    if org_type == GROUP and "individual_members" in org and "unit_members" in org:
        individual, unit = org["individual_members"], org["unit_members"]
        if individual is None and unit is None:
            fails("individual_members", f"未填写：{members_requirement(limits)}，请填写个人会员数或单位会员数。")
        elif short := members_shortfall(individual or 0, unit or 0, limits):
            fails("individual_members", f"不足：{short}。")
    if "premises_document" in org and org["premises_document"] is None:
        fails("premises_document", "未填写：须有固定住所，请填写产权证号或租赁合同编号。")
    if org.get("premises_valid_until") and (short := premises_shortfall(org["premises_valid_until"], today, rules)):
        fails("premises_valid_until", f"{short}，请提供期限更长的住所使用证明。")
    if org.get("sponsor_consent_date") and (later := later_than(org["sponsor_consent_date"], today)):
        fails("sponsor_consent_date", f"{later}，请核对。")
    if "sponsor" in org and "direct_category" in org and not org["sponsor"] and not org["direct_category"]:
        fails("sponsor", f"未填写：请填写业务主管单位，或选择直接登记类别（{'、'.join(rules['direct_registration_categories'])}）。")
    if org.get("direct_category") and "direct_justification" in org and not org["direct_justification"]:
        fails("direct_category", "已选择，请在“直接登记理由”中写明理由。")
    return errors


def _read_scope(rows: Sequence[Mapping[str, object]], today: date | None) -> tuple[list[dict[str, Any]], list[FieldError]]:
    items, errors = [], []
    catalogue = _catalogue_by_code()
    for i, row in enumerate(rows):
        where = f"第 {i + 1} 项"
        values, errs = read_fields(SCOPE_FIELDS, row, path=f"scope_items[{i}].", where=where)
        if today is not None and values.get("approval_date") and (later := later_than(values["approval_date"], today)):
            errs.append(field_error(_field(SCOPE_FIELDS, "approval_date"), f"{later}，请核对。",
                                    path=f"scope_items[{i}].", where=where))
        errors += errs
        if errs:
            continue
        if values["catalogue_code"] is None and values["text"] is None:
            errors.append(FieldError(f"scope_items[{i}].text", f"{where}业务范围",
                                     f"“{where}业务范围”为空：请从目录中选择，或填写自拟的业务范围。"))
            continue
        values["text"] = values["text"] or catalogue[values["catalogue_code"]]
        items.append(values)
    if not rows:
        errors.append(FieldError("scope_items", "业务范围", "“业务范围”至少填写一项。"))
    elif too_long := scope_too_long([item["text"] for item in items]):
        errors.append(FieldError("scope_items", "业务范围", f"“业务范围”{too_long}"))
    return items, errors


def _age_error(values: Mapping[str, Any], i: int, today: date, rules: Mapping[str, Any]) -> FieldError | None:
    """A legal representative or responsible person over the age limit on the appointment day
    (today when none is given), at 任职日期 if one was typed, else at the ID number."""
    heads = [r for r in values.get("roles") or () if r in HEADS]
    if not heads or values.get("id_number") is None or "appointed_on" not in values:
        return None
    birth = birth_date_of(values["id_number"])
    excess = age_excess(birth, values["appointed_on"] or today, rules)
    if excess is None:
        return None
    key = "appointed_on" if values["appointed_on"] else "id_number"
    return field_error(_field(PERSON_FIELDS, key), f"：{values.get('name') or ''}生于 {birth:%Y-%m-%d}，{excess}，"
                       f"不能担任{'、'.join(heads)}。", path=f"persons[{i}].", where=f"第 {i + 1} 位人员的")


def _read_persons(rows: Sequence[Mapping[str, object]], today: date | None,
                  rules: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[FieldError]]:
    persons, errors = [], []
    for i, row in enumerate(rows):
        values, errs = read_fields(PERSON_FIELDS, row, path=f"persons[{i}].", where=f"第 {i + 1} 位人员的")
        if today is not None and (too_old := _age_error(values, i, today, rules)):
            errs.append(too_old)
        errors += errs
        if not errs:
            values["birth_date"] = birth_date_of(values["id_number"])
            persons.append(values)
    if not errors:
        legal = [p for p in persons if PersonRole.LEGAL_REPRESENTATIVE in p["roles"]]
        if len(legal) != 1:
            errors.append(FieldError("persons", "人员", f"“人员”中应有且只有一位拟任法定代表人，现有 {len(legal)} 位，请在“身份”中标明。"))
        numbers = [p["id_number"] for p in persons]
        if len(set(numbers)) != len(numbers):
            errors.append(FieldError("persons", "人员", "“人员”中有重复的身份证号，同一人请只填一次、在“身份”中多选。"))
    return persons, errors


def _read_received(raw: Sequence[object], materials: str, org_type: str | None) -> tuple[frozenset[str], list[FieldError]]:
    if org_type is None:
        return frozenset(), []
    known = {item.code: item for item in checklist(materials, org_type)}
    received, errors = set(), []
    for code in raw:
        text = str(code).strip()
        if text not in known:
            errors.append(FieldError("received", "已收材料", f"“已收材料”中的“{text[:20]}”不在{org_type}的材料清单中，请从清单中勾选。"))
        else:
            received.add(text)
    return frozenset(received), errors


def read_intake(data: Mapping[str, Any], *, business_type: str = BusinessType.ESTABLISH.value, today: date | None = None,
                rules: Mapping[str, Any] | None = None, conditions: bool = True, materials: str | None = None,
                kept_persons: Sequence[dict[str, Any]] | None = None, changed: Collection[str] = ()) -> Intake:
    """Read the whole intake form; raise ``IntakeInvalid`` listing every invalid value.

    ``materials`` names the checklist in materials.json (default: the business's name).
    With ``conditions`` (the default) the registration conditions are measured on ``today``
    (default: the real today) under ``rules`` (default: the file's rules, ``default_rules()``; the window's
    own rules need a session); without, only what each field can take is read, as for a case under review
    that is judged by the review checks instead. ``kept_persons``: the persons in office a change
    keeps, as registered (not read from the form); ``changed``: the registered items a change
    case changes (their materials are needed).
    """
    rules = rules if rules is not None else default_rules()
    on = (today or date.today()) if conditions else None
    organization, errors = read_fields(ORGANIZATION_FIELDS, data.get("organization") or {})
    if on is not None:
        errors += organization_condition_errors(organization, today=on, rules=rules)
    scope_items, scope_errors = _read_scope(list(data.get("scope_items") or []), on)
    if kept_persons is not None:
        persons, person_errors = [dict(p) for p in kept_persons], []
    else:
        persons, person_errors = _read_persons(list(data.get("persons") or []), on, rules)
    if kept_persons is None and not data.get("persons"):
        person_errors.append(FieldError("persons", "人员", "“人员”至少填写拟任法定代表人一位。"))
    materials = materials or business_type
    received, received_errors = _read_received(list(data.get("received") or []), materials, organization.get("org_type"))
    override, override_errors = read_fields((NAME_OVERRIDE_FIELD,), data)
    errors += scope_errors + person_errors + received_errors + override_errors
    if errors:
        raise IntakeInvalid(errors)
    for key in ("individual_members", "unit_members"):
        organization[key] = organization[key] or 0
    conditions = material_conditions(organization, scope_items, changed)
    needed = {i.code for i in required_items(materials, organization["org_type"], conditions)}
    return Intake(business_type, organization, tuple(scope_items), tuple(persons), received & needed,
                  override["name_override_reason"])


def validate_intake(data: Mapping[str, Any], *, business_type: str = BusinessType.ESTABLISH.value, today: date | None = None,
                    rules: Mapping[str, Any] | None = None, materials: str | None = None) -> list[FieldError]:
    """Every invalid value of the form, conditions included (empty when the form can be accepted)."""
    try:
        read_intake(data, business_type=business_type, today=today, rules=rules, materials=materials)
    except IntakeInvalid as exc:
        return list(exc.errors)
    return []
