"""Fixtures: a small archive of real PDFs, a scan, a text file, broken files and a manifest.

Built by the tests themselves and ingested once (real pdfminer, real tesseract, real tantivy).
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fpdf import FPDF

from archive_search import Archive, IngestOptions, IngestReport
from archive_search.ingest.manifest import COLUMNS as MANIFEST_COLUMNS
from tools.docgen import find_font, write_pdf, write_scan_pdf, write_scan_png

HEADER = (
    "ĐẢNG BỘ TỈNH BÌNH THUẬN\nTỈNH ỦY\n*\nSố {symbol}\n"
    "ĐẢNG CỘNG SẢN VIỆT NAM\nPhan Thiết, ngày {date}\n"
)

NQ_31 = [
    HEADER.format(symbol="31-NQ/TU", date="15 tháng 3 năm 2019")
    + "NGHỊ QUYẾT\nvề đẩy mạnh ứng dụng công nghệ thông tin\n\n"
    "Ban Thường vụ Tỉnh ủy xác định ứng dụng công nghệ thông tin là nhiệm vụ trọng tâm của "
    "các cấp ủy. Văn phòng Tỉnh ủy chủ trì xây dựng cơ sở dữ liệu văn kiện Đảng bộ tỉnh.",
    "Tiếp tục thực hiện Nghị quyết số 36-NQ/TW của Bộ Chính trị (khóa XI) về phát triển "
    "công nghệ thông tin, giữ vững môi trường hòa bình, ổn định để phát triển kinh tế.",
]
CT_05 = [
    HEADER.format(symbol="05-CT/TU", date="2 tháng 6 năm 2016")
    + "CHỈ THỊ\nvề tăng cường công tác phát triển đảng viên\n\n"
    "Tỉnh uỷ khoá XII yêu cầu các tổ chức cơ sở đảng nâng cao chất lượng kết nạp đảng viên, "
    "chú trọng đoàn viên thanh niên ưu tú trong các doanh nghiệp."
]
KL_12 = [
    "HUYỆN ỦY HÀM THUẬN BẮC\n*\nSố 12-KL/HU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
    "Hàm Thuận Bắc, ngày 9 tháng 11 năm 2021\nKẾT LUẬN\nvề công tác thuỷ lợi\n\n"
    "Công trình đang thi công theo dạng hợp đồng tổng thầu; mùa khô đang đến gần, "
    "cần khẩn trương hoàn thành kênh chính để bảo đảm nước tưới."
]
NQ_07_SECRET = [
    HEADER.format(symbol="07-NQ/TU", date="20 tháng 8 năm 2018")
    + "MẬT\nNGHỊ QUYẾT\nvề bảo vệ bí mật nhà nước trong ứng dụng công nghệ thông tin\n\n"
    "Ban Thường vụ quyết định danh mục hệ thống thông tin cần bảo vệ."
]
TB_15_SCAN = (
    "TỈNH ỦY BÌNH THUẬN\nSố 15-TB/TU\nPhan Thiết, ngày 4 tháng 5 năm 2020\n"
    "THÔNG BÁO\nkết luận của Ban Thường vụ về chuyển đổi số\n\n"
    "Ban Thường vụ thống nhất đẩy mạnh chuyển đổi số trong các cơ quan đảng,\n"
    "xây dựng chính quyền số và kinh tế số của tỉnh."
)
BC_03_TEXT = (
    "TỈNH ỦY BÌNH THUẬN\nSố 03-BC/TU\nPhan Thiết, ngày 10 tháng 1 năm 2015\nBÁO CÁO\n"
    "tổng kết công tác xây dựng Đảng năm 2014\n\nCông tác xây dựng Đảng đạt nhiều kết quả."
    "\fTrang hai của báo cáo nói về công tác kiểm tra, giám sát."
)
HD_09_SCANNED_PDF = (
    "TỈNH ỦY BÌNH THUẬN\nSố 09-HD/TU\nPhan Thiết, ngày 6 tháng 7 năm 2017\n"
    "HƯỚNG DẪN\nvề lưu trữ hồ sơ điện tử\n\n"
    "Các cơ quan tham mưu số hoá tài liệu lưu trữ,\nlập mục lục hồ sơ và bảo quản bản gốc."
)
RECORD_TITLE = "Hồ sơ về công tác cán bộ nhiệm kỳ 2010-2015"


@dataclass(frozen=True)
class Corpus:
    root: Path
    manifest: Path
    broken: dict[str, Path]
    duplicate: Path


def _write_manifest(path: Path, rows: list[dict[str, str]]) -> None:
    columns = [*MANIFEST_COLUMNS, "ghi_chu"]  # ghi_chu: a column of its own, kept as extra
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in columns})


def _write_encrypted_pdf(path: Path, text: str) -> None:
    pdf = FPDF()
    pdf.add_font("dejavu", "", str(find_font()))
    pdf.set_font("dejavu", size=12)
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.multi_cell(0, 8, text)
    pdf.output(str(path))


def build_corpus(root: Path) -> Corpus:
    docs, broken = root / "documents", root / "broken"
    (docs / "huyen").mkdir(parents=True)
    broken.mkdir()
    write_pdf(docs / "2019-31-NQ-TU.pdf", NQ_31)
    write_pdf(docs / "2016-05-CT-TU.pdf", CT_05)
    write_pdf(docs / "huyen" / "2021-12-KL-HU.pdf", KL_12)
    write_pdf(docs / "2018-07-NQ-TU.pdf", NQ_07_SECRET)
    write_scan_png(docs / "2020-15-TB-TU.png", TB_15_SCAN)
    write_scan_pdf(docs / "2017-09-HD-TU-scan.pdf", [HD_09_SCANNED_PDF])
    (docs / "2015-03-BC-TU.txt").write_text(BC_03_TEXT, encoding="utf-8")
    (docs / "copies").mkdir()
    duplicate = docs / "copies" / "ban-sao-31-NQ-TU.pdf"
    shutil.copyfile(docs / "2019-31-NQ-TU.pdf", duplicate)
    broken_files = {
        "empty": broken / "empty.pdf",
        "fake": broken / "fake.pdf",
        "truncated": broken / "truncated.pdf",
        "encrypted": broken / "encrypted.pdf",
    }
    broken_files["empty"].write_bytes(b"")
    broken_files["fake"].write_text("<html>not a PDF</html>")
    whole = (docs / "2016-05-CT-TU.pdf").read_bytes()
    broken_files["truncated"].write_bytes(whole[: len(whole) // 2])
    _write_encrypted_pdf(broken_files["encrypted"], "Tài liệu có mật khẩu")
    manifest = root / "manifest.csv"
    _write_manifest(
        manifest,
        [
            {
                "path": "documents/2019-31-NQ-TU.pdf",
                "fond": "TU",
                "inventory": "1",
                "box": "12",
                "file": "345",
                "ghi_chu": "bản gốc",
            },
            {"path": "documents/2016-05-CT-TU.pdf", "fond": "TU"},
            {"path": "documents/huyen/2021-12-KL-HU.pdf", "fond": "HU-HTB"},
            {"path": "documents/2018-07-NQ-TU.pdf", "fond": "TU"},
            {
                "path": "documents/2020-15-TB-TU.png",
                "fond": "TU",
                "symbol": "15-TB/TU",
                "doc_type": "TB",
                "date": "2020-05-04",
                "title": "Thông báo kết luận của Ban Thường vụ về chuyển đổi số",
            },
            {"path": "documents/2015-03-BC-TU.txt", "fond": "TU"},
            {"path": "documents/2017-09-HD-TU-scan.pdf", "fond": "TU"},
            {
                "path": "",
                "fond": "TU",
                "symbol": "45-NQ/TU",
                "doc_type": "NQ",
                "year": "2010",
                "title": RECORD_TITLE,
            },
        ],
    )
    return Corpus(root, manifest, broken_files, duplicate)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> tuple[Path, IngestReport]:
    """The corpus ingested once, with two worker processes, into a session archive."""
    path = tmp_path_factory.mktemp("archive") / "archive"
    with Archive.open(path, create=True) as archive:
        report = archive.ingest(
            [corpus.root], options=IngestOptions(manifest=corpus.manifest, workers=2)
        )
    return path, report


@pytest.fixture()
def archive(ingested: tuple[Path, IngestReport]) -> Iterator[Archive]:
    with Archive.open(ingested[0]) as opened:
        yield opened


@pytest.fixture()
def archive_copy(ingested: tuple[Path, IngestReport], tmp_path: Path) -> Path:
    """A private copy of the ingested archive, for tests that change it."""
    copy = tmp_path / "archive"
    shutil.copytree(ingested[0], copy)
    return copy


@pytest.fixture()
def no_tesseract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The injected fault: tesseract is gone (only the OCR cache can still read a scan)."""
    import pytesseract

    from archive_search.ingest import ocr

    ocr.check_tesseract.cache_clear()
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    yield
    ocr.check_tesseract.cache_clear()


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The web pages' demo archive (tools/webdemo.py) served by ``archive-search serve``.

    On a loopback port, once for the session's web tests (HTTP and browser).
    """
    from tests.serving import serving
    from tools.webdemo import build

    with serving(build(tmp_path_factory.mktemp("web"))) as server:
        yield server
