"""All hits of a query written as CSV or JSON Lines, one row per document, as they are found:
its metadata, and the best-matching page with its snippet (matched words in ``<b>…</b>``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
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
    if format == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for hit in hits:
            writer.writerow(_row(hit))
            count += 1
    else:
        for hit in hits:
            out.write(json.dumps(_row(hit), ensure_ascii=False) + "\n")
            count += 1
    return count
