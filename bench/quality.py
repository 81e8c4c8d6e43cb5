"""Quality figures of ingestion on generated documents.

OCR character error rate on clean and degraded scans, and the accuracy of metadata read from
generated Party documents, born-digital or scanned with the two-column Party header.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from pathlib import Path

from archive_search.index.analysis import normalize
from archive_search.index.records import Secrecy
from bench.corpus import GeneratedDoc, split_header
from tools.docgen import render_scan, write_party_scan_pdf

DEGRADATIONS = ("", "noise", "skew", "blur", "contrast", "noise,skew,blur,contrast")
META_FIELDS = ("symbol", "doc_type", "issuer", "date", "year", "secrecy")
HEADER_SCAN_BODY_CHARS = (
    600  # text kept under a scanned header: the heading and summary, little OCR time
)
_SPACES_RE = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES_RE.sub(" ", normalize(text)).strip()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one row at a time."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, 1):
        current = [i]
        for j, right in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right))
            )
        previous = current
    return previous[-1]


def cer(truth: str, read: str) -> float:
    """Character error rate of ``read`` against ``truth`` (spaces collapsed, one spelling)."""
    expected, got = _clean(truth), _clean(read)
    return edit_distance(expected, got) / max(1, len(expected))


def ocr_error_rates(texts: Sequence[str], timeout: float = 300) -> dict[str, float]:
    """Median CER per degradation over ``texts``.

    Each text is rendered as a 300 dpi scan and read through the project's tesseract seam.
    """
    from archive_search.ingest.ocr import ocr_image

    rates: dict[str, float] = {}
    for kind in DEGRADATIONS:
        values = [
            cer(text, ocr_image(render_scan(text, degrade=kind, seed=n), timeout=timeout).text)
            for n, text in enumerate(texts)
        ]
        rates[kind or "clean"] = statistics.median(values)
    return rates


def metadata_accuracy(archive: Path, truth: dict[str, GeneratedDoc]) -> dict[str, float]:
    """Share of documents whose header-read field equals the truth, per field.

    Documents are matched by file stem (the document key); ``overall`` is the share of all
    (document, field) pairs right.
    """
    from archive_search import Archive

    hits = dict.fromkeys(META_FIELDS, 0)
    total = 0
    with Archive.open(archive) as opened:
        for doc in opened._catalog.iter_documents():
            expected = truth.get(Path(doc.source).stem)
            if expected is None:
                continue
            total += 1
            for name in META_FIELDS:
                got, want = getattr(doc.meta, name), getattr(expected, name)
                if name == "secrecy":
                    got, want = (
                        got.value,
                        Secrecy.parse(want).value if want else Secrecy.PUBLIC.value,
                    )
                hits[name] += int(str(got or "") == str(want or ""))
    if not total:
        return {}
    shares = {name: hits[name] / total for name in META_FIELDS}
    return {**shares, "overall": sum(hits.values()) / (total * len(META_FIELDS))}


def header_scan_documents(documents: Sequence[GeneratedDoc], count: int) -> list[GeneratedDoc]:
    """The first ``count`` documents, one of them secret when the corpus has a secret one."""
    secret = next((doc for doc in documents if doc.secrecy), None)
    chosen = [secret] if secret is not None and count > 0 else []
    return chosen + [doc for doc in documents if doc is not secret][: max(0, count - len(chosen))]


def write_header_scans(folder: Path, documents: Sequence[GeneratedDoc], count: int) -> list[Path]:
    """Image-only PDFs named by document key, each a first page with the two-column Party header.

    Every other one has scanner noise.
    """
    paths = []
    for number, doc in enumerate(header_scan_documents(documents, count)):
        left, right, rest = split_header(doc.pages[0])
        paths.append(
            write_party_scan_pdf(
                folder / f"{doc.key}.pdf",
                left,
                right,
                rest[:HEADER_SCAN_BODY_CHARS],
                degrade="noise" if number % 2 else "",
                seed=number,
            )
        )
    return paths
