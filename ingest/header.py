"""Metadata read from the text of a Party document (see shared/vietnamese/README.md).

The header (first page) gives the symbol, type, issuing body, place and date, secrecy and
urgency marks and the term of office; the signature block (last page) gives the signer. OCR
output often runs the two header columns into one line (``TỈNH ỦY Phan Thiết, ngày …``), so
each line is cleaned of the right-hand column before the left-hand one is read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from archive_search.index.analysis import normalize
from archive_search.index.doctypes import BY_HEADING
from archive_search.index.records import DocumentMeta, Secrecy

_LETTERS = "A-Za-zĐđÀ-ỹ"
_PARTY_SYMBOL_RE = re.compile(
    rf"Số\s*:?\s*(\d+)\s*[-–]\s*([{_LETTERS}]+)\s*/\s*([{_LETTERS}]+(?:[-/][{_LETTERS}]+)*)"  # noqa: RUF001
)
_STATE_SYMBOL_RE = re.compile(
    rf"Số\s*:\s*(\d+)\s*/\s*(\d{{4}})\s*/\s*([{_LETTERS}]+)-([{_LETTERS}]+)"
)
_DATE_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_PLACE_DATE_RE = re.compile(r"([^\W\d_][^,\n]*?)\s*,\s*ngày\s+\d", re.IGNORECASE)
_NATIONAL_MOTTOS = re.compile(
    r"ĐẢNG CỘNG SẢN VIỆT NAM|CỘNG H(?:OÀ|ÒA) XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*-\s*Tự do\s*-\s*Hạnh phúc",
    re.IGNORECASE,
)
_RULE_CHARS = "*-–─_=.•·"  # noqa: RUF001
_SECRECY_MARKS = {"TUYỆT MẬT": "tuyệt mật", "TỐI MẬT": "tối mật", "MẬT": "mật"}
_URGENCY_MARKS = {
    "THƯỢNG KHẨN": "thuong-khan",
    "HOẢ TỐC": "hoa-toc",
    "HỎA TỐC": "hoa-toc",
    "KHẨN": "khan",
}
# Words that make a mark part of a phrase: KHẨN TRƯƠNG (urgently), MẬT MÃ (cipher)…
_MARK_WORDS = frozenset({"TRƯƠNG", "CẤP", "MÃ", "ĐỘ", "THIẾT", "THÁM"})
_TERM_RE = re.compile(r"\bkh(?:oá|óa)\s+([IVXL]+)\b", re.IGNORECASE)
_TENURE_RE = re.compile(r"nhiệm\s+kỳ\s+(\d{4})\s*[-–]\s*(\d{4})", re.IGNORECASE)  # noqa: RUF001
_SIGNATURE_RE = re.compile(r"(?:\b[TK]/[MTL]\b|\b(?:TM|KT|TL)\.|\bQ\.\s?BÍ THƯ)")
_SIGNER_LINES = 8
# Capitalised words that open recipients' lines (``- Lưu Văn phòng``), not a person's name.
_NOT_NAMES = frozenset(
    {"Các", "Như", "Lưu", "Ban", "Đảng", "Tỉnh", "Huyện", "Uỷ", "Ủy", "Đồng", "Gửi", "Nơi"}
)
_HEADER_LINES = 25
_SUMMARY_LINES = 5


def _summary(lines: list[str]) -> str:
    """The trích yếu under a heading: the following lines that continue it (they start in lower case)."""
    parts: list[str] = []
    for line in lines[:_SUMMARY_LINES]:
        stripped = line.strip()
        if not stripped:
            if parts:
                break
            continue
        if not (stripped[0].islower() or stripped[0].isdigit()):
            break
        parts.append(stripped)
    return " ".join(parts)


def _heading_index(lines: list[str]) -> tuple[int, str]:
    """(line number, type abbreviation) of the centred heading, or (len(lines), '')."""
    for index, line in enumerate(lines):
        doc_type = BY_HEADING.get(normalize(" ".join(line.split())).upper())
        if doc_type and line.strip().isupper():
            return index, doc_type
    return len(lines), ""


def _title(lines: list[str]) -> tuple[str, str]:
    """(type abbreviation, title) from the centred heading and the summary under it."""
    index, doc_type = _heading_index(lines)
    if not doc_type:
        return "", ""
    heading = " ".join(lines[index].split()).capitalize()
    summary = _summary(lines[index + 1 :])
    return doc_type, f"{heading} {summary}" if summary else heading


def _left_column(line: str) -> str:
    """A header line without what belongs to the right-hand column (motto, place and date)."""
    line = _NATIONAL_MOTTOS.sub(" ", line)
    if place := _PLACE_DATE_RE.search(line):
        line = line[: _place_start(place)]
    return " ".join(_STATE_SYMBOL_RE.sub(" ", _PARTY_SYMBOL_RE.sub(" ", line)).split())


def _place_start(match: re.Match[str]) -> int:
    """Where the place name starts: the capitalised words just before ``, ngày``."""
    start = match.end(1)
    for word in reversed(list(re.finditer(r"\S+", match.group(1)))):
        text = word.group()
        if not text[:1].isupper() or (len(text) > 1 and text.isupper()) or text == "Số":
            break
        start = match.start(1) + word.start()
    return start


def _place(head: str) -> str:
    for match in _PLACE_DATE_RE.finditer(head):
        if place := head[_place_start(match) : match.end(1)].strip():
            return place
    return ""


def _strip_marks(text: str, marks: dict[str, str]) -> tuple[str, list[str]]:
    """``text`` without the marks standing at its start or end, and the codes of those marks."""
    found: list[str] = []
    changed = True
    while changed:
        changed = False
        for mark, code in marks.items():
            leading = (
                text.startswith(mark + " ") and text[len(mark) :].split()[0] not in _MARK_WORDS
            )
            if text == mark or leading or text.endswith(" " + mark):
                found.append(code)
                text = (text[len(mark) :] if text.startswith(mark) else text[: -len(mark)]).strip()
                changed = True
                break
    return text, found


@dataclass
class _LeftColumn:
    secrecy: Secrecy = Secrecy.PUBLIC
    urgency: str = ""
    body: list[str] = field(default_factory=list)
    star: bool = False


def _read_left_column(lines: list[str]) -> _LeftColumn:
    """Marks and the issuing body's lines from the left-hand column above the heading."""
    column = _LeftColumn()
    for line in lines:
        rest, secrecy = _strip_marks(_left_column(line), _SECRECY_MARKS)
        rest, urgency = _strip_marks(rest, _URGENCY_MARKS)
        column.secrecy = (
            Secrecy.parse(secrecy[0]) if secrecy and not column.secrecy.rank else column.secrecy
        )
        column.urgency = column.urgency or (urgency[0] if urgency else "")
        if rest == "*" and column.body:
            column.star = True  # a Party header: the issuing body ends at the star under it
        rest = rest.strip(_RULE_CHARS + " ")
        if rest and rest.isupper() and not column.star and not _starts_heading(rest):
            column.body.append(rest)
    return column


