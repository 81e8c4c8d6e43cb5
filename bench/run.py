"""The bench command (about 6 minutes on 2 cores at the scale below).

``python -m bench.run --scale 0.02 --out bench/reports/scale-0.02.md``

One run generates the scale corpus, measures ingestion (born-digital, text, OCR) against the
limits of its parts (OCR also against ocrmypdf on the same pages), metadata read from born-digital
and scanned headers, reindexing, index size, peak RSS, warm and cold query latency, the peers on
the same query set, and known-item retrieval quality for us and the peers, then writes the report.
Every timed figure is the median of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.corpus import (
    DEFAULT_TEXT_POOL,
    REPO,
    Article,
    GeneratedDoc,
    ScaleCorpus,
    fold,
    generate,
    load_articles,
    split_header,
)
from bench.peers import BenchQuery, Parsed, Peer, PeerDoc, available_peers, parse, plain
from bench.report import write_report

PYTHON = sys.executable


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def child(task: str, **payload: Any) -> dict[str, Any]:
    """Run ``bench.child TASK`` in a fresh interpreter and return its JSON answer."""
    out = subprocess.run(
        [PYTHON, "-m", "bench.child", task, json.dumps(payload)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench.child {task} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass(slots=True)
class Settings:
    scale: float
    seed: int
    repeats: int
    workers: int
    work: Path
    out: Path | None
    pool: Path | None
    pdf_pages: int
    scan_pages: int
    ki_articles: int
    ki_queries: int
    command: str
    dask_pages: int = 0
    header_scans: int = 6
    skip: frozenset[str] = frozenset()
    archive: Path | None = None  # a scale archive already built from this scale and seed


@dataclass(slots=True)
class Results:
    settings: Settings
    figures: dict[str, Any] = field(default_factory=dict)
    peers: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path


def _files(folder: Path, suffix: str) -> list[str]:
    return sorted(str(p) for p in folder.rglob(f"*{suffix}"))


def _alternating(
    repeat: int, first: Callable[[], None], second: Callable[[], None]
) -> tuple[Callable[[], None], ...]:
    """Two measurements of one repeat, their order swapped every other repeat.

    Neither side always runs first, so a drift of the machine over a run (its first tesseract runs
    are often its fastest) falls on both sides.
    """
    return (first, second) if repeat % 2 == 0 else (second, first)


# --- ingestion ---------------------------------------------------------------------------------


def bench_born_digital(s: Settings, corpus: ScaleCorpus, r: Results) -> None:
    files = _files(corpus.pdf_dir, ".pdf")
    limit: list[float] = []
    ours: list[float] = []
    rss: list[float] = []
    page_counts: set[int] = (
        set()
    )  # pdfminer's and ours, every run: one number unless pages were lost

    def parts() -> None:
        lim = child("pdfminer", paths=files, workers=s.workers)
        limit.append(lim["pages"] / lim["elapsed"])
        page_counts.add(lim["pages"])

    def ingest() -> None:
        run = child(
            "ingest", archive=str(_fresh(s.work / "archive-pdf")), paths=files, workers=s.workers
        )
        ours.append(run["pages"] / run["elapsed"])
        rss.append(run["rss_self_mb"] + s.workers * run["rss_child_mb"])
        page_counts.add(run["pages"])

    for n in range(s.repeats):
        for measure in _alternating(n, parts, ingest):
            measure()
        log(
            f"born-digital {n + 1}/{s.repeats}: ours {ours[-1]:.1f} p/s, parts alone "
            f"{limit[-1]:.1f} p/s"
        )
    if len(page_counts) > 1:
        log(
            "born-digital: page counts differ between runs or from pdfminer's: "
            f"{sorted(page_counts)}"
        )
    r.figures.update(
        pdf_files=len(files),
        pdf_pages=max(page_counts),
        ingest_pdf=median(ours),
        pdfminer_limit=median(limit),
        ingest_pdf_rss=median(rss),
    )


class OtherCorpusError(RuntimeError):
    """A reused archive holds other texts than the corpus this run generated."""


def _reused_archive(archive: Path, corpus: ScaleCorpus, r: Results) -> Path:
    """An archive an earlier run built from the same corpus: counted, not ingested again."""
    from archive_search import Archive, IndexUnavailableError

    with Archive.open(archive) as opened:
        try:
            held = opened.statistics(clearance="tuyet-mat")
        except (
            IndexUnavailableError
        ):  # an index an older version built: the reindex stage rebuilds it anyway
            opened.reindex()
            held = opened.statistics(clearance="tuyet-mat")
        _check_same_texts(opened, archive, corpus, str(r.figures.get("text_pool")))
    r.figures.update(
        archive_docs=held.documents, archive_records=held.records, archive_pages=held.pages
    )
    r.notes.append(
        f"The scale archive was reused from `{archive}` (an earlier `Archive.ingest` of the same "
        "corpus, scale and seed); its text ingest and ingest RSS are not measured in this run."
    )
    log(
        f"scale archive reused: {held.documents} documents, {held.records} records, {held.pages} "
        "pages"
    )
    return archive


# Generated documents looked for in a reused archive, each by its symbol and title.
_SAMPLE_CHECKED = 5


def _check_same_texts(opened: Any, archive: Path, corpus: ScaleCorpus, pool: str) -> None:
    """Refuse an archive built from texts other than this run's.

    From another ``--pool``, or from the real corpus when this run fell back to ``sample/`` (run
    outside a checkout beside ``../shared``). Counts match either way, while the query set and the
    peers' texts come from this run's corpus.
    """
    for doc in corpus.documents[:_SAMPLE_CHECKED]:
        hits = opened.search(
            f"so:{doc.symbol}", clearance="tuyet-mat", limit=100, pages_per_hit=0
        ).hits
        if not any(hit.title == doc.title for hit in hits):
            raise OtherCorpusError(
                f"{archive} was not built from this run's corpus (text pool {pool}): it has no "
                f"{doc.symbol} titled {doc.title!r}; run without --archive, or with the text pool "
                "it was built from"
            )


def bench_scale_archive(s: Settings, corpus: ScaleCorpus, r: Results) -> Path:
    archive = (
        _reused_archive(s.archive, corpus, r) if s.archive else _ingest_scale_archive(s, corpus, r)
    )
    rates, rss_self, rss_child, pss = [], [], [], []
    for _ in range(s.repeats):
        again = child("reindex", archive=str(archive))
        rates.append(again["pages"] / again["elapsed"])
        rss_self.append(again["rss_self_mb"])
        rss_child.append(again["rss_child_mb"])
        pss.append(again["pss_mb"])
    r.figures.update(
        reindex=median(rates),
        reindex_rss_self=median(rss_self),
        reindex_rss_child=median(rss_child),
        reindex_pss=median(pss),
        reindex_workers=os.cpu_count() or 1,
    )
    log(f"reindex: {r.figures['reindex']:.0f} pages/s")
    raw = sum(len(p.encode()) for d in corpus.documents for p in d.pages)
    raw += sum(len(rec.title.encode()) + len(rec.symbol) for rec in corpus.records)
    index_bytes = sum(p.stat().st_size for p in (archive / "index").rglob("*") if p.is_file())
    r.figures.update(
        raw_text_mb=raw / 1e6,
        index_mb=index_bytes / 1e6,
        catalog_mb=(archive / "catalog.sqlite").stat().st_size / 1e6,
    )
    return archive


def _ingest_scale_archive(s: Settings, corpus: ScaleCorpus, r: Results) -> Path:
    archive = _fresh(s.work / "archive")
    run = child(
        "ingest", archive=str(archive), paths=[], manifest=str(corpus.manifest), workers=s.workers
    )
    r.figures.update(
        text_ingest=run["pages"] / run["elapsed"],
        text_ingest_s=run["elapsed"],
        archive_docs=run["new"],
        archive_records=run["records"],
        archive_pages=run["pages"],
        ingest_rss_self=run["rss_self_mb"],
        ingest_rss_child=run["rss_child_mb"],
        ingest_pss=run["pss_mb"],
        ingest_failures=run["failures"],
    )
    log(
        f"scale archive: {run['new']} documents, {run['records']} records, {run['pages']} pages "
        f"in {run['elapsed']:.1f}s"
    )
    return archive


def _render_pages(files: Sequence[str], folder: Path) -> list[Path]:
    """The first page of each scan rendered at 300 dpi in grey, as the TIFF the library writes.

    The same pixels as the scan's own picture, which the library hands tesseract, in the
    uncompressed TIFF tesseract reads with least CPU: the limit is tesseract at its fastest.
    """
    import pypdfium2

    _fresh(folder).mkdir(parents=True)
    pages = []
    for path in files:
        document = pypdfium2.PdfDocument(path)
        image = document[0].render(scale=300 / 72, grayscale=True).to_pil().convert("L")
        document.close()
        pages.append(folder / (Path(path).stem + ".tif"))
        image.save(pages[-1], format="TIFF")
    return pages


def _tesseract_rate(pages: Sequence[Path], workers: int, options: Sequence[str]) -> float:
    """Pages/min of ``workers`` x one ``tesseract TIFF stdout -l vie OPTIONS``, one thread each."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: Path) -> None:
        subprocess.run(
            ["tesseract", str(page), "stdout", "-l", "vie", *options],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, pages))
    return len(pages) / (time.perf_counter() - started) * 60


