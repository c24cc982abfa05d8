"""How a window reaches the centre (中心库连接): URL without password, sslmode, keyring password."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import psycopg

from models.errors import SoregError
from models.settings import CENTRAL_URL, DEMO_DATABASE, get_setting_in, set_setting_in
from models.store import Store
from sync.credentials import load_password, save_password
from sync.failures import unreachable_reason

URL_KEY = CENTRAL_URL
SSLMODE_KEY = "sync.sslmode"
ALLOW_FILE_KEYRING_KEY = "sync.allow_file_keyring"
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


@dataclass(frozen=True)
class CentralSettings:
    """Everything a sync needs to know about the centre, except the password (kept in the keyring)."""

    url: str
    sslmode: str = "prefer"
    allow_file_keyring: bool = False
    connect_timeout_s: int = 10
    push_batch: int = 5000
    pull_page: int = 5000
    snapshot_page: int = 10000
    code_block_threshold: int = 20
    code_block_size: int = 200
    digest_interval_hours: float = 24.0

    @property
    def role(self) -> str:
        user = urlsplit(self.url).username
        if not user:
            raise SoregError("中心数据库地址中没有用户名（窗口角色），例如 postgresql://soreg_w_w01@主机/库名。",
                             field="--url")
        return user

    def with_url(self, url: str) -> CentralSettings:
        return replace(self, url=url)


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname or not parts.path.strip("/"):
        raise SoregError("中心数据库地址应形如 postgresql://窗口角色@主机:端口/库名。", field="--url")
    if parts.password:
        raise SoregError("中心数据库地址中不能写密码：密码只保存在系统密钥环中。", field="--url")
    return url


def central_settings(store: Store) -> CentralSettings:
    """This window's connection settings; a SoregError if the centre was never set up."""
    with store.read() as session:
        url = get_setting_in(session, URL_KEY)
        sslmode = get_setting_in(session, SSLMODE_KEY, "prefer")
        allow_file = bool(get_setting_in(session, ALLOW_FILE_KEYRING_KEY, False))
    if not url:
        raise SoregError("本窗口尚未设置中心数据库连接，请先运行 central connect --url …。", field="中心数据库")
    return CentralSettings(url=url, sslmode=sslmode, allow_file_keyring=allow_file)


def refuse_demo(store: Store, doing: str) -> None:
    """A demo database (演示数据库, made by ``init --demo``) never reaches the centre: its cases and
    organizations are made up."""
    with store.read() as session:
        demo = bool(get_setting_in(session, DEMO_DATABASE))
    if demo:
        raise SoregError(f"这是演示数据库，演示数据库不能{doing}：其中的办件和组织都是虚构的。"
                         "请打开本窗口正式的数据库后再操作。", field="中心数据库")


def save_central_settings(store: Store, settings: CentralSettings, password: str | None, *, actor: str) -> None:
    """Keep URL and sslmode in the settings and the password in the keyring (never for a demo database)."""
    from models.audit import record_event_in

    refuse_demo(store, "连接中心")
    check_url(settings.url)
    if settings.sslmode not in SSLMODES:
        raise SoregError(f"sslmode 应为 {'、'.join(SSLMODES)} 之一。", field="--sslmode")
    if password is not None:
        save_password(settings.role, password, allow_file=settings.allow_file_keyring)
    with store.write() as session:
        set_setting_in(session, URL_KEY, settings.url)
        set_setting_in(session, SSLMODE_KEY, settings.sslmode)
        set_setting_in(session, ALLOW_FILE_KEYRING_KEY, settings.allow_file_keyring)
        record_event_in(session, actor=actor, action="sync.connect", record_type="central", record_id=settings.role,
                     after={"url": settings.url, "sslmode": settings.sslmode})


def connect(settings: CentralSettings) -> psycopg.Connection:
    """An autocommit connection as this window's role. Statements are not prepared on the
    server, so every call carries its SQL text (what the fault-injection tests key on)."""
    password = load_password(settings.role, allow_file=settings.allow_file_keyring)
    try:
        conn = psycopg.connect(settings.url, password=password, sslmode=settings.sslmode,
                               connect_timeout=settings.connect_timeout_s, autocommit=True,
                               application_name="soreg-sync")
    except psycopg.OperationalError as exc:
        raise SoregError(f"无法连接中心数据库：{unreachable_reason(exc)}", field="中心数据库") from exc
    conn.prepare_threshold = None
    return conn

