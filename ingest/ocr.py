"""The one seam for tesseract: every OCR call goes through ``ocr_image``."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytesseract
from PIL import Image

from archive_search.index.errors import MissingDependencyError, OcrError
from archive_search.ingest.deskew import deskew

LANGUAGE = "vie"
TESSERACT_CONFIG = ""  # extra tesseract options every OCR call passes (the bench measures them too)
_INSTALL_HINT = "install it with: apt-get install tesseract-ocr tesseract-ocr-vie"


@dataclass(frozen=True, slots=True)
class OcrText:
    text: str
    confidence: float | None


@cache
def check_tesseract() -> None:
    """Raise ``MissingDependencyError`` unless tesseract and its Vietnamese model are installed."""
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise MissingDependencyError(f"tesseract is not installed: {_INSTALL_HINT}")
    if LANGUAGE not in pytesseract.get_languages(config=""):
        raise MissingDependencyError(
            f"tesseract has no Vietnamese model ({LANGUAGE}): {_INSTALL_HINT}"
        )


def _lines(tsv: str) -> tuple[str, float | None]:
    """The text of tesseract's TSV output, a line of it per line of the page, and the mean
    confidence of its words. (Read here: pytesseract's dict output parses every cell, ~7 ms a page.)"""
    lines: dict[tuple[str, str, str], list[str]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split(
            "\t", 11
        )  # level page block paragraph line word left top width height conf text
        text = cells[11].strip() if len(cells) == 12 else ""
        if not text:
            continue
        lines.setdefault((cells[2], cells[3], cells[4]), []).append(text)
        if (confidence := float(cells[10])) >= 0:
            confidences.append(confidence)
    body = "\n".join(" ".join(words) for words in lines.values())
    return body, (sum(confidences) / len(confidences) if confidences else None)


def ocr_image(
    image: Image.Image, *, timeout: float, straighten: bool = True, scratch: Path | None = None
) -> OcrText:
    """Recognise Vietnamese text on a page image with one tesseract thread, the page first
    turned level when it is askew (``straighten``).

    The page and tesseract's TSV output are files in ``scratch`` (default: the temp dir), removed
    when read: pytesseract's ``image_to_data`` would put its own ``tess_*`` files in the
    process-wide temp dir, which a library should not move, so its ``run_tesseract`` is called
    with an output name of ours.
    """
    check_tesseract()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    picture = deskew(image) if straighten else _uncompressed(image)
    # pytesseract would hand tesseract a PNG, whose compression costs ~20% of a page's OCR time.
    # An uncompressed TIFF is written in ~20 ms, and tesseract reads it fastest: the same page as
    # PNM costs tesseract 6% more CPU (the same text out), as PNG 2% more.
    with tempfile.NamedTemporaryFile(suffix=".tif", prefix="archive-search-", dir=scratch) as page:
        picture.save(page.name, format="TIFF")
        text, confidence = _lines(_tesseract(page.name, timeout))
    return OcrText(text, confidence)


def _uncompressed(image: Image.Image) -> Image.Image:
    """The image in grey or RGB, the modes tesseract reads from an uncompressed TIFF."""
    return (
        image if image.mode in ("L", "RGB") else image.convert("RGB" if "A" in image.mode else "L")
    )


def _tesseract(path: str, timeout: float) -> str:
    """tesseract's TSV for the page image at ``path``, written beside it and removed once read."""
    output = path.removesuffix(".tif")
    try:
        pytesseract.pytesseract.run_tesseract(
            path,
            output,
            "tsv",
            LANGUAGE,
            f"-c tessedit_create_tsv=1 {TESSERACT_CONFIG}".strip(),
            timeout=timeout,
        )
        return Path(f"{output}.tsv").read_text(encoding="utf-8")
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OcrError(f"tesseract took longer than {timeout:g} s on a page") from exc
        raise OcrError(f"tesseract failed: {exc}") from exc
    except pytesseract.TesseractError as exc:
        raise OcrError(f"tesseract failed: {exc.message}") from exc
    except pytesseract.TesseractNotFoundError as exc:  # removed since check_tesseract ran
        raise MissingDependencyError(f"tesseract is not installed: {_INSTALL_HINT}") from exc
    except OSError as exc:  # no output: tesseract was killed, or the disk is full
        raise OcrError(f"tesseract wrote no result ({exc})") from exc
    finally:
        Path(f"{output}.tsv").unlink(missing_ok=True)
