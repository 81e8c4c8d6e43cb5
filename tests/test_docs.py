"""The prose: links resolve, and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from archive_search.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK_RE = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.name)
def test_every_relative_link_points_to_a_file_of_the_repository(page: Path) -> None:
    for target in _LINK_RE.findall(page.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        resolved = (page.parent / target).resolve()
        assert resolved.exists(), f"{page.name}: {target}"
        assert resolved.is_relative_to(ROOT), f"{page.name} links outside the repository: {target}"


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        names.append(f"{prefix}{name}")
        if isinstance(command, click.Group):
            names += _commands(command, f"{prefix}{name} ")
    return names


@pytest.mark.parametrize("command", _commands(cli))
def test_every_command_has_help_and_is_shown_in_the_docs(command: str) -> None:
    found: click.Command = cli
    for part in command.split():
        assert isinstance(found, click.Group)
        found = found.commands[part]
    assert (found.help or "").strip(), f"{command} has no help"
    prose = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    assert f"archive-search {command}" in prose or f"`{command}`" in prose, command


def test_the_readme_stays_a_short_page() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 160


def test_the_architecture_map_names_every_module() -> None:
    """docs/architecture.md stays true to the code: each module of the three layers is on it."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = [
        path
        for layer in ("index", "ingest", "archive_search", "archive_search/server")
        for path in sorted((ROOT / layer).glob("*.py"))
        if path.name not in {"__init__.py", "__main__.py"} and not path.is_symlink()
    ]
    assert [path.name for path in modules if path.name not in text] == []
