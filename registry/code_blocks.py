"""Reserved blocks of organization codes (组织机构代码号段) and credit-code assignment (赋码).

A window that registers offline needs organization codes of its own: the authority hands it a
block, loaded here with ``add_block`` (first body and count, the command line) or
``add_block_between`` (the first and last full codes as the allocation notice prints them, both
check characters verified: the 设置 page); a window connected to the centre also reserves blocks
when it syncs. ``assign_credit_code_in`` takes the next free code inside the registration's own
transaction, so a code is used exactly when the registration commits.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from forms.fields import Field, FieldInvalid, as_single_line
from forms.text import TextRefused, normalize_text
from models import reference
from models.audit import record_event_in
from models.errors import SoregError
from models.registry import CodeBlock, OrganizationCode
from models.settings import get_setting_in
from models.store import Store
from registry.credit_code import (
    ALPHABET,
    build_credit_code,
    organization_code,
    organization_code_check,
)

LOW_WARNING_SETTING = "codes.low_warning"
"""Setting: warn when fewer than this many codes remain (default 20)."""
LOW_WARNING_DEFAULT = 20
_CHUNK = 500
_TRAILING_DIGITS = re.compile(r"\d+$")
WHAT_TO_DO = "请管理员在“设置 → 代码段”中载入区局分配的号段（已连接区中心的窗口，同步时会自动领取）"
"""Where a window gets codes, in the words the clerk sees wherever codes run short."""


@dataclass(frozen=True)
class AssignedCode:
    """A credit code just assigned, with how many organization codes are left."""

    code: str
    organization_code: str
    remaining: int
    low_threshold: int

    @property
    def warning(self) -> str | None:
        if self.remaining >= self.low_threshold:
            return None
        return f"本窗口的组织机构代码只剩 {self.remaining} 个，{WHAT_TO_DO}。"


@dataclass(frozen=True)
class BlockSummary:
    """One loaded block as the status report shows it."""

    id: uuid.UUID
    first: str
    last: str
    count: int
    used: int

    @property
    def free(self) -> int:
        return self.count - self.used


def block_codes(first_body8: str, count: int) -> list[str]:
    """The block's 9-character codes: the body counted up through its trailing digits."""
    body = first_body8.strip()
    if len(body) != 8 or any(ch not in ALPHABET for ch in body):
        raise SoregError(
            f"号段起始“{first_body8}”应为组织机构代码的前 8 位（数字或大写字母，不含 I、O、S、V、Z，不含校验位）。",
            field="FIRST",
        )
    if count < 1:
        raise SoregError(f"号段数量应为正整数，实为 {count}。", field="COUNT")
    digits = _TRAILING_DIGITS.search(body)
    if digits is None:
        raise SoregError(f"号段起始“{body}”末尾没有数字，无法依次编号。", field="FIRST")
    stem, start, width = body[: digits.start()], int(digits.group()), len(digits.group())
    room = 10**width - start
    if count > room:
        raise SoregError(
            f"号段溢出：“{body}”末尾 {width} 位数字从 {digits.group()} 起最多还能编 {room} 个代码，不能载入 {count} 个。",
            field="COUNT",
        )
    return [organization_code(f"{stem}{n:0{width}d}") for n in range(start, start + count)]


def _existing(session: Session, codes: list[str]) -> list[str]:
    found: list[str] = []
    for i in range(0, len(codes), _CHUNK):
        chunk = codes[i : i + _CHUNK]
        found += session.scalars(select(OrganizationCode.code).where(OrganizationCode.code.in_(chunk)))
    return sorted(found)


def add_block(store: Store, first_body8: str, count: int, *, actor: str, note: str | None = None) -> BlockSummary:
    """Load a block of ``count`` codes starting at ``first_body8``; refuse any overlap."""
    codes = block_codes(first_body8, count)
    with store.write() as session:
        clash = _existing(session, codes)
        if clash:
            more = f" 等 {len(clash)} 个代码" if len(clash) > 1 else ""
            raise SoregError(f"号段与已载入的代码重叠：{clash[0]}{more} 已经存在，未载入任何代码。", field="FIRST")
        block = CodeBlock(first_body=codes[0][:8], count=count, note=note)
        session.add(block)
        session.flush()
        rows = [{"code": c, "block_id": block.id, "position": i} for i, c in enumerate(codes)]
        for i in range(0, len(rows), _CHUNK):
            session.execute(insert(OrganizationCode), rows[i : i + _CHUNK])
        record_event_in(session, actor=actor, action="codes.add_block", record_type="code_block", record_id=block.id,
                     after={"first": codes[0], "last": codes[-1], "count": count})
        return BlockSummary(block.id, codes[0], codes[-1], count, 0)


def _body_of(code: str, label: str) -> str:
    """The 8-character body of a full organization code typed as ``label``, its check character verified."""
    try:
        code = normalize_text(code).upper().replace("-", "")
    except TextRefused as exc:
        raise SoregError(f"“{label}”{exc.reason}", field=label) from None
    if len(code) != 9 or any(ch not in ALPHABET for ch in code):
        raise SoregError(f"“{label}”应为 9 位组织机构代码：8 位数字或大写字母（不含 I、O、S、V、Z）加 1 位校验位，"
                         f"例如 MJ000001-8，实为“{code}”。", field=label)
    body, check = code[:8], code[8]
    expected = organization_code_check(body)
    if check != expected:
        raise SoregError(f"“{label}”{body}-{check} 的校验位不对，应为 {expected}：请对照号段通知核对，多半是抄错了一位。",
                         field=label)
    return body


