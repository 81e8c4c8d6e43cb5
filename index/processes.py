"""Pools of worker processes that leave Ctrl-C to their parent."""

from __future__ import annotations

import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any


class WorkerPool(ProcessPoolExecutor):
    """A process pool whose workers ignore SIGINT, and which, left by an exception (Ctrl-C in
    the parent), cancels the tasks not started and waits only for those running.

    Ctrl-C on a terminal sends SIGINT to the whole process group. A worker that took it died
    while its pool shut down and could hang in its exit, flushing a queue the parent no longer
    read, with the parent waiting on it for ever (1 interrupted ingest in 8). The parent alone
    stops the run."""

    def __init__(self, workers: int, setup: Callable[..., None] | None = None, *args: Any) -> None:
        super().__init__(max_workers=workers, initializer=_start_worker, initargs=(setup, *args))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.shutdown(wait=True, cancel_futures=kind is not None)


def _start_worker(setup: Callable[..., None] | None, *args: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if setup is not None:
        setup(*args)
