"""Sync preferences (同步设置) as the 同步 page edits them: the centre's address and the window's
account as two fields, the automatic sync interval, and how long to wait while the centre is away.

The connection itself (URL, sslmode, keyring password) is kept by ``sync.connection``; this module
only splits the URL for the form and adds the automatic interval (``sync.auto_minutes``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from models.audit import record_event_in
from models.errors import SoregError
from models.settings import get_setting_in, set_setting_in
from models.store import Store
from sync.connection import CentralSettings, check_url, save_central_settings
from sync.recovery import check_reinstall

AUTO_MINUTES_KEY = "sync.auto_minutes"
DEFAULT_AUTO_MINUTES = 5
MAX_AUTO_MINUTES = 24 * 60
RETRY_CAP_MS = 60 * 60_000
"""While the centre does not answer, automatic attempts space out up to an hour apart."""


def central_url(address: str, role: str) -> str:
    """``postgresql://role@address`` from the form's 中心地址 (主机:端口/库名) and 窗口账户."""
    address, role = address.strip(), role.strip()
    if not role or any(ch in role for ch in "@:/ "):
        raise SoregError("请填写窗口账户（中心管理员用 central add-window 创建的账户名，例如 soreg_w_w01）。",
                         field="窗口账户")
    if "://" in address or "@" in address:
        raise SoregError("中心地址只填 主机:端口/库名，例如 10.0.0.5:5432/soreg；账户和密码另填。", field="中心地址")
    url = f"postgresql://{role}@{address}"
    try:
        return check_url(url)
    except SoregError:
        raise SoregError("中心地址应形如 主机:端口/库名，例如 10.0.0.5:5432/soreg。", field="中心地址") from None


def split_central_url(url: str) -> tuple[str, str]:
    """(中心地址, 窗口账户) of a saved URL, for the form."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    address = f"{host}:{parts.port}" if parts.port else host
    return f"{address}{parts.path}", parts.username or ""


def auto_sync_minutes(store: Store) -> int:
    """Minutes between automatic syncs; 0 = off."""
    with store.read() as session:
        return int(get_setting_in(session, AUTO_MINUTES_KEY, DEFAULT_AUTO_MINUTES))


def save_sync_preferences(store: Store, settings: CentralSettings, password: str | None, auto_minutes: int, *,
                          actor: str) -> None:
    """Save the connection (password to the keyring) and then the automatic interval. Two
    settings, two transactions: each is whole on its own, so a failure in between leaves both
    consistent (the connection saved, the interval as it was)."""
    if not 0 <= auto_minutes <= MAX_AUTO_MINUTES:
        raise SoregError(f"自动同步间隔应在 0（关闭）到 {MAX_AUTO_MINUTES} 分钟之间。", field="自动同步")
    save_central_settings(store, settings, password, actor=actor)
    check_reinstall(store, settings, actor=actor)
    if auto_minutes == auto_sync_minutes(store):
        return
    with store.write() as session:
        before = get_setting_in(session, AUTO_MINUTES_KEY, DEFAULT_AUTO_MINUTES)
        set_setting_in(session, AUTO_MINUTES_KEY, auto_minutes)
        record_event_in(session, actor=actor, action="setting.change", record_type="setting", record_id=AUTO_MINUTES_KEY,
                     before={"value": before}, after={"value": auto_minutes})


def retry_delay_ms(interval_ms: int, failures: int, cap_ms: int = RETRY_CAP_MS) -> int:
    """The wait before the next automatic attempt: the interval while the centre answers,
    doubled for each failed attempt in a row, at most ``cap_ms`` (never below the interval)."""
    if failures <= 0:
        return interval_ms
    return max(interval_ms, min(interval_ms * 2 ** min(failures, 20), cap_ms))
