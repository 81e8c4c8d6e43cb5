"""Which files an ingestion reads: the paths given, folders walked recursively."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archive_search.ingest.extract import SUPPORTED_SUFFIXES


@dataclass(frozen=True, slots=True)
class Discovered:
    files: list[Path]  # to ingest
    unsupported: list[Path]  # found in folders, of a type archive-search does not read: ignored


def discover(paths: Iterable[Path], *, ignore: Iterable[Path] = ()) -> Discovered:
    """The files under ``paths``, folders walked recursively, in a stable order, resolved.

    A file named in ``paths`` is taken whatever its type (an unsupported one then fails with its
    reason). In folders, hidden files (a name starting with a dot, or inside such a folder:
    ``.DS_Store``, macOS's ``._scan.pdf`` twins, ``.Trash-1000/``) are ignored quietly, whatever
    their type; files of other types are set apart. The files and folders in ``ignore`` (the
    archive itself, the manifest) are left out of the walk.
    """
    skip = [path.resolve() for path in ignore]
    files: list[Path] = []
    unsupported: list[Path] = []
    for path in paths:
        walked = _walk(path, skip) if path.is_dir() else [(path.resolve(), True)]
        for found, supported in walked:
            (files if supported else unsupported).append(found)
    return Discovered(list(dict.fromkeys(files)), list(dict.fromkeys(unsupported)))


def _walk(folder: Path, skip: list[Path]) -> Iterator[tuple[Path, bool]]:
    """(file, of a supported type?) under ``folder``; none in ``skip``, none hidden.

    Entries that are not regular files (a FIFO, a device) are taken too: the ingestion fails them,
    with why.
    """
    for found in sorted(folder.rglob("*")):
        if not found.exists() or found.is_dir() or _hidden(found.relative_to(folder)):
            continue
        resolved = found.resolve()
        if not any(resolved.is_relative_to(left_out) for left_out in skip):
            yield resolved, found.suffix.lower() in SUPPORTED_SUFFIXES


def _hidden(relative: Path) -> bool:
    """A name starting with a dot, or inside a folder whose name does."""
    return any(part.startswith(".") for part in relative.parts)
