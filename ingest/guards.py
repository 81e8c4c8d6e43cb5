"""What keeps an ingestion run whole: a full disk becomes one error, Ctrl-C a safe stop."""

from __future__ import annotations

import contextlib
import errno
import signal
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from archive_search.index.errors import ArchiveError

_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


_FULL_WORDS = ("no space", "file too large", "quota", "disk is full", "disk i/o error")


@contextlib.contextmanager
def archive_writes(archive: Path) -> Iterator[None]:
    """Turn a failure to write the archive as a whole into one ``ArchiveError``.

    A full disk, a file-size limit or a lost mount: each document's transaction is whole or absent,
    and the next run completes the index from the catalogue.
    """
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise ArchiveError(_cannot_write(str(exc)), path=archive) from exc
    except OSError as exc:
        if exc.errno not in _FULL:
            raise
        raise ArchiveError(_cannot_write(exc.strerror or str(exc)), path=archive) from exc
    except ValueError as exc:  # tantivy's errors, its I/O ones among them
        if not any(words in str(exc).lower() for words in _FULL_WORDS):
            raise
        raise ArchiveError(_cannot_write(str(exc)), path=archive) from exc


def _cannot_write(reason: str) -> str:
    return (
        f"cannot write to the archive ({reason}): is its disk full? Every file finished before "
        "is stored; free some space and run the same command again"
    )


@contextlib.contextmanager
def stopping_on_interrupt(stop: threading.Event) -> Iterator[None]:
    """While the run lasts, Ctrl-C sets ``stop`` instead of raising KeyboardInterrupt.

    Raised wherever the main thread is, inside ``concurrent.futures.wait`` say, it could leave a
    future's lock held, and the pool's shutdown would then wait for ever. The run checks ``stop`` at
    safe points. A second Ctrl-C raises at once. (Only the main thread can do this.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT) or signal.default_int_handler

    def first_interrupt(signum: int, frame: FrameType | None) -> None:
        stop.set()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, first_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
