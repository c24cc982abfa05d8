"""The central password (中心库密码) in the operating system's keyring, never in a file.

A file-based keyring (keyrings.alt) is used only when the administrator opts in with the
setting ``sync.allow_file_keyring`` or the environment variable ``SOREG_ALLOW_FILE_KEYRING=1``
— also when keyring would otherwise pick it by itself on a machine without a real keyring.
"""

from __future__ import annotations

import os

from models.errors import SoregError

SERVICE = "soreg-central"
ALLOW_FILE_ENV = "SOREG_ALLOW_FILE_KEYRING"

NO_KEYRING = (
    "本机没有可用的系统密钥环（keyring），无法安全保存中心数据库密码。请启用系统密钥环"
    "（Windows 凭据管理器、macOS 钥匙串、GNOME 密钥环或 KWallet）后重试；确实无法启用时，"
    "可由管理员设置环境变量 SOREG_ALLOW_FILE_KEYRING=1 改用文件密钥环（安全性较低）。"
)


def _is_file_keyring(backend) -> bool:
    return type(backend).__module__.startswith("keyrings.alt")


def _usable(backend) -> bool:
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends) and any(_usable(b) for b in backend.backends)
    return True


def keyring_backend(*, allow_file: bool = False):
    """The keyring to keep the password in; a SoregError with a clear message if there is none."""
    import keyring

    backend = keyring.get_keyring()
    opted_in = allow_file or os.environ.get(ALLOW_FILE_ENV) == "1"
    if _usable(backend) and (opted_in or not _is_file_keyring(backend)):
        return backend
    if opted_in:
        try:
            from keyrings.alt.file import PlaintextKeyring
        except ImportError:
            raise SoregError("已选择文件密钥环，但未安装 keyrings.alt，请先安装后重试。", field="密钥环") from None
        return PlaintextKeyring()
    raise SoregError(NO_KEYRING, field="密钥环")


def save_password(role: str, password: str, *, allow_file: bool = False) -> None:
    keyring_backend(allow_file=allow_file).set_password(SERVICE, role, password)


def load_password(role: str, *, allow_file: bool = False) -> str:
    password = keyring_backend(allow_file=allow_file).get_password(SERVICE, role)
    if password is None:
        raise SoregError(
            f"密钥环中没有中心数据库账户 {role} 的密码，请先运行 central connect 设置连接。", field="密码"
        )
    return password
