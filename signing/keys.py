"""Window key pairs (窗口签名密钥): Ed25519, private key in the OS keyring, public key in the store.

The key pair is made when the window is set up, and belongs to that database: its key id
(``W01-3FA2C1``, the window code and a fingerprint of the public key) is stored in the database's
settings, and the private key is kept by ``keyring`` under service "soreg", user
"window-key-<KEY ID>" (Windows Credential Manager, macOS Keychain, Secret Service). A second
database set up on the same machine with the same window code gets a key of its own and says
so; the keyring entry "window-keys-<CODE>" lists the key ids made here for each window code. A
database set up by an older version, whose key sits under "window-key-<CODE>", keeps using it.
A plain-file keyring (keyrings.alt) is used only when ``SOREG_ALLOW_FILE_KEYRING=1`` says so
explicitly: it keeps the key unencrypted on disk.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime

import keyring
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.errors import KeyringError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import record_event_in
from models.errors import SoregError
from models.settings import WINDOW_CODE, get_setting_in, set_setting_in
from models.signing import WindowKey
from models.store import Store
from signing.qr import Claim, sign_claim

KEYRING_SERVICE = "soreg"
ALLOW_FILE_KEYRING = "SOREG_ALLOW_FILE_KEYRING"
SIGNING_KEY_ID = "signing.key_id"  # setting: the key id of this database's own key pair
_PRIVATE_PREFIX = "ed25519:"


def keyring_user(key_id: str) -> str:
    """The keyring entry of one key pair's private key; before key ids, the window code stood here."""
    return f"window-key-{key_id}"


def _index_user(window_code: str) -> str:
    return f"window-keys-{window_code}"


def _usable(backend: KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring) or type(backend).__module__.startswith("keyring.backends.null"):
        return False
    if type(backend).__module__.startswith("keyrings.alt"):
        return os.environ.get(ALLOW_FILE_KEYRING) == "1"
    return True


def key_store() -> KeyringBackend:
    """The keyring backend that keeps window private keys; SoregError if the machine has none."""
    current = keyring.get_keyring()
    candidates = current.backends if isinstance(current, chainer.ChainerBackend) else [current]
    for backend in candidates:
        if _usable(backend):
            return backend
    raise SoregError(
        "本机没有可用的系统密钥库（Windows 凭据管理器、macOS 钥匙串或 Linux 的 Secret Service），"
        "无法保存本窗口的签名私钥。请让管理员启用系统密钥库后重试；"
        f"如确需把私钥以明文文件保存，可设置环境变量 {ALLOW_FILE_KEYRING}=1（不推荐）。",
        field="签名密钥",
    )


