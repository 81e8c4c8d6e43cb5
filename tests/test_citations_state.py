"""Citations of state documents (``109/2025/NĐ-CP``, ``1408/QĐ-BXD``, ``121/2025/QH15``).

Read in a text at ingestion, found by ``trichdan:``, and resolved both ways in ``show``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_search import Archive, IngestOptions, SearchQuery
from archive_search.index.symbols import Citation, citations, symbol_key
from archive_search.query import QuerySyntaxError
from tests.test_search_language import build_archive
from tools.docgen import write_pdf

ROWS = [  # path, fond, symbol, type, issuer, date, title, secrecy, text
    (
        "nd15.txt",
        "CP",
        "15/2020/NĐ-CP",
        "NĐ",
        "CP",
        "2020-02-03",
        "Nghị định quy định xử phạt vi phạm hành chính",
        "",
        "Quy định xử phạt vi phạm hành chính về bưu chính, viễn thông.",
    ),
    (
        "qd1408-2019.txt",
        "BXD",
        "1408/QĐ-BXD",
        "QĐ",
        "BXD",
        "2019-05-10",
        "Quyết định năm 2019",
        "",
        "Về định mức xây dựng.",
    ),
    (
        "qd1408-2022.txt",
        "BXD",
        "1408/QĐ-BXD",
        "QĐ",
        "BXD",
        "2022-07-01",
        "Quyết định năm 2022",
        "",
        "Về suất vốn đầu tư.",
    ),
    (
        "luat59.txt",
        "QH",
        "59/2020/QH14",
        "Luật",
        "QH",
        "2020-06-17",
        "Luật Doanh nghiệp",
        "",
        "Luật này quy định về thành lập doanh nghiệp.",
    ),
    (
        "cv-2021.txt",
        "UBND",
        "120/UBND-KT",
        "CV",
        "UBND",
        "2021-01-04",
        "Công văn về định mức",
        "",
        "Thực hiện Quyết định số 1408/QĐ-BXD và Luật Doanh nghiệp số 59/2020/QH14, năng suất "
        "50/ha.",
    ),
]

# A provincial decision as printed: a state header, and the texts it rests on in its preamble.
DECISION = (
    "ỦY BAN NHÂN DÂN\nTỈNH BÌNH DƯƠNG\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\nSố: 25/2023/QĐ-UBND\nBình Dương, ngày 5 tháng 3 năm 2023\n"
    "QUYẾT ĐỊNH\nVề quản lý chi phí đầu tư xây dựng\n"
    "Căn cứ Luật Doanh nghiệp số 59/2020/QH14;\n"
    "Căn cứ Nghị định số 15/2020/NĐ-CP ngày 03 tháng 02 năm 2020 của Chính phủ;\n"
    "Căn cứ Quyết định số 1408/QĐ-BXD ngày 10/5/2019 của Bộ Xây dựng;\n"
    "Quyết định này thay thế Quyết định số 25/2023/QĐ-UBND ban hành trước."
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("state-citations")
    path = build_archive(root, ROWS)
    decision = write_pdf(root / "scans" / "qd-25-2023.pdf", [DECISION])
    with Archive.open(path) as opened:
        report = opened.ingest([decision], options=IngestOptions(workers=1))
        assert (report.new, report.failures) == (1, [])
        yield opened


def _ids(archive: Archive) -> dict[str, str]:
    """File stem → document id."""
    hits = archive.search("", limit=100).hits
    return {Path(hit.source).stem: hit.id for hit in hits}


def _stems(archive: Archive, query: SearchQuery | str) -> set[str]:
    results = archive.run(query if isinstance(query, SearchQuery) else SearchQuery.build(query))
    return {Path(hit.source).stem for hit in results.hits}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Nghị định số 109/2025/NĐ-CP", [("109-2025/nd/cp", "109/2025/NĐ-CP", "")]),
        ("theo Quyết định 1408/QĐ-BXD.", [("1408-qd/bxd", "1408/QĐ-BXD", "")]),
        ("Luật số 121/2025/QH15 ngày 1/7/2025", [("121-2025/qh15", "121/2025/QH15", "2025-07-01")]),
        (
            "Chỉ thị số 05/CT-TTg và 36-NQ/TW",
            [("05-ct/ttg", "05/CT-TTg", ""), ("36-nq/tw", "36-NQ/TW", "")],
        ),
        (
            "Thông tư 01/2021/TT-BT\u0421",
            [("01-2021/tt/btc", "01/2021/TT-BT\u0421", "")],
        ),  # Cyrillic Es
        (
            "Nghị định số 15/2020/NĐ-CPngày 03/02/2020",
            [("15-2020/nd/cp", "15/2020/NĐ-CP", "2020-02-03")],
        ),
        (
            "Thông tư số 15/2023/TT- BNNPTNT ngày 5/6/2023, 02/2020/TT -BTP và 109/2025/NĐ - CP",
            [
                ("15-2023/tt/bnnptnt", "15/2023/TT- BNNPTNT", "2023-06-05"),
                ("02-2020/tt/btp", "02/2020/TT -BTP", ""),
                ("109-2025/nd/cp", "109/2025/NĐ - CP", ""),
            ],
        ),  # a space at the hyphen, as some published texts print it
        (
            "QCVN 01:2025/BNNMT - Quy chuẩn; Chỉ thị 05/CT-TTg - Quy định; 02/XLD - C",
            [("05-ct/ttg", "05/CT-TTg", "")],
        ),  # after a spaced hyphen, only a code in capitals is part of the symbol
        ("ngày 15/5/2016, 1/2 số hộ, năng suất 50/ha, tỷ lệ 12/100, 2/3/QH, 5/2020/nd-cp", []),
    ],
)
def test_state_symbols_are_read_as_citations(text: str, found: list[tuple[str, str, str]]) -> None:
    assert citations(text) == [Citation(*each) for each in found]


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Nghị định số 15/2020/NĐ-CP", "15-2020/nd/cp"),
        ("Luật số: 121/2025/QH15", "121-2025/qh15"),
        ("Số: 1408/QĐ-BXD", "1408-qd/bxd"),
        ("số 36-NQ/TW", "36-nq/tw"),
    ],
)
def test_the_words_naming_a_document_before_its_number_are_left_out_of_its_key(
    typed: str, key: str
) -> None:
    assert symbol_key(typed) == key


def test_trichdan_finds_the_documents_citing_a_state_symbol(archive: Archive) -> None:
    assert _stems(archive, "trichdan:15/2020/NĐ-CP") == {"qd-25-2023"}
    assert _stems(archive, 'trichdan:"Nghị định số 15/2020/NĐ-CP"') == {"qd-25-2023"}
    assert _stems(archive, "trichdan:1408/QD-BXD") == {"qd-25-2023", "cv-2021"}
    assert _stems(archive, SearchQuery.build("", cites=["59/2020/QH14"])) == {
        "qd-25-2023",
        "cv-2021",
    }
    assert _stems(archive, 'so:"Luật số 59/2020/QH14"') == {"luat59"}
    assert _stems(archive, "so:25/2023/QĐ-UBND") == {"qd-25-2023"}  # its own, read in its header
    assert _stems(archive, "trichdan:25/2023/QĐ-UBND") == set()  # never its own citation


def test_a_field_without_a_symbol_says_how_to_write_a_state_one(archive: Archive) -> None:
    with pytest.raises(QuerySyntaxError, match=r"write it like 36-NQ/TW or 109/2025/NĐ-CP"):
        archive.run(SearchQuery.build("trichdan:Nghị định", strict=True))


def test_a_decision_cites_the_state_documents_it_rests_on_and_they_list_it(
    archive: Archive,
) -> None:
    ids = _ids(archive)
    refs = archive.document(ids["qd-25-2023"]).cites
    assert [(ref.symbol, ref.id) for ref in refs] == [
        ("59/2020/QH14", ids["luat59"]),
        ("15/2020/NĐ-CP", ids["nd15"]),
        ("1408/QĐ-BXD", ids["qd1408-2019"]),  # by the date given, though a later one shares it
    ]
    names = {value: key for key, value in ids.items()}

    def cited_by(stem: str) -> set[str]:
        return {names[ref.id] for ref in archive.document(ids[stem]).cited_by}

    assert cited_by("nd15") == {"qd-25-2023"}
    assert cited_by("luat59") == {"qd-25-2023", "cv-2021"}
    assert cited_by("qd1408-2019") == {"qd-25-2023", "cv-2021"}  # undated in 2021: the 2019 one
    assert cited_by("qd1408-2022") == set()
