"""The intake form (受理登记表) of an establishment case (成立登记).

Three parts: the proposed organization's registered items (登记事项), its 业务范围 items and the
persons (发起人 / 拟任法定代表人 / 拟任负责人), plus which checklist materials were received.
``read_intake`` turns the raw text into an ``Intake`` or reports every invalid value at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

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
    list_parser,
    read_fields,
)
from forms.materials import required_items
from forms.print_limits import max_chars, scope_too_long
from models.case_rules import direct_categories
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


@dataclass(frozen=True)
class Intake:
    """A valid intake form: plain values ready to become a case."""

    business_type: str
    organization: dict[str, Any]
    scope_items: tuple[dict[str, Any], ...]
    persons: tuple[dict[str, Any], ...]
    received: frozenset[str]

    @property
    def legal_representative(self) -> str:
        return next(p["name"] for p in self.persons if PersonRole.LEGAL_REPRESENTATIVE in p["roles"])


def material_conditions(organization: Mapping[str, Any], scope_items: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Which conditional checklist items apply to a case (see forms.materials)."""
    found = set()
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


def _read_scope(rows: Sequence[Mapping[str, object]]) -> tuple[list[dict[str, Any]], list[FieldError]]:
    items, errors = [], []
    catalogue = _catalogue_by_code()
    for i, row in enumerate(rows):
        where = f"第 {i + 1} 项"
        values, errs = read_fields(SCOPE_FIELDS, row, path=f"scope_items[{i}].", where=where)
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


def _read_persons(rows: Sequence[Mapping[str, object]]) -> tuple[list[dict[str, Any]], list[FieldError]]:
    persons, errors = [], []
    for i, row in enumerate(rows):
        values, errs = read_fields(PERSON_FIELDS, row, path=f"persons[{i}].", where=f"第 {i + 1} 位人员的")
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


def _read_received(raw: Sequence[object], business_type: str, org_type: str | None) -> tuple[frozenset[str], list[FieldError]]:
    if org_type is None:
        return frozenset(), []
    known = {item.code: item for item in required_items(business_type, org_type, frozenset(("sponsor", "direct", "prior_approval")))}
    received, errors = set(), []
    for code in raw:
        text = str(code).strip()
        if text not in known:
            errors.append(FieldError("received", "已收材料", f"“已收材料”中的“{text[:20]}”不在{org_type}的材料清单中，请从清单中勾选。"))
        else:
            received.add(text)
    return frozenset(received), errors


def read_intake(data: Mapping[str, Any], *, business_type: str = BusinessType.ESTABLISH.value) -> Intake:
    """Read the whole intake form; raise ``IntakeInvalid`` listing every invalid value."""
    organization, errors = read_fields(ORGANIZATION_FIELDS, data.get("organization") or {})
    scope_items, scope_errors = _read_scope(list(data.get("scope_items") or []))
    persons, person_errors = _read_persons(list(data.get("persons") or []))
    if not data.get("persons"):
        person_errors.append(FieldError("persons", "人员", "“人员”至少填写拟任法定代表人一位。"))
    received, received_errors = _read_received(list(data.get("received") or []), business_type, organization.get("org_type"))
    errors += scope_errors + person_errors + received_errors
    if errors:
        raise IntakeInvalid(errors)
    for key in ("individual_members", "unit_members"):
        organization[key] = organization[key] or 0
    conditions = material_conditions(organization, scope_items)
    needed = {i.code for i in required_items(business_type, organization["org_type"], conditions)}
    return Intake(business_type, organization, tuple(scope_items), tuple(persons), received & needed)


def validate_intake(data: Mapping[str, Any], *, business_type: str = BusinessType.ESTABLISH.value) -> list[FieldError]:
    """Every invalid value of the form (empty when the form can be accepted)."""
    try:
        read_intake(data, business_type=business_type)
    except IntakeInvalid as exc:
        return list(exc.errors)
    return []
