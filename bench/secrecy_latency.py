"""Search latency at public and at tuyet-mat, and of ``Archive.document`` on hidden ids.

``Archive.document`` of a hidden id and of a missing one, on an archive of news articles written
straight into a catalogue (a few percent of them secret) and indexed by ``reindex``.

    python -m bench.secrecy_latency build ARCHIVE 3000   # catalogue only; then:
    python -m bench.secrecy_latency reindex ARCHIVE
    python -m bench.secrecy_latency search ARCHIVE

Figures under load: the median over queries of each query's fastest time is the steadiest.
"""

from __future__ import annotations

import contextlib
import json
import lzma
import statistics
import sys
import time
from pathlib import Path

from archive_search import Archive
from archive_search.index.catalog import Catalog
from archive_search.index.errors import NotFoundError
from archive_search.index.records import DocumentMeta, PageMethod, PageText, Secrecy

CORPUS = Path("/work/shared/corpus/vietnews-val.jsonl.xz")
QUERIES = [
    "kinh tế",
    "công an",
    '"thành phố"',
    "bóng đá",
    "giáo dục -đại",
    "chính phủ OR quốc hội",
    "tai nạn giao thông",
    "bệnh viện",
    "xuất khẩu",
    "học sinh",
    "thủ tướng",
    "giá vàng",
]
ROUNDS = 25


def _level(n: int) -> Secrecy:
    """4% mat, 1% toi-mat, the rest public."""
    return Secrecy.TOI_MAT if n % 100 == 7 else Secrecy.MAT if n % 25 == 3 else Secrecy.PUBLIC


def build(path: Path, count: int) -> None:
    """A catalogue of ``count`` articles, one page each (no index)."""
    path.mkdir(parents=True)
    catalog = Catalog.open(path / "catalog.sqlite", create=True)
    with lzma.open(CORPUS, "rt", encoding="utf-8") as lines, catalog.transaction():
        for n, line in zip(range(count), lines, strict=False):
            article = json.loads(line)
            meta = DocumentMeta(
                title=article["title"],
                fond=["TU", "HU", "ThU"][n % 3],
                doc_type=["NQ", "BC", "CT", "KH"][n % 4],
                year=2000 + n % 20,
                secrecy=_level(n),
            )
            page = PageText(1, article["body"], PageMethod.PLAIN_TEXT)
            catalog.put_document(
                f"doc{n:05}", kind="document", source=f"d{n}.txt", meta=meta, pages=[page]
            )
    catalog.close()


def _timed(archive: Archive, clearance: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for text in QUERIES:
            started = time.perf_counter()
            archive.search(text, clearance=clearance)
            times.append(time.perf_counter() - started)
    return times


def _document_ns(archive: Archive, doc_id: str) -> int:
    started = time.perf_counter_ns()
    with contextlib.suppress(NotFoundError):
        archive.document(doc_id)
    return time.perf_counter_ns() - started


def search(path: Path, lookups: int) -> None:
    with Archive.open(path) as archive:
        for clearance in ("public", "tuyet-mat"):
            _timed(archive, clearance, 2)  # warm
            raw = _timed(archive, clearance, ROUNDS)
            ordered = sorted(raw)
            fastest = [min(raw[i :: len(QUERIES)]) for i in range(len(QUERIES))]
            print(
                f"{clearance}: p50 {statistics.median(ordered) * 1e3:.2f} ms, "
                f"p99 {ordered[int(len(ordered) * 0.99) - 1] * 1e3:.2f} ms, median of each "
                f"query's fastest {statistics.median(fastest) * 1e3:.2f} ms ({len(raw)} searches)"
            )
        hidden = [_document_ns(archive, "doc00003") for _ in range(lookups)]
        missing = [_document_ns(archive, "nosuchdocument00000") for _ in range(lookups)]
        print(
            f"document() at public: hidden id {statistics.median(hidden) / 1e3:.1f} µs, "
            f"missing id {statistics.median(missing) / 1e3:.1f} µs (median of {lookups:,} each)"
        )


def main() -> None:
    command, path = sys.argv[1], Path(sys.argv[2])
    if command == "build":
        build(path, int(sys.argv[3]))
    elif command == "reindex":
        with Archive.open(path) as archive:
            started = time.perf_counter()
            archive.reindex()
            print(f"reindex {time.perf_counter() - started:.1f} s")
    else:
        search(path, int(sys.argv[3]) if len(sys.argv) > 3 else 20_000)


if __name__ == "__main__":
    main()
