"""Pure extraction workers: a file task in, its pages' text out. They never write anything."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from archive_search.index.catalog import OcrCacheReader, OcrEntry
from archive_search.index.errors import (
    CorruptFileError,
    EmptyFileError,
    InputFileError,
    OcrError,
    UnsupportedFileError,
)
from archive_search.index.records import PageMethod, PageText, WordBox
from archive_search.index.segment import compounds
from archive_search.ingest import ocr, pdf
from archive_search.ingest.deskew import grey_of
from archive_search.ingest.encoding import Decoded, decode_bytes, repair_text
from archive_search.ingest.ocr_ink import ocr_grey

PDF_SUFFIXES = frozenset({".pdf"})
TEXT_SUFFIXES = frozenset({".txt"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES | IMAGE_SUFFIXES
READABLE = (
    "PDF, PNG, JPEG and TIFF files and .txt text files"  # what SUPPORTED_SUFFIXES are, for people
)
Image.MAX_IMAGE_PIXELS = 200_000_000  # ~A0 at 300 dpi; larger is a decompression bomb
_BLANK_INK_SHARE = 0.0001  # fewer dark pixels than this share: dust, not text
_WORD_RE = re.compile(r"[^\W\d_]+")
# A layer over a picture with at least this many words is trusted only if this share of them or
# more carry a Vietnamese mark, as prose does (the shares measured: docs/ingesting.md).
_MARKS_FROM_WORDS = 10
_MARKED_AT_LEAST = 0.5
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
    dpi: int = pdf.OCR_DPI
    ocr_timeout: float = 180.0
    ocr_cache: Path | None = None  # the catalogue, read (never written) for OCR cache hits
    page_range: tuple[int, int] | None = (
        None  # (first, last) page, from 1, both included; None: all
    )
    scratch: Path | None = None  # where page images for tesseract are written; None: the temp dir
    # what the catalogue's OCR cache holds for this file's pages: sent with the task to workers
    # that cannot read the catalogue (a Dask cluster's)
    known_ocr: tuple[OcrEntry, ...] = ()

    @property
    def page_indexes(self) -> range | None:
        """The pages of ``page_range`` as indexes from 0; None for every page."""
        return (
            None if self.page_range is None else range(self.page_range[0] - 1, self.page_range[1])
        )


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What a worker returns: the pages, or why the file failed."""

    path: Path
    pages: tuple[PageText, ...] = ()
    error: str | None = None
    encodings: frozenset[str] = frozenset()  # legacy encodings converted to Unicode


def text_layer_usable(text: str, *, drawn: bool = True, pictured: bool = False) -> bool:
    """True when a text layer holds enough real words to be trusted instead of OCR.

    Three or more, mostly Vietnamese. On a page with nothing ``drawn`` besides its text, fewer will
    do (the last line of a letter): OCR would only read the same words again, slowly. Over a
    picture (``pictured``: a scan), the words must also carry Vietnamese marks as prose does: a
    scanner's OCR that did not know Vietnamese leaves them out (``Cong van s6 2114``).
    """
    words = _WORD_RE.findall(text.lower())
    if not words or (drawn and len(words) < 3):
        return False
    good = sum(1 for word in words if set(word) <= _VIETNAMESE_LETTERS)
    if good / len(words) < 0.7:
        return False
    if pictured and len(words) >= _MARKS_FROM_WORDS:
        marked = sum(1 for word in words if not word.isascii())  # Vietnamese letters past ASCII
        return marked >= _MARKED_AT_LEAST * len(words)
    return True


