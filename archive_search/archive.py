"""``Archive``: the public entry point, with the same powers as the CLI."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO, Unpack

from archive_search import citations, export
from archive_search.engine import SearchEngine
from archive_search.export import ExportFormat
from archive_search.index.catalog import Catalog, meta_as_dict
from archive_search.index.errors import (
    ArchiveError,
    ArchiveNotFoundError,
    NotFoundError,
    QueryError,
)
from archive_search.index.rebuild import RebuildProgress, rebuild
from archive_search.index.records import PageText, Secrecy
from archive_search.index.search_index import SearchIndex, index_layout
from archive_search.models import (
    ArchiveStats,
    DocumentRef,
    FacetCount,
    Hit,
    SearchOptions,
    SearchQuery,
    SearchResults,
    parse_clearance,
)
from archive_search.writer_lock import writing

if (
    TYPE_CHECKING
):  # ingestion pulls in pdfminer, PIL and tesseract: imported when used, not to search
    from archive_search.ingest.options import Failure, IngestOptions, IngestReport, Progress
    from archive_search.pages import BoxesProgress, BoxesReport, PagePicture, PageView

ENVIRONMENT_VARIABLE = "ARCHIVE_SEARCH_HOME"
CATALOG_NAME = "catalog.sqlite"
INDEX_NAME = "index"
log = logging.getLogger(__name__)


def default_archive_path() -> Path:
    """``$ARCHIVE_SEARCH_HOME``, or ``./archive``."""
    return Path(os.environ.get(ENVIRONMENT_VARIABLE) or "archive")


def _check_catalogue_beside_index(root: Path) -> None:
    """Refuse an archive whose search index has lost its catalogue (missing, or emptied).

    A catalogue emptied to zero bytes counts as lost: a new empty catalogue would be made, and every
    total would then disagree with the hits.
    """
    catalogue = root / CATALOG_NAME
    if not any((root / INDEX_NAME / name / "meta.json").exists() for name in ("", "public")):
        return
    if not catalogue.exists() or catalogue.stat().st_size == 0:
        state = "missing" if not catalogue.exists() else "empty (0 bytes)"
        raise ArchiveError(
            f"catalogue is {state} beside a search index: restore {CATALOG_NAME} from a backup, "
            f"or move {INDEX_NAME}/ and {CATALOG_NAME} aside and ingest the files again",
            path=catalogue,
        )


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A document's metadata and page texts, as ``show`` prints them."""

    id: str
    kind: str
    source: str
    metadata: dict[str, object]
    pages: tuple[PageText, ...]
    cites: tuple[DocumentRef, ...] = ()
    cited_by: tuple[DocumentRef, ...] = ()

    def only_page(self, number: int) -> DocumentView:
        """The view with page ``number`` alone; ``NotFoundError`` names the pages it has."""
        pages = tuple(page for page in self.pages if page.number == number)
        if not pages:
            count = len(self.pages)
            span = (
                "it has no pages (a catalogue record)"
                if count == 0
                else (f"its pages are 1-{count}" if count > 1 else "it has one page")
            )
            raise NotFoundError(f"{self.id} has no page {number}: {span}")
        return dataclasses.replace(self, pages=pages)


