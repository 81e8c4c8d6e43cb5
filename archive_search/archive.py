"""``Archive``: the public entry point, with the same powers as the CLI."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from archive_search.engine import SearchEngine
from archive_search.models import SearchQuery, SearchResults, SortOrder, YearRange
from index.catalog import Catalog, meta_as_dict
from index.errors import ArchiveNotFoundError, NotFoundError
from index.records import PageText, Secrecy
from index.search_index import SearchIndex, rebuild
from ingest.pipeline import Failure, IngestOptions, IngestReport, Progress, ingest

ENVIRONMENT_VARIABLE = "ARCHIVE_SEARCH_HOME"
CATALOG_NAME = "catalog.sqlite"
INDEX_NAME = "index"


def default_archive_path() -> Path:
    """``$ARCHIVE_SEARCH_HOME``, or ``./archive``."""
    return Path(os.environ.get(ENVIRONMENT_VARIABLE) or "archive")


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A document's metadata and page texts, as ``show`` prints them."""

    id: str
    kind: str
    source: str
    metadata: dict[str, object]
    pages: tuple[PageText, ...]


class Archive:
    """An archive directory: ``catalog.sqlite`` (source of truth) and ``index/`` (derived).

    >>> with Archive.open("archive", create=True) as archive:   # doctest: +SKIP
    ...     archive.ingest(["scans/"], manifest=Path("scans/manifest.csv"))
    ...     results = archive.search("cong nghe thong tin", year=["2015..2019"])
    """

    def __init__(self, path: Path, catalog: Catalog) -> None:
        self.path = path
        self._catalog = catalog
        self._index: SearchIndex | None = None
        self._engine: SearchEngine | None = None
        self._write_lock = threading.Lock()

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = False) -> Archive:
        """Open the archive at ``path`` (default: ``$ARCHIVE_SEARCH_HOME`` or ``./archive``)."""
        root = Path(path) if path is not None else default_archive_path()
        if not (root / CATALOG_NAME).exists():
            if not create:
                raise ArchiveNotFoundError(
                    "no archive here: ingest files first (`archive-search ingest PATH`) or pass --archive",
                    path=root,
                )
            root.mkdir(parents=True, exist_ok=True)
        return cls(root, Catalog.open(root / CATALOG_NAME, create=create))

    def _search_engine(self) -> SearchEngine:
        if self._engine is None:
            self._index = SearchIndex.open(self.path / INDEX_NAME)
            self._engine = SearchEngine(self._catalog, self._index)
        return self._engine

    def _writable_index(self) -> SearchIndex:
        """The index to write to; a missing one is created and filled from the catalogue."""
        if self._index is None:
            index_path = self.path / INDEX_NAME
            if not (index_path / "meta.json").exists():
                self._catalog.mark_all_unindexed()
            self._index = SearchIndex.open(index_path, create=True)
        return self._index

    def close(self) -> None:
        self._catalog.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()

    def ingest(
        self,
        paths: Iterable[str | os.PathLike[str]] = (),
        *,
        options: IngestOptions | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files and folders (and the manifest's rows) into the archive."""
        with self._write_lock:
            index = self._writable_index()
            files = [Path(p) for p in paths]
            return ingest(self._catalog, index, files, options or IngestOptions(), progress)

    def search(
        self,
        text: str,
        *,
        fond: Sequence[str] = (),
        year: Sequence[str | int] = (),
        doc_type: Sequence[str] = (),
        clearance: Secrecy | str = Secrecy.PUBLIC,
        limit: int = 10,
        offset: int = 0,
        sort: SortOrder = "relevance",
    ) -> SearchResults:
        """Ranked documents for ``text`` with page hits, an exact total and facet counts."""
        query = SearchQuery(
            text=text, fond=tuple(fond), year=tuple(YearRange.parse(y) for y in year),
            doc_type=tuple(doc_type),
            clearance=clearance if isinstance(clearance, Secrecy) else Secrecy.parse(clearance),
            limit=limit, offset=offset, sort=sort,
        )
        return self.run(query)

    def run(self, query: SearchQuery) -> SearchResults:
        """Run a prepared ``SearchQuery``."""
        return self._search_engine().search(query)

    def document(self, doc_id: str, *, clearance: Secrecy = Secrecy.PUBLIC) -> DocumentView:
        """A document's metadata and pages; hidden documents are reported as not found."""
        stored = self._catalog.document_by_id(doc_id)
        if stored is None or stored.meta.secrecy.rank > clearance.rank:
            raise NotFoundError(f"no document with id {doc_id!r}")
        pages = tuple(self._catalog.pages(stored.num))
        return DocumentView(stored.id, stored.kind, stored.source, meta_as_dict(stored.meta), pages)

    def failures(self) -> list[Failure]:
        """Files whose last ingestion failed, with the reason."""
        return [Failure(path, reason) for path, reason in self._catalog.failures()]

    def reindex(self) -> int:
        """Rebuild the index from the catalogue alone (no extraction, no OCR)."""
        with self._write_lock:
            catalog = self._catalog
            documents = ((doc, catalog.pages(doc.num)) for doc in catalog.iter_documents())
            count = rebuild(self.path / INDEX_NAME, documents)
            catalog.mark_indexed(doc.num for doc in catalog.iter_documents())
            self._index = self._engine = None
            return count

    def stats(self) -> dict[str, int]:
        """Counts of documents, records, pages, OCR'd pages and failed files."""
        return self._catalog.counts()
