"""Ranking rules: every word above most words, relaxation said, operators strict, marks meant.

Marks typed are meant. Over a small archive of real Vietnamese text files, ingested for real.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_search import Archive, IngestOptions, QueryError
from archive_search.cli import cli
from archive_search.index.analysis import fold

TEXTS = {
    # every word of "máy bay rơi trúng xe buýt"
    "all": "Máy bay rơi trúng xe buýt trên đường cao tốc, nhiều người bị thương.",
    # most of them (no xe buýt)
    "most": "Máy bay rơi trúng một ngôi nhà, làm cháy hai căn hộ.",
    "few": "Chiếc máy cày hỏng trên cánh đồng lúa.",
    "crash": "Một máy bay nhỏ rơi trúng xe tải chở hàng giữa đồng.",
    # exact spellings and look-alikes
    "river": "Ô nhiễm sông Tô Lịch: trường học bên sông kêu cứu.",
    "lookalike": "Ông trưởng khoa sống cạnh bệnh viện, song trưởng phòng sống xa. "
    "Trưởng thôn sống lâu năm.",
    "unrelated": "Hội nghị tổng kết công tác thi đua khen thưởng năm 2019.",
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("relevance")
    folder = root / "texts"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    with Archive.open(root / "archive", create=True) as opened:
        opened.ingest([folder], options=IngestOptions(workers=1, ocr="never"))
        yield opened


def _names(archive: Archive, text: str, **options: object) -> list[str]:
    results = archive.search(text, **options)  # type: ignore[arg-type]
    return [Path(hit.source).stem for hit in results.hits]


def test_a_long_query_lists_documents_with_most_of_its_words_every_word_first(
    archive: Archive,
) -> None:
    results = archive.search("máy bay rơi trúng xe buýt")
    names = [Path(hit.source).stem for hit in results.hits]
    assert names[0] == "all"
    assert {"most", "crash"} <= set(names)
    assert results.relaxed
    assert results.words == 6
    assert [hit.matched for hit in results.hits][:1] == [6]
    matched = {Path(hit.source).stem: hit.matched for hit in results.hits}
    assert (matched["most"], matched["crash"]) == (4, 5)
    assert results.total == len(names)


def test_all_words_keeps_every_word_required(archive: Archive) -> None:
    results = archive.search("máy bay rơi trúng xe buýt", all_words=True)
    assert [Path(hit.source).stem for hit in results.hits] == ["all"]
    assert not results.relaxed
    assert results.hits[0].matched == 6


def test_nothing_with_every_word_still_finds_most_of_them(archive: Archive) -> None:
    assert _names(archive, "máy bay rơi trúng xe buýt chở khách", all_words=True) == []
    assert _names(archive, "máy bay rơi trúng xe buýt chở khách")[0] == "all"


def test_a_short_query_is_relaxed_only_when_nothing_has_every_word(archive: Archive) -> None:
    assert _names(archive, "máy bay") == _names(archive, "máy bay", all_words=True)
    assert not archive.search("máy bay").relaxed
    assert archive.search("máy cày bay").relaxed


@pytest.mark.parametrize(
    ("query", "never"),
    [
        ('máy bay rơi trúng "xe buýt"', {"most", "crash", "few"}),  # a phrase stays required
        ("máy bay rơi trúng xe -buýt", {"all"}),  # an exclusion stays excluded
        ("máy bay rơi trúng (xe OR nhà)", {"few"}),  # an OR group stays required
        ("máy bay rơi trúng nam:1990", set(TEXTS)),  # a field stays required
    ],
)
def test_operators_stay_strict_when_words_are_relaxed(
    archive: Archive, query: str, never: set[str]
) -> None:
    assert not set(_names(archive, query, limit=100)) & never


def test_words_in_a_group_or_joined_by_marks_are_plain_words(archive: Archive) -> None:
    assert "crash" not in _names(archive, "máy bay rơi trúng (xe buýt)", all_words=True)
    assert "crash" in _names(archive, "máy bay rơi trúng (xe buýt)")
    assert "crash" in _names(archive, "máy-bay rơi trúng xe/buýt")


def test_a_sentence_that_matches_nothing_as_written_is_searched_as_words(
    archive: Archive,
) -> None:
    query = 'máy bay rơi trúng "xe buýt chở khách" 12-NQ/TW'
    results = archive.search(query)
    assert results.loosened and results.relaxed
    assert _names(archive, query)[0] == "all"
    assert next(Path(hit.source).stem for hit in archive.hits(query)) == "all"  # export too
    assert archive.search(query, all_words=True).total == 0
    phrase = archive.search('"máy bay rơi trúng xe buýt chở khách"')  # a quoted passage, too
    assert phrase.loosened and _names(archive, '"máy bay rơi trúng xe buýt chở khách"')[0] == "all"
    assert archive.search('"máy bay rơi trúng xe buýt chở khách"', all_words=True).total == 0
    short = archive.search('"xe buýt máy bay rơi trúng"')  # 6 words: that phrase or nothing
    assert (short.total, short.loosened) == (0, False)
    assert archive.search("99-NQ/TW").total == 0  # a symbol alone names one document
    assert not archive.search('máy bay rơi trúng "xe buýt"').loosened  # it matches as written


def test_words_typed_with_marks_rank_their_exact_spelling_first(archive: Archive) -> None:
    assert _names(archive, "sông trường")[0] == "river"
    assert _names(archive, "trưởng sống")[0] == "lookalike"
    assert set(_names(archive, "song truong")) == {"river", "lookalike"}  # every spelling


def test_the_table_says_when_documents_lack_some_words(tmp_path: Path, archive: Archive) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli, ["--archive", str(archive.path), "search", "máy", "bay", "rơi", "trúng", "xe", "buýt"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == (
        "  Few documents hold every word: those holding most of them follow "
        "(--all-words for every word only)"
    )
    assert lines[3].startswith(  # a document without a title shows its first line
        "  1. -  Máy bay rơi trúng xe buýt trên đường cao tốc, nhiều người bị thương  ["
    )
    assert not any("(untitled)" in line for line in lines)
    assert any(line.endswith("6/6 words]") for line in lines)
    assert any(line.endswith("4/6 words]") for line in lines)
    loose = CliRunner().invoke(
        cli, ["--archive", str(archive.path), "search", 'máy bay rơi "trúng xe buýt chở"']
    )
    assert loose.output.splitlines()[1] == (
        "  Nothing matches the query as written: its phrases and symbols were searched as words"
    )


WORDS = st.sampled_from(
    ["máy", "bay", "sông", "song", "-xe", '"máy bay"', "OR", "(", ")", "nam:2019", "trưởng", "*"]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(WORDS | st.text(max_size=6), max_size=10))
def test_any_query_runs_or_says_what_to_fix(archive: Archive, parts: list[str]) -> None:
    try:
        results = archive.search(" ".join(parts))
    except QueryError:
        return
    assert results.total >= len(results.hits)
    assert all(hit.matched is None or 0 <= hit.matched <= results.words for hit in results.hits)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "ĐẢNG CỘNG SẢN VIỆT NAM\n-----\nSố: 12-NQ/TU\nHà Nội, ngày 5 tháng 3 năm 2019\n"
            "NGHỊ QUYẾT\nvề công tác cán bộ\nI. Tình hình",
            "NGHỊ QUYẾT về công tác cán bộ",
        ),
        (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nTờ trình mới",
            "Tờ trình mới",
        ),
        ("12\n\n  Báo cáo   tổng kết  \n", "Báo cáo tổng kết"),
        ("12 / 34\n-----\nA\n", ""),
    ],
)
def test_a_document_without_a_title_is_named_by_its_first_meaningful_line(
    text: str, shown: str
) -> None:
    from archive_search.snippets import heading

    assert heading(text) == shown


def test_pages_and_export_follow_the_order_of_one_long_page(archive: Archive) -> None:
    query = "máy bay rơi trúng xe buýt chở khách trên đường cao tốc"
    whole = [hit.id for hit in archive.search(query, limit=100).hits]
    assert len(whole) >= 4
    paged = [
        hit.id
        for offset in range(0, len(whole), 2)
        for hit in archive.search(query, limit=2, offset=offset).hits
    ]
    assert paged == whole
    assert [hit.id for hit in archive.hits(query)] == whole


def test_words_side_by_side_in_a_text_rank_it_above_the_same_words_apart(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    texts = {  # the same words, as often, in texts as long: only their order differs
        "apart": "Buýt xe trúng rơi bay máy qua đêm.",
        "together": "Đêm qua máy bay rơi trúng xe buýt.",
        "other": "Đêm nay trời mưa to.",
    }
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    with Archive.open(tmp_path / "archive", create=True) as opened:
        opened.ingest([folder], options=IngestOptions(workers=1, ocr="never"))
        for query in ("đêm qua máy bay rơi trúng xe buýt", "dem qua may bay roi trung xe buyt"):
            results = opened.search(query)
            assert results.relaxed
            assert [Path(hit.source).stem for hit in results.hits][:2] == ["together", "apart"]
            assert [Path(hit.source).stem for hit in opened.hits(query)][:2] == [
                "together",
                "apart",
            ]


def _archive_of(folder: Path, texts: dict[str, str]) -> Archive:
    (folder / "texts").mkdir()
    for name, text in texts.items():
        (folder / "texts" / f"{name}.txt").write_text(text, encoding="utf-8")
    opened = Archive.open(folder / "archive", create=True)
    opened.ingest([folder / "texts"], options=IngestOptions(workers=1, ocr="never"))
    return opened


_MINISTER = [  # most documents hold these words: common, they only add to the score
    "Bộ trưởng nói về đề xuất xây cầu mới tại huyện.",
    "Bộ trưởng nói về đề xuất mở đường tại tỉnh.",
    "Bộ trưởng nói về đề xuất đóng tàu tại cảng.",
    "Bộ trưởng nói về đề xuất trồng rừng tại xã.",
]


def test_a_headline_ranks_by_score_not_by_a_text_that_merely_holds_its_rare_words(
    tmp_path: Path,
) -> None:
    texts = {f"minister{i}": text for i, text in enumerate(_MINISTER)}
    texts["story"] = "Hỏi về đề xuất áp dụng hình thức tù tại gia, Bộ trưởng trả lời ngắn gọn."
    texts["uses"] = (  # every uncommon word of the headline (gì, phạt, tù, gia), another story
        "Gì cũng phải phạt: ông chủ gia đình kia từng ngồi tù vì trộm gà, nay bán tạp hoá ở chợ."
    )
    with _archive_of(tmp_path, texts) as opened:
        for query in (
            "Bộ trưởng nói gì về đề xuất phạt tù tại gia",
            "bo truong noi gi ve de xuat phat tu tai gia",
        ):
            assert _names(opened, query)[:2] == ["story", "uses"], query


def test_a_word_typed_with_marks_is_common_only_as_typed(tmp_path: Path) -> None:
    texts = {  # tu is in most documents, spelled từ, tư, tự; tù in one
        "from": "Từ sáng sớm, nông dân ra đồng.",
        "private": "Công ty tư nhân mở thêm xưởng.",
        "self": "Học sinh tự học buổi tối.",
        "prison": "Người tù được thả sau mười năm.",
    }
    with _archive_of(tmp_path, texts) as opened:
        assert _names(opened, "tù vượt ngục đêm qua")[:1] == ["prison"]
        assert "prison" not in _names(opened, "tu vuot nguc dem qua")  # tu: most documents


def _coined(count: int, seed: int) -> list[str]:
    """``count`` distinct made-up words, as rare as names: each text draws its own."""
    rng = random.Random(seed)
    first, rhymes = "bcdghklmnpqrstvx", ["ao", "anh", "eo", "inh", "ong", "uy", "ươc", "iêt"]
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen[rng.choice(first) + rng.choice(rhymes) + rng.choice(first) + "a"] = None
    return list(seen)


def test_similar_finds_a_long_documents_near_duplicate_above_short_texts_on_its_subject(
    tmp_path: Path,
) -> None:
    """A long report's own words (names, places, figures) tell its copy from texts on its subject.

    Its subject's words, the most frequent in it, are held by shorter texts too; looked for alone,
    they rank those above the copy, whose length weighs against each word it holds.
    """
    subject = _coined(50, seed=1)
    own = [word for word in _coined(200, seed=2) if word not in subject][:150]
    words = subject * 6 + own
    random.Random(3).shuffle(words)
    sentences = [" ".join(words[i : i + 12]) + "." for i in range(0, len(words), 12)]
    texts = {"report": " ".join(sentences), "copy": " ".join(sentences[:5] + sentences[6:])}
    for n in range(6):  # shorter texts on the same subject
        texts[f"subject{n}"] = " ".join(subject[n * 5 : n * 5 + 20] + _coined(100, 10 + n)) + "."
    for n in range(30):
        texts[f"other{n}"] = " ".join(_coined(30, seed=100 + n)) + "."
    with _archive_of(tmp_path, texts) as opened:
        report = next(h.id for h in opened.search(own[0]).hits if h.source.endswith("report.txt"))
        assert Path(opened.similar(report).hits[0].source).stem == "copy"


_PASSAGE = (
    "Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy tập trung lãnh đạo thực hiện tốt công tác phòng "
    "chống thiên tai, bảo đảm an toàn tính mạng và tài sản của nhân dân trong mùa mưa bão năm nay"
)


def test_a_pasted_passage_finds_the_text_holding_it_word_for_word_first(tmp_path: Path) -> None:
    """A near-copy that lost a word of the passage, shorter, ranks below the text it came from."""
    words = _PASSAGE.split()
    texts = {
        "original": f"{_PASSAGE}. Các huyện báo cáo kết quả về Văn phòng Tỉnh ủy trước ngày 30.",
        "copy": " ".join(words[:20] + words[21:]) + ".",  # one word of the passage lost
        **{f"other{i}": text for i, text in enumerate(_MINISTER)},
    }
    with _archive_of(tmp_path, texts) as opened:
        for query in (_PASSAGE, fold(_PASSAGE)):
            assert _names(opened, query)[:2] == ["original", "copy"], query


def test_a_word_most_texts_hold_is_common_however_many_catalogue_records(tmp_path: Path) -> None:
    """Records (a title each) outnumber the texts: ``của``, in every text, is still common.

    A relaxed search then needs one of the query's other words: the text holding ``của`` alone
    is not among its results.
    """
    texts = {
        "story": "Đề xuất áp dụng hình thức tù tại gia của Bộ trưởng được nhiều người đồng tình.",
        "minister": "Bộ trưởng nói về đề xuất xây cầu mới của huyện.",
        "only": "Báo cáo tổng kết của xã năm nay.",  # of the query's words, của alone
    }
    (tmp_path / "texts").mkdir()
    rows = [f"texts/{name}.txt,TU,,,,,,,,," for name in texts]
    for name, text in texts.items():
        (tmp_path / "texts" / f"{name}.txt").write_text(text, encoding="utf-8")
    rows += [
        f",TU,{n}-QD/VP,QD,VP,,Quyết định khen thưởng tập thể số {n},,2001,," for n in range(9)
    ]
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,fond,symbol,doc_type,issuer,date,title,secrecy,year,ghi_chu,extra\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    with Archive.open(tmp_path / "archive", create=True) as opened:
        opened.ingest(
            [tmp_path / "texts"],
            options=IngestOptions(workers=1, ocr="never", manifest=manifest),
        )
        assert opened.statistics().records == 9
        for query in (
            "Bộ trưởng nói gì về đề xuất tù tại gia của",
            "bo truong noi gi ve de xuat tu tai gia cua",
        ):
            assert sorted(_names(opened, query, limit=20)) == ["minister", "story"], query
