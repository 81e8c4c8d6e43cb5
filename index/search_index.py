"""The tantivy indexes, derived from the catalogue: one per secrecy level.

Each document is indexed once at document level (title and whole text: ranking, totals,
facets) and once per page (page hits). A page's text goes in fields of its own (``page_*``),
so a search of documents never walks the postings of pages. Text fields come in two
spellings, analysed in Python by ``index.analysis`` and split on whitespace by tantivy:
``*_exact`` keeps diacritics, ``*_fold`` drops them. Metadata used for filters and facets are
raw fast fields.

The documents of each secrecy level are in an index of their own (``ARCHIVE/index/<level>``):
a reader at a clearance searches the indexes up to it and no other, so the statistics that
score and order its hits (BM25's document frequencies and lengths, ``similar``'s choice of
words) are those of the documents it may see, as if the others did not exist.
"""

from __future__ import annotations

import json
import logging
import shutil
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tantivy

from archive_search.index import readonly
from archive_search.index.analysis import ANALYSIS_VERSION, analysed_fields, fold
from archive_search.index.errors import IndexUnavailableError
from archive_search.index.records import PageText, Secrecy, StoredDocument
from archive_search.index.segment import compounds
from archive_search.index.symbols import citations, cited_at, symbol_key

if TYPE_CHECKING:
    from archive_search.index.catalog import Catalog

log = logging.getLogger(__name__)
LEVEL_DOCUMENT = "doc"
LEVEL_PAGE = "page"
TEXT_FIELDS = ("title_exact", "title_fold", "body_exact", "body_fold", "page_exact", "page_fold")
# pyvi's compound words (``công_nghệ``), per document, for ranking (see index/segment.py).
WORD_FIELDS = ("words_exact", "words_fold")
# A document's folded title and body in one field, which entries hold each word and nothing more
# (no frequencies or positions): what selecting a word reads, unscored (facets, exclusions). One
# posting list per word intersects by skipping, where the union of ``title_fold`` and
# ``body_fold`` is read whole: faster facets and searches (docs/performance.md).
MATCH_FIELD = "match_fold"
# Every clearance that may see the entry, on document entries only: a search's one filter that is
# always there is then one term, which also leaves out pages (``level`` and ``secrecy``, two
# posting lists as long as the index, cost as much as the rest of a filter-only search). Each
# clearance again with the entry's part (``public@1``, see ``part_of``): a search ranks the parts
# on two threads.
VISIBILITY_FIELD = "visible"
# Document entries of a level are split in PARTS by ``num``. A rebuild writes each part in
# segments of its own, so ranking one part never reads the other's postings: ranked on two
# threads at once, the two parts take the time of one. They share their level's statistics.
PARTS = 2
# Levels, lowest first: each has an index of its own, ``ARCHIVE/index/<level>``.
LEVELS = tuple(Secrecy)
# Each symbol the document cites with the date the citation gives (``36-nq/tw@1998-05-10`` and
# ``36-nq/tw@1998``), or none (``36-nq/tw@``): which of the documents sharing a symbol it cites.
CITED_AT_FIELD = "cited_at"
FACET_FIELDS = ("fond", "doc_type", "issuer", "secrecy", "kind")
WRITER_HEAP = 128_000_000


