"""A document's pages as the page viewer shows them: the image, and where the query's words stand.

The page image is sized for a screen. Images come from the file the page was read from (the
catalogue's ``source``, never a path given by a reader): a scan's own picture, or the page rendered
(``ingest/pdf.py``). Word boxes come from the catalogue (``page_boxes``); a born-digital page of an
archive ingested before they were kept has them read from its PDF when shown, and ``fill_boxes``
keeps them for every page that lacks them (``archive-search boxes``). The query's words are found in
a page's words as snippets find them (``Needles``: one normalisation, with or without diacritics).
"""

from __future__ import annotations

import io
import logging
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from archive_search.engine import SearchEngine, query_needles
from archive_search.index.analysis import compose, fold
from archive_search.index.catalog import Catalog
from archive_search.index.errors import ArchiveSearchError, NotFoundError, QueryError
from archive_search.index.records import (
    PageMethod,
    PageText,
    Secrecy,
    StoredDocument,
    WordBox,
)
from archive_search.snippets import Needles

IMAGE_WIDTHS = (400, 800, 1200, 1600, 2000)  # sizes served: a few, so each can be cached
DEFAULT_WIDTH = 1200
JPEG_QUALITY = 82
OCR_TIMEOUT = 180.0  # seconds a page, as ingestion allows
_PDF_SUFFIXES = frozenset({".pdf"})
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
_WITH_IMAGE = frozenset({PageMethod.TEXT_LAYER, PageMethod.OCR, PageMethod.BLANK})
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PagePicture:
    """A page image, encoded: ``data`` in ``media_type``, ``width`` by ``height`` pixels."""

    data: bytes
    media_type: str
    width: int
    height: int
    secrecy: Secrecy = Secrecy.PUBLIC  # the document's (what an audit entry of the view notes)


@dataclass(frozen=True, slots=True)
class PageView:
    """One page of a document as the viewer shows it, for a query.

    ``marks`` are the boxes of the words of the query on the page (fractions of the page
    image); ``spans`` where they occur in ``text``; ``matching`` the pages of the document that
    hold any of them. ``boxes_known`` is False when the page's word positions were never read
    (an OCR'd page of an archive ingested before they were kept: ``archive-search boxes``)."""

    doc_id: str
    title: str
    symbol: str
    secrecy: Secrecy
    page: int
    page_count: int
    text: str
    method: PageMethod
    has_image: bool
    boxes_known: bool
    marks: tuple[WordBox, ...]
    spans: tuple[tuple[int, int], ...]
    matching: tuple[int, ...]


def image_width(asked: int | None) -> int:
    """The served width nearest to ``asked`` (at least it, when one is).

    A few sizes only, so a reader cannot make the server scale a page to any size, and each size can
    be cached.
    """
    if asked is None:
        return DEFAULT_WIDTH
    return next((width for width in IMAGE_WIDTHS if width >= asked), IMAGE_WIDTHS[-1])


def has_image(stored: StoredDocument, page: PageText) -> bool:
    """Whether a page has a picture to show (a PDF or image file's page, not a text file's)."""
    suffix = Path(stored.source).suffix.lower()
    return (
        stored.kind == "document"
        and suffix in _PDF_SUFFIXES | _IMAGE_SUFFIXES
        and page.method in _WITH_IMAGE
    )


def page_of(engine: SearchEngine, stored: StoredDocument, number: int) -> tuple[PageText, int]:
    """Page ``number`` of a visible document and its page count; a page it lacks is not found."""
    pages = engine.catalog.pages(stored.num)
    found = next((page for page in pages if page.number == number), None)
    if found is None:
        raise NotFoundError(f"document {stored.id!r} has no page {number}")
    return found, len(pages)


def picture(stored: StoredDocument, page: PageText, *, width: int | None = None) -> PagePicture:
    """The image of a page about ``width`` pixels wide (see ``image_width``), as JPEG."""
    if not has_image(stored, page):
        raise NotFoundError(f"page {page.number} of document {stored.id!r} has no image")
    source = Path(stored.source)
    if not source.is_file():  # moved or deleted since it was ingested: said without its path
        raise NotFoundError(f"the file of document {stored.id!r} is no longer where it was read")
    image = _image(source, page, image_width(width))
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=False)
    return PagePicture(out.getvalue(), "image/jpeg", image.width, image.height, stored.meta.secrecy)