class Archive:
    """An archive directory: ``catalog.sqlite`` (source of truth) and ``index/`` (derived).

    >>> with Archive.open("archive", create=True) as archive:   # doctest: +SKIP
    ...     archive.ingest(["scans/"], options=IngestOptions(manifest=Path("scans/manifest.csv")))
    ...     results = archive.search("cong nghe thong tin", year=["2015..2019"])
    """

    def __init__(self, path: Path, catalog: Catalog) -> None:
        self.path = path
        self._catalog = catalog
        self._index: SearchIndex | None = None
        self._engine: SearchEngine | None = None
        self._write_lock = threading.Lock()
        self._engine_lock = threading.Lock()

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = False) -> Archive:
        """Open the archive at ``path`` (default: ``$ARCHIVE_SEARCH_HOME`` or ``./archive``)."""
        root = Path(path) if path is not None else default_archive_path()
        _check_catalogue_beside_index(root)
        if not (root / CATALOG_NAME).exists():
            if not create:
                raise ArchiveNotFoundError(
                    "no archive here: ingest files first (`archive-search ingest PATH`)"
                    " or pass --archive",
                    path=root,
                )
            root.mkdir(parents=True, exist_ok=True)
            root.chmod(0o750)  # its owner and group alone: whoever reads the files reads it all
        return cls(root, Catalog.open(root / CATALOG_NAME, create=create))

    def _search_engine(self) -> SearchEngine:
        with self._engine_lock:
            if self._engine is None:
                self._index = self._index or SearchIndex.open(
                    self.path / INDEX_NAME, catalog=self._catalog
                )
                self._engine = SearchEngine(self._catalog, self._index)
            return self._engine

    def _writable_index(self) -> SearchIndex:
        """The index to write to, made or rebuilt from the catalogue when needed.

        A missing one is created and filled from the catalogue; one an older archive-search built
        (lacking fields this one needs) is rebuilt from it.
        """
        if self._index is None:
            index_path = self.path / INDEX_NAME
            if not any((index_path / name / "meta.json").exists() for name in ("", "public")):
                self._catalog.mark_all_unindexed()
            elif outdated := self.outdated_index():
                log.info(
                    "rebuilding the search index, built by an older archive-search (no %s)",
                    ", ".join(outdated),
                )
                self._rebuild()
            self._index = SearchIndex.open(index_path, create=True, catalog=self._catalog)
        return self._index

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
        self._catalog.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.close()

    def ingest(
        self,
        paths: Iterable[str | os.PathLike[str]] = (),
        *,
        options: IngestOptions | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files and folders (and the manifest's rows) into the archive."""
        from archive_search.ingest.options import IngestOptions
        from archive_search.ingest.pipeline import ingest

        with self._writing("ingestion"):
            index = self._writable_index()
            files = [Path(p) for p in paths]
            return ingest(self._catalog, index, files, options or IngestOptions(), progress)

    def search(self, text: str, **options: Unpack[SearchOptions]) -> SearchResults:
        """Ranked documents for ``text`` with page hits, an exact total and facet counts.

        A query that cannot be read is searched as plain words with ``results.warning`` saying
        why, unless ``strict`` (then ``QueryError``). Documents above ``clearance`` never count.
        Words match with or without diacritics; with ``exact``, only spelled as typed (``đảng``,
        not ``đang`` or ``dang``; ``hoà`` is still ``hòa``).

        >>> archive.search("cong nghe", year=["2015..2019"], fond=["TU"]).total   # doctest: +SKIP
        3
        >>> archive.search("trichdan:36-NQ/TW", clearance="mat").hits   # doctest: +SKIP

        A filter takes one value or several: ``fond="TU"`` is ``fond=["TU"]``, ``year=2019`` is
        ``year=[2019]``. The options are ``SearchOptions``; with ``all_words``, every plain
        word is required (else a search finding fewer than ten documents with all of them
        also lists those with most: ``results.relaxed``).
        """
        return self.run(SearchQuery.build(text, **options))

    def run(self, query: SearchQuery) -> SearchResults:
        """Run a prepared ``SearchQuery``."""
        return self._search_engine().search(query)

    def facets(self, query: SearchQuery | str) -> dict[str, tuple[FacetCount, ...]]:
        """Facet counts alone (fond, year, decade, doc_type, issuer; secrecy when cleared)."""
        prepared = SearchQuery.build(query) if isinstance(query, str) else query
        return self.run(dataclasses.replace(prepared, limit=0, pages_per_hit=0)).facets

    def hits(self, query: SearchQuery | str) -> Iterator[Hit]:
        """Every hit of a query (``limit`` ignored), streamed in batches.

        Each with the query's ``pages_per_hit`` pages and snippets (0 for metadata alone, the
        fastest).
        """
        prepared = SearchQuery.build(query) if isinstance(query, str) else query
        return self._search_engine().iter_hits(prepared)

    def export(self, query: SearchQuery | str, out: TextIO, *, format: ExportFormat = "csv") -> int:
        """Write every hit of ``query`` to ``out`` as ``csv`` or ``jsonl``; return the count.

        Each hit comes with its best page and snippet.
        """
        if format not in ("csv", "jsonl"):
            raise QueryError(f"unknown export format {format!r}: use csv or jsonl")
        prepared = SearchQuery.build(query) if isinstance(query, str) else query
        return export.write(
            self.hits(dataclasses.replace(prepared, pages_per_hit=1)), out, format=format
        )

    def export_lines(
        self, query: SearchQuery | str, *, format: ExportFormat = "csv"
    ) -> Iterator[str]:
        """The export of ``query`` as text, line by line as the hits come, the CSV header first.

        For a streamed response.
        """
        if format not in ("csv", "jsonl"):
            raise QueryError(f"unknown export format {format!r}: use csv or jsonl")
        prepared = SearchQuery.build(query) if isinstance(query, str) else query
        return export.lines(
            self.hits(dataclasses.replace(prepared, pages_per_hit=1)), format=format
        )

    def secrecy(self, doc_id: str, *, clearance: Secrecy | str = Secrecy.PUBLIC) -> Secrecy:
        """The secrecy level of a document the reader may see; hidden ones are not found."""
        return self._search_engine().visible(doc_id, parse_clearance(clearance)).meta.secrecy

    def similar(
        self,
        doc_id: str,
        *,
        clearance: Secrecy | str = Secrecy.PUBLIC,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchResults:
        """Documents most like ``doc_id`` (more like this over its text), most alike first.

        Within the clearance. ``total`` counts every document sharing one of its key words, often
        most of the archive: the order is what tells.
        """
        engine = self._search_engine()
        query = SearchQuery.build(
            f"similar:{doc_id}", clearance=clearance, limit=limit, offset=offset
        )
        stored = engine.visible(doc_id, query.clearance)
        pages = self._catalog.pages(stored.num)
        body = "\n".join([stored.meta.title, *(page.text for page in pages)])
        return engine.similar(stored, body, query)

    def document(self, doc_id: str, *, clearance: Secrecy | str = Secrecy.PUBLIC) -> DocumentView:
        """A document's metadata, pages, what it cites and what cites it; hidden ones not found."""
        engine = self._search_engine()
        level = parse_clearance(clearance)
        stored = engine.visible(doc_id, level)
        pages = tuple(self._catalog.pages(stored.num))
        return DocumentView(
            stored.id,
            stored.kind,
            stored.source,
            meta_as_dict(stored.meta),
            pages,
            citations.cites(engine, stored, pages, level),
            citations.cited_by(engine, stored, level),
        )

    def page(
        self,
        doc_id: str,
        page: int,
        *,
        query: str = "",
        exact: bool = False,
        clearance: Secrecy | str = Secrecy.PUBLIC,
    ) -> PageView:
        """Page ``page`` of a document for the page viewer; hidden ones are not found.

        Its text, the boxes of ``query``'s words on its image, and the document's pages holding
        them.
        """
        from archive_search import pages

        engine = self._search_engine()
        stored = engine.visible(doc_id, parse_clearance(clearance))
        return pages.view(engine, stored, page, query=query, exact=exact)

    def page_image(
        self,
        doc_id: str,
        page: int,
        *,
        width: int | None = None,
        clearance: Secrecy | str = Secrecy.PUBLIC,
    ) -> PagePicture:
        """The image of page ``page`` of a document, about ``width`` pixels wide, as JPEG.

        The scan's own picture or the page rendered; hidden ones are not found.
        """
        from archive_search import pages

        engine = self._search_engine()
        stored = engine.visible(doc_id, parse_clearance(clearance))
        found, _ = pages.page_of(engine, stored, page)
        return pages.picture(stored, found, width=width)

    def fill_boxes(
        self, *, ocr: bool = False, progress: BoxesProgress | None = None
    ) -> BoxesReport:
        """Read the word boxes of the pages ingested before they were kept.

        Their files must still be where they were read: born-digital pages are read from their PDFs,
        OCR'd pages (with ``ocr``) by OCR'ing them again.
        """
        from archive_search import pages

        with self._writing("word boxes"):
            return pages.fill_boxes(self._catalog, ocr=ocr, progress=progress)

    @contextlib.contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """The one writer of this archive: one thread of this process, one process of all."""
        with self._write_lock, writing(self.path, what):
            yield

    def failures(self, *, clearance: Secrecy | str = Secrecy.PUBLIC) -> list[Failure]:
        """Files whose last ingestion failed, with the reason, that a reader at ``clearance`` sees.

        A failed file has its document's level, else its manifest row's.
        """
        from archive_search.ingest.options import Failure

        level = parse_clearance(clearance)
        return [Failure(path, reason) for path, reason in self._catalog.failures(level)]

    def prune(self) -> int:
        """Forget files that no longer exist: their documents leave the catalogue and the index."""
        from archive_search.ingest.options import IngestOptions
        from archive_search.ingest.pipeline import Ingestion

        with self._writing("prune"):
            return Ingestion(self._catalog, self._writable_index(), IngestOptions()).prune()

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Remove documents and catalogue records by id from the catalogue and the index.

        Return how many were removed. An id that names nothing raises ``NotFoundError``, and nothing
        is removed. A document's files are forgotten too: ingesting one of them again adds it back
        (as does ingesting again the catalogue that lists a record).

        >>> archive.remove(["fe67ab15867ed389a9b3"])   # doctest: +SKIP
        1
        """
        from archive_search.ingest.options import IngestOptions
        from archive_search.ingest.pipeline import Ingestion

        ids = list(dict.fromkeys(doc_ids))
        with self._writing("removal"):
            Ingestion(self._catalog, self._writable_index(), IngestOptions()).remove(ids)
        return len(ids)

    def reindex(self, *, progress: RebuildProgress | None = None) -> int:
        """Rebuild the index from the catalogue alone (no extraction, no OCR).

        Return the number of documents and records. ``progress(done, total)`` hears of every
        thousand.
        """
        with self._writing("reindex"):
            return self._rebuild(progress)

    def outdated_index(self) -> list[str]:
        """What the search index lacks when an older archive-search built it; else [].

        An index per secrecy level, or fields: ``ingest``, ``prune`` and ``reindex`` rebuild such an
        index, ``search`` refuses it.
        """
        return index_layout(self.path / INDEX_NAME)

    def _rebuild(self, progress: RebuildProgress | None = None) -> int:
        count = rebuild(
            self.path / INDEX_NAME, self._catalog, workers=os.cpu_count() or 1, progress=progress
        )
        self._catalog.mark_all_indexed()
        if self._engine is not None:
            self._engine.close()
        self._index = self._engine = None
        return count

    def statistics(self, *, clearance: Secrecy | str = Secrecy.PUBLIC) -> ArchiveStats:
        """What the archive holds: counts, pages by origin, index size, and documents by facet.

        The documents visible at ``clearance``, by fond, year and type.
        """
        engine = self._search_engine()
        level = parse_clearance(clearance)
        facets = self.facets(SearchQuery.build("", clearance=level))
        counts = self._catalog.counts(level)
        return ArchiveStats(
            documents=counts["documents"],
            records=counts["records"],
            pages=counts["pages"],
            ocr_pages=counts["ocr_pages"],
            born_digital_pages=counts["pages"] - counts["ocr_pages"],
            failed_files=counts["failed_files"],
            index_bytes=engine.index.size_bytes(),
            clearance=level,
            by_fond=facets["fond"],
            by_year=facets["year"],
            by_type=facets["doc_type"],
        )
