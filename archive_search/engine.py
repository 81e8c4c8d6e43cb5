"""Running a search: ranked documents, exact total, facet counts, page hits with snippets."""

from __future__ import annotations

import dataclasses
import itertools
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache, partial
from typing import Any, TypeVar

import tantivy

from archive_search.compile import (
    FILTER_FACETS,
    LONG_QUERY,
    RESOLVED_FIELDS,
    QueryCompiler,
    any_of,
    marked,
    resolve_values,
)
from archive_search.facets import FACETS, Aggregations, Counts, counts_of, in_order, summed
from archive_search.hits import make_hit, needles_for, snippets
from archive_search.index.analysis import fold, folded_field, terms
from archive_search.index.catalog import Catalog
from archive_search.index.errors import NotFoundError, QueryError
from archive_search.index.records import Secrecy, StoredDocument
from archive_search.index.search_index import LEVEL_DOCUMENT, MATCH_FIELD, PARTS, SearchIndex
from archive_search.models import (
    Hit,
    SearchQuery,
    SearchResults,
    YearRange,
)
from archive_search.query import (
    Meta,
    ParsedQuery,
    QuerySyntaxError,
    has_phrase,
    loose_words,
    loosened,
    parse_query,
    plain_words,
    query_words,
)
from archive_search.snippets import Needles, heading

_PAGES_SCANNED_PER_HIT = 200
_EXPORT_BATCH = 500
_NUMS_BATCH = 1_000  # documents read at a time by visible_nums
# A search whose every plain word finds fewer documents than this is run again relaxed: documents
# with most of the words follow those with all of them.
RELAX_BELOW = 10
_WORDS_PER_SEARCH = 20  # sums of distinct powers of two below 2**24 are exact in a float32
RELAX_FROM_WORDS = 4  # shorter queries are relaxed only when nothing has every word
# A word in more than this share of the documents is common (function words: của, và, là, được).
COMMON_SHARE = 0.5
# A relaxed search ranks this many hits by their words, then adds their pairs' and passages' scores
# (docs/ranking.md): phrase queries over every document holding a word cost more than the rest.
RESCORED = 30
# The words `similar` looks for: a document's own names and figures, not only its subject's.
SIMILAR_WORDS = 80
RECORD = "record"  # the kind of a catalogue record: a title, no text
_SPLIT_AT_MOST = 1_000  # hits (offset + limit) of a search ranked in parts, on two threads
T = TypeVar("T")
# A ranked hit: its score or sort key, the rank of its level, its address in that level's index.
Ranking = tuple[Any, int, tantivy.DocAddress]
Ranked = tuple[list[Ranking], int]  # a page of hits, and the total
Searchers = list[tuple[Secrecy, tantivy.Searcher]]


@dataclasses.dataclass(frozen=True, slots=True)
class _Slice:
    """What one thread ranks of a search: a level's index, or one part of it."""

    level: Secrecy
    searcher: tantivy.Searcher
    part: int | None = None


