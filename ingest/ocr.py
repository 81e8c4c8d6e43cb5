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
from archive_search.index.records import WordBox
from archive_search.ingest.deskew import grey_of, level
from archive_search.ingest.ocr_correct import Corrector
from archive_search.ingest.ocr_glyphs import digits_by_shape
from archive_search.ingest.ocr_ink import even_light, ocr_grey
from archive_search.ingest.ocr_model import shipped_model
from archive_search.ingest.ocr_scale import (
    TARGET_X_HEIGHT,
    despeckle,
    enlarge,
    measure,
    scale_for,
)
from archive_search.ingest.ocr_words import (
    Geometry,
    OcrWord,
    mean_confidence,
    page_text,
    parse_tsv,
)

LANGUAGE = "vie"
TESSERACT_CONFIG = ""  # extra tesseract options every OCR call passes (the bench measures them too)
_INSTALL_HINT = "install it with: apt-get install tesseract-ocr tesseract-ocr-vie"


@dataclass(frozen=True, slots=True)
class OcrSteps:
    """Which of the steps around tesseract run.

    All by default; the bench turns them off one by one to measure what each gains.
    """

    lift_colour: bool = True  # stamps and signatures made pale over black text (ingest/ocr_ink.py)
    even_light: bool = True  # a page lit unevenly (a photograph) evened (ingest/ocr_ink.py)
    enlarge: bool = True  # small letters enlarged to ``target_x_height``, large ones reduced
    # (ingest/ocr_scale.py)
    target_x_height: float = TARGET_X_HEIGHT
    despeckle: bool = True  # a page speckled by the scanner filtered first (ingest/ocr_scale.py)
    correct: bool = True  # Vietnamese spelling corrected after tesseract (ingest/ocr_correct.py)
    shapes: bool = True  # digits tesseract misreads on typewritten pages told by their shape
    # (ingest/ocr_glyphs.py)


@dataclass(frozen=True, slots=True)
class OcrText:
    """What OCR read on a page: its text, mean word confidence, and each word's box on the image.

    The confidence is tesseract's.
    """

    text: str
    confidence: float | None
    boxes: tuple[WordBox, ...] = ()
    read: str | None = None  # the text as tesseract read it, when the correction changed it


@cache
def check_tesseract() -> None:
    """Raise ``MissingDependencyError`` unless tesseract and its Vietnamese model are installed."""
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise MissingDependencyError(f"tesseract is not installed: {_INSTALL_HINT}")
    if LANGUAGE not in pytesseract.get_languages(config=""):
        raise MissingDependencyError(
            f"tesseract has no Vietnamese model ({LANGUAGE}): {_INSTALL_HINT}"
        )


def ocr_image(
    image: Image.Image,
    *,
    timeout: float,
    straighten: bool = True,
    scratch: Path | None = None,
    steps: OcrSteps = OcrSteps(),
) -> OcrText:
    """Recognise Vietnamese text on a page image with one tesseract thread.

    The page is read in grey, its coloured marks made pale and its light evened (``ocr_ink``), and
    first turned level when it is askew (``straighten``); the words' boxes are on ``image`` as
    given.

    The page and tesseract's TSV output are files in ``scratch`` (default: the temp dir), removed
    when read: pytesseract's ``image_to_data`` would put its own ``tess_*`` files in the
    process-wide temp dir, which a library should not move, so its ``run_tesseract`` is called with
    an output name of ours.
    """
    check_tesseract()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    picture = ocr_grey(image) if steps.lift_colour else grey_of(image)
    if steps.even_light:
        picture = even_light(picture)
    letters = measure(picture) if steps.enlarge or steps.despeckle else None
    if steps.despeckle:
        picture = despeckle(picture, letters)
    scale = scale_for(letters, steps.target_x_height) if steps.enlarge else 1.0
    picture = enlarge(picture, scale)
    picture, angle = level(picture) if straighten else (picture, 0.0)
    geometry = Geometry(image.width, image.height, angle, scale)
    words = read_words(picture, timeout=timeout, scratch=scratch)
    read = page_text(words)
    if steps.shapes:
        words = digits_by_shape(picture, words)
    if steps.correct:
        words = Corrector(shipped_model()).correct(words)
    text = page_text(words)
    boxes = tuple(geometry.box(word) for word in words)
    return OcrText(text, mean_confidence(words), boxes, read if read != text else None)


def read_words(picture: Image.Image, *, timeout: float, scratch: Path | None) -> list[OcrWord]:
    """The words tesseract reads on ``picture`` (grey or RGB), with their boxes on it."""
    # An uncompressed TIFF, not pytesseract's PNG: cheaper to write and to read
    # (docs/performance.md).
    with tempfile.NamedTemporaryFile(suffix=".tif", prefix="archive-search-", dir=scratch) as page:
        picture.save(page.name, format="TIFF")
        return parse_tsv(_tesseract(page.name, timeout))


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
