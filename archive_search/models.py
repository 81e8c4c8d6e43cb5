"""The typed values of the public API."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, Unpack

from archive_search.index.errors import QueryError
from archive_search.index.records import Secrecy

SortOrder = Literal["relevance", "date", "date-asc"]
Match = Literal["exact", "folded"]
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
            raise QueryError(
                f"bad year {value!r}: write a year like 2019 or a range like 2015..2019"
            )
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
    issuer: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    clearance: Secrecy = Secrecy.PUBLIC
    limit: int = 10
    offset: int = 0
    sort: SortOrder = "relevance"
    pages_per_hit: int = 3
    strict: bool = False  # a query that cannot be read raises instead of searching its words
    exact: bool = False  # words match only as typed, diacritics included
    all_words: bool = False  # every plain word required, never relaxed (see docs/ranking.md)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise QueryError(f"the query text must be a string, not {type(self.text).__name__}")
        # Built directly, as ``build`` would: a clearance by name, filters and years as given.
        object.__setattr__(self, "clearance", parse_clearance(self.clearance))
        for name in ("fond", "doc_type", "issuer", "cites"):
            object.__setattr__(self, name, _values(getattr(self, name)))
        if not all(isinstance(value, YearRange) for value in self.year):
            object.__setattr__(self, "year", _years(self.year))  # type: ignore[arg-type]
        for name in ("text", "fond", "doc_type", "issuer", "cites"):
            _check_text(name, getattr(self, name))
        for name in ("limit", "offset", "pages_per_hit"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise QueryError(f"{name} must be a whole number, not {value!r}")
        if not 0 <= self.limit <= 10_000:
            raise QueryError("limit must be between 0 and 10000")
        if self.offset < 0:
            raise QueryError("offset must not be negative")
        if self.sort not in ("relevance", "date", "date-asc"):
            raise QueryError(f"unknown sort {self.sort!r}: use relevance, date or date-asc")
        if not 0 <= self.pages_per_hit <= 100:
            raise QueryError("pages_per_hit must be between 0 and 100")
        for name in ("strict", "exact", "all_words"):
            if not isinstance(getattr(self, name), bool):
                raise QueryError(f"{name} must be True or False, not {getattr(self, name)!r}")

    @classmethod
    def build(cls, text: str, **options: Unpack[SearchOptions]) -> SearchQuery:
        """A query from plain values; options left out take their defaults.

        Years as ``2019``/``2015..2019``, clearance by name, a filter's one value as itself
        (``fond="TU"``).

        >>> SearchQuery.build("cong nghe", year=["2015..2019"], clearance="Mật").clearance
        <Secrecy.MAT: 'mat'>
        """
        unknown = sorted(set(options) - set(SearchOptions.__annotations__))
        if unknown:
            raise QueryError(f"unknown search option {unknown[0]!r}")
        values: dict[str, Any] = dict(options)
        for name in ("fond", "doc_type", "issuer", "cites"):
            if name in values:
                values[name] = _values(values[name])
        if "year" in values:
            values["year"] = _years(values["year"])
        if "clearance" in values:
            values["clearance"] = parse_clearance(values["clearance"])
        return cls(text=text, **values)


class SearchOptions(TypedDict, total=False):
    """The options of a search as ``SearchQuery.build`` and ``Archive.search`` take them.

    Plain values; see ``SearchQuery`` for their meaning and defaults.
    """

    fond: Sequence[str] | str
    year: Sequence[str | int] | str | int
    doc_type: Sequence[str] | str
    issuer: Sequence[str] | str
    cites: Sequence[str] | str
    clearance: Secrecy | str
    limit: int
    offset: int
    sort: SortOrder
    pages_per_hit: int
    strict: bool
    exact: bool
    all_words: bool


def _values(given: Sequence[str]) -> tuple[str, ...]:
    """A filter's values; one string alone (``fond="TU"``) is one value, not its letters.

    Its letters would silently match nothing.
    """
    return (given,) if isinstance(given, str) else tuple(given)


def _check_text(name: str, value: str | tuple[str, ...]) -> None:
    """Refuse a value that is not text, or not valid UTF-8 (bytes decoded with surrogates)."""
    for item in (value,) if isinstance(value, str) else value:
        if not isinstance(item, str):
            raise QueryError(f"{name} values must be strings, not {item!r}")
        try:
            item.encode("utf-8")
        except UnicodeEncodeError:
            raise QueryError(f"{name} {item!r} is not valid UTF-8 text") from None


def _years(given: Sequence[str | int] | int) -> tuple[YearRange, ...]:
    """Year filters from ``2019``, ``"2015..2019"`` or a sequence of them."""
    return tuple(
        YearRange.parse(year) for year in ((given,) if isinstance(given, (str, int)) else given)
    )


def parse_clearance(value: Secrecy | str) -> Secrecy:
    """A secrecy level from its code or Vietnamese name; a QueryError names the choices."""
    if isinstance(value, Secrecy):
        return value
    if not isinstance(value, str):
        raise QueryError(f"clearance must be a level such as public or mat, not {value!r}")
    try:
        return Secrecy.parse(value)
    except ValueError as exc:
        raise QueryError(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class PageHit:
    """A page of a document that matched, with a highlighted snippet (``<b>…</b>``).

    ``match`` is ``"exact"`` when every query word found on the page is spelled there as typed,
    ``"folded"`` when some were found only accent-insensitively.
    """

    page: int
    snippet: str
    match: Match = "exact"


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
    secrecy: str = "public"
    match: Match | None = None
    inventory: str = ""  # where the archive keeps it: inventory (mục lục), box (hộp), file (hồ sơ)
    box: str = ""
    file_no: str = ""
    matched: int | None = None  # how many of the query's ``words`` it holds (None: no words)
    heading: str = ""  # the title, or else the first meaningful line of the first page


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of results, the exact total, and facet counts over all matches.

    ``warning`` says when the query could not be read as written and was searched as plain words.
    ``exact`` says that words matched only as typed, so the total and facets count that spelling
    alone. ``relaxed``: the hits include documents without every word (``Hit.matched`` says how
    many). ``loosened``: nothing matched the query as written; its phrases and symbols were read
    as words.
    """

    query: str
    total: int
    offset: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetCount, ...]] = field(default_factory=dict)
    warning: str | None = None
    exact: bool = False
    relaxed: bool = False
    words: int = 0
    loosened: bool = False


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """Another document, as a citation names it: ``id`` is empty when the archive lacks it."""

    symbol: str
    id: str = ""
    title: str = ""
    date: str = ""


@dataclass(frozen=True, slots=True)
class ArchiveStats:
    """What the archive holds; breakdowns count the documents visible at ``clearance``."""

    documents: int
    records: int
    pages: int
    ocr_pages: int
    born_digital_pages: int
    failed_files: int
    index_bytes: int
    clearance: Secrecy
    by_fond: tuple[FacetCount, ...]
    by_year: tuple[FacetCount, ...]
    by_type: tuple[FacetCount, ...]
