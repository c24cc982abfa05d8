"""Only ui/ and main.py may import PySide6: the domain runs and is tested without Qt.

tests/ drive the whole program, GUI included, so they may too; benchmarks reach Qt only through
ui/harness.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = ("ui", "tests")  # top-level folders that may import Qt (besides main.py)
SKIPPED = (".venv", ".git", "build", "dist")
QT_PACKAGES = ("PySide6", "shiboken6")


def qt_imports(source: str) -> list[int]:
    """Line numbers where ``source`` imports Qt, by statement or by ``import_module``/``__import__``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            names = [str(node.args[0].value)] if called in ("import_module", "__import__") else []
        else:
            continue
        if any(name.split(".")[0] in QT_PACKAGES for name in names):
            lines.append(node.lineno)
    return lines


def guarded_files(root: Path) -> list[Path]:
    files = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in SKIPPED + ALLOWED or parts == ("main.py",) or any(p.endswith(".egg-info") for p in parts):
            continue
        files.append(path)
    return files


def test_no_module_outside_ui_imports_qt():
    files = guarded_files(ROOT)
    assert any(f.parts[-2:] == ("models", "store.py") for f in files)  # the walk does reach the domain
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        for line in qt_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "只有 ui/ 和 main.py 可以导入 PySide6：" + "、".join(offenders)


def test_the_guard_sees_every_way_of_importing_qt(tmp_path):
    assert qt_imports("import PySide6.QtCore\n") == [1]
    assert qt_imports("x = 1\nfrom PySide6.QtWidgets import QWidget\n") == [2]
    assert qt_imports("def f():\n    from PySide6 import QtGui\n") == [2]
    assert qt_imports("import importlib\nimportlib.import_module('PySide6.QtCore')\n") == [2]
    assert qt_imports("__import__('shiboken6')\n") == [1]
    assert qt_imports("import sqlalchemy\n# import PySide6 in a comment\ns = 'PySide6'\n") == []
    (tmp_path / "models").mkdir()
    (tmp_path / "ui").mkdir()
    (tmp_path / "models" / "bad.py").write_text("import PySide6\n", encoding="utf-8")
    (tmp_path / "ui" / "fine.py").write_text("import PySide6\n", encoding="utf-8")
    (tmp_path / "main.py").write_text("import PySide6\n", encoding="utf-8")
    assert [p.relative_to(tmp_path) for p in guarded_files(tmp_path)] == [Path("models/bad.py")]
