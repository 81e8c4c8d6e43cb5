"""The relevance bench's report: a table per query set, the probes, latency, the bench's timings."""

from __future__ import annotations

import math
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.corpus import REPO
from bench.relcore import percentile
from bench.report import _machine

if TYPE_CHECKING:
    from bench.relcore import Results

OURS = "archive-search"
VARIANTS = ("diacritics", "accentless")
# (set, variant) → MRR@10 that archive-search must reach (issue 26), besides beating every peer.
MRR_TARGETS = {("headline", "diacritics"): 0.93, ("headline", "accentless"): 0.91}
LENGTHS = ((1, 3), (4, 7), (8, 20), (21, 10_000))
LATENCY_TARGETS = {
    (1, 3): "p50 ≤ 5, p99 ≤ 25 (full scale)",
    (8, 20): "p50 ≤ 15, p99 ≤ 60 (full scale)",
}

UPPER_BOUND = (
    "The archive's own known-item figures (bench/reports/scale-*.md: an article's title searched "
    "in an archive that holds that title as its first line) are an **upper bound**: their queries "
    "are copied from the documents' text. The sets below, whose queries nobody here wrote and "
    "whose documents do not repeat them, are the honest measure of what a new user gets."
)


def _pct(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.1%}"


def _num(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def commit() -> str:
    """The checkout's commit, read when the run starts (others may land while it runs)."""
    out = subprocess.run(
        ["git", "-C", str(REPO), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "unknown commit"


def _set_table(name: str, figures: dict[str, Any]) -> list[str]:
    systems: dict[str, dict[str, dict[str, float]]] = figures["systems"]
    lines = [
        f"### {name}: {figures['description']}",
        "",
        f"{figures['docs']:,} documents, {figures['queries']:,} queries"
        + (" (archive reused from the cache)" if figures.get("reused") else "")
        + ".",
        "",
        "| system | MRR@10 | MRR@10 accentless | recall@10 | recall@10 accentless "
        "| no hit | no hit accentless |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for system, by in systems.items():
        d, a = by["diacritics"], by["accentless"]
        label = f"**{system}**" if system == OURS else system
        lines.append(
            f"| {label} | {_num(d['mrr'])} | {_num(a['mrr'])} | {_num(d['recall'])} "
            f"| {_num(a['recall'])} | {_pct(d['nohit'])} | {_pct(a['nohit'])} |"
        )
    lines += ["", *_verdicts(name, systems, figures), *_quoted_table(figures)]
    return lines


def _quoted_table(figures: dict[str, Any]) -> list[str]:
    """MRR@10 apart for the queries holding a ``"``: our query language reads a phrase there."""
    split = figures.get("quoted")
    if not split:
        return []
    n, total = split["queries"], figures["queries"]
    lines = [
        "",
        f'{n} of the {total} queries hold an ASCII quote (`"`): to archive-search a phrase, which '
        "stays required however many other words the query has (the peers read only words). "
        "MRR@10 apart:",
        "",
        f"| system | {n} with a quote | accentless | {total - n} others | accentless |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for system, by in split["systems"].items():
        (dq, dp), (aq, ap) = by["diacritics"], by["accentless"]
        label = f"**{system}**" if system == OURS else system
        lines.append(f"| {label} | {_num(dq)} | {_num(aq)} | {_num(dp)} | {_num(ap)} |")
    return lines


def _verdicts(name: str, systems: dict[str, Any], figures: dict[str, Any]) -> list[str]:
    out = []
    for variant in VARIANTS:
        ours = systems[OURS][variant]["mrr"]
        peers = {s: by[variant]["mrr"] for s, by in systems.items() if s != OURS}
        best = max(peers.items(), key=lambda item: item[1], default=("none", float("nan")))
        above = all(ours > v for v in peers.values())
        target = MRR_TARGETS.get((name, variant))
        goal = (
            f"; target ≥ {target:.2f}: {'met' if ours >= target else 'not met'}" if target else ""
        )
        out.append(
            f"- {variant}: archive-search {ours:.3f}, best peer {best[0]} {_num(best[1])}: "
            f"{'above every peer' if above else 'NOT above every peer'}{goal}; "
            f"{systems[OURS][variant].get('errors', 0)} query errors; "
            f"{figures['stuck'][variant]} queries of ≥ 4 words with no hit although a document "
            "holds most of their words; latency p50 "
            f"{_num(figures['latency'][variant]['p50'], 1)} ms, p99 "
            f"{_num(figures['latency'][variant]['p99'], 1)} ms."
        )
    return out


def _probe_section(r: Results) -> list[str]:
    lines: list[str] = []
    marks = r.probes.get("marks")
    if marks:
        lines += [
            "## Marks typed are meant (diacritic precision)",
            "",
            f"{marks['probes']} two-word queries typed with marks (adjacent words of a headline), "
            "each word having look-alikes in the documents (same letters, other marks), where ≥ 10 "
            "documents hold both words as typed and ≥ 10 others only look-alikes; the share of the "
            "top 10 that hold both as typed (target ≥ 98% for archive-search). Examples: "
            f"{', '.join(marks['examples'])}.",
            "",
            "| system | top 10 holding the words as typed |",
            "| --- | ---: |",
            *(f"| {s} | {_pct(v)} |" for s, v in marks["systems"].items()),
            "",
        ]
    short = r.probes.get("short")
    if short:
        lines += [
            "## Short queries keep their precision",
            "",
            f"{short['probes']} queries of 2-3 words (the bench's fixed word queries, then "
            "fragments of headlines, some typed without marks) that ≥ 10 documents hold in full "
            "(a word typed with marks as typed, one without in any spelling); the share whose "
            f"top 10 hold only such documents. Examples: {', '.join(short['examples'])}.",
            "",
            "| system | top 10 all holding every word |",
            "| --- | ---: |",
            *(f"| {s} | {_pct(v)} |" for s, v in short["systems"].items()),
            "",
        ]
    similar = r.probes.get("similar")
    if similar:
        lines += [
            "## `similar` and a document as its own query",
            "",
            f"The headline set's {similar['docs']:,} documents hold {similar['pairs']} "
            "near-duplicates of articles not queried (one sentence and two words dropped, one "
            "comma changed). `Archive.similar(original)` (which leaves the original out) puts the "
            f"near-duplicate first for **{_pct(similar['similar_dup_first'])}**. The original's "
            "opening (its first 100 words, within a query's size limit) as the query:",
            "",
            "| system | the document first | its near-duplicate second |",
            "| --- | ---: | ---: |",
            *(
                f"| {s} | {_pct(v['self_first'])} | {_pct(v['dup_second'])} |"
                for s, v in similar["systems"].items()
            ),
            "",
        ]
    return lines


def _latency_section(r: Results) -> list[str]:
    lines = [
        "## Latency of archive-search on these queries",
        "",
        "Every timed search of the known-item sets above (both variants), one at a time, warm, "
        "`Archive.search(text, limit=10)` with its default page hits and snippets, on archives of "
        "this run's size (not full scale) while other work shared the 2 cores.",
        "",
        "| query words | queries | p50 ms | p99 ms | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for low, high in LENGTHS:
        times = [ms for words, ms in r.latencies if low <= words <= high]
        label = f"{low}-{high}" if high < 10_000 else f"{low}+"
        lines.append(
            f"| {label} | {len(times)} | {_num(percentile(times, 0.5), 1)} "
            f"| {_num(percentile(times, 0.99), 1)} | {LATENCY_TARGETS.get((low, high), '')} |"
        )
    return [*lines, ""]


def render(r: Results) -> str:
    o = r.options
    lines = [
        "# Relevance bench",
        "",
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at `{r.commit}`",
        f"- Command: `{o.command}`",
        f"- Machine: {_machine()}",
        f"- Sizes: {o.docs:,} news articles, {o.queries} queries per news set, ALQAC questions: "
        f"{'all' if o.alqac_queries is None else o.alqac_queries}, "
        f"{o.similar_dups if 'similar' in o.sets else 0} "
        f"near-duplicates in the headline set, {o.marks} mark pairs, {o.short} short queries; seed "
        f"{o.seed}{'; SYNTHETIC stand-in data' if o.synthetic else ''}",
        f"- Bench time: {r.timings.get('total', float('nan')):.0f} s",
        "",
        UPPER_BOUND,
        "",
        "Every system gets the same documents and the query as typed: archive-search through "
        "`Archive.ingest` (one text file per document) and `Archive.search`; the peers "
        "(`bench/orpeers.py`) with every word joined by OR, best ranking first. MRR@10 and "
        "recall@10 count the one relevant document; *no hit* is the share of queries that "
        "return nothing at all. *Accentless*: the same queries with every diacritic stripped.",
        "",
        "## Known-item sets",
        "",
    ]
    for name, figures in r.sets.items():
        lines += [*_set_table(name, figures), ""]
    lines += _probe_section(r)
    lines += _latency_section(r)
    lines += ["## The bench itself", "", "| stage | seconds |", "| --- | ---: |"]
    lines += [f"| {stage} | {seconds:.1f} |" for stage, seconds in r.timings.items()]
    if r.missing or r.notes:
        lines += ["", "## Not measured", ""]
        lines += [f"- {name}: {why}" for name, why in r.missing.items()]
        lines += [f"- {note}" for note in r.notes]
    return "\n".join(lines) + "\n"


def write_report(r: Results, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(r), encoding="utf-8")
