"""The typed values of the public API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from index.errors import QueryError
from index.records import Secrecy

SortOrder = Literal["relevance", "date", "date-asc"]
_YEAR_RANGE_RE = re.compile(r"^\s*(\d{4})?\s*(?:\.\.|–|-)\s*(\d{4})?\s*$")  # noqa: RUF001 - typed en dashes are accepted


@dataclass(frozen=True, slots=True)
class YearRange:
    """Inclusive; either end may be open."""

    start: int | None
    end: int | None

    @classmethod
    def parse(cls, text: str | int) -> YearRange:
        """``2019``, ``2015..2019``, ``..1990`` or ``2000..``."""
        value = str(text).strip()
        if value.isdigit() and len(value) == 4:
            return cls(int(value), int(value))
        match = _YEAR_RANGE_RE.match(value)
        if match is None or not any(match.groups()):
            raise QueryError(f"bad year {value!r}: write a year like 2019 or a range like 2015..2019")
        start, end = (int(part) if part else None for part in match.groups())
        if start is not None and end is not None and start > end:
            raise QueryError(f"bad year range {value!r}: the first year is after the second")
        return cls(start, end)


@dataclass(frozen=True, kw_only=True)
class SearchQuery:
    """One search: the query text and its options. Validated when built."""

    text: str
    fond: tuple[str, ...] = ()
    year: tuple[YearRange, ...] = ()
    doc_type: tuple[str, ...] = ()
    clearance: Secrecy = Secrecy.PUBLIC
    limit: int = 10
    offset: int = 0
    sort: SortOrder = "relevance"
    pages_per_hit: int = 3

    def __post_init__(self) -> None:
        if not 0 <= self.limit <= 10_000:
            raise QueryError("limit must be between 0 and 10000")
        if self.offset < 0:
            raise QueryError("offset must not be negative")
        if self.sort not in ("relevance", "date", "date-asc"):
            raise QueryError(f"unknown sort {self.sort!r}: use relevance, date or date-asc")


@dataclass(frozen=True, slots=True)
class PageHit:
    """A page of a document that matched, with a highlighted snippet (``<b>…</b>``)."""

    page: int
    snippet: str


@dataclass(frozen=True, slots=True)
class Hit:
    """A document or catalogue record that matched."""

    id: str
    kind: str
    title: str
    symbol: str
    doc_type: str
    fond: str
    year: int | None
    date: str
    issuer: str
    source: str
    score: float
    pages: tuple[PageHit, ...] = ()


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of results, the exact total, and facet counts over all matches."""

    query: str
    total: int
    offset: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetCount, ...]] = field(default_factory=dict)
