"""The manifest: metadata for files, and catalogue records that have no file.

A CSV file, or an Excel workbook (``.xlsx``: its first sheet, title rows above the column
names skipped), as catalogues (mục lục hồ sơ) are kept. Column names may be English or
Vietnamese, with or without diacritics, in any case (``số ký hiệu``, ``So ky hieu``, ``symbol``);
a CSV may start with a UTF-8 BOM (Excel's "CSV UTF-8"). Dates are ISO (``2019-03-15``),
Vietnamese (``15/3/2019``) or, in a workbook, date cells.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from archive_search.index.analysis import unmarked
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
    "muc do mat": "secrecy",
    "mat": "secrecy",
    "cap do mat": "secrecy",
    "do bao mat": "secrecy",
    "secrecy level": "secrecy",
    "classification": "secrecy",
    "security classification": "secrecy",
    "security level": "secrecy",
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
# A manifest's columns by their English names, in the order this project writes its own (the
# sample, the tests' and the bench's corpora); the reader takes every name of ``_ALIASES`` too.
COLUMNS = (
    "path",
    "fond",
    "inventory",
    "box",
    "file",
    "symbol",
    "doc_type",
    "issuer",
    "date",
    "year",
    "title",
    "secrecy",
)
_YEAR_RE = re.compile(r"(1[89]\d\d|20\d\d)")
_URGENCY = {"khan": "khan", "thuong khan": "thuong-khan", "hoa toc": "hoa-toc"}
_VIETNAMESE_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def column_name(header: str) -> str:
    """The field a manifest column fills: ``Số ký hiệu`` and ``so_ky_hieu`` both give ``symbol``."""
    key = " ".join(unmarked(header).replace("_", " ").replace("/", " ").replace(",", " ").split())
    key = key.strip(":.*( )")  # ``Độ mật:``, ``Độ mật (*)``
    return _ALIASES.get(key, key.replace(" ", "_"))


_MARK_EDGES = " \t()[]|.:*-"  # around a secrecy level in a cell: ``(MẬT)``, ``MẬT.``, ``| MẬT |``
_LEVEL_LABEL_RE = re.compile(r"^(?:mức\s+)?độ\s+mật\s*:?\s*", re.IGNORECASE)  # ``Độ mật: Mật``


def secrecy_of(value: str) -> Secrecy:
    """The level a secrecy cell gives, however the mark is written; blank is public.

    ``ValueError`` names the levels when it is none of them.
    """
    mark = _LEVEL_LABEL_RE.sub("", unicodedata.normalize("NFC", value).strip(_MARK_EDGES))
    return Secrecy.parse(mark.strip(_MARK_EDGES))


def _secret_looking(value: str) -> bool:
    """A cell that reads as a level above public (``Mật``, ``TỐI MẬT``, ``(MẬT)``)."""
    try:
        return bool(value.strip()) and secrecy_of(value) is not Secrecy.PUBLIC
    except ValueError:
        return False


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
    """One manifest line: a file's metadata (``path`` set) or a catalogue record (``path`` None).

    A line that cannot be read has ``error`` (where and why) and empty metadata: its file is not
    ingested and its record not added, never taken as public.
    """

    line: int
    path: Path | None
    meta: DocumentMeta
    error: str | None = None


def _year(value: str, date: str, where: str) -> int | None:
    text = value.strip() or date
    if not text:
        return None
    match = _YEAR_RE.search(text)
    if match is None:
        raise ManifestError(f"{where}: year {text!r} is not a year between 1800 and 2099")
    return int(match.group(1))


def _row(line: int, values: Mapping[str, object], base: Path, where: str) -> ManifestRow:
    """A line's row; what is wrong with it (a bad date, level or formula) makes it a failed row."""
    raw_path = str(values.get("path") or "").strip()
    path = _on_disk((base / raw_path).resolve()) if raw_path else None
    try:
        return _read_row(line, values, path, where)
    except ManifestError as exc:
        return ManifestRow(line, path, DocumentMeta(), error=exc.message)


