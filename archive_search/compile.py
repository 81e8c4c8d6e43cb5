"""Parsed queries and filters turned into tantivy queries over the two spellings."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from functools import lru_cache

import tantivy

from archive_search.index.analysis import fold, has_diacritics, unmarked, y_or_i
from archive_search.index.doctypes import code_of_name
from archive_search.index.search_index import (
    LEVEL_PAGE,
    MATCH_FIELD,
    VISIBILITY_FIELD,
    visibility_term,
)
from archive_search.index.segment import candidate_compounds
from archive_search.index.symbols import symbol_key
from archive_search.models import SearchQuery, YearRange
from archive_search.query import (
    Meta,
    Node,
    Not,
    Or,
    ParsedQuery,
    Text,
    TextKind,
    Years,
    is_loose,
    loose_words,
    top_level,
)

Occur = tantivy.Occur
Query = tantivy.Query
Fields = Sequence[tuple[str, float]]
# A word typed with diacritics scores its exact spelling, and its look-alikes (the same letters
# with other marks, or none: OCR that lost them) at this share; a word typed without them scores
# every spelling in full. Each word then weighs the same, accented or not.
_LOOK_ALIKE_SHARE = 0.3
_TITLE_BOOST = 2.0
_SYMBOL_BOOST = 5.0
_COMPOUND_BOOST = 1.0
_PAIR_BOOST = 1.0  # two adjacent query words adjacent in the text (a phrase of two)
# Constant scores that put tiers above any BM25 sum: documents with every word first, and among
# them those with every word spelled as typed (diacritics), then the rest.
EVERY_WORD_TIER = 20_000.0
AS_TYPED_TIER = 10_000.0
# A relaxed query of this many words at most (besides common ones) lists the documents holding
# them all first; a longer one ranks by score alone, which ranks better (docs/ranking.md).
TIERED_AT_MOST = 4
# A query of this many plain words or more (a sentence, a headline, a question) is always relaxed,
# and ranked by score alone: its documents with every uncommon word are often texts that merely
# use its words (docs/ranking.md).
LONG_QUERY = 8
VERBATIM_FROM = 24  # query words in order, word for word: a pasted passage (docs/ranking.md)
VERBATIM_TIER = 10_000.0
_YEARS_AT_MOST = 500  # years of a range searched one by one (a wider one reads the year column)
# Filters a facet leaves out when it is counted (secrecy ≤ clearance always stays).
FILTER_FACETS = ("fond", "doc_type", "issuer", "year")
# Raw fields whose typed values are resolved to the index's spelling (``resolve_values``).
RESOLVED_FIELDS = ("fond", "doc_type", "issuer")


class QueryCompiler:
    """Builds tantivy queries for one schema.

    With ``ranking=False`` a query selects the same entries without the clauses that only score them
    (exact spellings, compound words): what counting facets needs, at a fraction of the postings
    read. With ``exact=True`` every word matches only as typed, diacritics included (the exact
    fields alone). With ``marked=True`` (a query typed with diacritics) every word ranks documents
    holding it as typed first, even one without marks: whoever types ``xe`` among accented words
    means ``xe``, not ``xé``.
    """

    def __init__(
        self,
        schema: tantivy.Schema,
        *,
        ranking: bool = True,
        exact: bool = False,
        marked: bool = False,
    ) -> None:
        self.schema = schema
        self.ranking = ranking
        self.exact = exact
        self.marked = marked and ranking and not exact
        # What a query excludes is never scored: its folded spelling alone selects every entry its
        # exact one would (a phrase's exact variant doubled the cost of excluding it).
        self._excluding = QueryCompiler(schema, ranking=False, exact=exact) if ranking else self

    def word_or_phrase(self, words: Sequence[str], fields: Fields, pages_of: Query | None) -> Query:
        """The clause for one word or a phrase: folded in every field, and exactly when accented.

        The exact spelling, boosted, is searched when the words are typed with diacritics. The one
        place text words become tantivy queries.
        """

        def build(name: str, forms: list[str]) -> Query:
            if len(forms) == 1:
                return Query.term_query(self.schema, name, forms[0])
            return Query.phrase_query(self.schema, name, list[str | tuple[int, str]](forms))

        return self._each_spelling(words, fields, build, pages_of)

    def compounds(self, words: Sequence[str]) -> Query | None:
        """Ranking only: adjacent query words that the documents' segmentation made one word.

        ``cong nghe`` → ``cong_nghe``. Candidates absent from the index match nothing.
        """
        if len(words) < 2 or not self.ranking:
            return None
        options = []
        for suffix, forms, boost in _spellings(words, as_typed=self.exact, marked=self.marked):
            for candidate in candidate_compounds(forms):
                query = Query.term_query(self.schema, f"words_{suffix}", candidate)
                options.append((Occur.Should, Query.boost_query(query, boost * _COMPOUND_BOOST)))
        return Query.boolean_query(options)

    def prefix(self, words: Sequence[str], fields: Fields, pages_of: Query | None) -> Query:
        """Words whose last one is a prefix (``cong ngh*``), in both spellings."""

        def build(name: str, forms: list[str]) -> Query:
            if len(forms) == 1:
                start = _regex_escape(forms[0])
                if name.endswith("_fold") and y_or_i(forms[0]):  # ``ky*``: ``kỳ``, ``kyoto``
                    start = start[:-1] + "[iy]"
                return Query.regex_query(self.schema, name, start + ".*")
            return Query.phrase_prefix_query(self.schema, name, list[str | tuple[int, str]](forms))

        return self._each_spelling(words, fields, build, pages_of)

    def _each_spelling(
        self,
        words: Sequence[str],
        fields: Fields,
        build: Callable[[str, list[str]], Query],
        pages_of: Query | None,
    ) -> Query:
        """SHOULD of ``build(field_spelling, forms)`` for each field and each spelling of ``words``.

        Spellings are folded, and exact too when typed with diacritics; each is boosted by field and
        spelling.
        """
        options = []
        for suffix, forms, boost in _spellings(
            words, exact=self.ranking, as_typed=self.exact, marked=self.marked
        ):
            for field, field_boost in fields:
                query = _within(build(f"{field}_{suffix}", forms), pages_of)
                options.append((Occur.Should, Query.boost_query(query, boost * field_boost)))
        return options[0][1] if len(options) == 1 else Query.boolean_query(options)

    def _text(self, leaf: Text, pages_of: Query | None) -> Query:
        """A text leaf over documents, or (``pages_of``) over those pages."""
        if pages_of is not None:
            fields: Fields = [("page", 1.0)]
        elif leaf.title_only:
            fields = [("title", 1.0)]
        else:
            fields = [("body", 1.0), ("title", _TITLE_BOOST)]
        if leaf.kind is TextKind.PREFIX:
            return self.prefix(leaf.terms, fields, pages_of)
        one_word = leaf.kind is TextKind.WORD and len(leaf.terms) == 1 and not leaf.title_only
        if one_word and not self.ranking and not self.exact and pages_of is None:
            return self._selecting(leaf.terms[0])
        in_text = self.word_or_phrase(leaf.terms, fields, pages_of)
        if pages_of is not None:
            return in_text
        if leaf.kind is TextKind.PHRASE and not leaf.title_only:
            ranking = self.compounds(leaf.terms)
            if ranking is not None:
                return Query.boolean_query([(Occur.Must, in_text), (Occur.Should, ranking)])
        if leaf.kind is not TextKind.SYMBOL:
            return in_text
        keyword = Query.term_query(self.schema, "symbol", symbol_key(leaf.text))
        return Query.boolean_query(
            [(Occur.Should, Query.boost_query(keyword, _SYMBOL_BOOST)), (Occur.Should, in_text)]
        )

    def _selecting(self, word: str) -> Query:
        """Unscored: the documents holding ``word`` in title or body.

        One posting list is read, where the union of the two fields would be read whole.
        """
        return Query.term_query(self.schema, MATCH_FIELD, _folded(word))

    def _node(self, node: Node, pages_of: Query | None) -> Query:
        """``node`` over documents or the pages ``pages_of`` selects, scoped at every leaf.

        tantivy's unions seek by refilling a window of 4,096 entries, so a scope applied above them
        would make each seek read every leaf's postings there.
        """
        everything = pages_of if pages_of is not None else Query.all_query()
        if pages_of is not None and _not_on_pages(node):
            return everything
        if isinstance(node, Text):
            return self._text(node, pages_of)
        if isinstance(node, Meta):
            return Query.const_score_query(
                _within(any_of(self.schema, node.field, list(node.values)), pages_of), 0.0
            )
        if isinstance(node, Years):
            return Query.const_score_query(_within(self._years([node.range]), pages_of), 0.0)
        if isinstance(node, Not):
            excluded = self._excluding._node(node.node, pages_of)
            return Query.boolean_query([(Occur.Must, everything), (Occur.MustNot, excluded)])
        if isinstance(node, Or):
            return Query.boolean_query(
                [(Occur.Should, self._node(child, pages_of)) for child in node.nodes]
            )
        positive = [
            (Occur.Must, self._node(c, pages_of)) for c in node.nodes if not isinstance(c, Not)
        ]
        negative = [
            (Occur.MustNot, self._excluding._node(c.node, pages_of))
            for c in node.nodes
            if isinstance(c, Not)
        ]
        ranking = (
            []
            if pages_of is not None
            else [(Occur.Should, q) for q in self._compound_runs(node.nodes)]
        )
        return Query.boolean_query((positive or [(Occur.Must, everything)]) + negative + ranking)

    def _compound_runs(self, nodes: Sequence[Node]) -> list[Query]:
        """Compound clauses for each run of adjacent plain words and phrases of an AND."""
        runs: list[list[str]] = [[]]
        for child in nodes:
            if (
                isinstance(child, Text)
                and child.kind in (TextKind.WORD, TextKind.PHRASE)
                and not child.title_only
            ):
                runs[-1].extend(child.terms)
            elif runs[-1]:
                runs.append([])
        return [query for run in runs if (query := self.compounds(run)) is not None]

    def document(
        self,
        parsed: ParsedQuery,
        *,
        relaxed: bool = False,
        common: Collection[str] = (),
        pairs: bool = True,
    ) -> Query | None:
        """The whole query over documents; None when it is empty (browse by filters).

        ``relaxed``: the plain words of the top level need not all be there, only one of those not
        ``common`` (words most documents hold, which then only add to the score); every other
        clause stays as strict. Requiring more of them ranked worse (docs/ranking.md). Without
        ``pairs``, a relaxed query leaves its adjacent pairs to ``rescoring``.
        """
        if parsed.root is None:
            return None
        loose = loose_words(parsed.root)
        if not loose:
            return self._node(parsed.root, None)
        if not relaxed or len(loose) < 2:
            return self._words_root(parsed.root, loose, (), ())
        rare = [leaf for leaf in loose if leaf.terms[0] not in common] or list(loose)
        scored = [leaf for leaf in loose if leaf not in rare]
        tiered = len(loose) < LONG_QUERY
        return self._words_root(parsed.root, (), rare, scored, pairs=pairs, tiered=tiered)

    def rescoring(self, parsed: ParsedQuery) -> list[Query]:
        """What a relaxed ``document`` leaves to a rescoring: pairs, passages word for word."""
        if parsed.root is None or not self.ranking:
            return []
        runs = _runs(top_level(parsed.root))
        return self._pairs(runs) + self._verbatim(runs)

    def _words_root(
        self,
        root: Node,
        required: Sequence[Text],
        enough: Sequence[Text],
        scored: Sequence[Text],
        *,
        pairs: bool = True,
        tiered: bool = True,
    ) -> Query:
        """The top level of a query with plain words, its clauses and the ranking extras.

        Its other clauses are required (or excluded) as always; the ``required`` words each
        required, one of the ``enough`` ones (and none of those ``scored``); and, to rank, tiers
        (unless not ``tiered``), compounds and adjacent pairs.
        """
        children = top_level(root)
        clauses: list[tuple[Occur, Query]] = []
        for child in children:
            if isinstance(child, Not):
                clauses.append((Occur.MustNot, self._excluding._node(child.node, None)))
            elif not is_loose(child):
                clauses.append((Occur.Must, self._node(child, None)))
        clauses += [(Occur.Must, self._text(leaf, None)) for leaf in required]
        if enough:
            options = [(Occur.Should, self._text(leaf, None)) for leaf in enough]
            clauses.append((Occur.Must, Query.boolean_query(options)))  # any one of them
        if self.ranking:
            clauses += [(Occur.Should, self._text(leaf, None)) for leaf in scored]
            if not enough:  # compounds: no gain on relaxed queries (headlines, questions)
                clauses += [(Occur.Should, q) for q in self._compound_runs(children)]
            if tiered:
                clauses += [(Occur.Should, q) for q in self._tiers(required, enough)]
            if enough and pairs:  # see _pairs
                clauses += [(Occur.Should, q) for q in self._pairs(_runs(children))]
        return Query.boolean_query(clauses)

    def _tiers(self, required: Sequence[Text], enough: Sequence[Text]) -> list[Query]:
        """Constant scores above any BM25 sum for the documents with every word.

        Every word there (when some may be missing), and every word there with those typed with
        diacritics spelled as typed.
        """
        words = [leaf.terms[0] for leaf in (*required, *enough)]
        tiers = []
        every = EVERY_WORD_TIER if 1 < len(enough) <= TIERED_AT_MOST else 0.0
        if every:
            clauses = [(Occur.Must, self._selecting(word)) for word in words]
            tiers.append(Query.const_score_query(Query.boolean_query(clauses), every))
        if self.marked and AS_TYPED_TIER and (every or not enough):
            typed = [(Occur.Must, self._as_typed(word)) for word in words]
            tiers.append(Query.const_score_query(Query.boolean_query(typed), AS_TYPED_TIER + every))
        return tiers

    def _as_typed(self, word: str) -> Query:
        """Unscored: the documents holding ``word`` as typed."""
        options = [
            (Occur.Should, Query.term_query(self.schema, f"{field}_exact", word))
            for field in ("body", "title")
        ]
        return Query.boolean_query(options)

    def _pairs(self, runs: Sequence[Sequence[str]]) -> list[Query]:
        """Ranking only, in relaxed queries: each two adjacent query words adjacent in the body.

        As typed in a query with marks; their effect on ranking is in docs/ranking.md. Strict
        queries have compounds instead, at a fraction of the cost.
        """
        pairs = dict.fromkeys((run[i], run[i + 1]) for run in runs for i in range(len(run) - 1))
        return [
            Query.boost_query(
                Query.phrase_query(self.schema, "body_exact", list[str | tuple[int, str]](pair))
                if self.marked
                else self.word_or_phrase(pair, [("body", 1.0)], None),
                _PAIR_BOOST,
            )
            for pair in pairs
        ]

    def _verbatim(self, runs: Sequence[Sequence[str]]) -> list[Query]:
        """Ranking only: a document holding a whole run of ``VERBATIM_FROM`` query words in order.

        A pasted passage finds the text it was copied from above a near-copy lacking a word of it.
        """
        return [
            Query.const_score_query(
                Query.phrase_query(self.schema, "body_fold", [_folded(w) for w in run]),
                VERBATIM_TIER,
            )
            for run in runs
            if len(run) >= VERBATIM_FROM
        ]

    def _pages_of(self, nums: Sequence[int]) -> Query:
        """The page entries of the documents ``nums``, unscored."""
        documents = any_of(self.schema, "num", nums)
        pages = Query.term_query(self.schema, "level", LEVEL_PAGE)
        entries = Query.boolean_query([(Occur.Must, documents), (Occur.Must, pages)])
        return Query.const_score_query(entries, 0.0)

    def pages(self, parsed: ParsedQuery, nums: Sequence[int], *, whole: bool) -> Query | None:
        """Which pages of the documents ``nums`` matched; None when the query has no words.

        The ``whole`` query on one page, or else any of its positive words (when they are spread
        over pages). The documents passed the filters; their pages need none.
        """
        leaves = [leaf for leaf in parsed.positive_texts() if not leaf.title_only]
        if not leaves or parsed.root is None or not nums:
            return None
        pages_of = self._pages_of(nums)
        if whole:
            return self._node(parsed.root, pages_of)
        return Query.boolean_query([(Occur.Should, self._text(leaf, pages_of)) for leaf in leaves])

    def _years(self, ranges: Sequence[YearRange]) -> Query:
        """The entries of a year in ``ranges``: one term query per year of a closed range.

        The engine closes open ranges at the index's first and last years. A range query would read
        the year column instead, which is slower in a filtered search (docs/performance.md).
        """
        years = [
            year for r in ranges if _enumerable(r) for year in range(r.start or 0, (r.end or 0) + 1)
        ]
        queries = [Query.term_query(self.schema, "year", year) for year in dict.fromkeys(years)]
        queries += [
            Query.range_query(self.schema, "year", tantivy.FieldType.Integer, r.start, r.end)
            for r in ranges
            if not _enumerable(r)
        ]
        return (
            queries[0]
            if len(queries) == 1
            else Query.boolean_query([(Occur.Should, q) for q in queries])
        )

    def filters(
        self, query: SearchQuery, *, without: str | None = None, part: int | None = None
    ) -> list[Query]:
        """Filters of ``query``, leaving out facet ``without``.

        The first, always there, selects the documents (not pages) that the query's clearance may
        see (in one ``part`` of the index, when given).
        """
        filters = [
            Query.term_query(
                self.schema, VISIBILITY_FIELD, visibility_term(query.clearance.value, part)
            )
        ]
        for name, values in (
            ("fond", query.fond),
            ("doc_type", query.doc_type),
            ("issuer", query.issuer),
        ):
            if values and without != name:
                filters.append(any_of(self.schema, name, list(values)))
        if query.cites and without != "cites":
            filters.append(any_of(self.schema, "cites", [symbol_key(s) for s in query.cites]))
        if query.year and without != "year":
            filters.append(self._years(query.year))
        return filters

    def documents(self, text: Query | None, filters: Sequence[Query]) -> Query:
        """``text`` under ``filters`` (from ``filters()``, whose first leaves out pages)."""
        parts = [] if text is None else [(Occur.Must, text)]
        parts += [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
        return Query.boolean_query(parts)


def _runs(nodes: Sequence[Node]) -> list[list[str]]:
    """The query's plain words in runs: a phrase, symbol or other clause between them ends one."""
    runs: list[list[str]] = [[]]
    for child in nodes:
        if isinstance(child, Text) and child.kind is TextKind.WORD and not child.title_only:
            runs[-1].extend(child.terms)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def marked(parsed: ParsedQuery) -> bool:
    """Whether the query's words were typed with diacritics (any of them)."""
    return any(_accented(term) for leaf in parsed.positive_texts() for term in leaf.terms)


