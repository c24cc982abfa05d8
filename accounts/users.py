"""Accounts (用户): argon2id passwords, roles, lockout after repeated wrong passwords.

Every function opens its own write transaction on the store and writes an audit event for
each state change (user created, disabled, locked, logged in).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts import ROLE_LABELS, Role, User, UserRole
from models.audit import record_event
from models.base import local_time, utcnow
from models.errors import SoregError
from models.store import Store

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
SYSTEM_ACTOR = "system"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class UserInfo:
    """A user as the rest of the program sees it: plain data, no session attached."""

    id: uuid.UUID
    username: str
    display_name: str
    roles: frozenset[Role]
    active: bool
    locked_until: datetime | None

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def role_labels(self) -> str:
        return "、".join(ROLE_LABELS[r] for r in Role if r in self.roles)


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=user.role_set,
        active=user.active,
        locked_until=user.locked_until,
    )


def parse_roles(text: str) -> frozenset[Role]:
    """Roles from a comma list of codes or Chinese labels, e.g. ``clerk,审核``."""
    by_label = {label: role for role, label in ROLE_LABELS.items()}
    roles = set()
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        role = by_label.get(part) or next((r for r in Role if r.value == part.lower()), None)
        if role is None:
            choices = "、".join(f"{r.value}（{r.label}）" for r in Role)
            raise SoregError(f"角色“{part}”不存在，可选：{choices}。", field="角色")
        roles.add(role)
    if not roles:
        raise SoregError("请至少给出一个角色。", field="角色")
    return frozenset(roles)


def check_password_rule(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SoregError(f"密码至少 {MIN_PASSWORD_LENGTH} 位，请重新输入。", field="密码")


def _check_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise SoregError("用户名不能为空、不能含空格，且不超过 64 个字符。", field="用户名")
    return username


def has_users(store: Store) -> bool:
    with store.read() as session:
        return session.scalar(select(User.id).limit(1)) is not None


def create_user(
    store: Store,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: frozenset[Role],
    actor: str,
) -> UserInfo:
    """Create an account; the password is stored only as an argon2id hash."""
    username = _check_username(username)
    display_name = display_name.strip() or username
    check_password_rule(password)
    if not roles:
        raise SoregError("请至少给出一个角色。", field="角色")
    with store.write() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise SoregError(f"用户名“{username}”已被使用，请换一个。", field="用户名")
        user = User(
            username=username,
            display_name=display_name,
            password_hash=_hasher.hash(password),
            roles=[UserRole(role=r.value) for r in sorted(roles)],
        )
        session.add(user)
        session.flush()
        record_event(
            session,
            actor=actor,
            action="user.create",
            record_type="user",
            record_id=user.id,
            after={"username": username, "roles": sorted(r.value for r in roles)},
        )
        return _info(user)


def list_users(store: Store) -> list[UserInfo]:
    with store.read() as session:
        return [_info(u) for u in session.scalars(select(User).order_by(User.username))]


def _get(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise SoregError(f"用户“{username}”不存在。", field="用户名")
    return user


def disable_user(store: Store, username: str, *, actor: str) -> UserInfo:
    with store.write() as session:
        user = _get(session, username)
        if not user.active:
            raise SoregError(f"用户“{username}”已经停用。", field="用户名")
        user.active = False
        record_event(
            session,
            actor=actor,
            action="user.disable",
            record_type="user",
            record_id=user.id,
            before={"active": True},
            after={"active": False},
        )
        return _info(user)


class LoginFailed(SoregError):
    """Wrong user name or password, a disabled account or a locked one: one answer for all."""


LOGIN_REFUSED = "用户名或密码不正确，或账户已停用、已锁定。请重新输入；如需帮助请联系管理员。"
"""The only answer to a refused login: the login window does not tell which user names exist,
which accounts are disabled or locked, or how many tries are left (the administrator sees that)."""


@cache
def _dummy_hash() -> str:
    """An argon2id hash with the parameters of real ones, verified for a user name that does not
    exist, so that an unknown user takes as long to refuse as a wrong password."""
    return _hasher.hash(secrets.token_urlsafe(16))


def authenticate(store: Store, username: str, password: str, *, now: datetime | None = None) -> UserInfo:
    """Check a login; count wrong passwords and lock the account after the fifth.

    Every refusal — unknown user, wrong password, disabled or locked account — has the same
    message and costs one argon2 verification, so neither the answer nor its time tells a
    passer-by anything about the accounts.
    """
    now = now or utcnow()
    dummy = _dummy_hash()  # made on the first login of the run, whoever logs in: no first-time gap either
    with store.write() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        password_ok = _verify(user.password_hash if user is not None else dummy, password)
        if user is None or not user.active:
            raise LoginFailed(LOGIN_REFUSED, field="用户名")
        if user.locked_until is not None and user.locked_until > now:
            raise LoginFailed(LOGIN_REFUSED, field="用户名")
        if not password_ok:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCK_DURATION
                user.failed_logins = 0
                record_event(session, actor=user.username, action="user.lock", record_type="user", record_id=user.id,
                             after={"locked_until": user.locked_until.isoformat(), "reason": _lock_reason()})
            session.commit()  # the counter must survive the refusal
            raise LoginFailed(LOGIN_REFUSED, field="用户名")
        user.failed_logins = 0
        user.locked_until = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        record_event(session, actor=user.username, action="user.login", record_type="user", record_id=user.id)
        return _info(user)


def _lock_reason() -> str:
    return f"密码连续输错 {MAX_FAILED_LOGINS} 次"


def lock_status(user: UserInfo, *, now: datetime | None = None) -> str | None:
    """Why and until when an account is locked, for the administrator (never the login window)."""
    now = now or utcnow()
    if user.locked_until is None or user.locked_until <= now:
        return None
    return f"{_lock_reason()}，锁定至 {local_time(user.locked_until):%Y-%m-%d %H:%M}"


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
