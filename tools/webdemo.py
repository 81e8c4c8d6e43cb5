"""Builds the web pages' demo archive: what the browser tests read and the screenshots show.

Born-digital PDFs (one of three pages, two of them with the words "công nghệ thông tin"), a
scanned notice (an image-only PDF that tesseract reads, its words drawn at places
``drawn_words`` knows), a text file whose title and text hold markup, a district conclusion of
another fond, a secret resolution whose title and text no public reader may see, citations
between them, a catalogue record, and two users: ``archivist`` (cleared for mật) and ``reader``
(public). Run ``python -m tools.webdemo DIR``.
"""

from __future__ import annotations

import csv
import sys
import textwrap
from pathlib import Path

from archive_search import Accounts, Archive, IngestOptions
from archive_search.ingest.manifest import COLUMNS as MANIFEST_COLUMNS
from tools.docgen import (
    A4_PIXELS,
    SCAN_FONT_PX,
    SCAN_MARGIN,
    SCAN_WRAP,
    find_font,
    write_pdf,
    write_scan_pdf,
)

HEADER = (
    "ĐẢNG BỘ TỈNH BÌNH THUẬN\nTỈNH ỦY\n*\nSố {symbol}\nĐẢNG CỘNG SẢN VIỆT NAM\n"
    "Phan Thiết, ngày {date}\n"
)
SECRET_TITLE = "Nghị quyết về bảo vệ hệ thống thông tin Hải Đăng"
SECRET_WORD = "Hải Đăng"  # only in the secret document
USERS = {"archivist": ("mat", "luu-tru-2024"), "reader": ("public", "doc-gia-2024")}
ESCAPED_TITLE = 'Ghi chú <script>alert("x")</script> & <b>đậm</b>'  # must be shown as text
NOTE_TEXT = 'Ghi chú kiểm tra ký tự <i>đặc biệt</i> & dấu "ngoặc" trong văn bản lưu trữ.'
SCAN_TEXT = (
    "TỈNH ỦY BÌNH THUẬN\nSố 15-TB/TU\nPhan Thiết, ngày 4 tháng 5 năm 2020\n"
    "THÔNG BÁO\nkết luận của Ban Thường vụ về chuyển đổi số\n\n"
    "Ban Thường vụ thống nhất đẩy mạnh chuyển đổi số trong các cơ quan đảng,\n"
    "xây dựng chính quyền số và kinh tế số của tỉnh."
)
DOCUMENTS: dict[str, list[str]] = {
    "2019-31-NQ-TU.pdf": [
        HEADER.format(symbol="31-NQ/TU", date="15 tháng 3 năm 2019")
        + "NGHỊ QUYẾT\nvề đẩy mạnh ứng dụng công nghệ thông tin\n\n"
        "Ban Thường vụ Tỉnh ủy xác định ứng dụng công nghệ thông tin là nhiệm vụ trọng tâm "
        "của các cấp ủy trong nhiệm kỳ.",
        "II. NHIỆM VỤ VỀ CÁN BỘ\nCác cấp ủy chăm lo đào tạo, bồi dưỡng đội ngũ cán bộ làm công "
        "tác văn thư, lưu trữ; bố trí đủ kinh phí cho việc bảo quản tài liệu.",
        "III. TỔ CHỨC THỰC HIỆN\nTiếp tục thực hiện Chỉ thị số 05-CT/TU ngày 2 tháng 6 năm 2016 "
        "của Ban Thường vụ Tỉnh ủy; Văn phòng Tỉnh ủy xây dựng cơ sở dữ liệu văn kiện và hạ "
        "tầng công nghệ thông tin dùng chung.\n\nT/M BAN THƯỜNG VỤ\nBÍ THƯ\nNguyễn Văn An",
    ],
    "2016-05-CT-TU.pdf": [
        HEADER.format(symbol="05-CT/TU", date="2 tháng 6 năm 2016")
        + "CHỈ THỊ\nvề tăng cường công tác phát triển đảng viên\n\n"
        "Tỉnh uỷ khoá XII yêu cầu các tổ chức cơ sở đảng nâng cao chất lượng kết nạp đảng viên, "
        "chú trọng đoàn viên ưu tú; ứng dụng công nghệ trong quản lý hồ sơ đảng viên."
    ],
    "huyen/2021-12-KL-HU.pdf": [
        "HUYỆN ỦY HÀM THUẬN BẮC\n*\nSố 12-KL/HU\nĐẢNG CỘNG SẢN VIỆT NAM\nHàm Thuận Bắc, ngày 9 "
        "tháng 11 năm 2021\nKẾT LUẬN\nvề công tác thuỷ lợi và chuyển đổi số\n\nCông trình đang thi "
        "công; cần khẩn trương hoàn thành kênh chính, ứng dụng công nghệ thông tin để theo dõi "
        "nước tưới."
    ],
    "2018-07-NQ-TU.pdf": [
        HEADER.format(symbol="07-NQ/TU", date="20 tháng 8 năm 2018")
        + "MẬT\nNGHỊ QUYẾT\nvề bảo vệ hệ thống thông tin Hải Đăng\n\n"
        "Thực hiện Nghị quyết số 31-NQ/TU ngày 15 tháng 3 năm 2019, Ban Thường vụ quyết định "
        "danh mục hệ thống công nghệ thông tin Hải Đăng cần bảo vệ."
    ],
}
MANIFEST = [
    {"path": "2019-31-NQ-TU.pdf", "fond": "TU", "inventory": "1", "box": "12", "file": "345"},
    {"path": "2016-05-CT-TU.pdf", "fond": "TU", "inventory": "1", "box": "4", "file": "88"},
    {"path": "huyen/2021-12-KL-HU.pdf", "fond": "HU-HTB"},
    {"path": "2018-07-NQ-TU.pdf", "fond": "TU", "secrecy": "mat", "title": SECRET_TITLE},
    {
        "path": "2020-15-TB-TU-scan.pdf",
        "fond": "TU",
        "symbol": "15-TB/TU",
        "doc_type": "TB",
        "date": "2020-05-04",
        "title": "Thông báo kết luận của Ban Thường vụ về chuyển đổi số",
    },
    {"path": "ghi-chu.txt", "fond": "VP", "year": "2022", "title": ESCAPED_TITLE},
    {
        "path": "",
        "fond": "TU",
        "inventory": "2",
        "box": "30",
        "file": "712",
        "symbol": "45-NQ/TU",
        "doc_type": "NQ",
        "year": "2010",
        "title": "Hồ sơ về công tác cán bộ nhiệm kỳ 2010-2015",
    },
]


