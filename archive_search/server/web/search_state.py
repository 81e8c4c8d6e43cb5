"""A search as its URL holds it (so it can be bookmarked and shared), and the links that change it.

``/search?q=…&fond=…&year=…&type=…&issuer=…&secrecy=…&sort=…&page=…&exact=1``: every filter
may repeat; a value selected twice is one. Changing a filter goes back to the first page.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from archive_search import SearchQuery, Secrecy

PER_PAGE = 20
MAX_PAGE = 500  # a result page deeper than this is refused (10,000 hits ranked)
SORTS = ("relevance", "date", "date-asc")
# URL parameter of each facet, and the facet as the engine names it.
FACET_PARAMS = {"fond": "fond", "year": "year", "doc_type": "type", "issuer": "issuer"}
_MAX_VALUES = 20  # of one filter in a URL: more is not a search a person made


@dataclass(frozen=True, slots=True)
class SearchState:
    """What a search page shows: the query, the filters selected, the order and the page."""

    q: str = ""
    fond: tuple[str, ...] = ()
    year: tuple[str, ...] = ()
    doc_type: tuple[str, ...] = ()
    issuer: tuple[str, ...] = ()
    secrecy: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    exact: bool = False

    @classmethod
    def of(cls, params: Mapping[str, str] | object) -> SearchState:
        """The state a request's query parameters (Starlette's ``QueryParams``) describe.

        Values that cannot be meant are dropped rather than refused.
        """
        values = _multi(params)
        page = (values.get("page") or ["1"])[0]
        sort = (values.get("sort") or ["relevance"])[0]
        secrecy = tuple(v for v in _distinct(values.get("secrecy", ())) if v in _LEVELS)
        return cls(
            q=(values.get("q") or [""])[0].strip()[:1000],
            fond=_distinct(values.get("fond", ())),
            year=_distinct(values.get("year", ())),
            doc_type=_distinct(values.get("type", ())),
            issuer=_distinct(values.get("issuer", ())),
            secrecy=secrecy,
            sort=sort if sort in SORTS else "relevance",
            page=min(int(page), MAX_PAGE) if page.isdigit() and int(page) > 0 else 1,
            exact=(values.get("exact") or [""])[0] in ("1", "on", "true"),
        )

    def selected(self, facet: str) -> tuple[str, ...]:
        value: tuple[str, ...] = getattr(self, facet)
        return value

    def query(self, clearance: Secrecy) -> SearchQuery:
        """The engine's query for this state at ``clearance``.

        Secrecy levels are searched as the query language's ``mat:`` (the engine has no secrecy
        filter of its own).
        """
        text = self.q
        if self.secrecy:
            levels = " OR ".join(f"mat:{level}" for level in self.secrecy)
            text = f"{text} ({levels})".strip()
        return SearchQuery.build(
            text,
            fond=self.fond,
            year=self.year,
            doc_type=self.doc_type,
            issuer=self.issuer,
            clearance=clearance,
            limit=PER_PAGE,
            offset=(self.page - 1) * PER_PAGE,
            sort=self.sort,  # type: ignore[arg-type]  # one of SORTS
            exact=self.exact,
        )

    @property
    def filtered(self) -> bool:
        return any(self.selected(facet) for facet in [*FACET_PARAMS, "secrecy"])

    def url(self, **changes: object) -> str:
        """The URL of this search with ``changes`` (a change of filters goes to page 1)."""
        if any(name != "page" for name in changes):
            changes.setdefault("page", 1)
        parts = dict(_encoded(self))  # each parameter's part, encoded once for this state
        for name, value in changes.items():
            parts[name] = _encode(name, value)
        query = "&".join(part for part in parts.values() if part)
        return "/search" + (f"?{query}" if query else "")

    def toggled(self, facet: str, value: str) -> str:
        """The URL with ``value`` of ``facet`` selected, or unselected when it was."""
        chosen = self.selected(facet)
        new = tuple(v for v in chosen if v != value) if value in chosen else (*chosen, value)
        return self.url(**{facet: new})

    def without(self, facet: str, value: str) -> str:
        return self.url(**{facet: tuple(v for v in self.selected(facet) if v != value)})

    def cleared(self) -> str:
        return self.url(**{facet: () for facet in [*FACET_PARAMS, "secrecy"]})


_LEVELS = frozenset(level.value for level in Secrecy)
_PARAMS = {"q": "q", **FACET_PARAMS, "secrecy": "secrecy", "sort": "sort", "exact": "exact"}


@functools.lru_cache(maxsize=256)
def _encoded(state: SearchState) -> dict[str, str]:
    """Each part of a state's URL, in the URL's order, encoded (empty when left out)."""
    return {name: _encode(name, getattr(state, name)) for name in (*_PARAMS, "page")}


def _encode(name: str, value: object) -> str:
    """One field of a search as URL parameters; empty when it is the default."""
    if name == "q":
        return urlencode([("q", value)]) if value else ""
    if name == "sort":
        return "" if value == "relevance" else urlencode([("sort", value)])
    if name == "exact":
        return "exact=1" if value else ""
    if name == "page":
        return f"page={value}" if isinstance(value, int) and value > 1 else ""
    assert isinstance(value, tuple)
    return urlencode([(_PARAMS[name], one) for one in value])


def _multi(params: Mapping[str, str] | object) -> dict[str, list[str]]:
    """Every value of every parameter (``QueryParams.multi_items`` or a plain mapping)."""
    items: Sequence[tuple[str, str]]
    if hasattr(params, "multi_items"):
        items = params.multi_items()
    else:
        assert isinstance(params, Mapping)
        items = list(params.items())
    found: dict[str, list[str]] = {}
    for key, value in items:
        found.setdefault(key, []).append(value)
    return found


def _distinct(values: Sequence[str]) -> tuple[str, ...]:
    kept = [value.strip()[:200] for value in values if value.strip()]
    return tuple(dict.fromkeys(kept))[:_MAX_VALUES]
