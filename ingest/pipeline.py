"""Ingestion: discover files, extract them in pure workers, write catalogue then index.

The parent is the only writer. A document reaches the catalogue first (with ``indexed = 0``),
then the index; the flag is set once the index commit holds it, so a run killed anywhere is
completed by the next one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Executor, Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any, Protocol, TypeVar

from archive_search.index.catalog import Catalog, OcrEntry
from archive_search.index.errors import (
    ArchiveError,
    InputFileError,
    MissingDependencyError,
    NotFoundError,
    UsageError,
)
from archive_search.index.processes import WorkerPool
from archive_search.index.records import (
    DocumentMeta,
    PageMethod,
    PageText,
    Secrecy,
    StoredDocument,
)
from archive_search.index.search_index import SearchIndex
from archive_search.ingest.chunks import Assembler, Chunk, FileToRead, split
from archive_search.ingest.discovery import discover
from archive_search.ingest.distributed import bounded_submit, connect_cluster, extract_remote
from archive_search.ingest.extract import (
    ExtractResult,
    ExtractTask,
    OcrMode,
    extract_file,
    open_regular,
)
from archive_search.ingest.header import read_metadata
from archive_search.ingest.manifest import (
    Conflict,
    ManifestRow,
    combine,
    outside,
    read_manifest,
    with_level,
)
from archive_search.ingest.manifest import by_path as manifest_by_path
from archive_search.ingest.scratch import scratch_directory, use_as_tempdir

log = logging.getLogger(__name__)
T = TypeVar("T")
_PATH_YEAR_RE = re.compile(r"(?<!\d)(19\d\d|20[0-3]\d)(?!\d)")
FIRST_YEAR, LAST_YEAR = 1945, 2030
_UNSTORABLE = "file name is not valid UTF-8: rename the file (the catalogue keeps names as text)"


@dataclass(frozen=True, kw_only=True)
class IngestOptions:
    """How to ingest; shared by the CLI and the Python API."""

    manifest: Path | None = None
    fond: str | None = None
    ocr: OcrMode = OcrMode.AUTO
    workers: int | None = None
    dpi: int = 300
    ocr_timeout: float = 180.0
    retry_failed: bool = False  # ingest again only the files whose last ingestion failed
    prune: bool = (
        False  # first forget files that no longer exist; then records the manifest no longer lists
    )
    commit_every: int = 200  # documents per index commit
    cluster: str | None = None  # a Dask scheduler (tcp://HOST:8786) to extract and OCR on
    pages_per_task: int = 4  # a longer PDF or TIFF is read as several tasks of this many pages
    # Manifest rows may name files outside the manifest's folder and the paths given.
    allow_outside_paths: bool = False

    def __post_init__(self) -> None:
        try:  # the API takes "auto" as well as OcrMode.AUTO
            object.__setattr__(self, "ocr", OcrMode(self.ocr))
        except ValueError:
            raise UsageError(f"unknown OCR mode {self.ocr!r}: use auto, always or never") from None
        if self.pages_per_task < 1:
            raise UsageError(f"pages_per_task must be at least 1, not {self.pages_per_task}")

    @property
    def worker_count(self) -> int:
        return max(1, self.workers or os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Failure:
    path: str
    reason: str


@dataclass(kw_only=True)
class IngestReport:
    """What a run did."""

    new: int = 0
    skipped: int = 0
    duplicates: int = 0
    records: int = 0
    pages: int = 0
    ocr_pages: int = 0
    ocr_cached: int = 0  # of ocr_pages, read from the OCR cache instead of tesseract
    pruned: int = 0  # missing files forgotten (prune)
    pruned_records: int = 0  # catalogue records the manifest no longer lists, removed (prune)
    unlisted_records: int = 0  # catalogue records the manifest no longer lists, kept (no prune)
    failed_before: int = (
        0  # of skipped, files that failed before and are unchanged (see retry_failed)
    )
    failures: list[Failure] = field(default_factory=list)
    # The manifest's metadata applied to documents and records already held (their files
    # unchanged): those whose metadata changed, and of them those whose secrecy level changed.
    updated: int = 0
    reclassified_documents: int = 0
    reclassified_records: int = 0
    conflicts: list[Conflict] = field(
        default_factory=list
    )  # sources that disagree, and how settled
    unsupported: list[str] = field(
        default_factory=list
    )  # files of other types found in folders: ignored
    elapsed: float = 0.0


class Progress(Protocol):
    """Told how many files there are, then about each file as it finishes; the CLI draws a bar."""

    def start(self, total: int) -> None: ...

    def advance(self, path: Path, pages: int) -> None: ...


class _NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, path: Path, pages: int) -> None:
        pass


class SerialExecutor(Executor):
    """Runs each task at submit time, in this process: for tests and debugging."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def sha256_of(path: Path) -> tuple[str, int]:
    """The SHA-256 and size of a regular file.

    Anything else (a FIFO, a device such as ``/dev/zero``, a folder) raises ``InputFileError``
    before a byte is read: reading it could wait or go on for ever.
    """
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        return digest.hexdigest(), os.fstat(handle.fileno()).st_size