def resolve_values(field: str, typed: Sequence[str], stored: Sequence[str]) -> tuple[str, ...]:
    """The values the index holds that ``typed`` filter values name, as archivists type them.

    ``tu`` is ``TU``, ``thu-pt`` is ``ThU-PT``, ``QD`` is ``QĐ``, ``nghị quyết`` is ``NQ``. Each
    typed value takes the closest spelling that exists: as typed, then (a type) by name, then
    whatever the case, then without diacritics too (so ``CT`` never also means ``CTr``, nor ``ĐU`` a
    ``DU``). A value naming nothing stays as typed, and matches nothing.
    """
    resolved: list[str] = []
    for value in typed:
        resolved += _closest(field, value, stored)
    return tuple(dict.fromkeys(resolved))


def _closest(field: str, value: str, stored: Sequence[str]) -> list[str]:
    if value in stored:
        return [value]
    named = code_of_name(value) if field == "doc_type" else None
    if named is not None and named in stored:
        return [named]
    for key in (str.lower, _plain_value):
        same = [candidate for candidate in stored if key(candidate) == key(value)]
        if same:
            return same
    return [value]


def _plain_value(value: str) -> str:
    return " ".join(unmarked(value).split())


def any_of(schema: tantivy.Schema, field: str, values: Sequence[str | int]) -> Query:
    """Documents whose ``field`` holds one of ``values``.

    Term queries, not ``term_set_query``, which fills a bitset of the whole index on every search
    where a posting list is read lazily and skipped through (docs/performance.md).
    """
    terms = [Query.term_query(schema, field, value) for value in dict.fromkeys(values)]
    return (
        terms[0]
        if len(terms) == 1
        else Query.boolean_query([(Occur.Should, term) for term in terms])
    )  # [] : none


