"""Low-resolution pages: small letters are measured and enlarged for tesseract.

The letters' x-height is measured from the image (its DPI is not trusted), small letters are
enlarged for tesseract, and it then reads more of the page.
"""

from __future__ import annotations

import io
import textwrap
from collections import Counter

import pytest
from PIL import Image, ImageDraw, ImageFont

from archive_search.ingest.ocr import OcrSteps, ocr_image
from archive_search.ingest.ocr_scale import (
    MIN_REDUCTION,
    REDUCED_X_HEIGHT,
    TARGET_X_HEIGHT,
    enlargement,
    x_height,
)

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
TEXT = (
    "Ban Thường vụ Tỉnh ủy đã lãnh đạo các cấp ủy triển khai Nghị quyết về chuyển đổi số "
    "và phát triển công nghệ thông tin trong các cơ quan đảng của tỉnh, xây dựng chính quyền "
    "số, kinh tế số và xã hội số, nâng cao chất lượng phục vụ người dân và doanh nghiệp. "
    "Các huyện ủy, thành ủy tập trung xây dựng nông thôn mới, nâng cao chất lượng đảng viên, "
    "chú trọng đoàn viên thanh niên ưu tú trong các doanh nghiệp và trường học."
)


def _scan(points: float, dpi: int, quality: int = 60) -> tuple[Image.Image, float]:
    """``TEXT`` printed at ``points`` and scanned at ``dpi`` as a JPEG, and its true x-height."""
    size = round(points * 300 / 72)
    font = ImageFont.truetype(SERIF, size)
    page = Image.new("L", (2000, 1000), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(textwrap.wrap(TEXT, 60)):
        draw.text((60, 60 + number * round(size * 1.45)), line, font=font, fill=20)
    factor = dpi / 300
    small = page.resize((round(2000 * factor), round(1000 * factor)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=quality)
    _, top, _, bottom = font.getbbox("x")
    return Image.open(io.BytesIO(buffer.getvalue())), (bottom - top) * factor


def _recall(read: str) -> float:
    expected, got = Counter(TEXT.split()), Counter(read.split())
    return sum(min(n, got[w]) for w, n in expected.items()) / sum(expected.values())


@pytest.mark.parametrize(("points", "dpi"), [(11, 70), (13, 100), (12, 150), (12, 300)])
def test_the_x_height_is_measured_from_the_letters(points: float, dpi: int) -> None:
    page, truth = _scan(points, dpi, quality=90)
    measured = x_height(page)
    assert measured is not None
    assert measured == pytest.approx(truth, rel=0.3, abs=1.5)


@pytest.mark.parametrize(("points", "dpi"), [(12, 200), (12, 300)])
def test_letters_near_the_target_are_left_as_they_are(points: float, dpi: int) -> None:
    page, _ = _scan(points, dpi)
    assert enlargement(page) == 1.0


def test_large_letters_are_reduced() -> None:
    page, _ = _scan(14, 300)
    measured = x_height(page)
    assert measured is not None and measured >= MIN_REDUCTION * REDUCED_X_HEIGHT
    assert enlargement(page) == pytest.approx(REDUCED_X_HEIGHT / measured)


def test_a_page_without_text_is_not_enlarged() -> None:
    assert x_height(Image.new("L", (800, 1000), 255)) is None
    assert enlargement(Image.new("L", (800, 1000), 255)) == 1.0


def test_small_letters_are_enlarged_to_the_target_x_height() -> None:
    page, truth = _scan(11, 70)
    assert enlargement(page) == pytest.approx(TARGET_X_HEIGHT / truth, rel=0.35)


def test_enlarging_a_low_resolution_scan_reads_more_of_its_words() -> None:
    page, _ = _scan(11, 70)
    page.info.pop("dpi", None)  # a missing resolution changes nothing
    as_is = _recall(ocr_image(page, timeout=120, steps=OcrSteps(enlarge=False, correct=False)).text)
    enlarged = _recall(ocr_image(page, timeout=120, steps=OcrSteps(correct=False)).text)
    assert enlarged >= as_is + 0.03
    assert enlarged >= 0.93


@pytest.mark.parametrize(("points", "dpi"), [(11, 70), (14, 300)])
def test_boxes_of_an_enlarged_or_reduced_page_are_on_the_page_as_given(
    points: float, dpi: int
) -> None:
    page, _ = _scan(points, dpi)
    boxes = ocr_image(page, timeout=120).boxes
    first = next(box for box in boxes if box.text == "Ban")
    # the first word was drawn at (60, 60) of a 2000 x 1000 page
    assert first.left == pytest.approx(60 / 2000, abs=0.01)
    assert first.top == pytest.approx(60 / 1000, abs=0.02)
