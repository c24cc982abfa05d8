"""``print certificate|receipt|notice CASE_NO --out FILE.pdf`` as a clerk runs it: real subprocesses, real PDFs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from models.cases import Case, CaseMaterial, CaseState
from models.print_records import DocumentKind, PrintRecord
from signing.keys import create_window_key
from tests.print_fixtures import case_at
from tests.printing_fixtures import file_keyring, fonts_without_embedding, stream_text
from tests.workflow_fixtures import (
    GROUP_FORM,
    PASSWORD,
    SERVICE_FORM,
    form,
    make_window,
)
from workflow.case_documents import case_document

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def window(tmp_path, monkeypatch):
    """A window with a key pair in a file keyring that the subprocesses find through XDG_DATA_HOME."""
    data_home = tmp_path / "xdg"
    (data_home / "python_keyring").mkdir(parents=True)
    w = make_window(tmp_path)
    with file_keyring(data_home / "python_keyring", monkeypatch):
        create_window_key(w.store, "W01", actor="system")
        yield w, data_home
    w.store.close()


def soreg(window, user: str, *args: str) -> subprocess.CompletedProcess:
    w, data_home = window
    env = dict(os.environ, SOREG_PASSWORD=PASSWORD, SOREG_ALLOW_FILE_KEYRING="1", XDG_DATA_HOME=str(data_home))
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(w.store.path), "--user", user, *args],
                          check=False, capture_output=True, text=True, env=env, timeout=120)


def refused(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_certificate_pdf_holds_the_case_fields_and_the_print_is_recorded(window, tmp_path):
    w, _ = window
    case_no = case_at(w, CaseState.CERTIFICATE, SERVICE_FORM)
    out = tmp_path / "cert.pdf"
    done = soreg(window, "clerk", "print", "certificate", case_no, "--out", str(out), "--copy", "duplicate",
                 "--serial", "SZ2026000777", "--printer", "HP LaserJet 1020")
    assert done.returncode == 0, done.stderr
    assert "第 1 份（打印，证件印制号 SZ2026000777）" in done.stdout
    pdf = out.read_bytes()
    text = stream_text(pdf)
    expected = case_document(w.store, case_no, DocumentKind.CERTIFICATE, serial="SZ2026000777")
    org = SERVICE_FORM["organization"]
    for value in (org["name"], org["address"].replace(" ", ""), "陈晓东", expected.credit_code, "人民币5万元",
                  "SZ2026000777", "2031年9月21日", "副本"):
        assert value in text
    assert fonts_without_embedding(pdf) == []
    with w.store.read() as session:
        row = session.scalar(select(PrintRecord))
        assert (row.document, row.copy, row.serial, row.printer, row.actor, row.copy_number) == (
            "登记证书", "副本", "SZ2026000777", "HP LaserJet 1020", "clerk", 1)


def test_refusals_are_one_chinese_line(window, tmp_path):
    w, _ = window
    # another name: a case past 名称核准 holds its name (名称保留), and the next one is certified
    pending = case_at(w, CaseState.APPROVAL, form(GROUP_FORM, name="上海市长宁区青少年科技教育协会"))
    out = tmp_path / "x.pdf"
    assert "尚未核准登记，不能打印登记证书" in refused(
        soreg(window, "clerk", "print", "certificate", pending, "--out", str(out), "--serial", "SZ2026000001"))
    approved = case_at(w, CaseState.CERTIFICATE)
    assert soreg(window, "clerk", "print", "certificate", approved, "--out", str(out), "--serial", "SZ2026000001").returncode == 0
    again = ("print", "certificate", approved, "--out", str(out), "--serial", "SZ2026000002")
    assert "必须填写补打原因" in refused(soreg(window, "approver", *again))
    assert "正本须由具有“审批”角色的人员操作" in refused(soreg(window, "clerk", *again, "--reason", "原证书污损"))
    assert soreg(window, "approver", *again, "--reason", "原证书污损").returncode == 0
    assert "没有可打印的通知书" in refused(soreg(window, "clerk", "print", "notice", approved, "--out", str(out)))
    with w.store.read() as session:
        assert session.scalars(select(PrintRecord.event).order_by(PrintRecord.at)).all() == ["打印", "补打", "作废"]


def test_receipt_and_notices_hold_the_case_fields(window, tmp_path):
    w, _ = window
    accepted = case_at(w, CaseState.ACCEPTED)
    supplement = case_at(w, CaseState.SUPPLEMENT)
    rejected = case_at(w, CaseState.REJECTED)
    runs = {"receipt": ("receipt", accepted), "correction": ("notice", supplement), "rejection": ("notice", rejected)}
    texts = {}
    for label, (command, case_no) in runs.items():
        out = tmp_path / f"{label}.pdf"
        overlay = refused(soreg(window, "clerk", "print", command, case_no, "--out", str(out), "--mode", "overlay"))
        assert "没有预印的套打纸，不能套打" in overlay and not out.exists()
        done = soreg(window, "clerk", "print", command, case_no, "--out", str(out))
        assert done.returncode == 0, done.stderr
        texts[label] = stream_text(out.read_bytes())
    name = GROUP_FORM["organization"]["name"]
    assert all(name in t for t in texts.values())
    assert accepted in texts["receipt"] and "2026年10月26日前作出决定" in texts["receipt"]
    with w.store.read() as session:
        received = session.scalars(select(CaseMaterial.label).join(Case).where(
            Case.case_no == accepted, CaseMaterial.received.is_(True))).all()
    assert len(received) == 8 and all(label in texts["receipt"] for label in received)
    assert supplement in texts["correction"] and "章程草案未经发起人签字" in texts["correction"]
    assert "拟任法定代表人年龄超过七十周岁" in texts["rejection"] and "住所证明已过期" in texts["rejection"]


def test_init_makes_the_window_key_or_warns_how_to_fix_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SOREG_ALLOW_FILE_KEYRING"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")

    def init(db: Path, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(db), "init", "--window", "W01"],
                              check=False, capture_output=True, text=True, env=env | extra, timeout=120)

    warned = init(tmp_path / "a.sqlite3")  # only the plain-file keyring here, not allowed by default
    assert warned.returncode == 0 and "窗口 W01 已初始化" in warned.stdout
    warning = warned.stderr.strip().splitlines()
    assert len(warning) == 1 and "未能生成防伪二维码签名密钥" in warning[0]
    assert "window-key create" in warning[0] and "SOREG_ALLOW_FILE_KEYRING=1" in warning[0]

    made = init(tmp_path / "b.sqlite3", SOREG_ALLOW_FILE_KEYRING="1")
    assert made.returncode == 0 and made.stderr == ""
    listed = subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(tmp_path / "b.sqlite3"), "window-key",
                             "list"], check=False, capture_output=True, text=True, env=env, timeout=120)
    assert listed.stdout.startswith("W01-") and "\tW01\t" in listed.stdout


FONTS_OPENED = """
import json, runpy, sys
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].lower().endswith((".ttf", ".ttc", ".otf")):
        opened.append(args[0].rsplit("/", 1)[-1])