class SearchEngine:
    """Searches one archive; safe to share between threads (one searcher per call).

    A reader at a clearance searches the index of each level up to it, and no other: its hits
    are scored and ordered by the statistics of those documents alone. A search uses two
    threads, as tantivy releases the GIL while it searches: the slices to rank (the public
    index's two parts, each secret level's index) are shared between them, then the facet
    thread counts facets while the main thread reads the hits' pages and cuts their snippets.
    A search with filters has several aggregations; those not yet started when the hits are
    ready, the main thread runs."""

    def __init__(self, catalog: Catalog, index: SearchIndex) -> None:
        self.catalog, self.index = catalog, index
        self.compiler = QueryCompiler(index.schema)
        self.marked_compiler = QueryCompiler(index.schema, marked=True)  # typed with diacritics
        self.matcher = QueryCompiler(index.schema, ranking=False)  # the same documents, unscored
        self.exact_compiler = QueryCompiler(index.schema, exact=True)  # words only as typed
        self.exact_matcher = QueryCompiler(index.schema, ranking=False, exact=True)
        self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="archive-search")

    def close(self) -> None:
        self._threads.shutdown(wait=True)

    def _submit(self, work: Callable[[], None]) -> Future[None]:
        """Run ``work`` on the engine's thread, or here when the engine is closed.

        The engine is closed when a search began before ``Archive`` replaced it.
        """
        try:
            return self._threads.submit(work)
        except RuntimeError:
            done: Future[None] = Future()
            work()
            done.set_result(None)
            return done

    def search(self, query: SearchQuery) -> SearchResults:
        parsed, warning = parse(query)
        results = self._search(query, parsed, warning)
        loose = None if results.total else self._loosened(query, parsed)
        if loose is None:
            return results
        again = self._search(query, loose, warning)
        return dataclasses.replace(again, loosened=True) if again.total else results

    @staticmethod
    def _loosened(query: SearchQuery, parsed: ParsedQuery) -> ParsedQuery | None:
        """What a query that matched nothing is searched as: its phrases and symbols as words.

        A pasted sentence or a title remembered with quotes, when that gives ``RELAX_FROM_WORDS``
        plain words or more; a quoted passage alone, of ``LONG_QUERY`` words or more (a shorter
        phrase alone is searched for as such). Never with ``all_words``, nor a symbol alone (a
        document's number names that document).
        """
        if query.all_words or parsed.root is None:
            return None
        words = loose_words(parsed.root)
        if not words and not has_phrase(parsed.root):
            return None
        loose = loosened(parsed)
        if loose is None or loose.root is None:
            return None
        enough = RELAX_FROM_WORDS if words else LONG_QUERY
        return loose if len(loose_words(loose.root)) >= enough else None

    def _search(
        self, query: SearchQuery, parsed: ParsedQuery, warning: str | None
    ) -> SearchResults:
        searchers = self.index.searchers(query.clearance)
        query, parsed = self._resolved(searchers, query, parsed)
        below = self._relax_below(query, parsed)
        # A long query is counted first (unscored, an intersection), then searched once.
        strict_total = self._strict_total(searchers, query, parsed) if below > 1 else None
        relaxed = strict_total is not None and strict_total < below
        (ranked, total), counting, aggregations = self._searched(searchers, query, parsed, relaxed)
        if not relaxed and total < below:  # a short query only when nothing has every word
            aggregations.abandon()  # the strict query's facets: those of the relaxed one instead
            _compiled(counting.result)
            strict_total, relaxed = total, True
            (ranked, total), counting, aggregations = self._searched(searchers, query, parsed, True)
        relaxed = relaxed and total > (strict_total or 0)
        hits = self._hits(searchers, ranked, parsed, query, relaxed=relaxed)
        _compiled(aggregations.run)  # what the facet thread has not started yet
        if not counting.cancel():  # cancelled: the facet thread never started, nothing to wait for
            _compiled(counting.result)
        warning = (
            "; ".join(filter(None, [warning, _above_clearance(parsed, query.clearance)])) or None
        )
        facets = in_order(aggregations.counts())
        return SearchResults(
            query.text,
            total,
            query.offset,
            hits,
            facets,
            warning,
            exact=query.exact,
            relaxed=relaxed,
            words=query_words(parsed.root),
        )

    def _searched(
        self, searchers: Searchers, query: SearchQuery, parsed: ParsedQuery, relaxed: bool
    ) -> tuple[Ranked, Future[None], Aggregations]:
        """The page of ranked hits and the exact total, strict or ``relaxed``.

        The facet thread counts the same documents meanwhile.
        """
        text, rescoring, common = self._scored(searchers, query, parsed, relaxed)
        # Compiled by the first aggregation, on the facet thread, while this one ranks.
        matching = cache(
            lambda: self._compiler(query, ranking=False).document(
                parsed, relaxed=relaxed, common=common
            )
        )
        aggregations = Aggregations(self._aggregations(searchers, matching, query))
        if not rescoring:
            ranked, counting = self._rank_and_count(searchers, text, query, aggregations)
            return ranked, counting, aggregations
        deep = max(RESCORED, query.offset + query.limit)
        first = dataclasses.replace(query, offset=0, limit=deep)
        (top, total), counting = self._rank_and_count(searchers, text, first, aggregations)
        page = self._rescored(searchers, top, rescoring)[query.offset : query.offset + query.limit]
        return (page, total), counting, aggregations

    def _scored(
        self, searchers: Searchers, query: SearchQuery, parsed: ParsedQuery, relaxed: bool
    ) -> tuple[tantivy.Query | None, list[tantivy.Query], frozenset[str]]:
        """The scored query of ``parsed``, what it leaves to ``_rescored``, its common words.

        A relaxed search by relevance leaves its pairs and passages out of the query, to rescore
        its first hits.
        """
        common = self._common(searchers, parsed) if relaxed else frozenset()
        compiler = self._compiler(query, parsed=parsed)
        by_relevance = relaxed and query.sort == "relevance"
        later = _compiled(lambda: compiler.rescoring(parsed)) if by_relevance else []
        text = _compiled(
            lambda: compiler.document(parsed, relaxed=relaxed, common=common, pairs=not later)
        )
        return text, later, common

    def _among(self, nums: list[int]) -> tantivy.Query:
        """The entries of the documents ``nums`` (and of their pages), unscored."""
        return tantivy.Query.const_score_query(any_of(self.index.schema, "num", nums), 0.0)

    def _rescored(
        self,
        searchers: Searchers,
        top: list[Ranking],
        rescoring: list[tantivy.Query],
    ) -> list[Ranking]:
        """``top`` with its first ``RESCORED`` hits ordered by their score plus ``rescoring``'s.

        The window is the same whatever page is asked for, so pages follow one order.

        Each query is matched within those hits alone (an intersection led by them): a union of the
        pairs would read their postings through the whole index.
        """
        top, rest = top[:RESCORED], top[RESCORED:]
        by_rank = {level.rank: searcher for level, searcher in searchers}
        nums = _nums(by_rank, top)
        extra: dict[tuple[int, int], float] = {}
        for rank, searcher in by_rank.items():
            mine = [num for num, (_, level, _) in zip(nums, top, strict=True) if level == rank]
            if not mine:
                continue
            within = self._among(mine)  # they match document fields: pages never match
            which = tantivy.Query.boolean_query(
                [
                    (
                        tantivy.Occur.Should,
                        tantivy.Query.boolean_query(
                            [(tantivy.Occur.Must, within), (tantivy.Occur.Must, extra)]
                        ),
                    )
                    for extra in rescoring
                ]
            )
            found = _compiled(partial(searcher.search, which, len(mine), count=False))
            held = _ints(searcher.fast_field_values("num", [a for _, a in found.hits]))
            extra |= {(rank, num): score for num, (score, _) in zip(held, found.hits, strict=True)}
        rescored = [
            (key + extra.get((level, num), 0.0), level, address)
            for (key, level, address), num in zip(top, nums, strict=True)
        ]
        rescored.sort(key=_ordered(-1))
        return rescored + rest

    def _common(self, searchers: Searchers, parsed: ParsedQuery) -> frozenset[str]:
        """The query's plain words that most documents the reader may see hold.

        Spelled as typed in a query with diacritics (where every word favours its spelling), else
        folded. Most documents with text hold it in their body, or most entries (catalogue records
        included, whose titles are all they hold) in title or body: the archive's records, three
        times its texts, would otherwise leave ``của`` uncommon and make ``hồ sơ`` common alone.

        A relaxed search lets them add to a document's score but not count towards the words it must
        hold.
        """
        if parsed.root is None:
            return frozenset()

        def held(field: str, term: str) -> int:
            return sum(searcher.doc_freq(field, term) for _, searcher in searchers)

        entries, texts = _entries_and_texts(searchers)
        words = {leaf.terms[0] for leaf in loose_words(parsed.root)}
        if marked(parsed):  # as typed: ``tù`` is rare where ``tu``, ``tư``, ``từ``… are common
            spelled = {word: ("body_exact", word, "title_exact") for word in words}
        else:
            spelled = {word: ("body_fold", fold(word), MATCH_FIELD) for word in words}

        def common(body: str, term: str, anywhere: str) -> bool:
            in_body = held(body, term)
            if in_body > COMMON_SHARE * texts:
                return True
            return max(in_body, held(anywhere, term)) > COMMON_SHARE * entries

        return frozenset(word for word, spelling in spelled.items() if common(*spelling))

    def _strict_total(self, searchers: Searchers, query: SearchQuery, parsed: ParsedQuery) -> int:
        """How many visible documents hold every word of ``parsed``, counted unscored.

        Words typed with diacritics count as typed: a long query with marks whose words only
        look-alikes hold is relaxed too (its effect on ranking is in docs/performance.md).
        """
        matcher = self.exact_matcher if marked(parsed) else self._compiler(query, ranking=False)
        matching = _compiled(lambda: matcher.document(parsed))
        return self._selected(searchers, self._documents(matching, query))

    @staticmethod
    def _relax_below(query: SearchQuery, parsed: ParsedQuery) -> int:
        """The strict total under which a search is relaxed (0: never).

        A query of two or three plain words is relaxed only when nothing has them all (short queries
        keep their precision), one of 4-7 under ``RELAX_BELOW``, a longer one always. Never with
        ``all_words``, nor with fewer than two plain words. Documents holding the words typed with
        diacritics only as look-alikes do not count as holding them.
        """
        words = 0 if query.all_words or parsed.root is None else len(loose_words(parsed.root))
        if words < 2:
            return 0
        if words >= LONG_QUERY:
            return sys.maxsize
        return 1 if words < RELAX_FROM_WORDS else RELAX_BELOW

    def iter_hits(self, query: SearchQuery) -> Iterator[Hit]:
        """Every hit of ``query`` from ``query.offset`` on, in batches over one searcher per level.

        A query that cannot run raises here, before the first hit is asked for (and an export's
        header is written).
        """
        parsed, _ = parse(query)
        searchers = self.index.searchers(query.clearance)
        query, parsed = self._resolved(searchers, query, parsed)
        relaxed, main, rescoring = self._selection(searchers, query, parsed)
        loose = self._loosened(query, parsed)
        if loose is not None and not self._selected(searchers, main):
            parsed = loose
            relaxed, main, rescoring = self._selection(searchers, query, parsed)
        return self._batches(searchers, main, parsed, query, relaxed, rescoring)

    def _selection(
        self, searchers: Searchers, query: SearchQuery, parsed: ParsedQuery
    ) -> tuple[bool, tantivy.Query, list[tantivy.Query]]:
        """Whether ``parsed`` is searched relaxed, the scored query of its documents, its rescoring.

        The rescoring, pairs and passages, as a search rescores its first hits (``_rescored``).
        """
        below = self._relax_below(query, parsed)
        relaxed = below > 0 and self._strict_total(searchers, query, parsed) < below
        text, rescoring, _ = self._scored(searchers, query, parsed, relaxed)
        return relaxed, self._documents(text, query), rescoring

    @staticmethod
    def _selected(searchers: Searchers, main: tantivy.Query) -> int:
        """How many documents ``main`` selects in the levels' indexes."""
        return sum(
            int(getattr(_compiled(partial(one.search, main, 1, count=True)), "count", 0) or 0)
            for _, one in searchers
        )

    def _batches(
        self,
        searchers: Searchers,
        main: tantivy.Query,
        parsed: ParsedQuery,
        query: SearchQuery,
        relaxed: bool,
        rescoring: list[tantivy.Query],
    ) -> Iterator[Hit]:
        slices = [_Slice(level, searcher) for level, searcher in searchers]
        for offset in itertools.count(query.offset, _EXPORT_BATCH):
            rescore = bool(rescoring) and offset < RESCORED  # the window a search rescores
            start = 0 if rescore else offset
            ranked, _ = _compiled(
                partial(
                    self._ranked_slices, slices, main, query, _EXPORT_BATCH + offset - start, start
                )
            )
            if rescore:
                ranked = self._rescored(searchers, ranked, rescoring)[offset:]
            yield from self._hits(searchers, ranked, parsed, query, relaxed=relaxed)
            if len(ranked) < _EXPORT_BATCH:
                return

    def _ranked_slices(
        self,
        slices: list[_Slice],
        main: tantivy.Query,
        query: SearchQuery,
        limit: int,
        offset: int,
    ) -> Ranked:
        """One page of hits of ``main`` over ``slices`` (each ranked whole), one after another."""
        if len(slices) == 1:
            return self._ranked(slices[0], main, query, limit, offset)
        top = offset + limit
        ranked = [self._ranked(one, main, query, top, 0) for one in slices]
        return _merged(ranked, query, offset, limit)

    def _rank_and_count(
        self,
        searchers: Searchers,
        text: tantivy.Query | None,
        query: SearchQuery,
        aggregations: Aggregations,
    ) -> tuple[Ranked, Future[None]]:
        """The page of hits ``query`` asks for, with the facet thread counting ``aggregations``.

        The slices are ranked on both threads (the facet thread ranks before it counts); their hits
        merged are in the order of one index holding each level's, level after level. A page deeper
        than ``_SPLIT_AT_MOST`` hits ranks each level whole (each part would rank as many).
        """
        top = query.offset + query.limit
        slices = _slices(searchers, split=top <= _SPLIT_AT_MOST)
        if len(slices) == 1:
            counting = self._submit(aggregations.run)
            main = self._documents(text, query)
            return _compiled(
                lambda: self._ranked(slices[0], main, query, query.limit, query.offset)
            ), counting
        jobs = [_Once(partial(self._ranked_part, one, text, query, top)) for one in slices]
        counting = self._submit(partial(_rank_then_count, jobs, aggregations.run))
        for job in jobs:  # those the facet thread has not started (busy with other searches), here
            _compiled(job.run)
        ranked = [_compiled(job.result.result) for job in jobs]
        return _merged(ranked, query, query.offset, query.limit), counting

    def _ranked_part(
        self, one: _Slice, text: tantivy.Query | None, query: SearchQuery, top: int
    ) -> Ranked:
        """The top hits of one slice, its query compiled by the thread that ranks it."""
        return self._ranked(one, self._documents(text, query, part=one.part), query, top, 0)

    def _resolved(
        self, searchers: Searchers, query: SearchQuery, parsed: ParsedQuery
    ) -> tuple[SearchQuery, ParsedQuery]:
        """``query`` and ``parsed`` with filter values spelled as the visible documents spell them.

        Fond, type and issuer values take the spelling of the documents the reader may see
        (``--fond tu``, ``loai:qd``: see ``resolve_values``), and open year ranges are closed at
        those documents' first or last year (``2015..``: see ``QueryCompiler._years``).
        """

        def resolved(field: str, values: tuple[str, ...]) -> tuple[str, ...]:
            return (
                resolve_values(field, values, self.index.values(searchers, field))
                if values
                else values
            )

        def closed(years: YearRange) -> YearRange:
            if years.start is not None and years.end is not None:
                return years
            span = self.index.year_span(searchers)
            return (
                years
                if span is None
                else YearRange(_or(years.start, span[0]), _or(years.end, span[1]))
            )

        typed = parsed.with_meta(
            lambda meta: Meta(meta.field, resolved(meta.field, meta.values)), RESOLVED_FIELDS
        )
        typed = typed.with_years(closed)
        if not (query.fond or query.doc_type or query.issuer or query.year):
            return query, typed
        query = dataclasses.replace(
            query,
            fond=resolved("fond", query.fond),
            doc_type=resolved("doc_type", query.doc_type),
            issuer=resolved("issuer", query.issuer),
            year=tuple(closed(years) for years in query.year),
        )
        return query, typed

    def _compiler(
        self, query: SearchQuery, *, ranking: bool = True, parsed: ParsedQuery | None = None
    ) -> QueryCompiler:
        """The compiler of ``query``'s words.

        Scored or not, as typed or accent-insensitive, and (to rank ``parsed`` typed with
        diacritics) favouring the spellings typed.
        """
        if query.exact:
            return self.exact_compiler if ranking else self.exact_matcher
        if not ranking:
            return self.matcher
        return self.marked_compiler if parsed is not None and marked(parsed) else self.compiler

    def _ranked(
        self,
        one: _Slice,
        main: tantivy.Query,
        query: SearchQuery,
        limit: int,
        offset: int,
    ) -> Ranked:
        """(score or sort key, level, address) of a page of hits of ``main`` in one slice.

        With the exact total there.
        """
        searcher = one.searcher
        if query.sort == "relevance":
            found = searcher.search(
                main, max(limit, 1), count=True, offset=offset
            )  # tantivy refuses 0
        else:
            order = tantivy.Order.Desc if query.sort == "date" else tantivy.Order.Asc
            found = searcher.search(
                main,
                max(limit, 1),
                count=True,
                offset=offset,
                order_by_field="date_key",
                order=order,
            )
        rank = one.level.rank
        hits = [(key, rank, address) for key, address in found.hits[:limit]]
        return hits, int(getattr(found, "count", None) or 0)

    def _hits(
        self,
        searchers: Searchers,
        ranked: list[Ranking],
        parsed: ParsedQuery,
        query: SearchQuery,
        *,
        relaxed: bool = False,
    ) -> tuple[Hit, ...]:
        by_rank = {level.rank: searcher for level, searcher in searchers}
        nums = _nums(by_rank, ranked)
        in_level = {
            rank: [num for num, (_, level, _) in zip(nums, ranked, strict=True) if level == rank]
            for rank in by_rank
        }
        matched: dict[int, int] = {}
        if relaxed:
            for rank, searcher in by_rank.items():
                matched |= self._matched(searcher, parsed, in_level[rank], query)
        every = query_words(parsed.root) or None
        scores = [float(key) if query.sort == "relevance" else 0.0 for key, _, _ in ranked]
        needles = needles_for(parsed, exact=query.exact)
        docs = self.catalog.summaries(nums)
        best: dict[int, list[int]] = {}
        for rank, searcher in by_rank.items():
            with_pages = [  # records have none
                num for num in in_level[rank] if num in docs and docs[num].kind == "document"
            ]
            best |= self._matching_pages(searcher, parsed, with_pages, query, relaxed=relaxed)
        untitled = [num for num in nums if num in docs and docs[num].kind == "document"]
        untitled = [num for num in untitled if not docs[num].title]
        texts = self.catalog.page_texts({**best, **{num: [1] for num in untitled}})
        headings = {num: heading(texts[num][0][1]) for num in untitled if num in texts}
        texts = {num: [(p, t) for p, t in texts[num] if p in best.get(num, ())] for num in texts}
        pages = {num: snippets(texts.get(num, []), needles) for num in best}
        return tuple(
            make_hit(
                docs[num],
                score,
                pages.get(num, ()),
                needles,
                matched.get(num, every),
                headings.get(num, ""),
            )
            for num, score in zip(nums, scores, strict=True)
            if num in docs
        )

    def _matched(
        self, searcher: tantivy.Searcher, parsed: ParsedQuery, nums: list[int], query: SearchQuery
    ) -> dict[int, int]:
        """How many of the query's words and other text clauses each document of ``nums`` holds.

        The other clauses always match. One search per ``_WORDS_PER_SEARCH`` plain words: the i-th
        scores 2**i where held, so each hit's score is the set of words it holds.
        """
        if parsed.root is None or not nums:
            return {}
        loose = loose_words(parsed.root)
        counts = dict.fromkeys(nums, query_words(parsed.root) - len(loose))
        compiler = self._compiler(query, ranking=False)
        among = self._among(nums)
        for start in range(0, len(loose), _WORDS_PER_SEARCH):
            held = [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.const_score_query(
                        compiler.document(ParsedQuery(leaf)) or among, float(2**bit)
                    ),
                )
                for bit, leaf in enumerate(loose[start : start + _WORDS_PER_SEARCH])
            ]
            words = tantivy.Query.boolean_query(held)
            which = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, among), (tantivy.Occur.Must, words)]
            )
            found = searcher.search(which, len(nums), count=False)
            addresses = [address for _, address in found.hits]
            values = _ints(searcher.fast_field_values("num", addresses))
            for num, (score, _) in zip(values, found.hits, strict=True):
                counts[num] += round(score).bit_count()
        return counts

    def _documents(
        self,
        matching: tantivy.Query | None,
        query: SearchQuery,
        *,
        without: str | None = None,
        part: int | None = None,
    ) -> tantivy.Query:
        """The documents ``matching`` selects under the query's filters, less ``without``.

        In one ``part`` of the index when given.
        """
        filters = self.compiler.filters(query, without=without, part=part)
        return self.compiler.documents(matching, filters)

    def _aggregations(
        self,
        searchers: Searchers,
        matching: Callable[[], tantivy.Query | None],
        query: SearchQuery,
    ) -> list[Callable[[], Counts]]:
        """The facet counts to make, each as a job that compiles its own scope on its thread.

        Each filtered facet is counted without its own filter (the widest scopes first), then every
        other facet in one aggregation; ``secrecy`` only for a reader cleared above public.
        """
        names = [*FACETS, "secrecy"] if query.clearance is not Secrecy.PUBLIC else list(FACETS)
        active = {name for name in FILTER_FACETS if getattr(query, name)}
        count = partial(self._count, searchers, matching, query)
        shared = [name for name in names if name not in active]
        return [
            *(partial(count, [name], without=name) for name in names if name in active),
            partial(count, shared),
        ]

    def _count(
        self,
        searchers: Searchers,
        matching: Callable[[], tantivy.Query | None],
        query: SearchQuery,
        names: list[str],
        *,
        without: str | None = None,
    ) -> Counts:
        """Document counts per value of the facets ``names``, summed over the levels' indexes.

        Under the query (what ``matching`` compiles), less ``without``.
        """
        if not names:
            return {}
        scope = self._documents(_compiled(matching), query, without=without)
        aggregations = {n: {"terms": {"field": n, "size": 10_000}} for n in names}
        results = [searcher.aggregate(scope, aggregations) for _, searcher in searchers]
        return {
            name: counts_of(summed([result[name]["buckets"] for result in results]))
            for name in names
        }

    def _matching_pages(
        self,
        searcher: tantivy.Searcher,
        parsed: ParsedQuery,
        nums: list[int],
        query: SearchQuery,
        *,
        relaxed: bool = False,
    ) -> dict[int, list[int]]:
        """The best pages of each document in ``nums``.

        Where the whole query matches on one page; else, and for a ``relaxed`` search (whose
        documents mostly lack some word), where any of its words does.
        """
        if not nums or query.pages_per_hit == 0:
            return {}
        best = {} if relaxed else self._best_pages(searcher, parsed, nums, query, whole=True)
        missing = [num for num in nums if num not in best]
        if missing:
            best |= self._best_pages(searcher, parsed, missing, query, whole=False)
        return best

    def _best_pages(
        self,
        searcher: tantivy.Searcher,
        parsed: ParsedQuery,
        nums: list[int],
        query: SearchQuery,
        *,
        whole: bool,
    ) -> dict[int, list[int]]:
        """The best-scoring pages of each document in ``nums`` (at most ``pages_per_hit``)."""
        page_query = _compiled(lambda: self._compiler(query).pages(parsed, nums, whole=whole))
        if page_query is None:
            return {}
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
        return dict(best)

    def similar(self, doc: StoredDocument, body: str, query: SearchQuery) -> SearchResults:
        """Documents like ``doc`` (more like this over the folded text), within the clearance.

        Its words are chosen in each level's index by that index's statistics, leaving out those
        more than half the documents with text the reader may see hold.
        """
        searchers = self.index.searchers(query.clearance)
        like = tantivy.Query.more_like_this_document_fields_query(
            self.index.schema,
            {"body_fold": [folded_field(body)]},
            min_doc_frequency=1,
            max_doc_frequency=max(1, int(COMMON_SHARE * _entries_and_texts(searchers)[1])),
            min_term_frequency=1,
            max_query_terms=SIMILAR_WORDS,
            min_word_length=2,
        )
        itself = tantivy.Query.term_query(self.index.schema, "num", doc.num)
        text = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, like), (tantivy.Occur.MustNot, itself)]
        )
        main = self.compiler.documents(text, self.compiler.filters(query))
        slices = [_Slice(level, searcher) for level, searcher in searchers]
        ranked, total = _compiled(
            lambda: self._ranked_slices(slices, main, query, query.limit, query.offset)
        )
        hits = self._hits(searchers, ranked, ParsedQuery(None), query)
        return SearchResults(query.text, total, query.offset, hits)

    def visible_nums(
        self,
        field: str,
        values: list[str],
        clearance: Secrecy,
        *,
        within: tantivy.Query | None = None,
    ) -> list[int]:
        """``num`` of each document visible at ``clearance`` with one of ``values`` in ``field``.

        Documents, not pages; only those ``within`` selects, when given; read in batches, as many as
        there are.
        """
        if not values:
            return []
        query = SearchQuery(text="", clearance=clearance)
        match = any_of(self.index.schema, field, values)
        if within is not None:
            match = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, match), (tantivy.Occur.Must, within)]
            )
        main = self.compiler.documents(match, self.compiler.filters(query))
        nums: list[int] = []
        for _, searcher in self.index.searchers(clearance):
            for offset in itertools.count(0, _NUMS_BATCH):
                found = searcher.search(main, _NUMS_BATCH, count=False, offset=offset)
                addresses = [address for _, address in found.hits]
                nums += _ints(searcher.fast_field_values("num", addresses))
                if len(found.hits) < _NUMS_BATCH:
                    break
        return nums

    def visible(self, doc_id: str, clearance: Secrecy) -> StoredDocument:
        """A document the reader may see; a hidden one is reported as not found."""
        stored = self.catalog.document_by_id(doc_id, clearance)
        if stored is None:
            raise NotFoundError(f"no document with id {doc_id!r}")
        return stored


