"""The plain data the catalogue stores and the index is built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Secrecy(str, Enum):
    """Secrecy levels, lowest first; a search sees documents up to its clearance."""

    PUBLIC = "public"
    MAT = "mat"
    TOI_MAT = "toi-mat"
    TUYET_MAT = "tuyet-mat"

    @property
    def rank(self) -> int:
        return list(Secrecy).index(self)

    @classmethod
    def parse(cls, value: str) -> Secrecy:
        """A level from its code or its Vietnamese name (``Mật``, ``TỐI MẬT``…); blank is public."""
        key = _SECRECY_NAMES.get(
            " ".join(value.lower().replace("-", " ").replace("_", " ").split())
        )
        if key is None:
            raise ValueError(
                f"unknown secrecy level {value!r}: use public, mat, toi-mat or tuyet-mat"
            )
        return cls(key)

    def cleared(self) -> list[Secrecy]:
        """The clearances that may see a document of this level."""
        return [level for level in Secrecy if level.rank >= self.rank]


_SECRECY_NAMES = {
    "": "public",
    "public": "public",
    "thường": "public",
    "thuong": "public",
    "mat": "mat",
    "mật": "mat",
    "toi mat": "toi-mat",
    "tối mật": "toi-mat",
    "tuyet mat": "tuyet-mat",
    "tuyệt mật": "tuyet-mat",
}


class PageMethod(str, Enum):
    """How a page's text was obtained."""

    TEXT_LAYER = "text"
    OCR = "ocr"
    PLAIN_TEXT = "plain"
    BLANK = "blank"  # no ink on the page image: not sent to tesseract
    FAILED = "failed"  # tesseract failed or timed out on this page; ``error`` says why


@dataclass(frozen=True, slots=True)
class PageText:
    """The text of one page, numbered from 1."""

    number: int
    text: str
    method: PageMethod
    confidence: float | None = None
    #: SHA-256 of the page image sent to tesseract (the OCR cache key); not stored with the page.
    image_hash: str | None = None
    #: True when the OCR text came from the cache instead of a tesseract run.
    from_cache: bool = False
    error: str | None = None  # why a FAILED page has no text
    #: The page's compound words, space-separated (index/segment.py): segmented by the worker that
    #: extracted the page and kept in the catalogue, so reindex never segments again.
    words: str | None = None
    #: Where each word stands on the page image, kept with the page (``page_boxes``) for the
    #: viewer; None when not known (a text file's page, or one read without them).
    boxes: tuple[WordBox, ...] | None = None
    #: An OCR'd page's text as tesseract read it, when the Vietnamese correction changed it
    #: (``text`` is the corrected one): indexed beside it, so a word either holds is found.
    read: str | None = None

    @property
    def indexed_text(self) -> str:
        """The text the index holds for the page.

        Its text, and the words as read that the correction replaced.
        """
        if not self.read:
            return self.text
        kept = set(self.text.split())
        replaced = [word for word in self.read.split() if word not in kept]
        return f"{self.text}\n{' '.join(replaced)}" if replaced else self.text


@dataclass(frozen=True, slots=True)
class WordBox:
    """A word on a page and the box around it, in fractions of the page from its top-left corner.

    Fractions (0..1) of the page's width and height, so it fits the page drawn at any size.

    Born-digital pages get theirs from the PDF's character positions (``ingest/pdf.py``), OCR'd
    pages from tesseract's word positions (``ingest/ocr.py``); ``text`` is the word as read.
    """

    text: str
    left: float
    top: float
    width: float
    height: float


@dataclass(slots=True)
class DocumentMeta:
    """Descriptive metadata of a document or a catalogue record; every field optional."""

    title: str = ""
    symbol: str = ""
    doc_type: str = ""
    issuer: str = ""
    fond: str = ""
    inventory: str = ""
    box: str = ""
    file_no: str = ""
    date: str = ""
    year: int | None = None
    secrecy: Secrecy = Secrecy.PUBLIC
    urgency: str = ""
    issuer_name: str = ""
    place: str = ""
    term: str = ""
    signer: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """The columns of a catalogue document a search hit shows.

    No extra metadata, provenance or page count: reading those for every hit costs a search time
    (docs/performance.md).
    """

    num: int
    id: str
    kind: str
    source: str
    title: str
    symbol: str
    doc_type: str
    fond: str
    year: int | None
    date: str
    issuer: str
    secrecy: str
    inventory: str  # where the archive keeps it: inventory (mục lục), box (hộp), file (hồ sơ)
    box: str
    file_no: str


@dataclass(slots=True)
class StoredDocument:
    """A document as the catalogue holds it."""

    num: int
    id: str
    kind: str
    source: str
    meta: DocumentMeta
    page_count: int
    title_words: str | None = None  # the title's compound words, as cached in the catalogue
