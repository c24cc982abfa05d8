"""Organization-code blocks: loading, assignment, exhaustion, and a crash before commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accounts.window import init_window
from models.audit import AuditEvent
from models.errors import SoregError
from models.registry import OrganizationCode
from models.store import open_store
from registry.code_blocks import (
    add_block,
    add_block_between,
    assign_credit_code_in,
    block_codes,
    block_status,
    code_supply,
    codes_remaining_in,
)
from registry.credit_code import organization_code, validate_credit_code

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "t.sqlite3")
    init_window(s, "W01", actor="system")
    yield s
    s.close()


def assign(store, org_type="民办非企业单位"):
    with store.write() as session:
        return assign_credit_code_in(session, org_type)


def test_block_counts_up_through_the_trailing_digits(store):
    block = add_block(store, "MA1FL098", 4, actor="admin")
    assert (block.first, block.last, block.count) == (organization_code("MA1FL098"), organization_code("MA1FL101"), 4)
    with store.read() as session:
        codes = session.scalars(select(OrganizationCode.code).order_by(OrganizationCode.position)).all()
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "codes.add_block")).one()
    assert [c[:8] for c in codes] == ["MA1FL098", "MA1FL099", "MA1FL100", "MA1FL101"]
    assert event.actor == "admin" and block.first in event.summary


def test_block_that_overflows_its_trailing_digits_is_refused(store):
    with pytest.raises(SoregError, match="号段溢出.*末尾 3 位数字从 998 起最多还能编 2 个代码，不能载入 3 个"):
        add_block(store, "MA1FL998", 3, actor="admin")
    with pytest.raises(SoregError, match="末尾没有数字"):
        block_codes("MA1FLABC", 1)
    with pytest.raises(SoregError, match="前 8 位"):
        block_codes("MA1FL0015", 1)
    with pytest.raises(SoregError, match="正整数"):
        block_codes("MA1FL001", 0)


def test_overlapping_block_is_refused_and_loads_nothing(store):
    add_block(store, "L0000010", 10, actor="admin")
    with pytest.raises(SoregError, match=f"重叠：{organization_code('L0000019')} 已经存在"):
        add_block(store, "L0000019", 5, actor="admin")
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(OrganizationCode)) == 10


def test_assignment_never_repeats_and_every_code_validates(store):
    add_block(store, "L0000001", 25, actor="admin")
    add_block(store, "K0000001", 5, actor="admin")
    results = [assign(store, t) for t in ["社会团体", "民办非企业单位", "基金会"] * 10]
    codes = [r.code for r in results]
    assert len(set(codes)) == 30
    assert all(validate_credit_code(c).valid for c in codes)
    # oldest block first, lowest position first; type digit from the organization type
    assert [r.organization_code[:8] for r in results[:3]] == ["L0000001", "L0000002", "L0000003"]
    assert results[25].organization_code.startswith("K")
    assert codes[0].startswith("51310105") and codes[1].startswith("52310105") and codes[2].startswith("53310105")
    with store.read() as session:
        used = set(session.scalars(select(OrganizationCode.used_by)))
    assert used == set(codes)
    with pytest.raises(SoregError) as refused:
        assign(store)
    assert refused.value.message == ("本窗口没有可用的组织机构代码，不能核准登记：请管理员在“设置 → 代码段”中载入区局分配的号段"
                                     "（已连接区中心的窗口，同步时会自动领取），然后再核准。")


def test_warning_when_fewer_than_twenty_remain(store):
    add_block(store, "L0000001", 22, actor="admin")
    first, second, third = assign(store), assign(store), assign(store)
    assert (first.remaining, first.warning) == (21, None)
    assert second.remaining == 20 and second.warning is None
    assert third.remaining == 19
    assert third.warning == ("本窗口的组织机构代码只剩 19 个，请管理员在“设置 → 代码段”中载入区局分配的号段"
                             "（已连接区中心的窗口，同步时会自动领取）。")
    assert [(b.count, b.used, b.free) for b in block_status(store)] == [(22, 3, 19)]


def test_assignment_rolls_back_with_the_registration(store):
    add_block(store, "L0000001", 3, actor="admin")
    with pytest.raises(RuntimeError), store.write() as session:
        taken = assign_credit_code_in(session, "基金会")
        raise RuntimeError("registration failed")
    assert assign(store, "基金会").code == taken.code


def test_unknown_type_is_refused(store):
    add_block(store, "L0000001", 3, actor="admin")
    with pytest.raises(SoregError, match="组织类型“公司”不存在"):
        assign(store, "公司")


CRASHING_REGISTRATION = textwrap.dedent(
    """
    import sys, time
    from models.store import open_store
    from registry.code_blocks import assign_credit_code_in
    store = open_store(sys.argv[1])
    with store.write() as session:
        assigned = assign_credit_code_in(session, "民办非企业单位")
        session.flush()
        print(assigned.code, flush=True)
        time.sleep(60)  # killed here, before the commit
    """
)


def test_code_taken_by_a_killed_process_is_still_free(store):
    add_block(store, "L0000001", 5, actor="admin")
    store.close()
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHING_REGISTRATION, str(store.path)],
        cwd=PROJECT, stdout=subprocess.PIPE, text=True,
    )
    try:
        taken_by_child = child.stdout.readline().strip()
        assert validate_credit_code(taken_by_child).valid
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    reopened = open_store(store.path)
    try:
        with reopened.read() as session:
            assert codes_remaining_in(session) == 5
        codes = []
        for _ in range(5):
            with reopened.write() as session:
                codes.append(assign_credit_code_in(session, "民办非企业单位").code)
        assert codes[0] == taken_by_child
        assert codes.count(taken_by_child) == 1 and len(set(codes)) == 5
    finally:
        reopened.close()


def test_a_block_loads_from_its_first_and_last_codes_with_both_check_characters_verified(store):
    assert organization_code("MJ000001") == "MJ0000018" and organization_code("MJ000200") == "MJ0002005"
    with pytest.raises(SoregError, match="“起始代码”MJ000001-7 的校验位不对，应为 8") as refused:
        add_block_between(store, "MJ0000017", "MJ0002005", actor="admin")
    assert refused.value.field == "起始代码"
    with pytest.raises(SoregError, match="“截止代码”MJ000200-6 的校验位不对，应为 5"):
        add_block_between(store, "MJ0000018", "MJ0002006", actor="admin")
    with pytest.raises(SoregError, match="应为 9 位组织机构代码"):
        add_block_between(store, "MJ000001", "MJ0002005", actor="admin")
    with pytest.raises(SoregError, match="截止代码应与起始代码同属一个号段（前 2 位同为 MJ）"):
        add_block_between(store, "MJ0002005", "MJ0000018", actor="admin")
    assert codes_total(store) == 0
    block = add_block_between(store, "ｍｊ000001-8", " MJ0002005 ", actor="admin", note="长民〔2026〕1号")
    assert (block.first, block.last, block.count) == ("MJ0000018", "MJ0002005", 200)


def codes_total(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(OrganizationCode))


def test_the_code_supply_tells_a_new_window_where_to_get_codes(store):
    empty = code_supply(store)
    assert empty.remaining == 0
    assert empty.notice == ("本窗口还没有组织机构代码号段，核准登记时无法给新组织赋统一社会信用代码。"
                            "请管理员在“设置 → 代码段”中载入区局分配的号段（已连接区中心的窗口，同步时会自动领取）。")
    add_block(store, "L0000001", 20, actor="admin")
    assert code_supply(store).notice is None
    assign(store)
    assert code_supply(store).notice.startswith("本窗口的组织机构代码只剩 19 个，请管理员在“设置 → 代码段”")
