"""Legacy Vietnamese encodings (TCVN3, VNI, VIQR, CP1258) in text layers and text files.

The tables and the judgement live in ``index.legacy``; this module is the one place ingestion
calls them, and says what was converted and whether a page's text is beyond repair (then it is
OCR'd).
"""

from __future__ import annotations

from dataclasses import dataclass

from archive_search.index import legacy

_MIN_TEXT_FILE_SHARE = 0.5  # of words that are Vietnamese syllables, for bytes that are not UTF-8


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text in Unicode, the legacy encodings converted, and whether OCR should replace it."""

    text: str
    encodings: frozenset[str] = frozenset()
    needs_ocr: bool = False


def _decoded(repair: legacy.Repair) -> Decoded:
    return Decoded(repair.text, frozenset(repair.encodings), repair.needs_ocr)


def repair_text(text: str) -> Decoded:
    """A text layer with any legacy-encoded runs converted to Unicode."""
    return _decoded(legacy.repair_text(text))


def decode_bytes(data: bytes) -> Decoded | None:
    """A text file's bytes as Unicode: UTF-8, else the legacy encoding that reads as Vietnamese.

    None for bytes that are not UTF-8 and read as Vietnamese in no encoding: not a text file.
    """
    repair = legacy.decode_bytes(data)
    if repair.valid_share < _MIN_TEXT_FILE_SHARE and not _is_utf8(data):
        return None
    return _decoded(repair)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
