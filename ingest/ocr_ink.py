"""A page in grey for OCR: coloured marks (stamps, signatures) lifted off the text, light evened.

Vietnamese documents are typed in black and stamped in red over the signatory's lines, signed in
blue: in plain greyscale the seal and the signature are as dark as the letters under them, and
tesseract reads them as ink. Their colour tells them apart: a coloured pixel is taken at its
brightest channel (a red seal is light in red, a blue signature in blue), scaled so that the mark on
paper turns white, which keeps black letters dark, even under the seal. A page typed in colour
keeps its ink: when most of the ink is coloured, the page is converted to grey as it is.

A photographed page is lit unevenly, darker towards a corner; tesseract's single threshold then
loses the letters of the dark part, so such a page is divided by its paper's brightness first.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops

from archive_search.ingest.deskew import grey_of

COLOURED = 30  # spread between a pixel's channels from which it is taken as coloured ink
FULLY = 90  # spread from which a pixel is taken at its brightest channel alone
MARK_WIDTH = 0.05  # a coloured shape this share of the page's width or more both ways is a mark
MOST_INK = 0.5  # share of the ink in colour from which the colour is the text's, and kept
_COLOUR_MODES = ("RGB", "RGBA", "RGBX", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV")
_INK_BELOW = 160  # grey levels darker than this count as ink
_MIN_MARK = 50  # fully coloured pixels of a hue from which its ink's level is measured
UNEVEN = 30  # grey levels between the paper's brighter and darker parts from which light is evened
_PAPER_WINDOW = 15  # pixels of the reduced page: a few letters wide, so the paper shows in each
_SAMPLE_WIDTH = 600  # pixels: marks are found on the page reduced to about this width
Box = tuple[int, int, int, int]


def _spread(rgb: Image.Image) -> npt.NDArray[np.uint8]:
    """How far apart each pixel's channels are: 0 for grey, up to 255 for a pure colour."""
    red, green, blue = rgb.split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    return np.asarray(ImageChops.subtract(brightest, darkest))


def _marks(rgb: Image.Image) -> list[Box]:
    """The boxes around a page's coloured marks over black or grey text.

    A mark is a coloured shape far taller and wider than a letter (a seal, a signature), not a line
    of coloured letters; a page whose ink is mostly coloured has none: the colour is the text's.
    """
    from scipy import ndimage  # imported here: only OCR needs it

    factor = max(1, rgb.width // _SAMPLE_WIDTH)
    small = rgb.reduce(factor) if factor > 1 else rgb
    coloured = _spread(small) >= COLOURED
    ink = np.asarray(small.convert("L")) < _INK_BELOW
    if not coloured.any() or (coloured & ink).sum() >= MOST_INK * ink.sum():
        return []
    joined = ndimage.binary_dilation(coloured, iterations=2)  # a seal's broken ring as one
    labels, _ = ndimage.label(joined, structure=np.ones((3, 3)))
    least = MARK_WIDTH * small.width
    return [
        (
            max(0, (found[1].start - 1) * factor),
            max(0, (found[0].start - 1) * factor),
            min(rgb.width, (found[1].stop + 1) * factor),
            min(rgb.height, (found[0].stop + 1) * factor),
        )
        for found in ndimage.find_objects(labels)
        if found and min(found[0].stop - found[0].start, found[1].stop - found[1].start) >= least
    ]


def _ink_levels(
    brightest: npt.NDArray[np.uint8], hue: npt.NDArray[np.intp], full: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float32]:
    """The brightest channel of each mark's own ink (red, green, blue), where it lies on paper.

    The upper quartile of the fully coloured pixels whose brightest channel it is; 255 for a hue
    too rare to tell.
    """
    levels = np.full(3, 255.0, dtype=np.float32)
    for channel in range(3):
        chosen = brightest[full & (hue == channel)]
        if chosen.size >= _MIN_MARK:
            levels[channel] = max(1.0, float(np.percentile(chosen, 75)))
    return levels


def _lifted(rgb: Image.Image, grey: Image.Image) -> Image.Image:
    """``grey``, the plain grey of ``rgb``, with its coloured pixels lifted."""
    spread = _spread(rgb)
    rows, columns = np.nonzero(spread >= COLOURED)
    pixels, spreads = np.asarray(rgb)[rows, columns], spread[rows, columns]
    brightest, hue = pixels.max(axis=1), pixels.argmax(axis=1)
    levels = _ink_levels(brightest, hue, spreads >= FULLY)
    lifted = np.minimum(255.0, brightest * (255.0 / levels[hue]))
    weight = np.minimum(1.0, (spreads - COLOURED) / (FULLY - COLOURED))
    out = np.array(grey)
    plain = out[rows, columns].astype(np.float32)
    out[rows, columns] = np.rint(plain + (lifted - plain) * weight)
    return Image.fromarray(out)


def ocr_grey(image: Image.Image) -> Image.Image:
    """``image`` in grey for OCR: coloured marks over black text made pale (see the module).

    A coloured pixel is taken at its brightest channel, scaled so that its mark's own ink on paper
    turns white; black under the mark stays darker than the paper. Pixels between grey and fully
    coloured are blended, so no edge appears where the colour fades. Only the boxes around the marks
    are worked on.
    """
    if image.mode not in _COLOUR_MODES:
        return grey_of(image)
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    grey = rgb.convert("L")
    for box in _marks(rgb):
        grey.paste(_lifted(rgb.crop(box), grey.crop(box)), box[:2])
    return grey


def _paper(grey: Image.Image) -> npt.NDArray[np.float32]:
    """The paper's brightness around each pixel of ``grey`` reduced to about 600 pixels wide."""
    from scipy import ndimage

    factor = max(1, grey.width // _SAMPLE_WIDTH)
    small = np.asarray(grey.reduce(factor) if factor > 1 else grey)
    brightest = ndimage.maximum_filter(small, size=_PAPER_WINDOW)  # the paper between letters
    paper: npt.NDArray[np.float32] = ndimage.uniform_filter(
        brightest.astype(np.float32), size=_PAPER_WINDOW
    )
    return paper


def even_light(grey: Image.Image) -> Image.Image:
    """``grey`` with the light evened when its paper is lit unevenly (a photograph); else itself.

    Each pixel is divided by the paper's brightness around it, so that tesseract's one threshold
    splits ink from paper in the dark corner as in the bright one.
    """
    paper = _paper(grey)
    if float(np.percentile(paper, 95) - np.percentile(paper, 5)) < UNEVEN:
        return grey
    lit = Image.fromarray(np.rint(paper).astype(np.uint8)).resize(
        grey.size, Image.Resampling.BILINEAR
    )
    pixels = np.asarray(grey).astype(np.float32) * 255.0 / np.maximum(np.asarray(lit), 1)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