sys.addaudithook(hook)
sys.argv = ["main.py", *sys.argv[1:]]
try:
    runpy.run_path("main.py", run_name="__main__")
except SystemExit as exit:
    code = exit.code
sys.stderr.write("FONTS " + json.dumps(sorted(set(opened))) + "\\n")
sys.exit(code)
"""


def test_a_cli_print_without_extension_b_text_opens_no_extension_b_font(window, tmp_path):
    """The CLI process records every font file it opens (an audit hook on ``open``); an Extension B font
    in the user's font folder is opened only for a document that holds an Extension B character."""
    from tests.printing_fixtures import EXT_B_CHAR, build_test_font

    w, data_home = window
    home = tmp_path / "home"
    (home / ".fonts").mkdir(parents=True)
    build_test_font(home / ".fonts" / "HanaMinB.ttf", EXT_B_CHAR)
    plain = case_at(w, CaseState.ACCEPTED)
    rare = case_at(w, CaseState.ACCEPTED, form(GROUP_FORM, name=f"上海市长宁区{EXT_B_CHAR}福养老服务协会"))

    def fonts_opened(case_no: str) -> list[str]:
        env = dict(os.environ, SOREG_PASSWORD=PASSWORD, SOREG_ALLOW_FILE_KEYRING="1", XDG_DATA_HOME=str(data_home),
                   HOME=str(home))
        done = subprocess.run([sys.executable, "-c", FONTS_OPENED, "--db", str(w.store.path), "--user", "clerk", "print",
                               "receipt", case_no, "--out", str(tmp_path / f"{case_no}.pdf")],
                              cwd=ROOT, check=False, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stderr.rsplit("FONTS ", 1)[1])

    assert fonts_opened(plain) == ["wqy-microhei.ttc"]
    assert "HanaMinB.ttf" in fonts_opened(rare)
    assert f"{EXT_B_CHAR}福养老服务协会" in stream_text((tmp_path / f"{rare}.pdf").read_bytes())


