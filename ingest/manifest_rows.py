"""The manifest's rows applied to what an ingestion run reads and what the archive holds.

A row naming a file gives the metadata merged with what the file's text says (``merge_meta``),
also to the document an unchanged file or a copy holds; rows of one content take the highest
level any of them gives. A row without a file is a catalogue record: added, relabelled, and,
once the manifest no longer lists it, counted or pruned.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from archive_search.index.catalog import Catalog
from archive_search.index.records import DocumentMeta, Secrecy, StoredDocument
from archive_search.ingest.header import read_metadata
from archive_search.ingest.manifest import (
    Conflict,
    ManifestRow,
    combine,
    outside,
    read_manifest,
    with_level,
)
from archive_search.ingest.options import Failure, IngestOptions, IngestReport

log = logging.getLogger(__name__)
_PATH_YEAR_RE = re.compile(r"(?<!\d)(19\d\d|20[0-3]\d)(?!\d)")
FIRST_YEAR, LAST_YEAR = 1945, 2030


def year_from_path(path: Path) -> int | None:
    """The last 4-digit year (1945–2030) in a file's path, or None."""  # noqa: RUF002
    years = [int(found) for found in _PATH_YEAR_RE.findall(str(path))]
    plausible = [year for year in years if FIRST_YEAR <= year <= LAST_YEAR]
    return plausible[-1] if plausible else None


def merge_meta(
    extracted: DocumentMeta,
    manifest: DocumentMeta | None,
    fond: str | None,
    path: Path | None = None,
) -> DocumentMeta:
    """A document's metadata from the manifest and the text, each value keeping its source.

    Manifest values win over values read from the text, except a lower secrecy level than the text's
    (the higher wins).

    The year comes from the manifest, else the header's date, else the file's path.
    """
    merged = replace(extracted, extra=dict(extracted.extra), sources=dict(extracted.sources))
    if manifest is not None:
        for name in manifest.sources:
            setattr(merged, name, getattr(manifest, name))
            merged.sources[name] = "manifest"
        merged.extra.update(manifest.extra)
    if extracted.secrecy.rank > merged.secrecy.rank:  # a lower manifest level never hides a mark
        merged.secrecy = extracted.secrecy
        merged.sources["secrecy"] = extracted.sources.get("secrecy", "text")
    if fond and not merged.fond:
        merged.fond, merged.sources["fond"] = fond, "option"
    if merged.year is None and path is not None and (year := year_from_path(path)) is not None:
        merged.year, merged.sources["year"] = year, "path"
    return merged


