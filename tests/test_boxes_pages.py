"""Page images and the query's words boxed on them, through ``Archive``.

Real PDFs and scans, real pdfium, pdfminer, tesseract and tantivy.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from archive_search import Archive, IngestOptions, NotFoundError
from archive_search.index.analysis import fold
from archive_search.index.records import PageMethod, WordBox
from archive_search.pages import IMAGE_WIDTHS, image_width
from tests.test_boxes import write_placed_pdf
from tools.webdemo import drawn_words


@pytest.fixture(scope="module")
def placed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An archive of one born-digital page whose words are drawn at known places."""
    root = tmp_path_factory.mktemp("placed")
    write_placed_pdf(root / "files" / "placed.pdf")
    with Archive.open(root / "archive", create=True) as archive:
        archive.ingest([root / "files"], options=IngestOptions(workers=1))
        (hit,) = archive.search("nghi quyet").hits
    return root / "archive", hit.id


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.convert("L")


def _ink(image: Image.Image, box: WordBox, margin: float) -> tuple[float, float, float, float]:
    """The bounds of the dark pixels around ``box``, in fractions of the page.

    The box is widened by ``margin`` of the page.
    """
    width, height = image.size
    left = max(0, int((box.left - margin) * width))
    top = max(0, int((box.top - margin) * height))
    right = int((box.left + box.width + margin) * width)
    bottom = int((box.top + box.height + margin) * height)
    dark = ImageOps.invert(image.crop((left, top, right, bottom))).point(lambda v: 255 * (v > 96))
    bounds = dark.getbbox()
    assert bounds is not None, f"no ink around {box.text}"
    a, b, c, d = bounds
    return (left + a) / width, (top + b) / height, (left + c) / width, (top + d) / height


def test_each_box_lies_over_its_word_on_the_page_image(placed: tuple[Path, str]) -> None:
    path, doc_id = placed
    with Archive.open(path) as archive:
        picture = archive.page_image(doc_id, 1, width=1200)
        view = archive.page(doc_id, 1, query="nghi quyet chuyen doi so dang")
    image = _image(picture.data)
    assert image.size == (picture.width, picture.height)
    assert picture.width == 1200 and abs(picture.height - 1200 * 297 / 210) <= 1
    assert [box.text for box in view.marks] == ["NGHỊ", "QUYẾT", "chuyển", "đổi", "số", "Đảng"]
    pixel = 1 / 1200
    for box in view.marks:
        left, top, right, bottom = _ink(image, box, margin=0.01)
        assert left == pytest.approx(box.left, abs=3 * pixel), box.text
        assert right == pytest.approx(box.left + box.width, abs=3 * pixel), box.text
        # the font's ascent and descent bound the box: the marks stacked on a capital (Ế) rise
        # above it by a quarter of the letters' height at most
        assert box.top - box.height / 4 <= top and bottom <= box.top + box.height + pixel, box.text
        assert top < box.top + box.height / 2 < bottom, box.text


def test_the_query_marks_only_its_own_words_in_any_accent(placed: tuple[Path, str]) -> None:
    path, doc_id = placed
    with Archive.open(path) as archive:
        assert [box.text for box in archive.page(doc_id, 1, query="doi so").marks] == ["đổi", "số"]
        assert [b.text for b in archive.page(doc_id, 1, query="đảng -số").marks] == ["Đảng"]
        exact = archive.page(doc_id, 1, query="đội", exact=True)
        assert exact.marks == () and exact.matching == ()
        assert archive.page(doc_id, 1, query="").marks == ()
        view = archive.page(doc_id, 1, query="chuyen")
    assert view.matching == (1,) and view.boxes_known and view.has_image
    assert [view.text[a:b] for a, b in view.spans] == ["chuyển"]


def test_widths_are_a_few_sizes() -> None:
    assert [image_width(w) for w in (None, 1, 400, 401, 1300, 99_999)] == [
        1200,
        400,
        400,
        800,
        1600,
        IMAGE_WIDTHS[-1],
    ]


def _secret_and_scans(archive: Archive) -> tuple[str, str, str]:
    """The ids of the secret resolution, the scanned notice (PNG) and the scanned guidance (PDF)."""

    def one(symbol: str) -> str:
        (hit,) = archive.search(f"so:{symbol}", clearance="mat").hits
        return hit.id

    return one("07-NQ/TU"), one("15-TB/TU"), one("09-HD/TU")


def test_a_hidden_document_has_no_page_and_no_image(archive: Archive) -> None:
    secret, _, _ = _secret_and_scans(archive)
    with pytest.raises(NotFoundError) as hidden:
        archive.page_image(secret, 1)
    with pytest.raises(NotFoundError) as missing:
        archive.page_image("0" * 20, 1)
    assert hidden.value.message == missing.value.message.replace("0" * 20, secret)
    with pytest.raises(NotFoundError):
        archive.page(secret, 1, query="bi mat")
    assert archive.page_image(secret, 1, clearance="mat").width == 1200
    with pytest.raises(NotFoundError):
        archive.page_image(secret, 2, clearance="mat")


