"""The query language, match kinds, facets, citations, similar and export.

Over a small archive of text files with a manifest, ingested for real.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_search import (
    Archive,
    DocumentRef,
    FacetCount,
    IndexUnavailableError,
    IngestOptions,
    QueryError,
    SearchQuery,
    SearchResults,
)
from archive_search.cli import cli
from archive_search.index import rebuild

MANIFEST_COLUMNS = [
    "path",
    "fond",
    "symbol",
    "doc_type",
    "issuer",
    "date",
    "title",
    "secrecy",
    "year",
]
DOCUMENTS = [
    (
        "nq36.txt",
        "TW",
        "36-NQ/TW",
        "NQ",
        "TW",
        "1998-05-10",
        "Nghị quyết về công nghệ thông tin",
        "",
        "Bộ Chính trị ban hành nghị quyết về phát triển công nghệ thông tin "
        "trong các cơ quan đảng.",
    ),
    (
        "ct05.txt",
        "TW",
        "05-CT/TW",
        "CT",
        "TW",
        "2016-05-15",
        "Chỉ thị về học tập và làm theo",
        "",
        "Chỉ thị về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
    ),
    (
        "nq31.txt",
        "TU",
        "31-NQ/TU",
        "NQ",
        "TU",
        "2019-03-15",
        "Nghị quyết về chuyển đổi số",
        "",
        "Tiếp tục thực hiện Nghị quyết số 36-NQ/TW và Chỉ thị 05-CT/TW ngày 15/5/2016 về chuyển "
        "đổi số.\fTrang hai: công nghệ số trong đảng bộ tỉnh.",
    ),
    (
        "kl12.txt",
        "HU",
        "12-KL/HU",
        "KL",
        "HU",
        "2021-11-09",
        "Kết luận về thuỷ lợi",
        "",
        "Quán triệt Nghị quyết 36-NQ/TW; công trình đang thi công theo dạng hợp đồng tổng thầu.",
    ),
    (
        "bc03.txt",
        "TU",
        "03-BC/TU",
        "BC",
        "TU",
        "2015-01-10",
        "Báo cáo công tác xây dựng Đảng",
        "",
        "Công tác xây dựng Đảng và đảng viên năm 2014 đạt nhiều kết quả.",
    ),
    (
        "nq07.txt",
        "TU",
        "07-NQ/TU",
        "NQ",
        "TU",
        "2018-08-20",
        "Nghị quyết về bảo vệ bí mật",
        "Mật",
        "Thực hiện Nghị quyết 36-NQ/TW, bảo vệ bí mật nhà nước trong công nghệ thông tin.",
    ),
]


def build_archive(root: Path, rows: list[tuple[str, ...]]) -> Path:
    """Text files and a manifest under ``root/docs``, ingested into ``root/archive``."""
    docs = root / "docs"
    docs.mkdir(parents=True)
    with (docs / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MANIFEST_COLUMNS)
        for *columns, text in rows:
            (docs / columns[0]).write_text(text, encoding="utf-8")
            writer.writerow([*columns, columns[5][:4]])
    with Archive.open(root / "archive", create=True) as archive:
        archive.ingest([], options=IngestOptions(manifest=docs / "manifest.csv", workers=1))
    return root / "archive"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    path = build_archive(tmp_path_factory.mktemp("language"), DOCUMENTS)
    with Archive.open(path) as archive:
        yield archive


def _symbols(archive: Archive, text: str, **options: object) -> list[str]:
    query = SearchQuery.build(text, sort="date-asc", limit=100, **options)  # type: ignore[arg-type]
    return [hit.symbol for hit in archive.run(query).hits]


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("chuyen doi so", ["31-NQ/TU"]),
        ('"thuy loi" OR chuyen', ["31-NQ/TU", "12-KL/HU"]),
        ("thuy loi OR chuyen", ["12-KL/HU"]),  # thuỷ and (lợi or chuyển)
        ('("xay dung" OR "hoc tap") -chi', ["03-BC/TU"]),
        ("cong ngh*", ["36-NQ/TW", "31-NQ/TU", "12-KL/HU"]),  # công … nghị
        ('"cong nghe th*"', ["36-NQ/TW"]),
        ("chuy*", ["31-NQ/TU"]),
        ("so:36-NQ/TW", ["36-NQ/TW"]),
        ("36-NQ/TW", ["36-NQ/TW", "31-NQ/TU", "12-KL/HU"]),
        ("loai:NQ", ["36-NQ/TW", "31-NQ/TU"]),
        ('loai:"nghị quyết" -so:31-NQ/TU', ["36-NQ/TW"]),
        ("phong:tu nam:2015..2019", ["03-BC/TU", "31-NQ/TU"]),
        ("coquan:HU OR coquan:TW", ["36-NQ/TW", "05-CT/TW", "12-KL/HU"]),
        ("tieude:chuyen", ["31-NQ/TU"]),
        ('tieude:cong -tieude:"xay dung"', ["36-NQ/TW"]),
        ("trichdan:36-NQ/TW", ["31-NQ/TU", "12-KL/HU"]),
        ("trichdan:05-CT/TW dang", ["31-NQ/TU"]),
        ("mat:mat", []),
    ],
)
def test_query_language(small: Archive, text: str, symbols: list[str]) -> None:
    assert _symbols(small, text) == symbols


def test_secrecy_field_and_cites_option_under_clearance(small: Archive) -> None:
    assert _symbols(small, "mat:mat", clearance="mat") == ["07-NQ/TU"]
    assert _symbols(small, "", cites=["36-NQ/TW"], clearance="tối mật") == [
        "07-NQ/TU",
        "31-NQ/TU",
        "12-KL/HU",
    ]
    assert _symbols(small, "", issuer=["TW"]) == ["36-NQ/TW", "05-CT/TW"]


def test_exact_and_folded_matches_per_page_and_per_hit(small: Archive) -> None:
    hit = small.search("đảng viên").hits[0]
    assert (hit.symbol, hit.match, [p.match for p in hit.pages]) == ("03-BC/TU", "exact", ["exact"])
    folded = small.search("dang vien").hits[0]
    assert (folded.match, folded.pages[0].match) == ("folded", "folded")
    mixed = {h.symbol: h.match for h in small.search("đang thi công").hits}
    assert mixed == {"12-KL/HU": "exact", "31-NQ/TU": "folded"}  # đảng … Chỉ thị … công nghệ
    page_two = small.search("cong nghe so").hits[0]
    assert [(p.page, p.match) for p in page_two.pages] == [(2, "folded")]
    assert "<b>công nghệ số</b>" in page_two.pages[0].snippet


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ('"cong nghe so" OR "chuyen doi so"', [1, 2]),
        ('so -"bao ve"', [1, 2]),
        (
            'phong:TU nam:2019 "cong nghe so" -loai:BC',
            [2],
        ),  # the document's metadata holds on every page
        ("tieude:chuyen cong nghe", [2]),  # title words are not looked for on pages
        ("trichdan:36-NQ/TW cong nghe so", [2]),
    ],
)
def test_page_hits_follow_the_whole_query_on_one_page(
    small: Archive, text: str, pages: list[int]
) -> None:
    hit = next(hit for hit in small.search(text).hits if hit.symbol == "31-NQ/TU")
    assert sorted(page.page for page in hit.pages) == pages


def test_prefix_is_highlighted(small: Archive) -> None:
    pages = small.search("chuy*").hits[0].pages
    assert "<b>chuyển</b>" in pages[0].snippet


def test_facets_by_issuer_and_decade_each_without_its_own_filter(small: Archive) -> None:
    facets = small.search("", issuer=["TW"], year=["2010..2019"]).facets
    assert facets["issuer"] == (FacetCount("TU", 2), FacetCount("TW", 1))
    assert facets["decade"] == (FacetCount("1990-1999", 1), FacetCount("2010-2019", 1))
    assert "secrecy" not in facets
    cleared = small.facets(SearchQuery.build("nghi quyet", clearance="tuyet-mat"))
    assert cleared["secrecy"] == (FacetCount("public", 3), FacetCount("mat", 1))


def test_citations_both_ways_within_clearance(small: Archive) -> None:
    nq31 = small.search("so:31-NQ/TU").hits[0]
    view = small.document(nq31.id)
    nq36_id = small.search("so:36-NQ/TW").hits[0].id
    ct05_id = small.search("so:05-CT/TW").hits[0].id
    assert view.cites == (
        DocumentRef("36-NQ/TW", nq36_id, "Nghị quyết về công nghệ thông tin", "1998-05-10"),
        DocumentRef("05-CT/TW", ct05_id, "Chỉ thị về học tập và làm theo", "2016-05-15"),
    )
    assert [ref.symbol for ref in small.document(nq36_id).cited_by] == ["31-NQ/TU", "12-KL/HU"]
    cleared = small.document(nq36_id, clearance="mat").cited_by
    assert [ref.symbol for ref in cleared] == ["07-NQ/TU", "31-NQ/TU", "12-KL/HU"]


def test_similar_excludes_itself_and_hidden_documents(small: Archive) -> None:
    nq36 = small.search("so:36-NQ/TW").hits[0]
    similar = small.similar(nq36.id)
    symbols = [hit.symbol for hit in similar.hits]
    assert "36-NQ/TW" not in symbols and "07-NQ/TU" not in symbols
    assert symbols[0] == "31-NQ/TU"
    assert small.similar(nq36.id, clearance="mat").hits[0].symbol == "07-NQ/TU"


def test_export_streams_every_hit_not_just_a_page(small: Archive) -> None:
    out = io.StringIO()
    assert small.export(SearchQuery.build("", limit=1, sort="date"), out, format="jsonl") == 5
    assert [json.loads(line)["symbol"] for line in out.getvalue().splitlines()] == [
        "12-KL/HU",
        "31-NQ/TU",
        "05-CT/TW",
        "03-BC/TU",
        "36-NQ/TW",
    ]
    with pytest.raises(QueryError, match="unknown export format"):
        small.export("", out, format="xml")  # type: ignore[arg-type]


def test_export_rows_carry_the_best_page_and_its_snippet(small: Archive) -> None:
    out = io.StringIO()
    small.export("chuyen doi so", out, format="jsonl")
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows and all(row["page"] >= 1 and "<b>" in row["snippet"] for row in rows)
    assert rows[0]["snippet"] == small.search("chuyen doi so").hits[0].pages[0].snippet


def test_lenient_and_strict(small: Archive) -> None:
    results = small.search("(chuyen doi")
    assert (
        results.warning
        == "'(' is not closed: add a ')' after the group; searched the words as plain text instead"
    )
    assert [hit.symbol for hit in results.hits] == ["31-NQ/TU"]
    with pytest.raises(QueryError, match="is not closed"):
        small.search("(chuyen doi", strict=True)
    assert small.search("", limit=0).total == 5


def test_threads_searching_one_archive_get_the_serial_results(small: Archive) -> None:
    queries = [
        "cong nghe",
        "dang",
        "36-NQ/TW",
        "loai:NQ",
        "chuy*",
        '"thuy loi" OR chuyen',
        "tieude:cong",
    ] * 6
    serial = [small.search(text) for text in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(small.search, queries))
    assert parallel == serial


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(
        alphabet=st.sampled_from(list('ađêô"()-*:|OR so36/NQTWloaiđnamtieude.,\\ '))
        | st.characters(),
        max_size=25,
    )
)
def test_random_queries_never_crash(small: Archive, text: str) -> None:
    for strict in (False, True):
        try:
            small.search(text, strict=strict)
        except QueryError as exc:
            assert exc.message


def _copy_with_an_old_index(archive: Archive, folder: Path) -> Path:
    """A copy of ``archive`` whose index looks built by an older version: it lacks ``cites``."""
    copy = folder / "archive"
    shutil.copytree(archive.path, copy)
    for meta_path in (copy / "index").glob("*/meta.json"):
        meta = json.loads(meta_path.read_text())
        meta["schema"] = [field for field in meta["schema"] if field["name"] != "cites"]
        meta_path.write_text(json.dumps(meta))
    return copy


def _ties_by_id(results: SearchResults) -> SearchResults:
    """``results`` with hits of equal score ordered by id.

    The order tantivy gives them follows where the index stores them, which a rebuild changes.
    """
    return dataclasses.replace(
        results, hits=tuple(sorted(results.hits, key=lambda hit: (-hit.score, hit.id)))
    )


def test_an_index_from_an_older_version_says_run_reindex(tmp_path: Path, small: Archive) -> None:
    with Archive.open(_copy_with_an_old_index(small, tmp_path)) as old:
        stale = r"older archive-search \(no cites field\): run `archive-search reindex`"
        with pytest.raises(IndexUnavailableError, match=stale):
            old.search("dang")
        assert old.reindex() == 6
        assert old.search("trichdan:36-NQ/TW").total == 2


def test_the_cli_says_so_when_it_rebuilds_an_index_from_an_older_version(
    tmp_path: Path, small: Archive
) -> None:
    copy = _copy_with_an_old_index(small, tmp_path)
    result = CliRunner().invoke(
        cli, ["--archive", str(copy), "ingest", "--prune"], catch_exceptions=False
    )
    assert result.exit_code == 0
    notice = (
        "rebuilding the search index from the catalogue first: "
        "an older archive-search built it (no cites)"
    )
    assert result.stderr.splitlines() == [notice]
    assert result.stdout.startswith("0 new, 0 unchanged")
    with Archive.open(copy) as rebuilt:
        assert rebuilt.outdated_index() == []
        assert rebuilt.search("trichdan:36-NQ/TW").total == 2


def test_reindex_reports_its_progress(
    tmp_path: Path, small: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rebuild, "_PROGRESS_EVERY", 2)
    seen: list[tuple[int, int]] = []
    with Archive.open(_copy_with_an_old_index(small, tmp_path)) as old:
        assert old.outdated_index() == ["cites"]
        assert old.reindex(progress=lambda done, total: seen.append((done, total))) == 6
        assert old.outdated_index() == []
    assert seen == [(2, 6), (4, 6), (6, 6), (6, 6)]  # the last once more when committed


def test_an_interrupted_rebuild_leaves_the_index_as_it_was(
    tmp_path: Path, small: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(small.path, copy)
    monkeypatch.setattr(rebuild, "_PROGRESS_EVERY", 2)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C, half-way

    with Archive.open(copy) as archive:
        with pytest.raises(KeyboardInterrupt):
            archive.reindex(progress=interrupt)
        assert not (copy / "index.new").exists()
        assert archive.search("cong nghe").total == small.search("cong nghe").total > 0
    monkeypatch.setattr(Archive, "reindex", lambda self, progress=None: interrupt(0, 0))
    result = CliRunner().invoke(cli, ["--archive", str(copy), "reindex"])
    assert result.exit_code == 130
    assert result.stderr.startswith("Interrupted: the search index is as it was;")


def test_ingesting_into_an_index_from_an_older_version_rebuilds_it(
    tmp_path: Path, small: Archive, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        Archive.open(_copy_with_an_old_index(small, tmp_path)) as old,
        caplog.at_level(logging.INFO),
    ):
        assert old.ingest([]).failures == []
        assert (
            "rebuilding the search index, built by an older archive-search (no cites)"
            in caplog.text
        )
        for text in ("trichdan:36-NQ/TW", "cong nghe -hoc", "phat trien"):
            assert _ties_by_id(old.search(text)) == _ties_by_id(small.search(text))
        assert old.search("cong nghe -hoc").total > 0


# Fonds, types and issuers whose codes mix case and diacritics, as archives have them (texts
# differ: identical files would be one document).
CODED = [
    ("a.txt", "ThU-PT", "1-QĐ/ThU", "QĐ", "ĐU", "2019-01-02", "Quyết định", "", "kinh tế biển một"),
    ("b.txt", "ThU-PT", "2-QĐi/ThU", "QĐi", "ĐU", "2019-01-03", "Quy định", "", "kinh tế biển hai"),
    ("c.txt", "TU", "3-CT/TU", "CT", "TU", "2019-01-04", "Chỉ thị", "", "kinh tế biển ba"),
    ("d.txt", "TU", "4-CTr/TU", "CTr", "DU", "2019-01-05", "Chương trình", "", "kinh tế biển bốn"),
]


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with Archive.open(build_archive(tmp_path_factory.mktemp("coded"), CODED)) as archive:
        yield archive


@pytest.mark.parametrize(
    ("filters", "symbols"),
    [
        ({"fond": "thu-pt"}, ["1-QĐ/ThU", "2-QĐi/ThU"]),
        ({"fond": "THU-PT"}, ["1-QĐ/ThU", "2-QĐi/ThU"]),
        ({"doc_type": "qd"}, ["1-QĐ/ThU"]),  # without diacritics, and never also QĐi
        ({"doc_type": "QD"}, ["1-QĐ/ThU"]),
        ({"doc_type": "quyết định"}, ["1-QĐ/ThU"]),
        ({"doc_type": "quy dinh"}, ["2-QĐi/ThU"]),  # a type by its name
        ({"doc_type": "qdi"}, ["2-QĐi/ThU"]),
        ({"doc_type": "ct"}, ["3-CT/TU"]),  # not CTr
        ({"doc_type": ["CTR", "ct"]}, ["3-CT/TU", "4-CTr/TU"]),
        ({"issuer": "ĐU"}, ["1-QĐ/ThU", "2-QĐi/ThU"]),
        ({"issuer": "du"}, ["4-CTr/TU"]),  # the closest spelling: DU, not ĐU
        ({"issuer": "đu"}, ["1-QĐ/ThU", "2-QĐi/ThU"]),
        ({"fond": "XX"}, []),
    ],
)
def test_filter_values_match_as_archivists_type_them(
    coded: Archive, filters: dict[str, str], symbols: list[str]
) -> None:
    assert _symbols(coded, "kinh tế", **filters) == symbols
    assert _symbols(coded, "", **filters) == symbols  # browsing too
    every = coded.hits(SearchQuery.build("", sort="date-asc", **filters))  # type: ignore[arg-type]
    assert [hit.symbol for hit in every] == symbols  # and every hit, as export streams them


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("kinh tế loai:qd", ["1-QĐ/ThU"]),
        ("phong:thu-pt -loai:qdi", ["1-QĐ/ThU"]),
        ("coquan:du OR loai:ct", ["3-CT/TU", "4-CTr/TU"]),
    ],
)
def test_query_fields_match_as_archivists_type_them(
    coded: Archive, text: str, symbols: list[str]
) -> None:
    assert _symbols(coded, text) == symbols


def test_cli_type_filter_without_diacritics_counts_facets(coded: Archive) -> None:
    result = CliRunner().invoke(
        cli, ["--archive", str(coded.path), "search", "--json", "--type", "qd", "kinh", "te"]
    )
    data = json.loads(result.output)
    assert data["total"] == 1 and data["hits"][0]["symbol"] == "1-QĐ/ThU"
    assert {c["value"]: c["count"] for c in data["facets"]["fond"]} == {"ThU-PT": 1}
    assert {c["value"]: c["count"] for c in data["facets"]["doc_type"]} == {
        "QĐ": 1,
        "QĐi": 1,
        "CT": 1,
        "CTr": 1,
    }


def test_asking_for_a_level_above_the_clearance_says_why_nothing_matches(small: Archive) -> None:
    public = small.search("mat:mat bảo vệ")
    assert public.total == 0
    assert public.warning == (
        "mat:mat is above the clearance public, so it matches nothing; "
        "search with clearance mat or higher to see such documents"
    )
    cleared = small.search("mat:Mật bảo vệ", clearance="mat")
    assert cleared.total == 1 and cleared.warning is None
    assert small.search("bảo vệ -mat:mat").warning is None  # excluding a level asks for nothing
