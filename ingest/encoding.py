"""Legacy Vietnamese encodings (TCVN3, VNI, VIQR, CP1258) in text layers and text files.

The tables and the judgement live in ``index.legacy``; this module is the one place ingestion
calls them, and says what was converted and whether a page's text is beyond repair (then it is
OCR'd).
"""

from __future__ import annotations

from dataclasses import dataclass

from index import legacy


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
    """A text file's bytes as Unicode, whatever its encoding (every byte string decodes)."""
    return _decoded(legacy.decode_bytes(data))
