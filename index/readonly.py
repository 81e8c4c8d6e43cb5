"""Reading a tantivy index the reader may not write to.

A reading-room copy, another account's archive: tantivy takes a lock file in the index folder
(``.tantivy-meta.lock``) to load a commit, which a folder without write access refuses. A private
folder beside the temp files stands in for it: the commit's ``meta.json`` copied (so what is read is
that commit, whatever the owner writes next) and every other file linked, never copied.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_COPIED = ("meta.json", ".managed.json")


def writable(folder: Path) -> bool:
    """Whether this process may create files in ``folder``."""
    return os.access(folder, os.W_OK | os.X_OK)


def stand_in(folder: Path) -> Path:
    """A new private folder that tantivy reads as the index in ``folder``.

    The caller removes it (``shutil.rmtree``) once the index is closed.
    """
    private = Path(tempfile.mkdtemp(prefix="archive-search-index-"))
    try:
        for entry in folder.iterdir():
            if entry.name.endswith(".lock"):
                continue
            if entry.name in _COPIED:
                shutil.copyfile(entry, private / entry.name)
            else:
                (private / entry.name).symlink_to(entry.resolve())
    except BaseException:
        shutil.rmtree(private, ignore_errors=True)
        raise
    return private