def year_from_path(path: Path) -> int | None:
    """The last 4-digit year (1945–2030) in a file's path, or None."""  # noqa: RUF002
    years = [int(found) for found in _PATH_YEAR_RE.findall(str(path))]
    plausible = [year for year in years if FIRST_YEAR <= year <= LAST_YEAR]
    return plausible[-1] if plausible else None


def merge_meta(
    extracted: DocumentMeta,
    manifest: DocumentMeta | None,
    fond: str | None,
    path: Path | None = None,
) -> DocumentMeta:
    """A document's metadata from the manifest and the text, each value keeping its source.

    Manifest values win over values read from the text, except a lower secrecy level than the text's
    (the higher wins).

    The year comes from the manifest, else the header's date, else the file's path.
    """
    merged = replace(extracted, extra=dict(extracted.extra), sources=dict(extracted.sources))
    if manifest is not None:
        for name in manifest.sources:
            setattr(merged, name, getattr(manifest, name))
            merged.sources[name] = "manifest"
        merged.extra.update(manifest.extra)
    if extracted.secrecy.rank > merged.secrecy.rank:  # a lower manifest level never hides a mark
        merged.secrecy = extracted.secrecy
        merged.sources["secrecy"] = extracted.sources.get("secrecy", "text")
    if fond and not merged.fond:
        merged.fond, merged.sources["fond"] = fond, "option"
    if merged.year is None and path is not None and (year := year_from_path(path)) is not None:
        merged.year, merged.sources["year"] = year, "path"
    return merged


