"""Page images for OCR: a scanned page hands over its own picture, anything else is rendered."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageChops

from archive_search.ingest.pdf import render_page
from tools.docgen import (
    A4_PIXELS,
    render_scan,
    write_mixed_pdf,
    write_pdf,
    write_scan_pdf,
    write_scan_with_text_layer,
)

TEXT = "Nghị quyết số 36-NQ/TW về công nghệ thông tin"


def _pdf_with_picture(
    path: Path, picture: Image.Image, *, width_mm: float, height_mm: float
) -> Path:
    pdf = FPDF(format="A4")
    pdf.add_page()
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    pdf.image(buffer, x=0, y=0, w=width_mm, h=height_mm)
    pdf.output(str(path))
    return path


def _same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b.resize(a.size)).getbbox() is None


def test_a_scanned_page_is_its_own_picture(tmp_path: Path) -> None:
    path = write_scan_pdf(tmp_path / "scan.pdf", [TEXT])
    page = render_page(path, 0, dpi=300)
    assert page.image.mode == "L"
    assert page.image.size == A4_PIXELS  # the picture's pixels; a rendering would be 2481 wide
    assert _same_pixels(page.image, render_scan(TEXT, seed=0))
    assert page.stored_hash is not None  # the OCR cache key: the picture as stored, not its pixels
    assert (
        render_page(write_scan_pdf(tmp_path / "again.pdf", [TEXT]), 0, dpi=300).stored_hash
        == page.stored_hash
    )
    assert render_page(
        write_scan_pdf(tmp_path / "other.pdf", [TEXT + " khác"]), 0, dpi=300
    ).stored_hash not in (None, page.stored_hash)


def test_a_scan_under_an_invisible_text_layer_is_still_its_picture(tmp_path: Path) -> None:
    path = write_scan_with_text_layer(tmp_path / "layered.pdf", TEXT, "rác rác rác")
    assert render_page(path, 0, dpi=300).image.size == A4_PIXELS


def test_born_digital_and_mixed_pages_are_rendered(tmp_path: Path) -> None:
    born = write_pdf(tmp_path / "born.pdf", [TEXT])
    assert render_page(born, 0, dpi=150).image.size == (1241, 1754)
    assert render_page(born, 0, dpi=150).stored_hash is None  # rendered: its pixels are hashed
    mixed = write_mixed_pdf(tmp_path / "mixed.pdf", [(TEXT, False), (TEXT, True)])
    assert render_page(mixed, 0, dpi=300).image.size != A4_PIXELS
    assert render_page(mixed, 1, dpi=300).image.size == A4_PIXELS


def test_a_picture_that_does_not_fill_the_page_is_rendered(tmp_path: Path) -> None:
    path = _pdf_with_picture(
        tmp_path / "small.pdf", render_scan(TEXT), width_mm=105, height_mm=148.5
    )
    image = render_page(path, 0, dpi=300).image
    assert image.size == (2481, 3508)
    assert image.getpixel((2400, 3400)) == 255  # the empty half of the page is there, white


def test_a_low_resolution_scan_is_rendered_at_the_asked_resolution(tmp_path: Path) -> None:
    small = render_scan(TEXT).resize((827, 1169))  # 100 dpi
    path = _pdf_with_picture(tmp_path / "low.pdf", small, width_mm=210, height_mm=297)
    assert render_page(path, 0, dpi=300).image.size == (2481, 3508)
