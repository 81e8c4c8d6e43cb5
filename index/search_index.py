"""The tantivy index, derived from the catalogue.

Each document is indexed once at document level (title and whole text: ranking, totals,
facets) and once per page (page hits). A page's text goes in fields of its own (``page_*``),
so a search of documents never walks the postings of pages. Text fields come in two
spellings, analysed in Python by ``index.analysis`` and split on whitespace by tantivy:
``*_exact`` keeps diacritics, ``*_fold`` drops them. Metadata used for filters and facets are
raw fast fields.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import re
import shutil
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from archive_search.index import readonly
from archive_search.index.analysis import ANALYSIS_VERSION, analysed_fields, fold, terms
from archive_search.index.catalog import Catalog
from archive_search.index.errors import IndexUnavailableError
from archive_search.index.records import PageText, StoredDocument
from archive_search.index.segment import compounds

LEVEL_DOCUMENT = "doc"
LEVEL_PAGE = "page"
TEXT_FIELDS = ("title_exact", "title_fold", "body_exact", "body_fold", "page_exact", "page_fold")
# pyvi's compound words (``công_nghệ``), per document, for ranking (see index/segment.py).
WORD_FIELDS = ("words_exact", "words_fold")
# A document's folded title and body in one field, which entries hold each word and nothing more
# (no frequencies or positions): what selecting a word reads, unscored (facets, exclusions). One
# posting list per word intersects by skipping, where the union of ``title_fold`` and
# ``body_fold`` is read whole: facets 26-28% faster, searches ~5%; the index 3% larger, a
# reindex ~2% slower.
MATCH_FIELD = "match_fold"
# Every clearance that may see the entry, on document entries only: a search's one filter that is
# always there is then one term, which also leaves out pages (``level`` and ``secrecy``, two
# posting lists as long as the index, cost as much as the rest of a filter-only search). Each
# clearance again with the entry's part (``public@1``, see ``part_of``): a search ranks the parts
# on two threads.
VISIBILITY_FIELD = "visible"
# Document entries are split in PARTS by ``num``. A rebuild writes each part in segments of its
# own, so ranking one part never reads the other's postings: ranked on two threads at once, the
# two parts take the time of one (each costs half of the whole, to 1%).
PARTS = 2
# Each symbol the document cites with the date the citation gives (``36-nq/tw@1998-05-10`` and
# ``36-nq/tw@1998``), or none (``36-nq/tw@``): which of the documents sharing a symbol it cites.
CITED_AT_FIELD = "cited_at"
FACET_FIELDS = ("fond", "doc_type", "issuer", "secrecy", "kind")
_WRITER_HEAP = 128_000_000
# A rebuild writes every entry in one go: a larger heap flushes fewer, larger segments (2 instead
# of 8 at full scale, for 670 MB of reindex RSS instead of 350), and a search over 2 segments is
# ~10% faster than over 8 (same-process A/B); 1 GB (one segment) gained nothing more.
_REBUILD_HEAP = 512_000_000
_BATCH = 64  # documents per analysis task when reindexing in parallel
_PROGRESS_EVERY = 1_000  # documents between two reports of a rebuild's progress
# Told (documents done, documents in all) as a rebuild goes.
RebuildProgress = Callable[[int, int], None]


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


def symbol_key(symbol: str) -> str:
    """The canonical form of a document symbol, folded as typed in plain Latin letters:
    ``Số 36 NQ/TW`` → ``36-nq/tw``, ``Số: 12/2019/QĐ-UBND`` → ``12-2019/qd/ubnd``."""
    parts = fold(" ".join(terms(symbol))).split()
    if parts and parts[0] == "so":
        parts = parts[1:]
    if len(parts) < 2:
        return "-".join(parts)
    return f"{parts[0]}-{parts[1]}" + "".join(f"/{part}" for part in parts[2:])


# A symbol as printed in a text: number, type, issuer(s), no spaces (36-NQ/TW, 01-QĐi/TW). What
# may not stand before it (a letter, digit, ``_``, ``/``, ``-``) is checked by hand: a lookbehind
# tried at every character costs a third of the scan. ASCII digits: a pattern opening with a
# class is tried only where the class matches, one opening with ``\d`` everywhere (-25%).
_CITED_RE = re.compile(r"[0-9]{1,4}-[^\W\d_]+(?:/[^\W\d_]+)+(?![\w/])")


def _glued(text: str, start: int) -> bool:
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_/-")


# The date a citation may give right after the symbol: ``ngày 15/5/2016``, ``ngày 15-5-2016``,
# ``ngày 15 tháng 5 năm 2016`` (with or without diacritics).
_CITED_DATE_RE = re.compile(
    r"\s*,?\s*ng[aà]y\s*(\d{1,2})\s*(?:[/.-]|th[aá]ng)\s*(\d{1,2})\s*(?:[/.-]|n[aă]m)\s*(\d{4})(?!\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Citation:
    """A symbol a text cites: its key, as printed, and the date it gives (ISO, or "")."""

    key: str
    printed: str
    date: str = ""


def citations(text: str, own_symbol: str = "") -> list[Citation]:
    """What ``text`` cites, other than ``own_symbol``, in order of first mention: each symbol
    once per date given (symbols repeat from one year or term to the next; a date tells them
    apart). A symbol also cited with a date is that one where the text leaves the date out."""
    own = symbol_key(own_symbol) if own_symbol else ""
    found: dict[tuple[str, str], Citation] = {}
    for match in _CITED_RE.finditer(text):
        if _glued(text, match.start()):
            continue
        printed = match.group()
        parts = printed.split("-", 1)[1].split("/")
        if all(part[0].isupper() for part in parts):
            key = symbol_key(printed)
            if key != own:
                date = _cited_date(text, match.end())
                found.setdefault((key, date), Citation(key, printed, date))
    dated = {key for key, date in found if date}
    return [citation for citation in found.values() if citation.date or citation.key not in dated]


def _cited_date(text: str, end: int) -> str:
    match = _CITED_DATE_RE.match(text, end)
    if match is None:
        return ""
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:  # 31/2: no date to tell documents apart by
        return ""


def cited_at(found: Sequence[Citation]) -> list[str]:
    """``CITED_AT_FIELD`` terms of citations: ``key@`` undated, else ``key@YYYY-MM-DD`` and ``key@YYYY``."""
    values: list[str] = []
    for citation in found:
        dates = (citation.date, citation.date[:4]) if citation.date else ("",)
        values += [f"{citation.key}@{date}" for date in dates]
    return list(dict.fromkeys(values))


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
    """Compound-word field texts of a document: its title's and its pages', as segmented when
    they entered the catalogue (segmented here only for what the catalogue lacks)."""
    cached = [doc.title_words, *(page.words for page in pages)]
    texts = [doc.meta.title, *(page.text for page in pages)]
    exact = " ".join(
        w if w is not None else " ".join(compounds(t)) for w, t in zip(cached, texts, strict=True)
    )
    exact = " ".join(exact.split())
    return exact, fold(exact)


def document_fields(doc: StoredDocument, pages: Sequence[PageText]) -> list[dict[str, Any]]:
    """The field values of one catalogue document's index entries: one for it, one per page.
    Each page is analysed once; the document's body fields are its pages' fields joined."""
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


_READERS: dict[Path, Catalog] = {}  # per worker process: its own connection to the catalogue


def _entries_of(catalog: Catalog, nums: list[int]) -> list[list[dict[str, Any]]]:
    """The index entries of the catalogue documents ``nums``."""
    return [document_fields(doc, pages) for doc, pages in catalog.documents_with_pages(nums)]


def _fields_of(catalog_path: Path, nums: list[int]) -> list[list[dict[str, Any]]]:
    """``_entries_of`` in a worker, which reads the catalogue itself: a parent reading and
    pickling every page to its workers was the bottleneck of reindexing."""
    if (catalog := _READERS.get(catalog_path)) is None:
        catalog = _READERS[catalog_path] = Catalog.open(catalog_path)
    return _entries_of(catalog, nums)


def _analysed(
    catalog: Catalog, nums: list[int], workers: int
) -> Generator[list[dict[str, Any]], None, None]:
    """The index entries of the catalogue documents ``nums``, in order; analysed by ``workers``
    processes, a bounded number of batches in flight so the catalogue is never loaded whole."""
    batches = (nums[start : start + _BATCH] for start in range(0, len(nums), _BATCH))
    if workers <= 1:
        for batch in batches:
            yield from _entries_of(catalog, batch)
        return
    from archive_search.index.processes import (
        WorkerPool,
    )  # here: multiprocessing adds 15 ms to a CLI search

    with WorkerPool(workers) as pool:
        pending: deque[Future[list[list[dict[str, Any]]]]] = deque()
        while True:
            while len(pending) < 2 * workers and (batch := next(batches, [])):
                pending.append(pool.submit(_fields_of, catalog.path, batch))
            if not pending:
                return
            yield from pending.popleft().result()


class SearchIndex:
    """The tantivy index in ``ARCHIVE/index``."""

    def __init__(self, index: tantivy.Index, path: Path, *, heap: int = _WRITER_HEAP) -> None:
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
    def open(cls, path: Path, *, create: bool = False, heap: int = _WRITER_HEAP) -> SearchIndex:
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
    def _open_readonly(cls, path: Path) -> SearchIndex:
        """The index in a folder this process cannot write, read through a private stand-in
        (``index/readonly.py``): the commit there when opened."""
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
        """A searcher on the last commit. Reloading costs 0.1-0.5 ms, so it is done only when
        a commit has replaced ``meta.json`` since the last one (a stat, ~3 µs)."""
        try:
            meta = (self.path / "meta.json").stat()
            commit = (meta.st_ino, meta.st_mtime_ns, meta.st_size)
        except OSError:
            commit = None
        if commit is None or commit != self._loaded:
            self._index.reload()
            self._loaded = commit
            self._values, self._year_span = {}, None
        return self._index.searcher()

    def values(self, searcher: tantivy.Searcher, field: str) -> tuple[str, ...]:
        """Every value a raw field (``fond``, ``doc_type``…) holds in ``searcher``'s commit, of
        every document whatever its secrecy: what typed filter values are resolved against.
        Read once per commit (15-35 µs a field at full scale)."""
        if field not in self._values:
            self._values[field] = tuple(
                term for term, _ in searcher.terms_with_prefix(field, "") if term
            )
        return self._values[field]

    def year_span(self, searcher: tantivy.Searcher) -> tuple[int, int] | None:
        """The first and last year of any entry in ``searcher``'s commit (None: no years), what
        open year ranges are closed with. Read once per commit (~1.5 ms at full scale)."""
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

    def replace(self, doc: StoredDocument, pages: Sequence[PageText]) -> None:
        """Stage a document (and its pages), replacing any earlier version of it."""
        writer = self._writer_or_new()
        writer.delete_documents_by_term("num", doc.num)
        for item in index_documents(doc, pages):
            writer.add_document(item)

    def add(self, fields: Iterable[dict[str, Any]]) -> None:
        """Stage new entries (no earlier version to replace: for a fresh index)."""
        writer = self._writer_or_new()
        for values in fields:
            writer.add_document(tantivy.Document(**values))

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


def missing_fields(path: Path) -> list[str]:
    """Fields this version searches that the index at ``path`` lacks: it was built by an older one."""
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


def rebuild(
    path: Path, catalog: Catalog, *, workers: int = 1, progress: RebuildProgress | None = None
) -> int:
    """Build a fresh index at ``path`` from every catalogue document (analysed by ``workers``
    processes); swap it in when complete. ``progress(done, total)`` hears of every thousand
    documents added, and of the last once the index is committed. Stopped before the swap (by
    Ctrl-C, say), it leaves the index as it was and nothing of the new one."""
    nums = catalog.document_nums()
    staging = path.with_name(path.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        count = _build(staging, catalog, nums, workers, progress)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = path.with_name(path.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    if path.exists():
        path.rename(retired)
    staging.rename(path)
    shutil.rmtree(retired, ignore_errors=True)
    if progress is not None:
        progress(count, len(nums))
    return count


def _build(
    path: Path, catalog: Catalog, nums: list[int], workers: int, progress: RebuildProgress | None
) -> int:
    """A new index at ``path`` of the catalogue documents ``nums``, committed; their count.
    Each part is committed before the next is written, so no segment holds two parts."""
    fresh = SearchIndex.open(path, create=True, heap=_REBUILD_HEAP)
    count = 0
    try:
        for part in range(PARTS):
            in_part = [num for num in nums if part_of(num) == part]
            with contextlib.closing(_analysed(catalog, in_part, workers)) as analysed:
                for fields in analysed:
                    fresh.add(fields)
                    count += 1
                    if progress is not None and count % _PROGRESS_EVERY == 0:
                        progress(count, len(nums))
            fresh.commit()
    except BaseException:
        fresh.abandon()  # now: its threads would write in the folder after it is removed
        raise
    return count
