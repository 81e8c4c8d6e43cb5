"""The catalogue's tables, its schema version, and the migrations from each older version.

A catalogue made by an older archive-search is upgraded in place when it is opened, each
migration in order, in one transaction; one made by a newer release is refused. To change the
tables, add a ``Migration`` to ``MIGRATIONS``: ``SCHEMA_VERSION`` follows from it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive_search.index.errors import SchemaVersionError

# Version 2, the first this project released: a catalogue of version 1 is not upgraded.
_BASE_VERSION = 2
_BASE = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    sha256 TEXT,
    size INTEGER,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed', 'duplicate')),
    error TEXT,
    document_id TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256);
CREATE TABLE IF NOT EXISTS documents (
    num INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('document', 'record')),
    source TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    symbol TEXT NOT NULL DEFAULT '',
    doc_type TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL DEFAULT '',
    fond TEXT NOT NULL DEFAULT '',
    inventory TEXT NOT NULL DEFAULT '',
    box TEXT NOT NULL DEFAULT '',
    file_no TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    year INTEGER,
    secrecy TEXT NOT NULL DEFAULT 'public',
    urgency TEXT NOT NULL DEFAULT '',
    issuer_name TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    term TEXT NOT NULL DEFAULT '',
    signer TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '{}',
    sources TEXT NOT NULL DEFAULT '{}',
    title_words TEXT,
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS pages (
    document_num INTEGER NOT NULL REFERENCES documents (num) ON DELETE CASCADE,
    page INTEGER NOT NULL,
    text TEXT NOT NULL,
    method TEXT NOT NULL,
    confidence REAL,
    error TEXT,
    words TEXT,
    PRIMARY KEY (document_num, page)
);
CREATE TABLE IF NOT EXISTS removed (num INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS ocr_cache (
    image_hash TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    confidence REAL
);
"""


@dataclass(frozen=True)
class Migration:
    """The change from ``version - 1`` to ``version``: SQL statements, then an optional step."""

    version: int
    what: str
    sql: str
    then: Callable[[sqlite3.Connection], None] | None = None


def _add_column(db: sqlite3.Connection, table: str, column: str) -> None:
    """Add ``column`` (name and type) to ``table`` unless it has it.

    SQLite has no IF NOT EXISTS for columns.
    """
    name = column.split()[0]
    if not any(row[1] == name for row in db.execute(f"PRAGMA table_info({table})")):
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _ocr_cache_columns(db: sqlite3.Connection) -> None:
    for column in ("read TEXT", "words TEXT", "boxes BLOB"):
        _add_column(db, "ocr_cache", column)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        3,
        "ocr_sources: which cached image each OCR'd page of a file showed (a Dask task carries "
        "its file's cached pages); record_sources: which catalogue listed each record; "
        "page_boxes: where each word of a page stands on its image (index/boxes.py packs them; "
        "a page without a row has no known boxes, a row without words is a page without any)",
        """
CREATE TABLE IF NOT EXISTS ocr_sources (
    sha256 TEXT NOT NULL,
    page INTEGER NOT NULL,
    image_hash TEXT NOT NULL,
    PRIMARY KEY (sha256, page)
);
CREATE INDEX IF NOT EXISTS ocr_sources_image ON ocr_sources (image_hash);
CREATE TABLE IF NOT EXISTS record_sources (
    document_id TEXT PRIMARY KEY,
    manifest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS record_sources_manifest ON record_sources (manifest);
CREATE TABLE IF NOT EXISTS page_boxes (
    document_num INTEGER NOT NULL REFERENCES documents (num) ON DELETE CASCADE,
    page INTEGER NOT NULL,
    words TEXT NOT NULL,
    boxes BLOB NOT NULL,
    PRIMARY KEY (document_num, page)
);
""",
    ),
    Migration(
        4,
        "pages.read: an OCR'd page's text as tesseract read it, when the Vietnamese correction "
        "changed it (pages.text holds the corrected text; both are indexed)",
        "",
        lambda db: _add_column(db, "pages", "read TEXT"),
    ),
    Migration(
        5,
        "files.secrecy: the level a failed file's manifest row gives it, so that `failures` "
        "lists it only to readers cleared for it (a file with a document has that one's level)",
        "",
        lambda db: _add_column(db, "files", "secrecy TEXT NOT NULL DEFAULT 'public'"),
    ),
    Migration(
        6,
        "ocr_cache.read, .words, .boxes: a cached page keeps its text as read and its word boxes "
        "(packed as in page_boxes), so a page read from the cache is stored as a page OCR'd anew; "
        "an entry cached before (boxes NULL) is not used: its page is OCR'd again and replaces it",
        "",
        _ocr_cache_columns,
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version if MIGRATIONS else _BASE_VERSION


def create(db: sqlite3.Connection) -> None:
    """Make the tables of the current version in an empty catalogue."""
    _apply(db, _BASE_VERSION, lambda: _statements(_BASE), fresh=True)


def upgrade(db: sqlite3.Connection, found: int, path: Path) -> None:
    """Bring a catalogue of schema version ``found`` to ``SCHEMA_VERSION``, or refuse it."""
    if found > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"archive has catalogue schema version {found}, made by a newer archive-search; "
            f"this one reads versions {_BASE_VERSION} to {SCHEMA_VERSION}: upgrade archive-search",
            path=path,
        )
    if found < _BASE_VERSION:
        raise SchemaVersionError(
            f"archive has catalogue schema version {found}, older than any this archive-search "
            f"upgrades ({_BASE_VERSION}): ingest the documents into a new archive",
            path=path,
        )
    try:
        _apply(db, found, lambda: [], fresh=False)
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc) and "read-only" not in str(exc):
            raise
        raise SchemaVersionError(
            f"archive has catalogue schema version {found} and must be upgraded to "
            f"{SCHEMA_VERSION}, but it cannot be written here: run `archive-search stats` "
            "once as the archive's owner",
            path=path,
        ) from exc


def _apply(
    db: sqlite3.Connection, found: int, first: Callable[[], list[str]], *, fresh: bool
) -> None:
    """Run the migrations after ``found`` (after ``first``'s statements) in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if not fresh:  # another process may have upgraded it while this one waited for the lock
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            found = int(row[0])
        for statement in first():
            db.execute(statement)
        for migration in MIGRATIONS:
            if migration.version > found:
                for statement in _statements(migration.sql):
                    db.execute(statement)
                if migration.then is not None:
                    migration.then(db)
        db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _statements(sql: str) -> list[str]:
    return [statement.strip() for statement in sql.split(";") if statement.strip()]
