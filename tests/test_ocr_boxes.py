"""Word boxes: every word tesseract reads comes with its box on the page image.

Straight or askew, and the extraction result carries them.
"""

from __future__ import annotations

import math
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from archive_search.index.records import PageMethod, WordBox
from archive_search.ingest.extract import ExtractTask, extract_file
from archive_search.ingest.ocr import ocr_image
from tools.docgen import find_font

TEXT = (
    "Ban Thường vụ Tỉnh ủy đã lãnh đạo các cấp ủy triển khai Nghị quyết về chuyển đổi số "
    "và phát triển công nghệ thông tin trong các cơ quan đảng của tỉnh, xây dựng chính quyền "
    "số, kinh tế số và xã hội số, nâng cao chất lượng phục vụ người dân và doanh nghiệp."
)
SIZE = (1600, 1000)


def _page() -> tuple[Image.Image, list[tuple[str, tuple[float, float, float, float]]]]:
    """A page of text, and each word with its ink box in pixels (left, top, right, bottom)."""
    font = ImageFont.truetype(str(find_font()), 44)
    page = Image.new("L", SIZE, 255)
    draw = ImageDraw.Draw(page)
    truth, x, y = [], 120, 120
    for word in TEXT.split():
        if x + font.getlength(word) > SIZE[0] - 120:
            x, y = 120, y + 90
        draw.text((x, y), word, font=font, fill=0)
        truth.append((word, draw.textbbox((x, y), word, font=font)))
        x += int(font.getlength(word + " "))
    return page, truth


def _turned(point: tuple[float, float], angle: float) -> tuple[float, float]:
    """Where ``Image.rotate(angle)`` (about the centre, size kept) takes a point."""
    cx, cy = SIZE[0] / 2, SIZE[1] / 2
    radians = math.radians(angle)
    dx, dy = point[0] - cx, point[1] - cy
    return (
        cx + dx * math.cos(radians) + dy * math.sin(radians),
        cy - dx * math.sin(radians) + dy * math.cos(radians),
    )


def _holds(box: WordBox, point: tuple[float, float]) -> bool:
    x, y = point[0] / SIZE[0], point[1] / SIZE[1]
    return box.left <= x <= box.left + box.width and box.top <= y <= box.top + box.height


@pytest.mark.parametrize("angle", [0.0, 3.0])
def test_each_word_box_lies_over_its_word(angle: float) -> None:
    page, truth = _page()
    if angle:
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    boxes = ocr_image(page, timeout=120).boxes
    read = [box.text for box in boxes]
    matcher = SequenceMatcher(None, [word for word, _ in truth], read, autojunk=False)
    pairs = [
        (truth[block.a + i][1], boxes[block.b + i])
        for block in matcher.get_matching_blocks()
        for i in range(block.size)
    ]
    assert len(pairs) >= 0.9 * len(truth), f"read {read}"
    for (left, top, right, bottom), box in pairs:
        centre = _turned(((left + right) / 2, (top + bottom) / 2), angle)
        assert _holds(box, centre), (box, centre)
        # no more than ~1.5x the word's own size: the box marks this word, not its line
        assert box.width * SIZE[0] <= 1.5 * (right - left) + 20, box
        assert box.height * SIZE[1] <= 1.6 * (bottom - top) + 20, box
    assert all(b.left >= 0 and b.left + b.width <= 1 and b.top + b.height <= 1 for b in boxes)


def test_an_ocr_page_of_an_image_file_carries_its_boxes(tmp_path: Path) -> None:
    page, _ = _page()
    path = tmp_path / "page.png"
    page.save(path)
    result = extract_file(ExtractTask(path))
    assert result.error is None
    (read,) = result.pages
    assert read.method is PageMethod.OCR
    assert read.boxes is not None
    assert [box.text for box in read.boxes] == read.text.split()
