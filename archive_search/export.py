"""All hits of a query written as CSV or JSON Lines, one row per document, as they are found.

Each row holds the document's metadata, and the best-matching page with its snippet (matched words
in ``<b>…</b>``).

In CSV, a text cell a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``@SUM(1+1)``) is
written with a leading ``'``, as OWASP advises against CSV injection; JSON Lines, read by programs,
keeps every value as it is.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Literal, TextIO

from archive_search.models import Hit

ExportFormat = Literal["csv", "jsonl"]
COLUMNS = (
    "id",
    "kind",
    "symbol",
    "title",
    "doc_type",
    "fond",
    "inventory",
    "box",
    "file_no",
    "year",
    "date",
    "issuer",
    "secrecy",
    "source",
    "score",
    "page",
    "snippet",
)
_HIT_COLUMNS = COLUMNS[:-2]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralised(value: object) -> object:
    """A text cell that starts like a formula behind a ``'``; any other value as it is.

    So a spreadsheet shows it as text (OWASP's advice on CSV injection; their full-width forms too).
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _row(hit: Hit) -> dict[str, object]:
    best = hit.pages[0] if hit.pages else None
    return {
        **{column: getattr(hit, column) for column in _HIT_COLUMNS},
        "page": best.page if best else None,
        "snippet": best.snippet if best else "",
    }


def write(hits: Iterable[Hit], out: TextIO, *, format: ExportFormat = "csv") -> int:
    """Write ``hits`` to ``out``; return how many were written."""
    count = 0

    def counted() -> Iterator[Hit]:
        nonlocal count
        for hit in hits:
            count += 1
            yield hit

    for line in lines(counted(), format=format):
        out.write(line)
    return count


def lines(hits: Iterable[Hit], *, format: ExportFormat = "csv") -> Iterator[str]:
    """The export as text, line by line (the CSV header first), as the hits come.

    What a streamed HTTP response sends.
    """
    buffer = io.StringIO()
    if format == "csv":
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        for hit in hits:
            yield _taken(buffer)
            writer.writerow({key: neutralised(value) for key, value in _row(hit).items()})
        yield _taken(buffer)
    else:
        for hit in hits:
            yield json.dumps(_row(hit), ensure_ascii=False) + "\n"


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
