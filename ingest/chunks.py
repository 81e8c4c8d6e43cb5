"""Page-range tasks: a long PDF or TIFF read by several workers at once, a range of pages each.

The ranges are put back together in the parent once every range is in.

Splitting happens in the parent, lazily, as tasks are submitted; counting pages is cheap (pdfium
reads the page tree, PIL the TIFF directories) and, when it fails, the file goes as one task so
that the worker reports the real problem. Only files with a range still in flight are buffered.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from archive_search.ingest import pdf
from archive_search.ingest.extract import PDF_SUFFIXES, ExtractResult, no_text_reason

TIFF_SUFFIXES = frozenset({".tif", ".tiff"})

PageRange = tuple[int, int]  # (first, last) page, from 1, both included


@dataclass(frozen=True, slots=True)
class FileToRead:
    """A file to extract, as the parent found it."""

    path: Path
    digest: str
    size: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """One task: a file's page range (None: the whole file), and how many tasks the file has."""

    file: FileToRead
    page_range: PageRange | None
    count: int

    @property
    def path(self) -> Path:
        return self.file.path


def page_count(path: Path) -> int | None:
    """The number of pages of a PDF or frames of a TIFF, or None (other types, or unreadable)."""
    suffix = path.suffix.lower()
    try:
        if suffix in PDF_SUFFIXES:
            return pdf.page_count(path)
        if suffix in TIFF_SUFFIXES:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    return int(getattr(image, "n_frames", 1))
    except Exception:  # the worker reading the whole file says what is wrong with it
        return None
    return None


def page_ranges(count: int | None, per_task: int) -> list[PageRange | None]:
    """Ranges of ``per_task`` consecutive pages.

    ``[None]`` (one task) when the file is small or its page count unknown.
    """
    if count is None or count <= per_task:
        return [None]
    return [(first, min(first + per_task - 1, count)) for first in range(1, count + 1, per_task)]


def split(files: Iterable[FileToRead], per_task: int, stop: Callable[[], bool]) -> Iterator[Chunk]:
    """The tasks of ``files`` in order, every range of a file before the next file.

    Nothing more once ``stop()`` says so.
    """
    for file in files:
        ranges = page_ranges(page_count(file.path), per_task)
        for page_range in ranges:
            if stop():
                return
            yield Chunk(file, page_range, len(ranges))


def assemble(path: Path, parts: Iterable[tuple[PageRange | None, ExtractResult]]) -> ExtractResult:
    """One file's result from the results of its ranges.

    Its pages in order, or the error of the first range that failed (in page order), or why no
    page has text.
    """
    results = [result for _, result in sorted(parts, key=lambda part: part[0] or (0, 0))]
    if (
        error := next((result.error for result in results if result.error is not None), None)
    ) is not None:
        return ExtractResult(path, error=error)
    pages = tuple(
        sorted((page for result in results for page in result.pages), key=lambda page: page.number)
    )
    if (reason := no_text_reason(pages)) is not None:
        return ExtractResult(path, error=reason)
    return ExtractResult(
        path, pages, encodings=frozenset(name for result in results for name in result.encodings)
    )


class Assembler:
    """Holds the finished ranges of files whose other ranges are still in flight."""

    def __init__(self) -> None:
        self._parts: dict[Path, list[tuple[PageRange | None, ExtractResult]]] = {}
        self._abandoned: set[Path] = set()

    def add(self, chunk: Chunk, result: ExtractResult) -> ExtractResult | None:
        """The file's whole result once this was its last range, else None."""
        if chunk.count == 1:
            return result
        if chunk.path in self._abandoned:
            return None
        parts = self._parts.setdefault(chunk.path, [])
        parts.append((chunk.page_range, result))
        if len(parts) < chunk.count:
            return None
        del self._parts[chunk.path]
        return assemble(chunk.path, parts)

    def abandon(self, chunk: Chunk) -> None:
        """Forget the file: a range of it will never arrive (cancelled, or the ingestion stops)."""
        self._parts.pop(chunk.path, None)
        self._abandoned.add(chunk.path)
