"""Facet counts of a search: aggregations over the levels' indexes, summed and ordered."""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from archive_search.models import FacetCount

FACETS = ("fond", "year", "doc_type", "issuer")
Counts = dict[str, tuple[FacetCount, ...]]


class Aggregations:
    """Facet aggregations that two threads take in turn.

    The facet thread takes them from the start of a search, the main thread once its hits are ready.
    A search with filters has one aggregation per filtered facet: the facet thread alone would take
    longer than ranking and hits.
    """

    def __init__(self, jobs: list[Callable[[], Counts]]) -> None:
        self._jobs = list(reversed(jobs))
        self._lock = threading.Lock()
        self._done: list[Counts] = []

    def abandon(self) -> None:
        """Start no more aggregations (those running finish; their counts are never read)."""
        with self._lock:
            self._jobs.clear()

    def run(self) -> None:
        """Run aggregations until none is left to start."""
        while True:
            with self._lock:
                if not self._jobs:
                    return
                job = self._jobs.pop()
            counts = job()
            with self._lock:
                self._done.append(counts)

    def counts(self) -> Counts:
        """Every facet's counts (once both threads have returned from ``run``)."""
        return {name: counts for done in self._done for name, counts in done.items()}


def summed(buckets: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Terms buckets of several indexes as one list, counts of one value added."""
    if len(buckets) == 1:
        return buckets[0]
    counts: dict[Any, int] = defaultdict(int)
    for bucket in itertools.chain.from_iterable(buckets):
        counts[bucket["key"]] += bucket["doc_count"]
    return [{"key": key, "doc_count": count} for key, count in counts.items()]


def counts_of(buckets: list[dict[str, Any]]) -> tuple[FacetCount, ...]:
    """Facet counts ordered by most documents first, then by value.

    They are sorted as plain tuples rather than by a key function, for speed (docs/performance.md):
    this runs on the facet thread once the main thread lets go of the GIL, after its hits, so its
    whole time adds to the search's.
    """
    order = sorted([(-b["doc_count"], str(b["key"])) for b in buckets])
    return tuple([_facet_count(value, -negative) for negative, value in order if value])


_new = object.__new__
_set_value, _set_count = (
    vars(FacetCount)[name].__set__ for name in ("value", "count")
)  # slot descriptors


def _facet_count(value: str, count: int) -> FacetCount:
    """``FacetCount(value, count)``, made faster than by its constructor (docs/performance.md).

    Its slots are set as the frozen dataclass's own ``__init__`` sets them, without the per-field
    calls; a search makes many.
    """
    made: FacetCount = _new(FacetCount)
    _set_value(made, value)
    _set_count(made, count)
    return made


def in_order(counts: Counts) -> Counts:
    """The facets in display order, with ``decade`` summed from ``year``."""
    counts["decade"] = decades(counts["year"])
    return {name: counts[name] for name in [*FACETS, "decade", "secrecy"] if name in counts}


def decades(years: tuple[FacetCount, ...]) -> tuple[FacetCount, ...]:
    """Year counts summed by decade (each document has one year): ``1990-1999``."""
    sums: dict[int, int] = defaultdict(int)
    for count in years:
        if count.value.isdigit():
            sums[int(count.value) // 10 * 10] += count.count
    return tuple(FacetCount(f"{start}-{start + 9}", n) for start, n in sorted(sums.items()))
