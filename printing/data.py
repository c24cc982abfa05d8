"""What each printed document says, as plain data (no database, no Qt).

The case workflow maps a case onto one of these; ``values()`` gives the text for each template
placeholder, and ``template`` names the layout in resources/templates.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from models.reference import district
from printing.templates import table_text


class OrgKind(enum.StrEnum):
    """Organization type (组织类型) of a certificate."""

    SOCIAL_GROUP = "社会团体"
    PRIVATE_NON_ENTERPRISE = "民办非企业单位"


class CopyKind(enum.StrEnum):
    """Certificate copy: 正本 (original, hung on the wall) or 副本 (duplicate, for use)."""

    ORIGINAL = "正本"
    DUPLICATE = "副本"


CERTIFICATE_TEMPLATES = {
    (OrgKind.SOCIAL_GROUP, CopyKind.ORIGINAL): "certificate_social_group_original",
    (OrgKind.SOCIAL_GROUP, CopyKind.DUPLICATE): "certificate_social_group_duplicate",
    (OrgKind.PRIVATE_NON_ENTERPRISE, CopyKind.ORIGINAL): "certificate_private_non_enterprise_original",
    (OrgKind.PRIVATE_NON_ENTERPRISE, CopyKind.DUPLICATE): "certificate_private_non_enterprise_duplicate",
}


def chinese_date(day: date | None) -> str:
    """``2026年11月26日``; empty for no date."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def yuan(amount: int) -> str:
    """Funds in the style of a certificate: ``人民币3万元`` or ``人民币35000元``."""
    if amount % 10000 == 0:
        return f"人民币{amount // 10000}万元"
    return f"人民币{amount}元"


def numbered(items: Sequence[str]) -> str:
    """One item per line: ``1. …``."""
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


def _authority() -> str:
    return district().authority


@dataclass(frozen=True)
class CertificateData:
    """登记证书: the registration certificate of a 社会团体 or 民办非企业单位."""

    org_kind: OrgKind
    copy: CopyKind
    name: str
    credit_code: str
    address: str  # 住所
    representative: str  # 法定代表人 or 负责人
    business_scope: str  # 业务范围
    capital_yuan: int  # 注册资金 (社团) / 开办资金 (民非)
    issued_on: date  # 发证日期
    valid_from: date  # 有效期限 自
    valid_until: date  # 有效期限 至
    established_on: date  # 成立日期
    serial: str  # 证件印制号 of the pre-printed stock
    activity_area: str = ""  # 活动地域 (社团 only)
    sponsor: str = ""  # 业务主管单位; empty for direct registration
    authority: str = field(default_factory=_authority)  # 登记管理机关
    representative_title: str = "法定代表人"

    @property
    def template(self) -> str:
        return CERTIFICATE_TEMPLATES[(self.org_kind, self.copy)]

    def values(self) -> dict[str, str]:
        return {
            "name": self.name,
            "credit_code": self.credit_code,
            "address": self.address,
            "representative_title": self.representative_title,
            "representative": self.representative,
            "business_scope": self.business_scope,
            "activity_area": self.activity_area,
            "capital": yuan(self.capital_yuan),
            "sponsor": self.sponsor or "无",
            "authority": self.authority,
            "issued_on": chinese_date(self.issued_on),
            "valid_from": chinese_date(self.valid_from),
            "valid_until": chinese_date(self.valid_until),
            "established_on": chinese_date(self.established_on),
            "serial": self.serial,
            "copy": self.copy.value,
        }


@dataclass(frozen=True)
class ReceiptData:
    """受理回执: acceptance receipt with the case number, the decision due date and the materials.

    It says the materials are complete only when none is ``missing``; otherwise it lists which are
    still missing and the date by which to bring them (``supplement_by``).
    """

    case_no: str
    applicant: str
    organization_name: str
    matter: str  # e.g. 成立登记
    received_on: date
    due_date: date
    materials: Sequence[str]  # received
    issued_on: date
    missing: Sequence[str] = ()
    supplement_by: date | None = None
    authority: str = field(default_factory=_authority)
    template = "receipt"

    def values(self) -> dict[str, str]:
        if self.missing:
            verdict = (f"申请材料尚不齐全，缺少下列标明“尚缺”的 {len(self.missing)} 项材料。请于"
                       f"{chinese_date(self.supplement_by)}前补齐；材料齐全后，本机关依法审查并作出决定。")
            materials = [f"{m}（已收）" for m in self.materials] + [f"{m}（尚缺）" for m in self.missing]
            caption = "申请材料（已收和尚缺）："
        else:
            verdict = (f"经审查，申请材料齐全、符合法定形式，本机关决定予以受理，并将于{chinese_date(self.due_date)}前"
                       "作出决定（补正材料的时间不计算在内）。")
            materials = list(self.materials)
            caption = "收到的申请材料："
        return {
            "case_no": self.case_no,
            "applicant": self.applicant,
            "organization_name": self.organization_name,
            "matter": self.matter,
            "received_on": chinese_date(self.received_on),
            "due_date": chinese_date(self.due_date),
            "verdict": verdict,
            "materials_caption": caption,
            "materials": numbered(materials),
            "issued_on": chinese_date(self.issued_on),
            "authority": self.authority,
        }


