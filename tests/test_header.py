"""Metadata read from Party and state document headers (pure function, no I/O)."""

from __future__ import annotations

import pytest

from archive_search.index.records import Secrecy
from archive_search.ingest.header import parse_header, parse_signer, read_metadata

PARTY = (
    "ĐẢNG BỘ TỈNH BÌNH THUẬN\nTỈNH ỦY\n*\nSố 31-NQ/TU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
    "Phan Thiết, ngày 15 tháng 3 năm 2019\nNGHỊ QUYẾT\ncủa Ban Thường vụ Tỉnh ủy\n"
    "về đẩy mạnh ứng dụng công nghệ thông tin\n\nNhững năm qua, các cấp ủy đã quan tâm."
)


def test_party_header_gives_symbol_type_issuer_date() -> None:
    meta = parse_header(PARTY)
    assert (meta.symbol, meta.doc_type, meta.issuer) == ("31-NQ/TU", "NQ", "TU")
    assert (meta.date, meta.year) == ("2019-03-15", 2019)
    assert meta.sources["symbol"] == "header"


def test_title_joins_the_summary_lines_and_keeps_the_original_spelling() -> None:
    meta = parse_header(PARTY)
    assert (
        meta.title
        == "Nghị quyết của Ban Thường vụ Tỉnh ủy về đẩy mạnh ứng dụng công nghệ thông tin"
    )


def test_title_stops_at_the_body_even_without_a_blank_line() -> None:
    meta = parse_header("THÔNG BÁO\nkết luận về chuyển đổi số\nBan Thường vụ thống nhất.")
    assert (meta.doc_type, meta.title) == ("TB", "Thông báo kết luận về chuyển đổi số")


def test_state_symbol_is_recognised_as_such() -> None:
    meta = parse_header(
        "ỦY BAN NHÂN DÂN\nTỈNH BÌNH THUẬN\nSố: 12/2019/QĐ-UBND\nQUYẾT ĐỊNH\nvề giá đất"
    )
    assert (meta.symbol, meta.doc_type, meta.issuer) == ("12/2019/QĐ-UBND", "QĐ", "UBND")
    assert meta.extra["system"] == "state"


def test_secrecy_mark_alone_on_a_line() -> None:
    assert parse_header("TỈNH ỦY\nTỐI MẬT\nNGHỊ QUYẾT\nvề quốc phòng").secrecy is Secrecy.TOI_MAT
    assert parse_header("bảo vệ bí mật nhà nước").secrecy is Secrecy.PUBLIC


def test_impossible_date_is_ignored() -> None:
    assert parse_header("Phan Thiết, ngày 31 tháng 13 năm 2019").date == ""


# OCR of a two-column header: tesseract reads each line across both columns.
INTERLEAVED = (
    "ĐẢNG BỘ TỈNH BÌNH THUẬN ĐẢNG CỘNG SẢN VIỆT NAM\n"
    "TỈNH ỦY\n"
    "* Phan Thiết, ngày 15 tháng 3 năm 2019\n"
    "Số 31-NQ/TU\n"
    "MẬT HỎA TỐC\n"
    "NGHỊ QUYẾT\n"
    "HỘI NGHỊ LẦN THỨ 5 BAN CHẤP HÀNH ĐẢNG BỘ TỈNH KHÓA XIII\n"
    "về đẩy mạnh ứng dụng công nghệ thông tin\n"
)


def test_interleaved_ocr_header_gives_every_field() -> None:
    meta = parse_header(INTERLEAVED)
    assert (meta.symbol, meta.doc_type, meta.date, meta.place) == (
        "31-NQ/TU",
        "NQ",
        "2019-03-15",
        "Phan Thiết",
    )
    assert (meta.issuer_name, meta.extra["superior"]) == ("TỈNH ỦY", "ĐẢNG BỘ TỈNH BÌNH THUẬN")
    assert (meta.secrecy, meta.urgency, meta.term) == (Secrecy.MAT, "hoa-toc", "XIII")
    assert {
        meta.sources[name] for name in ("issuer_name", "place", "urgency", "term", "secrecy")
    } == {"header"}


