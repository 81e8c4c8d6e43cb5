"""The manifest: metadata for files, and catalogue records that have no file.

A CSV file, or an Excel workbook (``.xlsx``: its first sheet, title rows above the column
names skipped), as catalogues (mục lục hồ sơ) are kept. Column names may be English or Vietnamese, with or
without diacritics, in any case (``số ký hiệu``, ``So ky hieu``, ``symbol``); a CSV may start
with a UTF-8 BOM (Excel's "CSV UTF-8"). Dates are ISO (``2019-03-15``), Vietnamese
(``15/3/2019``) or, in a workbook, date cells.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from archive_search.index.analysis import fold
from archive_search.index.errors import ManifestError
from archive_search.index.records import DocumentMeta, Secrecy

_FIELDS = (
    "fond",
    "inventory",
    "box",
    "file_no",
    "symbol",
    "doc_type",
    "issuer",
    "date",
    "title",
    "urgency",
    "signer",
)
# Folded column names (no diacritics, lower case, single spaces) → field names.
_ALIASES = {
    "file": "file_no",
    "file no": "file_no",
    "ho so": "file_no",
    "so ho so": "file_no",
    "ma ho so": "file_no",
    "phong": "fond",
    "phong luu tru": "fond",
    "ma phong": "fond",
    "muc luc": "inventory",
    "muc luc ho so": "inventory",
    "so muc luc": "inventory",
    "muc luc so": "inventory",
    "hop": "box",
    "hop cap": "box",
    "hop so": "box",
    "cap": "box",
    "so ky hieu": "symbol",
    "so va ky hieu": "symbol",
    "ky hieu": "symbol",
    "ngay": "date",
    "ngay thang": "date",
    "ngay van ban": "date",
    "ngay ban hanh": "date",
    "trich yeu": "title",
    "trich yeu noi dung": "title",
    "tieu de": "title",
    "co quan ban hanh": "issuer",
    "tac gia": "issuer",
    "type": "doc_type",
    "doc type": "doc_type",
    "loai": "doc_type",
    "loai van ban": "doc_type",
    "ten loai": "doc_type",
    "the loai": "doc_type",
    "do mat": "secrecy",
    "do khan": "urgency",
    "nguoi ky": "signer",
    "so trang": "pages",
    "so to": "pages",
    "duong dan": "path",
    "tep": "path",
    "ten tep": "path",
    "nam": "year",
    # A catalogue of files (mục lục hồ sơ): a file's title, its number, when its papers begin.
    "tieu de ho so": "title",
    "ho so so": "file_no",
    "thoi gian bat dau": "date",
}
_KNOWN = {"path", "year", "secrecy", *_FIELDS}
_YEAR_RE = re.compile(r"(1[89]\d\d|20\d\d)")
_URGENCY = {"khan": "khan", "thuong khan": "thuong-khan", "hoa toc": "hoa-toc"}
_VIETNAMESE_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def column_name(header: str) -> str:
    """The field a manifest column fills: ``Số ký hiệu`` and ``so_ky_hieu`` both give ``symbol``."""
    key = " ".join(fold(header).replace("_", " ").replace("/", " ").replace(",", " ").split())
    return _ALIASES.get(key, key.replace(" ", "_"))


def _iso_date(value: str, where: str) -> str:
    """``15/3/2019`` → ``2019-03-15``; ISO dates and bare years are kept."""
    match = _VIETNAMESE_DATE_RE.match(value)
    if match is None:
        return value
    day, month, year = (int(part) for part in match.groups())
    try:  # 31/02/2019 is no day: a row with an impossible date fails rather than store it
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        raise ManifestError(f"{where}: date {value!r} is not a day/month/year date") from None


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
    clean = {key: (value or "").strip() for key, value in values.items() if key}
    meta = DocumentMeta()
    for name in _FIELDS:
        setattr(meta, name, clean.get(name, ""))
    meta.date = _iso_date(meta.date, where)
    meta.urgency = _URGENCY.get(fold(meta.urgency), meta.urgency)
    meta.year = _year(clean.get("year", ""), meta.date, where)
    try:
        meta.secrecy = Secrecy.parse(clean.get("secrecy", ""))
    except ValueError as exc:
        raise ManifestError(f"{where}: {exc}") from exc
    meta.extra = {key: value for key, value in clean.items() if key not in _KNOWN and value}
    meta.sources = {name: "manifest" for name in (*_FIELDS, "year", "secrecy") if clean.get(name)}
    raw_path = clean.get("path", "")
    return ManifestRow(line, _on_disk((base / raw_path).resolve()) if raw_path else None, meta)


def _on_disk(path: Path) -> Path:
    """``path`` as the file system spells it: a name typed in composed Unicode (NFC) names a
    file that macOS, or a copy from it, stored decomposed (NFD), and the other way round."""
    if path.exists():
        return path
    for form in ("NFC", "NFD"):
        spelled = Path(unicodedata.normalize(form, str(path)))
        if spelled.exists():
            return spelled
    return path


def read_manifest(path: Path) -> list[ManifestRow]:
    """Every row of a manifest; ``path`` values are relative to the manifest's folder."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(path)
    if suffix in (".xls", ".ods"):
        raise ManifestError(
            f"cannot read {suffix} manifests: save it as .xlsx or as CSV UTF-8", path=path
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [column_name(name) for name in reader.fieldnames or []]
            if not _is_header(columns):
                raise ManifestError(_NO_HEADER, path=path)
            reader.fieldnames = columns
            return [
                _row(number, row, path.parent, f"{path}, line {number}")
                for number, row in enumerate(reader, start=2)
                if any(
                    isinstance(value, str) and value.strip() for value in row.values()
                )  # not a line of commas
            ]
    except FileNotFoundError as exc:
        raise ManifestError("manifest not found", path=path) from exc
    except UnicodeDecodeError as exc:
        raise ManifestError("manifest is not UTF-8: save it as CSV UTF-8", path=path) from exc
    except csv.Error as exc:
        raise ManifestError(f"manifest is not valid CSV ({exc})", path=path) from exc


_TITLE_ROWS = 10  # rows a sheet may have above its column names (a catalogue's title, say)
_NO_HEADER = (
    "manifest has no 'path' (đường dẫn) column, nor, for a catalogue of records only, a 'title' "
    "(tiêu đề) column beside others such as 'fond' (phông) or 'file_no' (hồ sơ số)"
)


def _is_header(columns: list[str]) -> bool:
    """Column names of a manifest: with a path column (files, and records in rows without a
    path), or of a catalogue of records only: a title and at least one other known column (so
    a sheet's title, ``Mục lục hồ sơ`` alone, is not taken for them)."""
    known = _KNOWN.intersection(columns)
    return "path" in known or ("title" in known and len(known) > 1)


def _header_row(rows: list[list[str]]) -> int | None:
    """Which of a sheet's first rows holds its column names: the first with a path column,
    else the first that names a catalogue's records."""
    with_path = [at for at, columns in enumerate(rows) if "path" in columns]
    if with_path:
        return with_path[0]
    return next((at for at, columns in enumerate(rows) if _is_header(columns)), None)


def _read_workbook(path: Path) -> list[ManifestRow]:
    """The rows of a workbook's first sheet below its column names: of the first few rows that
    are not empty, the first with a path column, else (a catalogue of records) the first with
    a title and another known column (those above it are titles)."""
    import openpyxl  # here: only ingestions with such a manifest pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise ManifestError("manifest not found", path=path) from exc
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ManifestError(
            f"manifest is not a readable .xlsx workbook ({exc})", path=path
        ) from exc
    try:
        sheet = book.worksheets[0]
        lines = (
            (number, [_cell(value) for value in row])
            for number, row in enumerate(sheet.values, start=1)
        )
        filled = ((number, row) for number, row in lines if any(row))
        top = list(itertools.islice(filled, _TITLE_ROWS))
        headers = [[column_name(name) for name in row] for _, row in top]
        at = _header_row(headers)
        if at is None:
            raise ManifestError(_NO_HEADER, path=path)
        columns, where = headers[at], f"{path}, sheet {sheet.title!r}, row"
        return [
            _row(number, dict(zip(columns, row, strict=False)), path.parent, f"{where} {number}")
            for number, row in itertools.chain(top[at + 1 :], filled)
        ]
    finally:
        book.close()


def _cell(value: object) -> str:
    """A cell as the CSV would hold it: a date cell in ISO form, ``12.0`` as ``12``."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
