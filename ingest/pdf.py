"""The one place PDFs are read: text layers through pdfminer.six, page images through pdfium."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pdfminer.high_level import extract_pages
from pdfminer.layout import (
    LTChar,
    LTCurve,
    LTFigure,
    LTImage,
    LTPage,
    LTTextContainer,
    LTTextLine,
)
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from PIL import Image

from archive_search.index.analysis import compose
from archive_search.index.errors import CorruptFileError, EmptyFileError, EncryptedFileError
from archive_search.index.records import WordBox
from archive_search.ingest.ocr_ink import ocr_grey

if TYPE_CHECKING:
    from pypdfium2 import PdfImage, PdfPage

logging.getLogger("pdfminer").setLevel(logging.ERROR)


def _check_header(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(1024)
    if not head:
        raise EmptyFileError("file is empty", path=path)
    if b"%PDF-" not in head:
        raise CorruptFileError("not a PDF: the file has no PDF header", path=path)


@dataclass(frozen=True, slots=True)
class TextLayer:
    """A page's text layer ('' when it has none), whether something else is drawn, and its words.

    Drawn: a picture, or vector paths enough to be outlined letters, that may hold text the layer
    lacks; ``pictured``: a picture among them (a scan, whose layer an earlier OCR may have made).
    Each word comes with its box on the page (see ``page_words``).
    """

    text: str
    drawn: bool
    words: tuple[WordBox, ...] = ()
    pictured: bool = False


OCR_DPI = 300  # the resolution ingestion renders pages at for OCR by default (ExtractTask.dpi)
_DRAWN_CURVES = 20  # more paths than a rule or a frame: a drawing, or text turned into outlines


def _layer(page: LTPage) -> TextLayer:
    text = "".join(item.get_text() for item in page if isinstance(item, LTTextContainer))
    pictures = any(isinstance(item, LTFigure | LTImage) for item in page)
    curves = sum(1 for item in page if isinstance(item, LTCurve))
    return TextLayer(
        text.strip(), pictures or curves >= _DRAWN_CURVES, page_words(page), pictured=pictures
    )


def page_words(page: LTPage) -> tuple[WordBox, ...]:
    """The words of a page's text layer, in reading order, each with the box of its characters.

    Boxes are in fractions of the page, from the top left corner of its media box, turned as the
    page is shown. A word is a run of characters between spaces (as a text layer spells them, or as
    pdfminer infers them from gaps); legacy-encoded words keep their raw spelling here.
    """
    x0, y0, x1, y1 = page.bbox
    width, height = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    words: list[WordBox] = []
    for line in _lines(page):
        run: list[LTChar] = []
        for item in [*line, None]:
            if isinstance(item, LTChar) and not item.get_text().isspace():
                run.append(item)
                continue
            if run:
                left, bottom = min(c.x0 for c in run), min(c.y0 for c in run)
                right, top = max(c.x1 for c in run), max(c.y1 for c in run)
                words.append(
                    WordBox(
                        compose("".join(c.get_text() for c in run)),
                        (left - x0) / width,
                        (y1 - top) / height,
                        (right - left) / width,
                        (top - bottom) / height,
                    )
                )
                run = []
    return tuple(words)


def _lines(container: LTPage | LTTextContainer[LTTextLine]) -> list[LTTextLine]:
    """The text lines of a page, in the order pdfminer reads them (``get_text``'s order)."""
    found: list[LTTextLine] = []
    for item in container:
        if isinstance(item, LTTextLine):
            found.append(item)
        elif isinstance(item, LTTextContainer):
            found += _lines(item)
    return found


def text_layers(path: Path, indexes: Sequence[int] | None = None) -> list[TextLayer]:
    """The text layer of every page (or of the pages ``indexes``, from 0), in order."""
    _check_header(path)
    try:
        pages = [_layer(page) for page in extract_pages(path, page_numbers=indexes)]
    except (PDFEncryptionError, PDFPasswordIncorrect) as exc:
        raise EncryptedFileError(
            "PDF is encrypted: decrypt it and ingest it again", path=path
        ) from exc
    except (PDFSyntaxError, PSException) as exc:
        raise CorruptFileError(f"PDF is damaged ({exc or type(exc).__name__})", path=path) from exc
    except Exception as exc:  # pdfminer raises many untyped errors on broken files
        if "encrypt" in str(exc).lower():
            raise EncryptedFileError(
                "PDF is encrypted: decrypt it and ingest it again", path=path
            ) from exc
        raise CorruptFileError(f"PDF is damaged ({type(exc).__name__}: {exc})", path=path) from exc
    if not pages:
        raise EmptyFileError("PDF has no pages", path=path)
    return pages


def page_count(path: Path) -> int:
    """How many pages a PDF has, read cheaply by pdfium (no page is parsed).

    Raises on any problem, which the worker reading the whole file then reports.
    """
    import pypdfium2  # imported here: only splitting and OCR need it

    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


@dataclass(frozen=True, slots=True)
class PageImage:
    """A page to OCR, with a cheap cache key when it is a scan's own picture.

    Then ``stored_hash`` is a SHA-256 of that picture as stored in the PDF (its encoded bytes and
    how to decode them): far cheaper than hashing the decoded pixels (docs/performance.md).
    """

    image: Image.Image
    stored_hash: str | None = None


def render_page(path: Path, index: int, *, dpi: int) -> PageImage:
    """Page ``index`` (from 0) as a greyscale image at about ``dpi``, stamps made pale (ocr_ink).

    A scanned page, one upright full-page picture at scanning resolution, is handed over as the
    picture itself: decoding it is 5-10x cheaper than rendering the page, and loses nothing.
    """
    import pypdfium2  # imported here: only OCR needs it

    try:
        document = pypdfium2.PdfDocument(str(path))
        try:
            page = document[index]
            picture = _scanned_picture(page, dpi)
            if picture is None:
                return PageImage(ocr_grey(page.render(scale=dpi / 72).to_pil()))
            return PageImage(
                ocr_grey(picture.get_bitmap(render=False).to_pil()), _stored_hash(picture)
            )
        finally:
            document.close()
    except pypdfium2.PdfiumError as exc:
        raise CorruptFileError(
            f"PDF page {index + 1} cannot be rendered ({exc})", path=path
        ) from exc


def page_picture(path: Path, index: int, *, width: int, text_layer: bool) -> Image.Image:
    """Page ``index`` (from 0) as a person sees it, about ``width`` pixels wide.

    The picture ingestion OCR'd (a scan's own, at most its own width), else the page rendered. A
    page read from its ``text_layer`` is rendered over its whole media box, the frame its word boxes
    are measured in (``page_words``); an OCR'd one as ``render_page`` rendered it for tesseract.
    """
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
        try:
            page = document[index]
            picture = None if text_layer else _scanned_picture(page, OCR_DPI)
            if picture is not None:
                return narrowed(picture.get_bitmap(render=False).to_pil(), width)
            media = page.get_mediabox(fallback_ok=False) if text_layer else None
            if media is not None and tuple(media) != tuple(page.get_bbox()):
                page.set_cropbox(
                    *media
                )  # pdfium shows the crop box, pdfminer measures the media box
            rendered: Image.Image = page.render(scale=width / page.get_width()).to_pil()
            return rendered
        finally:
            document.close()
    except pypdfium2.PdfiumError as exc:
        raise CorruptFileError(
            f"PDF page {index + 1} cannot be rendered ({exc})", path=path
        ) from exc


def narrowed(image: Image.Image, width: int) -> Image.Image:
    """``image`` scaled down to ``width`` pixels wide (never up).

    First by a whole factor (a box filter, the cheapest), then to the width.
    """
    if image.width <= width:
        return image
    factor = image.width // width
    if factor >= 2:
        image = image.reduce(factor)
    height = max(1, round(image.height * width / image.width))
    return (
        image.resize((width, height), Image.Resampling.BILINEAR) if image.width != width else image
    )


def _scanned_picture(page: PdfPage, dpi: int) -> PdfImage | None:
    """The page's only picture, when nothing else is drawn and it fills the page; else None.

    It must fill the upright page at 0.75-2x ``dpi``; else the page is rendered.
    """
    import pypdfium2.raw as pdfium

    pictures = []
    for item in page.get_objects():
        if item.type == pdfium.FPDF_PAGEOBJ_IMAGE:
            pictures.append(item)
        elif item.type != pdfium.FPDF_PAGEOBJ_TEXT or pdfium.FPDFTextObj_GetTextRenderMode(
            item.raw
        ) != (pdfium.FPDF_TEXTRENDERMODE_INVISIBLE):
            return None  # something visible besides the picture
    if len(pictures) != 1 or pictures[0].level != 0 or page.get_rotation() != 0:
        return None
    picture: PdfImage = pictures[0]
    a, b, c, d, _, _ = picture.get_matrix().get()
    width, height = page.get_size()
    if b or c or a <= 0 or d <= 0 or a * d < 0.9 * width * height:
        return None
    pixels_wide, _ = picture.get_px_size()
    if (
        not 0.75 * dpi <= pixels_wide / (a / 72) <= 2 * dpi
        or picture.get_metadata().colorspace == 0
    ):
        return None
    return picture


def _stored_hash(picture: PdfImage) -> str:
    meta = picture.get_metadata()
    filters = ",".join(picture.get_filters())
    how = f"{meta.width}x{meta.height}:{meta.bits_per_pixel}:{meta.colorspace}:{filters}"
    digest = hashlib.sha256(how.encode())
    digest.update(picture.get_data(decode_simple=False))
    return digest.hexdigest()
