"""Signed QR payloads (防伪二维码): what a certificate or receipt certifies, verifiable offline.

Text form: ``SOREG1:`` + base32 (no padding) of ``kind · key id · fields`` (UTF-8, fields
separated by U+001F) followed by the 64-byte Ed25519 signature. Base32 keeps to the QR
alphanumeric set, so the code stays small (about version 10 for a certificate).
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

PREFIX = "SOREG1:"
SIGNATURE_CONTEXT = b"soreg-qr-1\x00"
SEPARATOR = "\x1f"
SIGNATURE_BYTES = 64


@dataclass(frozen=True)
class CertificateClaim:
    """What a certificate's code certifies."""

    credit_code: str  # 统一社会信用代码
    name: str  # 名称
    issued_on: date  # 发证日期
    valid_until: date  # 有效期至
    serial: str  # 证件印制号


@dataclass(frozen=True)
class ReceiptClaim:
    """What an acceptance receipt's code certifies."""

    case_no: str  # 办件编号
    organization_name: str  # 组织名称
    received_on: date  # 受理日期
    due_date: date  # 办结期限


Claim = CertificateClaim | ReceiptClaim
KINDS: dict[str, type[Claim]] = {"C": CertificateClaim, "R": ReceiptClaim}
KIND_NAMES = {CertificateClaim: "登记证书", ReceiptClaim: "受理回执"}
LABELS = {
    "credit_code": "统一社会信用代码", "name": "名称", "issued_on": "发证日期", "valid_until": "有效期至",
    "serial": "证件印制号", "case_no": "办件编号", "organization_name": "组织名称", "received_on": "受理日期",
    "due_date": "办结期限",
}


class QrStatus(enum.StrEnum):
    VALID = "有效"
    EXPIRED = "已过期"
    CHANGED = "内容被改动"
    UNKNOWN_KEY = "签发窗口未知"
    MALFORMED = "无法识别"
    VOIDED = "已作废"  # a genuine code on a copy voided since (spoiled, or replaced by a reprint)
    DEREGISTERED = "组织已注销"
    REVOKED = "组织已被撤销登记"


@dataclass(frozen=True)
class QrVerification:
    """The verdict on one code: what it certifies (if readable), why it is or is not valid, and what
    the local records add (``notes``)."""

    status: QrStatus
    message: str
    claim: Claim | None = None
    key_id: str = ""
    notes: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.status is QrStatus.VALID

    def lines(self) -> list[str]:
        """The certified facts as ``label：value`` lines."""
        if self.claim is None:
            return []
        out = [f"类型：{KIND_NAMES[type(self.claim)]}"]
        for f in fields(self.claim):
            value = getattr(self.claim, f.name)
            out.append(f"{LABELS[f.name]}：{_chinese(value) if isinstance(value, date) else value}")
        out.append(f"签发窗口密钥：{self.key_id}")
        return out + list(self.notes)


def _chinese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _message(claim: Claim, key_id: str) -> bytes:
    kind = next(k for k, cls in KINDS.items() if isinstance(claim, cls))
    parts = [key_id]
    for f in fields(claim):
        value = getattr(claim, f.name)
        text = value.strftime("%Y%m%d") if isinstance(value, date) else str(value)
        if SEPARATOR in text:
            raise ValueError(f"{f.name} contains the separator")
        parts.append(text)
    return kind.encode("ascii") + SEPARATOR.join(parts).encode("utf-8")


def sign_claim(claim: Claim, key_id: str, private_key: Ed25519PrivateKey) -> str:
    """The QR text for ``claim``, signed by the window key ``key_id``."""
    message = _message(claim, key_id)
    blob = message + private_key.sign(SIGNATURE_CONTEXT + message)
    return PREFIX + base64.b32encode(blob).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class DecodedQr:
    claim: Claim
    key_id: str
    message: bytes
    signature: bytes


def decode_qr(text: str) -> DecodedQr:
    """Split a QR text into claim, key id and signature; ValueError if it is not one of ours."""
    text = "".join(text.split()).upper()
    if not text.startswith(PREFIX):
        raise ValueError("prefix")
    body = text[len(PREFIX):]
    try:
        blob = base64.b32decode(body + "=" * (-len(body) % 8))
    except binascii.Error as exc:
        raise ValueError("base32") from exc
    message, signature = blob[:-SIGNATURE_BYTES], blob[-SIGNATURE_BYTES:]
    if len(blob) <= SIGNATURE_BYTES or chr(message[0]) not in KINDS:
        raise ValueError("kind")
    cls = KINDS[chr(message[0])]
    parts = message[1:].decode("utf-8").split(SEPARATOR)
    names = [f.name for f in fields(cls)]
    if len(parts) != len(names) + 1:
        raise ValueError("field count")
    values: dict[str, object] = {}
    for f, raw in zip(fields(cls), parts[1:], strict=True):
        values[f.name] = datetime.strptime(raw, "%Y%m%d").date() if f.type == "date" else raw
    return DecodedQr(claim=cls(**values), key_id=parts[0], message=message, signature=signature)


def verify_qr(text: str, keys: Mapping[str, Ed25519PublicKey], today: date) -> QrVerification:
    """Check a QR text offline against the known window public keys ``keys`` (by key id)."""
    try:
        decoded = decode_qr(text)
    except (ValueError, UnicodeDecodeError):
        return QrVerification(QrStatus.MALFORMED, "这不是本系统签发的二维码，或二维码内容不完整、已损坏。")
    claim, key_id = decoded.claim, decoded.key_id
    key = keys.get(key_id)
    if key is None:
        return QrVerification(
            QrStatus.UNKNOWN_KEY,
            f"签发窗口的密钥 {key_id} 不在本机已知的公钥中，无法确认真伪。请同步数据后再核验。",
            claim, key_id,
        )
    try:
        key.verify(decoded.signature, SIGNATURE_CONTEXT + decoded.message)
    except InvalidSignature:
        return QrVerification(
            QrStatus.CHANGED,
            "签名不符：二维码内容在签发后被改动过，或并非由该窗口签发。该二维码不能证明任何事项。",
            claim, key_id,
        )
    kind = KIND_NAMES[type(claim)]
    if isinstance(claim, CertificateClaim) and claim.valid_until < today:
        return QrVerification(
            QrStatus.EXPIRED, f"签名真实，但该{kind}已于{_chinese(claim.valid_until)}到期，现已失效。", claim, key_id
        )
    return QrVerification(QrStatus.VALID, f"签名真实有效：以下内容由窗口密钥 {key_id} 签发的{kind}证明。", claim, key_id)
