"""Page extraction and OCR on a Dask cluster: the building blocks of ``ingest --cluster``.

The pipeline stays the only writer and keeps one code path: it gets an executor with the
``concurrent.futures`` protocol either from the local pool or from :func:`connect_cluster`, and
feeds it through :func:`bounded_submit`, which reads each file's bytes only when its task is
submitted and keeps at most ``limit`` tasks (and so at most ``limit`` files' bytes) in flight.
Workers see no shared disk: :func:`extract_remote` receives the file's bytes with the task
(with each task of a file read in page ranges: see ``ingest.chunks``).

Faults, as the pipeline sees them through ``future.result()``:

- a worker dies mid-task: the scheduler runs the task again on another worker, nothing to do;
- a task kills its worker ``allowed-failures`` times (Dask's default: 3), or raises an
  unexpected exception on every retry: :class:`RemoteTaskError`, an ``InputFileError`` for that
  file alone (recorded in the failures list with its reason; the batch goes on);
- the scheduler goes away: every unfinished task raises :class:`ClusterUnavailableError`, a
  ``MissingDependencyError`` (exit 3), so the run stops once the finished files are stored.

Workers must run one tesseract at a time per core: start them with ``dask worker ADDRESS
--nworkers N --nthreads 1`` and ``OMP_THREAD_LIMIT=1`` in their environment (``ingest.ocr``
also sets it before each call), on machines with ``tesseract-ocr`` and ``tesseract-ocr-vie``.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, InvalidStateError, wait
from dataclasses import replace
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Protocol, TypeVar

from archive_search.index.errors import ArchiveSearchError, InputFileError, MissingDependencyError
from archive_search.ingest.extract import ExtractResult, ExtractTask, extract_file

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
DEFAULT_RETRIES = 2  # an exception raised by a task is retried this many times on the cluster
_LARGE_TASK = "2GiB"  # a scanned file's bytes are meant to travel with its task: no warning
_INSTALL_HINT = "Dask is not installed: pip install 'archive-search[distributed]'"


class ClusterUnavailableError(MissingDependencyError):
    """The Dask scheduler cannot be reached, or went away during the run."""


class RemoteTaskError(InputFileError):
    """A task failed on the cluster on every attempt (or killed its worker every time)."""


class _RemoteFuture(Protocol):
    """What this module uses of ``distributed.Future`` (Dask is optional, and partly typed)."""

    @property
    def status(self) -> str: ...

    def result(self) -> Any: ...

    def exception(self) -> BaseException: ...

    def cancel(self) -> None: ...

    def add_done_callback(self, fn: Callable[[_RemoteFuture], None]) -> None: ...


class _Client(Protocol):
    """What this module uses of ``distributed.Client``."""

    @property
    def status(self) -> str: ...

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> _RemoteFuture: ...

    def cancel(self, futures: list[_RemoteFuture]) -> None: ...

    def nthreads(self) -> dict[str, int]: ...

    def close(self) -> None: ...


def _import_distributed() -> ModuleType:
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(_INSTALL_HINT) from exc
    return distributed


def extract_remote(task: ExtractTask, data: bytes) -> ExtractResult:
    """``extract_file`` on a worker that cannot see the file: ``data`` holds its bytes.

    The bytes go to a private temporary file with the same suffix (the suffix picks the
    reader), removed afterwards; the result names the original ``task.path``. On a Dask worker
    that file and the page images for tesseract are written in the worker's own directory,
    which Dask removes when the worker ends and purges at the next start when it was killed.
    """
    scratch = _worker_directory()
    descriptor, name = tempfile.mkstemp(
        prefix="archive-search-", suffix=task.path.suffix, dir=scratch
    )
    temp = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        result = extract_file(replace(task, path=temp, scratch=scratch))
    finally:
        temp.unlink(missing_ok=True)
    return _restore_path(result, temp, task.path)


def _worker_directory() -> Path | None:
    """The local directory of the Dask worker running this task; None outside a worker."""
    try:
        return Path(_import_distributed().get_worker().local_directory)
    except (MissingDependencyError, ValueError):  # Dask not installed, or not on a worker
        return None


def _restore_path(result: ExtractResult, temp: Path, original: Path) -> ExtractResult:
    """The result as if ``extract_file`` had read ``original``: no trace of the temporary name."""

    def fix(text: str | None) -> str | None:
        return text.replace(str(temp), str(original)) if text else text

    pages = tuple(
        replace(page, error=fix(page.error)) if page.error else page for page in result.pages
    )
    return replace(result, path=original, pages=pages, error=fix(result.error))


def bounded_submit(
    executor: Executor,
    fn: Callable[..., R],
    items: Iterable[T],
    *,
    make_args: Callable[[T], tuple[Any, ...]],
    limit: int,
    stop: Callable[[], bool] = lambda: False,
) -> Generator[tuple[T, Future[R]], None, None]:
    """Submit ``fn(*make_args(item))`` for each item, at most ``limit`` in flight.

    Items are taken lazily: ``make_args`` (which may read a file's bytes) runs only when the
    item's task is submitted. Yields ``(item, future)`` as each future completes, in completion
    order. An exception from ``make_args`` or ``submit`` comes back as that item's failed
    future. Closing the iterator early, or ``stop()`` turning true (checked at least every
    ``_STOP_POLL`` seconds), ends it and cancels the tasks not started yet.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    source = iter(items)
    pending: dict[Future[R], T] = {}
    try:
        while True:
            while len(pending) < limit and (item := next(source, _END)) is not _END:
                pending[_submit_one(executor, fn, make_args, item)] = item
            if not pending:
                return
            done, _ = wait(pending, timeout=_STOP_POLL, return_when=FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), future
            if stop():
                return
    finally:
        for future in pending:
            future.cancel()


_END: Any = object()
_STOP_POLL = 0.2  # seconds between two looks at bounded_submit's stop() while tasks run


def _submit_one(
    executor: Executor, fn: Callable[..., R], make_args: Callable[[T], tuple[Any, ...]], item: T
) -> Future[R]:
    try:
        return executor.submit(fn, *make_args(item))
    except Exception as exc:  # this item only: the caller records it like a failed task
        failed: Future[R] = Future()
        failed.set_exception(exc)
        return failed


class _ClusterExecutor(Executor):
    """A ``concurrent.futures`` executor over a Dask client, with this project's fault meaning.

    Unlike Dask's own ``client.get_executor()``, a task cancelled because the scheduler went
    away fails with ``ClusterUnavailableError`` instead of being silently cancelled, and a task
    that failed on every attempt fails with ``RemoteTaskError`` (a per-file failure).
    """

    def __init__(self, client: _Client, address: str, retries: int) -> None:
        self._client, self._address, self._retries = client, address, retries
        self._module = _import_distributed()
        self._config = importlib.import_module("dask.config")
        self._running: set[_RemoteFuture] = set()
        self._lock = threading.Lock()
        self._shutdown = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._shutdown:
            raise RuntimeError("cannot submit tasks after shutdown")
        if self._client.status not in ("running", "newly-created"):
            raise self._lost()
        # The file's bytes travel inside the task, so a task rescheduled after its worker died
        # still has them; the scheduler holds at most ``limit`` files (see bounded_submit).
        with self._config.set({"distributed.admin.large-graph-warning-threshold": _LARGE_TASK}):
            remote = self._client.submit(fn, *args, pure=False, retries=self._retries, **kwargs)
        local: Future[T] = Future()
        local.add_done_callback(lambda _: remote.cancel() if local.cancelled() else None)
        with self._lock:
            self._running.add(remote)
        remote.add_done_callback(lambda done: self._settle(done, local))
        return local

    def _settle(self, remote: _RemoteFuture, local: Future[Any]) -> None:
        with self._lock:
            self._running.discard(remote)
        if local.cancelled():
            return
        try:
            if remote.status == "finished":
                local.set_result(remote.result())
            elif remote.status == "cancelled":
                local.set_exception(self._lost())
            else:
                local.set_exception(self._task_error(remote.exception()))
        except InvalidStateError:  # cancelled by the caller meanwhile
            pass
        except Exception as exc:  # fetching the result itself failed: the cluster is gone
            log.debug("cannot fetch a result from %s", self._address, exc_info=True)
            _set_quietly(local, self._lost(exc))

    def _task_error(self, exc: BaseException) -> BaseException:
        if isinstance(exc, ArchiveSearchError):
            return exc  # e.g. tesseract missing on a worker: the pipeline's fatal path
        if isinstance(exc, self._module.KilledWorker):
            return RemoteTaskError(
                "the worker reading this file died on every attempt (out of memory?)"
            )
        return RemoteTaskError(f"failed on the cluster after {self._retries + 1} attempts: {exc!r}")

    def _lost(self, cause: BaseException | None = None) -> ClusterUnavailableError:
        reason = f": {cause}" if cause else ""
        return ClusterUnavailableError(
            f"lost the connection to the Dask scheduler at {self._address}{reason}"
        )

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True
        with self._lock:
            running = list(self._running)
        if cancel_futures or not wait:
            self._client.cancel(running)
        elif running and self._client.status == "running":
            self._module.wait(running)


def _set_quietly(future: Future[Any], exc: BaseException) -> None:
    with contextlib.suppress(InvalidStateError):
        future.set_exception(exc)


class ClusterHandle:
    """A Dask scheduler connection: ``.executor`` for the pipeline, ``.workers``, ``.close()``."""

    def __init__(self, client: _Client, address: str, *, retries: int = DEFAULT_RETRIES) -> None:
        self.client, self.address = client, address
        self.executor: Executor = _ClusterExecutor(client, address, retries)

    @property
    def workers(self) -> int:
        """Worker threads on the cluster now (one per core when started with ``--nthreads 1``)."""
        return sum(self.client.nthreads().values())

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.client.close()

    def __enter__(self) -> ClusterHandle:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def connect_cluster(
    address: str, *, timeout: float = 10, retries: int = DEFAULT_RETRIES
) -> ClusterHandle:
    """Connect to the Dask scheduler at ``address`` (``tcp://HOST:8786``).

    Raises ``MissingDependencyError`` when Dask is not installed and ``ClusterUnavailableError``
    when the scheduler does not answer within ``timeout`` seconds.
    """
    module = _import_distributed()
    try:
        client = module.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterUnavailableError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s: start it with "
            "`dask scheduler`, or check the address"
        ) from exc
    log.info("connected to %s: %d worker threads", address, sum(client.nthreads().values()))
    return ClusterHandle(client, address, retries=retries)
