"""archive-search: full-text search over a Vietnamese Party Committee archive.

The public API::

    from archive_search import Archive, IngestOptions

    with Archive.open("archive", create=True) as archive:
        archive.ingest(["sample/documents"], options=IngestOptions(fond="TU"))
        for hit in archive.search("cong nghe thong tin", year=["2015..2019"]).hits:
            print(hit.symbol, hit.title, [page.page for page in hit.pages])
"""

import importlib
from typing import TYPE_CHECKING

from archive_search.accounts import AccountError, Accounts, User
from archive_search.archive import Archive, DocumentView, default_archive_path
from archive_search.audit import AuditEntry, AuditLog
from archive_search.export import ExportFormat
from archive_search.index.doctypes import doc_type_name
from archive_search.index.errors import (
    ArchiveBusyError,
    ArchiveError,
    ArchiveNotFoundError,
    ArchiveSearchError,
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    ExitCode,
    IndexUnavailableError,
    IngestFailuresError,
    InputFileError,
    ManifestError,
    MissingDependencyError,
    NotFoundError,
    OcrError,
    QueryError,
    SchemaVersionError,
    UnsupportedFileError,
    UsageError,
)
from archive_search.index.records import PageMethod, PageText, Secrecy
from archive_search.jsonable import to_json
from archive_search.models import (
    ArchiveStats,
    DocumentRef,
    FacetCount,
    Hit,
    Match,
    PageHit,
    SearchOptions,
    SearchQuery,
    SearchResults,
    SortOrder,
    YearRange,
    parse_clearance,
)
from archive_search.query import QuerySyntaxError

if TYPE_CHECKING:
    from archive_search.ingest.extract import OcrMode
    from archive_search.ingest.options import Failure, IngestOptions, IngestReport, Progress
    from archive_search.pages import BoxesReport, PagePicture, PageView

# Ingestion's names load on first use: importing them pulls in pdfminer, PIL and pytesseract,
# which a search never needs (`archive-search search` stays quick to start).
_LAZY = {
    "Failure": "archive_search.ingest.options",
    "IngestOptions": "archive_search.ingest.options",
    "IngestReport": "archive_search.ingest.options",
    "OcrMode": "archive_search.ingest.extract",
    "Progress": "archive_search.ingest.options",
    # page images and word boxes (PIL, pdfium), what the page viewer shows
    "BoxesReport": "archive_search.pages",
    "PagePicture": "archive_search.pages",
    "PageView": "archive_search.pages",
}

__all__ = [
    "AccountError",
    "Accounts",
    "Archive",
    "ArchiveBusyError",
    "ArchiveError",
    "ArchiveNotFoundError",
    "ArchiveSearchError",
    "ArchiveStats",
    "AuditEntry",
    "AuditLog",
    "BoxesReport",
    "CorruptFileError",
    "DocumentRef",
    "DocumentView",
    "EmptyFileError",
    "EncryptedFileError",
    "ExitCode",
    "ExportFormat",
    "FacetCount",
    "Failure",
    "Hit",
    "IndexUnavailableError",
    "IngestFailuresError",
    "IngestOptions",
    "IngestReport",
    "InputFileError",
    "ManifestError",
    "Match",
    "MissingDependencyError",
    "NotFoundError",
    "OcrError",
    "OcrMode",
    "PageHit",
    "PageMethod",
    "PagePicture",
    "PageText",
    "PageView",
    "Progress",
    "QueryError",
    "QuerySyntaxError",
    "SchemaVersionError",
    "SearchOptions",
    "SearchQuery",
    "SearchResults",
    "Secrecy",
    "SortOrder",
    "UnsupportedFileError",
    "UsageError",
    "User",
    "YearRange",
    "default_archive_path",
    "doc_type_name",
    "parse_clearance",
    "to_json",
]


def __getattr__(name: str) -> object:
    """Load a name of ``_LAZY`` when first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module 'archive_search' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
