"""Builds real documents for the sample archive, the tests and the benchmarks.

Born-digital PDFs carry a real text layer (fpdf2 with an embedded DejaVu font, so every Vietnamese
letter survives); scans are pictures of text drawn with the same font at 300 dpi, so tesseract has
to read them. Nothing here is mocked: the files are what a librarian would feed the tool.
"""

from __future__ import annotations

import io
import random
import textwrap
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
SCAN_DPI = 300
A4_PIXELS = (2480, 3508)  # A4 at 300 dpi
SCAN_MARGIN = 180
SCAN_FONT_PX = 46  # about 11 pt at 300 dpi
SCAN_WRAP = 70


class FontNotFoundError(RuntimeError):
    """No DejaVu Sans on this machine (Debian package fonts-dejavu-core)."""


def find_font() -> Path:
    """The path of a TrueType font that covers Vietnamese."""
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FontNotFoundError(
        "DejaVuSans.ttf not found; install the Debian package fonts-dejavu-core"
    )


def write_pdf(path: Path, pages: Sequence[str], *, title: str = "") -> Path:
    """A born-digital PDF with one page per string, the text laid out line by line."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("dejavu", "", str(find_font()))
    pdf.set_font("dejavu", size=12)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        for line in text.split("\n"):
            pdf.multi_cell(0, 7, line or " ", new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def render_scan(text: str, *, degrade: str = "", seed: int = 0) -> Image.Image:
    """A greyscale A4 page at 300 dpi showing ``text``, optionally degraded like a poor scan.

    ``degrade`` is a comma-separated list of ``noise``, ``skew``, ``blur`` and ``contrast``.
    """
    font = ImageFont.truetype(str(find_font()), SCAN_FONT_PX)
    page = Image.new("L", A4_PIXELS, color=255)
    draw = ImageDraw.Draw(page)
    y = SCAN_MARGIN
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, SCAN_WRAP) or [""]:
            draw.text((SCAN_MARGIN, y), line, fill=0, font=font)
            y += int(SCAN_FONT_PX * 1.5)
    return _degrade(page, {part.strip() for part in degrade.split(",") if part.strip()}, seed)


def _degrade(page: Image.Image, kinds: set[str], seed: int) -> Image.Image:
    unknown = kinds - {"noise", "skew", "blur", "contrast"}
    if unknown:
        raise ValueError(f"unknown degradation(s): {', '.join(sorted(unknown))}")
    rng = random.Random(seed)
    if "contrast" in kinds:
        page = page.point(lambda value: 110 + value * 110 // 255)
    if "blur" in kinds:
        page = page.filter(ImageFilter.GaussianBlur(radius=1.6))
    if "skew" in kinds:
        page = page.rotate(rng.uniform(1.5, 3.0), resample=Image.Resampling.BICUBIC, fillcolor=255)
    if "noise" in kinds:
        pixels = page.load()
        assert pixels is not None
        width, height = page.size
        for _ in range(width * height // 200):
            pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 90, 200))
    return page


def write_scan_png(path: Path, text: str, *, degrade: str = "", seed: int = 0) -> Path:
    """A scanned page as a PNG image (300 dpi recorded in the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    render_scan(text, degrade=degrade, seed=seed).save(path, dpi=(SCAN_DPI, SCAN_DPI))
    return path


def write_scan_tiff(path: Path, texts: Sequence[str]) -> Path:
    """A multi-page TIFF, one scanned page per string, as document scanners produce."""
    pages = [render_scan(text) for text in texts]
    path.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(
        path,
        save_all=True,
        append_images=pages[1:],
        compression="tiff_deflate",
        dpi=(SCAN_DPI, SCAN_DPI),
    )
    return path


def write_scan_pdf(path: Path, texts: Sequence[str], *, degrade: str = "") -> Path:
    """An image-only PDF (no text layer), one scanned page per string."""
    pdf = FPDF(format="A4")
    for number, text in enumerate(texts):
        buffer = io.BytesIO()
        render_scan(text, degrade=degrade, seed=number).save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_mixed_pdf(path: Path, pages: Sequence[tuple[str, bool]]) -> Path:
    """A PDF mixing born-digital pages (``(text, False)``) and scanned pages (``(text, True)``)."""
    pdf = FPDF(format="A4")
    pdf.add_font("dejavu", "", str(find_font()))
    pdf.set_font("dejavu", size=12)
    for number, (text, scanned) in enumerate(pages):
        pdf.add_page()
        if scanned:
            buffer = io.BytesIO()
            render_scan(text, seed=number).save(buffer, format="PNG")
            pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
        else:
            for line in text.split("\n"):
                pdf.multi_cell(0, 7, line or " ", new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_scan_with_text_layer(path: Path, text: str, layer: str) -> Path:
    """A scanned page showing ``text`` over an invisible text layer ``layer``.

    What a PDF with a broken font map (or a poor earlier OCR) looks like: the picture is right,
    the layer is not.
    """
    from fpdf.enums import TextMode

    pdf = FPDF(format="A4")
    pdf.add_font("dejavu", "", str(find_font()))
    pdf.set_font("dejavu", size=12)
    pdf.add_page()
    buffer = io.BytesIO()
    render_scan(text).save(buffer, format="PNG")
    pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.text_mode = TextMode.INVISIBLE
    pdf.set_xy(pdf.l_margin, pdf.t_margin)
    pdf.multi_cell(0, 7, layer, new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_decompression_bomb(path: Path, width: int, height: int) -> Path:
    """A tiny PNG that declares ``width`` by ``height`` pixels: a decompression bomb's header.

    Only the header is written (no pixel data): a reader that trusts the size before checking
    it would allocate gigabytes.
    """
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * (width + 1))  # one row; the rest is missing
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


PARTY_HEADER_FONT_PX = 40  # header columns are set a little smaller than the body


def _wrap_to_width(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """``text`` broken at spaces into lines at most ``width`` pixels wide (a longer word alone)."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def _draw_centred_column(
    draw: ImageDraw.ImageDraw, lines: Sequence[str], left: int, width: int, *, rule_after: int = -1
) -> int:
    """Draw ``lines`` centred in the column [left, left + width); return the y under the column.

    A short rule goes under line ``rule_after`` (the motto's underline).
    """
    font = ImageFont.truetype(str(find_font()), PARTY_HEADER_FONT_PX)
    y = SCAN_MARGIN
    for number, line in enumerate(lines):
        for part in _wrap_to_width(line, font, width):
            length = font.getlength(part)
            draw.text((left + (width - length) / 2, y), part, fill=0, font=font)
            y += int(PARTY_HEADER_FONT_PX * 1.5)
        if number == rule_after:
            centre = left + width / 2
            draw.line((centre - width / 4, y - 12, centre + width / 4, y - 12), fill=0, width=3)
    return y


def render_party_scan(
    left: Sequence[str],
    right: Sequence[str],
    text: str,
    *,
    degrade: str = "",
    seed: int = 0,
    centred: int = 0,
) -> Image.Image:
    """A scanned first page laid out like a Party document.

    The header in two columns side by side (left: superior and issuing body, star,
    ``Số 36-NQ/TW``; right: ``ĐẢNG CỘNG SẢN VIỆT NAM`` underlined, place and date), then ``text``
    full width under it, as :func:`render_scan` draws it; its first ``centred`` paragraphs (the
    heading and the trích yếu) centred on the page.
    """
    page = Image.new("L", A4_PIXELS, color=255)
    draw = ImageDraw.Draw(page)
    column = (A4_PIXELS[0] - 2 * SCAN_MARGIN) // 2
    y = (
        max(
            _draw_centred_column(draw, left, SCAN_MARGIN, column),
            _draw_centred_column(draw, right, SCAN_MARGIN + column, column, rule_after=0),
        )
        + SCAN_FONT_PX
    )
    font = ImageFont.truetype(str(find_font()), SCAN_FONT_PX)
    for number, paragraph in enumerate(text.split("\n")):
        for line in textwrap.wrap(paragraph, SCAN_WRAP) or [""]:
            x = (A4_PIXELS[0] - font.getlength(line)) / 2 if number < centred else SCAN_MARGIN
            draw.text((x, y), line, fill=0, font=font)
            y += int(SCAN_FONT_PX * 1.5)
    return _degrade(page, {part.strip() for part in degrade.split(",") if part.strip()}, seed)


def write_party_scan_pdf(
    path: Path,
    left: Sequence[str],
    right: Sequence[str],
    text: str,
    *,
    degrade: str = "",
    seed: int = 0,
    centred: int = 0,
) -> Path:
    """An image-only one-page PDF of :func:`render_party_scan`."""
    buffer = io.BytesIO()
    page = render_party_scan(left, right, text, degrade=degrade, seed=seed, centred=centred)
    page.save(buffer, format="PNG")
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path
