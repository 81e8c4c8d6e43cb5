"""Citations when symbols repeat (numbering starts again each year or term).

Which of the documents sharing a symbol a citation names, both ways, over a real index.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_search import Archive
from archive_search import engine as search_engine
from archive_search.index.symbols import Citation, citations
from tests.test_search_language import build_archive

ROWS = [  # path, fond, symbol, type, issuer, date, title, secrecy, text
    (
        "x15.txt",
        "TU",
        "27-NQ/TU",
        "NQ",
        "TU",
        "2015-03-01",
        "Nghị quyết năm 2015",
        "",
        "Về kinh tế biển.",
    ),
    (
        "x17.txt",
        "TU",
        "27-NQ/TU",
        "NQ",
        "TU",
        "2017-04-01",
        "Nghị quyết năm 2017",
        "",
        "Về chuyển đổi số.",
    ),
    (
        "x19.txt",
        "TU",
        "27-NQ/TU",
        "NQ",
        "TU",
        "2019-06-01",
        "Nghị quyết mật năm 2019",
        "Mật",
        "Về quốc phòng.",
    ),
    (
        "c1.txt",
        "HU",
        "1-KH/HU",
        "KH",
        "HU",
        "2016-06-01",
        "Kế hoạch 1",
        "",
        "Thực hiện Nghị quyết số 27-NQ/TU.",
    ),
    (
        "c2.txt",
        "HU",
        "2-KH/HU",
        "KH",
        "HU",
        "2018-01-01",
        "Kế hoạch 2",
        "",
        "Thực hiện Nghị quyết 27-NQ/TU.",
    ),
    (
        "c3.txt",
        "HU",
        "3-KH/HU",
        "KH",
        "HU",
        "2019-01-01",
        "Kế hoạch 3",
        "",
        "Thực hiện Nghị quyết số 27-NQ/TU ngày 1/3/2015 của Tỉnh ủy.",
    ),
    (
        "c4.txt",
        "HU",
        "4-KH/HU",
        "KH",
        "HU",
        "2019-02-01",
        "Kế hoạch 4",
        "",
        "Thực hiện Nghị quyết số 27-NQ/TU ngày 5 tháng 9 năm 2017.",
    ),  # no document of that day: its year
    (
        "c5.txt",
        "HU",
        "5-KH/HU",
        "KH",
        "HU",
        "2014-01-01",
        "Kế hoạch 5",
        "",
        "Theo 27-NQ/TU.",
    ),  # none yet
    (
        "c6.txt",
        "HU",
        "6-KH/HU",
        "KH",
        "HU",
        "2020-01-01",
        "Kế hoạch 6",
        "",
        "Theo 27-NQ/TU ngày 1/1/2010.",
    ),
    (
        "c7.txt",
        "HU",
        "7-KH/HU",
        "KH",
        "HU",
        "2020-02-01",
        "Kế hoạch 7",
        "",
        "Nghị quyết số 27-NQ/TU ngày 1/4/2017 đã đạt kết quả; sơ kết 27-NQ/TU năm nay.",
    ),
    (
        "c8.txt",
        "HU",
        "8-KH/HU",
        "KH",
        "HU",
        "2020-03-01",
        "Kế hoạch 8",
        "",
        "Thực hiện 27-NQ/TU.",
    ),  # the 2019 one
    ("y1.txt", "TU", "9-CT/TU", "CT", "TU", "2016-02-01", "Chỉ thị 9 đầu năm", "", "Về giáo dục."),
    ("y2.txt", "TU", "9-CT/TU", "CT", "TU", "2016-08-01", "Chỉ thị 9 cuối năm", "", "Về y tế."),
    (
        "c9.txt",
        "HU",
        "9-KH/HU",
        "KH",
        "HU",
        "2017-01-01",
        "Kế hoạch 9",
        "",  # y1 by its date, y2 by the year
        "Thực hiện Chỉ thị số 9-CT/TU ngày 1/2/2016 và Chỉ thị số 9-CT/TU ngày 3/3/2016.",
    ),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with Archive.open(build_archive(tmp_path_factory.mktemp("citations"), ROWS)) as opened:
        yield opened


def _ids(archive: Archive) -> dict[str, str]:
    """File stem → document id."""
    hits = archive.search("", limit=100, clearance="mat").hits
    return {Path(hit.source).stem: hit.id for hit in hits}


@pytest.mark.parametrize(
    ("citing", "cited"),
    [
        ("c1", "x15"),
        ("c2", "x17"),
        ("c3", "x15"),
        ("c4", "x17"),
        ("c5", None),
        ("c6", None),
        ("c7", "x17"),
    ],
)
def test_a_citation_names_the_document_its_date_or_the_citing_date_points_to(
    archive: Archive, citing: str, cited: str | None
) -> None:
    ids = _ids(archive)
    refs = archive.document(ids[citing]).cites
    assert [(ref.symbol, ref.id) for ref in refs] == [("27-NQ/TU", ids[cited] if cited else "")]


def test_cited_by_is_the_inverse_of_cites(archive: Archive) -> None:
    ids = _ids(archive)
    names = {value: key for key, value in ids.items()}

    def citing(target: str, clearance: str = "public") -> set[str]:
        return {
            names[ref.id] for ref in archive.document(ids[target], clearance=clearance).cited_by
        }

    assert citing("x15") == {"c1", "c3"}
    assert citing("x17") == {"c2", "c4", "c7", "c8"}  # c8 names x19, hidden at public
    assert citing("x17", clearance="mat") == {"c2", "c4", "c7"}
    assert citing("x19", clearance="mat") == {"c8"}


def test_a_text_citing_one_symbol_with_two_dates_is_listed_by_both_documents(
    archive: Archive,
) -> None:
    """c9 names y1 by its date and y2 by the year of a date no document has: each lists c9."""
    ids = _ids(archive)
    assert [ref.id for ref in archive.document(ids["c9"]).cites] == [ids["y1"], ids["y2"]]
    assert [ref.id for ref in archive.document(ids["y1"]).cited_by] == [ids["c9"]]
    assert [ref.id for ref in archive.document(ids["y2"]).cited_by] == [ids["c9"]]


def test_a_citation_is_resolved_among_the_documents_the_reader_may_see(archive: Archive) -> None:
    """As if the hidden x19 did not exist: c8 names x17 at public, x19 when cleared."""
    ids = _ids(archive)
    public = archive.document(ids["c8"]).cites
    assert [ref.id for ref in public] == [ids["x17"]]
    cleared = archive.document(ids["c8"], clearance="mat").cites
    assert [ref.id for ref in cleared] == [ids["x19"]]


def test_citations_read_every_document_however_many(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documents citing one, and those sharing a symbol, are read until none is left.

    They are read in batches; a resolution cited by more than a batch must lose none.
    """
    monkeypatch.setattr(search_engine, "_NUMS_BATCH", 2)
    ids = _ids(archive)
    assert {ref.id for ref in archive.document(ids["x17"], clearance="mat").cited_by} == {
        ids["c2"],
        ids["c4"],
        ids["c7"],
    }
    assert [ref.id for ref in archive.document(ids["c8"], clearance="mat").cites] == [
        ids["x19"]
    ]  # 3 share it


def test_citations_read_the_date_a_text_gives() -> None:
    text = (
        "Nghị quyết số 27-NQ/VPTU ngày 1/4/2017, Chỉ thị 05-CT/TW ngày 15 tháng 5 năm 2016, "
        "Kết luận 12-KL/HU ngay 3-11-2021, 36-NQ/TW, 9-TB/TU ngày 31/2/2019; lại 27-NQ/VPTU."
    )
    assert citations(text) == [
        Citation("27-nq/vptu", "27-NQ/VPTU", "2017-04-01"),
        Citation("05-ct/tw", "05-CT/TW", "2016-05-15"),
        Citation("12-kl/hu", "12-KL/HU", "2021-11-03"),
        Citation("36-nq/tw", "36-NQ/TW"),
        Citation("9-tb/tu", "9-TB/TU"),  # 31 February: no date to go by
    ]  # the second 27-NQ/VPTU, undated, is the one dated before
