"""The hits of a search as the results show them: the words to mark, snippets, ``Hit``."""

from __future__ import annotations

from functools import lru_cache

from archive_search.index.records import DocumentSummary
from archive_search.models import Hit, Match, PageHit
from archive_search.query import ParsedQuery, TextKind
from archive_search.snippets import Needles, cut


def needles_for(parsed: ParsedQuery, *, exact: bool = False) -> Needles:
    """What snippets mark for ``parsed``: its words not excluded, a prefix's last word as one."""
    leaves = parsed.positive_texts()
    words = [
        t
        for leaf in leaves
        for t in (leaf.terms[:-1] if leaf.kind is TextKind.PREFIX else leaf.terms)
    ]
    prefixes = frozenset(leaf.terms[-1] for leaf in leaves if leaf.kind is TextKind.PREFIX)
    return needles_of(frozenset(words), prefixes, exact)


@lru_cache(maxsize=256)
def needles_of(words: frozenset[str], prefixes: frozenset[str], exact: bool) -> Needles:
    """The needles of a query's words, cached: they are immutable and costly to build.

    A regex per word; the cost is in docs/performance.md.
    """
    return Needles(words, prefixes, exact)


def snippets(pages: list[tuple[int, str]], needles: Needles) -> tuple[PageHit, ...]:
    """Each page's snippet around the words ``needles`` mark."""
    hits = []
    for number, page in pages:
        text, match = cut(page, needles)
        hits.append(PageHit(number, text, match or "exact"))
    return tuple(hits)


def make_hit(
    doc: DocumentSummary,
    score: float,
    pages: tuple[PageHit, ...],
    needles: Needles,
    matched: int | None,
    first_line: str,
) -> Hit:
    """A hit as the results show it; ``first_line`` stands for a missing title."""
    return Hit(
        id=doc.id,
        kind=doc.kind,
        title=doc.title,
        symbol=doc.symbol,
        doc_type=doc.doc_type,
        fond=doc.fond,
        year=doc.year,
        date=doc.date,
        issuer=doc.issuer,
        source=doc.source,
        score=round(score, 4),
        pages=pages,
        secrecy=doc.secrecy,
        match=hit_match(doc.title, pages, needles),
        inventory=doc.inventory,
        box=doc.box,
        file_no=doc.file_no,
        matched=matched,
        heading=doc.title or first_line,
    )


def hit_match(title: str, pages: tuple[PageHit, ...], needles: Needles) -> Match | None:
    """Exact when a matching page (or, without pages, the title) spells the words as typed."""
    if pages:
        return "exact" if any(page.match == "exact" for page in pages) else "folded"
    return needles.match(title)