def _entries_and_texts(searchers: Searchers) -> tuple[int, int]:
    """How many document entries the searchers hold, and of those the documents with text.

    The texts are the entries but the catalogue records.
    """
    entries = sum(searcher.doc_freq("level", LEVEL_DOCUMENT) for _, searcher in searchers)
    records = sum(searcher.doc_freq("kind", RECORD) for _, searcher in searchers)
    return entries, entries - records


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


class _Once:
    """Work that whichever thread comes first does, once; ``result`` holds what it gave."""

    def __init__(self, work: Callable[[], Ranked]) -> None:
        self._work = work
        self._lock = threading.Lock()
        self._claimed = False
        self.result: Future[Ranked] = Future()

    def run(self) -> None:
        with self._lock:
            if self._claimed:
                return
            self._claimed = True
        try:
            self.result.set_result(self._work())
        except BaseException as exc:  # raised where the result is read
            self.result.set_exception(exc)


def _rank_then_count(ranks: list[_Once], count: Callable[[], None]) -> None:
    """The facet thread's work: rank the slices the main thread has not started, then count."""
    for rank in ranks:
        rank.run()
    count()


def _slices(searchers: Searchers, *, split: bool) -> list[_Slice]:
    """What to rank of each level: the public index in its parts (``split``), others whole."""
    return [
        _Slice(level, searcher, part)
        for level, searcher in searchers
        for part in (range(PARTS) if split and level is Secrecy.PUBLIC else [None])
    ]


