"""The bench command end to end at a tiny scale.

Every stage runs through the real Archive, real pdfminer, real tesseract, ocrmypdf and a
PostgreSQL server when installed, and whichever peers are installed; a missing peer or tool is
reported as unavailable, never a failure.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.corpus import fold, generate, split_header
from bench.peers import parse, postgres_unavailable
from bench.run import QUERY_ROUNDS, long_query_set, parse_args, query_set, run


def test_generator_is_deterministic(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", scale=0.0002, seed=3, pdf_pages=0, scan_pages=0)
    second = generate(tmp_path / "b", scale=0.0002, seed=3, pdf_pages=0, scan_pages=0)
    assert [d.pages for d in first.documents] == [d.pages for d in second.documents]
    assert (tmp_path / "a" / "manifest.csv").read_bytes() == (
        tmp_path / "b" / "manifest.csv"
    ).read_bytes()
    assert first.documents[0].pages[0].startswith("ĐẢNG BỘ TỈNH BÌNH THUẬN\n")
    assert f"Số {first.documents[0].symbol}" in first.documents[0].pages[0]
    left, right, rest = split_header(first.documents[0].pages[0])
    assert left[-1] == f"Số {first.documents[0].symbol}" and right[0] == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert first.documents[0].pages[0].endswith(rest)


def test_a_corpus_written_again_replaces_the_last_one(tmp_path: Path) -> None:
    """A corpus written again with fewer files leaves none of the earlier files behind.

    The bench ingests every PDF and scan in the corpus folder.
    """
    generate(tmp_path, scale=0.0002, seed=3, pdf_pages=20, scan_pages=2)
    again = generate(tmp_path, scale=0.0002, seed=3, pdf_pages=1, scan_pages=1)
    assert (
        len(list(again.pdf_dir.glob("*.pdf"))) == 1 and len(list(again.scan_dir.glob("*.pdf"))) == 1
    )


def test_peer_query_parsing() -> None:
    parsed = parse('Đảng viên "Ban Thường vụ" -"Hà Nội" 36-NQ/TW', folded=True)
    assert parsed.positive == [["dang"], ["vien"], ["ban", "thuong", "vu"], ["36", "nq", "tw"]]
    assert parsed.negative == [["ha", "noi"]]
    assert fold("Đảng Cộng sản") == "dang cong san"


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_bench_smoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Options of the library's OCR calls make the bench measure a second tesseract limit with them.
    monkeypatch.setattr("archive_search.ingest.ocr.TESSERACT_CONFIG", "-c tessedit_do_invert=0")
    out = tmp_path / "BENCHMARKS.md"
    settings = parse_args(
        [
            "--scale",
            "0.0005",
            "--repeats",
            "1",
            "--pdf-pages",
            "4",
            "--scan-pages",
            "1",
            "--header-scans",
            "1",
            "--ki-articles",
            "30",
            "--ki-queries",
            "10",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ]
    )
    results = run(settings)
    figures = results.figures
    assert figures["ingest_pdf"] > 0 and figures["pdfminer_limit"] > 0
    assert figures["archive_docs"] == figures["corpus_docs"] and figures["ingest_failures"] == 0
    assert figures["reindex"] > 0 and figures["ocr"] > 0 and figures["tesseract_limit"] > 0
    assert figures["reindex_rss_self"] > 10 and figures["reindex_rss_child"] > 10
    assert figures["ingest_pss"] > 10
    assert (
        10 < figures["reindex_pss"] < figures["reindex_rss_self"] + 2 * figures["reindex_rss_child"]
    )
    assert len(figures["ocr_shares"]) == 1 and figures["ocr_shares"][0] > 0
    assert figures["tesseract_limit_tuned"] > 0
    assert figures["query_p50"] > 0 and figures["cli_cold"] > 0
    assert (
        figures["metadata_accuracy"]["symbol"] > 0.9 and figures["metadata_accuracy"]["year"] > 0.9
    )
    assert figures["header_scans"] == 1 and 0 <= figures["metadata_accuracy_ocr"]["overall"] <= 1
    assert figures["ocr_cer"]["clean"] < 0.1
    assert 0 <= figures["ki_diacritics"][0] <= 1
    if shutil.which("ocrmypdf"):
        assert figures["ocrmypdf"] > 0
    else:
        assert figures["ocrmypdf"] == "not installed"
    assert set(results.peers) >= {"fts5", "fts5-folded"}
    assert set(results.peers) | set(results.missing) >= {
        "fts5",
        "fts5-folded",
        "xapian",
        "whoosh",
        "postgres",
    }
    if postgres_unavailable() is None:
        assert {"p50", "size_mb", "ki_diacritics"} <= set(results.peers["postgres"])
    report = out.read_text(encoding="utf-8")
    assert "| measure | figure | target |" in report and "Known-item MRR@10" in report
    assert "Reindex peak memory: PSS " in report
    assert "Ingest peak memory: PSS " in report
    assert (
        f"Rounds timed: ours {QUERY_ROUNDS}, fts5 " in report
    )  # the smoke run's peers fit the budget
    assert results.peers["fts5"]["rounds"] == QUERY_ROUNDS
    assert "| postgres |" in report and "| scanned first pages (1," in report
    assert "tesseract TIFF stdout -l vie -c tessedit_do_invert=0" in report


def test_reused_archive_must_hold_this_runs_texts(tmp_path: Path) -> None:
    """A scale archive reused with ``--archive`` is checked against the run's corpus.

    Another seed (or text pool) writes other documents, with the same counts.
    """
    from archive_search import Archive, IngestOptions
    from bench.run import OtherCorpusError, _check_same_texts

    built = generate(tmp_path / "built", scale=0.0002, seed=3, pdf_pages=0, scan_pages=0)
    other = generate(tmp_path / "other", scale=0.0002, seed=4, pdf_pages=0, scan_pages=0)
    with Archive.open(tmp_path / "archive", create=True) as archive:
        archive.ingest([], options=IngestOptions(manifest=built.manifest, workers=1))
        _check_same_texts(archive, tmp_path / "archive", built, "pool A")
        with pytest.raises(
            OtherCorpusError, match="was not built from this run's corpus \\(text pool pool B\\)"
        ):
            _check_same_texts(archive, tmp_path / "archive", other, "pool B")


def test_long_queries_are_headlines_sentences_and_questions(tmp_path: Path) -> None:
    """The set of 8-20-word queries: three kinds, each once typed without marks, labels apart."""
    corpus = generate(tmp_path, scale=0.0005, seed=3, pdf_pages=0, scan_pages=0)
    long = long_query_set(corpus, 3)
    assert [q.kind for q in long] == [
        f"long {kind}" for kind in ("headline", "sentence", "question") for _ in range(4)
    ]
    assert all(8 <= len(q.text.split()) <= 20 for q in long), [q.text for q in long]
    assert [q for q in long if fold(q.text) == q.text] == long[3::4]
    assert not {q.label for q in long} & {q.label for q in query_set(corpus, 3)}
    assert long == long_query_set(corpus, 3) and long != long_query_set(corpus, 4)


def test_search_stage_reports_long_queries_apart(tmp_path: Path) -> None:
    """A run of the search stage alone has rows for the 8-20-word queries and the host's load."""
    out = tmp_path / "report.md"
    skip = "born-digital,quality,ocr,dask,peers,known-item"
    work = str(tmp_path / "work")
    settings = parse_args(
        f"--scale 0.0005 --repeats 1 --work {work} --out {out} --skip {skip}".split()
    )
    figures = run(settings).figures
    assert (
        figures["long_queries"] == 12 and figures["long_query_p99"] >= figures["long_query_p50"] > 0
    )
    assert {f"lh{n}" for n in range(1, 5)} <= set(figures["per_query"])
    report = out.read_text(encoding="utf-8")
    assert "| Warm query p50, 12 queries of 8-20 words (headlines" in report
    assert "| Warm query p99, queries of 8-20 words | " in report
    assert figures["similar_docs"] > 1 and figures["similar_p99"] >= figures["similar_p50"] > 0
    assert f"| `similar`, warm, p50 / p99 over {figures['similar_docs']} documents" in report
    assert "Host load average (1, 5, 15 min) before the search stage " in report
    assert "| lq4 | long question | `" in report


def test_web_bench_serves_an_archive_built_before(tmp_path: Path) -> None:
    """``bench.web --archive`` times the search pages of an archive it did not build, scan-free."""
    import socket

    from archive_search import Archive, IngestOptions
    from bench import web

    corpus = generate(tmp_path / "built", scale=0.0005, seed=2, pdf_pages=0, scan_pages=0)
    with Archive.open(tmp_path / "archive", create=True) as archive:
        archive.ingest([], options=IngestOptions(manifest=corpus.manifest, workers=1))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "web.md"
    web.main(
        f"--scale 0.0005 --seed 2 --repeats 1 --port {port} --work {tmp_path / 'work'} "
        f"--archive {tmp_path / 'archive'} --out {out}".split()
    )
    report = out.read_text(encoding="utf-8")
    assert f"Archive ({tmp_path / 'archive'}): {len(corpus.documents)} documents, " in report
    assert "| search page of a query of 8-20 words, p50 / p99 | " in report
    assert "viewer" not in report.split("| figure |")[1].split("\n\n")[0]
    assert "The page viewer is not measured here" in report
