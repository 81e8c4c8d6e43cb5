"""Measurements that need a process of their own (a clean peak RSS).

Run as ``python -m bench.child TASK JSON``: each task reads its arguments as one JSON object and
prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def _rss_mb() -> dict[str, float]:
    """Peak RSS of this process and of its largest child (Linux reports KiB)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork and exec, so a child started by
    # a bench parent holding the full-scale corpus would report the parent's memory as its own.
    own = _status_mb().get("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rss_self_mb": round(own, 1), "rss_child_mb": round(children, 1)}


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (workers, a server's processes); those gone are left out."""
    found, waiting = [], [pid]
    while waiting:
        one = waiting.pop()
        try:
            children = [
                int(child)
                for task in Path(f"/proc/{one}/task").glob("*/children")
                for child in task.read_text().split()
            ]
        except OSError:  # ended meanwhile
            continue
        found.append(one)
        waiting += children
    return found


def _tree_pss_kib(pid: int) -> int:
    """PSS of ``pid`` and its descendants: each shared page counted once, split among its users."""
    total = 0
    for one in process_tree(pid):
        try:
            rollup = Path(f"/proc/{one}/smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1))  # type: ignore[union-attr]
        except (OSError, AttributeError, ValueError):  # a worker that ended meanwhile
            continue
    return total


class _PeakPss:
    """The peak PSS of this process and its workers, sampled on a thread while a task runs."""

    def __init__(self, every: float = 0.25) -> None:
        self.peak_kib = 0
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:  # once at least, however short the task
            self.peak_kib = max(self.peak_kib, _tree_pss_kib(os.getpid()))
            if self._stop.wait(self._every):
                return

    def __enter__(self) -> _PeakPss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def ingest(args: dict[str, Any]) -> dict[str, Any]:
    """One ``Archive.ingest`` run: elapsed time, report, peak memory of writer and workers."""
    from archive_search import Archive, IngestOptions
    from archive_search.ingest.extract import OcrMode

    manifest = Path(args["manifest"]) if args.get("manifest") else None
    options = IngestOptions(
        manifest=manifest, workers=args["workers"], ocr=OcrMode(args.get("ocr", "auto"))
    )
    with Archive.open(args["archive"], create=True) as archive:
        started = time.perf_counter()
        with _PeakPss() as pss:
            report = archive.ingest([Path(p) for p in args["paths"]], options=options)
        elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "new": report.new,
        "records": report.records,
        "pages": report.pages,
        "ocr_pages": report.ocr_pages,
        "failures": len(report.failures),
        "pss_mb": round(pss.peak_kib / 1024, 1),
        **_rss_mb(),
    }


def reindex(args: dict[str, Any]) -> dict[str, Any]:
    from archive_search import Archive

    with Archive.open(args["archive"]) as archive:
        pages = archive.statistics(clearance="tuyet-mat").pages
        started = time.perf_counter()
        with _PeakPss() as pss:
            archive.reindex()
        elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "pages": pages,
        "pss_mb": round(pss.peak_kib / 1024, 1),
        **_rss_mb(),
    }


def _pdfminer_pages(path: str) -> int:
    """The parts of born-digital ingestion alone: pdfminer's text, then word segmentation."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    from archive_search.index.segment import segment

    texts = [
        "".join(i.get_text() for i in page if isinstance(i, LTTextContainer))
        for page in extract_pages(path)
    ]
    for text in texts:
        segment(text)
    return len(texts)


def pdfminer(args: dict[str, Any]) -> dict[str, Any]:
    """The limit of born-digital ingestion: its parts alone (pdfminer + segmentation).

    Over the same files, with the same worker count.
    """
    paths = sorted(args["paths"])
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args["workers"]) as pool:
        pages = sum(pool.map(_pdfminer_pages, paths))
    return {"elapsed": time.perf_counter() - started, "pages": pages}


_WARM_UP = ("tỉnh ủy", "bao cao tong ket", '"nghị quyết"', "so:01-NQ/TU", "kế hoạch -năm")


def search(args: dict[str, Any]) -> dict[str, Any]:
    """Latency of ``Archive.search`` over the query set, and the process's peak RSS.

    Each query is timed the first time it is asked (in a process warmed up with others), then
    warm, ``rounds`` times.
    """
    from archive_search import Archive

    queries = args["queries"]
    with Archive.open(args["archive"]) as archive:
        for text in _WARM_UP:  # index open, caches, first-call costs: with queries outside the set
            archive.search(text)
        first = []  # each query the first time: nothing of it prepared yet (its snippet patterns)
        for q in queries:
            started = time.perf_counter()
            archive.search(q["text"], fond=q["fond"], year=q["year"], doc_type=q["doc_type"])
            first.append(time.perf_counter() - started)
        rounds: list[list[float]] = []
        per_query: dict[str, list[float]] = {q["label"]: [] for q in queries}
        for _ in range(args["rounds"]):
            timings = []
            for q in queries:
                started = time.perf_counter()
                archive.search(q["text"], fond=q["fond"], year=q["year"], doc_type=q["doc_type"])
                elapsed = time.perf_counter() - started
                timings.append(elapsed)
                per_query[q["label"]].append(elapsed)
            rounds.append(timings)
        alike = _similar_rounds(archive, queries, args["rounds"])
        memory = _resident_kinds()
    return {
        "rounds": rounds,
        "first": first,
        "similar": alike,
        "per_query": {k: statistics.median(v) for k, v in per_query.items()},
        **_rss_mb(),
        **memory,
    }


SIMILAR_DOCUMENTS = 20


def _similar_rounds(archive: Any, queries: list[dict[str, Any]], rounds: int) -> list[list[float]]:
    """``Archive.similar`` timed, warm, on the first hit of each query (up to 20 documents)."""
    ids: dict[str, None] = {}
    for q in queries:
        hits = archive.search(q["text"], limit=1).hits
        if hits and hits[0].kind == "document":
            ids.setdefault(hits[0].id)
    chosen = list(ids)[:SIMILAR_DOCUMENTS]
    for doc_id in chosen:
        archive.similar(doc_id)
    timed = []
    for _ in range(max(1, rounds // 4)):
        timings = []
        for doc_id in chosen:
            started = time.perf_counter()
            archive.similar(doc_id)
            timings.append(time.perf_counter() - started)
        timed.append(timings)
    return timed


def _resident_kinds() -> dict[str, float]:
    """Resident memory now: the process's own (anonymous) pages and the file pages mapped in.

    tantivy maps its index into memory: those pages are the OS file cache, shared and
    reclaimable.
    """
    kinds = _status_mb()
    return {
        "rss_anon_mb": round(kinds.get("RssAnon", 0.0), 1),
        "rss_file_mb": round(kinds.get("RssFile", 0.0), 1),
    }


def _status_mb() -> dict[str, float]:
    """The memory lines of /proc/self/status (``VmHWM``, ``RssAnon``, …) in MB; {} off Linux."""
    status = Path("/proc/self/status")
    text = status.read_text() if status.exists() else ""
    return {name: int(kb) / 1024 for name, kb in re.findall(r"^(\w+):\s+(\d+) kB", text, re.M)}


TASKS = {"ingest": ingest, "reindex": reindex, "pdfminer": pdfminer, "search": search}


def main() -> None:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    task, payload = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(TASKS[task](payload)))


if __name__ == "__main__":
    main()
