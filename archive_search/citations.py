"""Citations between documents: the symbols a document's text cites, and who cites it.

The symbols cited (``Nghị quyết số 36-NQ/TW``) are resolved to the archive's documents, and the
documents whose text cites a document are found.

Symbols repeat (numbering starts again with each year or term), so a citation names one of the
documents sharing its symbol:

- one giving a date (``05-CT/TW ngày 15/5/2016``): the document of that date, else of that year;
- one giving none: the latest document dated no later than the citing one (any, when that one is
  undated).

Of documents equal on that, the latest wins, a document before a catalogue record. ``cited_by`` is
the exact inverse of ``cites``, found in the index: ``cited_at`` holds each cited symbol with the
date the citation gave (``index.symbols.citations``). A citation is resolved among the documents the
reader may see, as if the others did not exist: a hidden document is never named, and never stands
in the way of the visible one a citation would name without it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import tantivy

from archive_search.engine import SearchEngine
from archive_search.index.records import PageText, Secrecy, StoredDocument
from archive_search.index.search_index import CITED_AT_FIELD, date_key
from archive_search.index.symbols import Citation, citations, symbol_key
from archive_search.models import DocumentRef


def cites(
    engine: SearchEngine, doc: StoredDocument, pages: Sequence[PageText], clearance: Secrecy
) -> tuple[DocumentRef, ...]:
    """What ``doc`` cites, in order of first mention; ``id`` empty when not in the archive."""
    found = citations("\n".join(page.text for page in pages), doc.meta.symbol)
    sharing = _sharing(engine, {citation.key for citation in found}, clearance)
    refs = []
    for citation in found:
        cited = _cited(sharing[citation.key], citation, _when(doc))
        refs.append(_ref(cited) if cited is not None else DocumentRef(citation.printed))
    return tuple(refs)


def cited_by(
    engine: SearchEngine, doc: StoredDocument, clearance: Secrecy
) -> tuple[DocumentRef, ...]:
    """The visible documents whose text cites ``doc`` (as ``cites`` resolves it), oldest first."""
    if not doc.meta.symbol:
        return ()
    key = symbol_key(doc.meta.symbol)
    sharing = sorted(_sharing(engine, {key}, clearance)[key], key=_order)
    if doc.num not in {other.num for other in sharing}:
        return ()
    nums = _citing_dated(engine, key, doc, sharing, clearance) | _citing_undated(
        engine, key, doc, sharing, clearance
    )
    found = engine.catalog.documents_by_num(sorted(nums - {doc.num}))
    return tuple(
        sorted(
            (_ref(other) for other in found.values()),
            key=lambda ref: (ref.date, ref.symbol, ref.id),
        )
    )


def _cited(
    sharing: Sequence[StoredDocument], citation: Citation, citing_when: int
) -> StoredDocument | None:
    """Which of the documents ``sharing`` the citation's symbol it names (see the module)."""
    if citation.date:
        year = int(citation.date[:4])
        pool = [d for d in sharing if d.meta.date == citation.date] or [
            d for d in sharing if d.meta.year == year
        ]
    else:
        pool = [d for d in sharing if not citing_when or _when(d) <= citing_when]
    return max(pool, key=_order, default=None)


def _citing_dated(
    engine: SearchEngine,
    key: str,
    doc: StoredDocument,
    sharing: Sequence[StoredDocument],
    clearance: Secrecy,
) -> set[int]:
    """Documents whose citation of ``key`` gives a date that names ``doc``.

    That is its own date (where it is the latest of that date), or its year where no document has
    the date given.
    """
    nums: set[int] = set()
    date, year = doc.meta.date, doc.meta.year
    if len(date) == 10 and _latest([d for d in sharing if d.meta.date == date]) == doc.num:
        nums |= _citing(engine, [f"{key}@{date}"], clearance)
    if year is not None and _latest([d for d in sharing if d.meta.year == year]) == doc.num:
        dates = {d.meta.date for d in sharing if d.meta.year == year and len(d.meta.date) == 10}
        named_by_date = _citing(engine, [f"{key}@{d}" for d in dates], clearance)
        by_year = _citing(engine, [f"{key}@{year}"], clearance)
        nums |= by_year - named_by_date
        nums |= _naming(engine, by_year & named_by_date, doc, sharing)
    return nums


def _naming(
    engine: SearchEngine, nums: set[int], doc: StoredDocument, sharing: Sequence[StoredDocument]
) -> set[int]:
    """Those of ``nums`` whose text has a citation that names ``doc`` (as ``cites`` resolves it).

    For texts citing ``doc``'s symbol with a date of another document of its year and again with a
    date no document has: the index holds one ``key@year`` term for both, so their texts are read
    (such texts are few).
    """
    if not nums:
        return set()
    found = engine.catalog.documents_with_pages(sorted(nums))
    key = symbol_key(doc.meta.symbol)
    return {
        citing.num
        for citing, pages in found
        if any(
            citation.key == key and _num(_cited(sharing, citation, _when(citing))) == doc.num
            for citation in citations("\n".join(page.text for page in pages), citing.meta.symbol)
        )
    }


def _citing_undated(
    engine: SearchEngine,
    key: str,
    doc: StoredDocument,
    sharing: Sequence[StoredDocument],
    clearance: Secrecy,
) -> set[int]:
    """Documents citing ``key`` without a date whose own date makes ``doc`` the one they cite.

    ``doc`` is the latest of those sharing the symbol no later than them (for an undated one: the
    latest of all).
    """
    at = [other.num for other in sharing].index(doc.num)
    after = sharing[at + 1] if at + 1 < len(sharing) else None
    nums: set[int] = set()
    start, end = max(_when(doc), 1), (_when(after) - 1 if after is not None else 99_999_999)
    if start <= end:
        nums |= _citing(engine, [f"{key}@"], clearance, dated=(start, end))
    if after is None:
        nums |= _citing(engine, [f"{key}@"], clearance, dated=(0, 0))
    return nums


def _citing(
    engine: SearchEngine,
    values: list[str],
    clearance: Secrecy,
    *,
    dated: tuple[int, int] | None = None,
) -> set[int]:
    """Visible documents holding one of ``values`` in ``cited_at`` (dated within ``dated``)."""
    within = None
    if dated is not None:
        within = tantivy.Query.range_query(
            engine.index.schema, "date_key", tantivy.FieldType.Integer, *dated
        )
    return set(engine.visible_nums(CITED_AT_FIELD, values, clearance, within=within))


def _sharing(
    engine: SearchEngine, keys: Iterable[str], clearance: Secrecy
) -> dict[str, list[StoredDocument]]:
    """The documents and records visible at ``clearance`` bearing each symbol of ``keys``."""
    nums = engine.visible_nums("symbol", sorted(keys), clearance)
    found = engine.catalog.documents_by_num(nums)
    by_key: dict[str, list[StoredDocument]] = defaultdict(list)
    for other in found.values():
        by_key[symbol_key(other.meta.symbol)].append(other)
    return by_key


def _latest(documents: Sequence[StoredDocument]) -> int | None:
    return max(documents, key=_order).num if documents else None


def _order(doc: StoredDocument) -> tuple[int, bool, int]:
    """Later dates last; at one date a document after a record, then by number."""
    return _when(doc), doc.kind == "document", doc.num


def _num(doc: StoredDocument | None) -> int | None:
    return doc.num if doc is not None else None


def _when(doc: StoredDocument) -> int:
    return date_key(doc.meta.date, doc.meta.year)


def _ref(doc: StoredDocument) -> DocumentRef:
    return DocumentRef(doc.meta.symbol, doc.id, doc.meta.title, doc.meta.date)
