"""Ingestion: discover files, extract them in pure workers, write catalogue then index.

The parent is the only writer. A document reaches the catalogue first (with ``indexed = 0``),
then the index; the flag is set once the index commit holds it, so a run killed anywhere is
completed by the next one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError, Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from index.catalog import Catalog
from index.errors import MissingDependencyError
from index.records import DocumentMeta
from index.search_index import SearchIndex
from ingest.extract import SUPPORTED_SUFFIXES, ExtractResult, ExtractTask, OcrMode, extract_file
from ingest.header import parse_header
from ingest.manifest import ManifestRow, read_manifest

log = logging.getLogger(__name__)
T = TypeVar("T")
_COMMIT_EVERY = 200


@dataclass(frozen=True, kw_only=True)
class IngestOptions:
    """How to ingest; shared by the CLI and the Python API."""

    manifest: Path | None = None
    fond: str | None = None
    ocr: OcrMode = OcrMode.AUTO
    workers: int | None = None
    dpi: int = 300
    ocr_timeout: float = 180.0

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
    failures: list[Failure] = field(default_factory=list)
    elapsed: float = 0.0


class Progress(Protocol):
    """Told about each file as it finishes; the CLI draws a bar from it."""

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


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Every supported file under ``paths``, folders walked recursively, in a stable order."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield found.resolve()
        else:
            yield path.resolve()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def merge_meta(extracted: DocumentMeta, manifest: DocumentMeta | None, fond: str | None) -> DocumentMeta:
    """Manifest values win over values read from the text; each keeps its source."""
    merged = replace(extracted, extra=dict(extracted.extra), sources=dict(extracted.sources))
    if fond and not merged.fond:
        merged.fond, merged.sources["fond"] = fond, "option"
    if manifest is not None:
        for name in manifest.sources:
            setattr(merged, name, getattr(manifest, name))
            merged.sources[name] = "manifest"
        merged.extra.update(manifest.extra)
    return merged


class Ingestion:
    """One ingestion run against an open catalogue and index."""

    def __init__(self, catalog: Catalog, index: SearchIndex, options: IngestOptions) -> None:
        self.catalog, self.index, self.options = catalog, index, options
        self.report = IngestReport()
        self._staged: list[int] = []

    def run(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        started = time.monotonic()
        progress = progress or _NoProgress()
        self.complete_index()
        rows = read_manifest(self.options.manifest) if self.options.manifest else []
        by_path = {row.path: row for row in rows if row.path is not None}
        files = list(dict.fromkeys(discover(paths or list(by_path))))
        progress.start(len(files))
        try:
            self._extract_all(self._pending(files, progress), by_path, progress)
            self._add_records([row for row in rows if row.path is None])
        finally:
            self._flush()
        self.report.elapsed = time.monotonic() - started
        return self.report

    def complete_index(self) -> None:
        """Index what an interrupted run committed to the catalogue only."""
        pending = self.catalog.unindexed()
        if pending:
            log.info("indexing %d documents left by an interrupted run", len(pending))
            for doc in self.catalog.documents_by_num(pending).values():
                self.index.replace(doc, self.catalog.pages(doc.num))
            self._staged = pending
            self._flush()

    def _pending(self, files: list[Path], progress: Progress) -> list[tuple[Path, str, int]]:
        todo = []
        for path in files:
            try:
                digest, size = sha256_of(path), path.stat().st_size
            except OSError as exc:
                self._fail(path, None, None, f"cannot read file ({exc.strerror or exc})")
                progress.advance(path, 0)
                continue
            state = self.catalog.file_state(str(path))
            if state is not None and state[1] == digest and state[0] != "failed":
                self.report.skipped += 1
                progress.advance(path, 0)
                continue
            todo.append((path, digest, size))
        return todo

    def _executor(self) -> Executor:
        count = self.options.worker_count
        return SerialExecutor() if count == 1 else ProcessPoolExecutor(max_workers=count)

    def _extract_all(
        self, todo: list[tuple[Path, str, int]], by_path: dict[Path, ManifestRow], progress: Progress
    ) -> None:
        fresh: dict[str, tuple[Path, str, int]] = {}
        for path, digest, size in todo:
            known = self.catalog.document_for_sha(digest)
            if known is not None or digest in fresh:
                self._duplicate(path, digest, size, known or digest[:20])
                progress.advance(path, 0)
            else:
                fresh[digest] = (path, digest, size)
        with self._executor() as pool:
            futures = {pool.submit(extract_file, self._task(item[0])): item for item in fresh.values()}
            fatal: MissingDependencyError | None = None
            for future in as_completed(futures):
                path, digest, size = futures[future]
                try:
                    result = future.result()
                except CancelledError:
                    continue
                except MissingDependencyError as exc:
                    fatal = fatal or exc
                    for waiting in futures:
                        waiting.cancel()
                    continue
                self._store(result, digest, size, by_path.get(path))
                progress.advance(path, len(result.pages))
        if fatal is not None:
            raise fatal  # after every finished file is stored: nothing done is lost

    def _task(self, path: Path) -> ExtractTask:
        options = self.options
        return ExtractTask(path, options.ocr, options.dpi, options.ocr_timeout)

    def _store(self, result: ExtractResult, digest: str, size: int, row: ManifestRow | None) -> None:
        if result.error is not None:
            self._fail(result.path, digest, size, result.error)
            return
        meta = merge_meta(parse_header(result.pages[0].text), row.meta if row else None, self.options.fond)
        doc_id = digest[:20]
        with self.catalog.transaction():
            num = self.catalog.put_document(
                doc_id, kind="document", source=str(result.path), meta=meta, pages=result.pages
            )
            self.catalog.record_file(str(result.path), sha256=digest, size=size, status="done", document_id=doc_id)
        self._stage(num)
        self.report.new += 1
        self.report.pages += len(result.pages)
        self.report.ocr_pages += sum(1 for page in result.pages if page.method.value == "ocr")

    def _add_records(self, rows: list[ManifestRow]) -> None:
        for row in rows:
            key = "\x1f".join((row.meta.fond, row.meta.symbol, row.meta.title, row.meta.date))
            doc_id = "rec-" + hashlib.sha256(key.encode()).hexdigest()[:16]
            if self.catalog.document_by_id(doc_id) is not None:
                continue
            with self.catalog.transaction():
                num = self.catalog.put_document(doc_id, kind="record", source="", meta=row.meta, pages=[])
            self._stage(num)
            self.report.records += 1

    def _duplicate(self, path: Path, digest: str, size: int, doc_id: str) -> None:
        with self.catalog.transaction():
            self.catalog.record_file(str(path), sha256=digest, size=size, status="duplicate", document_id=doc_id)
        self.report.duplicates += 1

    def _fail(self, path: Path, digest: str | None, size: int | None, reason: str) -> None:
        log.warning("failed: %s: %s", path, reason)
        with self.catalog.transaction():
            self.catalog.record_file(str(path), sha256=digest, size=size, status="failed", error=reason)
        self.report.failures.append(Failure(str(path), reason))

    def _stage(self, num: int) -> None:
        self._staged.append(num)
        if len(self._staged) >= _COMMIT_EVERY:
            self._flush()

    def _flush(self) -> None:
        if not self._staged:
            return
        for doc in self.catalog.documents_by_num(self._staged).values():
            self.index.replace(doc, self.catalog.pages(doc.num))
        self.index.commit()
        self.catalog.mark_indexed(self._staged)
        self._staged = []


def ingest(
    catalog: Catalog,
    index: SearchIndex,
    paths: Sequence[Path],
    options: IngestOptions,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest ``paths`` (files and folders) and the manifest's rows into the archive."""
    return Ingestion(catalog, index, options).run(paths, progress)

