"""Straightening skewed scans before OCR: tesseract reads a page turned straight better.

A page fed a few degrees askew costs tesseract some of its characters; one turned straight almost
nothing (docs/performance.md).

The angle is found by projection profiles: text lines are dark rows between white gaps, so the row
sums of a page turned the right way vary most sharply. The ink of a page reduced 8 times, then 4
times, is projected onto the rows of each candidate angle (a coarse search, then a fine one) with
numpy, much faster than turning the reduced picture for every angle with PIL. The turn itself is
bilinear: nearest-neighbour steps the edges of letters and marks a pixel at a time, and tesseract
then takes a grave accent for an acute one (``rồi`` read ``rối``) on enlarged pages; speckle, which
smoother resampling would smear into grey blots, is filtered out before (``ocr_scale.despeckle``).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image

MAX_ANGLE = 5.0  # degrees either way; scans askew beyond this are rare and need a person
MIN_ANGLE = 0.3  # below this tesseract reads as well as from a straight page
_FINE_WIDTH = 600  # pixels: the width the angle is measured at
_INK_BELOW = 160  # grey levels darker than this count as ink
Points = npt.NDArray[np.float64]


def _ink(small: Image.Image) -> tuple[Points, Points]:
    """The (row, column) of each ink pixel of ``small``, from its centre."""
    pixels = np.asarray(small)
    rows, columns = np.nonzero(pixels < _INK_BELOW)
    return rows - (pixels.shape[0] - 1) / 2, columns - (pixels.shape[1] - 1) / 2


def _sharpness(ink: tuple[Points, Points], angle: float) -> int:
    """How sharply the ink's row counts change from row to row once turned by ``angle``.

    The angle is counter-clockwise, as ``Image.rotate`` turns.
    """
    rows, columns = ink
    radians = math.radians(angle)
    turned = np.rint(rows * math.cos(radians) - columns * math.sin(radians)).astype(np.intp)
    steps = np.diff(np.bincount(turned - turned.min()))
    return int(steps @ steps)


def skew_angle(grey: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that turns the text lines of ``grey`` level."""
    # reduced to ~600 pixels wide (a 300 dpi A4 page by 4), never so far that lines blur together
    reduced = grey.reduce(max(1, grey.width // _FINE_WIDTH))
    coarse = _ink(reduced.reduce(2))
    if coarse[0].size == 0:  # no ink: nothing to level
        return 0.0
    steps = int(MAX_ANGLE * 2)
    best = max(
        (step / 2 for step in range(-steps, steps + 1)), key=lambda angle: _sharpness(coarse, angle)
    )
    fine = _ink(reduced)
    return max(
        (best + step / 10 for step in range(-4, 5)), key=lambda angle: _sharpness(fine, angle)
    )


def grey_of(image: Image.Image) -> Image.Image:
    """``image`` in greyscale; itself when it already is (PIL's convert would copy 8.7 MB)."""
    return image if image.mode == "L" else image.convert("L")


def background(grey: Image.Image) -> int:
    """The page's paper colour: its most common grey level."""
    histogram = grey.histogram()
    return max(range(256), key=histogram.__getitem__)


def deskew(image: Image.Image) -> Image.Image:
    """``image`` in grey, turned level when it is askew by more than ``MIN_ANGLE``."""
    return level(image)[0]


def level(image: Image.Image) -> tuple[Image.Image, float]:
    """``image`` in grey turned level, and the angle it was turned by.

    0.0 when it was not turned: askew by less than ``MIN_ANGLE``.

    The corners the turn uncovers take the paper's colour, so tesseract's threshold is not pulled by
    a white frame around a grey page.
    """
    grey = grey_of(image)
    angle = skew_angle(grey)
    if abs(angle) < MIN_ANGLE:
        return grey, 0.0
    turned = grey.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=background(grey))
    return turned, angle
