"""The relevance bench: ``python -m bench.relevance --out bench/reports/relevance.md``.

Known-item sets whose queries nobody here wrote (news headlines and summary sentences against
articles that do not repeat them, legal questions against law articles), run on archive-search
through its ``Archive`` API and on ranked peers (``bench.orpeers``) with the same documents; plus
the diacritic-precision, short-query and near-duplicate probes. Built archives are cached under
``bench/out/relevance/`` keyed by their documents and the indexing code, so a second run only
searches. The defaults take under 10 minutes on 2 busy cores once nothing is cached.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.corpus import REPO
from bench.orpeers import RankedPeer, open_peers, start_postgres
from bench.relsets import (
    KnownItemSet,
    Probe,
    Vocabulary,
    headline_set,
    load_alqac,
    load_news,
    marks_probes,
    sentence_set,
    short_probes,
    write_synthetic,
)

if TYPE_CHECKING:
    from archive_search import Archive
    from bench.peers import PostgresServer

SETS = ("headline", "sentence", "alqac", "marks", "short", "similar")
OURS = "archive-search"
TOP = 10


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


# --- metrics -----------------------------------------------------------------------------------


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


# --- archives, cached --------------------------------------------------------------------------


def _code_digest() -> str:
    """The indexing code's digest: an archive built by other code is built again."""
    digest = hashlib.sha256()
    for folder in ("index", "ingest"):
        for path in sorted((REPO / folder).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _docs_digest(docs: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for key in sorted(docs):
        digest.update(f"{key}\0{docs[key]}\0".encode())
    return digest.hexdigest()


def cached_archive(
    root: Path, name: str, docs: Mapping[str, str], workers: int
) -> tuple[Path, dict[str, str], bool]:
    """An archive of ``docs`` (one text file each), built once per documents and indexing code:
    its path, each key's document id (a copy is its original's document), and whether it was reused."""
    from archive_search import Archive, IngestOptions, OcrMode
    from bench.run import _documents_of_files

    digest = hashlib.sha256(f"{_docs_digest(docs)}{_code_digest()}".encode()).hexdigest()[:16]
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


# --- running systems ---------------------------------------------------------------------------


def _ours(archive: Archive, texts: Sequence[str], r: Results | None) -> tuple[list[list[str]], int]:
    """Our top-10 ids for each query (timed into ``r``), and how many queries raised."""
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


def _warm(archive: Archive, texts: Sequence[str]) -> None:
    from archive_search import ArchiveSearchError

    for text in texts[:5]:
        with contextlib.suppress(ArchiveSearchError):
            archive.search(text, limit=TOP)


@dataclass(slots=True)
class Systems:
    """The peers of one document set, built, and the run's PostgreSQL server."""

    peers: list[RankedPeer]

    def close(self) -> None:
        for peer in self.peers:
            peer.close()


def build_peers(
    o: Options, name: str, docs: Mapping[str, str], server: PostgresServer | None, r: Results
) -> Systems:
    if not o.peers:
        return Systems([])
    peers, missing = open_peers(
        o.work / "peers" / name, f"rel_{name}", server, connections=o.workers
    )
    r.missing.update(missing)
    for peer in peers:
        r.timed(f"peers build ({name})", lambda peer=peer: peer.build(docs))  # type: ignore[misc]
    log(f"{name}: {len(peers)} peers built")
    return Systems(peers)


def peer_lists(peers: Sequence[RankedPeer], texts: Sequence[str]) -> dict[str, list[list[str]]]:
    """Every peer's top 10 keys for each text; PostgreSQL, in a server of its own, meanwhile."""
    out: dict[str, list[list[str]]] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        remote = {p.name: pool.submit(p.search_many, texts) for p in peers if p.name == "postgres"}
        for peer in peers:
            if peer.name not in remote:
                out[peer.name] = peer.search_many(texts)
        out |= {name: future.result() for name, future in remote.items()}
    return {p.name: out[p.name] for p in peers}


def _stuck(vocab: Vocabulary, text: str) -> bool:
    """A query of 4+ words of which some document holds most (more than half), in any spelling."""
    from archive_search.index.analysis import fold, terms

    words = list(dict.fromkeys(fold(w) for w in terms(text)))
    if len(words) < 4:
        return False
    counts = Counter(key for w in words for key in vocab.folded_holders.get(w, ()))
    return bool(counts) and max(counts.values()) * 2 > len(words)


def run_known_item(
    o: Options, s: KnownItemSet, server: PostgresServer | None, r: Results
) -> tuple[Path, dict[str, str], Systems, Vocabulary]:
    """Every system on one set, both variants; returns what the probes reuse."""
    from archive_search import Archive

    archive, doc_of, reused = r.timed(
        f"archive ({s.name})",
        lambda: cached_archive(o.work / "archives", s.name, s.docs, o.workers),
    )
    log(f"{s.name}: archive of {len(s.docs)} documents {'reused' if reused else 'built'}")
    vocab = r.timed(f"vocabulary ({s.name})", lambda: Vocabulary.of(s.docs))
    out: dict[str, Any] = {
        "description": s.description,
        "docs": len(s.docs),
        "queries": len(s.queries),
        "systems": {},
        "stuck": {},
        "latency": {},
        "reused": reused,
    }
    with Archive.open(archive) as opened:
        _warm(opened, [q.text for q in s.queries])
        for variant, queries in s.variants().items():
            answers = [doc_of[q.answer] for q in queries]
            before = len(r.latencies)
            ranked, errors = r.timed(
                f"ours ({s.name})",
                lambda queries=queries: _ours(opened, [q.text for q in queries], r),  # type: ignore[misc]
            )
            times = [ms for _, ms in r.latencies[before:]]
            out["systems"].setdefault(OURS, {})[variant] = {
                **scores(ranked, answers),
                "errors": errors,
            }
            out["latency"][variant] = {
                "p50": percentile(times, 0.5),
                "p99": percentile(times, 0.99),
            }
            out["stuck"][variant] = sum(
                not hits and _stuck(vocab, q.text) for hits, q in zip(ranked, queries, strict=True)
            )
    systems = build_peers(o, s.name, s.docs, server, r)
    variants = s.variants()
    texts = [q.text for queries in variants.values() for q in queries]
    lists = r.timed(f"peers search ({s.name})", lambda: peer_lists(systems.peers, texts))
    for name, tops in lists.items():
        at = 0
        for variant, queries in variants.items():
            ranked = [[doc_of.get(k, k) for k in top] for top in tops[at : at + len(queries)]]
            at += len(queries)
            answers = [doc_of[q.answer] for q in queries]
            out["systems"].setdefault(name, {})[variant] = scores(ranked, answers)
    r.sets[s.name] = out
    ours = out["systems"][OURS]
    log(
        f"{s.name}: ours MRR {ours['diacritics']['mrr']:.3f} / {ours['accentless']['mrr']:.3f}, "
        f"no hit {ours['diacritics']['nohit']:.0%} / {ours['accentless']['nohit']:.0%}"
    )
    return archive, doc_of, systems, vocab


# --- probes ------------------------------------------------------------------------------------


def _key_of(doc_of: Mapping[str, str]) -> dict[str, str]:
    """Document id → one key holding its text."""
    return {doc: key for key, doc in sorted(doc_of.items(), reverse=True)}


def _probe_lists(
    archive: Path, doc_of: Mapping[str, str], systems: Systems, probes: Sequence[Probe]
) -> dict[str, list[list[str]]]:
    """Every system's top-10 keys for each probe."""
    from archive_search import Archive

    key_of = _key_of(doc_of)
    texts = [p.text for p in probes]
    with Archive.open(archive) as opened:
        ids, _ = _ours(opened, texts, None)
    return {OURS: [[key_of[i] for i in top if i in key_of] for top in ids]} | peer_lists(
        systems.peers, texts
    )


def run_marks(
    o: Options,
    archive: Path,
    doc_of: Mapping[str, str],
    systems: Systems,
    vocab: Vocabulary,
    r: Results,
) -> None:
    """Share of the top 10 holding both words as typed, where ≥ 10 documents do."""
    probes = marks_probes(vocab, o.marks, o.seed, enough=min(TOP, max(2, len(vocab.exact) // 50)))
    lists = _probe_lists(archive, doc_of, systems, probes)
    out = {
        name: sum(
            sum(vocab.holds(k, p.words) for k in top[:TOP])
            for top, p in zip(tops, probes, strict=True)
        )
        / max(1, TOP * len(probes))
        for name, tops in lists.items()
    }
    r.probes["marks"] = {
        "probes": len(probes),
        "examples": [p.text for p in probes[:8]],
        "systems": out,
    }
    log(f"marks: {len(probes)} pairs, ours {out[OURS]:.1%}")


def run_short(
    o: Options,
    archive: Path,
    doc_of: Mapping[str, str],
    systems: Systems,
    vocab: Vocabulary,
    titles: Sequence[str],
    r: Results,
) -> None:
    """Share of short queries whose top 10 hold only documents with every word."""
    enough = min(TOP, max(2, len(vocab.exact) // 50))
    probes = short_probes(vocab, titles, o.short, o.seed, enough=enough)
    lists = _probe_lists(archive, doc_of, systems, probes)
    out = {
        name: sum(
            len(top) >= min(TOP, p.holders) and all(vocab.holds(k, p.words) for k in top[:TOP])
            for top, p in zip(tops, probes, strict=True)
        )
        / max(1, len(probes))
        for name, tops in lists.items()
    }
    r.probes["short"] = {
        "probes": len(probes),
        "examples": [p.text for p in probes[:8]],
        "systems": out,
    }
    log(f"short: {len(probes)} queries, ours {out[OURS]:.1%}")


def run_similar(
    s: KnownItemSet, archive: Path, doc_of: Mapping[str, str], systems: Systems, r: Results
) -> None:
    """``similar()`` must put the near-duplicate first; the document as its own query must come
    first with its near-duplicate second."""
    from archive_search import Archive

    pairs = [(doc_of[k], doc_of[KnownItemSet.dup(k)]) for k in s.originals]
    texts = [s.docs[k] for k in s.originals]
    with Archive.open(archive) as opened:
        alike = [[h.id for h in opened.similar(d).hits] for d, _ in pairs]
        as_query, _ = _ours(opened, texts, None)
    n = max(1, len(pairs))
    dup_first = sum(bool(top) and top[0] == dup for top, (_, dup) in zip(alike, pairs, strict=True))
    out: dict[str, Any] = {
        "docs": len(s.docs),
        "pairs": len(pairs),
        "similar_dup_first": dup_first / n,
        "systems": {OURS: _self_query(as_query, pairs)},
    }
    # ts_rank_cd takes tens of seconds over an OR of a whole document's few hundred words.
    quick = [peer for peer in systems.peers if peer.name != "postgres"]
    if len(quick) < len(systems.peers):
        r.missing["postgres (a document as its own query)"] = (
            "not run: ts_rank_cd takes tens of seconds a query over an OR of a whole document's words"
        )
    for name, tops in peer_lists(quick, texts).items():
        out["systems"][name] = _self_query([[doc_of.get(k, k) for k in t] for t in tops], pairs)
    r.probes["similar"] = out
    log(f"similar: near-duplicate first {out['similar_dup_first']:.0%} of {len(pairs)}")


def _self_query(
    ranked: Sequence[Sequence[str]], pairs: Sequence[tuple[str, str]]
) -> dict[str, float]:
    n = max(1, len(pairs))
    first = sum(bool(top) and top[0] == d for top, (d, _) in zip(ranked, pairs, strict=True))
    second = sum(
        len(top) > 1 and top[1] == dup for top, (_, dup) in zip(ranked, pairs, strict=True)
    )
    return {"self_first": first / n, "dup_second": second / n}


# --- the command -------------------------------------------------------------------------------


def _sources(o: Options) -> tuple[Path | None, Path | None]:
    """The news file and the ALQAC folder, whichever are there; neither raises."""
    if o.synthetic:
        news, alqac = write_synthetic(o.work / "synthetic", max(o.docs, 20), o.seed)
        return news, alqac
    found_news = o.news if o.news.is_file() else None
    found_alqac = o.alqac if (o.alqac / "law.json.xz").is_file() else None
    if found_news is None and found_alqac is None:
        raise MissingDataError(
            f"no query set: {o.news} and {o.alqac}/law.json.xz are not there "
            "(pass --shared DIR, --news FILE, --alqac DIR, or --synthetic)"
        )
    return found_news, found_alqac


def run(o: Options) -> Results:
    from bench.relreport import commit, write_report

    r = Results(o, commit=commit())
    started = time.perf_counter()
    news, alqac = _sources(o)
    o.work.mkdir(parents=True, exist_ok=True)
    server, why = start_postgres(o.work / "pg") if o.peers else (None, None)
    if why:
        r.missing["postgres"] = why
    try:
        if news is not None:
            _news_sets(o, news, server, r)
        else:
            r.notes.append(f"The news sets did not run: {o.news} is not there.")
        if alqac is not None and "alqac" in o.sets:
            s = load_alqac(alqac, o.alqac_queries, o.seed)
            _, _, systems, _ = run_known_item(o, s, server, r)
            systems.close()
        elif "alqac" in o.sets:
            r.notes.append(f"The ALQAC set did not run: {o.alqac}/law.json.xz is not there.")
    finally:
        if server is not None:
            server.close()
    r.timings["total"] = time.perf_counter() - started
    if o.out is not None:
        write_report(r, o.out)
        log(f"report written to {o.out}")
    (o.work / "results.json").write_text(
        json.dumps(
            {"sets": r.sets, "probes": r.probes, "timings": r.timings}, indent=1, default=str
        )
    )
    log(f"done in {r.timings['total']:.0f}s")
    return r


def _news_sets(o: Options, news: Path, server: PostgresServer | None, r: Results) -> None:
    articles = r.timed("load", lambda: load_news(news, o.docs))
    if {"headline", "marks", "short", "similar"} & set(o.sets):
        dups = o.similar_dups if "similar" in o.sets else 0
        s = headline_set(articles, o.queries, o.seed, duplicates=dups)
        archive, doc_of, systems, vocab = run_known_item(o, s, server, r)
        try:
            if "marks" in o.sets:
                r.timed("marks", lambda: run_marks(o, archive, doc_of, systems, vocab, r))
            if "short" in o.sets:
                titles = [a.title for a in articles]
                r.timed("short", lambda: run_short(o, archive, doc_of, systems, vocab, titles, r))
            if "similar" in o.sets:
                r.timed("similar", lambda: run_similar(s, archive, doc_of, systems, r))
        finally:
            systems.close()
    if "sentence" in o.sets:
        run_known_item(o, sentence_set(articles, o.queries, o.seed), server, r)[2].close()


def parse_args(argv: Sequence[str] | None = None) -> Options:
    p = argparse.ArgumentParser(
        prog="python -m bench.relevance", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", type=Path, default=None, help="the report (bench/reports/relevance.md)")
    p.add_argument("--work", type=Path, default=REPO / "bench" / "out" / "relevance")
    p.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared data")
    p.add_argument(
        "--news", type=Path, default=None, help="default SHARED/corpus/vietnews-val.jsonl.xz"
    )
    p.add_argument("--alqac", type=Path, default=None, help="default SHARED/real/alqac-2023")
    p.add_argument(
        "--docs", type=int, default=3000, help="news articles indexed (headline, sentence)"
    )
    p.add_argument("--queries", type=int, default=300, help="queries per news set")
    p.add_argument("--alqac-queries", type=int, default=None, help="legal questions (default all)")
    p.add_argument(
        "--similar-dups", type=int, default=100, help="near-duplicates added to the headline set"
    )
    p.add_argument("--marks", type=int, default=40, help="two-word pairs of the diacritic probe")
    p.add_argument("--short", type=int, default=100, help="short queries of 2-3 words")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--sets", default=",".join(SETS), help=f"comma-separated: {', '.join(SETS)}")
    p.add_argument("--no-peers", action="store_true", help="archive-search alone")
    p.add_argument(
        "--synthetic", action="store_true", help="a tiny generated stand-in for the shared data"
    )
    a = p.parse_args(argv)
    sets = tuple(part.strip() for part in a.sets.split(",") if part.strip())
    if unknown := set(sets) - set(SETS):
        p.error(f"unknown set(s) {', '.join(sorted(unknown))}: use {', '.join(SETS)}")
    return Options(
        out=a.out,
        work=a.work,
        news=a.news or a.shared / "corpus" / "vietnews-val.jsonl.xz",
        alqac=a.alqac or a.shared / "real" / "alqac-2023",
        docs=a.docs,
        queries=a.queries,
        alqac_queries=a.alqac_queries,
        similar_dups=a.similar_dups,
        marks=a.marks,
        short=a.short,
        seed=a.seed,
        workers=a.workers,
        sets=sets,
        peers=not a.no_peers,
        synthetic=a.synthetic,
        command="python -m bench.relevance " + " ".join(argv if argv is not None else sys.argv[1:]),
    )


def main(argv: Sequence[str] | None = None) -> int:
    # A plain kill still stops the private PostgreSQL server and closes the archives.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(parse_args(argv))
    except MissingDataError as exc:
        print(f"relevance bench: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
