"""A bench report from one run: figures beside their targets, the machine, the date, the command."""

from __future__ import annotations

import math
import os
import platform
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.peers import postgres_version

if TYPE_CHECKING:
    from bench.run import Results


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else cpu
        mem_kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        memory = "unknown memory"
    versions = []
    for package in (
        "tantivy",
        "pdfminer.six",
        "xapian-bindings-binary",
        "whoosh-reloaded",
        "psycopg",
    ):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} not installed")
    # Which build of Python runs the bench matters to search times (docs/performance.md).
    interpreter = os.path.realpath(sys.executable)
    system = (
        f"{platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({interpreter})"
    )
    versions += [
        postgres_version(),
        *(_tool_version([tool, "--version"]) for tool in ("tesseract", "ocrmypdf")),
    ]
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory}; {system}; SQLite {sqlite3.sqlite_version}; "
        + ", ".join(versions)
    )


def _tool_version(command: list[str]) -> str:
    """``tesseract 5.3.0`` from the first line a tool prints, or ``tesseract not installed``."""
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return f"{command[0]} not installed"
    first = (out.stdout or out.stderr).strip().splitlines()
    return f"{command[0]} {first[0].split()[-1]}" if first else f"{command[0]} ?"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("✅ met" if ok else "❌ not met")