class RowApplier:
    """One run's manifest rows applied to the catalogue; what they change is told in ``report``."""

    def __init__(
        self,
        catalog: Catalog,
        options: IngestOptions,
        report: IngestReport,
        *,
        stage: Callable[[int], None],
        stop_if_asked: Callable[[], None],
    ) -> None:
        self.catalog, self.options, self.report = catalog, options, report
        self._stage, self._stop_if_asked = stage, stop_if_asked
        self.refused: set[Path] = set()  # files whose manifest row could not be used
        self._rows_failed = False  # a record row could not be read: records are not settled

    def usable_rows(self, paths: Sequence[Path]) -> list[ManifestRow]:
        """The manifest's usable rows.

        A row that cannot be read, or (unless allowed) names a file outside the manifest's folder
        and the paths given, is a failure, and its file is not read in this run.
        """
        manifest = self.options.manifest
        if manifest is None:
            return []
        roots = [manifest.resolve().parent, *(path.resolve() for path in paths)]
        usable = []
        for row in read_manifest(manifest):
            reason = row.error
            if reason is None and not self.options.allow_outside_paths and outside(row, roots):
                reason = (
                    f"{manifest}, line {row.line}: the file is outside the manifest's folder "
                    "and the paths given: move it, give its folder, or use --allow-outside-paths"
                )
            if reason is None:
                usable.append(row)
                continue
            self._rows_failed |= row.path is None
            if row.path is not None:
                self.refused.add(row.path)
            self._report_failure(str(row.path or manifest), reason)
        return usable

    def conflicts(self, found: Sequence[Conflict]) -> None:
        for conflict in found:
            log.warning("conflict: %s: %s", conflict.path, conflict.reason)
        self.report.conflicts.extend(found)

    def level_copies(self, files: list[tuple[Path, str]], by_path: dict[Path, ManifestRow]) -> None:
        """Raise each row to the highest level the rows of the same content give.

        A file listed public and its copy listed mat are one document, at mat; each raise is a
        conflict.
        """
        levels: dict[str, tuple[Secrecy, Path]] = {}
        for path, digest in files:
            if (row := by_path.get(path)) is not None and "secrecy" in row.meta.sources:
                held = levels.get(digest)
                if held is None or row.meta.secrecy.rank > held[0].rank:
                    levels[digest] = (row.meta.secrecy, path)
        for path, digest in files:
            row = by_path.get(path)
            if row is None or digest not in levels:
                continue
            level, source = levels[digest]
            if level.rank > row.meta.secrecy.rank:
                by_path[path] = replace(row, meta=with_level(row.meta, level))
                self.conflicts(
                    [
                        Conflict(
                            str(path),
                            f"listed {row.meta.secrecy.value} but the same content, {source}, "
                            f"is listed {level.value}: the higher kept",
                        )
                    ]
                )

    def apply_row(self, path: Path, row: ManifestRow, *, held_as: str) -> None:
        """A manifest row applied to the document an unchanged file holds.

        Its metadata when the file is the document's own (``done``), only a higher level when it is
        a copy.
        """
        doc_id = self.catalog.document_of_file(str(path))
        stored = self.catalog.document_by_id(doc_id) if doc_id else None
        if stored is None:
            return
        if held_as == "duplicate":
            if "secrecy" in row.meta.sources and row.meta.secrecy.rank > stored.meta.secrecy.rank:
                self._relabel(stored, with_level(stored.meta, row.meta.secrecy))
            return
        if not _manifest_changed(stored.meta, row.meta):
            return
        pages = self.catalog.pages(stored.num)
        fond = self.options.fond or (
            stored.meta.fond if stored.meta.sources.get("fond") == "option" else None
        )
        extracted = text_metadata(
            [page.text for page in pages], stored.meta.extra.get("encoding", "")
        )
        self._relabel(stored, self.merged(extracted, row, fond, path))

    def merged(
        self, extracted: DocumentMeta, row: ManifestRow | None, fond: str | None, path: Path
    ) -> DocumentMeta:
        """``merge_meta``, reporting a manifest level lower than the header's as a conflict."""
        meta = merge_meta(extracted, row.meta if row else None, fond, path)
        if row is not None and "secrecy" in row.meta.sources and meta.secrecy != row.meta.secrecy:
            self.conflicts(
                [
                    Conflict(
                        str(path),
                        f"the manifest (line {row.line}) gives {row.meta.secrecy.value}, the "
                        f"document's header {meta.secrecy.value}: the higher kept",
                    )
                ]
            )
        return meta

    def _relabel(self, stored: StoredDocument, meta: DocumentMeta) -> None:
        """Give a held document or record new metadata; it is indexed again before the run ends."""
        if meta == stored.meta:
            return
        with self.catalog.transaction():
            num = self.catalog.set_metadata(stored.id, meta)
        if num is None:
            return
        self.report.updated += 1
        if meta.secrecy != stored.meta.secrecy:
            log.info(
                "%s: secrecy %s → %s", stored.id, stored.meta.secrecy.value, meta.secrecy.value
            )
            if stored.kind == "record":
                self.report.reclassified_records += 1
            else:
                self.report.reclassified_documents += 1
        self._stage(num)

    def add_records(self, rows: list[ManifestRow]) -> None:
        """Add the manifest's records (rows without a file) that the catalogue lacks.

        Then settle what it no longer lists (see ``_settle_records``).
        """
        listed = []
        for row in self._combined_records(rows):
            self._stop_if_asked()
            held = self._held_record(row.meta)
            if held is None:
                held = _record_id(row.meta)
                with self.catalog.transaction():
                    num = self.catalog.put_document(
                        held, kind="record", source="", meta=row.meta, pages=[]
                    )
                self._stage(num)
                self.report.records += 1
            elif (stored := self.catalog.document_by_id(held)) is not None:
                self._relabel(stored, row.meta)  # reclassified, say: a record's id has no level
            listed.append(held)
        if self.options.manifest is not None and not self._rows_failed:
            self._settle_records(str(self.options.manifest.resolve()), listed)
        elif self._rows_failed:
            log.info("records no longer listed are not looked for: some record rows failed")

    def _combined_records(self, rows: list[ManifestRow]) -> list[ManifestRow]:
        """One row per record: the lines naming the same record combined (highest level)."""
        lines: dict[str, list[ManifestRow]] = {}
        for row in rows:
            lines.setdefault(_record_id(row.meta), []).append(row)
        combined = []
        for named in lines.values():
            row, conflict = combine(
                named, f"{self.options.manifest}, record {named[0].meta.title!r}"
            )
            combined.append(row)
            if conflict is not None:
                self.conflicts([conflict])
        return combined

    def _settle_records(self, manifest: str, listed: list[str]) -> None:
        """Records that ``manifest`` listed when last ingested and lists no more.

        A row edited is another record; a row deleted is none. They are removed with ``prune``, else
        counted.
        """
        with self.catalog.transaction():
            self._adopt_renamed(manifest, listed)
            gone = sorted(set(self.catalog.records_listed_by(manifest)) - set(listed))
            self.catalog.claim_records(manifest, listed)
            if self.options.prune:
                self.catalog.forget_records(gone)
                self.report.pruned_records = len(gone)
            else:
                self.report.unlisted_records = len(gone)
        if gone and not self.options.prune:
            log.info(
                "%d records of %s are no longer in it: --prune removes them", len(gone), manifest
            )

    def _adopt_renamed(self, manifest: str, listed: list[str]) -> None:
        """The records of a vanished catalogue file, when ``manifest`` lists some of them.

        That file was renamed or moved to ``manifest``, so the records it listed and ``manifest``
        does not are found too. (A file that still exists is another catalogue.)
        """
        wanted = set(listed)
        for other in self.catalog.record_catalogues():
            if (
                other != manifest
                and not Path(other).exists()
                and wanted.intersection(self.catalog.records_listed_by(other))
            ):
                log.info(
                    "catalogue %s is gone and %s lists its records: taken as renamed",
                    other,
                    manifest,
                )
                self.catalog.move_records(other, manifest)

    def _held_record(self, meta: DocumentMeta) -> str | None:
        """The id under which the catalogue holds this record already, if it does.

        A manifest ingested again, a row repeated: its id, or the id of ingestions before placement
        was part of it, with the same placement.
        """
        if self.catalog.document_by_id(record_id := _record_id(meta)) is not None:
            return record_id
        earlier = self.catalog.document_by_id(_unplaced_record_id(meta))
        return (
            earlier.id
            if earlier is not None and _placement(earlier.meta) == _placement(meta)
            else None
        )

    def _report_failure(self, path: str, reason: str) -> None:
        """A failure the catalogue does not record (a manifest row that cannot be used)."""
        log.warning("failed: %s: %s", path, reason)
        self.report.failures.append(Failure(path, reason))


