"""Straightening skewed scans before OCR: a page fed a few degrees askew costs tesseract ~2% of its
characters (BENCHMARKS.md), one turned straight almost nothing.

The angle is found by projection profiles: text lines are dark rows between white gaps, so the
row sums of a page turned the right way vary most sharply. A coarse search on a page reduced
8 times, then a fine one reduced 4 times, costs ~30 ms a page, against ~2 s of tesseract; the
turn itself is nearest-neighbour (~30 ms): smoother resampling smears speckle into grey blots
that cost tesseract more than the skew did.
"""

from __future__ import annotations

from itertools import pairwise

from PIL import Image

MAX_ANGLE = 5.0  # degrees either way; scans askew beyond this are rare and need a person
MIN_ANGLE = 0.3  # below this tesseract reads as well as from a straight page
_INK_BELOW = 160  # grey levels darker than this count as ink


def _sharpness(ink: Image.Image, angle: float) -> int:
    """How sharply the row sums of ``ink`` turned by ``angle`` change from row to row."""
    turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
    rows = turned.resize((1, turned.height), Image.Resampling.BOX).tobytes()
    return sum((a - b) * (a - b) for a, b in pairwise(rows))


def _ink(grey: Image.Image, factor: int) -> Image.Image:
    return grey.reduce(factor).point(lambda value: 255 if value < _INK_BELOW else 0)


def skew_angle(grey: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that turns the text lines of ``grey`` level."""
    coarse = _ink(grey, 8)
    steps = int(MAX_ANGLE * 2)
    best = max((step / 2 for step in range(-steps, steps + 1)), key=lambda angle: _sharpness(coarse, angle))
    fine = _ink(grey, 4)
    return max((best + step / 10 for step in range(-4, 5)), key=lambda angle: _sharpness(fine, angle))


def grey_of(image: Image.Image) -> Image.Image:
    """``image`` in greyscale; itself when it already is (PIL's convert would copy 8.7 MB)."""
    return image if image.mode == "L" else image.convert("L")


def background(grey: Image.Image) -> int:
    """The page's paper colour: its most common grey level."""
    histogram = grey.histogram()
    return max(range(256), key=histogram.__getitem__)


def deskew(image: Image.Image) -> Image.Image:
    """``image`` in grey, turned level when it is askew by more than ``MIN_ANGLE``.

    The corners the turn uncovers take the paper's colour, so tesseract's threshold is not
    pulled by a white frame around a grey page.
    """
    grey = grey_of(image)
    angle = skew_angle(grey)
    if abs(angle) < MIN_ANGLE:
        return grey
    return grey.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=background(grey))
