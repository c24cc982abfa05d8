"""Screenshots of the printing page and the QR verify dialog, grabbed offscreen from the real widgets.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m ui.printing_screenshots [folder]

Uses a throwaway store with demo cases and a window key in a temporary plain-file keyring.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from ui.screenshots import _save, _wait_for, run_grabber


def grab_printing(folder: Path) -> list[Path]:
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    from accounts.users import create_user
    from accounts.window import init_window
    from models.accounts import Role
    from models.cases import CaseState
    from models.print_records import DocumentKind
    from models.store import open_store
    from printing.data import CopyKind
    from printing.documents import qr_claim
    from signing.keys import ALLOW_FILE_KEYRING, create_window_key, window_signer
    from ui.context import PageContext
    from ui.pages.printing_page import PrintingPage
    from ui.qr_verify_dialog import QrVerifyDialog
    from ui.tasks import TaskRunner
    from workflow.case_documents import case_document
    from workflow.case_queries import CaseFilter, CaseOrder, case_list_page
    from workflow.demo import fill_demo_cases
    from workflow.print_records import PrintRequest, record_print

    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    tasks = TaskRunner()
    with tempfile.TemporaryDirectory() as tmp:
        backend = PlaintextKeyring()
        backend.file_path = str(Path(tmp) / "keyring.cfg")
        keyring.set_keyring(backend)
        os.environ[ALLOW_FILE_KEYRING] = "1"
        store = open_store(Path(tmp) / "soreg.sqlite3")
        init_window(store, "W01", actor="system", demo=True)
        create_window_key(store, "W01", actor="system")
        user = create_user(store, username="zhangsan", display_name="张三", password="screenshot-1",
                           roles=frozenset({Role.CLERK}), actor="system")
        fill_demo_cases(store, 40)
        certificate = CaseFilter(states=frozenset({CaseState.CERTIFICATE.value}))
        case_no = case_list_page(store, certificate, CaseOrder(), date.today(), page_size=1).rows[0].case_no
        record_print(store, PrintRequest(case_no, DocumentKind.CERTIFICATE, "HP LaserJet 1020", copy=CopyKind.DUPLICATE,
                                         serial="SZ2026000122"), user=user)
        claim = qr_claim(case_document(store, case_no, DocumentKind.CERTIFICATE, serial="SZ2026000123"))
        context = PageContext(store=store, user=user, tasks=tasks)

        page = PrintingPage(context)
        page.resize(1366, 768)
        page.show()
        page.serial_edit.setText("SZ2026000123")
        page.show_case(case_no, DocumentKind.CERTIFICATE, CopyKind.ORIGINAL)
        _wait_for(lambda: page.pdf_document is not None)
        saved.append(_save(page, folder, "printing_page.png"))
        page.hide()

        dialog = QrVerifyDialog(store, tasks)
        dialog.text.setPlainText(window_signer(store).sign(claim))
        dialog.show()
        dialog.verify()
        _wait_for(lambda: dialog.result is not None)
        saved.append(_save(dialog, folder, "qr_verify.png"))

        tasks.shut_down()
        store.close()
    return saved


def main(argv: list[str]) -> int:
    return run_grabber(grab_printing, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