@dataclass(frozen=True)
class CorrectionNoticeData:
    """补正材料通知书: what the applicant must still hand in, and by when (the clock stops until then)."""

    case_no: str
    applicant: str
    organization_name: str
    matter: str
    received_on: date
    missing_items: Sequence[str]
    issued_on: date
    deadline: date  # 补正期限
    authority: str = field(default_factory=_authority)
    template = "correction_notice"

    def values(self) -> dict[str, str]:
        return {
            "case_no": self.case_no,
            "applicant": self.applicant,
            "organization_name": self.organization_name,
            "matter": self.matter,
            "received_on": chinese_date(self.received_on),
            "missing_items": numbered(self.missing_items),
            "deadline": chinese_date(self.deadline),
            "issued_on": chinese_date(self.issued_on),
            "authority": self.authority,
        }


@dataclass(frozen=True)
class RejectionNoticeData:
    """不予登记通知书: the refusal, its reasons and the applicant's appeal rights."""

    case_no: str
    applicant: str
    organization_name: str
    matter: str
    received_on: date
    reasons: Sequence[str]
    issued_on: date
    appeal_rights: str = field(default_factory=lambda: district().appeal_rights)
    authority: str = field(default_factory=_authority)
    template = "rejection_notice"

    def values(self) -> dict[str, str]:
        return {
            "case_no": self.case_no,
            "applicant": self.applicant,
            "organization_name": self.organization_name,
            "matter": self.matter,
            "received_on": chinese_date(self.received_on),
            "reasons": numbered(self.reasons),
            "appeal_rights": self.appeal_rights,
            "issued_on": chinese_date(self.issued_on),
            "authority": self.authority,
        }


@dataclass(frozen=True)
class CollectionReceiptData:
    """领证回执: the collector signs for the certificate copies handed over (every copy that stands)."""

    case_no: str
    organization_name: str
    credit_code: str
    originals: Sequence[str]  # 证件印制号 of the 正本
    duplicates: Sequence[str]  # 证件印制号 of the 副本
    collector_name: str
    collector_id_number: str
    clerk_name: str
    issued_on: date
    authority: str = field(default_factory=_authority)
    template = "collection_receipt"

    def values(self) -> dict[str, str]:
        copies = [f"正本 1 份（印制号 {s}）" for s in self.originals]
        copies += [f"副本 1 份（印制号 {s}）" for s in self.duplicates]
        return {
            "case_no": self.case_no,
            "organization_name": self.organization_name,
            "credit_code": self.credit_code,
            "copies": numbered(copies),
            "collector_name": self.collector_name,
            "collector_id_number": self.collector_id_number,
            "clerk_name": self.clerk_name,
            "issued_on": chinese_date(self.issued_on),
            "authority": self.authority,
        }


@dataclass(frozen=True)
class NameCheckSlipData:
    """名称核准 result slip: the decision recorded at the 名称核准 step, as made.

    Who decided and when, the verdict (核准使用 with the 名称保留期, or 不予核准), and the
    findings the reviewer accepted or the reasons of the refusal.
    """

    case_no: str
    applicant: str
    proposed_name: str
    org_type: str
    approved: bool
    reviewer: str  # who made the decision
    decided_on: date
    notes: Sequence[str]  # findings accepted (approved) or reasons (refused)
    issued_on: date
    reserved_until: date | None = None  # 名称保留期 (approved names)
    authority: str = field(default_factory=_authority)
    template = "name_check_slip"

    def values(self) -> dict[str, str]:
        if self.approved:
            result = f"核准使用，名称保留期至{chinese_date(self.reserved_until)}。" if self.reserved_until else "核准使用。"
        else:
            result = "不予核准。"
        return {
            "case_no": self.case_no,
            "applicant": self.applicant,
            "proposed_name": self.proposed_name,
            "org_type": self.org_type,
            "result": result,
            "decision": f"审查人：{self.reviewer}　决定日期：{chinese_date(self.decided_on)}",
            "notes": numbered(self.notes) if self.notes else "无",
            "issued_on": chinese_date(self.issued_on),
            "authority": self.authority,
        }


@dataclass(frozen=True)
class ChangeNoticeData:
    """准予变更登记通知书 (notice of approval of a change): the organization under its name after the
    change (and its former name when the name changed), what changed from what to what, and that the
    new certificate is collected against the return of the old 正本 and 副本."""

    case_no: str
    organization_name: str
    credit_code: str
    received_on: date
    decided_on: date
    changes: Sequence[tuple[str, str, str]]  # (变更事项, 变更前, 变更后)
    issued_on: date
    former_name: str = ""  # the name before the change, when the 名称 changed
    authority: str = field(default_factory=_authority)
    template = "change_approval_notice"

    def values(self) -> dict[str, str]:
        return {
            "case_no": self.case_no,
            "organization_name": self.organization_name,
            "former_name": f"原名称“{self.former_name}”，" if self.former_name else "",
            "credit_code": self.credit_code,
            "received_on": chinese_date(self.received_on),
            "decided_on": chinese_date(self.decided_on),
            "changes": table_text(self.changes),
            "issued_on": chinese_date(self.issued_on),
            "authority": self.authority,
        }


Document = (CertificateData | ReceiptData | CorrectionNoticeData | RejectionNoticeData
            | CollectionReceiptData | NameCheckSlipData | ChangeNoticeData)