def _merged(parts: list[Ranked], query: SearchQuery, offset: int, limit: int) -> Ranked:
    """The ``limit`` hits from ``offset`` on, out of the top hits of each slice.

    They are ordered as tantivy orders an index's: by score or date (descending but for
    ``date-asc``, as ``query`` sorts), ties by level, then by address.
    """
    sign = 1 if query.sort == "date-asc" else -1
    hits = sorted((hit for found, _ in parts for hit in found), key=_ordered(sign))
    return hits[offset : offset + limit], sum(total for _, total in parts)


def _ordered(sign: int) -> Callable[[Ranking], tuple[Any, int, int, int]]:
    """The sort key of hits as one index orders them: key (times ``sign``), level, address."""
    return lambda hit: (sign * hit[0], hit[1], hit[2].segment_ord, hit[2].doc)


def _nums(by_rank: dict[int, tantivy.Searcher], ranked: list[Ranking]) -> list[int]:
    """The ``num`` of each ranked hit, read from its level's index."""
    found: dict[tuple[int, int, int], int] = {}
    for rank, searcher in by_rank.items():
        addresses = [address for _, level, address in ranked if level == rank]
        if addresses:
            values = _ints(searcher.fast_field_values("num", addresses))
            found |= {
                (rank, a.segment_ord, a.doc): num for a, num in zip(addresses, values, strict=True)
            }
    return [found[(level, a.segment_ord, a.doc)] for _, level, a in ranked]


