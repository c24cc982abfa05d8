"""Accounts: argon2id hashes, roles, lockout after five wrong passwords."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.users import LoginFailed, authenticate, create_user, disable_user, parse_roles
from models.accounts import Role, User
from models.audit import AuditEvent, verify_chain_in
from models.base import utcnow
from models.errors import SoregError

PASSWORD = "Zhang-San-2026"


@pytest.fixture
def clerk(store):
    return create_user(store, username="zhangsan", display_name="张三", password=PASSWORD,
                       roles=frozenset({Role.CLERK, Role.REVIEWER}), actor="system")


def _events(store, action: str) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_password_is_stored_only_as_argon2id_hash(store, clerk):
    with store.read() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "zhangsan"))
    assert stored.startswith("$argon2id$")
    store.close()  # checkpoints the WAL into the main file
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob(store.path.name + "*"))
    assert PASSWORD.encode() not in raw
    assert PASSWORD.encode("utf-16-le") not in raw


def test_user_holds_several_roles_and_creation_is_audited(store, clerk):
    assert clerk.roles == {Role.CLERK, Role.REVIEWER}
    assert clerk.role_labels == "窗口受理、审核"
    assert _events(store, "user.create") == 1


def test_roles_parse_from_codes_and_chinese_labels_and_unknown_ones_are_refused():
    assert parse_roles("clerk, 审批") == {Role.CLERK, Role.APPROVER}
    with pytest.raises(SoregError, match="角色“boss”不存在"):
        parse_roles("boss")


def test_login_with_right_password_is_audited(store, clerk):
    user = authenticate(store, "zhangsan", PASSWORD)
    assert user.display_name == "张三"
    assert _events(store, "user.login") == 1


def test_unknown_user_and_wrong_password_get_the_same_message(store, clerk):
    with pytest.raises(LoginFailed) as unknown:
        authenticate(store, "nobody", PASSWORD)
    with pytest.raises(LoginFailed) as wrong:
        authenticate(store, "zhangsan", "wrong-password")
    assert str(unknown.value).startswith("用户名或密码不正确")
    assert str(wrong.value).startswith("用户名或密码不正确")
    assert _events(store, "user.login") == 0


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(store, clerk):
    now = utcnow()
    for _ in range(1, 6):
        with pytest.raises(LoginFailed, match="用户名或密码不正确"):
            authenticate(store, "zhangsan", "wrong", now=now)
    # even the right password is refused while locked, with the same answer
    for later in (timedelta(seconds=30), timedelta(minutes=14, seconds=30)):
        with pytest.raises(LoginFailed, match="用户名或密码不正确"):
            authenticate(store, "zhangsan", PASSWORD, now=now + later)
    assert authenticate(store, "zhangsan", PASSWORD, now=now + timedelta(minutes=15, seconds=1)).username == "zhangsan"
    assert _events(store, "user.lock") == 1
    with store.read() as s:
        assert verify_chain_in(s).ok


def test_disabled_user_cannot_log_in(store, clerk):
    disable_user(store, "zhangsan", actor="admin")
    with pytest.raises(LoginFailed, match="用户名或密码不正确"):
        authenticate(store, "zhangsan", PASSWORD)


def test_bad_new_accounts_are_refused_with_the_field_named(store, clerk):
    with pytest.raises(SoregError, match="密码至少 8 位"):
        create_user(store, username="li", display_name="李四", password="short", roles=frozenset({Role.CLERK}), actor="a")
    with pytest.raises(SoregError, match="已被使用"):
        create_user(store, username="zhangsan", display_name="", password=PASSWORD, roles=frozenset({Role.CLERK}), actor="a")
    with pytest.raises(SoregError, match="用户名不能为空"):
        create_user(store, username="a b", display_name="", password=PASSWORD, roles=frozenset({Role.CLERK}), actor="a")
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 1
