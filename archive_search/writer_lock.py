"""One writer per archive, across threads, processes and machines sharing its disk.

Ingestion, prune and reindex write the catalogue and the index; tantivy admits one index writer
at a time, and a second ingestion that reached it crashed the first. Each takes the archive's
write lock first, without waiting: a second writer is refused at once with an error naming the
one at work. Searches take no lock.

The lock is a POSIX record lock (``lockf``) on ``ARCHIVE/write.lock``. Such a lock belongs to
the process that took it: the worker processes an ingestion forks do not inherit it, and it goes
when that process ends, however it ends, so a killed run never leaves the archive locked even
while its orphaned workers finish their page. A process does not conflict with its own record
locks (and closing any descriptor of the file would drop them), so the writers of this process
are kept in a table that is checked before the file is touched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from archive_search.index.errors import ArchiveBusyError, ArchiveError

LOCK_NAME = "write.lock"
_WRITING: dict[Path, str] = {}  # archives this process is writing to, and who is at work
_TABLE = threading.Lock()


@contextlib.contextmanager
def writing(archive: Path, what: str) -> Iterator[None]:
    """Hold the archive's write lock for ``what`` (``ingestion``…) or raise ``ArchiveBusyError``."""
    key, holder = archive.resolve(), f"{what} by process {os.getpid()} on {socket.gethostname()}"
    with _TABLE:
        if key in _WRITING:
            raise _busy(archive, _WRITING[key])
        _WRITING[key] = holder
    try:
        with _locked(archive, holder):
            yield
    finally:
        with _TABLE:
            del _WRITING[key]


@contextlib.contextmanager
def _locked(archive: Path, holder: str) -> Iterator[None]:
    try:
        handle = (archive / LOCK_NAME).open("a+", encoding="utf-8")
    except OSError as exc:  # a read-only archive, or one on a disk gone away
        raise ArchiveError(
            f"cannot write to this archive ({exc.strerror or exc})", path=archive
        ) from exc
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise ArchiveError(
                    f"cannot lock this archive for writing ({exc.strerror})", path=archive
                ) from exc
            raise _busy(archive, _holder(handle)) from None
        _note(handle, holder)
        try:
            yield
        finally:
            _note(handle, "")
            fcntl.lockf(handle, fcntl.LOCK_UN)


def _note(handle: TextIO, holder: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(holder)
    handle.flush()


def _holder(handle: TextIO) -> str:
    handle.seek(0)
    return handle.read().strip() or "another process"


def _busy(archive: Path, holder: str) -> ArchiveBusyError:
    return ArchiveBusyError(
        f"another writer is at work on this archive ({holder}): "
        "wait for it to finish, then run this again",
        path=archive,
    )
