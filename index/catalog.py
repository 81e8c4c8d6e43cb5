"""``catalog.sqlite``: the archive's source of truth.

Files (path, SHA-256, size, status, error), documents (metadata), pages (text and how it was
obtained), and the OCR cache (page-image hash → tesseract's text). The tantivy index is derived
from it and can always be rebuilt from it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from archive_search.index import boxes, schema
from archive_search.index.errors import ArchiveError, SchemaVersionError
from archive_search.index.records import (
    DocumentMeta,
    DocumentSummary,
    PageMethod,
    PageText,
    Secrecy,
    StoredDocument,
    WordBox,
)
from archive_search.index.segment import compounds

_PAGES_PER_QUERY = 5_000
_PAGE_COLUMNS = "pages.page, text, method, confidence, error, words, read"


@dataclass(frozen=True, slots=True)
class OcrEntry:
    """What tesseract read on a page image, as the OCR cache keeps it: all a page stores of it."""

    image_hash: str
    text: str
    confidence: float | None
    read: str | None  # the text as tesseract read it, when the correction changed it
    boxes: tuple[WordBox, ...]


# An entry cached before the cache kept boxes (schema version 5 and older) has none: such an
# entry is not used, so its page is read again and stored in full.
_OCR_ENTRY_COLUMNS = "c.image_hash, c.text, c.confidence, c.read, c.words, c.boxes"

_META_COLUMNS = [
    "title",
    "symbol",
    "doc_type",
    "issuer",
    "fond",
    "inventory",
    "box",
    "file_no",
    "date",
    "year",
    "secrecy",
    "urgency",
    "issuer_name",
    "place",
    "term",
    "signer",
]

_SUMMARY_COLUMNS = [field.name for field in fields(DocumentSummary)]  # the same names in the table


def _meta_values(meta: DocumentMeta) -> tuple[object, ...]:
    """The values of ``_META_COLUMNS``, ``extra``, ``sources`` and ``title_words`` for ``meta``."""
    values = {column: getattr(meta, column) for column in _META_COLUMNS}
    values["secrecy"] = meta.secrecy.value
    return (
        *values.values(),
        json.dumps(meta.extra, ensure_ascii=False),
        json.dumps(meta.sources, ensure_ascii=False),
        " ".join(compounds(meta.title)),
    )


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _locked(
    method: Callable[Concatenate[Catalog, _P], _R],
) -> Callable[Concatenate[Catalog, _P], _R]:
    """A read that holds the catalogue's lock: searches on several threads share one connection."""

    def locked(self: Catalog, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self.lock:
            return method(self, *args, **kwargs)

    locked.__name__, locked.__doc__ = method.__name__, method.__doc__
    return locked


def _levels(clearance: Secrecy) -> list[str]:
    """The secrecy values a reader at ``clearance`` may see."""
    return [level.value for level in Secrecy if level.rank <= clearance.rank]


def _in(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class Catalog:
    """A connection to ``catalog.sqlite``; one writer at a time, any number of readers."""

    def __init__(
        self, connection: sqlite3.Connection, path: Path, *, readonly: bool = False
    ) -> None:
        self._db = connection
        self.path = path
        self.readonly = readonly  # opened without write access: searching works, writing fails
        # The one connection is shared by a search's threads: each read holds this (reentrant:
        # a read may call another).
        self.lock = threading.RLock()

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Catalog:
        """Open the catalogue at ``path`` (``create``: a new catalogue when there is none).

        A catalogue this process cannot write (a reading-room copy, another account's archive) opens
        read-only.
        """
        if not path.exists() and not create:
            raise ArchiveError("catalogue is missing", path=path)
        if not create and not _writable(path):
            return cls._open_readonly(path)
        try:
            db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.OperationalError as exc:
            if not _denied(exc):
                raise ArchiveError(f"catalogue is unreadable: {exc}", path=path) from exc
            if create:
                raise ArchiveError(_READ_ONLY, path=path) from exc
            return cls._open_readonly(path)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"catalogue is unreadable: {exc}", path=path) from exc
        catalog = cls(db, path)
        catalog._check_schema(create)
        return catalog

    @classmethod
    def _open_readonly(cls, path: Path) -> Catalog:
        """A read-only connection.

        SQLite reads a WAL-mode database read-only through its ``-shm`` file, which a folder the
        reader cannot write may lack: then, with no pending ``-wal`` either (the archive was closed
        cleanly), as an immutable file.
        """
        uri = path.resolve().as_uri()
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, check_same_thread=False)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            wal = path.with_name(path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise ArchiveError(
                    f"catalogue cannot be read without write access ({exc}): its last writes "
                    f"are still in {wal.name}; open the archive once with write access",
                    path=path,
                ) from exc
            db = sqlite3.connect(
                f"{uri}?mode=ro&immutable=1", uri=True, timeout=30, check_same_thread=False
            )
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"catalogue is unreadable: {exc}", path=path) from exc
        catalog = cls(db, path, readonly=True)
        catalog._check_schema(create=False)
        return catalog

    def _check_schema(self, create: bool) -> None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            row = None
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(
                f"catalogue is not a SQLite database: {exc}", path=self.path
            ) from exc
        if row is None:
            if not create:
                raise ArchiveError("catalogue has no schema version", path=self.path)
            schema.create(self._db)
        elif int(row[0]) != schema.SCHEMA_VERSION:
            if self.readonly:  # an upgrade writes
                raise SchemaVersionError(
                    f"catalogue has schema version {row[0]}, this archive-search reads version "
                    f"{schema.SCHEMA_VERSION}: it is upgraded when opened once with write access",
                    path=self.path,
                )
            schema.upgrade(self._db, int(row[0]), self.path)

    def close(self) -> None:
        self._db.close()

    # ---- files ---------------------------------------------------------------------------

    def file_state(self, path: str) -> tuple[str, str | None] | None:
        """(status, sha256) of a file path seen before, or None."""
        row = self._db.execute(
            "SELECT status, sha256 FROM files WHERE path = ?", (path,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def document_for_sha(self, sha256: str) -> str | None:
        row = self._db.execute(
            "SELECT document_id FROM files WHERE sha256 = ? AND status = 'done'", (sha256,)
        ).fetchone()
        return str(row[0]) if row else None

    def record_file(
        self,
        path: str,
        *,
        sha256: str | None,
        size: int | None,
        status: str,
        error: str | None = None,
        document_id: str | None = None,
        secrecy: Secrecy = Secrecy.PUBLIC,
    ) -> None:
        """Record a file's outcome.

        ``secrecy``: the level its manifest row gives (what ``failures`` shows a failed file without
        a document at).
        """
        held, before = self._document_and_digest(path)
        self._db.execute(
            "INSERT INTO files"
            " (path, sha256, size, status, error, document_id, updated_at, secrecy)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET"
            " sha256 = excluded.sha256, size = excluded.size, status = excluded.status,"
            " error = excluded.error, document_id = excluded.document_id,"
            " updated_at = excluded.updated_at, secrecy = excluded.secrecy",
            (path, sha256, size, status, error, document_id, _now(), secrecy.value),
        )
        if (
            held is not None and held != document_id
        ):  # the file changed: its old content may be gone
            self.release_document(held)
        if before is not None and before != sha256:
            self._forget_ocr_unless_held(before)

    def paths_with_status(self, status: str) -> list[str]:
        rows = self._db.execute("SELECT path FROM files WHERE status = ? ORDER BY path", (status,))
        return [str(row[0]) for row in rows]

    def all_paths(self) -> list[str]:
        return [str(row[0]) for row in self._db.execute("SELECT path FROM files ORDER BY path")]

    def document_of_file(self, path: str) -> str | None:
        row = self._db.execute("SELECT document_id FROM files WHERE path = ?", (path,)).fetchone()
        return str(row[0]) if row and row[0] else None

    def forget_file(self, path: str) -> None:
        """Remove a file's row (the file is gone) and release its document.

        The OCR cache forgets its pages unless another file has the same content.
        """
        held, digest = self._document_and_digest(path)
        self._db.execute("DELETE FROM files WHERE path = ?", (path,))
        if held is not None:
            self.release_document(held)
        if digest is not None:
            self._forget_ocr_unless_held(digest)

    def _document_and_digest(self, path: str) -> tuple[str | None, str | None]:
        """The document a file holds and its content's digest, as recorded (None where unknown)."""
        row = self._db.execute(
            "SELECT document_id, sha256 FROM files WHERE path = ?", (path,)
        ).fetchone()
        if row is None:
            return None, None
        return (str(row[0]) if row[0] else None), (str(row[1]) if row[1] else None)

    def _forget_ocr_unless_held(self, digest: str) -> None:
        """Forget the OCR of content ``digest``, unless a file still has that content.

        What is dropped: which images it showed, and what tesseract read on those images that no
        other file shows. (An entry cached before ``ocr_sources`` existed, which names no file,
        stays.)
        """
        if self._db.execute("SELECT 1 FROM files WHERE sha256 = ? LIMIT 1", (digest,)).fetchone():
            return
        images = self._db.execute(
            "SELECT DISTINCT image_hash FROM ocr_sources WHERE sha256 = ?", (digest,)
        ).fetchall()
        self._db.execute("DELETE FROM ocr_sources WHERE sha256 = ?", (digest,))
        self._db.executemany(
            "DELETE FROM ocr_cache WHERE image_hash = ?1"
            " AND NOT EXISTS (SELECT 1 FROM ocr_sources WHERE image_hash = ?1)",
            images,
        )

    def release_document(self, doc_id: str) -> None:
        """Delete a document that no file holds any more; a surviving duplicate takes it over.

        The number of a deleted document stays in ``removed`` until the index has dropped it
        too (``clear_removed``), so a run killed in between leaves nothing stale behind.
        """
        holders = self._db.execute(
            "SELECT path, status FROM files WHERE document_id = ? ORDER BY path", (doc_id,)
        ).fetchall()
        if any(status != "duplicate" for _, status in holders):
            return
        if holders:
            self._db.execute("UPDATE files SET status = 'done' WHERE path = ?", (holders[0][0],))
            self._db.execute(
                "UPDATE documents SET source = ?, indexed = 0 WHERE id = ?", (holders[0][0], doc_id)
            )
            return
        self._delete(doc_id, kind="document")

    def _delete(self, doc_id: str, *, kind: str) -> None:
        """Delete a document or record, its number kept in ``removed`` until the index drops it."""
        row = self._db.execute(
            "SELECT num FROM documents WHERE id = ? AND kind = ?", (doc_id, kind)
        ).fetchone()
        if row is not None:
            self._db.execute("DELETE FROM documents WHERE num = ?", (row[0],))
            self._db.execute("INSERT OR IGNORE INTO removed (num) VALUES (?)", (row[0],))

    def removed(self) -> list[int]:
        """Numbers of documents deleted from the catalogue and not yet from the index."""
        return [int(row[0]) for row in self._db.execute("SELECT num FROM removed ORDER BY num")]

    def clear_removed(self, nums: Iterable[int]) -> None:
        with self._db:
            self._db.executemany("DELETE FROM removed WHERE num = ?", [(n,) for n in nums])

    @_locked
    def failures(self, clearance: Secrecy = Secrecy.TUYET_MAT) -> list[tuple[str, str]]:
        """(path, reason) of every failed file that a reader at ``clearance`` may see.

        A file whose last ingestion failed is at its document's level (some pages failed), else at
        the level its manifest row gave it.
        """
        levels = _levels(clearance)
        rows = self._db.execute(
            "SELECT f.path, f.error FROM files f LEFT JOIN documents d ON d.id = f.document_id"
            f" WHERE f.status = 'failed' AND coalesce(d.secrecy, f.secrecy) IN ({_in(levels)})"
            " ORDER BY f.path",
            levels,
        ).fetchall()
        return [(str(path), str(error or "")) for path, error in rows]

    # ---- documents and pages -------------------------------------------------------------

    def put_document(
        self, doc_id: str, *, kind: str, source: str, meta: DocumentMeta, pages: Sequence[PageText]
    ) -> int:
        """Insert or replace a document and its pages; returns its number."""
        row = self._db.execute("SELECT num FROM documents WHERE id = ?", (doc_id,)).fetchone()
        params = (kind, source, *_meta_values(meta))
        columns = ["kind", "source", *_META_COLUMNS, "extra", "sources", "title_words"]
        if row:
            num = int(row[0])
            assignments = ", ".join(f"{column} = ?" for column in columns)
            self._db.execute(
                f"UPDATE documents SET {assignments}, indexed = 0 WHERE num = ?", (*params, num)
            )
            self._db.execute("DELETE FROM pages WHERE document_num = ?", (num,))
            self._db.execute("DELETE FROM page_boxes WHERE document_num = ?", (num,))
        else:
            marks = ", ".join("?" for _ in range(len(columns) + 1))
            cursor = self._db.execute(
                f"INSERT INTO documents (id, {', '.join(columns)}) VALUES ({marks})",
                (doc_id, *params),
            )
            num = int(cursor.lastrowid or 0)
        self._db.executemany(
            "INSERT INTO pages (document_num, page, text, method, confidence, error, words, read)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (num, p.number, p.text, p.method.value, p.confidence, p.error, p.words, p.read)
                for p in pages
            ],
        )
        self.put_boxes(num, {p.number: p.boxes for p in pages if p.boxes is not None})
        return num

    # ---- word boxes ---------------------------------------------------------------------

    def put_boxes(self, document_num: int, pages: Mapping[int, Sequence[WordBox]]) -> None:
        """Keep the word boxes of some pages of a document (replacing any they had)."""
        self._db.executemany(
            "INSERT OR REPLACE INTO page_boxes (document_num, page, words, boxes)"
            " VALUES (?, ?, ?, ?)",
            [(document_num, page, *boxes.encode(found)) for page, found in pages.items()],
        )

    @_locked
    def page_boxes(self, document_num: int, page: int) -> tuple[WordBox, ...] | None:
        """The word boxes of a page; None when they are not known (see ``pages_without_boxes``)."""
        row = self._db.execute(
            "SELECT words, boxes FROM page_boxes WHERE document_num = ? AND page = ?",
            (document_num, page),
        ).fetchone()
        return None if row is None else boxes.decode(str(row[0]), bytes(row[1]))

    def pages_without_boxes(self) -> dict[int, list[int]]:
        """{document number: page numbers} of the pages whose word boxes are not known.

        Text-layer and OCR pages ingested before word boxes were kept.
        """
        rows = self._db.execute(
            "SELECT p.document_num, p.page FROM pages p LEFT JOIN page_boxes b"
            " ON b.document_num = p.document_num AND b.page = p.page"
            " WHERE b.page IS NULL AND p.method IN ('text', 'ocr') ORDER BY 1, 2"
        )
        missing: dict[int, list[int]] = {}
        for num, page in rows:
            missing.setdefault(int(num), []).append(int(page))
        return missing

    def set_metadata(self, doc_id: str, meta: DocumentMeta) -> int | None:
        """Replace the metadata of the document or record ``doc_id``, its pages kept.

        It is indexed again by the next flush. Return its number, or None when there is none.
        """
        row = self._db.execute("SELECT num FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        columns = [*_META_COLUMNS, "extra", "sources", "title_words"]
        assignments = ", ".join(f"{column} = ?" for column in columns)
        self._db.execute(
            f"UPDATE documents SET {assignments}, indexed = 0 WHERE num = ?",
            (*_meta_values(meta), row[0]),
        )
        return int(row[0])

    def put_ocr(self, pages: Iterable[PageText], digest: str | None = None) -> None:
        """Remember what tesseract read on each page image, by the image's hash.

        Given the file's ``digest``, remember too which image each page of that file showed.
        """
        read = [page for page in pages if page.image_hash]
        self._db.executemany(
            "INSERT INTO ocr_cache (image_hash, text, confidence, read, words, boxes)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (image_hash) DO UPDATE SET"
            " text = excluded.text, confidence = excluded.confidence, read = excluded.read,"
            " words = excluded.words, boxes = excluded.boxes WHERE ocr_cache.boxes IS NULL",
            [
                (p.image_hash, p.text, p.confidence, p.read, *boxes.encode(p.boxes or ()))
                for p in read
                if not p.from_cache
            ],
        )
        if digest is not None:
            self._db.executemany(
                "INSERT OR REPLACE INTO ocr_sources (sha256, page, image_hash) VALUES (?, ?, ?)",
                [(digest, p.number, p.image_hash) for p in read],
            )

    # ---- catalogue records and the catalogues that list them -------------------------------

    def claim_records(self, manifest: str, doc_ids: Iterable[str]) -> None:
        """Note that the catalogue ``manifest`` lists the records ``doc_ids``.

        It takes them from another catalogue that listed them before.
        """
        self._db.executemany(
            "INSERT OR REPLACE INTO record_sources (document_id, manifest) VALUES (?, ?)",
            [(doc_id, manifest) for doc_id in doc_ids],
        )

    def records_listed_by(self, manifest: str) -> list[str]:
        """Ids of the records the catalogue ``manifest`` listed when it was last ingested."""
        rows = self._db.execute(
            "SELECT document_id FROM record_sources WHERE manifest = ? ORDER BY 1", (manifest,)
        )
        return [str(row[0]) for row in rows]

    def record_catalogues(self) -> list[str]:
        """Every catalogue file that lists records (as ``claim_records`` was told it)."""
        return [
            str(row[0])
            for row in self._db.execute("SELECT DISTINCT manifest FROM record_sources ORDER BY 1")
        ]

    def move_records(self, old: str, new: str) -> None:
        """The records the catalogue ``old`` listed are ``new``'s (``old`` was renamed)."""
        self._db.execute("UPDATE record_sources SET manifest = ? WHERE manifest = ?", (new, old))

    def remove(self, doc_id: str) -> bool:
        """Delete the document or record ``doc_id`` and the rows of every file holding it.

        Ingesting such a file again adds it back. False when the catalogue has none.
        """
        row = self._db.execute("SELECT kind FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return False
        if row[0] == "record":
            self.forget_records([doc_id])
            return True
        holders = self._db.execute(
            "SELECT path FROM files WHERE document_id = ?", (doc_id,)
        ).fetchall()
        for (path,) in holders:  # the last one forgotten deletes the document
            self.forget_file(str(path))
        self._delete(doc_id, kind="document")  # when no file row held it
        return True

    def forget_records(self, doc_ids: Iterable[str]) -> None:
        """Delete catalogue records (the index drops them with the next ``removed``)."""
        for doc_id in doc_ids:
            self._delete(doc_id, kind="record")
            self._db.execute("DELETE FROM record_sources WHERE document_id = ?", (doc_id,))

    def cached_ocr(self, digest: str, pages: tuple[int, int] | None = None) -> tuple[OcrEntry, ...]:
        """The OCR cache entries of file ``digest`` (of its ``pages``, first to last, if any)."""
        first, last = pages or (1, 2**31)
        rows = self._db.execute(
            f"SELECT {_OCR_ENTRY_COLUMNS} FROM ocr_sources s JOIN ocr_cache c USING (image_hash)"
            " WHERE s.sha256 = ? AND s.page BETWEEN ? AND ? AND c.boxes IS NOT NULL"
            " ORDER BY s.page",
            (digest, first, last),
        )
        return tuple(_ocr_entry(row) for row in rows)

    def transaction(self) -> sqlite3.Connection:
        """``with catalog.transaction():`` commits on success, rolls back on error."""
        return self._db

    def _document(self, row: sqlite3.Row | tuple[object, ...]) -> StoredDocument:
        (num, doc_id, kind, source, *meta_values, extra, sources, title_words, page_count) = row
        meta = DocumentMeta(**dict(zip(_META_COLUMNS, meta_values, strict=True)))
        meta.secrecy = Secrecy(str(meta.secrecy))
        meta.extra = json.loads(str(extra))
        meta.sources = json.loads(str(sources))
        return StoredDocument(
            int(str(num)),
            str(doc_id),
            str(kind),
            str(source),
            meta,
            int(str(page_count)),
            None if title_words is None else str(title_words),
        )

    _SELECT = (
        "SELECT d.num, d.id, d.kind, d.source, "
        + ", ".join(f"d.{column}" for column in _META_COLUMNS)
        + ", d.extra, d.sources, d.title_words,"
        " (SELECT count(*) FROM pages p WHERE p.document_num = d.num)"
        " FROM documents d"
    )

    @_locked
    def documents_by_num(self, nums: Iterable[int]) -> dict[int, StoredDocument]:
        wanted = list(nums)
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        rows = self._db.execute(f"{self._SELECT} WHERE d.num IN ({marks})", wanted).fetchall()
        return {int(row[0]): self._document(row) for row in rows}

    @_locked
    def summaries(self, nums: Sequence[int]) -> dict[int, DocumentSummary]:
        """What search hits show of the documents ``nums``."""
        if not nums:
            return {}
        marks = ", ".join("?" for _ in nums)
        rows = self._db.execute(
            f"SELECT {', '.join(_SUMMARY_COLUMNS)} FROM documents WHERE num IN ({marks})",
            list(nums),
        )
        return {row[0]: DocumentSummary(*row) for row in rows}

    @_locked
    def document_by_id(
        self, doc_id: str, clearance: Secrecy = Secrecy.TUYET_MAT
    ) -> StoredDocument | None:
        """The document ``doc_id`` if a reader at ``clearance`` may see it.

        The level is checked in the query that reads the row, so a hidden id and a missing one cost
        the same.
        """
        levels = _levels(clearance)
        row = self._db.execute(
            f"{self._SELECT} WHERE d.id = ? AND d.secrecy IN ({_in(levels)})", (doc_id, *levels)
        ).fetchone()
        return self._document(row) if row else None

    def iter_documents(self) -> Iterator[StoredDocument]:
        for row in self._db.execute(f"{self._SELECT} ORDER BY d.num"):
            yield self._document(row)

    @_locked
    def document_nums(self, level: Secrecy | None = None) -> list[int]:
        """Every document's (and record's) number, in order; of one secrecy ``level`` if given."""
        if level is None:
            rows = self._db.execute("SELECT num FROM documents ORDER BY num")
        else:
            rows = self._db.execute(
                "SELECT num FROM documents WHERE secrecy = ? ORDER BY num", (level.value,)
            )
        return [int(row[0]) for row in rows]

    @_locked
    def documents_with_pages(
        self, nums: Sequence[int]
    ) -> list[tuple[StoredDocument, list[PageText]]]:
        """The documents ``nums`` (at most a few hundred) with their pages, in number order.

        Two queries, where a document at a time would be one query per document (reindex reads them
        all).
        """
        documents = self.documents_by_num(nums)
        pages: dict[int, list[PageText]] = {num: [] for num in documents}
        marks = ", ".join("?" for _ in nums)
        rows = self._db.execute(
            f"SELECT document_num, {_PAGE_COLUMNS} FROM pages WHERE document_num IN ({marks}) "
            "ORDER BY document_num, page",
            list(nums),
        )
        for num, *row in rows:
            pages[int(num)].append(_page(row))
        return [(documents[num], pages[num]) for num in sorted(documents)]

    @_locked
    def pages(self, document_num: int) -> list[PageText]:
        """Every page of a document, in order."""
        rows = self._db.execute(
            f"SELECT {_PAGE_COLUMNS} FROM pages WHERE document_num = ? ORDER BY page",
            (document_num,),
        ).fetchall()
        return [_page(row) for row in rows]

    @_locked
    def page_texts(self, wanted: dict[int, list[int]]) -> dict[int, list[tuple[int, str]]]:
        """(page number, text) of the pages ``wanted`` ({document number: page numbers}).

        By document, in page order: what a snippet needs (a page's other columns, its segmented
        words above all, would double what is read). One query per 5,000 pages (SQLite takes at most
        32,766 parameters).
        """
        pairs = sorted((num, page) for num, pages in wanted.items() for page in pages)
        found: dict[int, list[tuple[int, str]]] = {}
        for start in range(0, len(pairs), _PAGES_PER_QUERY):
            for num, page, text in self._texts_at(pairs[start : start + _PAGES_PER_QUERY]):
                found.setdefault(num, []).append((page, text))
        return found

    def _texts_at(self, pairs: list[tuple[int, int]]) -> Iterator[tuple[int, int, str]]:
        values = ", ".join("(?, ?)" for _ in pairs)
        rows = self._db.execute(
            f"WITH wanted (num, page) AS (VALUES {values}) "
            "SELECT document_num, pages.page, text "
            "FROM wanted JOIN pages"
            " ON pages.document_num = wanted.num AND pages.page = wanted.page "
            "ORDER BY document_num, pages.page",
            [value for pair in pairs for value in pair],
        )
        for num, page, text in rows:
            yield int(num), int(page), str(text)

    def unindexed(self) -> list[int]:
        """Numbers of documents committed to the catalogue but not yet to the index."""
        rows = self._db.execute("SELECT num FROM documents WHERE indexed = 0 ORDER BY num")
        return [int(row[0]) for row in rows]

    def mark_indexed(self, nums: Iterable[int]) -> None:
        with self._db:
            self._db.executemany(
                "UPDATE documents SET indexed = 1 WHERE num = ?", [(n,) for n in nums]
            )

    def mark_all_indexed(self) -> None:
        with self._db:
            self._db.execute("UPDATE documents SET indexed = 1")

    def mark_all_unindexed(self) -> None:
        with self._db:
            self._db.execute("UPDATE documents SET indexed = 0")

    @_locked
    def counts(self, clearance: Secrecy = Secrecy.TUYET_MAT) -> dict[str, int]:
        """Numbers of documents, records, pages, OCR'd pages and failed files.

        Those a reader at ``clearance`` may see.
        """
        levels = _levels(clearance)
        kinds = dict(
            self._db.execute(
                f"SELECT kind, count(*) FROM documents WHERE secrecy IN ({_in(levels)})"
                " GROUP BY kind",
                levels,
            ).fetchall()
        )
        pages, ocr_pages = self._db.execute(
            "SELECT count(*), coalesce(sum(p.method = 'ocr'), 0) FROM pages p"
            f" JOIN documents d ON d.num = p.document_num WHERE d.secrecy IN ({_in(levels)})",
            levels,
        ).fetchone()
        return {
            "documents": int(kinds.get("document", 0)),
            "records": int(kinds.get("record", 0)),
            "pages": int(pages),
            "ocr_pages": int(ocr_pages),
            "failed_files": len(self.failures(clearance)),
        }


_READ_ONLY = (
    "archive is read-only for this account: ingest, prune, remove and reindex need write "
    "access to the archive folder; searching works without it"
)


def _writable(path: Path) -> bool:
    """Whether this process may write the catalogue and create its journal files beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _denied(exc: sqlite3.OperationalError) -> bool:
    """An error of opening for writing what may only be read."""
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


def meta_as_dict(meta: DocumentMeta) -> dict[str, object]:
    """Metadata as plain JSON-ready values."""
    values = asdict(meta)
    values["secrecy"] = meta.secrecy.value
    return values


class OcrCacheReader:
    """Read-only access to the catalogue's OCR cache, for extraction workers (which never write)."""

    def __init__(self, path: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        if path is not None and path.exists():
            self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)

    def get(self, image_hash: str) -> OcrEntry | None:
        """What is cached for an image, or None (also for an entry without boxes: see above)."""
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                f"SELECT {_OCR_ENTRY_COLUMNS} FROM ocr_cache c"
                " WHERE c.image_hash = ? AND c.boxes IS NOT NULL",
                (image_hash,),
            ).fetchone()
        except sqlite3.DatabaseError:
            return None  # a cache that cannot be read is only a missed shortcut
        return _ocr_entry(row) if row else None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def _ocr_entry(row: Sequence[object]) -> OcrEntry:
    """An ``OcrEntry`` from a row of ``_OCR_ENTRY_COLUMNS``."""
    key, text, confidence, read, words, packed = row
    return OcrEntry(
        str(key),
        str(text),
        None if confidence is None else float(str(confidence)),
        None if read is None else str(read),
        boxes.decode(str(words or ""), packed if isinstance(packed, bytes) else b""),
    )


def _page(row: Sequence[object]) -> PageText:
    """A ``PageText`` from a row of ``_PAGE_COLUMNS``."""
    number, text, method, confidence, error, words, read = row
    return PageText(
        int(str(number)),
        str(text),
        PageMethod(str(method)),
        None if confidence is None else float(str(confidence)),
        error=None if error is None else str(error),
        words=None if words is None else str(words),
        read=None if read is None else str(read),
    )
