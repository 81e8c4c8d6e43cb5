"""A scanned page's two-column header put in reading order with tesseract's word boxes.

Measured by ``bench.header_scans`` against reading the page text as tesseract orders it (the
``columns`` way); not used by ingestion, where it did not read any field better.

Tesseract reads the two columns of a header (left: the issuing body, ``*``, ``Số …``; right:
``ĐẢNG CỘNG SẢN VIỆT NAM`` or the national motto, place and date) in no fixed order: a left and a
right line merged into one (``TỈNH ỦY BÌNH DƯƠNG ĐẢNG CỘNG SẢN VIỆT NAM``), the columns line by
line, or the right column after the heading under them. The page's lines above the first one that
crosses the gap between the columns are the header: each is split at the gap, and the page is
given back as its left column's lines, its right column's, then the rest as read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archive_search.index.analysis import normalize
from archive_search.index.doctypes import BY_HEADING
from archive_search.index.records import WordBox

_GAP_FROM, _GAP_TO = 0.3, 0.7  # where the gap between the columns may lie, in page widths
_STEPS = 160  # positions tried across that span
# The narrowest gap taken for the one between columns, in steps (1.5% of the page's width):
# wider than the space between two words, so a centred heading (``THÔNG TƯ``) crosses it.
_MIN_GAP = 6
_HEADER_DEPTH = 0.5  # a header stands in the top half of the page


@dataclass(frozen=True, slots=True)
class _Line:
    words: tuple[tuple[str, WordBox], ...]  # each word as the page text spells it, and its box

    @property
    def top(self) -> float:
        return min(box.top for _, box in self.words)

    def heading(self) -> bool:
        """Whether the line is a document's heading (``NGHỊ QUYẾT``), which ends the header."""
        words = " ".join(text for text, _ in self.words).strip(" .,:;-_*|")
        return normalize(words).upper() in BY_HEADING and words.isupper()

    def free(self) -> list[bool]:
        """Which positions of the gap's span none of the line's words covers."""
        free = [True] * (_STEPS + 1)
        for text, box in self.words:
            if not any(ch.isalnum() for ch in text):
                continue  # a speck, a rule or the star: no evidence of a column
            for step in range(_STEPS + 1):
                if box.left <= _position(step) <= box.left + box.width:
                    free[step] = False
        return free


def _position(step: int) -> float:
    return _GAP_FROM + (_GAP_TO - _GAP_FROM) * step / _STEPS


def column_text(text: str, boxes: Sequence[WordBox]) -> str | None:
    """``text`` (an OCR'd page, ``boxes`` its words') with a two-column header in reading order.

    None when the page has no such header, or its words and boxes do not match.
    """
    lines = _lines(text, boxes)
    if lines is None:
        return None
    header, free = _header(lines)
    if len(header) < 2:
        return None
    gap = _position(_widest_run(free)[0])
    left = [_side(line, gap, left=True) for line in sorted(header, key=lambda line: line.top)]
    right = [_side(line, gap, left=False) for line in sorted(header, key=lambda line: line.top)]
    if not any(left) or not any(right):
        return None
    held = {id(line) for line in header}
    rest = [" ".join(text for text, _ in line.words) for line in lines if id(line) not in held]
    return "\n".join([*filter(None, left), *filter(None, right), *rest])


def _lines(text: str, boxes: Sequence[WordBox]) -> list[_Line] | None:
    """The page's lines, each word with its box (the page's words and boxes go in one order)."""
    lines, at = [], 0
    for raw in text.splitlines():
        words = raw.split()
        if at + len(words) > len(boxes):
            return None
        if words:
            lines.append(_Line(tuple(zip(words, boxes[at : at + len(words)], strict=True))))
        at += len(words)
    return lines if at == len(boxes) else None


def _header(lines: list[_Line]) -> tuple[list[_Line], list[bool]]:
    """The lines from the top down to the first crossing the gap, and the gap's free positions."""
    free = [True] * (_STEPS + 1)
    header: list[_Line] = []
    for line in sorted(lines, key=lambda line: line.top):
        if line.top > _HEADER_DEPTH or line.heading():
            break
        narrowed = [a and b for a, b in zip(free, line.free(), strict=True)]
        if _widest_run(narrowed)[1] < _MIN_GAP:
            break
        free = narrowed
        header.append(line)
    return header, free


def _widest_run(free: list[bool]) -> tuple[int, int]:
    """(middle, length) of the widest run of free positions."""
    best, best_length, start = 0, 0, None
    for step, is_free in enumerate([*free, False]):
        if is_free and start is None:
            start = step
        elif not is_free and start is not None:
            if step - start > best_length:
                best, best_length = (start + step - 1) // 2, step - start
            start = None
    return best, best_length


def _side(line: _Line, gap: float, *, left: bool) -> str:
    """The words of ``line`` on one side of the gap (by the middle of each word's box)."""
    return " ".join(text for text, box in line.words if (box.left + box.width / 2 < gap) == left)
