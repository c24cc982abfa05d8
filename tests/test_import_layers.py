"""The program's packages depend on each other in one direction: no import cycle between packages.

Every import counts, those inside functions too (a lazy import hides a cycle from Python, not from
the design). ui/ and cli/ are the top floor: they may import anything, and nothing imports them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "ui", "models", "forms", "printing", "registry", "accounts",
    "workflow", "sync", "spreadsheets", "cli", "signing", "stats",
)
TOP = ("ui", "cli")


def imported_modules(source: str, module: str) -> list[tuple[str, int]]:
    """(absolute module name, line) for every import in ``source``, the module named ``module``.

    Statements anywhere in the file count, relative ones resolved, and so do
    ``import_module("…")``/``__import__("…")`` with a literal name.
    """
    package = module.split(".")[:-1]  # "a.b.c" and "a.b.__init__" both sit in package a.b
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module:
                found.append((target, node.lineno))
            else:  # from . import a, b: each name is a module of that package
                found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append((node.args[0].value, node.lineno))
    return found


def package_edges(root: Path, packages=PACKAGES) -> dict[tuple[str, str], list[str]]:
    """(importer, imported) package pairs, each with the ``path:line`` places that make it."""
    edges = defaultdict(list)
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            module = ".".join(relative.with_suffix("").parts)
            for target, line in imported_modules(path.read_text(encoding="utf-8"), module):
                imported = target.split(".")[0]
                if imported in packages and imported != package:
                    edges[package, imported].append(f"{relative.as_posix()}:{line}")
    return dict(edges)


def cycles(edges) -> list[list[str]]:
    """The shortest cycle through each package that is on one, first package repeated at the end."""
    graph = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    found = []
    for start in sorted(graph):
        came_from, queue = {}, [start]
        while queue and start not in came_from:  # breadth first: the shortest way back to start
            node = queue.pop(0)
            for step in sorted(graph[node]):
                if step not in came_from:
                    came_from[step] = node
                    queue.append(step)
        if start not in came_from:
            continue
        cycle, node = [start], came_from[start]
        while node != start:
            cycle.insert(0, node)
            node = came_from[node]
        cycle.insert(0, start)
        if not any(sorted(cycle[1:]) == sorted(c[1:]) for c in found):
            found.append(cycle)
    return found


def describe(cycle, edges) -> str:
    lines = [" → ".join(cycle)]
    for source, target in zip(cycle, cycle[1:]):
        lines.append(f"  {source} → {target}: " + ", ".join(edges[source, target]))
    return "\n".join(lines)


def test_no_import_cycle_between_packages():
    edges = package_edges(ROOT)
    assert ("ui", "workflow") in edges and ("workflow", "models") in edges  # the walk reaches the code
    found = cycles(edges)
    assert not found, "包之间有循环导入：\n" + "\n".join(describe(c, edges) for c in found)


def test_nothing_imports_the_top_floor():
    edges = package_edges(ROOT)
    upward = {pair: places for pair, places in edges.items() if pair[1] in TOP and pair[0] not in TOP}
    assert not upward, "ui/ 与 cli/ 是最上层，其他包不得导入它们：\n" + "\n".join(
        f"  {source} → {target}: {', '.join(places)}" for (source, target), places in sorted(upward.items())
    )


def test_the_graph_sees_every_kind_of_import(tmp_path):
    assert imported_modules("def f():\n    from workflow import states\n", "printing.x") == [("workflow", 2)]
    assert imported_modules("from ..models import db\n", "sync.central.pull") == [("sync.models", 1)]
    assert imported_modules("from . import a, b\n", "sync.__init__") == [("sync.a", 1), ("sync.b", 1)]
    assert imported_modules("from .x import y\n", "sync.push") == [("sync.x", 1)]
    assert imported_modules("import importlib\nimportlib.import_module('models.db')\n", "x.y")[1] == ("models.db", 2)
    for name, text in {
        "a/__init__.py": "",
        "a/one.py": "import b.two\n",
        "b/__init__.py": "",
        "b/two.py": "def late():\n    from c import three\n",
        "c/__init__.py": "from a import one\n",
        "c/three.py": "from . import four\n",
    }.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    edges = package_edges(tmp_path, ("a", "b", "c"))
    assert edges == {("a", "b"): ["a/one.py:1"], ("b", "c"): ["b/two.py:2"], ("c", "a"): ["c/__init__.py:1"]}
    assert cycles(edges) == [["a", "b", "c", "a"]]
    assert describe(["a", "b", "c", "a"], edges).splitlines()[2] == "  b → c: b/two.py:2"
    del edges["c", "a"]
    assert cycles(edges) == []
