"""Signed QR codes: window keys in the keyring, offline verification, the verify-qr command."""

from __future__ import annotations

import base64
from datetime import date

import keyring
import pypdfium2
import pytest
import zxingcpp
from keyring.backends import fail
from printing_fixtures import file_keyring
from sqlalchemy import select

from accounts.window import init_window
from cli.app import run
from models.audit import AuditEvent
from models.errors import SoregError
from models.signing import WindowKey
from models.store import open_store
from printing import specimens
from printing.data import CopyKind
from printing.documents import document_pdf, qr_claim
from models.settings import get_setting_in
from signing.keys import (
    KEYRING_SERVICE,
    SIGNING_KEY_ID,
    add_public_key,
    create_window_key,
    key_id_for,
    public_keys,
    window_signer,
)
from signing.qr import PREFIX, SIGNATURE_BYTES, QrStatus, decode_qr, verify_qr

TODAY = date(2027, 3, 1)


@pytest.fixture
def keyring_backend(tmp_path, monkeypatch):
    with file_keyring(tmp_path, monkeypatch) as backend:
        yield backend


@pytest.fixture
def signed(store, keyring_backend):
    """This window's key pair and a genuine certificate code."""
    key_id = create_window_key(store, "W01", actor="system").key_id
    signer = window_signer(store)
    claim = qr_claim(specimens.certificate())
    with store.read() as session:
        keys = public_keys(session)
    return key_id, signer, claim, signer.sign(claim), keys


def _tampered(text: str, old: str, new: str) -> str:
    """``text`` with one field's bytes replaced and the original signature kept."""
    body = text[len(PREFIX):]
    blob = base64.b32decode(body + "=" * (-len(body) % 8))
    message, signature = blob[:-SIGNATURE_BYTES], blob[-SIGNATURE_BYTES:]
    assert message.count(old.encode()) == 1
    changed = message.replace(old.encode(), new.encode())
    return PREFIX + base64.b32encode(changed + signature).decode().rstrip("=")


def test_window_key_pair_private_in_keyring_public_in_store(store, keyring_backend) -> None:
    made = create_window_key(store, "W01", actor="system")
    key_id = made.key_id
    assert key_id.startswith("W01-") and len(key_id) == 10 and made.created and made.note == ""
    stored = keyring_backend.get_password(KEYRING_SERVICE, f"window-key-{key_id}")  # by key id, not window code
    assert stored and stored.startswith("ed25519:")
    assert keyring_backend.get_password(KEYRING_SERVICE, "window-key-W01") is None
    again = create_window_key(store, "W01", actor="system")
    assert (again.key_id, again.created) == (key_id, False)  # made once
    with store.read() as session:
        assert get_setting_in(session, SIGNING_KEY_ID) == key_id
        rows = session.scalars(select(WindowKey)).all()
        assert [(r.key_id, r.window_code) for r in rows] == [(key_id, "W01")]
        assert stored not in rows[0].public_key
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "signing.public_key.add")).all()
        assert [e.record_id for e in events] == [key_id]


def test_genuine_certificate_code_is_accepted_and_says_what_it_certifies(signed) -> None:
    key_id, _signer, claim, text, keys = signed
    assert text.startswith("SOREG1:") and len(text) < 400
    result = verify_qr(text, keys, TODAY)
    assert result.status is QrStatus.VALID and result.claim == claim and result.key_id == key_id
    lines = result.lines()
    assert "名称：上海市长宁区餐饮行业协会" in lines and "统一社会信用代码：51310105MJ5012345X" in lines
    assert "有效期至：2031年11月25日" in lines and "证件印制号：SZ2026000123" in lines
    assert verify_qr(text.lower(), keys, TODAY).valid  # case and whitespace from a scanner do not matter
    assert verify_qr(" " + text[:50] + "\n" + text[50:], keys, TODAY).valid


