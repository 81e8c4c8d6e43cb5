"""Stamps and signatures over the text: their colour lifts them off the black letters before OCR.

A red seal and a blue signature over typed lines cost tesseract words in plain greyscale; the page
converted by ``ocr_grey`` reads nearly all of them, through extraction from an image file and from a
scanned PDF alike. Pages without coloured marks, and pages typed in colour, are converted as before.
A photographed page, darker towards a corner, is evened first.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from archive_search.ingest.extract import ExtractTask, extract_file
from archive_search.ingest.ocr import OcrSteps, ocr_image
from archive_search.ingest.ocr_ink import even_light, ocr_grey
from tests.test_ocr_scale import SERIF, TEXT  # the same page of text

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
RED = (200, 30, 40, 170)
BLUE = (30, 40, 160, 220)


def _typed(ink: tuple[int, int, int] = (20, 20, 20)) -> Image.Image:
    """``TEXT`` typed at 13 pt on a 300 dpi page, in colour."""
    font = ImageFont.truetype(SERIF, 54)
    page = Image.new("RGB", (2000, 1000), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(textwrap.wrap(TEXT, 60)):
        draw.text((60, 60 + number * 78), line, font=font, fill=ink)
    return page


def _stamped(page: Image.Image) -> Image.Image:
    """``page`` with a red seal and a blue signature over its lines, scanned at 150 dpi."""
    layer = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for cx in (600, 1400):
        cy = 420
        for radius, width in ((300, 14), (220, 6)):
            box = (cx - radius, cy - radius, cx + radius, cy + radius)
            draw.ellipse(box, outline=RED, width=width)
        seal = ImageFont.truetype(SANS, 48)
        for index, char in enumerate("ỦY BAN NHÂN DÂN TỈNH BÌNH THUẬN *"):
            angle = math.radians(200 + index * 9.5)
            at = (cx + 258 * math.cos(angle) - 16, cy + 258 * math.sin(angle) - 24)
            draw.text(at, char, font=seal, fill=RED)
        star = [(cx + 90 * math.cos(a * 2.513), cy + 90 * math.sin(a * 2.513)) for a in range(5)]
        draw.polygon(star, fill=RED)
    signature = [(200 + t * 14, 380 + 70 * math.sin(t / 3.0)) for t in range(110)]
    draw.line(signature, fill=BLUE, width=7)
    marked = Image.alpha_composite(page.convert("RGBA"), layer).convert("RGB")
    return marked.resize((1000, 500), Image.Resampling.LANCZOS)


def _recall(read: str) -> float:
    expected, got = Counter(TEXT.split()), Counter(read.split())
    return sum(min(n, got[w]) for w, n in expected.items()) / sum(expected.values())


@pytest.fixture(scope="module")
def stamped() -> Image.Image:
    return _stamped(_typed())


def test_a_stamp_and_a_signature_over_the_text_cost_fewer_words(stamped: Image.Image) -> None:
    plain = ocr_image(stamped, timeout=120, steps=OcrSteps(lift_colour=False, correct=False))
    lifted = ocr_image(stamped, timeout=120, steps=OcrSteps(correct=False))
    assert _recall(lifted.text) >= _recall(plain.text) + 0.1
    assert _recall(lifted.text) >= 0.95


@pytest.mark.parametrize(
    ("suffix", "least"),
    [(".png", 0.95), (".pdf", 0.85)],  # the PDF's JPEG blurs the colours; plain grey reads ~0.2
)
def test_extraction_lifts_the_stamp_from_image_files_and_scanned_pdfs(
    stamped: Image.Image, tmp_path: Path, suffix: str, least: float
) -> None:
    path = tmp_path / f"stamped{suffix}"
    stamped.save(path, resolution=150.0) if suffix == ".pdf" else stamped.save(path)
    result = extract_file(ExtractTask(path, scratch=tmp_path))
    assert _recall(result.pages[0].text) >= least


def test_black_letters_under_the_seal_stay_dark_and_the_seal_turns_pale(
    stamped: Image.Image,
) -> None:
    rgb, grey = np.asarray(stamped).astype(int), np.asarray(ocr_grey(stamped)).astype(int)
    seal = (rgb[..., 0] - rgb[..., 1] > 120) & (rgb[..., 0] > 180)  # seal ink over paper
    under = (rgb[..., 0] < 150) & (rgb[..., 0] - rgb[..., 1] > 40)  # letters under the seal
    assert seal.sum() > 1000 and under.sum() > 200
    assert grey[seal].mean() > 200  # luminance gives these ~100
    assert grey[under].mean() < grey[seal].mean() - 60


@pytest.mark.parametrize(
    "page",
    [
        _typed(),  # black on white
        _typed((30, 40, 160)),  # typed in blue: the colour is the text's
        _typed().convert("L"),
    ],
    ids=["black", "blue ink", "grey"],
)
def test_pages_without_coloured_marks_are_converted_as_before(page: Image.Image) -> None:
    assert ocr_grey(page).tobytes() == page.convert("L").tobytes()


def test_a_heading_typed_in_red_over_black_text_is_kept() -> None:
    page = _typed()
    ImageDraw.Draw(page).text(
        (60, 800), "ĐẢNG CỘNG SẢN VIỆT NAM", font=ImageFont.truetype(SERIF, 66), fill=(200, 30, 40)
    )
    assert ocr_grey(page).tobytes() == page.convert("L").tobytes()


def _photographed(page: Image.Image) -> Image.Image:
    """``page`` photographed at 100 dpi: blurred, light falling off towards a corner, as a JPEG."""
    blurred = page.convert("L").filter(ImageFilter.GaussianBlur(3.6))
    small = np.asarray(blurred.resize((667, 333), Image.Resampling.LANCZOS), dtype=np.float32)
    rows, columns = np.mgrid[0 : small.shape[0], 0 : small.shape[1]]
    falloff = 1.0 - 0.35 * (columns / small.shape[1] * 0.6 + rows / small.shape[0] * 0.4)
    buffer = io.BytesIO()
    Image.fromarray((small * falloff * 0.92).astype(np.uint8)).save(buffer, "JPEG", quality=60)
    return Image.open(io.BytesIO(buffer.getvalue()))


def test_a_page_lit_unevenly_is_evened_and_tesseract_reads_more_of_it() -> None:
    photo = _photographed(_typed())
    as_lit = ocr_image(photo, timeout=120, steps=OcrSteps(even_light=False, correct=False))
    evened = ocr_image(photo, timeout=120, steps=OcrSteps(correct=False))
    assert _recall(evened.text) >= _recall(as_lit.text) + 0.04
    assert _recall(evened.text) >= 0.97


def test_a_page_lit_evenly_is_left_as_it_is() -> None:
    page = _typed().convert("L")
    assert even_light(page) is page
