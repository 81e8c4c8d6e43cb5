"""Word boxes: where each word of a born-digital page stands, kept at ingestion in the catalogue.

And found again for an archive ingested before they were kept.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fpdf import FPDF

from archive_search import Archive, IngestOptions
from archive_search.index import boxes
from archive_search.index.catalog import Catalog
from archive_search.index.records import WordBox
from archive_search.index.schema import SCHEMA_VERSION
from archive_search.ingest import pdf
from archive_search.ingest.encoding import Decoded
from archive_search.ingest.extract import layer_boxes
from tools.docgen import find_font

A4_MM = (210.0, 297.0)
# (x, baseline y) in millimetres from the top left corner, and the word drawn there.
PLACED = [
    (20.0, 30.0, "NGHỊ"),
    (45.0, 30.0, "QUYẾT"),
    (20.0, 120.0, "chuyển"),
    (48.0, 120.0, "đổi"),
    (62.0, 120.0, "số"),
    (130.0, 250.0, "Đảng"),
]
FONT_MM = 12 * 25.4 / 72  # 12 pt


def write_placed_pdf(path: Path) -> dict[str, tuple[float, float, float]]:
    """A one-page PDF with each word of ``PLACED`` drawn where it says.

    Returns each word's left, right and baseline in fractions of the page.
    """
    document = FPDF(format="A4")
    document.add_font("dejavu", "", str(find_font()))
    document.set_font("dejavu", size=12)
    document.add_page()
    drawn = {}
    for x, y, word in PLACED:
        document.text(x, y, word)
        width = document.get_string_width(word)
        drawn[word] = (x / A4_MM[0], (x + width) / A4_MM[0], y / A4_MM[1])
    path.parent.mkdir(parents=True, exist_ok=True)
    document.output(str(path))
    return drawn


def test_each_word_of_a_pdf_page_is_boxed_where_it_is_drawn(tmp_path: Path) -> None:
    drawn = write_placed_pdf(tmp_path / "placed.pdf")
    (layer,) = pdf.text_layers(tmp_path / "placed.pdf")
    found = {box.text: box for box in layer.words}
    assert sorted(found) == sorted(drawn)
    for word, (left, right, baseline) in drawn.items():
        box = found[word]
        assert box.left == pytest.approx(left, abs=0.002), word
        assert box.left + box.width == pytest.approx(right, abs=0.002), word
        # the baseline lies inside the box, in its lower part (descenders are below it)
        assert box.top < baseline < box.top + box.height, word
        assert box.height == pytest.approx(FONT_MM / A4_MM[1], rel=0.35), word


def test_boxes_survive_the_catalogue_packing() -> None:
    page = (
        WordBox("Nghị", 0.1, 0.2, 0.05, 0.01),
        WordBox("quyết,", 0.16, 0.2, 0.06, 0.01),
        WordBox("x\x1fy", 0.0, 0.99, 1.0, 0.01),
    )
    words, packed = boxes.encode(page)
    assert len(packed) == 3 * 8
    back = boxes.decode(words, packed)
    assert [box.text for box in back] == ["Nghị", "quyết,", "x y"]
    for before, after in zip(page, back, strict=True):
        for name in ("left", "top", "width", "height"):
            assert getattr(after, name) == pytest.approx(getattr(before, name), abs=1e-4)
    assert boxes.decode("", b"") == ()


def test_legacy_layer_words_take_their_converted_spelling() -> None:
    raw = (WordBox("NghÞ", 0.1, 0.1, 0.1, 0.01), WordBox("quyÕt", 0.2, 0.1, 0.1, 0.01))
    converted = Decoded("Nghị quyết", frozenset({"tcvn3"}))
    assert [box.text for box in layer_boxes(raw, converted) or ()] == ["Nghị", "quyết"]
    assert layer_boxes(raw, Decoded("Nghị quyết số", frozenset({"tcvn3"}))) is None
    assert layer_boxes(raw, Decoded("NghÞ quyÕt")) == raw


def test_ingestion_keeps_the_boxes_of_born_digital_pages(tmp_path: Path) -> None:
    drawn = write_placed_pdf(tmp_path / "files" / "placed.pdf")
    with Archive.open(tmp_path / "archive", create=True) as archive:
        archive.ingest([tmp_path / "files"], options=IngestOptions(workers=1))
    catalog = Catalog.open(tmp_path / "archive" / "catalog.sqlite")
    try:
        (num,) = catalog.document_nums()
        kept = catalog.page_boxes(num, 1)
        assert kept is not None
        assert {box.text for box in kept} == set(drawn)
        assert catalog.pages_without_boxes() == {}
    finally:
        catalog.close()


def test_a_catalogue_of_version_2_is_upgraded_and_lists_its_pages_without_boxes(
    archive_copy: Path,
) -> None:
    path = archive_copy / "catalog.sqlite"
    db = sqlite3.connect(path)
    with db:
        db.execute("DROP TABLE page_boxes")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.close()
    catalog = Catalog.open(path)
    try:
        version = catalog.transaction().execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        )
        assert version.fetchone()[0] == str(SCHEMA_VERSION)
        missing = catalog.pages_without_boxes()
        methods = dict(
            catalog.transaction().execute("SELECT method, count(*) FROM pages GROUP BY method")
        )
        assert sum(len(pages) for pages in missing.values()) == methods["text"] + methods["ocr"]
    finally:
        catalog.close()
