"""Digits tesseract misreads on a typewritten page are read as their shape on the page shows them.

The page is typed key by key in a monospace font with a slashed zero, each letter a little lighter
or darker and off its line, and scanned at 150 dpi, as the bench's typewritten pages are;
tesseract reads it for real.
"""

from __future__ import annotations

import random

import pytest
from PIL import Image, ImageDraw, ImageFont

from archive_search.ingest.ocr import OcrSteps, ocr_image

MONO = "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf"  # its zero has a stroke
LINES = (
    "Năm 2017 có 30 hộ dân, 60 người và 200 m2 đất ở thôn 9.",
    "Ngày 10 tháng 10 năm 2020, đoàn 180 người đi 90 km tới xã.",
    "Giá 9.000 đồng, 300 tấn gạo, số 1960 và 1995 năm 2019.",
    "Phòng 206, tầng 8, số 29 đường 6, điện thoại 028209.",
    "PGS. Giàu ở Gò Vấp, YG, GS Ngô lo lắng, 30 và 60, năm 2020.",
)
SEED = 3  # keys struck so that tesseract alone misreads zeros and Gs


@pytest.fixture(scope="module")
def typed_page() -> Image.Image:
    """``LINES`` typed in 12 pt at 300 dpi with uneven ink, and scanned at 150 dpi."""
    font = ImageFont.truetype(MONO, 50)
    page = Image.new("L", (2480, 160 + 75 * len(LINES)), 255)
    draw = ImageDraw.Draw(page)
    keys = random.Random(SEED)
    for number, line in enumerate(LINES):
        for column, char in enumerate(line):
            level = min(200, 20 + keys.randint(-20, 90))
            at = (236 + column * font.getlength("M"), 80 + 72 * number + keys.randint(-2, 2))
            draw.text(at, char, font=font, fill=level)
    return page.resize((page.width // 2, page.height // 2), Image.Resampling.LANCZOS)


def test_digits_misread_are_read_as_their_shape_shows_them(typed_page: Image.Image) -> None:
    assert ocr_image(typed_page, timeout=60).text == "\n".join(LINES)


def test_tesseract_alone_misreads_some_of_them(typed_page: Image.Image) -> None:
    # what the shapes are looked at for: without them the same page loses numbers and a G
    text = ocr_image(typed_page, timeout=60, steps=OcrSteps(shapes=False)).text
    read = set(text.replace(",", " ").replace(".", " ").split())
    assert read & {"39", "69", "2920", "2820", "209"}
    assert read & {"P6S", "6S", "6ò", "Y6"}
