"""Long PDFs and TIFFs read as several page-range tasks (real tesseract).

The same pages as one task, an error of a range failing the whole file, nothing stored of a file
the run could not finish.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from archive_search import Archive, IngestOptions, IngestReport, MissingDependencyError, PageMethod
from archive_search.index.errors import UsageError
from archive_search.ingest.chunks import FileToRead, page_ranges, split
from archive_search.ingest.extract import ExtractTask, extract_file
from tools.docgen import find_font, write_mixed_pdf, write_pdf, write_scan_pdf, write_scan_tiff

HEADER = (
    "TỈNH ỦY BÌNH THUẬN\nSố 21-CT/TU\nPhan Thiết, ngày 3 tháng 2 năm 2014\n"
    "CHỈ THỊ\nvề phòng chống thiên tai"
)
SCANS = [
    HEADER,
    "Các huyện ủy báo cáo kết quả trồng rừng ngập mặn ven biển trước tháng chín.",
    "Ban Thường vụ thống nhất đẩy mạnh chuyển đổi số trong các cơ quan đảng.",
]
DIGITAL = "Văn phòng Tỉnh ủy chủ trì xây dựng kho lưu trữ điện tử cho các cơ quan đảng trong tỉnh."

Pages = list[tuple[int, str, str, float | None]]


def _catalogue(archive: Path) -> dict[str, Pages]:
    """Each document's source file name → its pages (number, text, method, confidence)."""
    db = sqlite3.connect(archive / "catalog.sqlite")
    try:
        rows = db.execute(
            "SELECT d.source, p.page, p.text, p.method, p.confidence FROM documents d"
            " JOIN pages p ON p.document_num = d.num ORDER BY d.source, p.page"
        ).fetchall()
    finally:
        db.close()
    found: dict[str, Pages] = {}
    for source, *page in rows:
        found.setdefault(Path(source).name, []).append((page[0], page[1], page[2], page[3]))
    return found


def _ingest(archive: Path, paths: list[Path], **options: object) -> IngestReport:
    with Archive.open(archive, create=True) as opened:
        return opened.ingest(paths, options=IngestOptions(**options))  # type: ignore[arg-type]


def _file(path: Path) -> FileToRead:
    return FileToRead(path, "", path.stat().st_size)


def test_page_ranges_cover_every_page_once() -> None:
    assert page_ranges(9, 4) == [(1, 4), (5, 8), (9, 9)]
    assert page_ranges(8, 4) == [(1, 4), (5, 8)]
    assert page_ranges(4, 4) == page_ranges(1, 4) == page_ranges(None, 4) == [None]
    with pytest.raises(UsageError, match="pages_per_task must be at least 1"):
        IngestOptions(pages_per_task=0)


def test_only_long_pdfs_and_tiffs_are_split(tmp_path: Path) -> None:
    files = [
        write_pdf(tmp_path / "long.pdf", [DIGITAL] * 5),
        write_pdf(tmp_path / "short.pdf", [DIGITAL] * 2),
        write_scan_tiff(tmp_path / "blank.tif", [""] * 3),
        tmp_path / "broken.pdf",
    ]
    files[3].write_bytes(files[0].read_bytes()[:2000])  # pdfium cannot count it: one task
    chunks = [
        (chunk.path.name, chunk.page_range, chunk.count)
        for chunk in split(map(_file, files), 2, lambda: False)
    ]
    assert chunks == [
        ("long.pdf", (1, 2), 3),
        ("long.pdf", (3, 4), 3),
        ("long.pdf", (5, 5), 3),
        ("short.pdf", None, 1),
        ("blank.tif", (1, 2), 2),
        ("blank.tif", (3, 3), 2),
        ("broken.pdf", None, 1),
    ]


def test_a_range_keeps_the_documents_page_numbers(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "long.pdf", [f"{DIGITAL} Trang số {n}." for n in range(1, 6)])
    whole = extract_file(ExtractTask(path))
    part = extract_file(ExtractTask(path, page_range=(2, 3)))
    assert [page.number for page in part.pages] == [2, 3]
    assert part.pages == whole.pages[1:3]


