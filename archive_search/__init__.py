"""archive-search: full-text search over a Vietnamese Party Committee archive.

The public API::

    from archive_search import Archive, IngestOptions

    with Archive.open("archive", create=True) as archive:
        archive.ingest(["sample/documents"], options=IngestOptions(fond="TU"))
        for hit in archive.search("cong nghe thong tin", year=["2015..2019"]).hits:
            print(hit.symbol, hit.title, [page.page for page in hit.pages])
"""

from archive_search.archive import Archive, DocumentView, default_archive_path
from archive_search.models import (
    FacetCount,
    Hit,
    PageHit,
    SearchQuery,
    SearchResults,
    SortOrder,
    YearRange,
)
from index.errors import (
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
)
from index.records import PageMethod, PageText, Secrecy
from ingest.extract import OcrMode
from ingest.pipeline import Failure, IngestOptions, IngestReport, Progress

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveNotFoundError",
    "ArchiveSearchError",
    "CorruptFileError",
    "DocumentView",
    "EmptyFileError",
    "EncryptedFileError",
    "ExitCode",
    "FacetCount",
    "Failure",
    "Hit",
    "IndexUnavailableError",
    "IngestFailuresError",
    "IngestOptions",
    "IngestReport",
    "InputFileError",
    "ManifestError",
    "MissingDependencyError",
    "NotFoundError",
    "OcrError",
    "OcrMode",
    "PageHit",
    "PageMethod",
    "PageText",
    "Progress",
    "QueryError",
    "SchemaVersionError",
    "SearchQuery",
    "SearchResults",
    "Secrecy",
    "SortOrder",
    "UnsupportedFileError",
    "YearRange",
    "default_archive_path",
]