class Ingestion:
    """One ingestion run against an open catalogue and index."""

    def __init__(self, catalog: Catalog, index: SearchIndex, options: IngestOptions) -> None:
        self.catalog, self.index, self.options = catalog, index, options
        self.report = IngestReport()
        self._staged: list[int] = []
        self._copies: dict[
            str, list[tuple[Path, int]]
        ] = {}  # content met twice in this run: the copies
        self._scratch: Path | None = None  # this run's private directory for temporary files
        self._refused: set[Path] = set()  # files whose manifest row could not be used
        self._rows_failed = False  # a record row could not be read: records are not settled
        self._stop = threading.Event()  # Ctrl-C: stop at the next safe point
        self._row_levels: dict[Path, Secrecy] = {}  # the level each manifest row gives its file

    def run(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Ingest ``paths``.

        Ctrl-C (in the main thread) stops the run at its next safe point (looked for at least every
        0.2 s): no task is started and no result kept after it, the tasks running are waited for,
        every file finished is stored and indexed, and KeyboardInterrupt is raised. A second Ctrl-C
        interrupts at once.
        """
        started = time.monotonic()
        with (
            _archive_writes(self.archive),
            scratch_directory(self.archive) as self._scratch,
            _stopping_on_interrupt(self._stop),
        ):
            self._run(paths, progress or _NoProgress())
        self.report.elapsed = time.monotonic() - started
        return self.report

    def _stop_if_asked(self) -> None:
        if self._stop.is_set():
            raise KeyboardInterrupt

    @property
    def archive(self) -> Path:
        """The archive directory: the catalogue's."""
        return self.catalog.path.parent

    def _run(self, paths: Sequence[Path], progress: Progress) -> None:
        self.complete_index()
        if self.options.prune:
            self.report.pruned = self.prune()
        rows = self._manifest_rows(paths)
        by_path, conflicts = manifest_by_path(rows)
        self._conflicts(conflicts)
        self._row_levels = {path: row.meta.secrecy for path, row in by_path.items()}
        files = (
            self._failed_files(paths)
            if self.options.retry_failed
            else self._discover(paths or list(by_path))
        )
        progress.start(len(files))
        try:
            todo = self._pending(files, progress, by_path)
            self._extract_all(todo, by_path, progress)
            self._add_records([row for row in rows if row.path is None])
        finally:
            self._flush()

    def _manifest_rows(self, paths: Sequence[Path]) -> list[ManifestRow]:
        """The manifest's usable rows.

        A row that cannot be read, or (unless allowed) names a file outside the manifest's folder
        and the paths given, is a failure, and its file is not read in this run.
        """
        manifest = self.options.manifest
        if manifest is None:
            return []
        roots = [manifest.resolve().parent, *(path.resolve() for path in paths)]
        usable = []
        for row in read_manifest(manifest):
            reason = row.error
            if reason is None and not self.options.allow_outside_paths and outside(row, roots):
                reason = (
                    f"{manifest}, line {row.line}: the file is outside the manifest's folder "
                    "and the paths given: move it, give its folder, or use --allow-outside-paths"
                )
            if reason is None:
                usable.append(row)
                continue
            self._rows_failed |= row.path is None
            if row.path is not None:
                self._refused.add(row.path)
            self._report_failure(str(row.path or manifest), reason)
        return usable

    def _conflicts(self, found: Sequence[Conflict]) -> None:
        for conflict in found:
            log.warning("conflict: %s: %s", conflict.path, conflict.reason)
        self.report.conflicts.extend(found)

    def _discover(self, paths: Sequence[Path]) -> list[Path]:
        """The files to ingest; those of unsupported types found in folders are reported."""
        ignore = [self.archive] + ([self.options.manifest] if self.options.manifest else [])
        found = discover(paths, ignore=ignore)
        for path in found.unsupported:
            log.info("ignored, not a type archive-search reads: %s", path)
        self.report.unsupported = [str(path) for path in found.unsupported]
        return found.files

    def complete_index(self) -> None:
        """Index what an interrupted run committed to the catalogue only."""
        pending = self.catalog.unindexed()
        if pending:
            log.info("indexing %d documents left by an interrupted run", len(pending))
        self._staged = pending
        self._flush()

    def _failed_files(self, paths: Sequence[Path]) -> list[Path]:
        """The failed files under ``paths`` (all of them without paths)."""
        roots = [path.resolve() for path in paths]
        failed = [Path(path) for path in self.catalog.paths_with_status("failed")]
        return [
            path for path in failed if not roots or any(path.is_relative_to(root) for root in roots)
        ]

    def prune(self) -> int:
        """Forget files that no longer exist.

        Their documents leave the catalogue and the index, and their pages the OCR cache.
        """
        gone = [path for path in self.catalog.all_paths() if not os.path.lexists(path)]
        with _archive_writes(self.archive):
            with self.catalog.transaction():
                for path in gone:
                    self.catalog.forget_file(path)
            self._staged.extend(self.catalog.unindexed())  # documents handed over to a duplicate
            self._flush()
        log.info("pruned %d missing files", len(gone))
        return len(gone)

    def remove(self, doc_ids: Sequence[str]) -> None:
        """Delete documents and records by id (each once) from the catalogue and the index.

        None is deleted when one of the ids names nothing.
        """
        with _archive_writes(self.archive):
            with self.catalog.transaction():  # rolled back when an id names nothing
                unknown = [doc_id for doc_id in doc_ids if not self.catalog.remove(doc_id)]
                if unknown:
                    raise NotFoundError(
                        f"no document or record with id {', '.join(map(repr, unknown))}: "
                        "nothing was removed "
                        "(`archive-search search` shows ids)"
                    )
            self._flush()
        log.info("removed %d documents and records", len(doc_ids))

    def _pending(
        self, files: list[Path], progress: Progress, by_path: dict[Path, ManifestRow]
    ) -> list[tuple[Path, str, int]]:
        """The files to read (new or changed).

        Unchanged files are skipped, but their manifest rows still apply to what the archive holds
        of them. Rows of one content (a file and its copies) take the highest level any of them
        gives.
        """
        todo, unchanged = [], []
        for path in files:
            self._stop_if_asked()
            if path in self._refused:
                progress.advance(path, 0)
                continue
            if not _storable(path):
                self._fail(path, None, None, _UNSTORABLE)
                progress.advance(path, 0)
                continue
            try:
                digest, size = sha256_of(path)
            except InputFileError as exc:
                self._fail(path, None, None, exc.message)
                progress.advance(path, 0)
                continue
            except OSError as exc:
                self._fail(path, None, None, f"cannot read file ({exc.strerror or exc})")
                progress.advance(path, 0)
                continue
            state = self.catalog.file_state(str(path))
            if state is not None and state[1] == digest and not self.options.retry_failed:
                self.report.skipped += 1
                self.report.failed_before += int(state[0] == "failed")
                progress.advance(path, 0)
                unchanged.append((path, digest, state[0]))
                continue
            todo.append((path, digest, size))
        digests = [(path, digest) for path, digest, _ in unchanged]
        self._level_copies(digests + [(path, digest) for path, digest, _ in todo], by_path)
        for path, _, status in unchanged:
            if (row := by_path.get(path)) is not None and status != "failed":
                self._apply_row(path, row, held_as=status)
        return todo

    def _level_copies(
        self, files: list[tuple[Path, str]], by_path: dict[Path, ManifestRow]
    ) -> None:
        """Raise each row to the highest level the rows of the same content give.

        A file listed public and its copy listed mat are one document, at mat; each raise is a
        conflict.
        """
        levels: dict[str, tuple[Secrecy, Path]] = {}
        for path, digest in files:
            if (row := by_path.get(path)) is not None and "secrecy" in row.meta.sources:
                held = levels.get(digest)
                if held is None or row.meta.secrecy.rank > held[0].rank:
                    levels[digest] = (row.meta.secrecy, path)
        for path, digest in files:
            row = by_path.get(path)
            if row is None or digest not in levels:
                continue
            level, source = levels[digest]
            if level.rank > row.meta.secrecy.rank:
                by_path[path] = replace(row, meta=with_level(row.meta, level))
                self._conflicts(
                    [
                        Conflict(
                            str(path),
                            f"listed {row.meta.secrecy.value} but the same content, {source}, "
                            f"is listed {level.value}: the higher kept",
                        )
                    ]
                )

    def _apply_row(self, path: Path, row: ManifestRow, *, held_as: str) -> None:
        """A manifest row applied to the document an unchanged file holds.

        Its metadata when the file is the document's own (``done``), only a higher level when it is
        a copy.
        """
        doc_id = self.catalog.document_of_file(str(path))
        stored = self.catalog.document_by_id(doc_id) if doc_id else None
        if stored is None:
            return
        if held_as == "duplicate":
            if "secrecy" in row.meta.sources and row.meta.secrecy.rank > stored.meta.secrecy.rank:
                self._relabel(stored, with_level(stored.meta, row.meta.secrecy))
            return
        if not _manifest_changed(stored.meta, row.meta):
            return
        pages = self.catalog.pages(stored.num)
        fond = self.options.fond or (
            stored.meta.fond if stored.meta.sources.get("fond") == "option" else None
        )
        extracted = _text_metadata(
            [page.text for page in pages], stored.meta.extra.get("encoding", "")
        )
        self._relabel(stored, self._merged(extracted, row, fond, path))

    def _merged(
        self, extracted: DocumentMeta, row: ManifestRow | None, fond: str | None, path: Path
    ) -> DocumentMeta:
        """``merge_meta``, reporting a manifest level lower than the header's as a conflict."""
        meta = merge_meta(extracted, row.meta if row else None, fond, path)
        if row is not None and "secrecy" in row.meta.sources and meta.secrecy != row.meta.secrecy:
            self._conflicts(
                [
                    Conflict(
                        str(path),
                        f"the manifest (line {row.line}) gives {row.meta.secrecy.value}, the "
                        f"document's header {meta.secrecy.value}: the higher kept",
                    )
                ]
            )
        return meta

    def _relabel(self, stored: StoredDocument, meta: DocumentMeta) -> None:
        """Give a held document or record new metadata; it is indexed again before the run ends."""
        if meta == stored.meta:
            return
        with self.catalog.transaction():
            num = self.catalog.set_metadata(stored.id, meta)
        if num is None:
            return
        self.report.updated += 1
        if meta.secrecy != stored.meta.secrecy:
            log.info(
                "%s: secrecy %s → %s", stored.id, stored.meta.secrecy.value, meta.secrecy.value
            )
            if stored.kind == "record":
                self.report.reclassified_records += 1
            else:
                self.report.reclassified_documents += 1
        self._stage(num)

    @contextlib.contextmanager
    def _workers(self) -> Iterator[Workers]:
        """The local pool, or a Dask cluster whose workers get the file's bytes with each task."""
        if self.options.cluster:
            with connect_cluster(self.options.cluster) as cluster:
                remote = replace(self.options, cluster=None)
                yield Workers(
                    executor=cluster.executor,
                    work=extract_remote,
                    arguments=lambda chunk: (
                        _task(chunk, remote, None, known_ocr=self._cached_ocr(chunk)),
                        chunk.path.read_bytes(),
                    ),
                    in_flight=2 * max(1, cluster.workers),
                )
            return
        count, scratch = self.options.worker_count, self._scratch
        with _local_pool(count, scratch) as pool:
            yield Workers(
                executor=pool,
                work=extract_file,
                arguments=lambda chunk: (_task(chunk, self.options, self.catalog.path, scratch),),
                in_flight=4 * count,
            )

    def _cached_ocr(self, chunk: Chunk) -> tuple[OcrEntry, ...]:
        """The OCR cache's entries for a chunk's pages, for a worker that cannot read the catalogue.

        A run killed inside a long file on a cluster resumes without reading it again.
        """
        return self.catalog.cached_ocr(chunk.file.digest, chunk.page_range)

    def _fresh(
        self,
        todo: list[tuple[Path, str, int]],
        progress: Progress,
        by_path: dict[Path, ManifestRow],
    ) -> list[FileToRead]:
        """The files to extract.

        A file whose content the archive holds is a duplicate at once; a second copy of content
        first met in this run waits for the first copy's outcome.
        """
        fresh: dict[str, FileToRead] = {}
        for path, digest, size in todo:
            if (known := self.catalog.document_for_sha(digest)) is not None:
                self._duplicate(path, digest, size, known)
                if (row := by_path.get(path)) is not None:
                    self._apply_row(path, row, held_as="duplicate")
                progress.advance(path, 0)
            elif digest in fresh:
                self._copies.setdefault(digest, []).append((path, size))
            else:
                fresh[digest] = FileToRead(path, digest, size)
        return list(fresh.values())

    def _settle_copies(
        self,
        result: ExtractResult,
        digest: str,
        progress: Progress,
        by_path: dict[Path, ManifestRow],
    ) -> None:
        """Give the copies of a file met in this run its outcome.

        They are duplicates of its document, or failed for its reason (two empty files are not one
        document).
        """
        for path, size in self._copies.pop(digest, []):
            if result.error is None:
                self._duplicate(path, digest, size, digest[:20])
                if (row := by_path.get(path)) is not None:
                    self._apply_row(path, row, held_as="duplicate")
            else:
                self._fail(path, digest, size, result.error)
            progress.advance(path, 0)

    def _extract_all(
        self,
        todo: list[tuple[Path, str, int]],
        by_path: dict[Path, ManifestRow],
        progress: Progress,
    ) -> None:
        fatal: list[MissingDependencyError] = []
        tasks = split(
            self._fresh(todo, progress, by_path),
            self.options.pages_per_task,
            stop=lambda: bool(fatal) or self._stop.is_set(),
        )
        assembler = Assembler()
        with (
            self._workers() as workers,
            contextlib.closing(
                bounded_submit(
                    workers.executor,
                    workers.work,
                    tasks,
                    make_args=workers.arguments,
                    limit=workers.in_flight,
                    stop=self._stop.is_set,
                )
            ) as submitted,
        ):  # closed, it cancels the tasks not started
            for chunk, future in submitted:
                # After Ctrl-C no result is kept: the SIGINT may have killed its tesseract.
                self._stop_if_asked()
                try:
                    result = self._result(chunk.path, future)
                except MissingDependencyError as exc:
                    fatal.append(
                        exc
                    )  # nothing new is submitted; the tasks in flight finish and are stored
                    result = None
                if result is None:
                    assembler.abandon(chunk)
                    continue
                if (whole := self._assemble(assembler, chunk, result)) is not None:
                    self._store(whole, chunk.file.digest, chunk.file.size, by_path.get(chunk.path))
                    progress.advance(chunk.path, len(whole.pages))
                    self._settle_copies(whole, chunk.file.digest, progress, by_path)
            self._stop_if_asked()  # the pool then waits for the tasks running, and keeps none
        if fatal:
            raise fatal[0]

    def _assemble(
        self, assembler: Assembler, chunk: Chunk, result: ExtractResult
    ) -> ExtractResult | None:
        """Keep what tesseract read on a range of a longer file; the file's result once all is in.

        The range is kept at once, so a run killed later has it in the cache; the file's whole
        result is assembled once its last range is in.
        """
        if chunk.count > 1 and result.pages:
            with self.catalog.transaction():
                self.catalog.put_ocr(result.pages, chunk.file.digest)
        return assembler.add(chunk, result)

    def _result(self, path: Path, future: Future[ExtractResult]) -> ExtractResult | None:
        """A finished task's result; a file that failed on the workers becomes a failed result."""
        try:
            return future.result()
        except CancelledError:
            return None
        except InputFileError as exc:
            return ExtractResult(path, error=exc.message)
        except OSError as exc:
            return ExtractResult(path, error=f"cannot read file ({exc.strerror or exc})")

    def _store(
        self, result: ExtractResult, digest: str, size: int, row: ManifestRow | None
    ) -> None:
        if result.error is not None:
            self._fail(result.path, digest, size, result.error)
            return
        meta = self._merged(self._read_metadata(result), row, self.options.fond, result.path)
        doc_id = digest[:20]
        failed = "; ".join(
            f"page {page.number}: {page.error}" for page in result.pages if page.error
        )
        with self.catalog.transaction():
            num = self.catalog.put_document(
                doc_id, kind="document", source=str(result.path), meta=meta, pages=result.pages
            )
            self.catalog.put_ocr(result.pages, digest)
            self.catalog.record_file(
                str(result.path),
                sha256=digest,
                size=size,
                status="failed" if failed else "done",
                error=failed or None,
                document_id=doc_id,
            )
        self._stage(num)
        if failed:  # the good pages are searchable; --retry-failed reads the others again
            log.warning("failed: %s: %s", result.path, failed)
            self.report.failures.append(Failure(str(result.path), failed))
        self._count(result.pages)

    def _count(self, pages: Sequence[PageText]) -> None:
        self.report.new += 1
        self.report.pages += len(pages)
        ocr_pages = [page for page in pages if page.method is PageMethod.OCR]
        self.report.ocr_pages += len(ocr_pages)
        self.report.ocr_cached += sum(1 for page in ocr_pages if page.from_cache)

    @staticmethod
    def _read_metadata(result: ExtractResult) -> DocumentMeta:
        return _text_metadata(
            [page.text for page in result.pages], ",".join(sorted(result.encodings))
        )

    def _add_records(self, rows: list[ManifestRow]) -> None:
        """Add the manifest's records (rows without a file) that the catalogue lacks.

        Then settle what it no longer lists (see ``_settle_records``).
        """
        listed = []
        for row in self._combined_records(rows):
            self._stop_if_asked()
            held = self._held_record(row.meta)
            if held is None:
                held = _record_id(row.meta)
                with self.catalog.transaction():
                    num = self.catalog.put_document(
                        held, kind="record", source="", meta=row.meta, pages=[]
                    )
                self._stage(num)
                self.report.records += 1
            elif (stored := self.catalog.document_by_id(held)) is not None:
                self._relabel(stored, row.meta)  # reclassified, say: a record's id has no level
            listed.append(held)
        if self.options.manifest is not None and not self._rows_failed:
            self._settle_records(str(self.options.manifest.resolve()), listed)
        elif self._rows_failed:
            log.info("records no longer listed are not looked for: some record rows failed")

    def _combined_records(self, rows: list[ManifestRow]) -> list[ManifestRow]:
        """One row per record: the lines naming the same record combined (highest level)."""
        lines: dict[str, list[ManifestRow]] = {}
        for row in rows:
            lines.setdefault(_record_id(row.meta), []).append(row)
        combined = []
        for named in lines.values():
            row, conflict = combine(
                named, f"{self.options.manifest}, record {named[0].meta.title!r}"
            )
            combined.append(row)
            if conflict is not None:
                self._conflicts([conflict])
        return combined

    def _settle_records(self, manifest: str, listed: list[str]) -> None:
        """Records that ``manifest`` listed when last ingested and lists no more.

        A row edited is another record; a row deleted is none. They are removed with ``prune``, else
        counted.
        """
        with self.catalog.transaction():
            self._adopt_renamed(manifest, listed)
            gone = sorted(set(self.catalog.records_listed_by(manifest)) - set(listed))
            self.catalog.claim_records(manifest, listed)
            if self.options.prune:
                self.catalog.forget_records(gone)
                self.report.pruned_records = len(gone)
            else:
                self.report.unlisted_records = len(gone)
        if gone and not self.options.prune:
            log.info(
                "%d records of %s are no longer in it: --prune removes them", len(gone), manifest
            )

    def _adopt_renamed(self, manifest: str, listed: list[str]) -> None:
        """The records of a vanished catalogue file, when ``manifest`` lists some of them.

        That file was renamed or moved to ``manifest``, so the records it listed and ``manifest``
        does not are found too. (A file that still exists is another catalogue.)
        """
        wanted = set(listed)
        for other in self.catalog.record_catalogues():
            if (
                other != manifest
                and not Path(other).exists()
                and wanted.intersection(self.catalog.records_listed_by(other))
            ):
                log.info(
                    "catalogue %s is gone and %s lists its records: taken as renamed",
                    other,
                    manifest,
                )
                self.catalog.move_records(other, manifest)

    def _held_record(self, meta: DocumentMeta) -> str | None:
        """The id under which the catalogue holds this record already, if it does.

        A manifest ingested again, a row repeated: its id, or the id of ingestions before placement
        was part of it, with the same placement.
        """
        if self.catalog.document_by_id(record_id := _record_id(meta)) is not None:
            return record_id
        earlier = self.catalog.document_by_id(_unplaced_record_id(meta))
        return (
            earlier.id
            if earlier is not None and _placement(earlier.meta) == _placement(meta)
            else None
        )

    def _duplicate(self, path: Path, digest: str, size: int, doc_id: str) -> None:
        with self.catalog.transaction():
            self.catalog.record_file(
                str(path), sha256=digest, size=size, status="duplicate", document_id=doc_id
            )
        self.report.duplicates += 1

    def _fail(self, path: Path, digest: str | None, size: int | None, reason: str) -> None:
        """Report a file that failed, and record it (unless its name cannot be stored)."""
        log.warning("failed: %s: %s", path, reason)
        level = self._row_levels.get(path, Secrecy.PUBLIC)  # who may see it listed as failed
        if _storable(path):
            with self.catalog.transaction():
                self.catalog.record_file(
                    str(path),
                    sha256=digest,
                    size=size,
                    status="failed",
                    error=reason,
                    secrecy=level,
                )
        self.report.failures.append(Failure(str(path), reason))

    def _report_failure(self, path: str, reason: str) -> None:
        """A failure the catalogue does not record (a manifest row that cannot be used)."""
        log.warning("failed: %s: %s", path, reason)
        self.report.failures.append(Failure(path, reason))

    def _stage(self, num: int) -> None:
        self._staged.append(num)
        if len(self._staged) >= self.options.commit_every:
            self._flush()

    def _flush(self) -> None:
        removed = self.catalog.removed()
        if not self._staged and not removed:
            return
        for num in removed:
            self.index.delete(num)
        for doc in self.catalog.documents_by_num(self._staged).values():
            self.index.replace(doc, self.catalog.pages(doc.num))
        self.index.commit()
        self.catalog.clear_removed(removed)
        self.catalog.mark_indexed(self._staged)
        self._staged = []


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


_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_FULL_WORDS = ("no space", "file too large", "quota", "disk is full", "disk i/o error")


@contextlib.contextmanager
def _archive_writes(archive: Path) -> Iterator[None]:
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
def _stopping_on_interrupt(stop: threading.Event) -> Iterator[None]:
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


def _text_metadata(pages: Sequence[str], encodings: str) -> DocumentMeta:
    """What a document's own text says of it: its header, its signer, its legacy encodings."""
    meta = read_metadata([text for text in pages if text.strip()])
    if encodings:
        meta.extra["encoding"] = encodings
        meta.sources["encoding"] = "text"
    return meta


def _manifest_changed(held: DocumentMeta, given: DocumentMeta) -> bool:
    """Whether a manifest row says other than what a held document took from the manifest."""
    taken = {
        name: getattr(held, name) for name, source in held.sources.items() if source == "manifest"
    }
    said = {name: getattr(given, name) for name in given.sources}
    return taken != said or any(held.extra.get(key) != value for key, value in given.extra.items())


def _storable(path: Path) -> bool:
    """Whether the catalogue can hold ``path``: a name that is not UTF-8 cannot be stored."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _local_pool(count: int, scratch: Path | None) -> Executor:
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


def _task(
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


def ingest(
    catalog: Catalog,
    index: SearchIndex,
    paths: Sequence[Path],
    options: IngestOptions,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest ``paths`` (files and folders) and the manifest's rows into the archive."""
    return Ingestion(catalog, index, options).run(paths, progress)


def _record_id(meta: DocumentMeta) -> str:
    """A catalogue record's id: where it is kept and what it says.

    Where: fond, inventory, box, file; what: symbol, title, date. Files of one box often share a
    title (``Tập công văn đi năm 2015``).
    """
    return _hashed_id(*_placement(meta), meta.symbol, meta.title, meta.date)


def _unplaced_record_id(meta: DocumentMeta) -> str:
    """The id a record had before its placement was part of it.

    Two files of one fond with the same title, symbol and date had one id, and the second was taken
    for the first.
    """
    return _hashed_id(meta.fond, meta.symbol, meta.title, meta.date)


def _placement(meta: DocumentMeta) -> tuple[str, str, str, str]:
    return meta.fond, meta.inventory, meta.box, meta.file_no


def _hashed_id(*parts: str) -> str:
    return "rec-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
