"""Two-column headers read from scans: the columns as tesseract orders them, and its misreadings.

Tesseract merges a left and a right header line into one (``Số 2-KL/HU Đức Linh, ngày …``) or
reads the columns line by line; the specks and rules around a scanned header come out as
``*%``, ``THÔNG TƯ :``, ``ngày:10``, ``Số 2:NQ/HU``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_search import Archive, IngestOptions
from archive_search.ingest.header import read_metadata
from tools.docgen import write_party_scan_pdf

PARTY_LEFT = ["ĐẢNG BỘ TỈNH BÌNH THUẬN", "HUYỆN ỦY ĐỨC LINH", "*", "Số 2-KL/HU"]
PARTY_RIGHT = ["ĐẢNG CỘNG SẢN VIỆT NAM", "", "", "Đức Linh, ngày 4 tháng 11 năm 2022"]
STATE_LEFT = ["ỦY BAN NHÂN DÂN TỈNH BÌNH DƯƠNG", "", "Số: 25/2023/QĐ-UBND"]
STATE_RIGHT = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "",
    "Bình Dương, ngày 5 tháng 3 năm 2023",
]


def test_scanned_two_column_headers_are_read_field_by_field(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    write_party_scan_pdf(
        folder / "party.pdf",
        PARTY_LEFT,
        PARTY_RIGHT,
        "KẾT LUẬN\nvề đẩy mạnh chuyển đổi số trong các cơ quan đảng\nBan Thường vụ kết luận.",
        centred=2,
    )
    write_party_scan_pdf(
        folder / "state.pdf",
        STATE_LEFT,
        STATE_RIGHT,
        "QUYẾT ĐỊNH\nVề quản lý chi phí đầu tư xây dựng\nCăn cứ Luật Xây dựng số 50/2014/QH13;",
        degrade="noise",
        centred=2,
    )
    with Archive.open(tmp_path / "a", create=True) as archive:
        report = archive.ingest([folder], options=IngestOptions(workers=1))
        assert (report.new, report.ocr_pages, report.failures) == (2, 2, [])
        found = {Path(hit.source).stem: hit.id for hit in archive.search("").hits}
        party = archive.document(found["party"]).metadata
        state = archive.document(found["state"]).metadata
    fields = ("symbol", "doc_type", "issuer", "date")
    assert tuple(party[name] for name in fields) == (
        "2-KL/HU",
        "KL",
        "HU",
        "2022-11-04",
    )
    assert (party["issuer_name"], party["extra"]["superior"]) == (  # type: ignore[index]
        "HUYỆN ỦY ĐỨC LINH",
        "ĐẢNG BỘ TỈNH BÌNH THUẬN",
    )
    assert party["title"] == "Kết luận về đẩy mạnh chuyển đổi số trong các cơ quan đảng"
    assert tuple(state[name] for name in (*fields, "place")) == (
        "25/2023/QĐ-UBND",
        "QĐ",
        "UBND",
        "2023-03-05",
        "Bình Dương",
    )
    assert state["issuer_name"] == "ỦY BAN NHÂN DÂN TỈNH BÌNH DƯƠNG"
    assert state["title"] == "Quyết định Về quản lý chi phí đầu tư xây dựng"


# Page texts as tesseract gave them for scanned two-column headers (bench.header_scans).
MERGED_PARTY = (
    "ĐẢNG BỘ TỈNH BÌNH THUẬN. - ĐẢNG CỘNG SẢN VIỆT NAM\nHUYỆN ỦY TUY PHONG _\n*%\n"
    ".Số 2:NQ/HU Tuy Phong, ngày 26 tháng 12 năm 2003\nNGHỊ QUYẾT .\n"
    "về đẩy mạnh chuyển đổi số trong các cơ quan"
)
INTERLEAVED_STATE = (
    "ỦY BAN THƯỜNG VỤ QUỐC HỘI _CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "| Độc lập - Tự do - Hạnh phúc\nSố: 87/2025/UBTVQH15\nHà Nội, ngày:10 tháng 7 năm 2025\n"
    "NGHỊ QUYẾT -\nĐIỀU CHỈNH CHƯƠNG TRÌNH LẬP PHÁP NĂM 2025\nỦY BAN THƯỜNG VỤ QUỐC HỘI\n"
    "Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;"
)
STATE_HEADING_COLON = (
    "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG _CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "| Độc lập - Tự do - Hạnh phúc\nSố: 34/2025/TT-BNNMT\nHà Nội, ngày 2 tháng 7 năm 2025\n"
    "THÔNG TƯ :\nQuy định mẫu biểu thông tin, dữ liệu về địa chất\n"
    "Căn cứ Luật Địa chất và khoáng sản;"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            MERGED_PARTY,
            (
                "2-NQ/HU",
                "NQ",
                "2003-12-26",
                "HUYỆN ỦY TUY PHONG",
                "Nghị quyết về đẩy mạnh chuyển đổi số trong các cơ quan",
            ),
        ),
        (
            INTERLEAVED_STATE,
            (
                "87/2025/UBTVQH15",
                "NQ",
                "2025-07-10",
                "ỦY BAN THƯỜNG VỤ QUỐC HỘI",
                "Nghị quyết ĐIỀU CHỈNH CHƯƠNG TRÌNH LẬP PHÁP NĂM 2025",
            ),
        ),
        (
            STATE_HEADING_COLON,
            (
                "34/2025/TT-BNNMT",
                "TT",
                "2025-07-02",
                "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
                "Thông tư Quy định mẫu biểu thông tin, dữ liệu về địa chất",
            ),
        ),
    ],
)
def test_a_header_as_tesseract_reads_it_gives_its_fields(
    text: str, expected: tuple[str, str, str, str, str]
) -> None:
    meta = read_metadata([text])
    assert (meta.symbol, meta.doc_type, meta.date, meta.issuer_name, meta.title) == expected
