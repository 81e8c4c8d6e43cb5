"""Parsed queries and filters turned into tantivy queries over the two spellings."""

from __future__ import annotations

from collections.abc import Sequence

import tantivy

from archive_search.models import SearchQuery
from archive_search.query import Clause, ClauseKind, ParsedQuery
from index.analysis import fold, has_diacritics
from index.search_index import LEVEL_DOCUMENT, LEVEL_PAGE, symbol_key

Occur = tantivy.Occur
Query = tantivy.Query
# (field, boost) searched at document level; the page level has the body fields only.
_EXACT_BOOST = 1.5
_TITLE_BOOST = 2.0
_SYMBOL_BOOST = 5.0


class QueryCompiler:
    """Builds tantivy queries for one schema."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self.schema = schema

    def _fields(self, level: str) -> list[tuple[str, float]]:
        body = [("body", 1.0)]
        return [*body, ("title", _TITLE_BOOST)] if level == LEVEL_DOCUMENT else body

    def _either_spelling(self, words: Sequence[str], level: str) -> Query:
        """Words (one, or a phrase) matched folded, and exactly (boosted) when typed with diacritics."""
        spellings = [("fold", [fold(word) for word in words], 1.0)]
        if any(has_diacritics(word) for word in words):
            spellings.append(("exact", list(words), _EXACT_BOOST))
        options = []
        for field, boost in self._fields(level):
            for suffix, forms, spelling_boost in spellings:
                name = f"{field}_{suffix}"
                phrase: list[str | tuple[int, str]] = list(forms)
                query = (
                    Query.term_query(self.schema, name, forms[0])
                    if len(forms) == 1
                    else Query.phrase_query(self.schema, name, phrase)
                )
                options.append((Occur.Should, Query.boost_query(query, boost * spelling_boost)))
        return Query.boolean_query(options)

    def _clause(self, clause: Clause, level: str) -> Query:
        if clause.kind is not ClauseKind.SYMBOL:
            return self._either_spelling(clause.terms, level)
        in_text = self._either_spelling(clause.terms, level)
        if level == LEVEL_PAGE:
            return in_text
        keyword = Query.term_query(self.schema, "symbol", symbol_key(clause.text))
        return Query.boolean_query(
            [(Occur.Should, Query.boost_query(keyword, _SYMBOL_BOOST)), (Occur.Should, in_text)]
        )

    def text(self, parsed: ParsedQuery, level: str) -> Query | None:
        """The query's words at ``level``; None when it has no positive clause."""
        if not parsed.positive:
            return None
        parts = [(Occur.Must, self._clause(clause, level)) for clause in parsed.positive]
        parts += [(Occur.MustNot, self._clause(clause, level)) for clause in parsed.negative]
        return Query.boolean_query(parts)

    def filters(self, query: SearchQuery, *, without: str | None = None) -> list[Query]:
        """Filters of ``query`` (secrecy always), leaving out facet ``without``."""
        filters = [
            Query.term_set_query(self.schema, "secrecy", [s.value for s in query.clearance.visible()])
        ]
        if query.fond and without != "fond":
            filters.append(Query.term_set_query(self.schema, "fond", list(query.fond)))
        if query.doc_type and without != "doc_type":
            filters.append(Query.term_set_query(self.schema, "doc_type", list(query.doc_type)))
        if query.year and without != "year":
            ranges = [
                Query.range_query(self.schema, "year", tantivy.FieldType.Integer, r.start, r.end)
                for r in query.year
            ]
            filters.append(Query.boolean_query([(Occur.Should, r) for r in ranges]))
        return filters

    def combine(self, level: str, text: Query | None, filters: Sequence[Query]) -> Query:
        parts = [(Occur.Must, Query.term_query(self.schema, "level", level))]
        if text is not None:
            parts.append((Occur.Must, text))
        parts += [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
        return Query.boolean_query(parts)
