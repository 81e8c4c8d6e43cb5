"""The one error hierarchy of archive-search, with the exit code of each error.

Every error the library raises on purpose is an ``ArchiveSearchError``; the CLI turns it into
one line on stderr and its ``exit_code``. It lives in the lowest layer so that every layer can
raise it::

    ArchiveSearchError                 exit 1
    ├── ArchiveError                   exit 4   the archive directory itself
    │   ├── ArchiveNotFoundError
    │   ├── SchemaVersionError
    │   ├── ArchiveBusyError                    another writer is at work on it
    │   └── IndexUnavailableError
    ├── UsageError                     exit 2   an API option with a value it cannot take
    ├── MissingDependencyError         exit 3   tesseract, its `vie` model
    ├── InputFileError                 exit 7   one input file (recorded, batch goes on)
    │   ├── EmptyFileError
    │   ├── CorruptFileError
    │   ├── EncryptedFileError
    │   ├── UnsupportedFileError
    │   └── OcrError
    ├── ManifestError                  exit 7   the manifest CSV
    ├── QueryError                     exit 5   a search that cannot run as typed
    ├── NotFoundError                  exit 8   an id that is not in the archive
    └── IngestFailuresError            exit 6   a batch finished but some files failed
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Process exit codes; documented in the README."""

    OK = 0
    ERROR = 1
    USAGE = 2
    MISSING_DEPENDENCY = 3
    ARCHIVE = 4
    QUERY = 5
    SOME_FILES_FAILED = 6
    INPUT_FILE = 7
    NOT_FOUND = 8
    INTERRUPTED = 130


class ArchiveSearchError(Exception):
    """Something went wrong in archive-search."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None

    def __str__(self) -> str:
        return f"{self.message} ({self.path})" if self.path else self.message


class ArchiveError(ArchiveSearchError):
    """The archive directory cannot be used."""

    exit_code = ExitCode.ARCHIVE


class ArchiveNotFoundError(ArchiveError):
    """No archive at the given place."""


class SchemaVersionError(ArchiveError):
    """The archive was written by another version of the catalogue schema."""


class ArchiveBusyError(ArchiveError):
    """Another ingestion, prune or reindex is writing to the archive."""


class IndexUnavailableError(ArchiveError):
    """The search index is missing or unreadable; `archive-search reindex` rebuilds it."""


class UsageError(ArchiveSearchError):
    """An option given through the API has a value it cannot take."""

    exit_code = ExitCode.USAGE


class MissingDependencyError(ArchiveSearchError):
    """An external program or model is not installed."""

    exit_code = ExitCode.MISSING_DEPENDENCY


class InputFileError(ArchiveSearchError):
    """One input file cannot be ingested."""

    exit_code = ExitCode.INPUT_FILE


class EmptyFileError(InputFileError):
    """The file is empty or has no pages."""


class CorruptFileError(InputFileError):
    """The file is damaged or is not what its name says."""


class EncryptedFileError(InputFileError):
    """The file is encrypted."""


class UnsupportedFileError(InputFileError):
    """The file's type is not one archive-search reads."""


class OcrError(InputFileError):
    """Tesseract failed or timed out on a page."""


class ManifestError(ArchiveSearchError):
    """The manifest CSV cannot be read."""

    exit_code = ExitCode.INPUT_FILE


class QueryError(ArchiveSearchError):
    """The query or one of its filters is malformed."""

    exit_code = ExitCode.QUERY


class NotFoundError(ArchiveSearchError):
    """No document or page with that id."""

    exit_code = ExitCode.NOT_FOUND


class IngestFailuresError(ArchiveSearchError):
    """The batch finished, every good file is indexed, and some files failed."""

    exit_code = ExitCode.SOME_FILES_FAILED
