"""What the relevance bench's stages share: options and results, metrics, and caches.

The caches of built archives and of the peers' answers: neither changes while the documents, the
queries and the code that made them stay the same.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.corpus import REPO
from bench.orpeers import RankedPeer, open_peers

if TYPE_CHECKING:
    from archive_search import Archive
    from bench.peers import PostgresServer

SETS = ("headline", "sentence", "alqac", "marks", "short", "similar")
OURS = "archive-search"
TOP = 10
# Parts of a set a peer is not asked: PostgreSQL ranks every document holding any word, tens of
# seconds a query over an OR of a whole document's few hundred words.
PEER_SKIPS = {"postgres": frozenset({"similar"}), "postgres-ts_rank": frozenset({"similar"})}


class MissingDataError(RuntimeError):
    """The shared data a set needs is not there; the message says which file."""


def log(message: str) -> None:
    print(f"[relevance {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(slots=True)
class Options:
    out: Path | None
    work: Path
    news: Path
    alqac: Path
    docs: int = 3000
    queries: int = 300
    alqac_queries: int | None = None
    similar_dups: int = 100
    marks: int = 40
    short: int = 100
    seed: int = 1
    workers: int = 2
    sets: tuple[str, ...] = SETS
    peers: bool = True
    synthetic: bool = False
    command: str = ""


@dataclass(slots=True)
class Results:
    options: Options
    sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    latencies: list[tuple[int, float]] = field(default_factory=list)  # (words, ms) of our searches
    timings: dict[str, float] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    commit: str = ""

    def timed(self, stage: str, step: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return step()
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - started


def scores(ranked: Sequence[Sequence[str]], answers: Sequence[str]) -> dict[str, float]:
    """MRR@10, recall@10 and the share of queries with no hit at all."""
    reciprocal, found, empty = 0.0, 0, 0
    for keys, answer in zip(ranked, answers, strict=True):
        top = list(keys)[:TOP]
        reciprocal += 1 / (top.index(answer) + 1) if answer in top else 0.0
        found += answer in top
        empty += not top
    n = max(1, len(answers))
    return {"mrr": reciprocal / n, "recall": found / n, "nohit": empty / n, "n": len(answers)}


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _digest(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def _code_digest(*folders: str) -> str:
    return _digest(*(p.read_bytes() for f in folders for p in sorted((REPO / f).rglob("*.py"))))


# The code that decides what the peers answer.
PEER_CODE = ("bench/orpeers.py", "bench/peers.py", "bench/corpus.py")


def docs_digest(docs: Mapping[str, str]) -> str:
    return _digest(*(f"{key}\0{docs[key]}" for key in sorted(docs)))


# --- our archive -------------------------------------------------------------------------------


def cached_archive(
    root: Path, name: str, docs: Mapping[str, str], workers: int
) -> tuple[Path, dict[str, str], bool]:
    """An archive of ``docs`` (one text file each), built once per documents and indexing code.

    Its path, each key's document id (a copy is its original's document), and whether it was reused.
    """
    from archive_search import Archive, IngestOptions, OcrMode
    from bench.run import _documents_of_files

    digest = _digest(docs_digest(docs), _code_digest("index", "ingest"))[:16]
    folder = root / f"{name}-{len(docs)}-{digest}"
    archive = folder / "archive"
    reused = (folder / "complete").exists()
    if not reused:
        shutil.rmtree(folder, ignore_errors=True)
        for key, text in docs.items():
            path = folder / "text" / hashlib.sha1(key.encode()).hexdigest()[:2] / f"{key}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        with Archive.open(archive, create=True) as opened:
            opened.ingest(
                [folder / "text"], options=IngestOptions(workers=workers, ocr=OcrMode.NEVER)
            )
        (folder / "complete").write_text("built\n", encoding="utf-8")
    else:
        with Archive.open(archive) as opened:
            if opened.outdated_index():
                opened.reindex()
    return archive, _documents_of_files(archive), reused


def search_ours(
    archive: Archive, texts: Sequence[str], r: Results | None = None
) -> tuple[list[list[str]], int]:
    """Our top-10 ids for each query (each timed into ``r``), and how many queries raised."""
    from archive_search import ArchiveSearchError
    from archive_search.index.analysis import terms

    ranked, errors = [], 0
    for text in texts:
        started = time.perf_counter()
        try:
            hits = archive.search(text, limit=TOP).hits
        except ArchiveSearchError:
            errors, hits = errors + 1, ()
        if r is not None:
            r.latencies.append((len(terms(text)), (time.perf_counter() - started) * 1000))
        ranked.append([h.id for h in hits])
    return ranked, errors


# --- the peers' answers, cached ----------------------------------------------------------------


def peer_results(
    o: Options,
    name: str,
    docs: Mapping[str, str],
    texts: Mapping[str, Sequence[str]],
    server: PostgresServer | None,
    r: Results,
) -> dict[str, dict[str, list[list[str]]]]:
    """Every peer's top-10 keys for each text of each part (peer → part → lists).

    From the cache when the same documents and texts were asked of the same peer code; PostgreSQL (a
    server of its own) answers meanwhile.
    """
    if not o.peers:
        return {}
    peers, missing = open_peers(
        o.work / "peers" / name, f"rel_{name}", server, connections=o.workers
    )
    r.missing.update(missing)
    code = [(REPO / path).read_bytes() for path in PEER_CODE]
    base = _digest(docs_digest(docs), *code, json.dumps(texts, sort_keys=True))

    def answer(peer: RankedPeer) -> dict[str, list[list[str]]]:
        asked = {p: t for p, t in texts.items() if p not in PEER_SKIPS.get(peer.name, ())}
        cache = o.work / "peer-cache" / f"{name}-{peer.name}-{_digest(base, peer.name)[:16]}.json"
        if cache.exists():
            found: dict[str, list[list[str]]] = json.loads(cache.read_text(encoding="utf-8"))
            return found
        started = time.perf_counter()
        peer.build(docs)
        out = {part: peer.search_many(list(t)) for part, t in asked.items()}
        r.timings[f"peer {peer.name} ({name})"] = time.perf_counter() - started
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(out), encoding="utf-8")
        return out

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            remote = {
                p.name: pool.submit(answer, p) for p in peers if p.name.startswith("postgres")
            }
            results = {p.name: answer(p) for p in peers if p.name not in remote}
            results |= {n: future.result() for n, future in remote.items()}
    finally:
        for peer in peers:
            peer.close()
    return {p.name: results[p.name] for p in peers}