def test_issuing_body_and_place_of_a_district_committee() -> None:
    meta = parse_header(
        "TỈNH ỦY BÌNH THUẬN ĐẢNG CỘNG SẢN VIỆT NAM\n"
        "HUYỆN ỦY HÀM THUẬN BẮC Hàm Thuận Bắc, ngày 9 tháng 11 năm 2021\n"
        "* THƯỢNG KHẨN\nSố 12-KL/HU\nKẾT LUẬN\nvề công tác thuỷ lợi"
    )
    assert (meta.issuer_name, meta.place, meta.urgency) == (
        "HUYỆN ỦY HÀM THUẬN BẮC",
        "Hàm Thuận Bắc",
        "thuong-khan",
    )
    assert meta.secrecy is Secrecy.PUBLIC


@pytest.mark.parametrize(
    ("line", "urgency"),
    [("KHẨN", "khan"), ("THƯỢNG KHẨN", "thuong-khan"), ("HOẢ TỐC", "hoa-toc"), ("KHẨN TRƯƠNG", "")],
)
def test_urgency_marks(line: str, urgency: str) -> None:
    assert parse_header(f"TỈNH ỦY\n*\nSố 3-CV/TU\n{line}\nCÔNG VĂN\nvề lũ").urgency == urgency


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Ban Chấp hành Đảng bộ tỉnh khoá XII", "XII"),
        ("nhiệm kỳ 2015 - 2020", "2015-2020"),
        ("khoa học", ""),
    ],
)
def test_term_of_office(text: str, term: str) -> None:
    assert parse_header(f"NGHỊ QUYẾT\n{text}").term == term


def test_state_document_header() -> None:
    meta = parse_header(
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH BÌNH THUẬN Độc lập - Tự do - "
        "Hạnh phúc\nSố: 12/2019/QĐ-UBND Phan Thiết, ngày 2 tháng 4 năm 2019\nQUYẾT ĐỊNH\nvề giá đất"
    )
    assert (meta.symbol, meta.issuer_name, meta.place, meta.extra) == (
        "12/2019/QĐ-UBND",
        "ỦY BAN NHÂN DÂN TỈNH BÌNH THUẬN",
        "Phan Thiết",
        {"system": "state"},
    )


@pytest.mark.parametrize(
    ("ending", "signer"),
    [
        ("T/M BAN THƯỜNG VỤ\nBÍ THƯ\n\nNguyễn Mạnh Hùng", "Nguyễn Mạnh Hùng"),
        ("K/T BÍ THƯ\nPHÓ BÍ THƯ\n(Đã ký)\nLê Thị Hoa", "Lê Thị Hoa"),
        # OCR runs the recipients' column into the signature block.
        (
            "Nơi nhận: T/M BAN THƯỜNG VỤ\n- Như trên, BÍ THƯ\n- Lưu Văn phòng. Trần Văn Minh",
            "Trần Văn Minh",
        ),
        ("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nHồ Lâm", "Hồ Lâm"),
        ("Nơi nhận:\n- Các Ban Đảng Tỉnh ủy", ""),
    ],
)
def test_signer_is_the_name_under_the_signature_block(ending: str, signer: str) -> None:
    assert parse_signer("Nội dung nghị quyết.\n" + ending) == signer


def test_read_metadata_takes_the_signer_from_the_last_signed_page() -> None:
    meta = read_metadata([PARTY, "Trang hai.\nT/M BAN THƯỜNG VỤ\nBÍ THƯ\nNguyễn Mạnh Hùng", ""])
    assert (meta.symbol, meta.signer, meta.sources["signer"]) == (
        "31-NQ/TU",
        "Nguyễn Mạnh Hùng",
        "text",
    )


def test_types_without_an_abbreviation_are_named() -> None:
    meta = parse_header("ĐẢNG BỘ TỈNH BÌNH THUẬN\nĐIỀU LỆ\nĐảng bộ tỉnh\n\nChương I.")
    assert meta.doc_type == "Điều lệ"