def _image(source: Path, page: PageText, width: int) -> Image.Image:
    from archive_search.ingest import pdf  # pdfium and pdfminer: loaded when a page is shown

    if source.suffix.lower() in _PDF_SUFFIXES:
        text_layer = page.method is not PageMethod.OCR
        return pdf.page_picture(source, page.number - 1, width=width, text_layer=text_layer)
    with Image.open(source) as frames:
        frames.seek(page.number - 1)
        if frames.format == "JPEG":
            frames.draft("RGB" if frames.mode == "RGB" else "L", (width, width * 2))
        frame = ImageOps.exif_transpose(frames.copy())  # as ingestion OCR'd it
    return pdf.narrowed(frame, width)


def view(
    engine: SearchEngine,
    stored: StoredDocument,
    number: int,
    *,
    query: str = "",
    exact: bool = False,
) -> PageView:
    """Page ``number`` of a visible document with the words of ``query`` found on it."""
    pages = engine.catalog.pages(stored.num)
    boxes = engine.catalog.page_boxes(stored.num, number)
    page = next((each for each in pages if each.number == number), None)
    if page is None:
        raise NotFoundError(f"document {stored.id!r} has no page {number}")
    if boxes is None and page.method is PageMethod.TEXT_LAYER:
        boxes = _boxes_from_pdf(stored, page)
    needles = _needles(query, exact=exact)
    text = compose(page.text)
    return PageView(
        doc_id=stored.id,
        title=stored.meta.title,
        symbol=stored.meta.symbol,
        secrecy=stored.meta.secrecy,
        page=number,
        page_count=len(pages),
        text=text,
        method=page.method,
        has_image=has_image(stored, page),
        boxes_known=boxes is not None,
        marks=marked(boxes or (), needles) if needles else (),
        spans=tuple(needles.spans(text)) if needles else (),
        matching=matching(pages, needles) if needles else (),
    )


def matching(pages: Sequence[PageText], needles: Needles) -> tuple[int, ...]:
    """The pages holding every word of the query, else any: where next and previous match go.

    A prefix counts as a word it begins. Pages holding any word are used when no page holds them
    all.
    """
    wanted = {folded for _, folded in needles.folded_words}
    starts = {folded for _, folded in needles.folded_prefixes}
    whole, some = [], []
    for page in pages:
        text = compose(page.text)
        found = {fold(text[a:b]) for a, b in needles.spans(text)}
        if not found:
            continue
        some.append(page.number)
        if wanted <= found and all(any(f.startswith(s) for f in found) for s in starts):
            whole.append(page.number)
    return tuple(whole or some)


def _needles(query: str, *, exact: bool) -> Needles | None:
    """The needles of a query, None when it has no words to look for."""
    if not query.strip():
        return None
    try:
        needles = query_needles(query, exact=exact)
    except QueryError:
        return None
    return needles if needles.words or needles.prefixes else None


def marked(words: Sequence[WordBox], needles: Needles) -> tuple[WordBox, ...]:
    """The words among ``words`` where ``needles`` match.

    The page's words are read as one line of text (so a phrase or a symbol spanning words is found),
    and each word a match touches is marked.
    """
    starts, ends, position = [], [], 0
    for box in words:
        starts.append(position)
        ends.append(position + len(box.text))
        position += len(box.text) + 1
    chosen: set[int] = set()
    for start, end in needles.spans(" ".join(box.text for box in words)):
        index = bisect_right(ends, start)  # the first word ending after the match starts
        while index < len(words) and starts[index] < end:
            chosen.add(index)
            index += 1
    return tuple(words[index] for index in sorted(chosen))


def _boxes_from_pdf(stored: StoredDocument, page: PageText) -> tuple[WordBox, ...] | None:
    """A text-layer page's word boxes read from its PDF now; None when the file cannot be read.

    For an archive ingested before boxes were kept.
    """
    source = Path(stored.source)
    if source.suffix.lower() not in _PDF_SUFFIXES or not source.is_file():
        return None
    try:
        return text_layer_boxes(source, [page.number])[page.number]
    except (ArchiveSearchError, KeyError):
        log.warning("word boxes of page %d of %s cannot be read", page.number, stored.id)
        return None


