"""Received materials (收件) and their scanned files (附件).

A file is checked (type by extension and content, size limit from the case rules), copied into
``<data folder>/attachments/<sha256[:2]>/<sha256><ext>`` by writing a temporary file and
renaming it, and then recorded in one write transaction with its audit event. The same content
is stored once however often it is attached.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from accounts.users import UserInfo
from models.accounts import Role
from models.audit import record_event_in
from models.case_rules import case_rules_in
from models.cases import Case, CaseAttachment, CaseMaterial
from models.errors import SoregError
from models.private_files import private_folder
from models.store import Store, data_home
from workflow.permissions import require_role
from workflow.queries import find_case_in
from workflow.states import is_open

SIGNATURES = {"application/pdf": (b"%PDF-",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
ATTACHMENTS = "attachments"


def _material(case: Case, item_code: str) -> CaseMaterial:
    for material in case.materials:
        if material.item_code == item_code:
            return material
    labels = "、".join(f"{m.item_code} {m.label}" for m in case.materials)
    raise SoregError(f"办件 {case.case_no} 的材料清单中没有“{item_code}”，可选：{labels}。", field="材料")


def _check_file(path: Path, rules: dict) -> tuple[str, int]:
    """The media type of an acceptable file and its size; refuse anything else."""
    limits = rules["attachments"]
    media_type = limits["types"].get(path.suffix.lower())
    if media_type is None:
        raise SoregError(f"文件“{path.name}”的类型不支持，只能附加 {'、'.join(sorted(limits['types']))} 文件。", field="附件")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        raise SoregError(f"无法读取文件“{path}”，请确认文件存在且可读。", field="附件") from None
    if size > limits["max_bytes"]:
        raise SoregError(f"文件“{path.name}”有 {size / 1048576:.1f} MB，超过 {limits['max_bytes'] / 1048576:.0f} MB 的上限，"
                         "请降低扫描分辨率后重试。", field="附件")
    if not head.startswith(SIGNATURES[media_type]):
        raise SoregError(f"文件“{path.name}”的内容与扩展名不符（不是真正的 {path.suffix} 文件），请重新扫描或导出。", field="附件")
    return media_type, size


def _store_copy(path: Path) -> tuple[str, str]:
    """Copy ``path`` into the attachments folder; return (sha256, path relative to the data folder)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    sha = digest.hexdigest()
    relative = Path(ATTACHMENTS) / sha[:2] / f"{sha}{path.suffix.lower()}"
    target = data_home() / relative
    if not target.exists():
        for folder in (data_home(), data_home() / ATTACHMENTS, target.parent):
            private_folder(folder)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")  # mkstemp makes it 0600
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise SoregError(f"无法把文件复制到数据文件夹 {target.parent}，请检查磁盘空间和权限。", field="附件") from None
    return sha, relative.as_posix()


def receive_material(store: Store, case_no: str, item_code: str, *, user: UserInfo, on: date | None = None,
                     file: Path | None = None) -> None:
    """Mark a checklist item received, optionally attaching its scanned file."""
    require_role(user, frozenset({Role.CLERK}), "收取材料")
    on = on or date.today()
    stored = None
    if file is not None:
        with store.read() as session:
            rules = case_rules_in(session)
        media_type, size = _check_file(Path(file), rules)
        stored = (media_type, size, *_store_copy(Path(file)))
    with store.write() as session:
        case = find_case_in(session, case_no)
        if not is_open(case.state):
            raise SoregError(f"办件 {case.case_no} 已{case.state}，不能再收取材料。", field="办件状态")
        material = _material(case, item_code)
        before = {"received": material.received}
        if not material.received:
            material.received, material.received_on = True, on
        after: dict = {"item": material.item_code, "received": True}
        if stored is not None:
            media_type, size, sha, relative = stored
            material.attachments.append(CaseAttachment(
                original_name=Path(file).name[:255], stored_path=relative, sha256=sha, size_bytes=size,
                media_type=media_type, added_by=user.username))
            after |= {"file": Path(file).name, "sha256": sha, "size_bytes": size}
        session.flush()
        record_event_in(session, actor=user.username, action="case.material", record_type="case", record_id=case.case_no,
                     before=before, after=after)


def attachment_path(relative: str) -> Path:
    """Where an attachment recorded as ``relative`` lies on this computer."""
    return data_home() / relative
