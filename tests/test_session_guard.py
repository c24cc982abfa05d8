"""The one transaction convention (docs/architecture.md), checked on the source.

Screens and commands (ui/, cli/, main.py) hold no database session: they call a domain function,
which opens its own transaction. In the domain packages a public function takes the ``Store``; a
helper that runs inside its caller's transaction takes a ``Session`` and says so in its name (a
leading underscore or an ``_in`` suffix).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENS = ("ui", "cli")
DOMAIN = ("workflow", "registry", "accounts", "models", "sync", "spreadsheets", "stats", "printing", "forms")
SKIPPED = ("migrations", "central_migrations")  # Alembic scripts run inside the migration's own connection

def _names(node: ast.AST | None) -> set[str]:
    """Every name and attribute name in an annotation (``Session``, ``orm.Session``, ``Session | None``)."""
    if node is None:
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        return _names(ast.parse(node.value, mode="eval").body)
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def session_uses(source: str) -> list[tuple[int, str]]:
    """Where ``source`` (a screen or a command) reaches the database itself: (line, what)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] == "sqlalchemy" for m in modules):
                found.append((node.lineno, "imports sqlalchemy"))
        elif isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr in ("read", "write", "session", "begin") and not call.args):
                    found.append((node.lineno, f"opens a transaction ({call.func.attr}())"))
        elif isinstance(node, ast.Attribute) and node.attr in ("session", "engine"):
            found.append((node.lineno, f"reaches .{node.attr}"))
        elif isinstance(node, ast.arg | ast.AnnAssign) and "Session" in _names(node.annotation):
            found.append((node.lineno, "holds a Session"))
        elif isinstance(node, ast.Name) and node.id in ("Session", "sessionmaker"):
            found.append((node.lineno, f"uses {node.id}"))
    return found


def session_takers(source: str) -> list[tuple[int, str]]:
    """Public functions and methods (no leading underscore, no ``_in`` suffix) with a parameter
    annotated ``Session``; a closure handed to a transaction as a callback is not public."""
    tree = ast.parse(source)
    defined = tree.body + [n for c in tree.body if isinstance(c, ast.ClassDef) for n in c.body]  # not closures
    found = []
    for node in defined:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if node.name.startswith("_") or node.name.endswith("_in"):
            continue
        params = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        if any("Session" in _names(p.annotation) for p in params):
            found.append((node.lineno, node.name))
    return found


def _files(folders: tuple[str, ...]) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))
            if not set(p.relative_to(ROOT).parts) & set(SKIPPED)]


def test_screens_and_commands_hold_no_session():
    files = _files(SCREENS) + [ROOT / "main.py"]
    assert any(f.name == "case_view.py" for f in files)
    offenders = [f"{path.relative_to(ROOT)}:{line} {what}" for path in files
                 for line, what in session_uses(path.read_text(encoding="utf-8"))]
    assert offenders == [], "界面与命令行不得直接使用数据库会话，请调用领域函数：\n" + "\n".join(offenders)


def test_public_domain_functions_take_the_store():
    offenders = sorted(f"{path.relative_to(ROOT).as_posix()}:{name} (line {line})" for path in _files(DOMAIN)
                       for line, name in session_takers(path.read_text(encoding="utf-8")))
    assert offenders == [], "公开的领域函数应接收 Store；在调用方事务中运行的请以 _ 开头或以 _in 结尾：\n" + "\n".join(offenders)


def test_the_guards_see_what_they_forbid():
    assert [w for _, w in session_uses("from sqlalchemy import select\n")] == ["imports sqlalchemy"]
    assert [w for _, w in session_uses("with store.read() as s:\n    pass\n")] == ["opens a transaction (read())"]
    assert [w for _, w in session_uses("with self.context.store.write() as s:\n    pass\n")] == [
        "opens a transaction (write())"]
    assert [w for _, w in session_uses("def f(s: 'Session'):\n    pass\n")] == ["holds a Session"]
    assert [w for _, w in session_uses("x = store.session\n")] == ["reaches .session"]
    assert session_uses("with open(p) as f:\n    f.read()\nsys.stdout.write('x')\n") == []
    assert session_takers("def f(session: Session): ...\ndef g_in(session: Session): ...\n"
                          "def _h(session: Session): ...\ndef k(store: Store): ...\n"
                          "def m(ended: EndedSession): ...\n") == [(1, "f")]
    assert session_takers("class C:\n    def flush(self, session: Session | None = None): ...\n") == [(2, "flush")]
    assert session_takers("def run(store: Store):\n    def step(session: Session): ...\n") == []