def parse(query: SearchQuery) -> tuple[ParsedQuery, str | None]:
    """The parsed query, or (unless strict) its words alone with a warning saying why."""
    try:
        return parse_query(query.text), None
    except QuerySyntaxError as exc:
        if query.strict or not terms(query.text):
            raise
        return plain_words(query.text), f"{exc.message}; searched the words as plain text instead"


def _above_clearance(parsed: ParsedQuery, clearance: Secrecy) -> str | None:
    """What to say when the query asks for secrecy levels its clearance cannot see."""
    above = [
        value
        for meta in parsed.positive_meta()
        if meta.field == "secrecy"
        for value in meta.values
        if Secrecy(value).rank > clearance.rank
    ]
    if not above:
        return None
    levels = ", ".join(f"mat:{value}" for value in dict.fromkeys(above))
    return (
        f"{levels} is above the clearance {clearance.value}, so it matches nothing; "
        f"search with clearance {above[0]} or higher to see such documents"
    )


def _compiled(build: Callable[[], T]) -> T:
    """Tantivy refuses some queries with ValueError: make that a QueryError."""
    try:
        return build()
    except ValueError as exc:
        raise QueryError(f"the search index cannot run this query ({exc}): simplify it") from exc


def query_needles(text: str, *, exact: bool = False) -> Needles:
    """What highlights look for in a page for the query ``text``.

    That is its words not excluded, as snippets mark them; for a query that cannot be read, its
    plain words.
    """
    parsed, _ = parse(SearchQuery(text=text, exact=exact))
    return needles_for(parsed, exact=exact)


def _ints(values: list[int | float | bool | None] | list[int | float | None]) -> list[int]:
    """Fast-field values as ints (every document has them; None would be an old segment)."""
    return [int(value or 0) for value in values]
