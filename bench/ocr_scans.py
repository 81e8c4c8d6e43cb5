"""Pages built the way archives scan them, for the real-scan OCR bench (bench/ocr_real.py).

A page is typeset at 300 dpi from real prose (a printed serif or a typewriter-like monospace, 13 pt
as Vietnamese administrative documents are), marked as paper documents are (a red stamp and a
signature over the text, ink faded), then acquired: scanned or photographed at 70-300 dpi, askew,
blurred, noisy, JPEG-compressed, under uneven light. The true text is what was typeset.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = {
    "serif": Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
    "mono": Path("/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf"),
    "sans": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
}
A4 = (2480, 3508)  # at 300 dpi
MARGIN = 236  # 2 cm
POINT = 300 / 72  # pixels a point at 300 dpi


@dataclass(frozen=True, slots=True)
class Kind:
    """One way a page reaches the archive: font and size, marks on the paper, how it was acquired.

    Acquired: dpi, skew, blur, noise, JPEG quality, light.
    """

    name: str
    dpi: int
    font: str = "serif"
    points: float = 13.0
    stamp: bool = False
    faded: bool = False
    uneven_ink: bool = False
    skew: float = 0.0
    blur: float = 0.0
    noise: float = 0.0
    jpeg: int = 0
    light: bool = False


KINDS = (
    Kind("clean 300 dpi", 300),
    Kind("clean 150 dpi", 150),
    Kind("clean 100 dpi", 100),
    Kind("clean 70 dpi", 70),
    Kind("typewriter 150 dpi", 150, font="mono", points=12, uneven_ink=True),
    Kind("typewriter 70 dpi", 70, font="mono", points=12, uneven_ink=True),
    Kind("photo 70 dpi", 70, skew=1.2, blur=0.6, jpeg=55, light=True),
    Kind("photo 100 dpi, blurred", 100, skew=0.8, blur=1.2, jpeg=60, light=True),
    Kind("stamp + signature 150 dpi", 150, stamp=True),
    Kind("faded ink 150 dpi", 150, faded=True),
    Kind("noise 150 dpi", 150, noise=0.03),
    Kind("skew 3° 150 dpi", 150, skew=3.0),
    Kind("faded, stamp, noise, skew 100 dpi", 100, stamp=True, faded=True, noise=0.02, skew=2.0),
)
CLEAN_LOW_DPI = ("clean 150 dpi", "clean 100 dpi", "clean 70 dpi")


def _lines(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            if current and font.getlength(f"{current} {word}") > width:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}".strip()
        lines.append(current)
    return lines


def typeset(text: str, kind: Kind, rng: random.Random) -> tuple[Image.Image, str]:
    """The page at 300 dpi in RGB, and the text that fits on it (the truth)."""
    font = ImageFont.truetype(str(FONTS[kind.font]), round(kind.points * POINT))
    page = Image.new("RGB", A4, (255, 255, 255))
    draw = ImageDraw.Draw(page)
    step = round(kind.points * POINT * 1.45)
    ink = 120 if kind.faded else 20
    shown: list[str] = []
    y = MARGIN
    for line in _lines(text, font, A4[0] - 2 * MARGIN):
        if y + step > A4[1] - MARGIN:
            break
        if kind.uneven_ink:
            _typewrite(draw, (MARGIN, y), line, font, ink, rng)
        else:
            draw.text((MARGIN, y), line, font=font, fill=(ink, ink, ink))
        shown.append(line)
        y += step
    if kind.stamp:
        _stamp_and_sign(page, rng, y)
    return page, "\n".join(shown)


def _typewrite(
    draw: ImageDraw.ImageDraw,
    at: tuple[int, int],
    line: str,
    font: ImageFont.FreeTypeFont,
    ink: int,
    rng: random.Random,
) -> None:
    """A line struck key by key: each letter a little lighter or darker and off its line."""
    x, y = float(at[0]), at[1]
    advance = font.getlength("M")
    for char in line:
        level = max(0, min(200, ink + rng.randint(-20, 90)))
        draw.text((x, y + rng.randint(-2, 2)), char, font=font, fill=(level, level, level))
        x += advance


def _stamp_and_sign(page: Image.Image, rng: random.Random, bottom: int) -> None:
    """A red round seal and a blue signature over the last lines of text."""
    layer = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    cx, cy = rng.randint(1300, 1700), max(700, bottom - 350)
    red = (200, 30, 40, 170)
    for radius, width in ((300, 14), (220, 6)):
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=width)
    seal = ImageFont.truetype(str(FONTS["sans"]), 48)
    for index, char in enumerate("ỦY BAN NHÂN DÂN TỈNH BÌNH THUẬN *"):
        angle = math.radians(200 + index * 9.5)
        draw.text(
            (cx + 258 * math.cos(angle) - 16, cy + 258 * math.sin(angle) - 24),
            char,
            font=seal,
            fill=red,
        )
    draw.polygon(
        [(cx + 90 * math.cos(a * 2.513), cy + 90 * math.sin(a * 2.513)) for a in range(5)], fill=red
    )
    blue = (30, 40, 160, 220)
    x, y = cx - 450, cy + 60
    points = [(x + t * 9, y + 70 * math.sin(t / 3.0) + rng.randint(-12, 12)) for t in range(110)]
    draw.line(points, fill=blue, width=7)
    page.paste(Image.alpha_composite(page.convert("RGBA"), layer).convert("RGB"))


def acquire(page: Image.Image, kind: Kind, rng: random.Random) -> Image.Image:
    """The page as the scanner or the camera gives it, at ``kind.dpi``."""
    if kind.skew:
        page = page.rotate(
            kind.skew * rng.choice((-1, 1)), Image.Resampling.BICUBIC, fillcolor=(250, 250, 250)
        )
    if kind.blur:
        page = page.filter(ImageFilter.GaussianBlur(kind.blur * 300 / kind.dpi))
    size = (round(A4[0] * kind.dpi / 300), round(A4[1] * kind.dpi / 300))
    page = page.resize(size, Image.Resampling.LANCZOS) if kind.dpi != 300 else page
    pixels = np.asarray(page, dtype=np.float32)
    numbers = np.random.default_rng(rng.randrange(1 << 30))
    if kind.light:  # a photograph: light falling off towards one corner, paper not white
        ys, xs = np.mgrid[0 : size[1], 0 : size[0]]
        falloff = 1.0 - 0.35 * (xs / size[0] * 0.6 + ys / size[1] * 0.4)
        pixels = pixels * falloff[..., None] * 0.92
    if kind.noise:
        speckle = numbers.random(pixels.shape[:2]) < kind.noise
        pixels[speckle] = numbers.choice([0.0, 90.0, 200.0], size=int(speckle.sum()))[:, None]
        pixels += numbers.normal(0, 12, pixels.shape[:2])[..., None]
    page = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if kind.jpeg:
        buffer = io.BytesIO()
        page.save(buffer, format="JPEG", quality=kind.jpeg)
        page = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return page


def make_page(text: str, kind: Kind, seed: int) -> tuple[Image.Image, str]:
    """One page of ``kind`` showing (the start of) ``text``, and the text shown."""
    rng = random.Random(seed)
    page, shown = typeset(text, kind, rng)
    return acquire(page, kind, rng), shown
