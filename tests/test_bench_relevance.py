"""The relevance bench end to end on a tiny generated stand-in for the shared data.

Real archives, real peers (whichever are installed), the report's shape; and its one-line refusal
without data.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.relcore import OURS, scores
from bench.relevance import _split, main, parse_args, run
from bench.relreport import _set_table
from bench.relsets import (
    Vocabulary,
    first_sentence,
    marks_probes,
    near_duplicate,
    strip_marks,
)


def test_scores_count_rank_recall_and_empty_lists() -> None:
    figures = scores([["a", "b"], ["x", "c"], []], ["a", "c", "d"])
    assert figures == {
        "mrr": pytest.approx(0.5),
        "recall": pytest.approx(2 / 3),
        "nohit": pytest.approx(1 / 3),
        "n": 3,
    }


def test_queries_holding_a_quote_are_scored_apart_for_every_system() -> None:
    ranked, answers = [["a"], ["x", "b"], ["c"], []], ["a", "b", "c", "d"]
    assert _split(ranked, answers, [True, True, False, False]) == (0.75, 0.5)
    systems = {OURS: {"diacritics": {"mrr": 0.5, "recall": 1, "nohit": 0}}}
    systems[OURS]["accentless"] = systems[OURS]["diacritics"]
    figures = {
        "description": "d",
        "docs": 4,
        "queries": 4,
        "systems": systems,
        "stuck": {"diacritics": 0, "accentless": 0},
        "latency": {v: {"p50": 1.0, "p99": 2.0} for v in ("diacritics", "accentless")},
        "quoted": {
            "queries": 2,
            "systems": {OURS: {"diacritics": (0.75, 0.5), "accentless": (0.5, 0.25)}},
        },
    }
    table = "\n".join(_set_table("headline", figures))
    assert "2 of the 4 queries hold an ASCII quote" in table
    assert "| **archive-search** | 0.750 | 0.500 | 0.500 | 0.250 |" in table


def test_query_texts_as_typed() -> None:
    assert strip_marks("Đảng ủy tỉnh Bình Thuận") == "Dang uy tinh Binh Thuan"
    assert first_sentence("Mưa lớn kéo dài. Nước sông dâng cao.") == "Mưa lớn kéo dài."
    text = "Câu một, có dấu phẩy. " + " ".join(f"Câu số {n} có nhiều chữ hơn." for n in range(6))
    edited = near_duplicate(text, random.Random(1))
    assert edited != text and len(edited) < len(text) and edited.startswith("Câu một;")


def test_mark_probes_pick_words_with_look_alikes() -> None:
    docs = {f"a{n}": "nước sông dâng cao, hiệu trưởng nhà trường" for n in range(4)}
    docs |= {f"b{n}": "người dân sống song song, trưởng ban nhà trường" for n in range(4)}
    docs |= {f"c{n}": "một câu khác hẳn" for n in range(8)}
    vocab = Vocabulary.of(docs)
    probes = marks_probes(vocab, 5, 1, enough=3)
    assert len(probes) == 4  # sông or sống with trường or trưởng; never the unmarked "song"
    assert all(set(p.words) <= {"sông", "sống", "trường", "trưởng"} for p in probes)
    assert all(len(p.words) == 2 and p.holders == 4 for p in probes)
    assert vocab.holds("a0", ("sông", "trường")) and not vocab.holds("b0", ("sông",))
    assert vocab.holds("b0", ("song",))  # typed without marks: any spelling


def test_missing_shared_data_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--shared", str(tmp_path / "nowhere"), "--work", str(tmp_path / "work")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("relevance bench: no query set: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_relevance_bench_on_generated_data(tmp_path: Path) -> None:
    out = tmp_path / "relevance.md"
    argv = ["--synthetic", "--docs", "60", "--queries", "15"]
    argv += ["--similar-dups", "4", "--marks", "6", "--short", "20", "--workers", "1"]
    results = run(parse_args([*argv, "--work", str(tmp_path / "work"), "--out", str(out)]))
    assert set(results.sets) == {"headline", "sentence", "alqac"}
    for figures in results.sets.values():
        assert {"fts5", "fts5-folded", OURS} <= set(figures["systems"])
        for by_variant in figures["systems"].values():
            for variant in ("diacritics", "accentless"):
                assert 0 <= by_variant[variant]["mrr"] <= by_variant[variant]["recall"] <= 1
    # Every peer finds the headline's article somewhere: the stand-in is not empty of answers.
    assert results.sets["headline"]["systems"]["fts5"]["diacritics"]["recall"] > 0.5
    assert results.probes["marks"]["probes"] > 0 and results.probes["short"]["probes"] > 0
    assert results.probes["similar"]["pairs"] == 4
    report = out.read_text(encoding="utf-8")
    assert report.startswith("# Relevance bench\n") and "**upper bound**" in report
    for heading in ("### headline:", "### sentence:", "### alqac:", "## Marks typed are meant"):
        assert heading in report
    assert "| **archive-search** |" in report and "| 8-20 |" in report
    assert "SYNTHETIC stand-in data" in report

    again = run(parse_args([*argv, "--work", str(tmp_path / "work"), "--sets", "headline,similar"]))
    assert again.sets["headline"]["reused"]  # the archive built above, found in the cache
