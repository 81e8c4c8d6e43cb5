"""Search through the Python API over the real ingested archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archive_search import Archive, FacetCount, IngestOptions, QueryError, SearchQuery
from archive_search.index.records import Secrecy


def _symbols(archive: Archive, text: str, **options: object) -> list[str]:
    return [hit.symbol for hit in archive.search(text, **options).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["công nghệ thông tin", "cong nghe thong tin", "CÔNG NGHỆ THÔNG TIN", "Cong Nghe thong tin"],
)
def test_with_and_without_diacritics(archive: Archive, text: str) -> None:
    assert _symbols(archive, text, all_words=True) == ["31-NQ/TU"]
    assert _symbols(archive, text)[0] == "31-NQ/TU"  # then those with most of the words


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ('"hoà bình"', "31-NQ/TU"),  # printed hòa bình
        ('"hòa bình"', "31-NQ/TU"),
        ('"khóa XII"', "05-CT/TU"),  # printed khoá XII
        ("thủy lợi", "12-KL/HU"),  # printed thuỷ lợi
    ],
)
def test_tone_mark_styles_find_each_other(archive: Archive, text: str, symbol: str) -> None:
    assert _symbols(archive, text) == [symbol]


@pytest.mark.parametrize(
    "text", ["36-NQ/TW", "36-nq/tw", "36 NQ/TW", "số 36-NQ/TW", "Nghị quyết 36-NQ/TW"]
)
def test_cited_symbol_is_found_as_typed_on_its_page(archive: Archive, text: str) -> None:
    results = archive.search(text)
    assert [hit.symbol for hit in results.hits] == ["31-NQ/TU"]
    assert [page.page for page in results.hits[0].pages] == [2]
    assert "<b>36-NQ/TW</b>" in results.hits[0].pages[0].snippet


def test_own_symbol_ranks_its_document_first(archive: Archive) -> None:
    assert _symbols(archive, "05-CT/TU")[0] == "05-CT/TU"


def test_phrases_keep_word_order(archive: Archive) -> None:
    assert archive.search('"cong nghe thong tin"').total == 1
    assert archive.search('"thong tin cong nghe"').total == 0


def test_exclusion(archive: Archive) -> None:
    assert "31-NQ/TU" in _symbols(archive, "ban thuong vu")
    assert "31-NQ/TU" not in _symbols(archive, 'ban thuong vu -"cong nghe"')


@pytest.mark.parametrize(
    ("text", "excluded", "symbol"),
    [
        ("ban thuong vu", "lieu", "31-NQ/TU"),  # dữ liệu: in its text, not its title
        ("ban thuong vu", "chuyen", "15-TB/TU"),  # chuyển đổi số: title and text
        ("can bo", "nhiem", "45-NQ/TU"),  # a catalogue record: a title alone
    ],
)
def test_excluding_a_word_drops_every_entry_holding_it_anywhere(
    archive: Archive, text: str, excluded: str, symbol: str
) -> None:
    assert symbol in _symbols(archive, text)
    assert symbol not in _symbols(archive, f"{text} -{excluded}")
    assert symbol not in _symbols(archive, f"-{excluded.upper()} {text}")


def test_page_hits_name_each_matching_page_with_a_snippet(archive: Archive) -> None:
    hit = archive.search("cong nghe thong tin").hits[0]
    assert [page.page for page in hit.pages] == [1, 2]
    assert "<b>công nghệ thông tin</b>" in hit.pages[0].snippet


def test_catalogue_records_are_found_by_title_and_symbol(archive: Archive) -> None:
    for text in ("can bo nhiem ky", "45-NQ/TU"):
        hits = archive.search(text, all_words=True).hits
        assert [(hit.kind, hit.symbol, hit.source) for hit in hits] == [("record", "45-NQ/TU", "")]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("cán bộ nhiệm kỳ", "exact"),
        ("CÁN BỘ", "exact"),
        ("cán bo", "folded"),
        ("can bo nhiem ky", "folded"),
        ("cán bộ nhiệm k*", "exact"),
        ("cán bộ nhiem k*", "folded"),
    ],
)
def test_a_record_hit_tells_whether_its_title_spells_the_words_as_typed(
    archive: Archive, text: str, match: str
) -> None:
    """A record has no pages: its title alone tells whether it matched exactly."""
    hits = archive.search(text, all_words=True).hits
    assert [(hit.kind, hit.pages, hit.match) for hit in hits] == [("record", (), match)]


def test_filters(archive: Archive) -> None:
    assert _symbols(archive, "cong tac", fond=["HU-HTB"]) == ["12-KL/HU"]
    assert sorted(_symbols(archive, "", year=["2015..2016"])) == ["03-BC/TU", "05-CT/TU"]
    assert sorted(_symbols(archive, "", doc_type=["NQ"])) == ["31-NQ/TU", "45-NQ/TU"]
    assert sorted(_symbols(archive, "", year=["2010", "2021"])) == ["12-KL/HU", "45-NQ/TU"]


def test_open_and_wide_year_ranges_find_every_year_they_cover(archive: Archive) -> None:
    """Open and wide year ranges find what their years hold.

    Open ranges are closed at the archive's first and last years and searched year by year; a
    range too wide for that reads the year column.
    """
    years = {
        hit.symbol: hit.year for hit in archive.search("", limit=100, clearance="tuyet-mat").hits
    }
    first, last = min(y for y in years.values() if y), max(y for y in years.values() if y)

    def found(**options: Any) -> list[str]:
        return sorted(
            _symbols(archive, options.pop("text", ""), clearance="tuyet-mat", limit=100, **options)
        )

    def holding(low: int, high: int) -> list[str]:
        return sorted(symbol for symbol, year in years.items() if year and low <= year <= high)

    assert found(year="2016..") == holding(2016, last) == found(text="nam:2016..")
    assert found(year="..2015") == holding(first, 2015) == found(text="nam:..2015")
    assert found(year=f"{last}..") == holding(last, last) != []
    assert found(year="1000..2999") == found(year="1000..") == holding(first, last)
    assert found(year=["2010", "2016.."]) == sorted(set(holding(2010, 2010) + holding(2016, last)))
    assert found(year=f"..{first - 1}") == []


def test_facets_count_documents_and_ignore_their_own_filter(archive: Archive) -> None:
    results = archive.search("", year=["2019"])
    assert results.total == 1
    assert results.facets["year"] == (
        FacetCount("2010", 1),
        FacetCount("2015", 1),
        FacetCount("2016", 1),
        FacetCount("2017", 1),
        FacetCount("2019", 1),
        FacetCount("2020", 1),
        FacetCount("2021", 1),
    )
    assert results.facets["fond"] == (FacetCount("TU", 1),)
    assert results.facets["doc_type"] == (FacetCount("NQ", 1),)


def test_with_several_filters_each_facet_is_counted_without_its_own(archive: Archive) -> None:
    """Two filtered facets and the rest: three aggregations, which two threads share."""
    both = archive.search("", fond=["TU"], year=["2015..2017"], clearance="tuyet-mat")
    years = archive.search("", fond=["TU"], clearance="tuyet-mat").facets["year"]
    assert both.facets["year"] == years
    assert any(
        not 2015 <= int(count.value) <= 2017 for count in years
    )  # the year filter is left out
    assert (
        both.facets["fond"]
        == archive.search("", year=["2015..2017"], clearance="tuyet-mat").facets["fond"]
    )
    assert sum(count.count for count in both.facets["secrecy"]) == both.total > 0
    assert sum(count.count for count in both.facets["decade"]) == sum(
        count.count for count in years
    )


@pytest.mark.parametrize(
    "text",
    [
        "công tác",
        "cong tac",
        '"xây dựng Đảng"',
        "công ngh*",
        "36-NQ/TW",
        "tieude:báo cáo",
        "Đảng OR hòa -thủy",
    ],
)
def test_facets_count_exactly_the_documents_the_query_finds(archive: Archive, text: str) -> None:
    # Facets are counted with a query stripped of what only ranks (exact spellings, compounds).
    results = archive.search(text, limit=100, clearance="tuyet-mat")
    assert results.total == len(results.hits) > 0
    for facet, of_hit in (("fond", "fond"), ("doc_type", "doc_type"), ("year", "year")):
        counted: dict[str, int] = {}
        for hit in results.hits:
            value = str(getattr(hit, of_hit) or "")
            if value and value != "None":
                counted[value] = counted.get(value, 0) + 1
        assert {c.value: c.count for c in results.facets[facet]} == counted, facet


def test_secret_documents_stay_hidden_below_clearance(archive: Archive) -> None:
    public = archive.search("bao ve bi mat")
    assert (public.total, public.hits) == (0, ())
    assert all(count.value != "2018" for count in archive.search("").facets["year"])
    cleared = archive.search("bao ve bi mat", clearance="mat")
    assert [hit.symbol for hit in cleared.hits] == ["07-NQ/TU"]


def test_sort_by_date_and_paging(archive: Archive) -> None:
    newest = _symbols(archive, "", sort="date", limit=3)
    assert newest == ["12-KL/HU", "15-TB/TU", "31-NQ/TU"]
    assert _symbols(archive, "", sort="date-asc", limit=2, offset=1) == ["03-BC/TU", "05-CT/TU"]
    assert archive.search("", limit=2).total == 7  # eight, less the secret one


def test_bad_options_are_query_errors(archive: Archive) -> None:
    with pytest.raises(QueryError, match="year"):
        archive.search("x", year=["soon"])
    with pytest.raises(QueryError, match="limit"):
        SearchQuery(text="x", limit=-1)


def test_a_filter_given_one_value_alone_means_that_value(archive: Archive) -> None:
    def total(**filters: Any) -> int:
        return archive.search("", **filters).total

    assert total(fond="TU") == total(fond=["TU"]) > 0  # not the letters T and U
    assert total(year=2019) == total(year="2019") == total(year=["2019"]) > 0
    assert total(year="2015..2019") == total(year=["2015..2019"]) > total(year=2019)
    assert total(doc_type="NQ") == total(doc_type=["NQ"]) > 0


def test_values_of_the_wrong_type_are_query_errors_that_say_what_to_give(archive: Archive) -> None:
    with pytest.raises(QueryError, match="query text must be a string, not int"):
        archive.search(36)  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="limit must be a whole number, not '5'"):
        archive.search("x", limit="5")  # type: ignore[arg-type]
    with pytest.raises(
        QueryError, match="clearance must be a level such as public or mat, not None"
    ):
        archive.search("x", clearance=None)  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="exact must be True or False, not 'no'"):
        archive.search("x", exact="no")  # type: ignore[arg-type]  # a truthy string would mean yes


def test_exact_spelling_ranks_above_accent_insensitive(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "dang.txt").write_text(
        "Đại hội đảng bộ tỉnh; đảng viên mới", encoding="utf-8"
    )
    (tmp_path / "docs" / "dang-khac.txt").write_text(
        "Công trình đang thi công theo dạng hợp đồng; đang làm", encoding="utf-8"
    )
    with Archive.open(tmp_path / "a", create=True) as archive:
        archive.ingest([tmp_path / "docs"], options=IngestOptions(workers=1))
        accented = [Path(hit.source).name for hit in archive.search("đảng").hits]
        bare = archive.search("dang").total
    assert accented == ["dang.txt", "dang-khac.txt"]
    assert bare == 2


def test_one_archive_sees_its_own_new_commits_and_nothing_else_reloads(tmp_path: Path) -> None:
    first = tmp_path / "a.txt"
    first.write_text("Báo cáo về chuyển đổi số", encoding="utf-8")
    with Archive.open(tmp_path / "archive", create=True) as archive:
        archive.ingest([first])
        assert archive.search("chuyen doi so").total == 1
        index = archive._search_engine().index.levels[Secrecy.PUBLIC]
        before, loaded = index.searcher().num_docs, index._loaded
        assert archive.search("chuyen doi so").total == 1
        assert index._loaded == loaded  # no commit since: no reload
        second = tmp_path / "b.txt"
        second.write_text("Kế hoạch chuyển đổi số của Tỉnh ủy", encoding="utf-8")
        archive.ingest([second])
        assert archive.search("chuyen doi so").total == 2
        assert index._loaded != loaded
        assert index.searcher().num_docs > before


def test_hits_show_the_catalogue_summary_of_each_document(archive: Archive) -> None:
    engine = archive._search_engine()
    nums = engine.catalog.document_nums()
    summaries = engine.catalog.summaries(nums)
    stored = engine.catalog.documents_by_num(nums)
    assert summaries.keys() == stored.keys() and len(summaries) == len(nums) > 0
    for num, summary in summaries.items():
        doc, meta = stored[num], stored[num].meta
        assert (summary.num, summary.id, summary.kind, summary.source) == (
            doc.num,
            doc.id,
            doc.kind,
            doc.source,
        )
        assert (
            summary.title,
            summary.symbol,
            summary.doc_type,
            summary.fond,
            summary.year,
            summary.date,
            summary.issuer,
            summary.secrecy,
        ) == (
            meta.title,
            meta.symbol,
            meta.doc_type,
            meta.fond,
            meta.year,
            meta.date,
            meta.issuer,
            meta.secrecy.value,
        )
    assert engine.catalog.summaries([]) == {}


def test_page_texts_of_many_documents_come_back_in_order(tmp_path: Path) -> None:
    from archive_search.index.catalog import _PAGES_PER_QUERY, Catalog
    from archive_search.index.records import DocumentMeta, PageMethod, PageText

    catalog = Catalog.open(tmp_path / "catalog.sqlite", create=True)
    nums = []
    with catalog.transaction():
        for n in range(3):
            pages = [
                PageText(p, f"trang {p} của {n}", PageMethod.PLAIN_TEXT)
                for p in range(1, _PAGES_PER_QUERY)
            ]
            nums.append(
                catalog.put_document(
                    f"d{n}", kind="document", source="", meta=DocumentMeta(), pages=pages
                )
            )
    wanted = {
        nums[0]: [3, 1],
        nums[1]: list(range(1, _PAGES_PER_QUERY)),
        nums[2]: [_PAGES_PER_QUERY + 7],
    }
    found = catalog.page_texts(wanted)
    assert found[nums[0]] == [(1, "trang 1 của 0"), (3, "trang 3 của 0")]
    assert len(found[nums[1]]) == _PAGES_PER_QUERY - 1 and found[nums[1]][-1][1].endswith("của 1")
    assert nums[2] not in found  # no such page
    catalog.close()