BLOCK_NOTE = Field("note", "备注", as_single_line, max_length=200)


def add_block_between(store: Store, first_code: str, last_code: str, *, actor: str,
                      note: str | None = None) -> BlockSummary:
    """Load the block from ``first_code`` to ``last_code`` (full 9-character codes, both ends
    included); each check character is verified, so a code copied wrongly is refused."""
    first, last = _body_of(first_code, "起始代码"), _body_of(last_code, "截止代码")
    digits = _TRAILING_DIGITS.search(first)
    if digits is None:
        raise SoregError(f"起始代码“{first}”的本体末尾没有数字，无法依次编号。", field="起始代码")
    stem, tail = first[: digits.start()], last[digits.start():]
    if last[: digits.start()] != stem or not tail.isdigit() or int(tail) < int(digits.group()):
        raise SoregError(f"截止代码应与起始代码同属一个号段（前 {len(stem)} 位同为 {stem}），且不小于起始代码。",
                         field="截止代码")
    count = int(tail) - int(digits.group()) + 1
    try:
        note = BLOCK_NOTE.read(note)
    except FieldInvalid as exc:
        raise SoregError(f"“备注”{exc.reason}", field="备注") from None
    return add_block(store, first, count, actor=actor, note=note)


def codes_remaining_in(session: Session) -> int:
    """How many loaded organization codes are still free."""
    return session.scalar(select(func.count()).select_from(OrganizationCode).where(OrganizationCode.used_by.is_(None)))


def assign_credit_code_in(session: Session, org_type: str, *, division: str | None = None,
                          dept: str | None = None) -> AssignedCode:
    """Take the next free code (oldest block, lowest position) and mark it used by the credit
    code built from it — in the caller's write transaction, so it commits with the registration."""
    types = reference.org_types()
    if org_type not in types:
        raise SoregError(f"组织类型“{org_type}”不存在，可选：{'、'.join(types)}。", field="组织类型")
    org_code = session.scalar(
        select(OrganizationCode.code)
        .join(CodeBlock, CodeBlock.id == OrganizationCode.block_id)
        .where(OrganizationCode.used_by.is_(None))
        .order_by(CodeBlock.created_at, CodeBlock.id, OrganizationCode.position)
        .limit(1)
    )
    if org_code is None:
        raise SoregError(f"本窗口没有可用的组织机构代码，不能核准登记：{WHAT_TO_DO}，然后再核准。",
                         field="统一社会信用代码")
    credit_code = build_credit_code(org_code, types[org_type].code_digit, division=division, dept=dept)
    marked = session.execute(
        update(OrganizationCode)
        .where(OrganizationCode.code == org_code, OrganizationCode.used_by.is_(None))
        .values(used_by=credit_code)
    )
    if marked.rowcount != 1:  # only possible if the caller's transaction does not hold the write lock
        raise SoregError("组织机构代码分配冲突，请重试。", field="统一社会信用代码")
    threshold = int(get_setting_in(session, LOW_WARNING_SETTING, LOW_WARNING_DEFAULT))
    return AssignedCode(credit_code, org_code, codes_remaining_in(session), threshold)


def block_status(store: Store) -> list[BlockSummary]:
    """Every loaded block, oldest first, with how many of its codes are used."""
    with store.read() as session:
        used = func.count(OrganizationCode.used_by)
        rows = session.execute(
            select(CodeBlock.id, CodeBlock.count, func.min(OrganizationCode.code), func.max(OrganizationCode.code), used)
            .join(OrganizationCode, OrganizationCode.block_id == CodeBlock.id)
            .group_by(CodeBlock.id)
            .order_by(CodeBlock.created_at, CodeBlock.id)
        ).all()
    return [BlockSummary(id=r[0], first=r[2], last=r[3], count=r[1], used=r[4]) for r in rows]


@dataclass(frozen=True)
class CodeSupply:
    """The window's organization codes as the 设置 page and the 首页 show them."""

    blocks: list[BlockSummary]
    low_threshold: int

    @property
    def remaining(self) -> int:
        return sum(b.free for b in self.blocks)

    @property
    def notice(self) -> str | None:
        """What the clerk must know, in the clerk's words; None while codes are plentiful."""
        if self.remaining == 0:
            had = "号段已用完" if self.blocks else "还没有组织机构代码号段"
            return f"本窗口{had}，核准登记时无法给新组织赋统一社会信用代码。{WHAT_TO_DO}。"
        if self.remaining < self.low_threshold:
            return f"本窗口的组织机构代码只剩 {self.remaining} 个，{WHAT_TO_DO}。"
        return None


def code_supply(store: Store) -> CodeSupply:
    with store.read() as session:
        threshold = int(get_setting_in(session, LOW_WARNING_SETTING, LOW_WARNING_DEFAULT))
    return CodeSupply(block_status(store), threshold)