def _read_row(
    line: int, values: Mapping[str, object], path: Path | None, where: str
) -> ManifestRow:
    if unsaved := [key for key, value in values.items() if isinstance(value, UnsavedFormula)]:
        cells = ", ".join(str(values[key]) for key in unsaved)
        raise ManifestError(
            f"{where}: cell {cells} holds a formula whose value was never saved: open the "
            "workbook in a spreadsheet program and save it, or type the value"
        )
    clean = {key: str(value or "").strip() for key, value in values.items() if key}
    meta = DocumentMeta()
    for name in _FIELDS:
        setattr(meta, name, clean.get(name, ""))
    meta.date = _iso_date(meta.date, where)
    meta.urgency = _URGENCY.get(unmarked(meta.urgency), meta.urgency)
    meta.year = _year(clean.get("year", ""), meta.date, where)
    try:
        meta.secrecy = secrecy_of(clean.get("secrecy", ""))
    except ValueError as exc:
        raise ManifestError(f"{where}: {exc}") from exc
    meta.extra = {key: value for key, value in clean.items() if key not in _KNOWN and value}
    meta.sources = {name: "manifest" for name in (*_FIELDS, "year", "secrecy") if clean.get(name)}
    return ManifestRow(line, path, meta)


class UnsavedFormula(str):
    """A workbook cell with a formula and no value saved with it (its address, ``D5``)."""

    __slots__ = ()


def _check_columns(columns: list[str], rows: Sequence[Mapping[str, object]], path: Path) -> None:
    """Refuse a manifest whose secrecy could be misread.

    Two columns giving one field (the second would silently win), or a column holding secrecy levels
    that is not read as the secrecy column (``Ghi chú`` or ``Phân loại`` with ``Mật`` in it).
    """
    named = [name for name in columns if name in _KNOWN]
    if doubled := sorted({name for name in named if named.count(name) > 1}):
        raise ManifestError(
            f"manifest has more than one {doubled[0]!r} column: keep one", path=path
        )
    for name in dict.fromkeys(columns):
        if name in ("secrecy", "path") or not name:
            continue
        if found := next((row for row in rows if _secret_looking(str(row.get(name) or ""))), None):
            raise ManifestError(
                f"column {name!r} holds secrecy levels ({str(found[name]).strip()!r}) but is not "
                "read as secrecy: name it 'secrecy' (độ mật), or remove the levels from it",
                path=path,
            )


