"""Pages scaled to the letter size tesseract reads best: small letters enlarged, large ones reduced.

A page's DPI, when it is recorded at all, says nothing of its print size (a photograph, a page
reduced on the copier), so the letters themselves are measured: the x-height, the height of the
band that lowercase letters fill between baseline and mean line, is where a text line's row
profile is densest. Pages whose x-height is below ``TARGET_X_HEIGHT`` are enlarged to it; pages
whose x-height is ``MIN_REDUCTION`` times ``REDUCED_X_HEIGHT`` or more (30 pixels for 13 pt DejaVu
Serif at 300 dpi) are reduced to it, where tesseract reads a few more of their words right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

TARGET_X_HEIGHT = 20.0  # pixels: the x-height tesseract reads best (bench/reports/ocr-real.md)
MAX_SCALE = 4.0
REDUCED_X_HEIGHT = 24.0  # pixels: large letters are reduced to this (bench/reports/ocr-real.md)
MIN_REDUCTION = 1.2  # letters less than this many times REDUCED_X_HEIGHT: reducing gained nothing
SPECKLED = 2.0  # specks a letter from which a page is filtered: clean scans have under 0.6
MIN_SCALE = 1.4  # closer to the target than this: enlarging cost more words than it gained
_MIN_LETTERS = 40  # fewer components than this: not enough text to measure
_MEASURE_WIDTH = 1400  # pages wider than this are measured reduced (a 300 dpi A4 page by 2)


def otsu(grey: npt.NDArray[np.uint8]) -> int:
    """The grey level that best splits ``grey`` into ink and paper (Otsu's method)."""
    histogram = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    weight = np.cumsum(histogram)
    mean = np.cumsum(histogram * levels)
    total, grand = weight[-1], mean[-1]
    between = (grand * weight - total * mean) ** 2 / np.maximum(weight * (total - weight), 1)
    return int(np.argmax(between))


def _ink(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """The ink of a page in grey, under uneven light too.

    Each pixel is set against the paper around it (the brightest level nearby), then split by Otsu's
    threshold.
    """
    from scipy import ndimage

    paper = ndimage.maximum_filter(pixels, size=max(15, pixels.shape[1] // 40))
    evened = np.clip(pixels.astype(np.float32) / np.maximum(paper, 1) * 255, 0, 255)
    levelled = evened.astype(np.uint8)
    ink: npt.NDArray[np.bool_] = levelled < otsu(levelled)
    return ink


@dataclass(frozen=True, slots=True)
class Letters:
    """What a page's ink says of its text: the x-height and how many specks it holds per letter.

    The x-height is in pixels; specks are of one or two pixels (scanner noise is many, marks and
    dots a few).
    """

    x_height: float
    specks: float


def measure(grey: Image.Image) -> Letters | None:
    """The letters of a page in grey, from its ink's connected components; None when too few.

    The x-height is their commonest height (most are lowercase letters without ascenders; Vietnamese
    marks stand apart from their letters); None when the page shows too few letters to tell.
    """
    from scipy import ndimage  # imported here: only OCR needs it

    reduced = 1
    while grey.width // reduced > _MEASURE_WIDTH:
        reduced *= 2
    small = grey.reduce(reduced) if reduced > 1 else grey
    labels, count = ndimage.label(_ink(np.asarray(small)))
    if count < _MIN_LETTERS:
        return None
    slices = ndimage.find_objects(labels)
    sizes = np.bincount(labels.ravel())[1:]  # speckle and marks are far smaller than letters
    heights = np.array([box[0].stop - box[0].start if box else 0 for box in slices])
    widths = np.array([box[1].stop - box[1].start if box else 0 for box in slices])
    letters = (heights >= 3) & (widths >= 2) & (sizes >= 0.1 * np.percentile(sizes, 90))
    if letters.sum() < _MIN_LETTERS:
        return None
    counts = np.bincount(heights[letters]).astype(np.float64)
    smoothed = np.convolve(counts, [1.0, 2.0, 1.0], mode="same")
    specks = float((sizes <= 2).sum() / letters.sum())
    return Letters(float(np.argmax(smoothed)) * reduced, specks)


def x_height(grey: Image.Image) -> float | None:
    """The x-height of the text of a page in grey, in pixels (see ``measure``)."""
    letters = measure(grey)
    return None if letters is None else letters.x_height


def enlargement(grey: Image.Image, target: float = TARGET_X_HEIGHT) -> float:
    """How many times to enlarge ``grey`` for tesseract: 1.0 unless its letters are small or large.

    Under 1.0 for large letters: the page is reduced.
    """
    return scale_for(measure(grey), target)


def scale_for(letters: Letters | None, target: float = TARGET_X_HEIGHT) -> float:
    """How many times to enlarge a page of ``letters`` for tesseract (see ``enlargement``)."""
    if letters is None or letters.x_height <= 0:
        return 1.0
    if letters.x_height >= MIN_REDUCTION * REDUCED_X_HEIGHT:
        return REDUCED_X_HEIGHT / letters.x_height
    scale = min(MAX_SCALE, target / letters.x_height)
    return scale if scale >= MIN_SCALE else 1.0


def despeckle(picture: Image.Image, letters: Letters | None) -> Image.Image:
    """``picture`` with scanner speckle filtered out (a 3x3 median) when it has much of it."""
    if letters is None or letters.specks < SPECKLED:
        return picture
    return picture.filter(ImageFilter.MedianFilter(3))


def enlarge(grey: Image.Image, scale: float) -> Image.Image:
    """``grey`` enlarged ``scale`` times (itself at 1.0; reduced under 1.0)."""
    if scale == 1.0:
        return grey
    size = (round(grey.width * scale), round(grey.height * scale))
    # bicubic: Lanczos rings around scanner speckle, which tesseract then reads as ink
    return grey.resize(size, Image.Resampling.BICUBIC)
