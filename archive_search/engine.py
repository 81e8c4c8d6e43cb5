"""Running a search: ranked documents, exact total, facet counts, page hits with snippets."""

from __future__ import annotations

import threading
from collections import defaultdict

import tantivy

from archive_search.compile import QueryCompiler
from archive_search.models import FacetCount, Hit, PageHit, SearchQuery, SearchResults
from archive_search.query import ParsedQuery, parse_query
from archive_search.snippets import snippet
from index.analysis import fold
from index.catalog import Catalog
from index.errors import QueryError
from index.records import StoredDocument
from index.search_index import LEVEL_DOCUMENT, LEVEL_PAGE, SearchIndex

FACETS = ("fond", "year", "doc_type")
_PAGES_SCANNED_PER_HIT = 200


class SearchEngine:
    """Searches one archive; safe to share between threads."""

    def __init__(self, catalog: Catalog, index: SearchIndex) -> None:
        self.catalog, self.index = catalog, index
        self.compiler = QueryCompiler(index.schema)
        self._lock = threading.Lock()

    def search(self, query: SearchQuery) -> SearchResults:
        parsed = parse_query(query.text)
        searcher = self.index.searcher()
        text = self.compiler.text(parsed, LEVEL_DOCUMENT)
        main = self.compiler.combine(LEVEL_DOCUMENT, text, self.compiler.filters(query))
        try:
            found = self._ranked(searcher, main, query)
        except ValueError as exc:
            raise QueryError(f"search failed: {exc}") from exc
        nums = _ints(searcher.fast_field_values("num", [address for _, address in found.hits]))
        scores = [float(key) if query.sort == "relevance" else 0.0 for key, _ in found.hits]
        with self._lock:
            docs = self.catalog.documents_by_num(nums)
            pages = self._page_hits(searcher, parsed, nums, query)
        hits = tuple(
            _hit(docs[num], score, pages.get(num, ()))
            for num, score in zip(nums, scores, strict=True)
            if num in docs
        )
        facets = {name: self._facet(searcher, text, query, name) for name in FACETS}
        total = int(getattr(found, "count", None) or 0)
        return SearchResults(query.text, total, query.offset, hits, facets)

    def _ranked(self, searcher: tantivy.Searcher, main: tantivy.Query, query: SearchQuery) -> tantivy.SearchResult:
        if query.sort == "relevance":
            return searcher.search(main, query.limit, count=True, offset=query.offset)
        order = tantivy.Order.Desc if query.sort == "date" else tantivy.Order.Asc
        return searcher.search(
            main, query.limit, count=True, offset=query.offset, order_by_field="date_key", order=order
        )

    def _facet(
        self, searcher: tantivy.Searcher, text: tantivy.Query | None, query: SearchQuery, name: str
    ) -> tuple[FacetCount, ...]:
        scope = self.compiler.combine(LEVEL_DOCUMENT, text, self.compiler.filters(query, without=name))
        result = searcher.aggregate(scope, {name: {"terms": {"field": name, "size": 1000}}})
        buckets = result[name]["buckets"]
        counts = [FacetCount(str(b["key"]), int(b["doc_count"])) for b in buckets if str(b["key"])]
        return tuple(sorted(counts, key=lambda c: (-c.count, c.value)))

    def _page_hits(
        self, searcher: tantivy.Searcher, parsed: ParsedQuery, nums: list[int], query: SearchQuery
    ) -> dict[int, tuple[PageHit, ...]]:
        text = self.compiler.text(parsed, LEVEL_PAGE)
        if text is None or not nums or query.pages_per_hit == 0:
            return {}
        scope = [tantivy.Query.term_set_query(self.index.schema, "num", nums)]
        page_query = self.compiler.combine(LEVEL_PAGE, text, [*self.compiler.filters(query), *scope])
        found = searcher.search(page_query, len(nums) * _PAGES_SCANNED_PER_HIT, count=False)
        addresses = [address for _, address in found.hits]
        best: dict[int, list[int]] = defaultdict(list)
        for num, page in zip(
            _ints(searcher.fast_field_values("num", addresses)),
            _ints(searcher.fast_field_values("page", addresses)),
            strict=True,
        ):
            if len(best[num]) < query.pages_per_hit:
                best[num].append(page)
        folded = {fold(term) for clause in parsed.positive for term in clause.terms}
        return {num: self._snippets(num, sorted(pages), folded) for num, pages in best.items()}

    def _snippets(self, num: int, pages: list[int], folded: set[str]) -> tuple[PageHit, ...]:
        return tuple(
            PageHit(page.number, snippet(page.text, folded)) for page in self.catalog.pages(num, pages)
        )


def _ints(values: list[int | float | bool | None] | list[int | float | None]) -> list[int]:
    """Fast-field values as ints (every document has them; None would be an old segment)."""
    return [int(value or 0) for value in values]


def _hit(doc: StoredDocument, score: float, pages: tuple[PageHit, ...]) -> Hit:
    meta = doc.meta
    return Hit(
        id=doc.id, kind=doc.kind, title=meta.title, symbol=meta.symbol, doc_type=meta.doc_type,
        fond=meta.fond, year=meta.year, date=meta.date, issuer=meta.issuer, source=doc.source,
        score=round(score, 4), pages=pages,
    )