def _num(value: Any, digits: int = 1) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _main_rows(r: Results) -> list[tuple[str, str, str, bool | None]]:
    f, peers = r.figures, r.peers
    rows: list[tuple[str, str, str, bool | None]] = []
    if "ingest_pdf" in f:
        share = f["ingest_pdf"] / f["pdfminer_limit"]
        rows += [
            (
                f"Born-digital ingest ({f['pdf_pages']} PDF pages, {r.settings.workers} workers)",
                f"{_num(f['ingest_pdf'])} pages/s",
                "≥ 20 pages/s on 2 cores",
                f["ingest_pdf"] >= 20,
            ),
            (
                "… share of its parts' limit (pdfminer + segmentation alone, same files, same "
                f"workers: {_num(f['pdfminer_limit'])} pages/s)",
                f"{share:.0%}",
                "≥ 90%",
                share >= 0.9,
            ),
        ]
    if "archive_records" in f and "corpus_records" in f:
        held = (f["archive_docs"], f["archive_records"])
        made = (f["corpus_docs"], f["corpus_records"])
        rows.append(
            (
                "Scale archive holds every generated document and catalogue record",
                f"{held[0]:,} of {made[0]:,}; {held[1]:,} of {made[1]:,}",
                "all",
                held == made,
            )
        )
    if "reindex" in f:
        rows.append(
            (
                f"Reindex ({f['archive_pages']:,} pages, "
                f"{f['archive_docs'] + f['archive_records']:,} documents and records)",
                f"{_num(f['reindex'], 0)} pages/s",
                "≥ 1,000 pages/s",
                f["reindex"] >= 1000,
            )
        )
    if "reindex_pss" in f:
        rows.append(
            _memory_row(
                f, "reindex", f["reindex_workers"], "largest analysis worker", "(the ingest target)"
            )
        )
    if "ocr" in f:
        rows += _ocr_rows(r)
    if "index_mb" in f:
        ratio = f["index_mb"] / f["raw_text_mb"]
        rows.append(
            (
                f"Index size vs raw text ({_num(f['raw_text_mb'])} MB of UTF-8 text; catalogue, "
                f"which holds the text itself, {_num(f['catalog_mb'])} MB)",
                f"{_num(f['index_mb'])} MB = {ratio:.2f}x",
                "≤ 1.5x",
                ratio <= 1.5,
            )
        )
    if "ingest_pss" in f:
        rows.append(_memory_row(f, "ingest", r.settings.workers, "largest worker"))
    if "query_p50" in f:
        rows += [
            (
                "Warm query p50, the fixed set of short queries (`Archive.search`: facets, page "
                "hits, snippets)",
                f"{f['query_p50']:.2f} ms",
                "≤ 5 ms at full scale",
                f["query_p50"] <= 5,
            ),
            (
                "Warm query p99",
                f"{f['query_p99']:.2f} ms",
                "≤ 25 ms at full scale",
                f["query_p99"] <= 25,
            ),
            *(
                [
                    (
                        f"Warm query p50, {f['long_queries']} queries of 8-20 words (headlines, "
                        "lead sentences, questions; ids l… below; asked in the same rounds)",
                        f"{f['long_query_p50']:.2f} ms",
                        "≤ 15 ms at full scale",
                        f["long_query_p50"] <= 15,
                    ),
                    (
                        "Warm query p99, queries of 8-20 words",
                        f"{f['long_query_p99']:.2f} ms",
                        "≤ 60 ms at full scale",
                        f["long_query_p99"] <= 60,
                    ),
                    (
                        "Query p50 of 8-20 words the first time it is asked",
                        f"{f['long_first_p50']:.2f} ms",
                        "for comparison",
                        None,
                    ),
                ]
                if "long_query_p50" in f
                else []
            ),
            *(
                [
                    (
                        "Query p50 the first time it is asked (in a process warmed up with other "
                        "queries)",
                        f"{f['first_query_p50']:.2f} ms",
                        "≤ 5 ms at full scale",
                        f["first_query_p50"] <= 5,
                    )
                ]
                if "first_query_p50" in f
                else []
            ),
            *(
                [
                    (
                        f"`similar`, warm, p50 / p99 over {f['similar_docs']} documents (the first "
                        "hit of each query above)",
                        f"{f['similar_p50']:.2f} / {f['similar_p99']:.2f} ms",
                        "for comparison",
                        None,
                    )
                ]
                if "similar_p50" in f
                else []
            ),
            (
                f"Search process peak RSS (at the end: {_num(f.get('search_rss_anon'), 0)} MB its "
                f"own, {_num(f.get('search_rss_file'), 0)} MB of index and catalogue files mapped "
                "in, shared with the OS file cache)",
                f"{_num(f['search_rss'], 0)} MB",
                "≤ 300 MB",
                f["search_rss"] <= 300,
            ),
            (
                "CLI cold (`archive-search search … --json`, process start to output)",
                f"{f['cli_cold']:.3f} s",
                "≤ 0.3 s",
                f["cli_cold"] <= 0.3,
            ),
        ]
        for name, want, check in (
            ("fts5", "≥ 5x faster than FTS5", 5.0),
            ("xapian", "within 2x of Xapian", 0.5),
        ):
            if name in peers and "p50" in peers[name]:
                speedup = peers[name]["p50"] / f["query_p50"]
                rows.append(
                    (
                        f"p50 vs {name} (plain top-10: {peers[name]['p50']:.2f} ms)",
                        f"{speedup:.3g}x as fast",
                        want,
                        speedup >= check,
                    )
                )
    for variant in ("diacritics", "accentless"):
        key = f"ki_{variant}"
        if key in f:
            best = max(
                ((p[key][0], name) for name, p in peers.items() if key in p), default=(0.0, "none")
            )
            rows.append(
                (
                    "Known-item MRR@10, titles "
                    f"{'with diacritics' if variant == 'diacritics' else 'stripped'} (best peer: "
                    f"{best[1]})",
                    f"{f[key][0]:.3f} vs {best[0]:.3f}",
                    "above every peer",
                    f[key][0] > best[0],
                )
            )
    return rows


def _repeats(f: dict[str, Any]) -> str:
    """Each repeat's share of the limit measured beside it: on few pages the limit itself swings."""
    shares = f.get("ocr_shares")
    return f" (repeats: {', '.join(f'{share:.0%}' for share in shares)})" if shares else ""


def _memory_row(
    f: dict[str, Any], stage: str, workers: int, worker: str, note: str = ""
) -> tuple[str, str, str, bool | None]:
    """The peak memory of ``stage`` (ingest, reindex): the PSS, with the RSS sum it replaces."""
    own, child, pss = f[f"{stage}_rss_self"], f[f"{stage}_rss_child"], f[f"{stage}_pss"]
    return (
        f"{stage.capitalize()} peak memory: PSS of the writer and its workers summed, each shared "
        f"page once (their peak RSS summed, shared pages in each: writer {_num(own, 0)} MB + "
        f"{workers} x {worker} {_num(child, 0)} MB = {_num(own + workers * child, 0)} MB)",
        f"{_num(pss, 0)} MB",
        " ".join(filter(None, ["≤ 2 GB", note])),
        pss <= 2048,
    )


