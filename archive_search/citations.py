"""Citations between documents: the symbols a document's text cites (``Nghị quyết số 36-NQ/TW``),
resolved to the archive's documents, and the documents whose text cites it.

Symbols are extracted at index time into the ``cites`` field (``index.search_index.cited_symbols``);
both directions are looked up under the reader's clearance, so a hidden document is never named.
"""

from __future__ import annotations

from collections.abc import Sequence

from archive_search.engine import SearchEngine
from archive_search.models import DocumentRef
from index.records import PageText, Secrecy, StoredDocument
from index.search_index import cited_symbols, symbol_key


def cites(
    engine: SearchEngine, doc: StoredDocument, pages: Sequence[PageText], clearance: Secrecy
) -> tuple[DocumentRef, ...]:
    """What ``doc`` cites, in order of first mention; ``id`` empty when not in the archive."""
    printed = cited_symbols("\n".join(page.text for page in pages), doc.meta.symbol)
    nums = engine.visible_nums("symbol", list(printed), clearance)
    with engine.lock:
        found = engine.catalog.documents_by_num(nums)
    by_key = {symbol_key(other.meta.symbol): other for other in found.values()}
    return tuple(_ref(by_key[key]) if key in by_key else DocumentRef(shown) for key, shown in printed.items())


def cited_by(engine: SearchEngine, doc: StoredDocument, clearance: Secrecy) -> tuple[DocumentRef, ...]:
    """The visible documents whose text cites ``doc``'s symbol, oldest first."""
    if not doc.meta.symbol:
        return ()
    nums = engine.visible_nums("cites", [symbol_key(doc.meta.symbol)], clearance)
    with engine.lock:
        found = engine.catalog.documents_by_num(nums)
    refs = [_ref(other) for other in found.values() if other.num != doc.num]
    return tuple(sorted(refs, key=lambda ref: (ref.date, ref.symbol, ref.id)))


def _ref(doc: StoredDocument) -> DocumentRef:
    return DocumentRef(doc.meta.symbol, doc.id, doc.meta.title, doc.meta.date)