def _enumerable(years: YearRange) -> bool:
    """Whether a year range is closed, and short enough to search year by year."""
    return (
        years.start is not None
        and years.end is not None
        and years.end - years.start < _YEARS_AT_MOST
    )


def _within(query: Query, pages_of: Query | None) -> Query:
    """``query`` restricted to the entries ``pages_of`` selects (when given)."""
    return (
        query
        if pages_of is None
        else Query.boolean_query([(Occur.Must, pages_of), (Occur.Must, query)])
    )


def _not_on_pages(node: Node) -> bool:
    """Title words and citations are indexed per document only: pages ignore them."""
    return (isinstance(node, Text) and node.title_only) or (
        isinstance(node, Meta) and node.field == "cites"
    )


def _spellings(
    words: Sequence[str], *, exact: bool = True, as_typed: bool = False, marked: bool = False
) -> list[tuple[str, list[str], float]]:
    """(field suffix, forms, boost) of each spelling of ``words`` to search.

    Folded always; exact too when typed with diacritics or in a ``marked`` query (and ``exact``): an
    entry holding the exact spelling holds the folded one, so only ranking needs it. ``as_typed``:
    the exact spelling alone, whatever the words hold.
    """
    if as_typed:
        return [("exact", list(words), 1.0)]
    folded = [_folded(word) for word in words]
    if not (exact and (marked or any(_accented(word) for word in words))):
        return [("fold", folded, 1.0)]
    return [("fold", folded, _LOOK_ALIKE_SHARE), ("exact", list(words), 1.0 - _LOOK_ALIKE_SHARE)]


# A query's words are folded and checked for diacritics several times as it is compiled (each
# clause, compound and spelling): the words of an archive's searches are few, so once each.
_folded = lru_cache(maxsize=16_384)(fold)
_accented = lru_cache(maxsize=16_384)(has_diacritics)


def _regex_escape(term: str) -> str:
    """A term as a literal in tantivy's regex syntax (terms are letters and digits already)."""
    return "".join(ch if ch.isalnum() else f"\\{ch}" if ch.isascii() else ch for ch in term)
