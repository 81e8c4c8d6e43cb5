"""Every kind of input, page by page (real tesseract).

JPEG, multi-page TIFF, mixed PDFs, blank pages, the OCR cache, decompression bombs, manifests in
Vietnamese, the year from the path.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytesseract
import pytest
from PIL import Image

from archive_search import (
    Archive,
    IngestOptions,
    IngestReport,
    ManifestError,
    NotFoundError,
    OcrMode,
    PageMethod,
)
from archive_search.index.catalog import Catalog
from archive_search.ingest import ocr
from archive_search.ingest.extract import ExtractTask, extract_file
from archive_search.ingest.manifest import COLUMNS, read_manifest
from archive_search.ingest.manifest_rows import _unplaced_record_id
from tools.docgen import (
    render_scan,
    write_decompression_bomb,
    write_mixed_pdf,
    write_pdf,
    write_scan_pdf,
    write_scan_tiff,
    write_scan_with_text_layer,
)

SCANNED = (
    "TỈNH ỦY BÌNH THUẬN\nSố 21-CT/TU\nPhan Thiết, ngày 3 tháng 2 năm 2014\n"
    "CHỈ THỊ\nvề phòng chống thiên tai"
)
DIGITAL = "Văn phòng Tỉnh ủy chủ trì xây dựng kho lưu trữ điện tử cho các cơ quan đảng trong tỉnh."
SECOND_SCAN = "Các huyện ủy báo cáo kết quả trồng rừng ngập mặn ven biển trước tháng chín."


def ingest(root: Path, paths: list[Path], **options: Any) -> tuple[Archive, IngestReport]:
    archive = Archive.open(root, create=True)
    return archive, archive.ingest(paths, options=IngestOptions(workers=1, **options))


def test_jpeg_scan_is_read_by_tesseract(tmp_path: Path) -> None:
    path = tmp_path / "2014-21-CT-TU.jpg"
    render_scan(SCANNED).convert("RGB").save(path, quality=90, dpi=(300, 300))
    result = extract_file(ExtractTask(path))
    assert result.error is None
    assert [page.method for page in result.pages] == [PageMethod.OCR]
    assert "phòng chống thiên tai" in result.pages[0].text


def test_multipage_tiff_gives_one_page_per_frame(tmp_path: Path) -> None:
    path = write_scan_tiff(tmp_path / "scan.tif", [SCANNED, SECOND_SCAN])
    archive, _ = ingest(tmp_path / "a", [path], fond="TU")
    with archive:
        hit = archive.search("rung ngap man").hits[0]
        assert (hit.symbol, hit.pages[0].page) == ("21-CT/TU", 2)
        view = archive.document(hit.id)
    assert [page.method for page in view.pages] == [PageMethod.OCR, PageMethod.OCR]
    assert all(page.confidence is not None and page.confidence > 50 for page in view.pages)


def test_mixed_pdf_takes_the_right_source_for_each_page(tmp_path: Path) -> None:
    path = write_mixed_pdf(
        tmp_path / "mixed.pdf", [(DIGITAL, False), (SECOND_SCAN, True), ("", False)]
    )
    result = extract_file(ExtractTask(path))
    assert [page.method for page in result.pages] == [
        PageMethod.TEXT_LAYER,
        PageMethod.OCR,
        PageMethod.BLANK,
    ]
    assert result.pages[0].text == DIGITAL
    assert "rừng ngập mặn" in result.pages[1].text
    assert result.pages[2].confidence is None


@pytest.mark.parametrize(
    ("mode", "methods"),
    [
        (OcrMode.NEVER, [PageMethod.TEXT_LAYER, PageMethod.TEXT_LAYER]),
        (OcrMode.ALWAYS, [PageMethod.OCR] * 2),
    ],
)
def test_ocr_mode_decides_for_every_page(
    tmp_path: Path, mode: OcrMode, methods: list[PageMethod]
) -> None:
    path = write_mixed_pdf(tmp_path / "mixed.pdf", [(DIGITAL, False), (SECOND_SCAN, True)])
    result = extract_file(ExtractTask(path, ocr_mode=mode))
    assert [page.method for page in result.pages] == methods


def test_a_page_of_a_few_words_and_nothing_else_keeps_its_text_layer(
    tmp_path: Path, no_tesseract: None
) -> None:
    path = write_pdf(tmp_path / "letter.pdf", [DIGITAL, "Nơi nhận"])
    result = extract_file(ExtractTask(path))  # OCR would fail: tesseract is gone
    assert result.error is None
    assert [(page.method, page.text) for page in result.pages][1] == (
        PageMethod.TEXT_LAYER,
        "Nơi nhận",
    )


def test_a_few_words_over_a_picture_are_not_trusted(tmp_path: Path) -> None:
    path = write_scan_with_text_layer(tmp_path / "layered.pdf", SECOND_SCAN, "Nơi nhận")
    result = extract_file(ExtractTask(path))
    assert [page.method for page in result.pages] == [PageMethod.OCR]
    assert "rừng ngập mặn" in result.pages[0].text


def test_a_layer_without_vietnamese_marks_over_a_scan_is_read_again(tmp_path: Path) -> None:
    # what a scanner's OCR that did not know Vietnamese leaves: the letters without their marks
    unmarked = "Cac huyen uy bao cao ket qua trong rung ngap man ven bien truoc thang chin."
    path = write_scan_with_text_layer(tmp_path / "layered.pdf", SECOND_SCAN, unmarked)
    result = extract_file(ExtractTask(path))
    assert [page.method for page in result.pages] == [PageMethod.OCR]
    assert "rừng ngập mặn" in result.pages[0].text
    never = extract_file(ExtractTask(path, ocr_mode=OcrMode.NEVER))
    assert [page.text for page in never.pages] == [unmarked]


def test_a_vietnamese_layer_over_a_scan_is_kept(tmp_path: Path, no_tesseract: None) -> None:
    path = write_scan_with_text_layer(tmp_path / "layered.pdf", SECOND_SCAN, SECOND_SCAN)
    result = extract_file(ExtractTask(path))
    assert [(page.method, page.text) for page in result.pages] == [
        (PageMethod.TEXT_LAYER, SECOND_SCAN)
    ]


def test_a_born_digital_page_without_marks_keeps_its_layer(
    tmp_path: Path, no_tesseract: None
) -> None:
    unmarked = "Cac huyen uy bao cao ket qua trong rung ngap man ven bien truoc thang chin."
    result = extract_file(ExtractTask(write_pdf(tmp_path / "plain.pdf", [unmarked])))
    assert [(page.method, page.text) for page in result.pages] == [
        (PageMethod.TEXT_LAYER, unmarked)
    ]


def test_a_blank_scan_is_not_sent_to_tesseract(tmp_path: Path, no_tesseract: None) -> None:
    path = tmp_path / "blank.png"
    Image.new("L", (2480, 3508), color=255).save(path)
    result = extract_file(ExtractTask(path))
    assert result.error == "no text found on any page"  # not "tesseract is not installed"


def test_the_ocr_cache_forgets_files_gone_or_changed_unless_another_file_shows_them(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    first = write_scan_pdf(folder / "a.pdf", [SCANNED])
    (folder / "a-copy.pdf").write_bytes(first.read_bytes())  # the same content: a duplicate
    write_scan_pdf(folder / "b.pdf", [SECOND_SCAN])
    archive, report = ingest(tmp_path / "a", [folder])

    def cached() -> tuple[int, int]:
        with sqlite3.connect(tmp_path / "a" / "catalog.sqlite") as db:
            images = db.execute("SELECT count(*) FROM ocr_cache").fetchone()[0]
            sources = db.execute("SELECT count(*) FROM ocr_sources").fetchone()[0]
        return int(images), int(sources)

    with archive:
        assert (report.new, report.duplicates, report.ocr_pages) == (2, 1, 2)
        assert cached() == (2, 2)
        first.unlink()
        assert archive.prune() == 1
        assert cached() == (2, 2)  # the copy still shows that page
        (folder / "a-copy.pdf").unlink()
        assert archive.prune() == 1
        assert cached() == (1, 1)
        assert archive.search("rung ngap man").total == 1
        assert archive.search("phong chong thien tai").total == 0
        write_scan_pdf(folder / "b.pdf", [SCANNED])  # changed in place: its old page is gone
        assert archive.ingest([folder], options=IngestOptions(workers=1)).ocr_pages == 1
        assert cached() == (1, 1)
        assert archive.search("phong chong thien tai").total == 1


def test_ocr_cache_reads_a_page_seen_before_without_tesseract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_scan_pdf(tmp_path / "first.pdf", [SCANNED])
    archive, report = ingest(tmp_path / "a", [first])
    with archive:
        assert (report.ocr_pages, report.ocr_cached) == (1, 0)
        ocr.check_tesseract.cache_clear()
        monkeypatch.setattr(
            pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract")
        )
        # The same page again, in another file with a born-digital page before it.
        second = write_mixed_pdf(tmp_path / "second.pdf", [(DIGITAL, False), (SCANNED, True)])
        report = archive.ingest([second], options=IngestOptions(workers=2))
        ocr.check_tesseract.cache_clear()
    assert (report.new, report.ocr_pages, report.ocr_cached, report.failures) == (1, 1, 1, [])
    with Archive.open(tmp_path / "a") as archive:
        assert archive.search("phong chong thien tai").total == 2


def test_a_page_repeated_in_one_file_is_read_once(tmp_path: Path) -> None:
    path = write_scan_tiff(tmp_path / "twice.tif", [SECOND_SCAN, SECOND_SCAN])
    result = extract_file(ExtractTask(path))
    assert [page.from_cache for page in result.pages] == [False, True]
    assert result.pages[0].text == result.pages[1].text
    assert result.pages[0].image_hash == result.pages[1].image_hash


@pytest.mark.parametrize(
    "side", [15_000, 21_000, 100_000]
)  # over Pillow's limit: a warning, then an error
def test_decompression_bomb_is_a_recorded_failure(tmp_path: Path, side: int) -> None:
    path = write_decompression_bomb(tmp_path / "bomb.png", side, side)
    archive, report = ingest(tmp_path / "a", [path])
    with archive:
        failures = archive.failures()
    assert [f.path for f in failures] == [str(path)]
    assert failures[0].reason.startswith("image is too large to read safely")
    assert report.failures == failures


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a file whatever its mode")
def test_unreadable_file_is_recorded(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "locked.pdf", [DIGITAL])
    path.chmod(0)
    try:
        archive, _ = ingest(tmp_path / "a", [path])
        with archive:
            assert archive.failures()[0].reason.startswith("cannot read file (Permission denied")
    finally:
        path.chmod(0o644)


MANIFEST = (
    "\ufeffĐường dẫn,Phông,Mục lục,Hộp,Hồ sơ,Số ký hiệu,Ngày,Trích yếu,Cơ quan ban hành,Loại,Độ "
    "mật,Độ khẩn,Số trang,Ghi chú\nvan-ban.pdf,TU,2,7,88,,3/2/2014,,,,,,1,\n"
    ",TU,2,7,89,40-NQ/TU,15/03/2009,Nghị quyết về xây dựng nông thôn mới,TU,NQ,Mật,Khẩn,12,bản "
    "sao\n"
)


def test_the_columns_the_project_writes_are_fields_the_manifest_reader_fills(
    tmp_path: Path,
) -> None:
    """A manifest written with ``COLUMNS`` (sample, tests, bench) fills fields and no extra."""
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        placed = ["a.txt", "TU", "1", "2", "3"]
        writer.writerow([*placed, "31-NQ/TU", "NQ", "Tỉnh ủy", "2019-03-15", "2019", "Về", "mật"])
    [row] = read_manifest(manifest)
    assert (row.error, row.path, row.meta.extra) == (None, tmp_path / "a.txt", {})
    assert sorted(row.meta.sources) == sorted(
        [*(column for column in COLUMNS if column not in ("path", "file")), "file_no"]
    )
    assert (row.meta.file_no, row.meta.secrecy.value) == ("3", "mat")


def test_manifest_in_vietnamese_with_a_bom(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    rows = read_manifest(tmp_path / "manifest.csv")
    assert rows[0].path == tmp_path / "van-ban.pdf"
    assert (rows[0].meta.fond, rows[0].meta.inventory, rows[0].meta.box, rows[0].meta.file_no) == (
        "TU",
        "2",
        "7",
        "88",
    )
    assert (rows[0].meta.date, rows[0].meta.year, rows[0].meta.extra) == (
        "2014-02-03",
        2014,
        {"pages": "1"},
    )
    record = rows[1].meta
    assert rows[1].path is None
    assert (record.symbol, record.title, record.issuer, record.doc_type) == (
        "40-NQ/TU",
        "Nghị quyết về xây dựng nông thôn mới",
        "TU",
        "NQ",
    )
    assert (record.date, record.secrecy.value, record.urgency) == ("2009-03-15", "mat", "khan")
    assert record.extra == {"pages": "12", "ghi_chu": "bản sao"}


def test_a_catalogue_kept_as_an_excel_workbook_reads_as_its_csv(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["MỤC LỤC HỒ SƠ — Phông Tỉnh ủy"]
    )  # a title above the column names, and a blank row
    sheet.append([])
    for row in csv.reader(
        io.StringIO(MANIFEST.lstrip("\ufeff"))
    ):  # as Excel types them: numbers, date cells
        sheet.append([_as_excel_cell(value) for value in row])
    book.save(tmp_path / "manifest.xlsx")
    from_book, from_csv = (
        read_manifest(tmp_path / name) for name in ("manifest.xlsx", "manifest.csv")
    )
    assert [(row.path, row.meta) for row in from_book] == [(row.path, row.meta) for row in from_csv]
    assert [row.line for row in from_book] == [
        4,
        5,
    ]  # the sheet's own row numbers, for error messages
    write_pdf(tmp_path / "van-ban.pdf", [DIGITAL])
    archive, report = ingest(tmp_path / "a", [], manifest=tmp_path / "manifest.xlsx")
    with archive:
        assert (report.new, report.records, report.failures) == (1, 1, [])
        hit = archive.search("kho lưu trữ").hits[0]
        assert (hit.fond, hit.date) == ("TU", "2014-02-03")
        assert archive.search("40-NQ/TU", clearance="mat").hits[0].kind == "record"
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(
        ManifestError, match=r"cannot read \.xls manifests: save it as \.xlsx or as CSV UTF-8"
    ):
        read_manifest(tmp_path / "old.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"PK not really")
    with pytest.raises(ManifestError, match=r"manifest is not a readable \.xlsx workbook"):
        read_manifest(tmp_path / "broken.xlsx")


CATALOGUE = (  # a file catalogue (mục lục hồ sơ) as archives keep it: places and titles, no files
    "Phông,Mục lục số,Hộp số,Hồ sơ số,Tiêu đề hồ sơ,Thời gian bắt đầu,Thời gian kết thúc,Số tờ\n"
    "TU,1,3,41,Tập công văn đi năm 2015,05/01/2015,30/06/2015,120\n"
    "TU,1,3,42,Tập công văn đi năm 2015,,,98\n"
    # the same fond, title and (no) date as the one above
    "TU,1,4,57,Tập công văn đi năm 2015,,,40\n"
    "TU,1,4,57,Tập công văn đi năm 2015,,,40\n"  # one file listed twice: one record
    ",,,,,,,\n"  # the blank line a spreadsheet leaves: no record
)


PLACES = [
    ("1", "3", "41", 2015),
    ("1", "3", "42", None),
    ("1", "4", "57", None),
]  # inventory, box, file, year


def _placements(archive: Archive, query: str) -> list[tuple[object, ...]]:
    """Where the records found are kept, as their hits say."""
    return sorted(
        (hit.inventory, hit.box, hit.file_no, hit.year)
        for hit in archive.search(query, limit=50).hits
    )


def test_files_sharing_a_title_are_each_a_record(tmp_path: Path) -> None:
    """Each file of the catalogue is a record, and ingesting the catalogue again adds none.

    Boxes often hold several files of one title.
    """
    (tmp_path / "muc-luc.csv").write_text(CATALOGUE, encoding="utf-8")
    archive, report = ingest(tmp_path / "a", [], manifest=tmp_path / "muc-luc.csv")
    with archive:
        assert (report.records, report.failures) == (3, [])
        assert _placements(archive, "tap cong van di") == PLACES
        assert (
            archive.ingest([], options=IngestOptions(manifest=tmp_path / "muc-luc.csv")).records
            == 0
        )
        assert archive.search("tap cong van di").total == 3


def test_an_archive_from_before_records_had_places_gets_only_the_records_it_lacks(
    tmp_path: Path,
) -> None:
    """An older archive's records get the files that shared their id, and no copy of the first.

    Ingestions used to give a record an id of its fond, symbol, title and date only: of files
    sharing those, the first was kept and the others taken for it. Ingesting the catalogue again
    adds those others, and not the first once more.
    """
    (tmp_path / "muc-luc.csv").write_text(CATALOGUE, encoding="utf-8")
    first = read_manifest(tmp_path / "muc-luc.csv")[0].meta
    archive = Archive.open(tmp_path / "a", create=True)
    with archive:
        catalog = Catalog.open(tmp_path / "a" / "catalog.sqlite")
        with catalog.transaction():
            catalog.put_document(
                _unplaced_record_id(first), kind="record", source="", meta=first, pages=[]
            )
        catalog.close()
        report = archive.ingest([], options=IngestOptions(manifest=tmp_path / "muc-luc.csv"))
        assert report.records == 2
        assert _placements(archive, "tap cong van di") == PLACES


def test_a_catalogue_ingested_again_after_an_edit_has_its_records_replaced_with_prune(
    tmp_path: Path,
) -> None:
    """A row corrected in the catalogue is another record.

    Ingesting the catalogue again adds it and says the old one is no longer listed; with prune
    the old one goes, as does a row deleted. Records of another catalogue stay.
    """
    manifest, other = tmp_path / "muc-luc.csv", tmp_path / "muc-luc-2.csv"
    manifest.write_text(CATALOGUE, encoding="utf-8")
    incoming = CATALOGUE.replace("TU,1,3,41,", "TU,2,9,7,").replace("đi năm 2015", "đến năm 2016")
    other.write_text(incoming, encoding="utf-8")
    archive, _ = ingest(tmp_path / "a", [], manifest=manifest)
    with archive:
        assert archive.ingest([], options=IngestOptions(manifest=other)).records == 3
        lines = CATALOGUE.splitlines(keepends=True)
        edited = lines[1].replace("Tập công văn đi năm 2015", "Tập công văn đi quý I năm 2015")
        manifest.write_text(
            "".join([lines[0], edited, lines[2], *lines[5:]]), encoding="utf-8"
        )  # box 4 deleted
        kept = archive.ingest([], options=IngestOptions(manifest=manifest))
        assert (kept.records, kept.unlisted_records, kept.pruned_records) == (1, 2, 0)
        assert archive.search("tap cong van di", all_words=True).total == 4
        pruned = archive.ingest([], options=IngestOptions(manifest=manifest, prune=True))
        assert (pruned.records, pruned.unlisted_records, pruned.pruned_records) == (0, 0, 2)
        assert sorted(
            hit.title for hit in archive.search("tap cong van di", all_words=True).hits
        ) == [
            "Tập công văn đi năm 2015",
            "Tập công văn đi quý I năm 2015",
        ]
        assert _placements(archive, "quy I") == [("1", "3", "41", 2015)]
        assert (
            archive.search("tap cong van den", all_words=True).total == 3
        )  # the other catalogue's
        assert (
            archive.ingest([], options=IngestOptions(manifest=manifest, prune=True)).pruned_records
            == 0
        )


def test_a_catalogue_renamed_and_edited_still_has_its_old_records_found(tmp_path: Path) -> None:
    """A catalogue file renamed (or moved) before it is ingested again is the same catalogue.

    The rows it no longer lists are reported, and pruned. (One that still exists is another
    catalogue: see the test above.)
    """
    old, new = tmp_path / "muc-luc.csv", tmp_path / "muc-luc-2026.csv"
    old.write_text(CATALOGUE, encoding="utf-8")
    archive, _ = ingest(tmp_path / "a", [], manifest=old)
    with archive:
        lines = CATALOGUE.splitlines(keepends=True)
        new.write_text(
            "".join([lines[0], lines[1], *lines[3:]]), encoding="utf-8"
        )  # box 3, file 42 deleted
        old.unlink()
        kept = archive.ingest([], options=IngestOptions(manifest=new))
        assert (kept.records, kept.unlisted_records) == (0, 1)
        pruned = archive.ingest([], options=IngestOptions(manifest=new, prune=True))
        assert pruned.pruned_records == 1
        assert _placements(archive, "tap cong van di") == [PLACES[0], PLACES[2]]


def test_documents_and_records_are_removed_by_id_and_a_file_ingested_again_comes_back(
    tmp_path: Path,
) -> None:
    """``remove`` takes a document (and its duplicate file) and a record out of the archive.

    Out of the catalogue and the index; an unknown id removes nothing; the document's file
    ingested again is new again.
    """
    folder = tmp_path / "in"
    write_pdf(folder / "kho.pdf", [DIGITAL])
    (folder / "kho-copy.pdf").write_bytes((folder / "kho.pdf").read_bytes())  # a duplicate
    (tmp_path / "muc-luc.csv").write_text(CATALOGUE, encoding="utf-8")
    archive, report = ingest(tmp_path / "a", [folder])
    with archive:
        assert (report.new, report.duplicates) == (1, 1)
        archive.ingest([], options=IngestOptions(manifest=tmp_path / "muc-luc.csv"))
        document = archive.search("kho luu tru dien tu").hits[0].id
        record = archive.search("tap cong van di", limit=1).hits[0].id
        with pytest.raises(NotFoundError, match="'khong-co': nothing was removed"):
            archive.remove([document, "khong-co"])
        assert [hit.id for hit in archive.search("kho luu tru dien tu").hits] == [
            document
        ]  # catalogue too
        assert archive.remove([document, record, record]) == 2
        assert archive.search("kho luu tru dien tu").total == 0
        assert archive.search("tap cong van di").total == 2
        assert (archive.statistics().documents, archive.statistics().records) == (0, 2)
        again = archive.ingest([folder], options=IngestOptions(workers=1))
        assert (again.new, again.duplicates) == (1, 1)
        assert archive.search("kho luu tru dien tu").total == 1


def test_a_catalogue_of_records_needs_no_path_column(tmp_path: Path) -> None:
    (tmp_path / "muc-luc.csv").write_text(CATALOGUE, encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mục lục hồ sơ"])  # a title that is also a column's name: not the column names
    for row in csv.reader(io.StringIO(CATALOGUE)):
        sheet.append([value or None for value in row])
    book.save(tmp_path / "muc-luc.xlsx")
    from_book, from_csv = (
        read_manifest(tmp_path / name) for name in ("muc-luc.xlsx", "muc-luc.csv")
    )
    assert [(row.path, row.meta) for row in from_book] == [(row.path, row.meta) for row in from_csv]
    assert [row.path for row in from_csv] == [None] * 4
    assert (from_csv[0].meta.title, from_csv[0].meta.file_no, from_csv[0].meta.date) == (
        "Tập công văn đi năm 2015",
        "41",
        "2015-01-05",
    )
    (tmp_path / "list.csv").write_text("Phông,Hộp số,Ghi chú\nTU,3,x\n", encoding="utf-8")
    with pytest.raises(
        ManifestError, match=r"no 'path' \(đường dẫn\) column, nor, for a catalogue of records"
    ):
        read_manifest(tmp_path / "list.csv")


def _as_excel_cell(value: str) -> object:
    if value.isdigit():
        return int(value)
    day_month_year = value.split("/")
    if len(day_month_year) == 3:
        day, month, year = (int(part) for part in day_month_year)
        return datetime.datetime(year, month, day)
    return value or None


def test_manifest_without_diacritics_drives_an_ingestion(tmp_path: Path) -> None:
    write_pdf(tmp_path / "docs" / "chi-thi.pdf", [DIGITAL])
    (tmp_path / "m.csv").write_text(
        "duong_dan,phong,so_ky_hieu,trich_yeu,nam\ndocs/chi-thi.pdf,HU-HTB,02-CT/HU,Chỉ thị về kho "
        "lưu trữ,2012\n",
        encoding="utf-8",
    )
    archive, _ = ingest(tmp_path / "a", [], manifest=tmp_path / "m.csv")
    with archive:
        hit = archive.search("02-CT/HU").hits[0]
    assert (hit.fond, hit.title, hit.year) == ("HU-HTB", "Chỉ thị về kho lưu trữ", 2012)


@pytest.mark.parametrize("disk_form", ["NFD", "NFC"])
def test_a_manifest_names_a_file_whatever_unicode_form_the_disk_stored_its_name_in(
    tmp_path: Path, disk_form: str
) -> None:
    name = "Chỉ thị số 02 của Huyện ủy.pdf"  # a folder copied from macOS has its names decomposed
    write_pdf(tmp_path / "docs" / unicodedata.normalize(disk_form, name), [DIGITAL])
    typed = unicodedata.normalize("NFC" if disk_form == "NFD" else "NFD", name)
    (tmp_path / "m.csv").write_text(
        f"path,fond,symbol,title\ndocs/{typed},HU-HTB,02-CT/HU,Chỉ thị về lưu trữ\n",
        encoding="utf-8",
    )
    for paths in (
        [],
        [tmp_path / "docs"],
    ):  # the manifest's files, or a folder with the manifest's metadata
        archive, report = ingest(tmp_path / f"a{len(paths)}", paths, manifest=tmp_path / "m.csv")
        with archive:
            hits = archive.search("kho luu tru dien tu").hits
        assert (report.new, report.failures) == (1, [])
        assert [(hit.symbol, hit.fond, hit.title) for hit in hits] == [
            ("02-CT/HU", "HU-HTB", "Chỉ thị về lưu trữ")
        ]


@pytest.mark.parametrize(
    ("relative", "year"),
    [
        ("1998/van-ban.pdf", 1998),
        ("phong-TU/nam-2003/hop-12/vb.pdf", 2003),
        ("1900-ban-cu/12345.pdf", None),
    ],
)
def test_year_comes_from_the_path_when_nothing_else_says(
    tmp_path: Path, relative: str, year: int | None
) -> None:
    path = write_pdf(tmp_path / "in" / relative, [DIGITAL])
    archive, _ = ingest(tmp_path / "a", [path])
    with archive:
        doc_id = archive.search("kho luu tru dien tu").hits[0].id
        metadata = archive.document(doc_id).metadata
    assert metadata["year"] == year
    assert metadata["sources"].get("year") == ("path" if year else None)


def test_header_year_wins_over_the_path(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "2001" / "ct.pdf", [SCANNED + "\n" + DIGITAL])
    archive, _ = ingest(tmp_path / "a", [path])
    with archive:
        metadata = archive.document(archive.search("21-CT/TU").hits[0].id).metadata
    assert (metadata["year"], metadata["sources"]["year"]) == (2014, "header")


# Legacy encodings, through index.legacy (TCVN3 bytes as a .txt file; a TCVN3 text layer).
TCVN3_BODY = "nghị quyết về phát triển kinh tế biển của tỉnh"


def tcvn3(text: str) -> str:
    from archive_search.index.legacy import TCVN3_CODES

    return "".join(TCVN3_CODES.get(letter, letter) for letter in text)


def test_tcvn3_text_file_is_converted_and_the_encoding_recorded(tmp_path: Path) -> None:
    path = tmp_path / "1996-bao-cao.txt"
    path.write_bytes(tcvn3(TCVN3_BODY).encode("cp1252"))
    archive, report = ingest(tmp_path / "a", [path])
    with archive:
        hit = archive.search("phat trien kinh te bien").hits[0]
        view = archive.document(hit.id)
    assert (report.failures, view.pages[0].text) == ([], TCVN3_BODY)
    assert (view.metadata["extra"], view.metadata["sources"]) == (
        {"encoding": "tcvn3"},
        {"encoding": "text", "year": "path"},
    )


def test_tcvn3_text_layer_is_converted_not_ocred(tmp_path: Path, no_tesseract: None) -> None:
    path = write_pdf(tmp_path / "vntime.pdf", [tcvn3(TCVN3_BODY)])
    result = extract_file(ExtractTask(path))
    assert [(page.method, page.text) for page in result.pages] == [
        (PageMethod.TEXT_LAYER, TCVN3_BODY)
    ]
    assert result.encodings == frozenset({"tcvn3"})


def test_text_layer_beyond_repair_is_ocred(tmp_path: Path) -> None:
    # Vietnamese letters, so it passes a letters-only check, but no word is a Vietnamese syllable.
    path = write_scan_with_text_layer(
        tmp_path / "broken-font.pdf", SECOND_SCAN, "bưă kơê mươâ pơô tưă xơê nươă lơô"
    )
    result = extract_file(ExtractTask(path))
    assert [page.method for page in result.pages] == [PageMethod.OCR]
    assert "rừng ngập mặn" in result.pages[0].text
    never = extract_file(ExtractTask(path, ocr_mode=OcrMode.NEVER))
    assert [page.method for page in never.pages] == [PageMethod.TEXT_LAYER]


def test_manifest_row_whose_file_is_missing_is_a_recorded_failure(tmp_path: Path) -> None:
    write_pdf(tmp_path / "here.pdf", [DIGITAL])
    (tmp_path / "m.csv").write_text("path,fond\nhere.pdf,TU\nnot-here.pdf,TU\n", encoding="utf-8")
    archive, report = ingest(tmp_path / "a", [], manifest=tmp_path / "m.csv")
    with archive:
        assert [(f.path, f.reason) for f in archive.failures()] == [
            (str(tmp_path / "not-here.pdf"), "cannot read file (No such file or directory)"),
        ]
    assert (report.new, len(report.failures)) == (1, 1)


def test_a_txt_file_of_binary_bytes_is_a_recorded_failure(tmp_path: Path) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(bytes(range(128, 256)) * 8)
    result = extract_file(ExtractTask(path))
    assert (result.error, result.pages) == (
        "text file is not UTF-8 nor a known Vietnamese encoding",
        (),
    )


def test_copies_met_in_one_run_share_the_first_copys_outcome(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / "in" / "empty").mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / "empty" / name).write_bytes(b"")
        (tmp_path / "in" / "good").mkdir(exist_ok=True)
        (tmp_path / "in" / "good" / name).write_text(
            "Báo cáo về chuyển đổi số của tỉnh", encoding="utf-8"
        )
    archive, report = ingest(tmp_path / "archive", [tmp_path / "in"])
    assert (report.new, report.duplicates) == (1, 1)
    assert sorted(Path(f.path).name for f in report.failures) == ["a.txt", "b.txt"]
    assert {f.reason for f in report.failures} == {"file is empty"}
    assert archive.search("chuyen doi so").total == 1
