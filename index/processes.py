"""Pools of worker processes that leave Ctrl-C to their parent and die with it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any

_PARENT_POLL = 1.0  # seconds between two looks at whether the parent is still there


class WorkerPool(ProcessPoolExecutor):
    """A process pool that Ctrl-C and a dead parent stop cleanly.

    Its workers ignore SIGINT and exit when their parent dies; left by an exception (Ctrl-C in the
    parent), it cancels the tasks not started and waits only for those running.

    Ctrl-C on a terminal sends SIGINT to the whole process group. A worker that took it would die
    while its pool shut down and could hang in its exit, flushing a queue the parent no longer read,
    with the parent waiting on it for ever. The parent alone stops the run. A parent killed with
    SIGKILL cannot stop its workers: they notice it is gone themselves.
    """

    def __init__(self, workers: int, setup: Callable[..., None] | None = None, *args: Any) -> None:
        # Forked, whatever the interpreter's default (forkserver from Python 3.14): a worker's
        # parent is then this process, which it watches, and it inherits what ``setup`` uses.
        super().__init__(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(os.getpid(), setup, *args),
        )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.shutdown(wait=True, cancel_futures=kind is not None)


def _start_worker(parent: int, setup: Callable[..., None] | None, *args: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent(parent)
    if setup is not None:
        setup(*args)


def exit_with_parent(parent: int) -> None:
    """End this process soon after ``parent`` (the process that started it) is gone.

    A thread looks for it every second. (Linux's parent-death signal would follow the parent's
    thread that started the worker, not its process: a pool started by a short-lived thread would
    die.)
    """
    if os.getppid() != parent:  # gone already
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent").start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        threading.Event().wait(_PARENT_POLL)
    os._exit(1)