def test_page_ranges_give_the_pages_of_one_task(tmp_path: Path) -> None:
    files = [
        write_scan_pdf(tmp_path / "in" / "scan.pdf", SCANS),
        write_scan_tiff(tmp_path / "in" / "scan.tif", list(reversed(SCANS))),
        write_mixed_pdf(
            tmp_path / "in" / "mixed.pdf", [(DIGITAL, False), (SCANS[1], True), ("", False)]
        ),
    ]
    ranges = _ingest(tmp_path / "ranges", files, workers=2, pages_per_task=2, fond="TU")
    whole = _ingest(tmp_path / "whole", files, workers=2, pages_per_task=100, fond="TU")
    assert (ranges.new, ranges.pages, ranges.ocr_pages, ranges.failures) == (3, 9, 7, [])
    assert (whole.new, whole.pages, whole.ocr_pages, whole.failures) == (3, 9, 7, [])
    pages = _catalogue(tmp_path / "ranges")
    assert pages == _catalogue(tmp_path / "whole")
    assert [method for _, _, method, _ in pages["mixed.pdf"]] == ["text", "ocr", "blank"]
    assert "rừng ngập mặn" in pages["scan.tif"][1][1]
    with Archive.open(tmp_path / "ranges") as archive:
        hit = {hit.source: hit for hit in archive.search("21-CT/TU").hits}[str(files[0])]
        assert (hit.symbol, hit.doc_type, hit.date) == (
            "21-CT/TU",
            "CT",
            "2014-02-03",
        )  # from the first range
        assert [page.method for page in archive.document(hit.id).pages] == [PageMethod.OCR] * 3


def _write_encrypted_pdf(path: Path, pages: int) -> Path:
    pdf = FPDF()
    pdf.add_font("dejavu", "", str(find_font()))
    pdf.set_font("dejavu", size=12)
    pdf.set_encryption(owner_password="owner", user_password="secret")
    for _ in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 8, DIGITAL)
    pdf.output(str(path))
    return path


def _damage_last_frame(path: Path) -> Path:
    """Overwrite the last frame's compressed pixels: the TIFF's directories stay readable."""
    with Image.open(path) as image:
        image.seek(getattr(image, "n_frames", 1) - 1)
        start, length = image.tag_v2[273][0], image.tag_v2[279][0]
    data = bytearray(path.read_bytes())
    data[start : start + length] = b"\xff" * length
    path.write_bytes(bytes(data))
    return path


def test_a_range_that_fails_fails_its_whole_file_and_the_batch_goes_on(tmp_path: Path) -> None:
    good = write_pdf(tmp_path / "in" / "a-good.pdf", [DIGITAL] * 3)
    damaged = _damage_last_frame(write_scan_tiff(tmp_path / "in" / "damaged.tif", ["", "", ""]))
    encrypted = _write_encrypted_pdf(tmp_path / "in" / "encrypted.pdf", 3)
    empty = write_scan_tiff(tmp_path / "in" / "empty.tif", ["", "", ""])
    expected = {
        str(path): extract_file(ExtractTask(path)).error for path in (damaged, encrypted, empty)
    }
    assert expected == {
        str(damaged): "image cannot be read (decoder error -2)",
        str(encrypted): "PDF is encrypted: decrypt it and ingest it again",
        str(empty): "no text found on any page",
    }
    report = _ingest(tmp_path / "a", [tmp_path / "in"], workers=2, pages_per_task=1)
    assert (report.new, report.pages) == (1, 3)
    assert {failure.path: failure.reason for failure in report.failures} == expected
    with Archive.open(tmp_path / "a") as archive:
        assert {failure.path: failure.reason for failure in archive.failures()} == expected
    assert list(_catalogue(tmp_path / "a")) == [good.name]


def test_a_missing_tesseract_stops_the_run_and_stores_no_part_of_a_file(
    tmp_path: Path, no_tesseract: None
) -> None:
    digital = write_pdf(tmp_path / "in" / "a-digital.pdf", [DIGITAL] * 3)
    scan = write_mixed_pdf(
        tmp_path / "in" / "b-mixed.pdf", [(DIGITAL, False), (SCANS[1], True), (DIGITAL, False)]
    )
    with pytest.raises(MissingDependencyError, match="tesseract is not installed"):
        _ingest(tmp_path / "a", [tmp_path / "in"], workers=1, pages_per_task=1)
    assert list(_catalogue(tmp_path / "a")) == [
        digital.name
    ]  # nothing of the scan: the next run reads it
    with Archive.open(tmp_path / "a") as archive:
        assert archive.failures() == []
    assert scan.exists()