@pytest.mark.parametrize("old,new", [
    ("51310105MJ5012345X", "51310105MJ5012346X"),
    ("上海市长宁区餐饮行业协会", "上海市长宁区餐饮行业商会"),
    ("20261126", "20261127"),
    ("20311125", "20361125"),
    ("SZ2026000123", "SZ2026000124"),
], ids=["credit_code", "name", "issued_on", "valid_until", "serial"])
def test_a_code_with_any_field_changed_is_rejected(signed, old: str, new: str) -> None:
    _key_id, _signer, _claim, text, keys = signed
    forged = _tampered(text, old, new)
    assert decode_qr(forged).claim != decode_qr(text).claim
    result = verify_qr(forged, keys, TODAY)
    assert result.status is QrStatus.CHANGED and not result.valid
    assert "改动" in result.message


def test_a_code_signed_by_another_key_is_rejected(signed) -> None:
    key_id, signer, claim, _text, keys = signed
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from signing.keys import WindowSigner

    impostor = WindowSigner(key_id, Ed25519PrivateKey.generate())  # claims to be W01's key
    assert verify_qr(impostor.sign(claim), keys, TODAY).status is QrStatus.CHANGED


def test_another_windows_code_verifies_once_its_public_key_arrives(tmp_path, store, signed) -> None:
    _key_id, _signer, claim, _text, keys = signed
    other = open_store(tmp_path / "w02.sqlite3")
    init_window(other, "W02", actor="system")
    other_key = create_window_key(other, "W02", actor="system").key_id
    text = window_signer(other).sign(claim)
    with other.read() as session:
        row = session.scalars(select(WindowKey).where(WindowKey.key_id == other_key)).one()
        other_public = row.public_key
    other.close()
    result = verify_qr(text, keys, TODAY)
    assert result.status is QrStatus.UNKNOWN_KEY and other_key in result.message
    with store.write() as session:  # what sync will do
        assert add_public_key(session, key_id=other_key, window_code="W02", public_key_hex=other_public, actor="sync")
        assert not add_public_key(session, key_id=other_key, window_code="W02", public_key_hex=other_public, actor="sync")
    with store.read() as session:
        keys = public_keys(session)
    assert verify_qr(text, keys, TODAY).valid
    with pytest.raises(SoregError), store.write() as session:
        add_public_key(session, key_id="W03-000000", window_code="W03", public_key_hex=other_public, actor="sync")


def test_expired_malformed_and_receipt_codes(signed) -> None:
    _key_id, signer, claim, text, keys = signed
    expired = verify_qr(text, keys, date(2031, 11, 26))
    assert expired.status is QrStatus.EXPIRED and "2031年11月25日" in expired.message
    assert verify_qr(text, keys, date(2031, 11, 25)).valid
    for junk in ("hello", "SOREG1:", PREFIX + "!!!!", "SOREG1:" + "A" * 150, text[:40]):
        assert verify_qr(junk, keys, TODAY).status is QrStatus.MALFORMED, junk
    truncated = verify_qr(text[:-20], keys, TODAY)  # may still parse, but can never verify
    assert truncated.status in (QrStatus.MALFORMED, QrStatus.CHANGED)
    receipt_claim = qr_claim(specimens.receipt())
    receipt = verify_qr(signer.sign(receipt_claim), keys, date(2040, 1, 1))
    assert receipt.valid and "办件编号：W01-2026-000123" in receipt.lines() and "类型：受理回执" in receipt.lines()