def _merge_pdfs(files: Sequence[str], out: Path) -> Path:
    """One PDF holding the scans' pages in order, so ocrmypdf spreads them over its ``--jobs``."""
    import pypdfium2

    merged = pypdfium2.PdfDocument.new()
    for path in files:
        source = pypdfium2.PdfDocument(path)
        merged.import_pages(source)
        source.close()
    merged.save(out)
    merged.close()
    return out


def _ocrmypdf_command(s: Settings, merged: Path) -> list[str]:
    return [
        "ocrmypdf",
        "--jobs",
        str(s.workers),
        "-l",
        "vie",
        str(merged),
        str(s.work / "scan-ocrmypdf.pdf"),
    ]


def _ocrmypdf_rate(command: Sequence[str], pages: int) -> float:
    """Pages/min of one whole ocrmypdf run (process start to the written PDF/A).

    With one tesseract thread per job, as ours and the limit have (ocrmypdf's own choice whenever
    pages ≥ jobs).
    """
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=3600)
    return pages / (time.perf_counter() - started) * 60


def _startup_s(command: Sequence[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def bench_ocr(s: Settings, corpus: ScaleCorpus, r: Results) -> None:
    """Our OCR ingest against ``workers`` x plain tesseract and against ocrmypdf, on the same pages.

    Plain tesseract runs too with the library's own options, when it sets any. Repeats are
    interleaved (the limit and ours in turn first).
    """
    from archive_search.ingest.ocr import TESSERACT_CONFIG

    files = _files(corpus.scan_dir, ".pdf")
    pages = _render_pages(files, s.work / "scan-tiff")
    options = shlex.split(TESSERACT_CONFIG)
    ocrmypdf = (
        _ocrmypdf_command(s, _merge_pdfs(files, s.work / "scan-merged.pdf"))
        if shutil.which("ocrmypdf")
        else []
    )
    rates: dict[str, list[float]] = {"limit": [], "tuned": [], "ours": [], "ocrmypdf": []}

    def limit() -> None:
        rates["limit"].append(_tesseract_rate(pages, s.workers, ()))
        if options:
            rates["tuned"].append(_tesseract_rate(pages, s.workers, options))

    def ours() -> None:
        run = child(
            "ingest", archive=str(_fresh(s.work / "archive-ocr")), paths=files, workers=s.workers
        )
        rates["ours"].append(run["ocr_pages"] / run["elapsed"] * 60)

    for n in range(s.repeats):
        for measure in _alternating(n, limit, ours):
            measure()
        if ocrmypdf:
            rates["ocrmypdf"].append(_ocrmypdf_rate(ocrmypdf, len(files)))
        log(
            f"OCR {n + 1}/{s.repeats}: "
            + ", ".join(f"{k} {v[-1]:.1f}" for k, v in rates.items() if v)
            + " pages/min"
        )
    r.figures["ocr_shares"] = [
        mine / tess for mine, tess in zip(rates["ours"], rates["limit"], strict=True)
    ]
    r.figures.update(
        ocr_pages=len(pages),
        ocr=median(rates["ours"]),
        tesseract_limit=median(rates["limit"]),
        tesseract_options=TESSERACT_CONFIG,
        ocrmypdf="not installed",
    )
    if options:
        r.figures["tesseract_limit_tuned"] = median(rates["tuned"])
    if ocrmypdf:
        r.figures.update(
            ocrmypdf=median(rates["ocrmypdf"]),
            ocrmypdf_startup_s=_startup_s(["ocrmypdf", "--version"]),
        )


def bench_quality(s: Settings, corpus: ScaleCorpus, r: Results) -> None:
    """Metadata read from headers, and OCR character error rates, against the generator's truth.

    Headers of the born-digital PDFs and of a few scanned first pages (two-column Party header, real
    tesseract); error rates on clean and degraded renderings of two documents' first pages.
    """
    from bench import quality

    truth = {doc.key: doc for doc in corpus.documents}
    r.figures["metadata_accuracy"] = quality.metadata_accuracy(s.work / "archive-pdf", truth)
    if s.header_scans:
        folder = _fresh(s.work / "header-scans")
        scans = quality.write_header_scans(folder / "scan", corpus.documents, s.header_scans)
        child(
            "ingest",
            archive=str(folder / "archive"),
            paths=[str(folder / "scan")],
            workers=s.workers,
        )
        r.figures.update(
            header_scans=len(scans),
            metadata_accuracy_ocr=quality.metadata_accuracy(folder / "archive", truth),
        )
    texts = [doc.pages[0][:700] for doc in corpus.documents[: min(2, s.scan_pages)]]
    if texts:
        r.figures["ocr_cer"] = quality.ocr_error_rates(texts)
    log(
        f"metadata accuracy {r.figures['metadata_accuracy']}; on scanned headers "
        f"{r.figures.get('metadata_accuracy_ocr')}; OCR CER {r.figures.get('ocr_cer')}"
    )


# --- search ------------------------------------------------------------------------------------


def query_set(corpus: ScaleCorpus, seed: int) -> list[BenchQuery]:
    """The fixed query set: words, phrases, accentless, symbols, filters, exclusions, titles."""
    rng = random.Random(seed)
    docs = corpus.documents
    symbols = [d.symbol for d in rng.sample(docs, min(4, len(docs)))]
    titles = [" ".join(d.title.split()[2:7]) for d in rng.sample(docs, min(4, len(docs)))]
    q = [
        BenchQuery("w1", "words", "công nghệ thông tin"),
        BenchQuery("w2", "words", "phát triển kinh tế"),
        BenchQuery("w3", "words", "đảng viên"),
        BenchQuery("w4", "words", "bệnh viện"),
        BenchQuery("w5", "words", "giao thông"),
        BenchQuery("w6", "words", "Hà Nội"),
        BenchQuery("p1", "phrase", '"xây dựng nông thôn mới"'),
        BenchQuery("p2", "phrase", '"Ban Thường vụ"'),
        BenchQuery("p3", "phrase", '"thành phố Hồ Chí Minh"'),
        BenchQuery("p4", "phrase", '"tai nạn giao thông"'),
        BenchQuery("a1", "accentless", "cong nghe thong tin"),
        BenchQuery("a2", "accentless", "dang vien"),
        BenchQuery("a3", "accentless", "phat trien kinh te"),
        BenchQuery("a4", "accentless", "benh vien"),
        BenchQuery("a5", "accentless", "nong thon moi"),
        BenchQuery("s1", "symbol", "36-NQ/TW"),
        BenchQuery("s2", "symbol", "số 05-CT/TW"),
        *(BenchQuery(f"s{n + 3}", "symbol", sym) for n, sym in enumerate(symbols)),
        BenchQuery("f1", "filter", "kinh tế", fond=("TU",), year=((2015, 2019),)),
        BenchQuery("f2", "filter", "đảng viên", doc_type=("NQ", "CT")),
        BenchQuery("f3", "filter", "", fond=("HU-HTB",), year=((2000, 2010),)),
        BenchQuery("f4", "filter", "chuyen doi so", year=((2018, 2025),)),
        BenchQuery("f5", "filter", "giáo dục", fond=("BTG-TU", "TU"), doc_type=("BC",)),
        BenchQuery("n1", "exclude", 'kinh tế -"Hà Nội"'),
        *(BenchQuery(f"t{n + 1}", "title words", t) for n, t in enumerate(titles)),
    ]
    return q


LONG_WORDS = (8, 20)  # issue 26: queries of 8-20 words have latency targets of their own


def _words(text: str) -> list[str]:
    """The words of a text as a person would type them: punctuation and operators left out."""
    return re.findall(r"\w+", unicodedata.normalize("NFC", text))


def _lead_sentence(doc: GeneratedDoc) -> list[str] | None:
    """The words of the document's first whole sentence of 8-20 words (its article's lead)."""
    lowest, highest = LONG_WORDS
    text = "\n".join([split_header(doc.pages[0])[2], *doc.pages[1:]])
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        words = _words(sentence)
        whole = sentence[:1].isupper() and sentence.endswith((".", "!", "?"))
        if whole and lowest <= len(words) <= highest and not sentence.startswith("Thực hiện "):
            return words
    return None


def _headline(doc: GeneratedDoc, most: int) -> list[str] | None:
    """The words of the headline the document's title was made of, at most ``most``; 8 at least."""
    words = _words(doc.title.partition(" về ")[2])
    return words[:most] if len(words) >= LONG_WORDS[0] else None


def long_query_set(corpus: ScaleCorpus, seed: int, per_kind: int = 4) -> list[BenchQuery]:
    """Queries of 8-20 words as a person types them: headlines, sentences, questions.

    Each from another document of the corpus: its article's headline, the lead sentence of its
    text, a question about a headline; the last of each kind typed without marks.
    """
    highest = LONG_WORDS[1]
    rng = random.Random(seed * 7919 + 26)  # apart from query_set's draws, which stay as they were
    docs = rng.sample(corpus.documents, len(corpus.documents))
    half = len(docs) // 2
    frames = ("vì sao {}", "{} như thế nào", "có phải {} không", "{} ra sao")
    sources = {
        "headline": (w for d in docs[:half] if (w := _headline(d, highest))),
        "sentence": (w for d in docs if (w := _lead_sentence(d))),
        "question": (w for d in docs[half:] if (w := _headline(d, highest - 3))),
    }
    queries = []
    for kind, source in sources.items():
        for n, words in zip(range(per_kind), source, strict=False):
            text = " ".join(words)
            if kind == "question":
                text = frames[n % len(frames)].format(text)
            text = fold(text) if n == per_kind - 1 else text
            queries.append(BenchQuery(f"l{kind[0]}{n + 1}", f"long {kind}", text))
    return queries


def _loads(averages: tuple[float, float, float]) -> str:
    return " / ".join(f"{a:.2f}" for a in averages)


def _ours_payload(queries: Sequence[BenchQuery]) -> list[dict[str, Any]]:
    return [
        {
            "label": q.label,
            "text": q.text,
            "fond": list(q.fond),
            "doc_type": list(q.doc_type),
            "year": [f"{a}..{b}" for a, b in q.year],
        }
        for q in queries
    ]


# Rounds of the query set timed, ours and each peer's: enough that one busy second of the shared
# host moves a p50 little (docs/performance.md). A peer stops sooner (after 5 rounds at least)
# once it has searched for PEER_BUDGET_S: a slow peer's round takes many seconds.
QUERY_ROUNDS = 40
PEER_BUDGET_S = 30.0


def _round_stats(rounds: Sequence[Sequence[float]]) -> tuple[float, float]:
    """Median over rounds of each round's p50 and p99, in milliseconds."""
    return (
        median([percentile(t, 0.5) for t in rounds]) * 1000,
        median([percentile(t, 0.99) for t in rounds]) * 1000,
    )


def _byte_compile_project() -> None:
    """Compile the project's modules with the script scripts/setup.sh runs after installing.

    The cold start measured is then an installed program's, also after an edit, or where
    PYTHONDONTWRITEBYTECODE would have every start compile them again (docs/performance.md).
    """
    subprocess.run(
        [PYTHON, str(REPO / "scripts" / "byte_compile.py")], check=True, capture_output=True
    )


def bench_search(
    s: Settings, archive: Path, queries: list[BenchQuery], long: list[BenchQuery], r: Results
) -> None:
    """Warm, first-time and cold latency; the long queries asked in the same rounds, timed apart."""
    rounds = max(QUERY_ROUNDS, s.repeats)
    everything = _ours_payload([*queries, *long])
    run = child("search", archive=str(archive), queries=everything, rounds=rounds)
    short = len(queries)
    p50, p99 = _round_stats([timings[:short] for timings in run["rounds"]])
    r.figures.update(
        query_p50=p50,
        query_p99=p99,
        search_rss=run["rss_self_mb"],
        query_rounds=rounds,
        first_query_p50=percentile(run["first"][:short], 0.5) * 1000,
        search_rss_anon=run["rss_anon_mb"],
        search_rss_file=run["rss_file_mb"],
        per_query={k: v * 1000 for k, v in run["per_query"].items()},
    )
    log(
        f"warm search: p50 {p50:.2f} ms, p99 {p99:.2f} ms, first time p50 "
        f"{r.figures['first_query_p50']:.2f} ms, RSS {run['rss_self_mb']:.0f} MB"
    )
    if long:
        long_p50, long_p99 = _round_stats([timings[short:] for timings in run["rounds"]])
        r.figures.update(
            long_query_p50=long_p50,
            long_query_p99=long_p99,
            long_first_p50=percentile(run["first"][short:], 0.5) * 1000,
            long_queries=len(long),
        )
        log(
            f"warm search, {len(long)} queries of 8-20 words: p50 {long_p50:.2f} ms, "
            f"p99 {long_p99:.2f} ms"
        )
    if run["similar"] and run["similar"][0]:
        similar_p50, similar_p99 = _round_stats(run["similar"])
        r.figures.update(
            similar_p50=similar_p50, similar_p99=similar_p99, similar_docs=len(run["similar"][0])
        )
        log(f"similar: p50 {similar_p50:.2f} ms, p99 {similar_p99:.2f} ms")
    _byte_compile_project()
    command = [
        str(Path(PYTHON).parent / "archive-search"),
        "--archive",
        str(archive),
        "search",
        "dang vien",
        "--json",
    ]
    subprocess.run(command, check=True, capture_output=True)
    cold = []
    for _ in range(max(5, s.repeats)):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        cold.append(time.perf_counter() - started)
    r.figures["cli_cold"] = median(cold)
    log(f"CLI cold: {r.figures['cli_cold']:.3f} s")


def _peer_docs(corpus: ScaleCorpus) -> list[PeerDoc]:
    docs = [
        PeerDoc(
            d.key,
            d.title + " " + d.symbol,
            "\n".join(d.pages),
            d.fond,
            d.year,
            d.doc_type,
            d.secrecy,
        )
        for d in corpus.documents
    ]
    docs += [
        PeerDoc(f"r{n}", f"{rec.title} {rec.symbol}", "", rec.fond, rec.year, rec.doc_type)
        for n, rec in enumerate(corpus.records)
    ]
    return docs


def _folds(peer: Peer) -> bool:
    return peer.name != "fts5"


def _time_peer(
    peer: Peer, queries: Sequence[tuple[BenchQuery, Parsed]], rounds: int
) -> tuple[float, float, int]:
    """p50 and p99 over up to ``rounds`` rounds, and the rounds timed.

    Fewer rounds (at least 5) for a peer slower than ``PEER_BUDGET_S`` of searching.
    """
    for q, parsed in queries:
        peer.search(q, parsed)
    all_rounds: list[list[float]] = []
    budget_ends = time.perf_counter() + PEER_BUDGET_S
    while len(all_rounds) < rounds and (len(all_rounds) < 5 or time.perf_counter() < budget_ends):
        timings = []
        for q, parsed in queries:
            started = time.perf_counter()
            peer.search(q, parsed)
            timings.append(time.perf_counter() - started)
        all_rounds.append(timings)
    return (*_round_stats(all_rounds), len(all_rounds))


def _open_peers(cleanup: ExitStack, folder: Path) -> tuple[list[Peer], dict[str, str]]:
    """The available peers, each closed (server stopped, files kept) when ``cleanup`` ends."""
    peers, missing = available_peers(folder)
    for peer in peers:
        cleanup.callback(peer.close)
    return peers, missing


def bench_peers(s: Settings, corpus: ScaleCorpus, queries: list[BenchQuery], r: Results) -> None:
    docs = _peer_docs(corpus)
    with ExitStack() as cleanup:
        peers, r.missing = _open_peers(cleanup, _fresh(s.work / "peers"))
        for peer in peers:
            started = time.perf_counter()
            peer.build(docs)
            build = time.perf_counter() - started
            prepared = [(q, parse(q.text, folded=_folds(peer))) for q in queries]
            p50, p99, rounds = _time_peer(peer, prepared, max(QUERY_ROUNDS, s.repeats))
            r.peers[peer.name] = {
                "build_s": build,
                "p50": p50,
                "p99": p99,
                "size_mb": peer.size_bytes() / 1e6,
                "rounds": rounds,
            }
            log(
                f"peer {peer.name}: build {build:.1f}s, p50 {p50:.2f} ms, p99 {p99:.2f} ms "
                f"({rounds} rounds)"
            )


# --- known-item retrieval quality --------------------------------------------------------------


def _rank_metrics(ranked: Sequence[Sequence[str]], answers: Sequence[str]) -> tuple[float, float]:
    reciprocal, found = [], 0
    for keys, answer in zip(ranked, answers, strict=True):
        top = list(keys)[:10]
        reciprocal.append(1 / (top.index(answer) + 1) if answer in top else 0.0)
        found += answer in top
    return statistics.fmean(reciprocal), found / len(answers)


def bench_known_item(s: Settings, r: Results) -> None:
    from archive_search import Archive, ArchiveSearchError

    articles = load_articles(s.pool, s.ki_articles)
    folder = _fresh(s.work / "known-item")
    for a in articles:
        path = folder / "text" / a.id[-2:] / f"{a.id}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{a.title}\n\n{a.body}", encoding="utf-8")
    child(
        "ingest", archive=str(folder / "archive"), paths=[str(folder / "text")], workers=s.workers
    )
    chosen = random.Random(s.seed).sample(articles, min(s.ki_queries, len(articles)))
    variants = {
        "diacritics": [a.title for a in chosen],
        "accentless": [fold(a.title) for a in chosen],
    }
    document_of = _documents_of_files(folder / "archive")
    answers = [document_of[a.id] for a in chosen]  # an article published twice is one document
    errors = 0
    with Archive.open(folder / "archive") as archive:
        for variant, texts in variants.items():
            ranked = []
            for text in texts:
                try:
                    hits = archive.search(text, limit=10).hits
                except ArchiveSearchError:
                    errors, hits = errors + 1, ()
                ranked.append([h.id for h in hits])
            r.figures[f"ki_{variant}"] = _rank_metrics(ranked, answers)
    r.figures.update(ki_articles=len(articles), ki_queries=len(chosen), ki_errors=errors)
    log(
        f"known-item ours: {r.figures['ki_diacritics']}, {r.figures['ki_accentless']} ({errors} "
        "query errors)"
    )
    _known_item_peers(s, articles, variants, answers, document_of, r)


def _documents_of_files(archive: Path) -> dict[str, str]:
    """Article id (the file's stem) → the catalogue document holding it.

    A copy of an article already ingested is recorded as a duplicate of that document, which is then
    its answer.
    """
    db = sqlite3.connect(f"{(archive / 'catalog.sqlite').as_uri()}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT path, document_id FROM files WHERE document_id IS NOT NULL"
        ).fetchall()
    finally:
        db.close()
    return {Path(path).stem: document for path, document in rows}


def _known_item_peers(
    s: Settings,
    articles: list[Article],
    variants: dict[str, list[str]],
    answers: list[str],
    document_of: dict[str, str],
    r: Results,
) -> None:
    """The queries on the peers, which index every copy: a copy found counts as its document."""
    docs = [PeerDoc(a.id, a.title, a.body) for a in articles]
    blank = BenchQuery("ki", "known-item", "")
    with ExitStack() as cleanup:
        peers, _ = _open_peers(cleanup, _fresh(s.work / "known-item-peers"))
        for peer in peers:
            peer.build(docs)
            for variant, texts in variants.items():
                ranked = [
                    [
                        document_of.get(key, key)
                        for key in peer.search(blank, plain(t, folded=_folds(peer)))
                    ]
                    for t in texts
                ]
                r.peers.setdefault(peer.name, {})[f"ki_{variant}"] = _rank_metrics(ranked, answers)
            log(
                f"known-item {peer.name}: {r.peers[peer.name].get('ki_diacritics')}, "
                f"{r.peers[peer.name].get('ki_accentless')}"
            )


# --- the command -------------------------------------------------------------------------------


def _stage(name: str, r: Results, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    try:
        return step()
    finally:
        r.figures.setdefault("stage_seconds", {})[name] = time.perf_counter() - started


def bench_dask(s: Settings, r: Results) -> None:
    """OCR through a LocalCluster against the local process pool, on the same pages and cores."""
    from bench import dask_ocr

    if importlib.util.find_spec("distributed") is None:
        r.missing["dask"] = "not installed (pip install 'archive-search[distributed]')"
        return
    os.environ["OMP_THREAD_LIMIT"] = "1"
    folder = _fresh(s.work / "dask-scan")
    paths = dask_ocr.render_pages(folder, s.dask_pages)
    warm = dask_ocr.render_pages(folder / "warm", s.workers)
    rates = dask_ocr.measure(paths, warm, s.workers, s.repeats)
    r.figures["dask_section"] = dask_ocr.report(rates, s.dask_pages, s.workers, s.repeats)
    log(f"dask OCR: {rates['dask']:.1f} pages/min vs local pool {rates['local']:.1f}")


def run(s: Settings) -> Results:
    r = Results(s)
    s.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log(f"generating the corpus at scale {s.scale} under {s.work}")
    corpus = _stage(
        "generate",
        r,
        lambda: generate(
            s.work / "corpus",
            scale=s.scale,
            seed=s.seed,
            pool=s.pool,
            pdf_pages=s.pdf_pages,
            scan_pages=s.scan_pages,
        ),
    )
    r.figures.update(
        corpus_docs=len(corpus.documents),
        corpus_pages=corpus.pages,
        corpus_records=len(corpus.records),
        text_pool=str(s.pool) if s.pool and s.pool.is_file() else "sample/ (fallback)",
    )
    if "born-digital" not in s.skip:
        _stage("born-digital", r, lambda: bench_born_digital(s, corpus, r))
    if not {"born-digital", "quality"} & s.skip:  # metadata is read from the born-digital archive
        _stage("quality", r, lambda: bench_quality(s, corpus, r))
    archive = _stage("scale archive", r, lambda: bench_scale_archive(s, corpus, r))
    if s.scan_pages and "ocr" not in s.skip:
        _stage("ocr", r, lambda: bench_ocr(s, corpus, r))
    if s.dask_pages and "dask" not in s.skip:
        _stage("dask", r, lambda: bench_dask(s, r))
    queries, long = query_set(corpus, s.seed), long_query_set(corpus, s.seed)
    r.figures["queries"] = [
        (q.label, q.kind, q.text, q.fond, q.year, q.doc_type) for q in [*queries, *long]
    ]
    load_before = os.getloadavg()
    _stage("search", r, lambda: bench_search(s, archive, queries, long, r))
    r.notes.append(
        "Host load average (1, 5, 15 min) before the search stage "
        f"{_loads(load_before)}, after it {_loads(os.getloadavg())}."
    )
    if "peers" not in s.skip:
        _stage("peers", r, lambda: bench_peers(s, corpus, queries, r))
    if "known-item" not in s.skip:
        _stage("known-item", r, lambda: bench_known_item(s, r))
    if s.skip:
        r.notes.append(f"Stages skipped in this run (`--skip`): {', '.join(sorted(s.skip))}.")
    r.figures["total_s"] = time.perf_counter() - started
    (s.work / "results.json").write_text(
        json.dumps(
            {"figures": r.figures, "peers": r.peers, "missing": r.missing},
            ensure_ascii=False,
            indent=1,
            default=str,
        )
    )
    if s.out is not None:
        write_report(r, s.out)
    log(f"done in {r.figures['total_s']:.0f}s")
    return r


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument(
        "--scale",
        type=float,
        default=0.02,
        help="1.0 = 38,047 documents, 83,946 pages, 125,864 records",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--repeats", type=int, default=3, help="runs per timed figure (the median is reported)"
    )
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--work", type=Path, default=Path("/tmp/archive-search-bench"))
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the report here (e.g. bench/reports/scale-0.02.md)",
    )
    p.add_argument("--text-pool", type=Path, default=DEFAULT_TEXT_POOL)
    p.add_argument(
        "--pdf-pages",
        type=int,
        default=None,
        help="born-digital PDF pages (default 4,000 x scale, ≥ 60)",
    )
    p.add_argument(
        "--scan-pages",
        type=int,
        default=None,
        help="scanned pages for OCR (default 80 x scale, ≥ 2)",
    )
    p.add_argument(
        "--ki-articles", type=int, default=None, help="known-item articles (default 40,000 x scale)"
    )
    p.add_argument(
        "--dask-pages",
        type=int,
        default=0,
        help="scanned pages OCR'd through a local Dask cluster vs the local pool (0: skip)",
    )
    p.add_argument(
        "--ki-queries",
        type=int,
        default=None,
        help="known-item titles queried (default 10,000 x scale)",
    )
    p.add_argument(
        "--header-scans",
        type=int,
        default=6,
        help=(
            "first pages scanned with a two-column Party header for OCR'd metadata accuracy "
            "(0: skip)"
        ),
    )
    p.add_argument(
        "--skip",
        type=_stages,
        default=frozenset(),
        help=f"stages not to run, comma-separated: {', '.join(SKIPPABLE)} (a skipped stage's files "
        "are not generated)",
    )
    p.add_argument(
        "--archive",
        type=Path,
        default=None,
        help="reuse this scale archive, built by an earlier run of the same scale and seed, "
        "instead of ingesting the corpus again (its reindex, size and searches are still measured)",
    )
    a = p.parse_args(argv)
    command = "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])
    return Settings(
        scale=a.scale,
        seed=a.seed,
        repeats=a.repeats,
        workers=a.workers,
        work=a.work,
        out=a.out,
        pool=a.text_pool,
        pdf_pages=0
        if "born-digital" in a.skip
        else a.pdf_pages
        if a.pdf_pages is not None
        else max(60, round(4000 * a.scale)),
        scan_pages=0
        if "ocr" in a.skip
        else a.scan_pages
        if a.scan_pages is not None
        else max(2, round(80 * a.scale)),
        ki_articles=a.ki_articles
        if a.ki_articles is not None
        else max(100, round(40_000 * a.scale)),
        ki_queries=a.ki_queries if a.ki_queries is not None else max(50, round(10_000 * a.scale)),
        command=command,
        dask_pages=a.dask_pages,
        header_scans=a.header_scans,
        skip=a.skip,
        archive=a.archive,
    )


SKIPPABLE = ("born-digital", "quality", "ocr", "dask", "peers", "known-item")


def _stages(text: str) -> frozenset[str]:
    stages = frozenset(part.strip() for part in text.split(",") if part.strip())
    if unknown := stages - set(SKIPPABLE):
        raise argparse.ArgumentTypeError(
            f"unknown stage(s) {', '.join(sorted(unknown))}: use {', '.join(SKIPPABLE)}"
        )
    return stages


def main(argv: Sequence[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
