"""Word boxes as the catalogue keeps them: one row a page, its words and their boxes packed.

A page holds a few hundred words; a row per word would make the catalogue's largest table by
far (hundreds of millions of rows at full scale) for what the page viewer reads a page at a
time. The words are joined by a separator no word holds, and the boxes are four unsigned 16-bit
numbers a word (left, top, width, height in 65,535ths of the page: a twentieth of a pixel on a
300 dpi A4 scan), little-endian.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence

from archive_search.index.records import WordBox

SEPARATOR = "\x1f"  # the ASCII unit separator: never part of a word
_SCALE = 65_535
_FIELDS = 4


def _unit(value: float) -> int:
    return round(min(1.0, max(0.0, value)) * _SCALE)


def encode(boxes: Sequence[WordBox]) -> tuple[str, bytes]:
    """(words, packed boxes) of a page's word boxes, as the ``page_boxes`` table stores them."""
    numbers = array("H")
    for box in boxes:
        numbers.extend((_unit(box.left), _unit(box.top), _unit(box.width), _unit(box.height)))
    if sys.byteorder != "little":
        numbers.byteswap()
    words = SEPARATOR.join(box.text.replace(SEPARATOR, " ") for box in boxes)
    return words, numbers.tobytes()


def decode(words: str, packed: bytes) -> tuple[WordBox, ...]:
    """The word boxes ``encode`` packed (a damaged row gives as many as it holds whole)."""
    numbers = array("H")
    numbers.frombytes(packed[: len(packed) - len(packed) % (2 * _FIELDS)])
    if sys.byteorder != "little":
        numbers.byteswap()
    texts = words.split(SEPARATOR) if words else []
    count = min(len(texts), len(numbers) // _FIELDS)
    return tuple(WordBox(texts[i], *(n / _SCALE for n in _four(numbers, i))) for i in range(count))


def _four(numbers: array[int], index: int) -> tuple[int, int, int, int]:
    """The four numbers of word ``index``."""
    start = index * _FIELDS
    left, top, width, height = numbers[start : start + _FIELDS]
    return left, top, width, height
