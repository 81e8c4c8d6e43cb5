"""Digits tesseract misreads on a typewriter's slashed zero, told apart by their shape on the page.

A monospace font (a typewriter's, Noto Sans Mono) strikes a stroke through its zero, and tesseract
reads that zero ``9``, ``8``, ``6`` or ``2`` (``30`` read ``39``, ``2017`` read ``2817``) where the
model's syllables cannot tell. The page can: a ``9``'s one enclosed hole is in its upper half, a
``6``'s in its lower half, an ``8``'s two are stacked one above the other and a ``2`` has none,
while a zero's hole (a slashed zero's two, on either side of the stroke and overlapping in height)
spans nearly the whole glyph. So a word holding one of those digits is cut from the picture
tesseract read, split into its glyphs, and a digit whose glyph is shaped as a zero is read ``0``.
The font's ``G``, open on the right, is read ``6`` among letters (``PGS`` read ``P6S``): a ``6``
there without a hole is read ``G``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from PIL import Image

from archive_search.ingest.ocr_scale import otsu
from archive_search.ingest.ocr_words import OcrWord

_SUSPECTS = frozenset("2689")  # digits tesseract reads for a slashed zero
_PAD = 3  # pixels around a word's box: tesseract's boxes are tight on the ink
_SPAN = (0.3, 0.7)  # a zero's holes reach above the first and below the second (of its height)
_MIN_HOLE = 0.03  # of a glyph's box: smaller enclosed specks of paper are no holes
_EIGHT = np.ones((3, 3), dtype=bool)  # ink joined at corners is one glyph


def _glyphs(ink: npt.NDArray[np.bool_]) -> list[npt.NDArray[np.bool_]]:
    """The ink of each glyph in a word, left to right.

    Components overlapping in width are one glyph: a letter and its marks, a stroke broken by the
    ribbon.
    """
    from scipy import ndimage  # imported here: only OCR needs it

    labels, _ = ndimage.label(ink, _EIGHT)
    spans: list[list[int]] = []  # left, right, and the labels of a glyph
    for label, found in sorted(
        enumerate(ndimage.find_objects(labels), 1), key=lambda item: item[1][1].start
    ):
        left, right = found[1].start, found[1].stop
        if spans and min(spans[-1][1], right) - max(spans[-1][0], left) > 0.5 * min(
            spans[-1][1] - spans[-1][0], right - left
        ):
            spans[-1][:2] = [min(spans[-1][0], left), max(spans[-1][1], right)]
            spans[-1].append(label)
        else:
            spans.append([left, right, label])
    return [_cut(np.isin(labels[:, left:right], labels_of)) for left, right, *labels_of in spans]


def _cut(glyph: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """``glyph`` cut to its ink's rows."""
    rows = np.flatnonzero(glyph.any(axis=1))
    return glyph[rows[0] : rows[-1] + 1]


def _holes(glyph: npt.NDArray[np.bool_]) -> list[tuple[float, float]]:
    """The top and bottom of the paper ``glyph`` encloses, in its height; overlapping holes one."""
    from scipy import ndimage

    paper, count = ndimage.label(~glyph)
    height = glyph.shape[0]
    edge = np.unique(np.concatenate([paper[0], paper[-1], paper[:, 0], paper[:, -1]]))
    sizes = np.bincount(paper.ravel(), minlength=count + 1)
    holes = sorted(
        (found[0].start / height, found[0].stop / height)
        for label, found in enumerate(ndimage.find_objects(paper), 1)
        if label not in edge and sizes[label] >= _MIN_HOLE * glyph.size
    )
    merged: list[tuple[float, float]] = []
    for top, bottom in holes:
        if merged and top < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
        else:
            merged.append((top, bottom))
    return merged


def _reshaped(text: str, index: int, glyph: npt.NDArray[np.bool_]) -> str:
    """The character at ``index`` of ``text``, as its glyph shows it."""
    char = text[index]
    if char not in _SUSPECTS:
        return char
    holes = _holes(glyph)
    if any(top <= _SPAN[0] and bottom >= _SPAN[1] for top, bottom in holes):
        return "0"
    beside = text[max(0, index - 1) : index] + text[index + 1 : index + 2]
    if (
        char == "6"
        and not holes
        and any(c.isalpha() for c in beside)
        and not any(c.isdigit() for c in beside)
    ):
        return "G"  # a 6 has its hole; a G, open, is read 6 among letters (P6S, 6ò)
    return char


def _reshaped_word(picture: Image.Image, word: OcrWord) -> OcrWord:
    """``word`` with the suspect digits read as their glyphs on ``picture`` show them."""
    left, top = max(0, word.left - _PAD), max(0, word.top - _PAD)
    right = min(picture.width, word.left + word.width + _PAD)
    bottom = min(picture.height, word.top + word.height + _PAD)
    grey = np.asarray(picture.crop((left, top, right, bottom)).convert("L"))
    glyphs = _glyphs(grey < otsu(grey))
    if len(glyphs) != len(word.text):
        return word  # glyphs touching or broken apart: which is which is unknown
    text = "".join(_reshaped(word.text, index, glyph) for index, glyph in enumerate(glyphs))
    return word if text == word.text else word.spelled(text)


def digits_by_shape(picture: Image.Image, words: Sequence[OcrWord]) -> list[OcrWord]:
    """``words`` read on ``picture``, with the digits tesseract misreads told by their shape.

    Only words holding such a digit are looked at.
    """
    return [
        _reshaped_word(picture, word) if not _SUSPECTS.isdisjoint(word.text) else word
        for word in words
    ]
