"""The public surface and the layering: index ← ingest ← archive_search ← cli."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import archive_search

ROOT = Path(__file__).resolve().parents[1]
# What each layer may import from the project.
ALLOWED = {
    "index": {"index"},
    "ingest": {"index", "ingest"},
    "archive_search": {"index", "ingest", "archive_search"},
}
PROJECT = {"index", "ingest", "archive_search", "cli", "tools", "tests"}


def test_all_is_sorted_and_complete() -> None:
    assert archive_search.__all__ == sorted(archive_search.__all__)
    public = {name for name in dir(archive_search) if not name.startswith("_")}
    modules = {path.stem for path in (ROOT / "archive_search").glob("*.py")} | {"importlib", "TYPE_CHECKING"}
    assert public - modules == set(archive_search.__all__)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & PROJECT


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_import_only_what_is_below_them(layer: str) -> None:
    for module in sorted((ROOT / layer).glob("*.py")):
        if module.name == "__main__.py":
            continue  # the `python -m archive_search` entry point calls the CLI
        assert _imports(module) <= ALLOWED[layer], module.name


def test_cli_uses_only_the_public_package() -> None:
    assert _imports(ROOT / "cli.py") == {"archive_search"}


def test_set_up_byte_compiles_every_module_the_project_installs(tmp_path: Path) -> None:
    """scripts/byte_compile.py reads what to compile from pyproject.toml: a package added there
    is compiled without being named anywhere else."""
    import runpy

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    ours = 'packages = ["archive_search", "ingest", "index"]'
    assert ours in pyproject
    (tmp_path / "pyproject.toml").write_text(
        pyproject.replace(ours, 'packages = ["archive_search", "newpkg"]'), encoding="utf-8"
    )
    (tmp_path / "archive_search").mkdir()
    (tmp_path / "archive_search" / "a.py").write_text("A = 1\n", encoding="utf-8")
    (tmp_path / "newpkg").mkdir()
    (tmp_path / "newpkg" / "b.py").write_text("B = 2\n", encoding="utf-8")
    (tmp_path / "cli.py").write_text("C = 3\n", encoding="utf-8")
    byte_compile = runpy.run_path(str(ROOT / "scripts" / "byte_compile.py"))["byte_compile"]
    assert byte_compile(tmp_path) is True
    compiled = sorted(path.name.split(".")[0] for path in tmp_path.rglob("*.pyc"))
    assert compiled == ["a", "b", "cli"]
    (tmp_path / "newpkg" / "broken.py").write_text("def (:\n", encoding="utf-8")
    assert byte_compile(tmp_path) is False
