"""Tesseract's TSV output as words with their boxes, and the boxes as fractions of the page."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from archive_search.index.records import WordBox

LineKey = tuple[int, int, int]  # (block, paragraph, line) as tesseract numbers them


@dataclass(frozen=True, slots=True)
class OcrWord:
    """A word tesseract read, its confidence (0-100) and its box in the pixels it was read from."""

    text: str
    confidence: float
    line: LineKey
    left: int
    top: int
    width: int
    height: int

    def spelled(self, text: str) -> OcrWord:
        """The same word at the same place, spelled ``text``."""
        return replace(self, text=text)


def parse_tsv(tsv: str) -> list[OcrWord]:
    """The words of tesseract's TSV output, in its reading order.

    Read here, for speed: pytesseract's dict output parses every cell (docs/performance.md).
    """
    words = []
    for row in tsv.splitlines()[1:]:
        # level page block paragraph line word left top width height conf text
        cells = row.split("\t", 11)
        if len(cells) != 12 or not (text := cells[11].strip()):
            continue
        block, paragraph, line, left, top, width, height = (
            int(cell) for cell in cells[2:5] + cells[6:10]
        )
        words.append(
            OcrWord(text, float(cells[10]), (block, paragraph, line), left, top, width, height)
        )
    return words


def page_text(words: Iterable[OcrWord]) -> str:
    """The text of ``words``, a line of the page per line."""
    lines: dict[LineKey, list[str]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word.text)
    return "\n".join(" ".join(line) for line in lines.values())


def mean_confidence(words: Sequence[OcrWord]) -> float | None:
    """The mean confidence of the words tesseract gave one (it gives -1 to none it read)."""
    known = [word.confidence for word in words if word.confidence >= 0]
    return sum(known) / len(known) if known else None


@dataclass(frozen=True, slots=True)
class Geometry:
    """How the picture tesseract read was made from the page image.

    Enlarged ``scale`` times, then turned by ``angle`` degrees counter-clockwise about its centre
    (as ``Image.rotate`` turns, the size kept).
    """

    width: int  # the page image's size, in pixels
    height: int
    angle: float = 0.0
    scale: float = 1.0

    def box(self, word: OcrWord) -> WordBox:
        """The box of ``word`` on the page image, in fractions of its width and height."""
        corners = [
            self._unturned(x, y)
            for x in (word.left, word.left + word.width)
            for y in (word.top, word.top + word.height)
        ]
        left = max(0.0, min(x for x, _ in corners))
        top = max(0.0, min(y for _, y in corners))
        right = min(float(self.width), max(x for x, _ in corners))
        bottom = min(float(self.height), max(y for _, y in corners))
        return WordBox(
            word.text,
            left / self.width,
            top / self.height,
            (right - left) / self.width,
            (bottom - top) / self.height,
        )

    def _unturned(self, x: float, y: float) -> tuple[float, float]:
        """Where the point (x, y) of the picture tesseract read was on the page image."""
        if self.angle:
            radians = math.radians(self.angle)
            cx, cy = self.width * self.scale / 2, self.height * self.scale / 2
            dx, dy = x - cx, y - cy
            x = cx + dx * math.cos(radians) - dy * math.sin(radians)
            y = cy + dx * math.sin(radians) + dy * math.cos(radians)
        return x / self.scale, y / self.scale
