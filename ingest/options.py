"""What an ingestion run is asked to do, and what it reports: shared by the CLI and the API."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from archive_search.index.errors import UsageError
from archive_search.ingest.extract import OcrMode
from archive_search.ingest.manifest import Conflict


@dataclass(frozen=True, kw_only=True)
class IngestOptions:
    """How to ingest; shared by the CLI and the Python API."""

    manifest: Path | None = None
    fond: str | None = None
    ocr: OcrMode = OcrMode.AUTO
    workers: int | None = None
    dpi: int = 300
    ocr_timeout: float = 180.0
    retry_failed: bool = False  # ingest again only the files whose last ingestion failed
    prune: bool = (
        False  # first forget files that no longer exist; then records the manifest no longer lists
    )
    commit_every: int = 200  # documents per index commit
    cluster: str | None = None  # a Dask scheduler (tcp://HOST:8786) to extract and OCR on
    pages_per_task: int = 4  # a longer PDF or TIFF is read as several tasks of this many pages
    # Manifest rows may name files outside the manifest's folder and the paths given.
    allow_outside_paths: bool = False

    def __post_init__(self) -> None:
        try:  # the API takes "auto" as well as OcrMode.AUTO
            object.__setattr__(self, "ocr", OcrMode(self.ocr))
        except ValueError:
            raise UsageError(f"unknown OCR mode {self.ocr!r}: use auto, always or never") from None
        if self.pages_per_task < 1:
            raise UsageError(f"pages_per_task must be at least 1, not {self.pages_per_task}")

    @property
    def worker_count(self) -> int:
        return max(1, self.workers or os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Failure:
    path: str
    reason: str


@dataclass(kw_only=True)
class IngestReport:
    """What a run did."""

    new: int = 0
    skipped: int = 0
    duplicates: int = 0
    records: int = 0
    pages: int = 0
    ocr_pages: int = 0
    ocr_cached: int = 0  # of ocr_pages, read from the OCR cache instead of tesseract
    pruned: int = 0  # missing files forgotten (prune)
    pruned_records: int = 0  # catalogue records the manifest no longer lists, removed (prune)
    unlisted_records: int = 0  # catalogue records the manifest no longer lists, kept (no prune)
    failed_before: int = (
        0  # of skipped, files that failed before and are unchanged (see retry_failed)
    )
    failures: list[Failure] = field(default_factory=list)
    # The manifest's metadata applied to documents and records already held (their files
    # unchanged): those whose metadata changed, and of them those whose secrecy level changed.
    updated: int = 0
    reclassified_documents: int = 0
    reclassified_records: int = 0
    conflicts: list[Conflict] = field(
        default_factory=list
    )  # sources that disagree, and how settled
    unsupported: list[str] = field(
        default_factory=list
    )  # files of other types found in folders: ignored
    elapsed: float = 0.0


class Progress(Protocol):
    """Told how many files there are, then about each file as it finishes; the CLI draws a bar."""

    def start(self, total: int) -> None: ...

    def advance(self, path: Path, pages: int) -> None: ...
