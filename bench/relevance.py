"""The relevance bench: ``python -m bench.relevance --out bench/reports/relevance.md``.

Known-item sets whose queries nobody here wrote (news headlines and summary sentences against
articles that do not repeat them, legal questions against law articles), run on archive-search
through its ``Archive`` API and on ranked peers (``bench.orpeers``) with the same documents; plus
the diacritic-precision, short-query and near-duplicate probes (``bench.relprobes``). Built
archives and the peers' answers are cached under ``bench/out/relevance/``, keyed by their inputs
and the code that made them, so a run after a change of ranking only searches the archives again.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.corpus import REPO
from bench.orpeers import start_postgres
from bench.relcore import (
    OURS,
    PEER_SKIPS,
    SETS,
    TOP,
    MissingDataError,
    Options,
    Results,
    cached_archive,
    log,
    peer_results,
    percentile,
    scores,
    search_ours,
)
from bench.relprobes import Probes, make_probes, marks_figures, short_figures, similar_figures
from bench.relsets import (
    KnownItemSet,
    Vocabulary,
    headline_set,
    load_alqac,
    load_news,
    sentence_set,
    write_synthetic,
)

if TYPE_CHECKING:
    from archive_search import Archive
    from bench.peers import PostgresServer

__all__ = ["main", "parse_args", "percentile", "run", "scores"]


def _stuck(vocab: Vocabulary, text: str) -> bool:
    """A query of 4+ words of which some document holds most (more than half), in any spelling."""
    from archive_search.index.analysis import fold, terms

    words = list(dict.fromkeys(fold(w) for w in terms(text)))
    if len(words) < 4:
        return False
    counts = Counter(key for w in words for key in vocab.folded_holders.get(w, ()))
    return bool(counts) and max(counts.values()) * 2 > len(words)


def _warm(archive: Archive, texts: Sequence[str]) -> None:
    from archive_search import ArchiveSearchError

    for text in texts[:5]:
        with contextlib.suppress(ArchiveSearchError):
            archive.search(text, limit=TOP)


def _ours_on_set(
    archive: Path,
    doc_of: Mapping[str, str],
    variants: Mapping[str, Sequence[str]],
    probes: Probes | None,
    docs: Mapping[str, str],
    r: Results,
) -> tuple[dict[str, tuple[list[list[str]], int, list[float]]], dict[str, list[list[str]]]]:
    """Our answers: per variant (ids, errors, latencies in ms), and per probe part.

    Per probe part, the keys; for ``similar``, ids of the original's text as the query, then
    ``alike``: ``similar()``'s ids.
    """
    from archive_search import Archive

    key_of = {doc: key for key, doc in sorted(doc_of.items(), reverse=True)}
    known, probed = {}, {}
    with Archive.open(archive) as opened:
        _warm(opened, next(iter(variants.values()), []))
        for variant, texts in variants.items():
            before = len(r.latencies)
            ranked, errors = search_ours(opened, texts, r)
            known[variant] = (ranked, errors, [ms for _, ms in r.latencies[before:]])
        if probes is not None:
            for part, texts in probes.texts(docs).items():
                ids, _ = search_ours(opened, texts)
                probed[part] = (
                    ids
                    if part == "similar"
                    else [[key_of[i] for i in top if i in key_of] for top in ids]
                )
            probed["alike"] = [
                [h.id for h in opened.similar(doc_of[k]).hits] for k in probes.originals
            ]
    return known, probed


QUOTE = '"'


def _split(
    ranked: Sequence[Sequence[str]], answers: Sequence[str], quoted: Sequence[bool]
) -> tuple[float, float]:
    """MRR@10 of the queries holding a quote, and of the others."""
    parts = [
        [(r, a) for r, a, q in zip(ranked, answers, quoted, strict=True) if q is side]
        for side in (True, False)
    ]
    mrr = [scores([r for r, _ in p], [a for _, a in p])["mrr"] if p else 0.0 for p in parts]
    return mrr[0], mrr[1]


def evaluate(
    o: Options,
    s: KnownItemSet,
    server: PostgresServer | None,
    r: Results,
    *,
    titles: Sequence[str] = (),
) -> None:
    """Every system on one set, both variants, and the probes when ``titles`` are given."""
    archive, doc_of, reused = r.timed(
        f"archive ({s.name})",
        lambda: cached_archive(o.work / "archives", s.name, s.docs, o.workers),
    )
    log(f"{s.name}: archive of {len(s.docs)} documents {'reused' if reused else 'built'}")
    vocab = r.timed(f"vocabulary ({s.name})", lambda: Vocabulary.of(s.docs))
    queries = s.variants()
    variants = {v: [q.text for q in qs] for v, qs in queries.items()}
    probes = make_probes(s, vocab, titles, (o.marks, o.short), o.seed) if titles else None
    known, probed = r.timed(
        f"ours ({s.name})", lambda: _ours_on_set(archive, doc_of, variants, probes, s.docs, r)
    )
    texts = variants | (probes.texts(s.docs) if probes else {})
    peers = r.timed(f"peers ({s.name})", lambda: peer_results(o, s.name, s.docs, texts, server, r))
    out: dict[str, Any] = {
        "description": s.description,
        "docs": len(s.docs),
        "queries": len(s.queries),
        "systems": {OURS: {}},
        "stuck": {},
        "latency": {},
        "reused": reused,
    }
    quoted = [QUOTE in q.text for q in s.queries]  # a phrase the query language keeps strict
    if any(quoted):
        out["quoted"] = {"queries": sum(quoted), "systems": {}}
    for variant, qs in queries.items():
        answers = [doc_of[q.answer] for q in qs]
        ranked, errors, times = known[variant]
        out["systems"][OURS][variant] = {**scores(ranked, answers), "errors": errors}
        if "quoted" in out:
            out["quoted"]["systems"].setdefault(OURS, {})[variant] = _split(ranked, answers, quoted)
        out["latency"][variant] = {"p50": percentile(times, 0.5), "p99": percentile(times, 0.99)}
        out["stuck"][variant] = sum(
            not hits and _stuck(vocab, q.text) for hits, q in zip(ranked, qs, strict=True)
        )
        for name, parts in peers.items():
            mapped = [[doc_of.get(k, k) for k in top] for top in parts[variant]]
            out["systems"].setdefault(name, {})[variant] = scores(mapped, answers)
            if "quoted" in out:
                split = _split(mapped, answers, quoted)
                out["quoted"]["systems"].setdefault(name, {})[variant] = split
    r.sets[s.name] = out
    ours = out["systems"][OURS]
    log(
        f"{s.name}: ours MRR {ours['diacritics']['mrr']:.3f} / {ours['accentless']['mrr']:.3f}, "
        f"no hit {ours['diacritics']['nohit']:.0%} / {ours['accentless']['nohit']:.0%}"
    )
    if probes is not None:
        _probe_figures(o, s, probes, vocab, doc_of, probed, peers, r)


def _probe_figures(
    o: Options,
    s: KnownItemSet,
    probes: Probes,
    vocab: Vocabulary,
    doc_of: Mapping[str, str],
    probed: Mapping[str, list[list[str]]],
    peers: Mapping[str, Mapping[str, list[list[str]]]],
    r: Results,
) -> None:
    def lists(part: str) -> dict[str, list[list[str]]]:
        return {OURS: probed[part]} | {n: p[part] for n, p in peers.items() if part in p}

    if "marks" in o.sets:
        r.probes["marks"] = marks_figures(probes.marks, lists("marks"), vocab)
    if "short" in o.sets:
        r.probes["short"] = short_figures(probes.short, lists("short"), vocab)
    if "similar" in o.sets:
        pairs = [(doc_of[k], doc_of[KnownItemSet.dup(k)]) for k in probes.originals]
        ids = {
            n: [[doc_of.get(k, k) for k in top] for top in tops]
            for n, tops in lists("similar").items()
        }
        ids[OURS] = probed["similar"]
        r.probes["similar"] = similar_figures(len(s.docs), pairs, probed["alike"], ids)
        for name, skipped in PEER_SKIPS.items():
            if "similar" in skipped and name in peers:
                r.missing[f"{name} (a document as its own query)"] = (
                    "not run: it ranks every document holding any word, tens of seconds a query "
                    "over an OR of a whole document's words"
                )
    for name in ("marks", "short", "similar"):
        if name in r.probes:
            log(f"{name}: {json.dumps(r.probes[name]['systems'].get(OURS))} for archive-search")


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
            evaluate(o, load_alqac(alqac, o.alqac_queries, o.seed), server, r)
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
        evaluate(o, s, server, r, titles=[a.title for a in articles])
    if "sentence" in o.sets:
        evaluate(o, sentence_set(articles, o.queries, o.seed), server, r)


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
