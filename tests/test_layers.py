"""The import contract between our packages, read from the source (no import is run).

    bot → handlers → services → templates | storage → pmo_rules

A module may import its own package and the layers below it, never one above: templates and
storage are siblings and do not import each other; pmo_rules imports nothing of ours; and no
module in handlers/ imports storage (listeners call use cases in services/, and the rows they
show come through them). Every import counts wherever it is written: inside a function, a
`try`, or `if TYPE_CHECKING:` (a guard hides nothing), relative or absolute. A failure names the
file and line of each offending import.

Exceptions would be listed below, one (module, imported module) pair per line with the reason;
both lists are empty, and a listed break that is gone fails too (delete its line, so it cannot
come back unnoticed).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS = {"bot": 4, "handlers": 3, "services": 2, "templates": 1, "storage": 1, "pmo_rules": 0}
"""A package may import one whose rank is lower (or itself); equal ranks are siblings."""

# What breaks the contract, one (module, imported module) pair per line with its reason. Both
# lists are empty since services/ landed: listeners take `BotContext` from services.context and
# every look-up and change goes through services/. Keep them empty: fix a break rather than list
# it; a line listed here must say why, and the test fails once it is gone.
LAYER_BREAKS_ALLOWED: set[tuple[str, str]] = set()

# Listeners do not touch storage (ARCHITECTURE.md: "does not import storage"): the rows they
# show come through services/. Allowed by the layer order, so this is its own, stricter rule.
HANDLERS_IMPORTING_STORAGE: set[tuple[str, str]] = set()


def imports(root: Path = ROOT) -> Iterator[tuple[str, str]]:
    """(importing module, imported module) for every import of one of our packages."""
    for module, target, _where in located_imports(root):
        yield module, target


def located_imports(root: Path = ROOT) -> Iterator[tuple[str, str, str]]:
    """`imports`, each with where it is written ("handlers/risk.py:17"), for the messages."""
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            here = parts[:-1] if parts[-1] == "__init__" else parts
            module = ".".join(here)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                for target in _targets(node, here if parts[-1] == "__init__" else parts[:-1],
                                       root):
                    if target.split(".")[0] in LAYERS:
                        yield module, target, f"{path.relative_to(root)}:{node.lineno}"


def _targets(node: ast.AST, package: tuple[str, ...], root: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = ".".join(package[:len(package) - node.level + 1] if node.level else ())
    base = ".".join(filter(None, (base, node.module)))
    # `from storage import audit` imports the module storage.audit; `from storage.audit import
    # record` imports storage.audit.
    return [f"{base}.{alias.name}" if _is_module(root, f"{base}.{alias.name}") else base
            for alias in node.names]


def _is_module(root: Path, dotted: str) -> bool:
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def layer_breaks(root: Path = ROOT) -> set[tuple[str, str]]:
    def rank(module: str) -> tuple[str, int]:
        package = module.split(".")[0]
        return package, LAYERS[package]

    return {(module, target) for module, target in imports(root)
            if rank(module)[0] != rank(target)[0] and rank(target)[1] >= rank(module)[1]}


def _ratchet(found: set[tuple[str, str]], allowed: set[tuple[str, str]], rule: str) -> None:
    new, gone = found - allowed, sorted(allowed - found)
    where = sorted(f"{place} imports {target}" for module, target, place in located_imports()
                   if (module, target) in new)
    assert not new, f"{rule}: new imports break it: {where or sorted(new)}"
    assert not gone, f"{rule}: fixed, so delete these lines from the allowlist: {gone}"


def test_no_layer_imports_a_layer_above_it():
    _ratchet(layer_breaks(), LAYER_BREAKS_ALLOWED,
             "bot → handlers → services → templates | storage → pmo_rules")


def test_handlers_do_not_import_storage():
    found = {(module, target) for module, target in imports()
             if module.startswith("handlers") and target.split(".")[0] == "storage"}
    _ratchet(found, HANDLERS_IMPORTING_STORAGE, "handlers/ does not import storage")


def test_pmo_rules_imports_nothing_of_ours():
    assert {target for module, target in imports()
            if module.startswith("pmo_rules") and not target.startswith("pmo_rules")} == set()


def test_the_checker_sees_every_kind_of_import(tmp_path):
    """A tree with one break of each kind (a TYPE_CHECKING guard, a function body, a relative
    import, a services/ package, siblings) is read as it would be on the real source."""
    files = {
        "pmo_rules/__init__.py": "",
        "pmo_rules/a.py": "def f():\n    import storage.b\n",
        "storage/__init__.py": "",
        "storage/b.py": "from . import c\nfrom .c import X\nfrom pmo_rules import a\n",
        "storage/c.py": "from typing import TYPE_CHECKING\n"
                        "if TYPE_CHECKING:\n    from templates.d import Y\n",
        "templates/__init__.py": "",
        "templates/d.py": "from pmo_rules.a import f\n",
        "services/__init__.py": "from handlers import e\n",
        "handlers/__init__.py": "",
        "handlers/e.py": "import services\nfrom bot.g import Z\n",
        "bot/__init__.py": "",
        "bot/g.py": "from handlers.e import W\nfrom services import h\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert set(imports(tmp_path)) >= {("storage.b", "storage.c"), ("services", "handlers.e")}
    assert layer_breaks(tmp_path) == {
        ("pmo_rules.a", "storage.b"),  # in a function body
        ("storage.c", "templates.d"),  # under TYPE_CHECKING, and between siblings
        ("services", "handlers.e"),
        ("handlers.e", "bot.g"),
    }