def write_corpus(root: Path) -> Path:
    """The documents and their manifest under ``root``; returns the manifest."""
    for name, pages in DOCUMENTS.items():
        write_pdf(root / name, pages)
    write_scan_pdf(root / "2020-15-TB-TU-scan.pdf", [SCAN_TEXT])
    (root / "ghi-chu.txt").write_text(NOTE_TEXT, encoding="utf-8")
    manifest = root / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        for row in MANIFEST:
            writer.writerow({column: row.get(column, "") for column in MANIFEST_COLUMNS})
    return manifest


def build(root: Path) -> Path:
    """The demo archive at ``root/archive`` (documents under ``root/documents``), with its users."""
    manifest = write_corpus(root / "documents")
    path = root / "archive"
    with Archive.open(path, create=True) as archive:
        archive.ingest([root / "documents"], options=IngestOptions(manifest=manifest, workers=2))
    accounts = Accounts.open(path)
    try:
        for name, (clearance, password) in USERS.items():
            accounts.add(name, password, clearance=clearance)
    finally:
        accounts.close()
    return path


def drawn_words(text: str) -> dict[str, list[tuple[float, float, float, float]]]:
    """Where ``tools.docgen.render_scan`` draws each word of ``text``, in fractions of the page.

    Each word (every time it is drawn) gets the left, top, right and bottom of its ink.
    """
    from PIL import ImageFont

    font = ImageFont.truetype(str(find_font()), SCAN_FONT_PX)
    width, height = A4_PIXELS
    drawn: dict[str, list[tuple[float, float, float, float]]] = {}
    y = SCAN_MARGIN
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, SCAN_WRAP) or [""]:
            x = float(SCAN_MARGIN)
            for word in line.split(" "):
                left, top, right, bottom = font.getbbox(word)
                drawn.setdefault(word, []).append(
                    (
                        (x + left) / width,
                        (y + top) / height,
                        (x + right) / width,
                        (y + bottom) / height,
                    )
                )
                x += font.getlength(word + " ")
            y += int(SCAN_FONT_PX * 1.5)
    return drawn


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "webdemo")
    print(build(target))