def test_scans_are_shown_as_their_own_picture_sized_for_a_screen(archive: Archive) -> None:
    _, png, scan_pdf = _secret_and_scans(archive)
    for doc_id in (png, scan_pdf):
        picture = archive.page_image(doc_id, 1, width=800)
        image = _image(picture.data)
        assert image.size == (800, round(800 * 3508 / 2480))
        assert len(picture.data) < 250_000
        assert archive.page(doc_id, 1).method is PageMethod.OCR


def test_a_text_file_has_pages_but_no_image(archive: Archive) -> None:
    (report,) = archive.search("so:03-BC/TU").hits
    view = archive.page(report.id, 2, query="giam sat")
    assert not view.has_image and view.page_count == 2
    with pytest.raises(NotFoundError, match="has no image"):
        archive.page_image(report.id, 2)


def test_boxes_of_an_archive_ingested_before_they_were_kept(placed: tuple[Path, str]) -> None:
    path, doc_id = placed
    db = sqlite3.connect(path / "catalog.sqlite")
    with db:
        db.execute("DELETE FROM page_boxes")
    db.close()
    with Archive.open(path) as archive:
        shown = archive.page(doc_id, 1, query="chuyen doi so")  # read from the PDF when shown
        assert [box.text for box in shown.marks] == ["chuyển", "đổi", "số"]
        report = archive.fill_boxes()
        assert (report.pages, report.unreadable, report.ocr_pages_left) == (1, 0, 0)
        assert archive.fill_boxes().pages == 0
        kept = archive.page(doc_id, 1, query="chuyen doi so").marks
    assert [box.text for box in kept] == [box.text for box in shown.marks]
    for was, now in zip(shown.marks, kept, strict=True):  # the same, to the catalogue's precision
        assert (now.left, now.top) == pytest.approx((was.left, was.top), abs=1e-4)


def test_the_boxes_command_reads_what_an_older_ingestion_did_not_keep(archive_copy: Path) -> None:
    from click.testing import CliRunner

    from archive_search.cli import cli

    db = sqlite3.connect(archive_copy / "catalog.sqlite")
    with db:
        db.execute("DELETE FROM page_boxes")
        text_pages = db.execute("SELECT count(*) FROM pages WHERE method = 'text'").fetchone()[0]
        ocr_pages = db.execute("SELECT count(*) FROM pages WHERE method = 'ocr'").fetchone()[0]
    db.close()
    result = CliRunner().invoke(cli, ["--archive", str(archive_copy), "boxes"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"word boxes read for {text_pages} pages\n"
    assert result.stderr == f"{ocr_pages} OCR'd pages have no word boxes: --ocr reads them\n"
    again = CliRunner().invoke(cli, ["--archive", str(archive_copy), "boxes", "--ocr"])
    assert again.exit_code == 0, again.output
    assert again.stdout == f"word boxes read for {ocr_pages} pages\n" and again.stderr == ""
    with Archive.open(archive_copy) as archive:
        _, png, _ = _secret_and_scans(archive)
        assert {b.text for b in archive.page(png, 1, query="chuyen doi so").marks} >= {"chuyển"}
    last = CliRunner().invoke(cli, ["--archive", str(archive_copy), "boxes"])
    assert last.stdout == "word boxes read for 0 pages\n" and last.stderr == ""


def test_ocr_boxes_lie_over_the_words_drawn_on_the_scan(archive: Archive) -> None:
    from tests.conftest import TB_15_SCAN

    _, png, _ = _secret_and_scans(archive)
    view = archive.page(png, 1, query="chuyen doi so kinh te")
    drawn: dict[str, list[tuple[float, float, float, float]]] = {}
    for word, places in drawn_words(TB_15_SCAN).items():  # by the word folded: OCR may misread
        drawn.setdefault(fold(word.strip(",.")), []).extend(places)  # a mark (số as sở)
    assert {box.text.strip(",.") for box in view.marks} >= {"chuyển", "đổi", "số", "kinh", "tế"}
    for box in view.marks:
        left, top, right, bottom = min(
            drawn[fold(box.text.strip(",."))],
            key=lambda b: abs(b[1] - box.top) + abs(b[0] - box.left),
        )
        tolerance = 8 / 2480  # pixels of the 300 dpi scan
        assert box.left == pytest.approx(left, abs=tolerance), box.text
        assert box.left + box.width == pytest.approx(right, abs=tolerance), box.text
        assert box.top == pytest.approx(top, abs=tolerance * 2), box.text
        assert box.top + box.height == pytest.approx(bottom, abs=tolerance * 2), box.text
