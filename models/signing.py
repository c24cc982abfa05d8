"""Window signing keys (窗口签名公钥): the Ed25519 public key of every window whose QR codes we verify.

The private key never enters the database: it stays in the OS keyring of the window that made it.
Public keys of other windows arrive with sync, so any window can verify any window's codes.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, SyncedMixin


class WindowKey(SyncedMixin, Base):
    __tablename__ = "window_keys"

    key_id: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)  # e.g. W01-3FA2C1
    window_code: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)  # 32 raw bytes, hex
