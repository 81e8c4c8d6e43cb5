"""An OCR'd page keeps the text as tesseract read it beside the corrected one.

Search finds a word in either.
"""

from __future__ import annotations

from pathlib import Path

from archive_search.index.catalog import Catalog
from archive_search.index.records import DocumentMeta, PageMethod, PageText


def test_the_text_as_read_is_kept_and_indexed_beside_the_corrected_one(tmp_path: Path) -> None:
    page = PageText(
        1,
        "công tác đào tạo cán bộ",
        PageMethod.OCR,
        80.0,
        read="công tác đảo tạo cán bộ",
    )
    assert page.indexed_text == "công tác đào tạo cán bộ\nđảo"
    catalog = Catalog.open(tmp_path / "catalog.sqlite", create=True)
    with catalog.transaction():
        num = catalog.put_document(
            "d1", kind="document", source="a.png", meta=DocumentMeta(), pages=[page]
        )
    (stored,) = catalog.pages(num)
    assert (stored.text, stored.read) == (page.text, page.read)
    catalog.close()


def test_a_page_the_correction_left_alone_is_indexed_as_it_is() -> None:
    assert PageText(1, "xây dựng đảng", PageMethod.OCR).indexed_text == "xây dựng đảng"
