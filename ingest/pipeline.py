"""Ingestion: discover files, extract them in pure workers, write catalogue then index.

The parent is the only writer. A document reaches the catalogue first (with ``indexed = 0``),
then the index; the flag is set once the index commit holds it, so a run killed anywhere is
completed by the next one. The manifest's rows are applied by ``manifest_rows``, tasks go to
``executors``, and ``guards`` keep a run whole through a full disk or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError, Future
from dataclasses import replace
from pathlib import Path

from archive_search.index.catalog import Catalog, OcrEntry
from archive_search.index.errors import InputFileError, MissingDependencyError, NotFoundError
from archive_search.index.records import DocumentMeta, PageMethod, PageText, Secrecy
from archive_search.index.search_index import SearchIndex
from archive_search.ingest.chunks import Assembler, Chunk, FileToRead, split
from archive_search.ingest.discovery import discover
from archive_search.ingest.distributed import bounded_submit, connect_cluster, extract_remote
from archive_search.ingest.executors import Workers, extract_task, local_pool
from archive_search.ingest.extract import ExtractResult, extract_file, open_regular
from archive_search.ingest.guards import archive_writes, stopping_on_interrupt
from archive_search.ingest.manifest import ManifestRow
from archive_search.ingest.manifest import by_path as manifest_by_path
from archive_search.ingest.manifest_rows import RowApplier, text_metadata
from archive_search.ingest.options import Failure, IngestOptions, IngestReport, Progress
from archive_search.ingest.scratch import scratch_directory

log = logging.getLogger(__name__)
_UNSTORABLE = "file name is not valid UTF-8: rename the file (the catalogue keeps names as text)"


class _NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, path: Path, pages: int) -> None:
        pass


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
        # The manifest's rows: applied with this run's report, what they change staged here.
        self.rows = RowApplier(
            catalog, options, self.report, stage=self._stage, stop_if_asked=self._stop_if_asked
        )
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
            archive_writes(self.archive),
            scratch_directory(self.archive) as self._scratch,
            stopping_on_interrupt(self._stop),
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
        rows = self.rows.usable_rows(paths)
        by_path, conflicts = manifest_by_path(rows)
        self.rows.conflicts(conflicts)
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
            self.rows.add_records([row for row in rows if row.path is None])
        finally:
            self._flush()

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
        with archive_writes(self.archive):
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
        with archive_writes(self.archive):
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
            if path in self.rows.refused:
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
        self.rows.level_copies(digests + [(path, digest) for path, digest, _ in todo], by_path)
        for path, _, status in unchanged:
            if (row := by_path.get(path)) is not None and status != "failed":
                self.rows.apply_row(path, row, held_as=status)
        return todo

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
                        extract_task(chunk, remote, None, known_ocr=self._cached_ocr(chunk)),
                        chunk.path.read_bytes(),
                    ),
                    in_flight=2 * max(1, cluster.workers),
                )
            return
        count, scratch = self.options.worker_count, self._scratch
        with local_pool(count, scratch) as pool:
            yield Workers(
                executor=pool,
                work=extract_file,
                arguments=lambda chunk: (
                    extract_task(chunk, self.options, self.catalog.path, scratch),
                ),
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
                    self.rows.apply_row(path, row, held_as="duplicate")
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
                    self.rows.apply_row(path, row, held_as="duplicate")
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
        meta = self.rows.merged(self._read_metadata(result), row, self.options.fond, result.path)
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
        return text_metadata(
            [page.text for page in result.pages], ",".join(sorted(result.encodings))
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


def _storable(path: Path) -> bool:
    """Whether the catalogue can hold ``path``: a name that is not UTF-8 cannot be stored."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ingest(
    catalog: Catalog,
    index: SearchIndex,
    paths: Sequence[Path],
    options: IngestOptions,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest ``paths`` (files and folders) and the manifest's rows into the archive."""
    return Ingestion(catalog, index, options).run(paths, progress)
