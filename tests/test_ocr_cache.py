"""A page read from the OCR cache is stored exactly as the page OCR'd the first time.

Its text, the text as tesseract read it (``pages.read``) and its word boxes (``page_boxes``);
an entry cached before the cache kept them is not used: its page is OCR'd again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytesseract
import pytest
from PIL import Image, PngImagePlugin

from archive_search import Archive, IngestOptions
from archive_search.index import boxes
from archive_search.index.catalog import Catalog
from archive_search.ingest import ocr
from archive_search.ingest.extract import ExtractTask, extract_file
from archive_search.ingest.ocr_correct import Corrector
from archive_search.ingest.ocr_words import OcrWord
from tools.docgen import write_scan_png

SCANNED = (
    "Các huyện ủy báo cáo kết quả trồng rừng ngập mặn ven biển trước tháng chín.\n"
    "Tỉnh ủy chỉ đạo công tác phòng chống dịch và đào tạo cán bộ."
)
PAGE_ROW = (
    "SELECT p.text, p.method, p.confidence, p.error, p.words, p.read, b.words, b.boxes"
    " FROM pages p JOIN documents d ON d.num = p.document_num"
    " LEFT JOIN page_boxes b ON b.document_num = p.document_num AND b.page = p.page"
    " WHERE d.source = ?"
)


@pytest.fixture(autouse=True)
def respelled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page gets a text as read besides its text: the correction respells its last word.

    The correction is not what these tests test (tests/test_ocr_correct.py does), and it leaves a
    clean page as tesseract read it; the cache must keep both texts whenever they differ.
    """
    real = Corrector.correct

    def correct(self: Corrector, words: Sequence[OcrWord]) -> list[OcrWord]:
        out = real(self, words)
        if out:
            out[-1] = dataclasses.replace(out[-1], text=out[-1].text + "x")
        return out

    monkeypatch.setattr(Corrector, "correct", correct)


def same_pixels_other_bytes(original: Path, path: Path) -> Path:
    """The same page image in another file (a PNG text chunk added): another file, one image."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "scanned again")
    with Image.open(original) as image:
        image.save(path, pnginfo=info, dpi=image.info.get("dpi", (300, 300)))
    return path


def page_row(archive: Path, source: Path) -> tuple[object, ...]:
    with sqlite3.connect(archive / "catalog.sqlite") as db:
        [row] = db.execute(PAGE_ROW, (str(source),)).fetchall()
    return tuple(row)


def test_a_page_from_the_cache_is_stored_as_the_page_ocrd_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_scan_png(tmp_path / "in" / "first.png", SCANNED)
    archive = tmp_path / "a"
    with Archive.open(archive, create=True) as opened:
        report = opened.ingest([first], options=IngestOptions(workers=1))
    assert (report.ocr_pages, report.ocr_cached) == (1, 0)
    fresh = page_row(archive, first)
    assert fresh[1] == "ocr" and fresh[5] and fresh[7]  # a text as read and boxes to keep

    ocr.check_tesseract.cache_clear()
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    again = same_pixels_other_bytes(first, tmp_path / "in" / "again.png")
    with Archive.open(archive) as opened:
        report = opened.ingest([again], options=IngestOptions(workers=1))
        assert opened.search("trồng rừng").total == 2  # the word as read is indexed for both
    ocr.check_tesseract.cache_clear()
    assert (report.new, report.ocr_pages, report.ocr_cached, report.failures) == (1, 1, 1, [])
    assert page_row(archive, again) == fresh


def test_a_task_sent_with_its_cached_pages_reads_them_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a cluster's worker, which cannot read the catalogue, gets a long file's cached pages.
    scan = write_scan_png(tmp_path / "scan.png", SCANNED)
    fresh = extract_file(ExtractTask(scan))
    archive = tmp_path / "a"
    with Archive.open(archive, create=True) as opened:
        opened.ingest([scan], options=IngestOptions(workers=1))
    catalog = Catalog.open(archive / "catalog.sqlite")
    try:
        known = catalog.cached_ocr(hashlib.sha256(scan.read_bytes()).hexdigest())
    finally:
        catalog.close()
    ocr.check_tesseract.cache_clear()
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    cached = extract_file(ExtractTask(scan, known_ocr=known))
    ocr.check_tesseract.cache_clear()
    assert cached.error is None and [page.from_cache for page in cached.pages] == [True]
    [first], [second] = fresh.pages, cached.pages
    assert first.read and first.boxes
    assert (second.text, second.read, second.confidence, second.words) == (
        first.text,
        first.read,
        first.confidence,
        first.words,
    )
    assert boxes.encode(second.boxes or ()) == boxes.encode(first.boxes)  # as the page keeps them


def test_an_entry_cached_before_the_cache_kept_boxes_is_read_again(tmp_path: Path) -> None:
    first = write_scan_png(tmp_path / "in" / "first.png", SCANNED)
    archive = tmp_path / "a"
    with Archive.open(archive, create=True) as opened:
        opened.ingest([first], options=IngestOptions(workers=1))
    fresh = page_row(archive, first)
    with sqlite3.connect(archive / "catalog.sqlite") as db:  # as schema version 5 made it
        for column in ("read", "words", "boxes"):
            db.execute(f"ALTER TABLE ocr_cache DROP COLUMN {column}")
        db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    again = same_pixels_other_bytes(first, tmp_path / "in" / "again.png")
    with Archive.open(archive) as opened:
        report = opened.ingest([again], options=IngestOptions(workers=1))
    assert (report.new, report.ocr_pages, report.ocr_cached, report.failures) == (1, 1, 0, [])
    assert page_row(archive, again) == fresh
    with sqlite3.connect(archive / "catalog.sqlite") as db:  # the entry is now complete
        assert db.execute("SELECT count(*) FROM ocr_cache WHERE boxes IS NOT NULL").fetchone() == (
            1,
        )
