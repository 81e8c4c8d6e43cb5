"""Metadata read from Party and state document headers (pure function, no I/O)."""

from __future__ import annotations

from index.records import Secrecy
from ingest.header import parse_header

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
    assert meta.title == "Nghị quyết của Ban Thường vụ Tỉnh ủy về đẩy mạnh ứng dụng công nghệ thông tin"


def test_title_stops_at_the_body_even_without_a_blank_line() -> None:
    meta = parse_header("THÔNG BÁO\nkết luận về chuyển đổi số\nBan Thường vụ thống nhất.")
    assert (meta.doc_type, meta.title) == ("TB", "Thông báo kết luận về chuyển đổi số")


def test_state_symbol_is_recognised_as_such() -> None:
    meta = parse_header("ỦY BAN NHÂN DÂN\nTỈNH BÌNH THUẬN\nSố: 12/2019/QĐ-UBND\nQUYẾT ĐỊNH\nvề giá đất")
    assert (meta.symbol, meta.doc_type, meta.issuer) == ("12/2019/QĐ-UBND", "QĐ", "UBND")
    assert meta.extra["system"] == "state"


def test_secrecy_mark_alone_on_a_line() -> None:
    assert parse_header("TỈNH ỦY\nTỐI MẬT\nNGHỊ QUYẾT\nvề quốc phòng").secrecy is Secrecy.TOI_MAT
    assert parse_header("bảo vệ bí mật nhà nước").secrecy is Secrecy.PUBLIC


def test_impossible_date_is_ignored() -> None:
    assert parse_header("Phan Thiết, ngày 31 tháng 13 năm 2019").date == ""
