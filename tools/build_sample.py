"""Builds ``sample/``: the bundled sample archive used by the demo (README command 1).

Six Party documents of a fictional-but-realistic provincial committee as born-digital PDFs, one
scanned notice (PNG, read by tesseract), one scanned guidance as an image-only PDF, one UTF-8 text
report, and a manifest CSV with two metadata-only catalogue records. The prose is written for
this project. Run: ``python -m tools.build_sample [DIR]`` (default ``sample``).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from archive_search.ingest.manifest import COLUMNS
from tools.docgen import write_pdf, write_scan_pdf, write_scan_png

PROVINCE = (
    "ĐẢNG BỘ TỈNH BÌNH THUẬN\nTỈNH ỦY\n*\nSố {symbol}\n"
    "ĐẢNG CỘNG SẢN VIỆT NAM\nPhan Thiết, ngày {date}\n"
)
DISTRICT = (
    "ĐẢNG BỘ TỈNH BÌNH THUẬN\nHUYỆN ỦY HÀM THUẬN BẮC\n*\nSố {symbol}\nĐẢNG CỘNG SẢN VIỆT NAM\n"
    "Hàm Thuận Bắc, ngày {date}\n"
)

PDF_DOCUMENTS: dict[str, list[str]] = {
    "2019-31-NQ-TU.pdf": [
        PROVINCE.format(symbol="31-NQ/TU", date="15 tháng 3 năm 2019")
        + "NGHỊ QUYẾT\ncủa Ban Thường vụ Tỉnh ủy\n"
        "về đẩy mạnh ứng dụng công nghệ thông tin trong các cơ quan đảng\n\n"
        "I. TÌNH HÌNH VÀ NGUYÊN NHÂN\n"
        "Những năm qua, các cấp ủy đã quan tâm đầu tư hạ tầng công nghệ thông tin, từng bước "
        "đưa phần mềm quản lý văn bản vào sử dụng. Tuy nhiên, việc khai thác cơ sở dữ liệu còn "
        "rời rạc, nhiều văn kiện lưu trữ vẫn chỉ có bản giấy.",
        "II. MỤC TIÊU VÀ NHIỆM VỤ\nTiếp tục quán triệt Nghị quyết số 36-NQ/TW của Bộ Chính trị "
        "(khóa XI) về đẩy mạnh ứng dụng, phát triển công nghệ thông tin đáp ứng yêu cầu phát triển "
        "bền vững và hội nhập quốc tế. Đến năm 2025, toàn bộ văn kiện của Đảng bộ tỉnh được số hoá "
        "và tra cứu được trên mạng nội bộ; giữ vững môi trường hòa bình, ổn định để phát triển "
        "kinh tế - xã hội.\n\nT/M BAN THƯỜNG VỤ\nBÍ THƯ\nNguyễn Văn An",
    ],
    "2016-05-CT-TU.pdf": [
        PROVINCE.format(symbol="05-CT/TU", date="2 tháng 6 năm 2016")
        + "CHỈ THỊ\ncủa Ban Thường vụ Tỉnh ủy\nvề tăng cường công tác phát triển đảng viên\n\n"
        "Tỉnh uỷ khoá XII yêu cầu các tổ chức cơ sở đảng nâng cao chất lượng kết nạp đảng viên, "
        "chú trọng đoàn viên thanh niên ưu tú, công nhân trong các doanh nghiệp và người có uy "
        "tín trong đồng bào dân tộc thiểu số. Mỗi chi bộ lập kế hoạch bồi dưỡng quần chúng ưu tú, "
        "phân công đảng viên chính thức giúp đỡ.\n\n"
        "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ THƯỜNG TRỰC\nTrần Thị Bình",
    ],
    "2018-07-QD-TU.pdf": [
        PROVINCE.format(symbol="07-QĐ/TU", date="20 tháng 8 năm 2018")
        + "QUYẾT ĐỊNH\nvề việc ban hành Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh\n"
        "nhiệm kỳ 2015 - 2020\n\n"
        "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc của Ban Chấp hành Đảng bộ "
        "tỉnh khoá XIII.\nĐiều 2. Quyết định có hiệu lực kể từ ngày ký. Văn phòng Tỉnh ủy theo "
        "dõi, kiểm tra việc thực hiện.",
    ],
    "2022-18-KH-TU.pdf": [
        PROVINCE.format(symbol="18-KH/TU", date="11 tháng 4 năm 2022")
        + "KẾ HOẠCH\nthực hiện chuyển đổi số trong hệ thống chính trị của tỉnh\n\n"
        "Căn cứ Nghị quyết số 31-NQ/TU của Ban Thường vụ Tỉnh ủy, xây dựng kho dữ liệu số dùng "
        "chung, kết nối hồ sơ lưu trữ của các ban đảng, huyện ủy, thành ủy. Năm 2023 hoàn thành "
        "việc số hoá mục lục hồ sơ phông Tỉnh ủy; năm 2024 số hoá toàn văn các văn kiện có giá "
        "trị lịch sử.",
    ],
    "huyen/2021-12-KL-HU.pdf": [
        DISTRICT.format(symbol="12-KL/HU", date="9 tháng 11 năm 2021")
        + "KẾT LUẬN\ncủa Ban Thường vụ Huyện ủy\n"
        "về công tác thuỷ lợi phục vụ sản xuất nông nghiệp\n\n"
        "Công trình kênh chính đang thi công theo dạng hợp đồng tổng thầu; mùa khô đang đến gần, "
        "cần khẩn trương hoàn thành để bảo đảm nước tưới cho vụ Đông Xuân. Đảng ủy các xã phối "
        "hợp vận động nhân dân hiến đất làm kênh nội đồng.",
    ],
    "huyen/2023-04-NQ-HU.pdf": [
        DISTRICT.format(symbol="04-NQ/HU", date="27 tháng 2 năm 2023")
        + "MẬT\nNGHỊ QUYẾT\nvề công tác quốc phòng, an ninh trên địa bàn huyện năm 2023\n\n"
        "Ban Chấp hành Đảng bộ huyện thống nhất các chỉ tiêu bảo đảm an ninh chính trị, trật tự "
        "an toàn xã hội; xây dựng lực lượng dân quân tự vệ vững mạnh.",
    ],
}

SCAN_NOTICE = (
    "TỈNH ỦY BÌNH THUẬN\nSố 15-TB/TU\nPhan Thiết, ngày 4 tháng 5 năm 2020\n"
    "THÔNG BÁO\nkết luận của Ban Thường vụ về chuyển đổi số\n\n"
    "Ban Thường vụ thống nhất đẩy mạnh chuyển đổi số trong các cơ quan đảng,\n"
    "xây dựng chính quyền số và kinh tế số của tỉnh."
)
SCAN_GUIDANCE = (
    "TỈNH ỦY BÌNH THUẬN\nSố 09-HD/TU\nPhan Thiết, ngày 6 tháng 7 năm 2017\n"
    "HƯỚNG DẪN\nvề lưu trữ hồ sơ điện tử\n\n"
    "Các cơ quan tham mưu số hoá tài liệu lưu trữ,\nlập mục lục hồ sơ và bảo quản bản gốc."
)
TEXT_REPORT = (
    "TỈNH ỦY BÌNH THUẬN\nSố 03-BC/TU\nPhan Thiết, ngày 10 tháng 1 năm 2015\nBÁO CÁO\n"
    "tổng kết công tác xây dựng Đảng năm 2014\n\n"
    "Công tác xây dựng Đảng về chính trị, tư tưởng, đạo đức và tổ chức đạt nhiều kết quả; "
    "các cấp ủy kết nạp 1.250 đảng viên mới."
    "\fII. CÔNG TÁC KIỂM TRA, GIÁM SÁT\nỦy ban Kiểm tra các cấp tiến hành kiểm tra khi có dấu "
    "hiệu vi phạm đối với 37 tổ chức đảng và 112 đảng viên."
)

MANIFEST_COLUMNS = [*COLUMNS, "ghi_chu"]  # ghi_chu: a column of its own, kept as extra
MANIFEST_ROWS: list[dict[str, str]] = [
    {
        "path": "documents/2019-31-NQ-TU.pdf",
        "fond": "TU",
        "inventory": "1",
        "box": "12",
        "file": "345",
        "ghi_chu": "bản gốc",
    },
    {
        "path": "documents/2016-05-CT-TU.pdf",
        "fond": "TU",
        "inventory": "1",
        "box": "9",
        "file": "201",
    },
    {
        "path": "documents/2018-07-QD-TU.pdf",
        "fond": "TU",
        "inventory": "1",
        "box": "11",
        "file": "310",
    },
    {
        "path": "documents/2022-18-KH-TU.pdf",
        "fond": "TU",
        "inventory": "2",
        "box": "3",
        "file": "42",
    },
    {"path": "documents/huyen/2021-12-KL-HU.pdf", "fond": "HU-HTB", "inventory": "1", "box": "4"},
    {
        "path": "documents/huyen/2023-04-NQ-HU.pdf",
        "fond": "HU-HTB",
        "inventory": "1",
        "box": "5",
        "secrecy": "Mật",
    },
    {
        "path": "documents/2020-15-TB-TU.png",
        "fond": "TU",
        "symbol": "15-TB/TU",
        "doc_type": "TB",
        "date": "2020-05-04",
        "title": "Thông báo kết luận của Ban Thường vụ về chuyển đổi số",
    },
    {"path": "documents/2017-09-HD-TU-scan.pdf", "fond": "TU"},
    {"path": "documents/2015-03-BC-TU.txt", "fond": "TU"},
    {
        "path": "",
        "fond": "TU",
        "inventory": "1",
        "box": "2",
        "file": "17",
        "symbol": "45-NQ/TU",
        "doc_type": "NQ",
        "year": "2010",
        "title": "Hồ sơ Nghị quyết về công tác cán bộ nhiệm kỳ 2010 - 2015",
    },
    {
        "path": "",
        "fond": "TU",
        "inventory": "1",
        "box": "1",
        "file": "3",
        "doc_type": "BC",
        "year": "1992",
        "title": "Hồ sơ báo cáo tình hình khôi phục sản xuất sau lũ lụt",
    },
]

README = """# Sample archive

Built by `python -m tools.build_sample` (see `tools/build_sample.py`); the prose is original.
Six born-digital Party documents (one marked Mật), a scanned notice (`2020-15-TB-TU.png`), a
scanned image-only PDF (`2017-09-HD-TU-scan.pdf`), a UTF-8 report with two pages
(`2015-03-BC-TU.txt`) and `manifest.csv` with two metadata-only catalogue records.

    archive-search --archive demo-archive ingest --manifest sample/manifest.csv
"""


def build(root: Path) -> None:
    documents = root / "documents"
    for name, pages in PDF_DOCUMENTS.items():
        write_pdf(documents / name, pages)
    write_scan_png(documents / "2020-15-TB-TU.png", SCAN_NOTICE)
    write_scan_pdf(documents / "2017-09-HD-TU-scan.pdf", [SCAN_GUIDANCE])
    (documents / "2015-03-BC-TU.txt").write_text(TEXT_REPORT, encoding="utf-8")
    with (root / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        for row in MANIFEST_ROWS:
            writer.writerow({column: row.get(column, "") for column in MANIFEST_COLUMNS})
    (root / "README.md").write_text(README, encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "sample"))
