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
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.fields import Field, FieldInvalid, as_single_line
from models.accounts import ROLE_LABELS, Role, User, UserRole
from models.audit import record_event_in
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

    def is_locked(self, now: datetime) -> bool:
        """Locked out after too many wrong passwords (``now`` in UTC, as ``locked_until``)."""
        return self.locked_until is not None and self.locked_until > now

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


DISPLAY_NAME = Field("display_name", "姓名", as_single_line, max_length=64)


def _check_display_name(display_name: str) -> str:
    try:
        return DISPLAY_NAME.read(display_name) or ""
    except FieldInvalid as exc:
        raise SoregError(f"“姓名”{exc.reason}", field="姓名") from None


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
    display_name = _check_display_name(display_name) or username
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
        record_event_in(
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


def _active_admins(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(User).join(UserRole)
        .where(User.active.is_(True), UserRole.role == Role.ADMIN.value)
    ) or 0


def _keep_an_administrator(session: Session, user: User, *, actor: str, what: str) -> None:
    """Refuse to ``what`` (停用 the account / 取消 its 管理员角色) when ``user`` is the actor's own
    account or the window's last active administrator: the window would lose its administration."""
    own = {"停用": "停用自己的账户", "取消管理员角色": "取消自己的管理员角色"}[what]
    if user.username == actor:
        raise SoregError(f"不能{own}：请由另一位管理员操作，以免本窗口无人能管理。", field="用户名")
    if user.active and Role.ADMIN in user.role_set and _active_admins(session) <= 1:
        raise SoregError(f"“{user.username}”是本窗口唯一启用的管理员，不能{what}：请先给另一位用户管理员角色。",
                         field="用户名")


def disable_user(store: Store, username: str, *, actor: str) -> UserInfo:
    """停用: the account can no longer log in; never the actor's own nor the last administrator."""
    with store.write() as session:
        user = _get(session, username)
        if not user.active:
            raise SoregError(f"用户“{username}”已经停用。", field="用户名")
        _keep_an_administrator(session, user, actor=actor, what="停用")
        user.active = False
        record_event_in(
            session,
            actor=actor,
            action="user.disable",
            record_type="user",
            record_id=user.id,
            before={"active": True},
            after={"active": False},
        )
        return _info(user)


def enable_user(store: Store, username: str, *, actor: str) -> UserInfo:
    """重新启用 a disabled account."""
    with store.write() as session:
        user = _get(session, username)
        if user.active:
            raise SoregError(f"用户“{username}”已是启用状态。", field="用户名")
        user.active = True
        record_event_in(session, actor=actor, action="user.enable", record_type="user", record_id=user.id,
                     before={"active": False}, after={"active": True})
        return _info(user)


def set_roles(store: Store, username: str, roles: frozenset[Role], *, actor: str) -> UserInfo:
    """Give the account exactly ``roles`` (更改角色); the administrator role is never taken from
    the actor nor from the last active administrator."""
    if not roles:
        raise SoregError("请至少给出一个角色。", field="角色")
    with store.write() as session:
        user = _get(session, username)
        before = user.role_set
        if before == roles:
            raise SoregError(f"用户“{username}”的角色没有变化。", field="角色")
        if Role.ADMIN in before and Role.ADMIN not in roles:
            _keep_an_administrator(session, user, actor=actor, what="取消管理员角色")
        user.roles = [UserRole(role=r.value) for r in sorted(roles)]
        record_event_in(session, actor=actor, action="user.roles", record_type="user", record_id=user.id,
                     before={"roles": sorted(r.value for r in before)}, after={"roles": sorted(r.value for r in roles)})
        return _info(user)


def _lock_state(user: User) -> dict:
    return {"locked_until": user.locked_until.isoformat() if user.locked_until else None,
            "failed_logins": user.failed_logins}


def reset_password(store: Store, username: str, password: str, *, actor: str) -> UserInfo:
    """重置密码: a new password chosen by the administrator; the lockout and the count of wrong
    passwords are cleared too, so the user can log in with it at once. The audit event says that
    the password changed, never what it is."""
    check_password_rule(password)
    with store.write() as session:
        user = _get(session, username)
        before = _lock_state(user)
        user.password_hash = _hasher.hash(password)
        user.failed_logins, user.locked_until = 0, None
        record_event_in(session, actor=actor, action="user.reset_password", record_type="user", record_id=user.id,
                     before=before, after={"password": "已重置", "locked_until": None, "failed_logins": 0})
        return _info(user)


def unlock_user(store: Store, username: str, *, actor: str, now: datetime | None = None) -> UserInfo:
    """解锁: clear a lockout after too many wrong passwords (and the count of wrong passwords)."""
    now = now or utcnow()
    with store.write() as session:
        user = _get(session, username)
        if not (user.locked_until is not None and user.locked_until > now) and not user.failed_logins:
            raise SoregError(f"用户“{username}”没有被锁定，无需解锁。", field="用户名")
        before = _lock_state(user)
        user.failed_logins, user.locked_until = 0, None
        record_event_in(session, actor=actor, action="user.unlock", record_type="user", record_id=user.id,
                     before=before, after={"locked_until": None, "failed_logins": 0})
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


def prepare_login() -> None:
    """Make the run's first argon2 hash now rather than at the first login (the GUI does it while
    the clerk types)."""
    _dummy_hash()


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
                record_event_in(session, actor=user.username, action="user.lock", record_type="user", record_id=user.id,
                             after={"locked_until": user.locked_until.isoformat(), "reason": _lock_reason()})
            session.commit()  # the counter must survive the refusal
            raise LoginFailed(LOGIN_REFUSED, field="用户名")
        user.failed_logins = 0
        user.locked_until = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        record_event_in(session, actor=user.username, action="user.login", record_type="user", record_id=user.id)
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