# Empty, named after the analysis version: an index without it analysed its text otherwise.
ANALYSIS_FIELD = f"analysis_{ANALYSIS_VERSION}"


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("num", stored=True, indexed=True, fast=True)
    builder.add_integer_field("page", stored=True, indexed=True, fast=True)
    builder.add_text_field("level", tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace")
    builder.add_text_field(MATCH_FIELD, tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field(VISIBILITY_FIELD, tokenizer_name="raw", index_option="basic")
    for name in WORD_FIELDS:  # ranking only: term frequencies, no positions
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("symbol", tokenizer_name="raw", fast=True)
    for name in FACET_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_integer_field("date_key", indexed=True, fast=True)
    builder.add_text_field("cites", tokenizer_name="raw")
    builder.add_text_field(CITED_AT_FIELD, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(ANALYSIS_FIELD, tokenizer_name="raw", index_option="basic")
    return builder.build()


# Every field of build_schema(): an index lacking one was built by an older version.
INDEX_FIELDS = frozenset(
    {
        "num",
        "page",
        "level",
        *TEXT_FIELDS,
        *WORD_FIELDS,
        MATCH_FIELD,
        VISIBILITY_FIELD,
        "symbol",
        *FACET_FIELDS,
    }
    | {"year", "date_key", "cites", CITED_AT_FIELD, ANALYSIS_FIELD}
)


def part_of(num: int) -> int:
    """The part of the index a document's entries belong to."""
    return num % PARTS


def visibility_term(clearance: str, part: int | None = None) -> str:
    """The ``VISIBILITY_FIELD`` term of the entries a clearance may see: all, or one part's."""
    return clearance if part is None else f"{clearance}@{part}"


def date_key(date: str, year: int | None) -> int:
    """A sortable integer for an ISO date (or a bare year); 0 when unknown."""
    digits = date.replace("-", "")
    if len(digits) == 8 and digits.isdigit():
        return int(digits)
    return year * 10_000 if year else 0


def _metadata_fields(doc: StoredDocument) -> dict[str, Any]:
    meta = doc.meta
    fields: dict[str, Any] = {
        "num": doc.num,
        "kind": doc.kind,
        "fond": meta.fond,
        "doc_type": meta.doc_type,
        "issuer": meta.issuer,
        "secrecy": meta.secrecy.value,
        "date_key": date_key(meta.date, meta.year),
    }
    if meta.year is not None:
        fields["year"] = meta.year
    if meta.symbol:
        fields["symbol"] = symbol_key(meta.symbol)
    return fields


def _compounds(doc: StoredDocument, pages: Sequence[PageText]) -> tuple[str, str]:
    """Compound-word field texts of a document: its title's and its pages'.

    As segmented when they entered the catalogue (segmented here only for what the catalogue lacks).
    """
    cached = [doc.title_words, *(page.words for page in pages)]
    texts = [doc.meta.title, *(page.text for page in pages)]
    exact = " ".join(
        w if w is not None else " ".join(compounds(t)) for w, t in zip(cached, texts, strict=True)
    )
    exact = " ".join(exact.split())
    return exact, fold(exact)


def document_fields(doc: StoredDocument, pages: Sequence[PageText]) -> list[dict[str, Any]]:
    """The field values of one catalogue document's index entries: one for it, one per page.

    Each page is analysed once; the document's body fields are its pages' fields joined.
    """
    metadata = _metadata_fields(doc)
    title = " ".join(part for part in (doc.meta.title, doc.meta.symbol) if part)
    title_exact, title_fold = analysed_fields(title)
    analysed = [analysed_fields(page.indexed_text) for page in pages]
    words_exact, words_fold = _compounds(doc, pages)
    cited = citations("\n".join(page.text for page in pages), doc.meta.symbol)
    body_fold = " ".join(folded for _, folded in analysed)
    whole = {
        "level": LEVEL_DOCUMENT,
        "page": 0,
        "title_exact": title_exact,
        "title_fold": title_fold,
        "body_exact": " ".join(exact for exact, _ in analysed),
        "body_fold": body_fold,
        MATCH_FIELD: f"{title_fold} {body_fold}",
        VISIBILITY_FIELD: [
            visibility_term(level.value, part)
            for level in doc.meta.secrecy.cleared()
            for part in (None, part_of(doc.num))
        ],
        "cites": list(dict.fromkeys(citation.key for citation in cited)),
        CITED_AT_FIELD: cited_at(cited),
        "words_exact": words_exact,
        "words_fold": words_fold,
        **metadata,
    }
    per_page = [
        {
            "level": LEVEL_PAGE,
            "page": page.number,
            "page_exact": exact,
            "page_fold": folded,
            **metadata,
        }
        for page, (exact, folded) in zip(pages, analysed, strict=True)
    ]
    return [whole, *per_page]


def index_documents(doc: StoredDocument, pages: Sequence[PageText]) -> list[tantivy.Document]:
    """The tantivy documents for one catalogue document: one for it, one per page."""
    return [tantivy.Document(**fields) for fields in document_fields(doc, pages)]


class LevelIndex:
    """The tantivy index of one secrecy level's documents, ``ARCHIVE/index/<level>``."""

    def __init__(self, index: tantivy.Index, path: Path, *, heap: int = WRITER_HEAP) -> None:
        self._index = index
        self.path = path
        self._heap = heap  # the writer's memory budget in bytes
        self.schema = index.schema
        self._writer: tantivy.IndexWriter | None = None
        self._loaded: tuple[int, int, int] | None = None  # the commit (meta.json) searchers see
        self._values: dict[str, tuple[str, ...]] = {}  # a raw field's values in that commit
        self._year_span: tuple[int, int] | tuple[()] | None = (
            None  # its years; () none; None unread
        )

    @classmethod
    def open(cls, path: Path, *, create: bool = False, heap: int = WRITER_HEAP) -> LevelIndex:
        if not (path / "meta.json").exists():
            if not create:
                raise IndexUnavailableError(
                    "search index is missing: run `archive-search reindex` to rebuild it", path=path
                )
            path.mkdir(parents=True, exist_ok=True)
            return cls(tantivy.Index(build_schema(), str(path)), path, heap=heap)
        _check_fields(path)
        try:
            if create or readonly.writable(path):
                return cls(tantivy.Index.open(str(path)), path, heap=heap)
            return cls._open_readonly(path)
        except ValueError as exc:
            raise IndexUnavailableError(
                f"search index is unreadable ({exc}): run `archive-search reindex`", path=path
            ) from exc

    @classmethod
    def _open_readonly(cls, path: Path) -> LevelIndex:
        """The index in a folder this process cannot write, read through a private stand-in.

        See ``index/readonly.py``: the commit there when opened.
        """
        private = readonly.stand_in(path)
        try:
            opened = cls(tantivy.Index.open(str(private)), path)
        except BaseException:
            shutil.rmtree(private, ignore_errors=True)
            raise
        weakref.finalize(opened, shutil.rmtree, private, True)
        return opened

    def size_bytes(self) -> int:
        """Bytes the index takes on disk."""
        return sum(item.stat().st_size for item in self.path.rglob("*") if item.is_file())

    def searcher(self) -> tantivy.Searcher:
        """A searcher on the last commit.

        Reloaded only when a commit has replaced ``meta.json`` since the last one (a stat is far
        cheaper than a reload).
        """
        commit: tuple[int, int, int] | None
        try:
            meta = (self.path / "meta.json").stat()
            commit = (meta.st_ino, meta.st_mtime_ns, meta.st_size)
        except OSError:  # between the two renames of a reindex's swap: keep the commit loaded
            commit = self._loaded
        if commit is None or commit != self._loaded:
            self._index.reload()
            self._loaded = commit
            self._values, self._year_span = {}, None
        return self._index.searcher()

    def values(self, searcher: tantivy.Searcher, field: str) -> tuple[str, ...]:
        """Every value a raw field (``fond``, ``doc_type``…) holds in ``searcher``'s commit.

        What typed filter values are resolved against. Read once per commit.
        """
        if field not in self._values:
            self._values[field] = tuple(
                term for term, _ in searcher.terms_with_prefix(field, "") if term
            )
        return self._values[field]

    def year_span(self, searcher: tantivy.Searcher) -> tuple[int, int] | None:
        """The first and last year of any entry in ``searcher``'s commit (None: no years).

        What open year ranges are closed with. Read once per commit.
        """
        if self._year_span is None:
            stats = searcher.aggregate(
                tantivy.Query.all_query(), {"year": {"stats": {"field": "year"}}}
            )["year"]
            known = (
                stats.get("count") and stats.get("min") is not None and stats.get("max") is not None
            )
            self._year_span = (int(stats["min"]), int(stats["max"])) if known else ()
        return self._year_span or None

    def _writer_or_new(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._index.writer(self._heap, 1)
        return self._writer

    def holds(self, num: int) -> bool:
        """Whether the last commit holds the document ``num``."""
        query = tantivy.Query.term_query(self.schema, "num", num)
        return bool(getattr(self.searcher().search(query, 1, count=True), "count", 0))

    def add(self, entries: Iterable[tantivy.Document | dict[str, Any]]) -> None:
        """Stage entries (a document's, from ``index_documents`` or ``document_fields``)."""
        writer = self._writer_or_new()
        for entry in entries:
            writer.add_document(
                entry if isinstance(entry, tantivy.Document) else tantivy.Document(**entry)
            )

    def delete(self, num: int) -> None:
        """Stage the removal of a document and its pages (visible after the next commit)."""
        self._writer_or_new().delete_documents_by_term("num", num)

    def abandon(self) -> None:
        """Drop everything staged since the last commit, and the writer."""
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None

    def commit(self) -> None:
        """Make everything staged visible to new searches, atomically."""
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
            self._index.reload()

    def count(self) -> int:
        return int(self.searcher().num_docs)


class SearchIndex:
    """The indexes of every secrecy level in ``ARCHIVE/index``, read and written as one.

    A document is in the index of its level only: ``replace`` moves one whose level changed,
    and ``commit`` then rewrites the index it left from the catalogue, because tantivy counts a
    deleted entry in its statistics until its segment is merged: the reader of that level would
    otherwise score its hits with the words of a document it no longer sees (or, moved down,
    sees elsewhere). Other deletions (a document removed, or replaced by a new version of the
    same level) are counted there until tantivy merges the segment or ``reindex``: statistics
    of documents that every reader of the level was cleared for.
    """

    def __init__(
        self, path: Path, levels: dict[Secrecy, LevelIndex], catalog: Catalog | None = None
    ) -> None:
        self.path = path
        self.levels = levels
        self.schema = levels[Secrecy.PUBLIC].schema
        self._catalog = catalog  # where a level left by a document is rewritten from
        self._staged: dict[Secrecy, set[int]] = {level: set() for level in LEVELS}
        self._left: set[Secrecy] = set()  # levels a document left for another since the commit

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        create: bool = False,
        heap: int = WRITER_HEAP,
        catalog: Catalog | None = None,
    ) -> SearchIndex:
        """The indexes at ``path`` (``create``: made empty where missing).

        An index of the older layout, one for every level, asks for ``reindex``. ``catalog``: what a
        writer rewrites a level from (see the class).
        """
        if (path / "meta.json").exists():
            raise IndexUnavailableError(
                "search index was built by an older archive-search (no index per secrecy "
                "level): run `archive-search reindex`",
                path=path,
            )
        if not create and not (path / Secrecy.PUBLIC.value / "meta.json").exists():
            raise IndexUnavailableError(
                "search index is missing: run `archive-search reindex` to rebuild it", path=path
            )
        levels = {  # a reader takes the levels there are: a writer makes the others
            level: LevelIndex.open(path / level.value, create=create, heap=heap)
            for level in LEVELS
            if create or (path / level.value / "meta.json").exists()
        }
        return cls(path, levels, catalog)

    def searchers(self, clearance: Secrecy) -> list[tuple[Secrecy, tantivy.Searcher]]:
        """A searcher on the last commit of each level a reader at ``clearance`` may see.

        Public always; the others when they hold documents.
        """
        found = []
        for level in LEVELS[: clearance.rank + 1]:
            if level not in self.levels:
                continue
            searcher = self.levels[level].searcher()
            if level is Secrecy.PUBLIC or searcher.num_docs:
                found.append((level, searcher))
        return found

    def values(
        self, searchers: Sequence[tuple[Secrecy, tantivy.Searcher]], field: str
    ) -> tuple[str, ...]:
        """Every value a raw field holds in the documents of ``searchers``."""
        if len(searchers) == 1:
            level, searcher = searchers[0]
            return self.levels[level].values(searcher, field)
        return tuple(
            dict.fromkeys(
                value
                for level, searcher in searchers
                for value in self.levels[level].values(searcher, field)
            )
        )

    def year_span(
        self, searchers: Sequence[tuple[Secrecy, tantivy.Searcher]]
    ) -> tuple[int, int] | None:
        """The first and last year of the documents of ``searchers`` (None: no years)."""
        spans = [
            span
            for level, searcher in searchers
            if (span := self.levels[level].year_span(searcher)) is not None
        ]
        return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None

    def size_bytes(self) -> int:
        """Bytes the indexes take on disk."""
        return sum(level.size_bytes() for level in self.levels.values())

    def count(self) -> int:
        """Entries (documents and pages) in every level."""
        return sum(level.count() for level in self.levels.values())

    def replace(self, doc: StoredDocument, pages: Sequence[PageText]) -> None:
        """Stage a document and its pages in the index of its level, replacing any earlier version.

        The earlier version may be there or in another level's index (a document reclassified
        moves).
        """
        level = doc.meta.secrecy
        for other in LEVELS:
            if other is not level and self._holds(other, doc.num):
                self.levels[other].delete(doc.num)
                self._staged[other].discard(doc.num)
                self._left.add(other)
        index = self._writable(level)
        index.delete(doc.num)
        index.add(index_documents(doc, pages))
        self._staged[level].add(doc.num)

    def delete(self, num: int) -> None:
        """Stage the removal of a document and its pages (visible after the next commit)."""
        for level in LEVELS:
            if self._holds(level, num):
                self.levels[level].delete(num)
                self._staged[level].discard(num)

    def _holds(self, level: Secrecy, num: int) -> bool:
        index = self.levels.get(level)
        return index is not None and (num in self._staged[level] or index.holds(num))

    def _writable(self, level: Secrecy) -> LevelIndex:
        """The index of ``level``, made when a reader opened the archive without it."""
        if level not in self.levels:
            self.levels[level] = LevelIndex.open(self.path / level.value, create=True)
        return self.levels[level]

    def abandon(self) -> None:
        """Drop everything staged since the last commit."""
        for index in self.levels.values():
            index.abandon()
        self._clear()

    def commit(self) -> None:
        """Make everything staged visible to new searches, each level atomically, lowest first.

        A document moved up leaves the lower level first; then the levels a document left are
        rewritten (see the class).
        """
        for index in self.levels.values():
            index.commit()
        left = sorted(self._left, key=lambda level: level.rank)
        self._clear()
        if left and self._catalog is None:
            log.warning(
                "documents left the index of %s; its statistics count them until `reindex`",
                ", ".join(level.value for level in left),
            )
        elif left and self._catalog is not None:
            from archive_search.index.rebuild import rewrite_level  # it builds on this module

            for level in left:
                rewrite_level(self.path / level.value, self._catalog, level)
                self.levels[level] = LevelIndex.open(
                    self.path / level.value, heap=self.levels[level]._heap
                )

    def _clear(self) -> None:
        self._staged = {level: set() for level in LEVELS}
        self._left = set()

    def reindex(self, docs: Iterable[tuple[StoredDocument, Sequence[PageText]]]) -> int:
        """Index these catalogue documents again, each in its level's index, and commit.

        A document whose level changed moves. Return their count. What a reclassification calls.
        """
        count = 0
        try:
            for doc, pages in docs:
                self.replace(doc, pages)
                count += 1
        except BaseException:
            self.abandon()
            raise
        self.commit()
        return count


def index_layout(path: Path) -> list[str]:
    """What the index at ``path`` lacks that this version searches (an index per level, fields).

    [] when it is up to date or missing (``SearchIndex.open`` says so).
    """
    if (path / "meta.json").exists():
        return ["index per secrecy level"]
    return sorted(
        {
            field
            for level in LEVELS
            if (path / level.value / "meta.json").exists()
            for field in missing_fields(path / level.value)
        }
    )


def missing_fields(path: Path) -> list[str]:
    """Fields this version searches that the index at ``path`` lacks: an older one built it."""
    try:
        schema = json.loads((path / "meta.json").read_text(encoding="utf-8"))["schema"]
        return sorted(INDEX_FIELDS - {field["name"] for field in schema})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexUnavailableError(
            f"search index is unreadable ({exc}): run `archive-search reindex`", path=path
        ) from exc


def _check_fields(path: Path) -> None:
    """Refuse an index built by an older version (it lacks fields this one searches)."""
    if missing := missing_fields(path):
        raise IndexUnavailableError(
            f"search index was built by an older archive-search (no {', '.join(missing)} field): "
            "run `archive-search reindex`",
            path=path,
        )