def _ocr_rows(r: Results) -> list[tuple[str, str, str, bool | None]]:
    """Ours against plain tesseract (the target), tesseract with the library's options, ocrmypdf."""
    f, workers = r.figures, r.settings.workers
    share = f["ocr"] / f["tesseract_limit"]
    options = f.get("tesseract_options", "")
    rows: list[tuple[str, str, str, bool | None]] = [
        (
            f"OCR ({f['ocr_pages']} scanned pages; limit = {workers} x one `tesseract TIFF stdout "
            "-l vie` on the page as the uncompressed TIFF the library writes, OMP_THREAD_LIMIT=1: "
            f"{_num(f['tesseract_limit'])} pages/min"
            + ("" if options else "; the library passes tesseract no extra options")
            + ")",
            f"{_num(f['ocr'])} pages/min = {share:.0%}{_repeats(f)}",
            "≥ 95% of the tesseract limit",
            share >= 0.95,
        )
    ]
    if options:
        tuned = f["ocr"] / f["tesseract_limit_tuned"]
        rows.append(
            (
                f"… share of the limit with the library's own tesseract options ({workers} x "
                f"`tesseract TIFF stdout -l vie {options}`: {_num(f['tesseract_limit_tuned'])} "
                "pages/min): the pipeline's own overhead",
                f"{tuned:.0%}",
                "for comparison",
                None,
            )
        )
    ocrmypdf = f["ocrmypdf"]
    if isinstance(ocrmypdf, str):
        rows.append((f"… `ocrmypdf --jobs {workers}`", ocrmypdf, "for comparison", None))
    else:
        startup = _num(f["ocrmypdf_startup_s"])
        rows.append(
            (
                f"… `ocrmypdf --jobs {workers} -l vie` (the same {f['ocr_pages']} pages merged "
                "into one PDF, its defaults, PDF/A output, OMP_THREAD_LIMIT=1; whole command incl. "
                f"its {startup} s start-up: {_num(ocrmypdf)} pages/min)",
                f"ours / ocrmypdf = {f['ocr'] / ocrmypdf:.2f}x",
                "for comparison",
                None,
            )
        )
    return rows


def _quality_section(r: Results) -> list[str]:
    """Metadata accuracy (born-digital and scanned headers) and OCR character error rates."""
    f = r.figures
    fields = list(f.get("metadata_accuracy") or f.get("metadata_accuracy_ocr") or {})
    rows = [
        (f"born-digital PDFs ({f.get('pdf_files', 0)}, text layer)", f.get("metadata_accuracy")),
        (
            f"scanned first pages ({f.get('header_scans', 0)}, two-column header, tesseract)",
            f.get("metadata_accuracy_ocr"),
        ),
    ]
    return [
        "",
        "## Ingestion quality (issue 4)",
        "",
        "Metadata read from the headers (no manifest) against the generator's truth, share of "
        "documents right per field; overall = share of all (document, field) pairs right. Scanned: "
        "first pages of generated documents drawn at 300 dpi with the Party header in two columns "
        "(issuing body, star and `Số …` on the left; `ĐẢNG CỘNG SẢN VIỆT NAM`, place and date on "
        "the right), every other one with scanner noise, one of them secret when the corpus has "
        "one, ingested through `Archive.ingest` with real tesseract:",
        "",
        "| headers | " + " | ".join(fields) + " |",
        "| --- | " + " | ".join("---:" for _ in fields) + " |",
        *(
            f"| {label} | " + " | ".join(f"{shares[k]:.1%}" for k in fields) + " |"
            for label, shares in rows
            if shares
        ),
        "",
        "OCR character error rate (median of 2 first pages, 700 characters each, rendered at 300 "
        "dpi and read through the project's tesseract seam; spaces collapsed, one spelling):",
        "",
        "| scan | CER |",
        "| --- | ---: |",
        *(f"| {kind} | {value:.2%} |" for kind, value in f.get("ocr_cer", {}).items()),
    ]


