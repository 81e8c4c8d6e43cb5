"""Straightening skewed scans: the angle is found, the page turned, tesseract reads it better."""

from __future__ import annotations

import io
import textwrap
from collections import Counter

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from archive_search.ingest.deskew import MIN_ANGLE, background, deskew, skew_angle
from archive_search.ingest.ocr import OcrSteps, ocr_image
from tests.test_ocr_scale import SERIF
from tests.test_ocr_scale import TEXT as PROSE
from tools.docgen import render_scan

TEXT = (
    "Ban Thường vụ Tỉnh ủy đã lãnh đạo, chỉ đạo các cấp ủy, tổ chức đảng triển khai thực hiện "
    "nghiêm túc Nghị quyết số 36-NQ/TW về chuyển đổi số và phát triển công nghệ thông tin.\n"
    "Các huyện ủy, thành ủy tập trung xây dựng nông thôn mới, nâng cao chất lượng đảng viên."
)


def _straight() -> Image.Image:
    return render_scan(TEXT * 2)


@pytest.mark.parametrize("angle", [-4.0, -2.2, 1.3, 3.5])
def test_the_skew_angle_is_found_to_a_few_tenths_of_a_degree(angle: float) -> None:
    askew = _straight().rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert skew_angle(askew) == pytest.approx(-angle, abs=0.25)


def test_a_straight_page_is_handed_over_as_it_is() -> None:
    page = _straight()
    assert abs(skew_angle(page)) < MIN_ANGLE
    assert deskew(page) is page


def test_uncovered_corners_take_the_paper_colour() -> None:
    grey_paper = _straight().point(lambda value: 110 + value * 110 // 255)
    askew = grey_paper.rotate(3, resample=Image.Resampling.BICUBIC, fillcolor=220)
    assert background(askew) == 220
    straightened = deskew(askew)
    assert straightened is not askew
    assert straightened.getpixel((0, 0)) == 220


def test_colour_pages_come_back_grey() -> None:
    assert deskew(_straight().convert("RGB")).mode == "L"


def _errors(read: str) -> int:
    expected = set(TEXT.split())
    return len(expected - set(read.split()))


def test_tesseract_reads_a_straightened_page_at_least_as_well() -> None:
    askew = _straight().rotate(4.5, resample=Image.Resampling.BICUBIC, fillcolor=255)
    as_is = ocr_image(askew, timeout=120, straighten=False).text
    straightened = ocr_image(askew, timeout=120).text
    assert _errors(straightened) == 0
    assert _errors(straightened) <= _errors(as_is)


PHOTOGRAPHED = " ".join([PROSE] * 4)


def _photographed(angle: float) -> Image.Image:
    """``PHOTOGRAPHED`` at 13 pt photographed askew by ``angle`` at 70 dpi: blurred, a JPEG."""
    font = ImageFont.truetype(SERIF, 54)
    page = Image.new("L", (2000, 2400), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(textwrap.wrap(PHOTOGRAPHED, 60)):
        draw.text((60, 60 + number * 78), line, font=font, fill=20)
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=250)
    small = page.filter(ImageFilter.GaussianBlur(2.5)).resize((467, 560), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=55)
    return Image.open(io.BytesIO(buffer.getvalue()))


def _recall(read: str) -> float:
    expected, got = Counter(PHOTOGRAPHED.split()), Counter(read.split())
    return sum(min(n, got[w]) for w, n in expected.items()) / sum(expected.values())


@pytest.mark.parametrize("angle", [1.2, -1.5, 2.0])
def test_an_enlarged_page_turned_level_keeps_its_marks(angle: float) -> None:
    steps = OcrSteps(correct=False)
    straight = _recall(ocr_image(_photographed(0.0), timeout=120, steps=steps).text)
    levelled = _recall(ocr_image(_photographed(angle), timeout=120, steps=steps).text)
    assert levelled >= straight - 0.01
