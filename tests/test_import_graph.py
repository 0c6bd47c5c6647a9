"""The bot's modules form a graph without cycles, and nothing hides one.

A feature that imports another inside a function (to dodge a circle) or registers
itself by being imported makes the order of imports part of the behaviour; bot/app.py's
list of features is meant to be the whole story. This walks every module's syntax tree.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "storage")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _target(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")[: -node.level]
    return ".".join([*base, node.module] if node.module else base)


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project modules `node` imports (a `from package import name` may be a module)."""
    names: set[str] = set()
    if isinstance(node, ast.Import):
        candidates = [alias.name for alias in node.names]
    else:
        base = _target(module, node)
        candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
    for name in candidates:
        if name in MODULES:
            names.add(name)
    return names


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(module: str, tree: ast.Module) -> set[str]:
    edges: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            edges |= _imported(module, node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            pending += node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                pending += handler.body
    # A submodule reading its own package's __init__ (bot.delivery.worker -> bot.delivery)
    # is how a package re-exports; only imports across packages can form a real circle.
    return {e for e in edges if e != module and not module.startswith(e + ".")}


def _nested_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Imports of project modules inside a function or class body."""
    found = []
    for outer in ast.walk(tree):
        if not isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(outer):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else ["." * node.level]
            else:
                continue
            if any(n.split(".")[0] in PACKAGES or n.startswith(".") for n in names):
                found.append((node.lineno, ", ".join(names)))
    return found


def _graph() -> dict[str, set[str]]:
    return {
        module: _top_level_imports(module, ast.parse(path.read_text(), str(path)))
        for module, path in MODULES.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None (iterative depth-first search)."""
    colour = dict.fromkeys(graph, 0)  # 0 new, 1 on the stack, 2 done
    for start in graph:
        if colour[start]:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        colour[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = 2
                stack.pop()
                path.pop()
            elif colour[child] == 1:
                return [*path[path.index(child) :], child]
            elif colour[child] == 0:
                colour[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycle(_graph()) is None


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_the_project_inside_a_function() -> None:
    offenders = {
        module: found
        for module, path in MODULES.items()
        if (found := _nested_imports(ast.parse(path.read_text(), str(path))))
    }
    assert offenders == {}


def test_no_module_registers_itself_by_being_imported() -> None:
    # (Alembic's env.py imports the table models to fill SQLModel.metadata: that is
    # SQLModel's own registry, not a feature of the bot.)
    for module, path in MODULES.items():
        if module.startswith("bot"):
            assert "(registers" not in path.read_text(), module


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("bot")))
def test_every_bot_module_imports_on_its_own(module: str) -> None:
    importlib.import_module(module)


# ----- handlers stay thin -------------------------------------------------------------
# A handler reads the update, chooses the texts and sends; what it stores or reads goes
# through a service (bot/*.py, bot/<feature>/), which opens the session itself.

HANDLERS = "bot.handlers"
# The wiring: the modules that assemble the features into the bot (bot/app.py lists them;
# bot/features.py defines what a feature is). Nothing else may import a handler.
WIRING = {"bot.app", "bot.features"}


def _all_imports(module: str, tree: ast.AST) -> set[str]:
    """Every project module `tree` imports anywhere: top level, TYPE_CHECKING, functions."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found |= _imported(module, node)
    return found


def _imports_storage(module: str, source: str) -> set[str]:
    return {m for m in _all_imports(module, ast.parse(source)) if m.split(".")[0] == "storage"}


def _opens_sessions(source: str) -> list[int]:
    """Lines calling `<something>.db.session(` (or `db.session(`): a handler's own session."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr != "session":
            continue
        owner = node.func.value
        if (isinstance(owner, ast.Attribute) and owner.attr == "db") or (
            isinstance(owner, ast.Name) and owner.id == "db"
        ):
            lines.append(node.lineno)
    return sorted(lines)


def _handler_importers(graph_source: dict[str, str]) -> set[str]:
    """Modules outside bot.handlers (and the wiring) that import a handler module."""
    return {
        module
        for module, source in graph_source.items()
        if not module.startswith(HANDLERS)
        and module not in WIRING
        and any(m.startswith(HANDLERS) for m in _all_imports(module, ast.parse(source)))
    }


def _handler_modules() -> dict[str, str]:
    return {m: p.read_text() for m, p in MODULES.items() if m.startswith(HANDLERS + ".")}


def test_no_handler_imports_storage() -> None:
    offenders = {
        m: found for m, src in _handler_modules().items() if (found := _imports_storage(m, src))
    }
    assert offenders == {}


def test_the_storage_import_finder_finds_one() -> None:
    hidden = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from storage.models import Child\n"
    )
    assert _imports_storage("bot.handlers.x", hidden) == {"storage.models"}
    nested = "async def f():\n    from storage import ledger\n"
    assert _imports_storage("bot.handlers.x", nested) == {"storage", "storage.ledger"}
    assert _imports_storage("bot.handlers.x", "import storage.db\n") == {"storage.db"}
    assert _imports_storage("bot.handlers.x", "from bot import profiles\n") == set()


def test_no_handler_opens_a_session() -> None:
    offenders = {
        m: lines for m, src in _handler_modules().items() if (lines := _opens_sessions(src))
    }
    assert offenders == {}


def test_the_session_finder_finds_one() -> None:
    source = (
        "async def f(context):\n"
        "    async with context.runtime.db.session() as session:\n"
        "        pass\n"
        "    db = context.runtime.db\n"
        "    async with db.session() as session:\n"
        "        pass\n"
    )
    assert _opens_sessions(source) == [2, 5]
    assert _opens_sessions("async def f(x):\n    await x.runtime.session()\n") == []


def test_only_the_wiring_imports_handlers() -> None:
    assert _handler_importers({m: p.read_text() for m, p in MODULES.items()}) == set()


def test_the_handler_import_finder_finds_one() -> None:
    sources = {
        "bot.followup.messages": "from bot.handlers.report_pregnancy import phq2\n",
        "bot.guide": "def f():\n    from bot.handlers import guide\n",
        "bot.app": "from bot.handlers import guide\n",
        "bot.handlers.report": "from bot.handlers.report_core import finish\n",
    }
    assert _handler_importers(sources) == {"bot.followup.messages", "bot.guide"}
