"""Where an ingestion run's tasks go: the local pool, the serial executor, and each task's form."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from archive_search.index.catalog import OcrEntry
from archive_search.index.processes import WorkerPool
from archive_search.ingest.chunks import Chunk
from archive_search.ingest.extract import ExtractResult, ExtractTask
from archive_search.ingest.options import IngestOptions
from archive_search.ingest.scratch import use_as_tempdir

T = TypeVar("T")


class SerialExecutor(Executor):
    """Runs each task at submit time, in this process: for tests and debugging."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


@dataclass(frozen=True, slots=True, kw_only=True)
class Workers:
    """Where a run's tasks go, and how.

    An executor, the function each task runs there, that function's arguments for a chunk, and how
    many tasks may be in flight at once.
    """

    executor: Executor
    work: Callable[..., ExtractResult]
    arguments: Callable[[Chunk], tuple[Any, ...]]
    in_flight: int


def local_pool(count: int, scratch: Path | None) -> Executor:
    """Worker processes whose temporary files go to the run's ``scratch`` directory.

    For one worker, the serial executor. That runs in this process, whose temp dir is not ours to
    move: OCR's files go to ``scratch`` through the task, and any other library's stay where it puts
    them.
    """
    if count == 1:
        return SerialExecutor()
    if scratch is None:
        return WorkerPool(count)
    return WorkerPool(count, use_as_tempdir, str(scratch))


def extract_task(
    chunk: Chunk,
    options: IngestOptions,
    ocr_cache: Path | None,
    scratch: Path | None = None,
    known_ocr: tuple[OcrEntry, ...] = (),
) -> ExtractTask:
    return ExtractTask(
        chunk.path,
        options.ocr,
        options.dpi,
        options.ocr_timeout,
        ocr_cache=ocr_cache,
        page_range=chunk.page_range,
        scratch=scratch,
        known_ocr=known_ocr,
    )
