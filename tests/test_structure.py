"""The public surface and the layering: index ← ingest ← archive_search ← cli."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
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
# The installed names of the top-level folders and cli.py (archive_search/index links to index/).
LAYER_OF = {
    "archive_search.index": "index",
    "archive_search.ingest": "ingest",
    "archive_search.cli": "cli",
}


def test_all_is_sorted_and_complete() -> None:
    assert archive_search.__all__ == sorted(archive_search.__all__)
    public = {name for name in dir(archive_search) if not name.startswith("_")}
    package = ROOT / "archive_search"
    subpackages = {path.parent.name for path in package.glob("*/__init__.py")}
    modules = (
        {path.stem for path in package.glob("*.py")}
        | subpackages
        | {
            "importlib",
            "TYPE_CHECKING",
        }
    )
    assert public - modules == set(archive_search.__all__)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {_layer(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(_layer(node.module))
    return found & PROJECT


def _layer(module: str) -> str:
    """The layer a module belongs to: archive_search.index.catalog is in index."""
    parts = module.split(".")
    return LAYER_OF.get(".".join(parts[:2]), parts[0])


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_import_only_what_is_below_them(layer: str) -> None:
    for module in sorted((ROOT / layer).glob("*.py")):
        if module.name == "__main__.py":
            continue  # the `python -m archive_search` entry point calls the CLI
        assert _imports(module) <= ALLOWED[layer], module.name


def test_the_library_never_imports_the_server() -> None:
    """The server is an adapter above the library, like the CLI."""
    for module in sorted((ROOT / "archive_search").glob("*.py")):
        if module.name not in ("__main__.py", "cli.py"):  # the CLI's entry points are adapters
            tree = ast.parse(module.read_text(encoding="utf-8"))
            names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
            assert not any(str(name).startswith("archive_search.server") for name in names), module


def test_the_server_uses_only_the_public_package_and_itself() -> None:
    for module in sorted((ROOT / "archive_search" / "server").rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        modules = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        }
        for name in modules:
            if name.startswith("archive_search"):
                assert name == "archive_search" or name.startswith("archive_search.server"), (
                    module.name,
                    name,
                )


def test_cli_uses_only_the_public_package() -> None:
    assert _imports(ROOT / "cli.py") == {"archive_search"}


def test_nothing_imports_the_top_level_folders_by_their_bare_names() -> None:
    """index, ingest and cli are installed as archive_search.index, .ingest and .cli only."""
    for path in [*sorted(ROOT.glob("*/*.py")), ROOT / "cli.py"]:
        if path.parts[-2] in {".venv", "build"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        names += [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        ]
        assert not {name.split(".")[0] for name in names} & {"index", "ingest", "cli"}, path


def test_the_installed_namespace_links_to_the_top_level_folders() -> None:
    for name in ("index", "ingest", "cli.py"):
        link = ROOT / "archive_search" / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve()


def test_set_up_byte_compiles_every_module_the_project_installs(tmp_path: Path) -> None:
    """scripts/byte_compile.py reads what to compile from pyproject.toml.

    A package added there is compiled without being named anywhere else.
    """
    import runpy

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    start = pyproject.index("packages = [")
    ours = pyproject[start : pyproject.index("]", start) + 1]
    assert '"archive_search.index"' in ours
    (tmp_path / "pyproject.toml").write_text(
        pyproject.replace(ours, 'packages = ["archive_search", "newpkg"]\npy-modules = ["cli"]'),
        encoding="utf-8",
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


def test_a_built_wheel_installs_one_namespace_and_its_command_runs(tmp_path: Path) -> None:
    """A regular install puts only archive_search into site-packages, index and ingest inside it."""
    import subprocess
    import sys
    import zipfile

    build = ["pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    subprocess.run([sys.executable, "-m", *build, str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("archive_search-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"archive_search"}
    assert {"archive_search/index/catalog.py", "archive_search/ingest/ocr.py"} <= set(names)
    assert "archive_search/ingest/data/syllables.tsv.gz" in names  # the OCR correction model
    assert "archive_search/cli.py" in names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    shown = subprocess.run(
        [sys.executable, "-c", "import archive_search.cli as c; print(c.__file__)"],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == str(target / "archive_search" / "cli.py")


def test_the_error_tree_drawn_in_errors_py_names_every_error_class() -> None:
    from archive_search.index import errors

    drawn = set(re.findall(r"[├└]── (\w+)", errors.__doc__ or ""))
    classes = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.ArchiveSearchError)
    }
    assert drawn == classes - {"ArchiveSearchError"}


def test_the_cli_starts_without_the_server_or_ingestion_libraries() -> None:
    """A search from the command line loads no web server, template engine, PDF or OCR library."""
    code = "import sys, archive_search.cli; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in done.stdout.split()}
    heavy = {"starlette", "uvicorn", "jinja2", "pdfminer", "PIL", "pytesseract", "scipy", "pyvi"}
    assert loaded & heavy == set()