def _issuer_name(meta: DocumentMeta, column: _LeftColumn) -> None:
    """A Party body is the line above the star (a superior body may stand above it)."""
    if column.star and len(column.body) > 1:
        meta.issuer_name, meta.extra["superior"] = column.body[-1], " ".join(column.body[:-1])
    else:
        meta.issuer_name = " ".join(column.body)


def _starts_heading(text: str) -> bool:
    return any(normalize(text).upper().startswith(heading) for heading in BY_HEADING)


def _symbol(meta: DocumentMeta, head: str) -> None:
    if state := _STATE_SYMBOL_RE.search(head):
        number, year, doc_type, issuer = state.groups()
        meta.symbol, meta.doc_type, meta.issuer = (
            f"{number}/{year}/{doc_type}-{issuer}",
            doc_type,
            issuer,
        )
        meta.extra["system"] = "state"
    elif party := _PARTY_SYMBOL_RE.search(head):
        number, doc_type, issuer = party.groups()
        meta.symbol, meta.doc_type, meta.issuer = f"{number}-{doc_type}/{issuer}", doc_type, issuer


def _date(meta: DocumentMeta, head: str) -> None:
    if date := _DATE_RE.search(head):
        day, month, year = (int(part) for part in date.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            meta.date, meta.year = f"{year:04d}-{month:02d}-{day:02d}", year


def _term(head: str) -> str:
    if term := _TERM_RE.search(head):
        return term.group(1).upper()
    if tenure := _TENURE_RE.search(head):
        return f"{tenure.group(1)}-{tenure.group(2)}"
    return ""


def parse_header(text: str) -> DocumentMeta:
    """What the first page of a document says about itself; unknown fields stay empty."""
    head = "\n".join(unicodedata.normalize("NFC", text).splitlines()[:_HEADER_LINES])
    lines = head.splitlines()
    meta = DocumentMeta()
    _symbol(meta, head)
    _date(meta, head)
    heading_type, meta.title = _title(text.splitlines()[:_HEADER_LINES])
    meta.doc_type = meta.doc_type or heading_type
    column = _read_left_column(lines[: _heading_index(lines)[0]])
    meta.secrecy, meta.urgency = column.secrecy, column.urgency
    _issuer_name(meta, column)
    meta.place, meta.term = _place(head), _term(head)
    fields = (
        "symbol",
        "doc_type",
        "issuer",
        "date",
        "year",
        "title",
        "urgency",
        "issuer_name",
        "place",
        "term",
    )
    meta.sources = {name: "header" for name in fields if getattr(meta, name)}
    if meta.secrecy is not Secrecy.PUBLIC:
        meta.sources["secrecy"] = "header"
    return meta


def _name_at_end(line: str) -> str:
    """The capitalised words (2 to 5) that end a line: a person's name."""
    name: list[str] = []
    for word in reversed(line.split()):
        if not (word.isalpha() and word[0].isupper() and (len(word) == 1 or word[1:].islower())):
            break
        name.insert(0, word)
    while name and name[0] in _NOT_NAMES:
        name.pop(0)
    return " ".join(name[-5:]) if len(name) >= 2 else ""


def parse_signer(text: str) -> str:
    """The name under the last signature block (``T/M BAN THƯỜNG VỤ`` / ``BÍ THƯ`` / name), or ''."""
    lines = normalize(text).splitlines()
    starts = [index for index, line in enumerate(lines) if _SIGNATURE_RE.search(line)]
    if not starts:
        return ""
    for line in lines[starts[-1] + 1 : starts[-1] + 1 + _SIGNER_LINES]:
        if name := _name_at_end(line.strip()):
            return name
    return ""


def read_metadata(pages: Sequence[str]) -> DocumentMeta:
    """The header of the first page and the signer of the last signed page."""
    meta = parse_header(pages[0] if pages else "")
    for page in reversed(pages):
        if signer := parse_signer(page):
            meta.signer, meta.sources["signer"] = signer, "text"
            break
    return meta
