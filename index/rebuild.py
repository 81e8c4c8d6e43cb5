"""Building the index from the catalogue alone: the whole of it (``reindex``), or one level's.

One level's is built after a document left that level, so its statistics count only the documents it
holds.

Worker processes (one per core) each read batches of document numbers from the catalogue themselves
and return the analysed fields; the parent only feeds the single tantivy writer.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from archive_search.index.catalog import Catalog
from archive_search.index.records import Secrecy
from archive_search.index.search_index import LEVELS, PARTS, LevelIndex, document_fields, part_of

# A rebuild writes every entry in one go: a larger heap flushes fewer, larger segments, and a
# search over few segments is faster than over many (docs/performance.md).
_REBUILD_HEAP = 512_000_000
_BATCH = 64  # documents per analysis task when reindexing in parallel
_PROGRESS_EVERY = 1_000  # documents between two reports of a rebuild's progress
# Told (documents done, documents in all) as a rebuild goes.
RebuildProgress = Callable[[int, int], None]

_READERS: dict[Path, Catalog] = {}  # per worker process: its own connection to the catalogue


def _entries_of(catalog: Catalog, nums: list[int]) -> list[list[dict[str, Any]]]:
    """The index entries of the catalogue documents ``nums``."""
    return [document_fields(doc, pages) for doc, pages in catalog.documents_with_pages(nums)]


def _fields_of(catalog_path: Path, nums: list[int]) -> list[list[dict[str, Any]]]:
    """``_entries_of`` in a worker, which reads the catalogue itself.

    A parent reading and pickling every page for its workers would be the bottleneck of reindexing.
    """
    if (catalog := _READERS.get(catalog_path)) is None:
        catalog = _READERS[catalog_path] = Catalog.open(catalog_path)
    return _entries_of(catalog, nums)


def _analysed(
    catalog: Catalog, nums: list[int], workers: int
) -> Generator[list[dict[str, Any]], None, None]:
    """The index entries of the catalogue documents ``nums``, in order.

    Analysed by ``workers`` processes, a bounded number of batches in flight so the catalogue is
    never loaded whole.
    """
    batches = (nums[start : start + _BATCH] for start in range(0, len(nums), _BATCH))
    if workers <= 1:
        for batch in batches:
            yield from _entries_of(catalog, batch)
        return
    from archive_search.index.processes import (
        WorkerPool,
    )  # imported here: it slows a CLI search's start (docs/performance.md)

    with WorkerPool(workers) as pool:
        pending: deque[Future[list[list[dict[str, Any]]]]] = deque()
        while True:
            while len(pending) < 2 * workers and (batch := next(batches, [])):
                pending.append(pool.submit(_fields_of, catalog.path, batch))
            if not pending:
                return
            yield from pending.popleft().result()


def rebuild(
    path: Path, catalog: Catalog, *, workers: int = 1, progress: RebuildProgress | None = None
) -> int:
    """Build fresh indexes at ``path``, one per level, from every catalogue document; swap them in.

    The documents are analysed by ``workers`` processes, and the indexes swapped in when complete.
    ``progress(done, total)`` hears of every thousand documents added, and of the last once the
    indexes are committed. Stopped before the swap (by Ctrl-C, say), it leaves the index as it was
    and nothing of the new one.
    """
    nums = {level: catalog.document_nums(level) for level in LEVELS}
    total = sum(len(in_level) for in_level in nums.values())
    counted = _Counter(progress, total)
    staging = path.with_name(path.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for level in LEVELS:
            _build(staging / level.value, catalog, nums[level], workers, counted)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, path)
    if progress is not None:
        progress(counted.done, total)
    return counted.done


def rewrite_level(path: Path, catalog: Catalog, level: Secrecy) -> int:
    """Build the index of ``level`` at ``path`` afresh from the catalogue, and swap it in.

    Return the number of its documents. A few batches are analysed in this process, more by one
    worker per core.
    """
    nums = catalog.document_nums(level)
    workers = 1 if len(nums) <= 8 * _BATCH else os.cpu_count() or 1
    staging = path.with_name(path.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _build(staging, catalog, nums, workers, _Counter(None, len(nums)))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, path)
    return len(nums)


def _swap(staging: Path, path: Path) -> None:
    """Put the index built at ``staging`` in the place of ``path``."""
    retired = path.with_name(path.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    if path.exists():
        path.rename(retired)
    staging.rename(path)
    shutil.rmtree(retired, ignore_errors=True)


class _Counter:
    """Documents added so far, told to ``progress`` every ``_PROGRESS_EVERY``."""

    def __init__(self, progress: RebuildProgress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def one(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % _PROGRESS_EVERY == 0:
            self.progress(self.done, self.total)


def _build(path: Path, catalog: Catalog, nums: list[int], workers: int, counted: _Counter) -> None:
    """A new index at ``path`` of the catalogue documents ``nums``, committed.

    Each part is committed before the next is written, so no segment holds two parts.
    """
    fresh = LevelIndex.open(path, create=True, heap=_REBUILD_HEAP)
    try:
        for part in range(PARTS):
            in_part = [num for num in nums if part_of(num) == part]
            with contextlib.closing(_analysed(catalog, in_part, workers)) as analysed:
                for fields in analysed:
                    fresh.add(fields)
                    counted.one()
            fresh.commit()
    except BaseException:
        fresh.abandon()  # now: its threads would write in the folder after it is removed
        raise