def text_metadata(pages: Sequence[str], encodings: str) -> DocumentMeta:
    """What a document's own text says of it: its header, its signer, its legacy encodings."""
    meta = read_metadata([text for text in pages if text.strip()])
    if encodings:
        meta.extra["encoding"] = encodings
        meta.sources["encoding"] = "text"
    return meta


def _manifest_changed(held: DocumentMeta, given: DocumentMeta) -> bool:
    """Whether a manifest row says other than what a held document took from the manifest."""
    taken = {
        name: getattr(held, name) for name, source in held.sources.items() if source == "manifest"
    }
    said = {name: getattr(given, name) for name in given.sources}
    return taken != said or any(held.extra.get(key) != value for key, value in given.extra.items())


def _record_id(meta: DocumentMeta) -> str:
    """A catalogue record's id: where it is kept and what it says.

    Where: fond, inventory, box, file; what: symbol, title, date. Files of one box often share a
    title (``Tập công văn đi năm 2015``).
    """
    return _hashed_id(*_placement(meta), meta.symbol, meta.title, meta.date)


def _unplaced_record_id(meta: DocumentMeta) -> str:
    """The id a record had before its placement was part of it.

    Two files of one fond with the same title, symbol and date had one id, and the second was taken
    for the first.
    """
    return _hashed_id(meta.fond, meta.symbol, meta.title, meta.date)


def _placement(meta: DocumentMeta) -> tuple[str, str, str, str]:
    return meta.fond, meta.inventory, meta.box, meta.file_no


def _hashed_id(*parts: str) -> str:
    return "rec-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
