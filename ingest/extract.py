"""Pure extraction workers: a file task in, its pages' text out. They never write anything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from index.errors import (
    CorruptFileError,
    EmptyFileError,
    InputFileError,
    UnsupportedFileError,
)
from index.records import PageMethod, PageText
from ingest import ocr, pdf

PDF_SUFFIXES = frozenset({".pdf"})
TEXT_SUFFIXES = frozenset({".txt"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES | IMAGE_SUFFIXES
Image.MAX_IMAGE_PIXELS = 200_000_000  # ~A0 at 300 dpi; larger is a decompression bomb
_WORD_RE = re.compile(r"[^\W\d_]+")
_VIETNAMESE_LETTERS = frozenset(
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz"
)


class OcrMode(str, Enum):
    """When to OCR a page: only when its text layer is unusable, always, or never."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class ExtractTask:
    path: Path
    ocr_mode: OcrMode = OcrMode.AUTO
    dpi: int = 300
    ocr_timeout: float = 180.0


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What a worker returns: the pages, or why the file failed."""

    path: Path
    pages: tuple[PageText, ...] = ()
    error: str | None = None


def text_layer_usable(text: str) -> bool:
    """True when a text layer holds enough real words to be trusted instead of OCR."""
    words = _WORD_RE.findall(text.lower())
    if len(words) < 3:
        return False
    good = sum(1 for word in words if set(word) <= _VIETNAMESE_LETTERS)
    return good / len(words) >= 0.7


def _ocr_page(image: Image.Image, number: int, task: ExtractTask) -> PageText:
    result = ocr.ocr_image(image, timeout=task.ocr_timeout)
    return PageText(number, result.text, PageMethod.OCR, result.confidence)


def _pdf_pages(task: ExtractTask) -> Iterator[PageText]:
    for index, layer in enumerate(pdf.text_layers(task.path)):
        wants_ocr = task.ocr_mode is OcrMode.ALWAYS or (
            task.ocr_mode is OcrMode.AUTO and not text_layer_usable(layer)
        )
        if not wants_ocr:
            yield PageText(index + 1, layer, PageMethod.TEXT_LAYER)
            continue
        image = pdf.render_page(task.path, index, dpi=task.dpi)
        if _is_blank(image):
            yield PageText(index + 1, layer, PageMethod.TEXT_LAYER)
            continue
        yield _ocr_page(image, index + 1, task)


def _is_blank(image: Image.Image) -> bool:
    """A page with (almost) no ink: not worth a tesseract call."""
    low, high = image.convert("L").getextrema()
    return float(high) - float(low) < 40  # type: ignore[arg-type]


def _image_pages(task: ExtractTask) -> Iterator[PageText]:
    if task.ocr_mode is OcrMode.NEVER:
        raise UnsupportedFileError("image needs OCR but --ocr never was given", path=task.path)
    try:
        with Image.open(task.path) as image:
            for index, frame in enumerate(ImageOps.exif_transpose(f) for f in _frames(image)):
                page = frame.convert("L")
                if _is_blank(page):
                    yield PageText(index + 1, "", PageMethod.OCR, None)
                else:
                    yield _ocr_page(page, index + 1, task)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise CorruptFileError(f"image cannot be read ({exc})", path=task.path) from exc


def _frames(image: Image.Image) -> Iterator[Image.Image]:
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        yield image.copy()


def _text_pages(task: ExtractTask) -> Iterator[PageText]:
    raw = task.path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorruptFileError(
            f"text file is not UTF-8 (byte {exc.start}): convert it to UTF-8", path=task.path
        ) from exc
    for index, page in enumerate(text.split("\f")):
        if page.strip():
            yield PageText(index + 1, page.strip(), PageMethod.PLAIN_TEXT)


def _pages(task: ExtractTask) -> Iterator[PageText]:
    suffix = task.path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return _pdf_pages(task)
    if suffix in TEXT_SUFFIXES:
        return _text_pages(task)
    if suffix in IMAGE_SUFFIXES:
        return _image_pages(task)
    raise UnsupportedFileError(f"unsupported file type {suffix or '(none)'}", path=task.path)


def extract_file(task: ExtractTask) -> ExtractResult:
    """Extract every page of one file. Input problems come back as ``error``, not raised."""
    try:
        if task.path.stat().st_size == 0:
            raise EmptyFileError("file is empty", path=task.path)
        pages = tuple(_pages(task))
        if not any(page.text.strip() for page in pages):
            raise EmptyFileError("no text found on any page", path=task.path)
        return ExtractResult(task.path, pages)
    except InputFileError as exc:
        return ExtractResult(task.path, error=exc.message)
    except OSError as exc:
        return ExtractResult(task.path, error=f"cannot read file ({exc.strerror or exc})")