def text_layer_boxes(path: Path, numbers: Sequence[int]) -> dict[int, tuple[WordBox, ...] | None]:
    """The word boxes of the text-layer pages ``numbers`` (from 1) of a PDF.

    Spelled as their text is stored (legacy encodings converted).
    """
    from archive_search.ingest import pdf
    from archive_search.ingest.encoding import repair_text
    from archive_search.ingest.extract import layer_boxes

    layers = pdf.text_layers(path, [number - 1 for number in numbers])
    return {
        number: layer_boxes(layer.words, repair_text(layer.text))
        for number, layer in zip(sorted(numbers), layers, strict=True)
    }


@dataclass(slots=True)
class BoxesReport:
    """What ``fill_boxes`` did: pages given boxes, pages whose file could not be read."""

    pages: int = 0
    unreadable: int = 0
    ocr_pages_left: int = 0  # OCR'd pages, whose boxes only a new OCR of the page gives


BoxesProgress = Callable[[int, int], None]


def fill_boxes(
    catalog: Catalog, *, ocr: bool = False, progress: BoxesProgress | None = None
) -> BoxesReport:
    """Read and keep the word boxes of the pages that lack them (ingested before they were kept).

    A document at a time, each in a transaction of its own: text-layer pages from their PDF; OCR'd
    pages, with ``ocr``, by OCR'ing them again (seconds a page), else counted in ``ocr_pages_left``.
    """
    if ocr:
        from archive_search.ingest.ocr import check_tesseract

        check_tesseract()  # missing, it stops the run (a page that fails is only counted)
    report = BoxesReport()
    missing = catalog.pages_without_boxes()
    for done, (num, numbers) in enumerate(missing.items(), start=1):
        stored = catalog.documents_by_num([num]).get(num)
        if stored is not None:
            methods = {page.number: page.method for page in catalog.pages(stored.num)}
            text = [n for n in numbers if methods.get(n) is PageMethod.TEXT_LAYER]
            read = [n for n in numbers if methods.get(n) is PageMethod.OCR]
            found = _text_boxes(stored, text)
            if ocr:
                found |= _ocr_boxes(stored, read)
            else:
                report.ocr_pages_left += len(read)
            with catalog.transaction():
                catalog.put_boxes(stored.num, found)
            report.pages += len(found)
            report.unreadable += len(text) + (len(read) if ocr else 0) - len(found)
        if progress is not None:
            progress(done, len(missing))
    return report


def _text_boxes(stored: StoredDocument, numbers: list[int]) -> dict[int, tuple[WordBox, ...]]:
    """The word boxes of text-layer pages, read from the document's PDF (those it can)."""
    source = Path(stored.source)
    if not numbers or source.suffix.lower() not in _PDF_SUFFIXES or not source.is_file():
        return {}
    try:
        found = text_layer_boxes(source, numbers)
    except ArchiveSearchError as exc:
        log.warning("word boxes of %s cannot be read: %s", stored.id, exc.message)
        return {}
    return {number: boxes for number, boxes in found.items() if boxes is not None}


def _ocr_boxes(stored: StoredDocument, numbers: list[int]) -> dict[int, tuple[WordBox, ...]]:
    """The word boxes of OCR'd pages, the page images OCR'd again as ingestion OCR'd them."""
    from archive_search.index.errors import OcrError
    from archive_search.ingest import ocr, pdf
    from archive_search.ingest.ocr_ink import ocr_grey

    source = Path(stored.source)
    found: dict[int, tuple[WordBox, ...]] = {}
    for number in numbers if source.is_file() else []:
        try:
            if source.suffix.lower() in _PDF_SUFFIXES:
                image = pdf.render_page(source, number - 1, dpi=pdf.OCR_DPI).image
            else:
                with Image.open(source) as frames:
                    frames.seek(number - 1)
                    image = ImageOps.exif_transpose(frames.copy())
            found[number] = ocr.ocr_image(ocr_grey(image), timeout=OCR_TIMEOUT).boxes
        except (OcrError, ArchiveSearchError, OSError, EOFError) as exc:
            log.warning("page %d of %s cannot be OCR'd again: %s", number, stored.id, exc)
    return found
