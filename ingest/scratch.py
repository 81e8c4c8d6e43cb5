"""The private scratch directory of an ingestion run: ``ARCHIVE/scratch/<host>.<pid>-<random>/``.

Page images handed to tesseract and tesseract's output are written there rather than in the
system temp dir. A run removes its directory when it ends; a run killed
with SIGKILL cannot, so each run first removes the directories whose owning process is gone.
A directory whose pid is alive (a concurrent ingestion, or a reused pid) is left alone, and so is
one made on another machine (an archive on a shared disk), whose processes cannot be seen from here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)
SCRATCH = "scratch"  # under the archive directory
_HOST = socket.gethostname().replace("-", "_")  # "-" ends the owner part of a directory's name


@contextlib.contextmanager
def scratch_directory(archive: Path) -> Iterator[Path]:
    """A new private directory under ``archive/scratch``, removed on exit; stale ones go first."""
    root = archive / SCRATCH
    root.mkdir(parents=True, exist_ok=True)
    remove_stale(root)
    path = Path(tempfile.mkdtemp(prefix=f"{_HOST}.{os.getpid()}-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def remove_stale(root: Path) -> list[Path]:
    """Remove the scratch directories under ``root`` whose owning process no longer exists."""
    stale = [entry for entry in root.iterdir() if _is_stale(entry)]
    for entry in stale:
        log.info("removing the scratch directory of a run that was killed: %s", entry)
        shutil.rmtree(entry, ignore_errors=True)
    return stale


def use_as_tempdir(path: str) -> None:
    """Worker process initializer: this process's temporary files go to ``path``."""
    tempfile.tempdir = path


def _is_stale(entry: Path) -> bool:
    """A directory of a run on this machine whose process is gone.

    ``<pid>-…``, the name before the host was in it, counts as this machine's.
    """

    owner, dash, _ = entry.name.partition("-")
    host, _, pid = owner.rpartition(".")
    return (
        entry.is_dir()
        and bool(dash)
        and host in ("", _HOST)
        and pid.isdigit()
        and not _alive(int(pid))
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone, or a pid that cannot exist
        return False
    except PermissionError:  # another user's process
        return True
    return True
