"""Publishing reference data (发布基础数据) to the centre: one row of central.reference_data per file.

The key is the file name (``streets.json``), the value its JSON. Every file is first checked by
the loaders the windows use (``models.reference.problem``); one bad file refuses the whole
publication and nothing is written. A file whose value the centre already holds is left alone,
so its row_version stays and no window downloads it again. The centre's triggers log the rows
that did change, and every window receives them with its next pull.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

import sync.reference_use  # noqa: F401 - registers every loader of reference files
from models import reference
from models.errors import SoregError
from sync.central_admin import admin_connect, first_line


@dataclass(frozen=True)
class Publication:
    """What a publication did, by file name: 新增, 更新 (row_version + 1) and 未变."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


def bundled_files() -> list[Path]:
    """The reference files that come with the program (resources/reference/*.json)."""
    return sorted(reference.REFERENCE.glob("*.json"))


def _candidate(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SoregError(f"找不到文件 {path}，请检查路径。未发布任何文件。", field=path.name) from exc
    except OSError as exc:
        raise SoregError(f"无法读取 {path}，请检查路径和权限。未发布任何文件。", field=path.name) from exc
    except UnicodeDecodeError as exc:
        raise SoregError(f"{path} 不是 UTF-8 编码，请另存为 UTF-8 后重试。未发布任何文件。", field=path.name) from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SoregError(f"{path.name} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）。"
                         "未发布任何文件。", field=path.name) from exc
    why = reference.problem(path.name, value)
    if why:
        raise SoregError(f"{path.name} 的内容不对：{why}。未发布任何文件。", field=path.name)
    return value


def checked_values(files: Sequence[Path]) -> dict[str, Any]:
    """File name → JSON of each file, each accepted by every loader of its name; else SoregError."""
    values: dict[str, Any] = {}
    for path in files:
        if path.name in values:
            raise SoregError(f"有两个文件都叫 {path.name}，请只给一个。未发布任何文件。", field=path.name)
        values[path.name] = _candidate(path)
    return values


def publish_reference(url: str, files: Sequence[Path] | None = None) -> Publication:
    """Publish ``files`` (default: every bundled reference file) to the centre at ``url`` (administrator)."""
    values = checked_values(files or bundled_files())
    added: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    with admin_connect(url) as conn:
        if conn.execute("SELECT to_regclass('central.reference_data')").fetchone()[0] is None:
            raise SoregError("中心数据库尚未初始化，请先运行 central init。", field="--url")
        try:
            with conn.transaction():
                conn.execute("LOCK TABLE central.reference_data IN SHARE ROW EXCLUSIVE MODE")  # one publisher at a time
                held = {key for (key,) in conn.execute("SELECT key FROM central.reference_data WHERE key = ANY(%s)",
                                                       [list(values)])}
                for name, value in values.items():
                    if name not in held:
                        conn.execute("INSERT INTO central.reference_data (key, value) VALUES (%s, %s)",
                                     [name, Jsonb(value)])
                        added.append(name)
                        continue
                    updated = conn.execute(
                        "UPDATE central.reference_data SET value = %s, row_version = row_version + 1, updated_at = now()"
                        " WHERE key = %s AND value IS DISTINCT FROM %s", [Jsonb(value), name, Jsonb(value)])
                    (changed if updated.rowcount else unchanged).append(name)
        except psycopg.Error as exc:
            raise SoregError(f"中心数据库拒绝了发布：{first_line(exc)}。未发布任何文件。", field="--url") from exc
    return Publication(tuple(added), tuple(changed), tuple(unchanged))
