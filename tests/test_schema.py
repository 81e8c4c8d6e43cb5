"""The catalogue's schema version: an older catalogue is upgraded in place, a newer one refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive_search import Archive, SchemaVersionError
from archive_search.index import schema
from archive_search.index.catalog import Catalog

# Made by the previous release (schema version 2): a text and a catalogue record, ingested.
V2_DUMP = Path(__file__).parent / "fixtures" / "catalog-v2.sql"


def _catalogue(tmp_path: Path, *, drop: tuple[str, ...] = (), version: int | None = None) -> Path:
    archive = tmp_path / "archive"
    archive.mkdir()
    db = sqlite3.connect(archive / "catalog.sqlite")
    db.executescript(V2_DUMP.read_text(encoding="utf-8"))
    for table in drop:
        db.execute(f"DROP TABLE {table}")
    if version is not None:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    db.commit()
    db.close()
    return archive


def _version(archive: Path) -> int:
    db = sqlite3.connect(archive / "catalog.sqlite")
    try:
        return int(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
    finally:
        db.close()


def test_the_fixture_was_made_by_the_previous_schema_and_this_one_is_newer(tmp_path: Path) -> None:
    assert _version(_catalogue(tmp_path)) == 2 < schema.SCHEMA_VERSION


def test_a_catalogue_of_the_previous_schema_is_upgraded_in_place_and_keeps_its_documents(
    tmp_path: Path,
) -> None:
    archive = _catalogue(tmp_path, drop=("ocr_sources", "record_sources"))
    with Archive.open(archive) as opened:
        opened.reindex()
        hits = opened.search("chuyen doi so").hits
    assert _version(archive) == schema.SCHEMA_VERSION
    assert [hit.symbol for hit in hits][:1] == ["12-NQ/TU"]
    db = sqlite3.connect(archive / "catalog.sqlite")
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"ocr_sources", "record_sources"} <= tables
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_a_new_catalogue_has_every_table_an_upgraded_one_has(tmp_path: Path) -> None:
    upgraded = _catalogue(tmp_path, drop=("ocr_sources", "record_sources"))
    Catalog.open(upgraded / "catalog.sqlite").close()
    new = tmp_path / "new.sqlite"
    Catalog.open(new, create=True).close()

    def tables(path: Path) -> dict[str, str]:
        db = sqlite3.connect(path)
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        return {name: " ".join(sql.replace("IF NOT EXISTS ", "").split()) for name, sql in rows}

    assert tables(new) == tables(upgraded / "catalog.sqlite")


def test_a_catalogue_made_by_a_newer_release_is_refused_with_what_to_do(tmp_path: Path) -> None:
    archive = _catalogue(tmp_path, version=schema.SCHEMA_VERSION + 1)
    with pytest.raises(SchemaVersionError, match=r"newer archive-search.*upgrade archive-search"):
        Catalog.open(archive / "catalog.sqlite")
    assert _version(archive) == schema.SCHEMA_VERSION + 1  # left as it was


def test_a_failed_migration_leaves_the_catalogue_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(db: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    last = schema.MIGRATIONS[-1]
    monkeypatch.setattr(
        schema,
        "MIGRATIONS",
        (*schema.MIGRATIONS[:-1], schema.Migration(last.version, last.what, last.sql, broken)),
    )
    archive = _catalogue(tmp_path, drop=("ocr_sources", "record_sources"))
    with pytest.raises(sqlite3.OperationalError):
        Catalog.open(archive / "catalog.sqlite")
    assert _version(archive) == 2
    db = sqlite3.connect(archive / "catalog.sqlite")
    assert (
        db.execute("SELECT name FROM sqlite_master WHERE name = 'ocr_sources'").fetchone() is None
    )