def test_no_keyring_backend_is_a_clear_chinese_refusal(store, monkeypatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(SoregError) as err:
            create_window_key(store, "W01", actor="system")
        assert err.value.field == "签名密钥" and "密钥库" in str(err.value)
    finally:
        keyring.set_keyring(previous)


def test_the_plain_file_keyring_needs_an_explicit_opt_in(store, keyring_backend, monkeypatch) -> None:
    monkeypatch.delenv("SOREG_ALLOW_FILE_KEYRING")
    with pytest.raises(SoregError) as err:
        create_window_key(store, "W01", actor="system")
    assert "SOREG_ALLOW_FILE_KEYRING=1" in str(err.value)


def test_signing_without_a_window_key_is_refused(store, keyring_backend) -> None:
    with pytest.raises(SoregError) as err:
        window_signer(store)
    assert "W01" in str(err.value) and err.value.field == "签名密钥"


@pytest.mark.parametrize("document", [specimens.certificate(), specimens.certificate(copy=CopyKind.DUPLICATE),
                                      specimens.receipt()], ids=["original", "duplicate", "receipt"])
def test_the_printed_qr_code_scans_and_verifies(signed, document) -> None:
    """Rasterize the PDF at 150 dpi and scan it with a real QR reader (zxing-cpp)."""
    _key_id, signer, _claim, _text, keys = signed
    image = pypdfium2.PdfDocument(document_pdf(document, signer=signer))[0].render(scale=150 / 72).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert [c.format for c in codes] == [zxingcpp.BarcodeFormat.QRCode]
    result = verify_qr(codes[0].text, keys, TODAY)
    assert result.valid and result.claim == qr_claim(document)


def test_verify_qr_command(tmp_path, signed, capsys) -> None:
    _key_id, _signer, _claim, text, _keys = signed
    db = str(tmp_path / "window.sqlite3")
    assert run(["--db", db, "verify-qr", text]) == 0
    out = capsys.readouterr().out
    assert "核验结果：有效" in out and "名称：上海市长宁区餐饮行业协会" in out
    assert run(["--db", db, "verify-qr", _tampered(text, "SZ2026000123", "SZ2026000999")]) == 3
    err = capsys.readouterr().err
    assert "内容被改动" in err and "SZ2026000999" in err
    assert run(["--db", db, "verify-qr", "not a code"]) == 3
    assert "无法识别" in capsys.readouterr().err


def test_window_key_commands(tmp_path, store, keyring_backend, monkeypatch, capsys) -> None:
    from accounts.users import create_user
    from models.accounts import Role

    create_user(store, username="admin", display_name="管理员", password="admin-pass-1", roles={Role.ADMIN},
                actor="system")
    db = str(tmp_path / "window.sqlite3")
    monkeypatch.setenv("SOREG_PASSWORD", "admin-pass-1")
    assert run(["--db", db, "--user", "admin", "window-key", "create"]) == 0
    created = capsys.readouterr().out
    assert run(["--db", db, "window-key", "list"]) == 0
    listed = capsys.readouterr().out
    key_id = listed.split("\t")[0]
    assert key_id.startswith("W01-") and key_id in created
    with store.read() as session:
        assert list(public_keys(session)) == [key_id]


def test_a_second_database_with_the_same_window_code_gets_its_own_key_and_says_so(tmp_path, store, keyring_backend):
    first = create_window_key(store, "W01", actor="system")
    second_store = open_store(tmp_path / "second.sqlite3")
    init_window(second_store, "W01", actor="system")
    second = create_window_key(second_store, "W01", actor="system")
    assert second.created and second.key_id != first.key_id
    assert first.key_id in second.note and second.key_id in second.note and "W01" in second.note
    claim = qr_claim(specimens.certificate())
    assert window_signer(store).key_id == first.key_id
    assert window_signer(second_store).key_id == second.key_id
    with second_store.read() as session:  # the second database knows only its own public key
        assert verify_qr(window_signer(second_store).sign(claim), public_keys(session), TODAY).valid
        assert verify_qr(window_signer(store).sign(claim), public_keys(session), TODAY).status is QrStatus.UNKNOWN_KEY
    second_store.close()


def test_a_database_set_up_by_the_older_version_keeps_its_key(store, keyring_backend):
    """Before key ids the private key sat under the window code; its database goes on signing with it."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    private_key = Ed25519PrivateKey.generate()
    raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    keyring_backend.set_password(KEYRING_SERVICE, "window-key-W01", "ed25519:" + base64.b64encode(raw).decode())
    legacy_id = key_id_for("W01", private_key.public_key())
    with store.write() as session:
        add_public_key(session, key_id=legacy_id, window_code="W01", actor="system",
                       public_key_hex=private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex())
    signer = window_signer(store)
    assert signer.key_id == legacy_id and verify_qr(signer.sign(qr_claim(specimens.certificate())),
                                                    {legacy_id: private_key.public_key()}, TODAY).valid
    assert create_window_key(store, "W01", actor="system").created is False