def key_id_for(window_code: str, public_key: Ed25519PublicKey) -> str:
    """``W01-3FA2C1``: the window code and a fingerprint of the public key."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return f"{window_code}-{hashlib.sha256(raw).hexdigest()[:6].upper()}"


def _public_hex(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _keyring_get(user: str) -> str | None:
    try:
        return key_store().get_password(KEYRING_SERVICE, user)
    except KeyringError as exc:
        raise SoregError(f"无法从系统密钥库读取本窗口的签名私钥（{exc.__class__.__name__}），请确认密钥库已解锁。",
                         field="签名密钥") from exc


def _keyring_set(user: str, value: str) -> None:
    try:
        key_store().set_password(KEYRING_SERVICE, user, value)
    except KeyringError as exc:
        raise SoregError(f"无法把签名私钥写入系统密钥库（{exc.__class__.__name__}），请确认密钥库已解锁。",
                         field="签名密钥") from exc


def _read_private(user: str) -> Ed25519PrivateKey | None:
    stored = _keyring_get(user)
    if not stored or not stored.startswith(_PRIVATE_PREFIX):
        return None
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored[len(_PRIVATE_PREFIX):]))


def _write_private(user: str, private_key: Ed25519PrivateKey) -> None:
    raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    _keyring_set(user, _PRIVATE_PREFIX + base64.b64encode(raw).decode("ascii"))


def _keys_made_here(window_code: str) -> list[str]:
    """Key ids made on this machine for ``window_code`` (the keyring's index entry)."""
    return [k for k in (_keyring_get(_index_user(window_code)) or "").split(",") if k]


def add_public_key(session: Session, *, key_id: str, window_code: str, public_key_hex: str, actor: str) -> bool:
    """Remember a window's public key (own or arrived by sync); False if it was already known."""
    try:
        raw = bytes.fromhex(public_key_hex)
        expected = key_id_for(window_code, Ed25519PublicKey.from_public_bytes(raw))
    except ValueError:
        raise SoregError(f"密钥 {key_id} 的公钥格式不对（应为 64 位十六进制数），拒绝导入。", field="签名公钥") from None
    if key_id != expected:
        raise SoregError(f"公钥与密钥编号 {key_id} 不符，拒绝导入。", field="签名公钥")
    if session.scalar(select(WindowKey.id).where(WindowKey.key_id == key_id)) is not None:
        return False
    row = WindowKey(key_id=key_id, window_code=window_code, public_key=raw.hex())
    session.add(row)
    session.flush()
    record_event_in(session, actor=actor, action="signing.public_key.add", record_type="window_key",
                 record_id=key_id, after={"window_code": window_code, "public_key": raw.hex()})
    return True


@dataclass(frozen=True)
class WindowKeyMade:
    """This database's key pair after ``create_window_key``; ``note`` says what the clerk should know."""

    key_id: str
    created: bool
    note: str = ""


@dataclass(frozen=True)
class WindowKeyInfo:
    """A window public key this database knows (``window-key list``)."""

    key_id: str
    window_code: str
    created_at: datetime


def window_keys(store: Store) -> list[WindowKeyInfo]:
    """Every window public key in this database, by window and age."""
    with store.read() as session:
        rows = session.execute(select(WindowKey.key_id, WindowKey.window_code, WindowKey.created_at)
                               .order_by(WindowKey.window_code, WindowKey.created_at))
        return [WindowKeyInfo(*row) for row in rows]


def _own_key(session: Session, window_code: str) -> tuple[str, Ed25519PrivateKey] | None:
    """This database's key id and private key, if the keyring has it (a database set up by an older
    version: the key under the window code, if its public key is registered here)."""
    key_id = get_setting_in(session, SIGNING_KEY_ID)
    if key_id is not None:
        private_key = _read_private(keyring_user(key_id))
        return (key_id, private_key) if private_key is not None else None
    private_key = _read_private(keyring_user(window_code))
    if private_key is None:
        return None
    legacy_id = key_id_for(window_code, private_key.public_key())
    registered = session.scalar(select(WindowKey.id).where(WindowKey.key_id == legacy_id))
    return (legacy_id, private_key) if registered is not None else None


def create_window_key(store: Store, window_code: str, *, actor: str) -> WindowKeyMade:
    """Make this database's key pair (once): private key to the keyring under its key id, key id and
    public key to the store. Calling it again keeps the existing key."""
    with store.read() as session:
        own = _own_key(session, window_code)
    if own is not None:
        return WindowKeyMade(own[0], created=False)
    private_key = Ed25519PrivateKey.generate()
    public_key = private_key.public_key()
    key_id = key_id_for(window_code, public_key)
    others = [k for k in _keys_made_here(window_code) if k != key_id]
    if _keyring_get(keyring_user(window_code)):
        others.append(f"{window_code}（旧版）")
    _write_private(keyring_user(key_id), private_key)
    _keyring_set(_index_user(window_code), ",".join([*others, key_id]))
    with store.write() as session:
        add_public_key(session, key_id=key_id, window_code=window_code, public_key_hex=_public_hex(public_key),
                       actor=actor)
        set_setting_in(session, SIGNING_KEY_ID, key_id)
    note = ""
    if others:
        note = (f"注意：本机已有其他数据库以窗口代码 {window_code} 设置（签名密钥 {'、'.join(others)}）。"
                f"本数据库已生成自己的签名密钥 {key_id}，与它们互不通用；如果这不是有意的，请核对窗口代码。")
    return WindowKeyMade(key_id, created=True, note=note)


@dataclass(frozen=True)
class WindowSigner:
    """Signs QR payloads with this window's private key."""

    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, claim: Claim) -> str:
        return sign_claim(claim, self.key_id, self.private_key)


def window_signer(store: Store) -> WindowSigner:
    """The signer of this database's key pair; SoregError if it has none yet."""
    with store.read() as session:
        code = get_setting_in(session, WINDOW_CODE)
        if code is None:
            raise SoregError("本窗口尚未初始化，没有签名密钥。请先运行 init 初始化窗口。", field="签名密钥")
        own = _own_key(session, code)
        if own is None:
            raise SoregError(f"系统密钥库中没有本数据库（窗口 {code}）的签名私钥，无法生成防伪二维码。"
                             "请让管理员为本窗口生成签名密钥（window-key create）。", field="签名密钥")
        key_id, private_key = own
        if key_id_for(code, private_key.public_key()) != key_id or session.scalar(
                select(WindowKey.id).where(WindowKey.key_id == key_id)) is None:
            raise SoregError(f"签名密钥 {key_id} 的公钥没有登记在本机数据库中，其他窗口将无法核验。请重新生成窗口签名密钥。",
                             field="签名密钥")
    return WindowSigner(key_id=key_id, private_key=private_key)


def public_keys(session: Session) -> dict[str, Ed25519PublicKey]:
    """Every known window public key, by key id."""
    rows = session.execute(select(WindowKey.key_id, WindowKey.public_key)).all()
    return {key_id: Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_)) for key_id, hex_ in rows}