def _on_disk(path: Path) -> Path:
    """``path`` as the file system spells it, composed or decomposed.

    A name typed in composed Unicode (NFC) names a file that macOS, or a copy from it, stored
    decomposed (NFD), and the other way round.
    """
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
            lines = [
                (number, dict(row))
                for number, row in enumerate(reader, start=2)
                if any(
                    isinstance(value, str) and value.strip() for value in row.values()
                )  # not a line of commas
            ]
            _check_columns(columns, [row for _, row in lines], path)
            return [
                _row(number, row, path.parent, f"{path}, line {number}") for number, row in lines
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
    """Whether ``columns`` are the column names of a manifest.

    With a path column (files, and records in rows without a path), or of a catalogue of records
    only: a title and at least one other known column (so a sheet's title, ``Mục lục hồ sơ`` alone,
    is not taken for them).
    """
    known = _KNOWN.intersection(columns)
    return "path" in known or ("title" in known and len(known) > 1)


def _header_row(rows: list[list[str]]) -> int | None:
    """Which of a sheet's first rows holds its column names.

    The first with a path column, else the first that names a catalogue's records.
    """
    with_path = [at for at, columns in enumerate(rows) if "path" in columns]
    if with_path:
        return with_path[0]
    return next((at for at, columns in enumerate(rows) if _is_header(columns)), None)


def _read_workbook(path: Path) -> list[ManifestRow]:
    """The rows of a workbook's first sheet below its column names.

    Of the first few rows that are not empty, the column names are the first with a path column,
    else (a catalogue of records) the first with a title and another known column (those above it
    are titles).
    """
    import openpyxl  # here: only ingestions with such a manifest pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except FileNotFoundError as exc:
        raise ManifestError("manifest not found", path=path) from exc
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ManifestError(
            f"manifest is not a readable .xlsx workbook ({exc})", path=path
        ) from exc
    try:
        sheet = book.worksheets[0]
        lines = (
            (number, _cells(number, row, written))
            for number, (row, written) in enumerate(
                zip(sheet.values, formulas.worksheets[0].values, strict=False), start=1
            )
        )
        filled = ((number, row) for number, row in lines if any(row))
        top = list(itertools.islice(filled, _TITLE_ROWS))
        headers = [[column_name(name) for name in row] for _, row in top]
        at = _header_row(headers)
        if at is None:
            raise ManifestError(_NO_HEADER, path=path)
        columns, where = headers[at], f"{path}, sheet {sheet.title!r}, row"
        rows = [
            (number, dict(zip(columns, row, strict=False)))
            for number, row in itertools.chain(top[at + 1 :], filled)
        ]
        _check_columns(columns, [row for _, row in rows], path)
        return [_row(number, row, path.parent, f"{where} {number}") for number, row in rows]
    finally:
        book.close()
        formulas.close()


def _cells(number: int, values: tuple[object, ...], written: tuple[object, ...]) -> list[str]:
    """A sheet row's cells as text.

    A formula cell saved without its value (a workbook written by a program, never opened in a
    spreadsheet) is an ``UnsavedFormula``, not an empty cell.
    """
    from openpyxl.utils import get_column_letter

    cells = [_cell(value) for value in values]
    for at, formula in enumerate(written[: len(cells)]):
        if values[at] is None and _is_formula(formula):
            cells[at] = UnsavedFormula(f"{get_column_letter(at + 1)}{number}")
    return cells


def _is_formula(value: object) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or "Formula" in type(value).__name__


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


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two sources disagree about a file or record; how it was settled is in ``reason``."""

    path: str
    reason: str


def _rank(level: Secrecy) -> int:
    return level.rank


def highest(level: Secrecy, other: Secrecy) -> Secrecy:
    """The higher of two secrecy levels."""
    return level if level.rank >= other.rank else other


def with_level(meta: DocumentMeta, level: Secrecy, source: str = "manifest") -> DocumentMeta:
    """``meta`` at the secrecy ``level`` (a copy), noting where the level came from."""
    raised = replace(meta, extra=dict(meta.extra), sources=dict(meta.sources), secrecy=level)
    raised.sources["secrecy"] = source
    return raised


def combine(rows: Sequence[ManifestRow], what: str) -> tuple[ManifestRow, Conflict | None]:
    """One row for the lines that name the same file or record (``what``).

    The last line's values, at the highest secrecy level any of them gives; a conflict when they
    differ.
    """
    last = rows[-1]
    if len(rows) == 1:
        return last, None
    level = last.meta.secrecy
    for row in rows:
        level = highest(level, row.meta.secrecy)
    merged = (
        replace(last, meta=with_level(last.meta, level)) if level != last.meta.secrecy else last
    )
    if all(row.meta == last.meta for row in rows):
        return merged, None
    lines = ", ".join(str(row.line) for row in rows)
    levels = [level.value for level in sorted({row.meta.secrecy for row in rows}, key=_rank)]
    settled = (
        f"secrecy {' and '.join(levels)}: the higher, {level.value}, kept"
        if len(levels) > 1
        else f"line {last.line}'s values kept"
    )
    return merged, Conflict(what, f"listed on lines {lines} with different metadata; {settled}")


def by_path(rows: Sequence[ManifestRow]) -> tuple[dict[Path, ManifestRow], list[Conflict]]:
    """The rows of files by resolved path, each combined from the lines naming it; the conflicts.

    ``docs/d.txt`` and ``./docs/../docs/d.txt`` are one file.
    """
    lines: dict[Path, list[ManifestRow]] = {}
    for row in rows:
        if row.path is not None:
            lines.setdefault(row.path, []).append(row)
    combined: dict[Path, ManifestRow] = {}
    conflicts: list[Conflict] = []
    for path, named in lines.items():
        combined[path], conflict = combine(named, str(path))
        if conflict is not None:
            conflicts.append(conflict)
    return combined, conflicts


def outside(row: ManifestRow, roots: Sequence[Path]) -> bool:
    """Whether a row names a file (symbolic links followed) outside every folder of ``roots``."""
    return row.path is not None and not any(row.path.is_relative_to(root) for root in roots)