def _peer_rounds_note(r: Results) -> str:
    """How many rounds of the query set each peer was timed over (a slow one, fewer)."""
    rounds = [f"{name} {p['rounds']}" for name, p in r.peers.items() if "rounds" in p]
    return (
        f"Rounds timed: ours {r.figures.get('query_rounds', '?')}, " + ", ".join(rounds) + "."
        if rounds
        else ""
    )


def _peer_table(r: Results) -> list[str]:
    f = r.figures
    lines = [
        "| system | build s | index MB | p50 ms | p99 ms | our p50 speed-up | MRR@10 (diacritics) "
        "| recall@10 (diacritics) | MRR@10 (accentless) | recall@10 (accentless) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def quality(p: dict[str, Any]) -> str:
        cells = []
        for variant in ("ki_diacritics", "ki_accentless"):
            mrr, recall = p.get(variant, (math.nan, math.nan))
            cells += [_num(mrr, 3), _num(recall, 3)]
        return " | ".join(cells)

    ours = {
        "ki_diacritics": f.get("ki_diacritics", (math.nan, math.nan)),
        "ki_accentless": f.get("ki_accentless", (math.nan, math.nan)),
    }
    lines.append(
        f"| **archive-search** | {_num(f.get('text_ingest_s'))} (ingest) | "
        f"{_num(f.get('index_mb'))} | {_num(f.get('query_p50'), 2)} | "
        f"{_num(f.get('query_p99'), 2)} | 1.00x | {quality(ours)} |"
    )
    for name, p in r.peers.items():
        speed = p["p50"] / f["query_p50"] if "p50" in p and "query_p50" in f else math.nan
        lines.append(
            f"| {name} | {_num(p.get('build_s'))} | {_num(p.get('size_mb'))} | "
            f"{_num(p.get('p50'), 2)} | {_num(p.get('p99'), 2)} | {speed:.3g}x | {quality(p)} |"
        )
    for name, why in r.missing.items():
        lines.append(f"| {name} | {why} | | | | | | | | |")
    return lines


def _known_item_note(f: dict[str, Any]) -> str:
    if "ki_articles" not in f:
        return (
            "Known-item quality: not measured in this run (`--skip known-item`): n/a in the table."
        )
    return (
        f"Known-item quality: {f['ki_articles']:,} vietnews articles ingested as `.txt` (title on "
        f"the first line) through `Archive.ingest`; {f.get('ki_queries', 0):,} titles queried with "
        "diacritics and with them stripped (`Archive.search(title, limit=10)`; the article is the "
        "one right answer, and an article the corpus holds twice word for word, which the "
        "catalogue stores once, is one document for us and for the peers, which index both "
        "copies); the peers index the same title + body. Quality figures are deterministic (one "
        f"pass). Our queries that raised a query error: {f.get('ki_errors', 0)}."
    )


def write_report(r: Results, out: Path) -> None:
    s, f = r.settings, r.figures
    lines = [
        "# Benchmarks",
        "",
        "Regenerated by the bench command; do not edit by hand. Every timed figure is the median "
        f"of {s.repeats} runs (query latency: median over {f.get('query_rounds', '?')} rounds of "
        "each round's p50/p99).",
        "",
        f"- Command: `{s.command}` (from the repository root, with `.venv/bin/python`)",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {_machine()}",
        f"- Scale {s.scale}: {f.get('corpus_docs', 0):,} documents, {f.get('corpus_pages', 0):,} "
        f"pages, {f.get('corpus_records', 0):,} catalogue records (1.0 = 38,047 / 83,946 / "
        f"125,864); prose from {f.get('text_pool')}; seed {s.seed}; whole run "
        f"{_num(f.get('total_s'), 0)} s.",
        "- Load: a shared 2-core development machine; rates vary from run to run by 10-30% (the "
        "bench log shows each repeat), so compare ratios measured in the same run.",
        *(f"- {note}" for note in r.notes),
        "",
        "## Figures and targets",
        "",
        "| measure | figure | target | |",
        "| --- | ---: | --- | --- |",
        *(
            f"| {name} | {figure} | {target} | {_verdict(ok)} |"
            for name, figure, target, ok in _main_rows(r)
        ),
        "",
        "Latency targets are stated for full scale; at reduced scale they are indicative only.",
        "",
        "## Peers on the same queries and the same texts, in the same run",
        "",
        *_peer_table(r),
        "",
        "Latency: the fixed query set below on the scale archive (documents + catalogue records). "
        "Ours is the full `Archive.search` (exact total, facets, page hits, snippets); peers "
        "return a plain top-10 of document keys. Peers are set up as their users would: `fts5` = "
        "`unicode61 remove_diacritics 2` over the text as written (it does not fold `đ`); "
        "`fts5-folded`, `xapian`, `whoosh` and `postgres` get text and queries folded in Python "
        "(`đ` → `d`, no diacritics); all queries are an AND of the words, phrases as phrase "
        "queries, symbols as phrases of their parts, filters as filter clauses. `postgres` is a "
        "private server started for the run (`initdb` into the work dir, default settings, a unix "
        "socket only, queried through psycopg): a table with a generated `tsvector` column "
        "(`simple` configuration, title weighted A) and a GIN index, words and phrases as "
        "`phraseto_tsquery` joined by `&&`, exclusions with `!!`, filters as WHERE clauses, "
        "ordered by `ts_rank`; its build is COPY + index + ANALYZE (server start-up not counted), "
        "its size `pg_total_relation_size` of the table (heap, TOAST and indexes). "
        + _peer_rounds_note(r),
        "",
        _known_item_note(f),
        "",
        "## Other figures",
        "",
        *(
            [
                "- Text ingest of the scale archive (`.txt` + manifest with "
                f"{f.get('archive_records', 0):,} records, single run, builds the archive): "
                f"{_num(f.get('text_ingest'))} pages/s, {_num(f.get('text_ingest_s'))} s; "
                f"{f.get('ingest_failures', 0)} failures."
            ]
            if "text_ingest" in f
            else []
        ),
        *(
            [
                "- Born-digital ingest peak RSS (writer + workers): "
                f"{_num(f['ingest_pdf_rss'], 0)} MB."
            ]
            if "ingest_pdf_rss" in f
            else []
        ),
        "- Stage durations (s): "
        + ", ".join(f"{k} {v:.0f}" for k, v in f.get("stage_seconds", {}).items()),
        "",
        "Per-query warm latency (ms, median over rounds; ids l…: the queries of 8-20 words, made "
        "from the corpus's headlines and lead sentences by `long_query_set`, searched by us only):",
        "",
        "| id | kind | query | filters | ms |",
        "| --- | --- | --- | --- | ---: |",
        *(
            f"| {label} | {kind} | `{text}` | {_filters(fond, year, types)} | "
            f"{f.get('per_query', {}).get(label, math.nan):.2f} |"
            for label, kind, text, fond, year, types in f.get("queries", [])
        ),
        "",
        "## Not measured",
        "",
        "- Full scale: bench/reports/scale-1.md (every stage, about 70 minutes) and "
        "bench/reports/scale-1-search.md (reindex, search and peers at full scale, about 25 "
        "minutes), by the commands in docs/performance.md."
        if s.scale < 1
        else (
            "- The subsets below are smaller than the archive, "
            "so that the run takes about 70 minutes."
        ),
        "- Born-digital ingestion is measured on a PDF subset (`--pdf-pages`); the scale archive "
        "itself is ingested from `.txt`. OCR uses a small scanned subset (`--scan-pages`), one "
        "page per file; bench/reports/ocr.md measures OCR alone on 60 pages, where repeats agree "
        "more closely.",
        "- Peak RSS is the peak of each process (`ru_maxrss`); the ingest total adds the writer "
        "and workers x the largest worker, an upper bound.",
    ]
    if f.get("metadata_accuracy") or f.get("metadata_accuracy_ocr") or f.get("ocr_cer"):
        lines += _quality_section(r)
    if "dask_section" in f:
        lines += [
            "",
            "## Distributed OCR (issue 7): a local Dask cluster against the local pool",
            "",
            f["dask_section"],
        ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _filters(fond: Any, year: Any, types: Any) -> str:
    parts = []
    if fond:
        parts.append("fond " + ",".join(fond))
    if year:
        parts.append("year " + ",".join(f"{a}..{b}" for a, b in year))
    if types:
        parts.append("type " + ",".join(types))
    return "; ".join(parts)
