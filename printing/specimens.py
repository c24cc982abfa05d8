"""Specimens (样张): every document filled with made-up data, for preview, calibration checks and tests.

``python -m printing.specimens OUTDIR`` renders each specimen in full and overlay mode to
``print_<document>_<mode>.png`` (with pypdfium2) so a person can look at them.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from printing.data import (
    CertificateData,
    ChangeNoticeData,
    CollectionReceiptData,
    CopyKind,
    CorrectionNoticeData,
    Document,
    NameCheckSlipData,
    OrgKind,
    ReceiptData,
    RejectionNoticeData,
)

SCOPE = ("组织会员开展餐饮行业调查研究，提出行业发展建议；制定并推行行规行约，开展行业自律；"
         "组织行业培训、技术交流、考察学习和展览展示活动；开展行业诚信建设和质量评价；"
         "承接政府部门委托的事项；为会员提供信息、咨询、法律等服务，维护会员合法权益。")


def certificate(org_kind: OrgKind = OrgKind.SOCIAL_GROUP, copy: CopyKind = CopyKind.ORIGINAL,
                **changes) -> CertificateData:
    social = org_kind is OrgKind.SOCIAL_GROUP
    values = dict(
        org_kind=org_kind,
        copy=copy,
        name="上海市长宁区餐饮行业协会" if social else "上海市长宁区䶮德社区服务中心",
        credit_code="51310105MJ5012345X",
        address="上海市长宁区愚园路1320号3楼305室",
        representative="王䶮",
        business_scope=SCOPE,
        capital_yuan=30000 if social else 50000,
        issued_on=date(2026, 11, 26),
        valid_from=date(2026, 11, 26),
        valid_until=date(2031, 11, 25),
        established_on=date(2026, 11, 26),
        serial="SZ2026000123",
        activity_area="上海市长宁区" if social else "",
        sponsor="" if social else "上海市长宁区教育局",
    )
    values.update(changes)
    return CertificateData(**values)


def receipt(**changes) -> ReceiptData:
    values = dict(
        case_no="W01-2026-000123",
        applicant="王䶮",
        organization_name="上海市长宁区餐饮行业协会",
        matter="成立登记",
        received_on=date(2026, 11, 26),
        due_date=date(2027, 1, 23),
        materials=("登记申请书", "章程草案", "验资报告", "住所使用证明", "拟任负责人基本情况和身份证明",
                   "发起人名单及身份证明", "业务主管单位审查同意的文件（直接登记的除外）"),
        issued_on=date(2026, 11, 26),
    )
    values.update(changes)
    return ReceiptData(**values)


def correction_notice(**changes) -> CorrectionNoticeData:
    values = dict(
        case_no="W01-2026-000124",
        applicant="上海市长宁区䶮德社区服务中心（筹）",
        organization_name="上海市长宁区䶮德社区服务中心",
        matter="成立登记",
        received_on=date(2026, 11, 20),
        missing_items=("住所使用证明（租赁期不少于1年）", "验资报告原件", "拟任法定代表人的无犯罪记录证明"),
        issued_on=date(2026, 11, 26),
        deadline=date(2026, 12, 17),
    )
    values.update(changes)
    return CorrectionNoticeData(**values)


def rejection_notice(**changes) -> RejectionNoticeData:
    values = dict(
        case_no="W01-2026-000125",
        applicant="李明",
        organization_name="上海市长宁区中华文化促进会",
        matter="成立登记",
        received_on=date(2026, 10, 10),
        reasons=("名称中使用“中华”字样，依照《社会组织名称管理办法》须由国务院民政部门登记，本机关无权登记。",
                 "会员人数不足五十个，不符合《社会团体登记管理条例》第十条的规定。"),
        issued_on=date(2026, 11, 26),
    )
    values.update(changes)
    return RejectionNoticeData(**values)


def collection_receipt(**changes) -> CollectionReceiptData:
    values = dict(
        case_no="W01-2026-000123",
        organization_name="上海市长宁区餐饮行业协会",
        credit_code="51310105MJ5012345X",
        originals=("SZ2026000123",),
        duplicates=("SF2026000456",),
        collector_name="王䶮",
        collector_id_number="310105199001011234",
        clerk_name="张三",
        issued_on=date(2026, 11, 30),
    )
    values.update(changes)
    return CollectionReceiptData(**values)


def name_check_slip(**changes) -> NameCheckSlipData:
    values = dict(
        case_no="W01-2026-000126",
        applicant="赵敏",
        proposed_name="上海市长宁区䶮德社区服务中心",
        org_type="民办非企业单位",
        approved=True,
        reviewer="李审核",
        decided_on=date(2026, 11, 25),
        notes=("与已登记的“上海市长宁区燕德社区服务中心”读音相同，已由审核人员确认不致混淆。",),
        issued_on=date(2026, 11, 26),
        reserved_until=date(2027, 5, 24),
    )
    values.update(changes)
    return NameCheckSlipData(**values)


NEW_SCOPE = SCOPE.replace("承接政府部门委托的事项；", "承接政府部门委托的事项；开展餐饮食品安全宣传和厨余垃圾分类指导；")


def change_notice(**changes) -> ChangeNoticeData:
    values = dict(
        case_no="W01-2026-000127",
        organization_name="上海市长宁区䶮德餐饮行业协会",
        former_name="上海市长宁区餐饮行业协会",
        credit_code="51310105MJ5012345X",
        received_on=date(2026, 11, 2),
        decided_on=date(2026, 11, 24),
        changes=(("名称", "上海市长宁区餐饮行业协会", "上海市长宁区䶮德餐饮行业协会"),
                 ("住所", "上海市长宁区愚园路1320号3楼305室", "上海市长宁区天山路200号2楼（华阳路街道）"),
                 ("法定代表人", "王䶮", "李建国"),
                 ("业务范围", SCOPE, NEW_SCOPE)),
        issued_on=date(2026, 11, 26),
    )
    values.update(changes)
    return ChangeNoticeData(**values)


def long_certificate(copy: CopyKind) -> CertificateData:
    """A certificate whose 名称, 住所, 业务主管单位, 活动地域 and 业务范围 sit at their accepted maximum."""
    from forms.print_limits import max_chars, scope_as_printed

    def text(length: int, start: str = "上海市长宁区", end: str = "") -> str:
        filler = "华阳路街道社区居民文化体育活动中心12号楼（东），邻里互助服务站；"
        return start + (filler * (length // len(filler) + 1))[: length - len(start) - len(end)] + end

    per_item = (max_chars("business_scope") - 5) // 5
    scope = scope_as_printed([text(per_item, "组织", "") for _ in range(5)])
    return certificate(OrgKind.SOCIAL_GROUP, copy,
                       name=("上海市长宁区" + "华阳路社区居民文化体育睦邻互助" * 4)[: max_chars("name") - 6] + "养老服务协会",
                       address=text(max_chars("address")), sponsor=text(max_chars("sponsor"), end="局"),
                       activity_area=text(max_chars("activity_area")), business_scope=scope)


def all_specimens() -> dict[str, Document]:
    """Every document kind, keyed by a short file-name-friendly name."""
    return {
        "certificate_social_group_original": certificate(OrgKind.SOCIAL_GROUP, CopyKind.ORIGINAL),
        "certificate_social_group_duplicate": certificate(OrgKind.SOCIAL_GROUP, CopyKind.DUPLICATE),
        "certificate_private_non_enterprise_original": certificate(OrgKind.PRIVATE_NON_ENTERPRISE, CopyKind.ORIGINAL),
        "certificate_private_non_enterprise_duplicate": certificate(OrgKind.PRIVATE_NON_ENTERPRISE, CopyKind.DUPLICATE),
        "receipt": receipt(),
        "correction_notice": correction_notice(),
        "rejection_notice": rejection_notice(),
        "collection_receipt": collection_receipt(),
        "name_check_slip": name_check_slip(),
        "change_approval_notice": change_notice(),
    }


def issue_specimens() -> dict[str, Document]:
    """The pages the printing issue asks to look at: long values on both copies, a receipt with a missing
    material, a 补正 notice of two pages (the 名称核准 slip above is a decided one)."""
    items = tuple(f"第{n}项：请补交与业务范围第{n}项有关的证明材料（原件及复印件各一份）" for n in range(1, 41))
    return {
        "certificate_long_values_original": long_certificate(CopyKind.ORIGINAL),
        "certificate_long_values_duplicate": long_certificate(CopyKind.DUPLICATE),
        "receipt_missing_material": receipt(materials=receipt().materials[:-2], missing=receipt().materials[-2:],
                                            supplement_by=date(2026, 12, 17)),
        "correction_notice_two_pages": correction_notice(missing_items=items),
    }


def render_screenshots(folder: Path, dpi: int = 110) -> list[Path]:
    """Render every specimen (full, and overlay where it has stock), the issue's pages and the
    calibration page to PNG files in ``folder``; every page of a longer document."""
    import pypdfium2
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from printing.calibration_page import calibration_page_pdf
    from printing.documents import document_pdf
    from printing.render import PrintMode
    from printing.templates import load_template
    from signing.keys import WindowSigner

    signer = WindowSigner("W01-SPECIM", Ed25519PrivateKey.generate())
    folder.mkdir(parents=True, exist_ok=True)
    pdfs = {f"{name}_{mode.value}": document_pdf(doc, signer=signer, mode=mode)
            for name, doc in all_specimens().items() for mode in PrintMode
            if mode is PrintMode.FULL or load_template(doc.template).stock}
    pdfs |= {name: document_pdf(doc, signer=signer) for name, doc in issue_specimens().items()}
    pdfs["certificate_social_group_original_draft"] = document_pdf(certificate(serial=""), draft=True)
    pdfs["calibration"] = calibration_page_pdf()
    written = []
    for name, pdf in pdfs.items():
        document = pypdfium2.PdfDocument(pdf)
        for number, page in enumerate(document, start=1):
            suffix = f"_p{number}" if len(document) > 1 else ""
            path = folder / f"print_{name}{suffix}.png"
            page.render(scale=dpi / 72).to_pil().save(path)
            written.append(path)
        document.close()
    return written


if __name__ == "__main__":
    for written_path in render_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(written_path)
