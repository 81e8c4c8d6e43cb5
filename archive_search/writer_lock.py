"""One writer per archive, across processes and machines sharing its disk.

Ingestion, prune and reindex write the catalogue and the index; tantivy admits one index writer
at a time, and a second ingestion that reached it crashed the first. Each takes an exclusive
``flock`` on ``ARCHIVE/write.lock`` first, without waiting: a second writer is refused at once
with an error naming the one at work. Searches take no lock. The kernel drops the lock when its
process ends, however it ends, so a killed run never leaves the archive locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from index.errors import ArchiveBusyError, ArchiveError

LOCK_NAME = "write.lock"


@contextlib.contextmanager
def writing(archive: Path, what: str) -> Iterator[None]:
    """Hold the archive's write lock for ``what`` (e.g. ``ingestion``), or raise ``ArchiveBusyError``."""
    path = archive / LOCK_NAME
    try:
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:  # a read-only archive, or one on a disk gone away
        raise ArchiveError(f"cannot write to this archive ({exc.strerror or exc})", path=archive) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ArchiveBusyError(
                f"another writer is at work on this archive ({holder}): wait for it to finish, then run this "
                "again", path=archive,
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{what} by process {os.getpid()} on {socket.gethostname()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