def image_hash(image: Image.Image, stored: str | None = None) -> str:
    """The OCR cache key of a page image and the OCR language.

    The hash of the picture as stored in its PDF (``stored``, see ``pdf.PageImage``), else of its
    pixels, size and mode.
    """
    if stored is not None:
        return hashlib.sha256(f"{ocr.LANGUAGE}:pdf-picture:{stored}".encode()).hexdigest()
    digest = hashlib.sha256(f"{ocr.LANGUAGE}:{image.mode}:{image.size}:".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def is_blank(image: Image.Image) -> bool:
    """A page with (almost) no ink: not worth a tesseract call."""
    grey = grey_of(image)
    histogram = grey.histogram()  # one pass over the pixels gives both tests
    used = [level for level, count in enumerate(histogram) if count]
    if not used or used[-1] - used[0] < 40:
        return True
    return sum(histogram[:128]) < grey.width * grey.height * _BLANK_INK_SHARE


class _Reader:
    """Reads one file's pages; OCR goes through the cache, so an image is never read twice."""

    def __init__(self, task: ExtractTask) -> None:
        self.task = task
        self.cache = OcrCacheReader(task.ocr_cache)
        self.known = {entry.image_hash: entry for entry in task.known_ocr}
        self.seen: dict[str, PageText] = {}
        self.encodings: set[str] = set()

    def ocr_page(self, image: Image.Image, number: int, stored_hash: str | None = None) -> PageText:
        grey = ocr_grey(image)
        if is_blank(grey):
            return PageText(number, "", PageMethod.BLANK)
        key = image_hash(grey, stored_hash)
        if key in self.seen:
            return replace(self.seen[key], number=number, from_cache=True)
        if (hit := self.known.get(key) or self.cache.get(key)) is not None:
            return PageText(
                number,
                hit.text,
                PageMethod.OCR,
                hit.confidence,
                image_hash=key,
                from_cache=True,
                boxes=hit.boxes,
                read=hit.read,
            )
        try:
            result = ocr.ocr_image(grey, timeout=self.task.ocr_timeout, scratch=self.task.scratch)
        except OcrError as exc:  # this page only: the others are kept
            return PageText(number, "", PageMethod.FAILED, error=exc.message)
        self.seen[key] = PageText(
            number,
            result.text,
            PageMethod.OCR,
            result.confidence,
            image_hash=key,
            boxes=result.boxes,
            read=result.read,
        )
        return self.seen[key]

    def pdf_pages(self) -> Iterator[PageText]:
        mode, wanted = self.task.ocr_mode, self.task.page_indexes
        layers = pdf.text_layers(self.task.path, wanted)
        for index, raw in enumerate(layers, start=wanted.start if wanted else 0):
            layer = repair_text(raw.text) if raw.text else Decoded("")
            self.encodings |= layer.encodings
            unusable = layer.needs_ocr or not text_layer_usable(
                layer.text, drawn=raw.drawn, pictured=raw.pictured
            )
            boxes = layer_boxes(raw.words, layer)
            if mode is OcrMode.NEVER or (mode is OcrMode.AUTO and not unusable):
                yield PageText(index + 1, layer.text, PageMethod.TEXT_LAYER, boxes=boxes)
                continue
            rendered = pdf.render_page(self.task.path, index, dpi=self.task.dpi)
            page = self.ocr_page(rendered.image, index + 1, rendered.stored_hash)
            if page.method is PageMethod.BLANK and layer.text.strip():
                page = PageText(index + 1, layer.text, PageMethod.TEXT_LAYER, boxes=boxes)
            yield page

    def image_pages(self) -> Iterator[PageText]:
        if self.task.ocr_mode is OcrMode.NEVER:
            raise UnsupportedFileError(
                "image needs OCR but --ocr never was given", path=self.task.path
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(self.task.path) as image:
                    for index in self.task.page_indexes or range(getattr(image, "n_frames", 1)):
                        yield self.ocr_page(
                            ImageOps.exif_transpose(_frame(image, index)), index + 1
                        )
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise CorruptFileError(
                f"image is too large to read safely ({exc}): a decompression bomb?",
                path=self.task.path,
            ) from exc
        except (UnidentifiedImageError, OSError, EOFError, SyntaxError, ValueError) as exc:
            raise CorruptFileError(f"image cannot be read ({exc})", path=self.task.path) from exc

    def text_pages(self) -> Iterator[PageText]:
        decoded = decode_bytes(self.task.path.read_bytes())
        if decoded is None:
            raise CorruptFileError(
                "text file is not UTF-8 nor a known Vietnamese encoding", path=self.task.path
            )
        self.encodings |= decoded.encodings
        for index, page in enumerate(decoded.text.split("\f")):
            if page.strip():
                yield PageText(index + 1, page.strip(), PageMethod.PLAIN_TEXT)


def layer_boxes(words: tuple[WordBox, ...], layer: Decoded) -> tuple[WordBox, ...] | None:
    """A text layer's word boxes spelled as its text reads.

    A legacy-encoded layer's words are converted with it, word for word when it has as many (else
    its boxes are not known).
    """
    if not layer.encodings:
        return words
    converted = layer.text.split()
    if len(converted) != len(words):
        return None
    return tuple(replace(box, text=text) for box, text in zip(words, converted, strict=True))


_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


@contextlib.contextmanager
def open_regular(path: Path) -> Iterator[BinaryIO]:
    """``path`` opened for reading, if it is a regular file; else ``UnsupportedFileError``.

    The error names what it is. Opened without blocking, so a FIFO with no writer does not wait.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        kind = stat.S_IFMT(os.fstat(descriptor).st_mode)
        if kind != stat.S_IFREG:
            raise UnsupportedFileError(
                f"not a regular file but {_KINDS.get(kind, 'a special file')}: only files are read",
                path=path,
            )
        handle = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with handle:
        yield handle


def _frame(image: Image.Image, index: int) -> Image.Image:
    image.seek(index)
    return image.copy()


def _pages(reader: _Reader) -> Iterator[PageText]:
    suffix = reader.task.path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return reader.pdf_pages()
    if suffix in TEXT_SUFFIXES:
        return reader.text_pages()
    if suffix in IMAGE_SUFFIXES:
        return reader.image_pages()
    raise UnsupportedFileError(
        f"unsupported file type {suffix or '(no extension)'}: archive-search reads {READABLE}",
        path=reader.task.path,
    )


def no_text_reason(pages: Sequence[PageText]) -> str | None:
    """Why a whole file has nothing to index (no page with text), or None."""
    if any(page.text.strip() for page in pages):
        return None
    failed = [page.error for page in pages if page.error]
    return failed[0] if failed else "no text found on any page"


def extract_file(task: ExtractTask) -> ExtractResult:
    """Extract every page of one file, or the pages of ``task.page_range``.

    The caller judges a range's emptiness once it has every range. Input problems come back as
    ``error``, not raised.
    """
    reader = _Reader(task)
    try:
        with open_regular(task.path) as handle:  # a FIFO or a device is never read
            size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise EmptyFileError("file is empty", path=task.path)
        pages = tuple(
            replace(page, words=" ".join(compounds(page.text))) for page in _pages(reader)
        )
        if task.page_range is None and (reason := no_text_reason(pages)) is not None:
            raise EmptyFileError(reason, path=task.path)
        return ExtractResult(task.path, pages, encodings=frozenset(reader.encodings))
    except InputFileError as exc:
        return ExtractResult(task.path, error=exc.message)
    except OSError as exc:
        return ExtractResult(task.path, error=f"cannot read file ({exc.strerror or exc})")
    finally:
        reader.cache.close()
