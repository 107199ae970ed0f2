"""The layer contracts hold: import-linter passes, and no core module imports PySide6."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = REPO_ROOT / "rtstation"


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.exists(), (
        f"'{lint_imports}' not found: install the test extras (pip install -e '.[test]')"
    )
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and getattr(node.func, "id", getattr(node.func, "attr", ""))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_no_module_outside_gui_imports_pyside6():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 5, f"found only {len(modules)} modules under '{PACKAGE}'"
    offenders = []
    for path in modules:
        relative = path.relative_to(REPO_ROOT)
        if relative.parts[:2] == ("rtstation", "gui"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for lineno, module in _imported_modules(tree):
            if module == "PySide6" or module.startswith("PySide6."):
                offenders.append(f"{relative}:{lineno} imports {module}")
    assert offenders == [], "core modules must be Qt-free:\n" + "\n".join(offenders)
