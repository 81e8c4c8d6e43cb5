"""The manifest CSV: metadata for files, and catalogue records that have no file."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from index.errors import ManifestError
from index.records import DocumentMeta, Secrecy

_FIELDS = ("fond", "inventory", "box", "file_no", "symbol", "doc_type", "issuer", "date", "title")
_ALIASES = {"file": "file_no"}
_KNOWN = {"path", "year", "secrecy", *_FIELDS, *_ALIASES}
_YEAR_RE = re.compile(r"(1[89]\d\d|20\d\d)")


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """One manifest line: a file's metadata (``path`` set) or a catalogue record (``path`` None)."""

    line: int
    path: Path | None
    meta: DocumentMeta


def _year(value: str, date: str, where: str) -> int | None:
    text = value.strip() or date
    if not text:
        return None
    match = _YEAR_RE.search(text)
    if match is None:
        raise ManifestError(f"{where}: year {text!r} is not a year between 1800 and 2099")
    return int(match.group(1))


def _row(line: int, values: dict[str, str], base: Path, where: str) -> ManifestRow:
    clean = {(_ALIASES.get(key, key)): value.strip() for key, value in values.items() if key}
    meta = DocumentMeta()
    for name in _FIELDS:
        setattr(meta, name, clean.get(name, ""))
    meta.year = _year(clean.get("year", ""), meta.date, where)
    try:
        meta.secrecy = Secrecy.parse(clean.get("secrecy", ""))
    except ValueError as exc:
        raise ManifestError(f"{where}: {exc}") from exc
    meta.extra = {key: value for key, value in clean.items() if key not in _KNOWN and value}
    meta.sources = {name: "manifest" for name in (*_FIELDS, "year", "secrecy") if clean.get(name)}
    raw_path = clean.get("path", "")
    return ManifestRow(line, (base / raw_path).resolve() if raw_path else None, meta)


def read_manifest(path: Path) -> list[ManifestRow]:
    """Every row of a manifest; ``path`` values are relative to the CSV's folder."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "path" not in [f.strip().lower() for f in reader.fieldnames]:
                raise ManifestError("manifest has no 'path' column", path=path)
            reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
            return [
                _row(number, row, path.parent, f"{path}, line {number}")
                for number, row in enumerate(reader, start=2)
            ]
    except FileNotFoundError as exc:
        raise ManifestError("manifest not found", path=path) from exc
    except UnicodeDecodeError as exc:
        raise ManifestError("manifest is not UTF-8: save it as CSV UTF-8", path=path) from exc
    except csv.Error as exc:
        raise ManifestError(f"manifest is not valid CSV ({exc})", path=path) from exc
