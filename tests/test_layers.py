"""The import order between the packages: `bot` → `handlers` → `services` → `templates` |
`storage` → `pmo_rules`; a module imports only its own layer and those below it.

Read from the source (every `import` and `from … import`, wherever it is in the module), so a
listener that starts opening sessions itself, or a use case that reaches up into the process,
fails here with the file and the import named.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ABOVE = {
    "handlers": {"bot"},
    "services": {"bot", "handlers"},
    "templates": {"bot", "handlers", "services"},
    "storage": {"bot", "handlers", "services", "templates"},
    "pmo_rules": {"bot", "handlers", "services", "templates", "storage"},
}
NOT_FROM_HANDLERS = {"storage"}
"""Listeners call use cases; the rows they show come through services/."""
WAIVED = {"handlers.ids"}
"""The action and block ids: a leaf every layer may name until they move out of handlers/."""


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def _modules(package: str) -> list[Path]:
    return sorted(path for path in (ROOT / package).rglob("*.py")
                  if "migrations" not in path.parts)


@pytest.mark.parametrize("package", sorted(ABOVE))
def test_a_package_imports_nothing_above_it(package):
    forbidden = ABOVE[package] | (NOT_FROM_HANDLERS if package == "handlers" else set())
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}"
             for path in _modules(package) for line, name in _imports(path)
             if name.split(".")[0] in forbidden and name not in WAIVED]
    assert wrong == []


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "listener.py"
    module.write_text("def f():\n    from storage import projects\n", encoding="utf-8")
    assert (2, "storage") in _imports(module)