def test_verify_qr_reports_a_voided_copy_and_a_deregistered_organization(window, tmp_path):
    from models.registry import Organization, OrgStatus
    from printing.data import CopyKind
    from printing.documents import qr_claim
    from signing.keys import window_signer
    from workflow.print_records import (
        PrintRequest,
        print_records,
        record_print,
        void_print,
    )

    w, _ = window
    case_no = case_at(w, CaseState.CERTIFICATE)

    def printed(serial: str, reason: str = "") -> str:
        request = PrintRequest(case_no, DocumentKind.CERTIFICATE, "HP", copy=CopyKind.DUPLICATE, serial=serial,
                               reason=reason)
        record_print(w.store, request, user=w.clerk)
        return window_signer(w.store).sign(qr_claim(case_document(w.store, case_no, DocumentKind.CERTIFICATE,
                                                                  copy=CopyKind.DUPLICATE, serial=serial)))

    spoiled = printed("SZ2026000601")
    void_print(w.store, print_records(w.store, case_no)[0].id, user=w.clerk, reason="卡纸")
    replaced = printed("SZ2026000602", "卡纸重打")
    standing = printed("SZ2026000603", "副本污损")  # a reprint: voids SZ2026000602

    ok = soreg(window, "clerk", "verify-qr", standing)
    assert ok.returncode == 0 and "核验结果：有效" in ok.stdout
    assert f"本机打印记录：办件 {case_no} 的证书副本" in ok.stdout and "现存有效" in ok.stdout
    voided = soreg(window, "clerk", "verify-qr", spoiled)
    assert voided.returncode == 3 and "核验结果：已作废" in voided.stderr and "原因：卡纸" in voided.stderr
    again = soreg(window, "clerk", "verify-qr", replaced)
    assert again.returncode == 3 and "已作废" in again.stderr and "由补打的第 3 份（印制号 SZ2026000603）替换" in again.stderr

    with w.store.write() as session:
        org = session.scalar(select(Organization).where(Organization.name == GROUP_FORM["organization"]["name"]))
        org.status = OrgStatus.DEREGISTERED.value
    gone = soreg(window, "clerk", "verify-qr", standing)
    assert gone.returncode == 3 and "核验结果：组织已注销" in gone.stderr and "该证书已失效" in gone.stderr


def test_verify_qr_into_a_closed_pipe_ends_quietly(window, tmp_path):
    """``verify-qr … | head`` when the reader has gone: no traceback, no crash log."""
    from printing import specimens
    from printing.documents import qr_claim
    from signing.keys import window_signer

    w, data_home = window
    code = window_signer(w.store).sign(qr_claim(specimens.certificate()))
    home = tmp_path / "soreg-home"
    env = dict(os.environ, SOREG_ALLOW_FILE_KEYRING="1", XDG_DATA_HOME=str(data_home), SOREG_HOME=str(home))
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before anything is written
    with os.fdopen(writer, "wb") as stdout:
        done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(w.store.path), "verify-qr", code],
                              stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 141 and done.stderr == ""
    assert not (home / "logs").exists()
