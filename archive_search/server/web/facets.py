"""Facets as the search page shows them, and the bar chart of hits by year.

Values with counts and the link that selects each; the chart of hits by year (or decade) is drawn
here as SVG (no script, no outside service).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from archive_search import FacetCount, doc_type_name
from archive_search.server.web.search_state import SearchState

SHOWN = 8  # values of a facet shown at once; the rest behind "more"
LISTED = 60  # values of a facet listed at most (the issuers of a big archive run to hundreds)
YEAR_BARS = 40  # more distinct years than this: the chart counts decades
CHART_WIDTH, CHART_HEIGHT = 280, 84
MAX_BAR = 28.0  # a bar's width at most: three years are three bars, not the whole width


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str  # selects it, or unselects it when selected


@dataclass(frozen=True, slots=True)
class Facet:
    name: str  # fond, year, doc_type, issuer, secrecy
    values: tuple[FacetValue, ...]

    @property
    def shown(self) -> tuple[FacetValue, ...]:
        return self.values[:SHOWN]

    @property
    def more(self) -> tuple[FacetValue, ...]:
        return self.values[SHOWN:LISTED]


def facets(
    counts: dict[str, tuple[FacetCount, ...]], state: SearchState, label: Callable[[str], str]
) -> list[Facet]:
    """The facets to show, in order.

    ``secrecy`` only when the engine counted it (a reader cleared above public). ``label`` names a
    secrecy level in the page's language.
    """
    shown = []
    for name in ("fond", "year", "doc_type", "issuer", "secrecy"):
        if name not in counts:
            continue
        ordered = counts[name]
        if name == "year":  # newest first, not most frequent
            ordered = tuple(sorted(ordered, key=lambda c: c.value, reverse=True))
        chosen = state.selected(name)
        listed = ordered[:LISTED]  # links only for the values a page can show
        values = tuple(
            FacetValue(
                count.value,
                _label(name, count.value, label),
                count.count,
                count.value in chosen,
                state.toggled(name, count.value),
            )
            for count in listed
        )
        known = {count.value: count.count for count in ordered}
        in_list = {count.value for count in listed}
        selected_elsewhere = [  # selected but not listed: first, so they can be removed
            FacetValue(
                value,
                _label(name, value, label),
                known.get(value, 0),
                True,
                state.toggled(name, value),
            )
            for value in chosen
            if value not in in_list
        ]
        shown.append(Facet(name, (*selected_elsewhere, *values)))
    return shown


def _label(name: str, value: str, label: Callable[[str], str]) -> str:
    if name == "doc_type" and (named := doc_type_name(value)) not in (None, value):
        return f"{value} \N{EN DASH} {named}"
    if name == "secrecy":
        return label(value)
    return value


def year_chart(
    counts: dict[str, tuple[FacetCount, ...]], state: SearchState, title: str
) -> Markup | None:
    """An SVG bar chart of the hits by year (by decade when they span many); None without years.

    Each bar is a link that selects its years.
    """
    years = {int(c.value): c.count for c in counts.get("year", ()) if c.value.isdigit()}
    if not years:
        return None
    first, last = min(years), max(years)
    if last - first < YEAR_BARS:  # every year of the span, those without hits too
        bars = [(str(y), str(y), years.get(y, 0)) for y in range(first, last + 1)]
    else:
        decades: dict[int, int] = {}
        for year, count in years.items():
            decades[year // 10 * 10] = decades.get(year // 10 * 10, 0) + count
        bars = [
            (f"{d}..{d + 9}", f"{d}s", decades.get(d, 0))
            for d in range(first // 10 * 10, last // 10 * 10 + 1, 10)
        ]
    return _svg(bars, state, title)


def _svg(bars: list[tuple[str, str, int]], state: SearchState, title: str) -> Markup:
    most = max(count for _, _, count in bars) or 1
    step = min(CHART_WIDTH / len(bars), MAX_BAR)
    gap = min(2.0, step / 4)
    base = CHART_HEIGHT - 14
    parts = [
        f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-labelledby="chart-title"><title id="chart-title">{escape(title)}</title>'
    ]
    for index, (value, name, count) in enumerate(bars):
        height = (base - 4) * count / most if count else 0.0
        x = index * step
        chosen = " selected" if value in state.year else ""
        parts.append(
            f'<a href="{escape(state.toggled("year", value))}" '
            f'aria-label="{escape(name)}: {count}">'
            f'<rect class="bar{chosen}" x="{x + gap / 2:.1f}" y="{base - height:.1f}" '
            f'width="{step - gap:.1f}" height="{height:.1f}">'
            f"<title>{escape(name)}: {count}</title></rect></a>"
        )
    for index in sorted({0, len(bars) - 1}):
        anchor = "start" if index == 0 else "end"
        x = 0 if index == 0 else step * len(bars)
        parts.append(
            f'<text class="axis" x="{x}" y="{CHART_HEIGHT - 2}" text-anchor="{anchor}">'
            f"{escape(bars[index][1])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def chips(state: SearchState, label: Callable[[str], str]) -> list[tuple[str, str, str]]:
    """Each filter selected, as (facet, label, the URL without it): what a reader removes."""
    return [
        (name, _label(name, value, label), state.without(name, value))
        for name in ("fond", "year", "doc_type", "issuer", "secrecy")
        for value in state.selected(name)
    ]
