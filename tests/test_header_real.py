"""Headers as published texts lay them out.

Layouts written here after the published conventions: flattened two-column tables, rules,
``Luật số:``, capitalised trích yếu…
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_search.index.records import Secrecy
from archive_search.ingest.encoding import repair_text
from archive_search.ingest.header import parse_header
from archive_search.ingest.manifest import read_manifest

# A ministry's circular as a web page flattens it: each column a table cell, rules between.
FLATTENED = (
    "|\nBỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG\n-------\n|\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\n---------------\n|\nSố: 17 /2024/TT-BNNMT\n|\n"
    "Hà Nội, ngày 03 tháng 9 năm 2024\nTHÔNG TƯ\n"
    "Quy định kỹ thuật về quan trắc chất lượng nước mặt\n"
    "và trầm tích tại các lưu vực sông liên tỉnh\n"
    "Căn cứ Luật Tài nguyên nước số 28/2023/QH15;\nĐiều 1. Phạm vi điều chỉnh"
)


def test_flattened_table_header_gives_every_field() -> None:
    meta = parse_header(FLATTENED)
    assert (meta.symbol, meta.doc_type, meta.issuer) == ("17/2024/TT-BNNMT", "TT", "BNNMT")
    assert (meta.date, meta.place, meta.issuer_name) == (
        "2024-09-03",
        "Hà Nội",
        "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
    )
    assert meta.title == (
        "Thông tư Quy định kỹ thuật về quan trắc chất lượng nước mặt"
        " và trầm tích tại các lưu vực sông liên tỉnh"
    )
    assert {meta.sources[name] for name in ("symbol", "title", "date", "issuer_name")} == {"header"}


def test_two_cells_on_one_line_and_a_lower_case_code() -> None:
    meta = parse_header(
        "| THỦ TƯỚNG CHÍNH PHỦ| CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập – Tự do – Hạnh phúc\n"  # noqa: RUF001
        "| Số: 08/2023/QĐ-TTg| Hà Nội, ngày 5 tháng 4 năm 2023\nQUYẾT ĐỊNH\n"
        "Về việc sắp xếp các trạm quan trắc khí tượng\n__________\nCăn cứ Luật Tổ chức Chính phủ;"
    )
    assert (meta.symbol, meta.doc_type, meta.issuer) == ("08/2023/QĐ-TTg", "QĐ", "TTg")
    assert (meta.issuer_name, meta.date) == ("THỦ TƯỚNG CHÍNH PHỦ", "2023-04-05")
    assert meta.title == "Quyết định Về việc sắp xếp các trạm quan trắc khí tượng"


@pytest.mark.parametrize(
    ("line", "heading", "symbol", "doc_type", "issuer"),
    [
        ("Luật số: 88/2024/QH15", "LUẬT", "88/2024/QH15", "Luật", "QH15"),
        ("Nghị quyết số: 42/2024/UBTVQH15", "NGHỊ QUYẾT", "42/2024/UBTVQH15", "NQ", "UBTVQH15"),
        (
            "Pháp lệnh số: 03/2024/UBTVQH15",
            "PHÁP LỆNH",
            "03/2024/UBTVQH15",
            "Pháp lệnh",
            "UBTVQH15",
        ),
        ("Số: 12.3/2024/NQ-CP", "NGHỊ QUYẾT", "12.3/2024/NQ-CP", "NQ", "CP"),
        ("Số: 310/2024/NĐ-CP", "NGHỊ ĐỊNH", "310/2024/NĐ-CP", "NĐ", "CP"),
        ("Số: 7/2024/TTLT-BTC-BNV", "THÔNG TƯ LIÊN TỊCH", "7/2024/TTLT-BTC-BNV", "TTLT", "BTC-BNV"),
        ("Số: 1408/QĐ-BXD", "QUYẾT ĐỊNH", "1408/QĐ-BXD", "QĐ", "BXD"),
    ],
)
def test_state_symbols_as_printed(
    line: str, heading: str, symbol: str, doc_type: str, issuer: str
) -> None:
    meta = parse_header(f"|\nQUỐC HỘI\n{line}\n|\n{heading}\nVỀ VIỆC THỬ NGHIỆM\nCăn cứ Hiến pháp;")
    assert (meta.symbol, meta.doc_type, meta.issuer) == (symbol, doc_type, issuer)


def test_law_title_in_capitals_stops_at_the_enacting_body() -> None:
    meta = parse_header(
        "|\nỦY BAN THƯỜNG VỤ\nQUỐC HỘI\n-------\n|\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Nghị quyết số: 42/2024/UBTVQH15\n|\nHà Nội, ngày 1 tháng 2 năm 2024\nNGHỊ QUYẾT\n"
        "QUY ĐỊNH VỀ TỔ CHỨC HỘI NGHỊ ĐẠI BIỂU\nCHUYÊN TRÁCH CỦA QUỐC HỘI\n"
        "ỦY BAN THƯỜNG VỤ QUỐC HỘI\nCăn cứ Hiến pháp;"
    )
    assert (
        meta.title == "Nghị quyết QUY ĐỊNH VỀ TỔ CHỨC HỘI NGHỊ ĐẠI BIỂU CHUYÊN TRÁCH CỦA QUỐC HỘI"
    )
    assert meta.issuer_name == "ỦY BAN THƯỜNG VỤ QUỐC HỘI"


def test_title_lines_starting_with_a_name_continue_before_the_legal_bases() -> None:
    meta = parse_header(
        "NGHỊ ĐỊNH\nSửa đổi Nghị định số 10/2020/NĐ-CP của Chính phủ về\n"
        "Bảo hiểm tiền gửi Việt Nam\nCăn cứ Luật Tổ chức Chính phủ;"
    )
    assert meta.title == (
        "Nghị định Sửa đổi Nghị định số 10/2020/NĐ-CP của Chính phủ về Bảo hiểm tiền gửi Việt Nam"
    )
    assert (meta.doc_type, meta.date) == ("NĐ", "")  # a date under the heading is not its own


def test_official_letter_subject_line() -> None:
    meta = parse_header(
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "TỈNH BÌNH THUẬN Độc lập - Tự do - Hạnh phúc\n"
        "Số: 215/UBND-KT Phan Thiết, ngày 8 tháng 3 năm 2022\n"
        "V/v triển khai công tác phòng, chống\ndịch bệnh trên gia súc\n\nKính gửi: Các sở, ngành."
    )
    assert (meta.symbol, meta.issuer, meta.doc_type) == ("215/UBND-KT", "UBND", "CV")
    assert meta.title == "V/v triển khai công tác phòng, chống dịch bệnh trên gia súc"
    assert (meta.date, meta.place) == ("2022-03-08", "Phan Thiết")


def test_party_header_as_before() -> None:
    meta = parse_header(
        "ĐẢNG BỘ TỈNH BÌNH THUẬN\nHUYỆN ỦY TUY PHONG\n*\nSố 45-CT/HU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Tuy Phong, ngày 2 tháng 6 năm 2020\nCHỈ THỊ\nvề tăng cường công tác phòng chống hạn\n\n"
        "Thời gian qua, tình hình hạn hán diễn biến phức tạp."
    )
    assert (meta.symbol, meta.doc_type, meta.issuer, meta.date) == (
        "45-CT/HU",
        "CT",
        "HU",
        "2020-06-02",
    )
    assert (meta.issuer_name, meta.extra["superior"]) == (
        "HUYỆN ỦY TUY PHONG",
        "ĐẢNG BỘ TỈNH BÌNH THUẬN",
    )
    assert meta.title == "Chỉ thị về tăng cường công tác phòng chống hạn"


PARTY_TOP = "ĐẢNG BỘ TỈNH BÌNH THUẬN\nTỈNH ỦY\n*\nSố 31-NQ/TU\n"


@pytest.mark.parametrize(
    ("header", "level"),
    [
        (PARTY_TOP + "(MẬT)\nNGHỊ QUYẾT\nvề quốc phòng", Secrecy.MAT),
        (PARTY_TOP + "MẬT.\nNGHỊ QUYẾT\nvề quốc phòng", Secrecy.MAT),
        (PARTY_TOP + "| MẬT |\nNGHỊ QUYẾT\nvề quốc phòng", Secrecy.MAT),
        (PARTY_TOP + "Mật\nNGHỊ QUYẾT\nvề quốc phòng", Secrecy.MAT),
        (PARTY_TOP + "MAT\nNGHỊ QUYẾT\nvề quốc phòng", Secrecy.MAT),
        (PARTY_TOP + "Độ mật: Tối mật\nNGHỊ QUYẾT\nvề quốc phòng", Secrecy.TOI_MAT),
        (PARTY_TOP + "TUYỆT MẬT\nNGHỊ QUYẾT\nvề quốc phòng", Secrecy.TUYET_MAT),
        (PARTY_TOP + "NGHỊ QUYẾT\nMẬT\nvề quốc phòng", Secrecy.MAT),  # under the heading
        (PARTY_TOP + "MẬT\nNGHỊ QUYẾT\n(TỐI MẬT)\nvề quốc phòng", Secrecy.TOI_MAT),  # highest
        (PARTY_TOP + "TỐI MẬT\nMẬT\nNGHỊ QUYẾT\nvề quốc phòng", Secrecy.TOI_MAT),
        (PARTY_TOP + "NGHỊ QUYẾT\nvề bảo vệ bí mật nhà nước", Secrecy.PUBLIC),
        (PARTY_TOP + "NGHỊ QUYẾT\nvề công tác mật mã", Secrecy.PUBLIC),
    ],
)
def test_secrecy_marks_however_written(header: str, level: Secrecy) -> None:
    meta = parse_header(header)
    assert meta.secrecy is level
    assert meta.sources.get("secrecy") == ("header" if level is not Secrecy.PUBLIC else None)


@pytest.mark.parametrize("mark", ["(MẬT)", "MẬT.", "[MẬT]", "MẬT"])
def test_a_mark_beside_the_issuing_body_is_read_and_left_out_of_it(mark: str) -> None:
    meta = parse_header(f"TỈNH ỦY {mark}\n*\nSố 31-NQ/TU\nNGHỊ QUYẾT\nvề quốc phòng")
    assert (meta.secrecy, meta.issuer_name) == (Secrecy.MAT, "TỈNH ỦY")
    assert meta.title == "Nghị quyết về quốc phòng"


def test_impossible_date_is_not_stored_and_says_so() -> None:
    meta = parse_header("TỈNH ỦY\n*\nSố 3-NQ/TU\nPhan Thiết, ngày 31 tháng 02 năm 2019\nNGHỊ QUYẾT")
    assert (meta.date, meta.year) == ("", None)
    assert meta.extra["date_error"] == "impossible date 31/2/2019 not stored"
    assert "date" not in meta.sources


def test_impossible_manifest_date_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Nội dung.", encoding="utf-8")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,title,date\na.txt,Báo cáo,31/02/2019\n", encoding="utf-8")
    (row,) = read_manifest(manifest)  # the row fails, with its reason; the others would not
    assert row.error is not None and "'31/02/2019' is not a day/month/year date" in row.error
    assert row.meta.date == ""


def test_a_symbol_cited_under_the_heading_is_not_the_documents() -> None:
    meta = parse_header(
        "THÔNG TƯ\nSửa đổi Thông tư số 12/2020/TT-BTC và Nghị quyết số 5/2019/QH14\n"
        "Căn cứ Luật số 83/2015/QH13;"
    )
    assert (meta.symbol, meta.doc_type) == ("", "TT")


def test_tcvn3_symbol_line_keeps_its_symbol() -> None:
    # A TCVN3 header: ``Sè`` is how TCVN3 bytes of ``Số`` read in cp1252.
    legacy = "TØnh ñy B×nh ThuËn\n*\nSè 31-NQ/TU\nNghÞ quyÕt\nvÒ ®Èy m¹nh c«ng nghÖ th«ng tin"  # noqa: RUF001
    assert parse_header(legacy).symbol == "31-NQ/TU"
    repaired = repair_text(legacy).text
    assert repaired.splitlines()[2].upper() == "SỐ 31-NQ/TU"  # as the other lines, TCVN3
    assert parse_header(repaired).symbol == "31-NQ/TU"


@pytest.mark.parametrize(
    ("read", "code", "doc_type", "title"),
    [
        ("THOÁNG TƯ", "TT", "TT", "Thông tư Quy định kỹ thuật về quan trắc"),  # one letter off
        ("NGHI ĐINH", "NĐ", "NĐ", "Nghị định Quy định kỹ thuật về quan trắc"),  # marks lost
        ("THÔNG DÁO", "TB", "TB", ""),  # as near THÔNG BÁO as THÔNG CÁO: no heading; the symbol's
    ],
)
def test_a_heading_one_letter_off_is_read_when_it_can_be_only_one(
    read: str, code: str, doc_type: str, title: str
) -> None:
    meta = parse_header(
        "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\n"
        f"Số: 17/2024/{code}-BNNMT Hà Nội, ngày 03 tháng 9 năm 2024\n"
        f"{read}\nQuy định kỹ thuật về quan trắc\nCăn cứ Luật Tài nguyên nước;"
    )
    assert (meta.doc_type, meta.title) == (doc_type, title), read
    if title:
        assert meta.issuer_name == "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
