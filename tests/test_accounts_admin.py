"""User administration (用户管理) as the 设置 page uses it: enable, roles, password reset, unlock,
and the window never left without an administrator."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from accounts.users import (
    MAX_FAILED_LOGINS,
    LoginFailed,
    authenticate,
    create_user,
    disable_user,
    enable_user,
    reset_password,
    set_roles,
    unlock_user,
)
from models.accounts import Role
from models.audit import AuditEvent, verify_chain_in
from models.base import utcnow
from models.errors import SoregError

PASSWORD = "Zhang-San-2026"


def _user(store, username: str, *roles: Role):
    return create_user(store, username=username, display_name="张三", password=PASSWORD,
                       roles=frozenset(roles), actor="system")


def _last_event(store, action: str) -> tuple[str, dict]:
    with store.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())).first()
        return event.actor, json.loads(event.summary)


@pytest.fixture
def admins(store):
    return _user(store, "admin", Role.ADMIN), _user(store, "clerk", Role.CLERK)


def test_a_disabled_user_can_be_enabled_again_and_both_are_audited(store, admins):
    disable_user(store, "clerk", actor="admin")
    with pytest.raises(LoginFailed, match="已停用"):
        authenticate(store, "clerk", PASSWORD)
    assert enable_user(store, "clerk", actor="admin").active
    assert authenticate(store, "clerk", PASSWORD).username == "clerk"
    assert _last_event(store, "user.enable") == ("admin", {"before": {"active": False}, "after": {"active": True}})
    with pytest.raises(SoregError, match="已是启用状态"):
        enable_user(store, "clerk", actor="admin")


def test_an_administrator_cannot_disable_themself_nor_the_last_administrator(store, admins):
    with pytest.raises(SoregError, match="不能停用自己的账户"):
        disable_user(store, "admin", actor="admin")
    with pytest.raises(SoregError, match="唯一启用的管理员"):
        disable_user(store, "admin", actor="system")
    _user(store, "admin2", Role.ADMIN)
    assert not disable_user(store, "admin", actor="admin2").active


def test_roles_change_but_never_leave_the_window_without_an_administrator(store, admins):
    changed = set_roles(store, "clerk", frozenset({Role.CLERK, Role.REVIEWER}), actor="admin")
    assert changed.roles == {Role.CLERK, Role.REVIEWER}
    assert _last_event(store, "user.roles")[1] == {"before": {"roles": ["clerk"]}, "after": {"roles": ["clerk", "reviewer"]}}
    with pytest.raises(SoregError, match="不能取消自己的管理员角色"):
        set_roles(store, "admin", frozenset({Role.CLERK}), actor="admin")
    with pytest.raises(SoregError, match="唯一启用的管理员，不能取消管理员角色"):
        set_roles(store, "admin", frozenset({Role.CLERK}), actor="system")
    with pytest.raises(SoregError, match="请至少给出一个角色"):
        set_roles(store, "clerk", frozenset(), actor="admin")
    set_roles(store, "clerk", frozenset({Role.ADMIN}), actor="admin")  # now two administrators
    assert set_roles(store, "admin", frozenset({Role.APPROVER}), actor="clerk").roles == {Role.APPROVER}


def test_a_disabled_administrator_does_not_count_as_the_one_left(store, admins):
    _user(store, "admin2", Role.ADMIN)
    disable_user(store, "admin2", actor="admin")
    with pytest.raises(SoregError, match="唯一启用的管理员"):
        set_roles(store, "admin", frozenset({Role.CLERK}), actor="system")


def test_a_reset_password_logs_in_and_clears_a_lockout_without_recording_the_password(store, admins):
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            authenticate(store, "clerk", "wrong-password")
    reset_password(store, "clerk", "New-Pass-2026", actor="admin")
    with pytest.raises(LoginFailed):
        authenticate(store, "clerk", PASSWORD)
    assert authenticate(store, "clerk", "New-Pass-2026").username == "clerk"
    actor, summary = _last_event(store, "user.reset_password")
    assert actor == "admin" and summary["after"] == {"password": "已重置", "locked_until": None, "failed_logins": 0}
    assert summary["before"]["locked_until"] is not None
    assert "New-Pass-2026" not in json.dumps(summary)
    with pytest.raises(SoregError, match="密码至少 8 位"):
        reset_password(store, "clerk", "short", actor="admin")


def test_unlock_lets_a_locked_user_in_at_once(store, admins):
    with pytest.raises(SoregError, match="没有被锁定"):
        unlock_user(store, "clerk", actor="admin")
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            authenticate(store, "clerk", "wrong-password")
    with pytest.raises(LoginFailed, match="已锁定"):
        authenticate(store, "clerk", PASSWORD)
    unlocked = unlock_user(store, "clerk", actor="admin")
    assert not unlocked.is_locked(utcnow())
    assert authenticate(store, "clerk", PASSWORD).username == "clerk"
    assert _last_event(store, "user.unlock")[1]["after"] == {"locked_until": None, "failed_logins": 0}
    with store.read() as s:
        assert verify_chain_in(s).ok


def test_a_display_name_follows_the_text_policy(store):
    with pytest.raises(SoregError, match="“姓名”含有表情符号"):
        create_user(store, username="li", display_name="李四😀", password=PASSWORD, roles=frozenset({Role.CLERK}),
                    actor="system")
    with pytest.raises(SoregError, match="“姓名”应为一行"):
        create_user(store, username="li", display_name="李\n四", password=PASSWORD, roles=frozenset({Role.CLERK}),
                    actor="system")
    assert create_user(store, username="li", display_name=" 李四 ", password=PASSWORD, roles=frozenset({Role.CLERK}),
                       actor="system").display_name == "李四"
