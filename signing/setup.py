"""The window key at set-up (初始化时生成签名密钥): made with the window, or one warning that names the fix."""

from __future__ import annotations

from models.errors import SoregError
from models.store import Store
from signing.keys import create_window_key


def window_key_at_setup(store: Store, window_code: str, *, actor: str) -> str | None:
    """Make the database's key pair; None when done and nothing needs saying, else the Chinese note
    to show: another database here uses the same window code, or the key could not be made (set-up
    still succeeds)."""
    try:
        return create_window_key(store, window_code, actor=actor).note or None
    except SoregError as exc:
        return (f"警告：窗口 {window_code} 已初始化，但未能生成防伪二维码签名密钥，在此之前不能正式打印登记证书和受理回执。"
                f"原因：{exc.message} 处理好后，请由管理员运行 window-key create 生成密钥。")
