"""Metadata read from the text of a Party document (see shared/vietnamese/README.md).

The header (first page) gives the symbol, type, issuing body, place and date, secrecy and
urgency marks and the term of office; the signature block (last page) gives the signer. OCR
output often runs the two header columns into one line (``TỈNH ỦY Phan Thiết, ngày …``), so
each line is cleaned of the right-hand column before the left-hand one is read.
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from archive_search.index.analysis import normalize, unmarked
from archive_search.index.doctypes import ABBREVIATIONS, BY_HEADING
from archive_search.index.records import DocumentMeta, Secrecy

log = logging.getLogger(__name__)

# ``Số``, its TCVN3 reading left unconverted (``Sè``) and OCR's ``So``, with or without a colon.
_NUMBER_WORD = r"(?:Số|SỐ|Sè|So|SO)"
_WORD = r"[^\W\d_]+"
_PARTY_SYMBOL_RE = re.compile(
    rf"{_NUMBER_WORD}\s*:?\s*(\d+)\s*[-–:]\s*({_WORD})\s*/\s*({_WORD}(?:[-/]{_WORD})*)"  # noqa: RUF001
)
# State symbols: ``Số: 12/2019/QĐ-UBND``, ``Số: 1408/QĐ-BXD``, ``Luật số: 109/2025/QH15``,
# ``Số: 66.15/2026/NQ-CP``; codes of several parts (``TTLT-BTC-BNV``), lower-case parts (``TTg``).
_STATE_SYMBOL_RE = re.compile(
    rf"(?:(Luật|Pháp lệnh|Nghị quyết|Lệnh)\s+s[ốè]|{_NUMBER_WORD})\s*:?\s*(\d+(?:\.\d+)?)\s*/\s*"
    rf"(?:(\d{{4}})\s*/\s*)?({_WORD}\d*(?:\s?-\s?{_WORD}\d*)*)"
)
_SYMBOL_TYPE_WORDS = {"Luật": "Luật", "Pháp lệnh": "Pháp lệnh", "Nghị quyết": "NQ", "Lệnh": "Lệnh"}
# ``ngày:10`` and ``ngày.10`` as OCR reads ``ngày 10`` beside a dotted blank.
_DATE_RE = re.compile(
    r"ngày\s*[:.]?\s*(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE
)
_PLACE_DATE_RE = re.compile(r"([^\W\d_][^,\n]*?)\s*,\s*ngày\s*[:.]?\s*\d", re.IGNORECASE)
_DATE_AFTER_COMMA_RE = re.compile(r",\s*ngày\s*[:.]?\s*\d", re.IGNORECASE)
# What OCR adds around a heading from specks and rules near it (``THÔNG BÁO -``, ``NGHỊ QUYẾT .``).
_HEADING_NOISE = " .,:;-–_*|¬'`"  # noqa: RUF001
_NATIONAL_MOTTOS = re.compile(
    r"ĐẢNG CỘNG SẢN VIỆT NAM|CỘNG H(?:OÀ|ÒA) XÃ HỘI CHỦ NGH[ĨÍI]A VIỆT NAM"
    r"|Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc",  # noqa: RUF001
    re.IGNORECASE,
)
_RULE_CHARS = "*-–—─_=.•·|¬"  # noqa: RUF001
# A line that only draws a rule under a header block (``-------``, ``_______``).
_RULE_RE = re.compile(r"[-–—─_=.•·~]{3,}")  # noqa: RUF001
_SECRECY_MARKS = {"TUYỆT MẬT": "tuyệt mật", "TỐI MẬT": "tối mật", "MẬT": "mật"}
# A line that is only a secrecy mark, folded: ``(MẬT)``, ``MẬT.``, ``Mật``, ``MAT``,
# ``Độ mật: Tối mật``.
_SECRECY_LINE_RE = re.compile(r"(?:do mat\s*:?\s*)?(tuyet mat|toi mat|mat)")
# A mark in brackets or with a full stop beside other words: ``TỈNH ỦY (MẬT)``.
_BRACKETED_MARK_RE = re.compile(r"[(\[]\s*(TUYỆT MẬT|TỐI MẬT|MẬT)\s*[)\]]|(?<!\S)(MẬT)\.(?!\S)")
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
_HEADER_LINES = 40  # lines of the page read as its header, once table cells are lines
_SUMMARY_LINES = 8
# Where a document's body begins: its legal bases, a proposal, its first article or chapter.
_BODY_START_RE = re.compile(
    r"(?:Căn cứ|Theo đề nghị|Xét đề nghị|Thực hiện"
    r"|Điều 1\b|Chương I\b|Phần I\b|PHẦN I\b|CHƯƠNG I\b)"
)
# The body enacting a document, printed under its trích yếu (``ỦY BAN THƯỜNG VỤ QUỐC HỘI``,
# ``BỘ TRƯỞNG BỘ TÀI CHÍNH``, ``BAN THƯỜNG VỤ TỈNH ỦY``).
_ENACTING_RE = re.compile(
    r"(?:BỘ TRƯỞNG|THỦ TƯỚNG|THỐNG ĐỐC|CHỦ TỊCH|CHÁNH ÁN|VIỆN TRƯỞNG|TỔNG KIỂM TOÁN"
    r"|CHÍNH PHỦ$|QUỐC HỘI$|[UỦ]Ỷ? ?BAN THƯỜNG VỤ|BAN THƯỜNG VỤ|BAN CHẤP HÀNH"
    r"|BAN BÍ THƯ|BỘ CHÍNH TRỊ"
    r"|HỘI ĐỒNG NHÂN DÂN|[UỦ]Ỷ? ?BAN NHÂN DÂN)"
)
_SUBJECT_RE = re.compile(r"^(V/v|V/V|v/v)\s*:?\s*(.*)")  # a công văn's subject line


def header_lines(text: str) -> list[str]:
    """The first lines of a page, split into lines as a header is read.

    The text is NFC; table cells (``| CHÍNH PHỦ| CỘNG HÒA…``) stand one a line; rules (``-------``)
    and empty cells become blank lines.
    """
    lines: list[str] = []
    for raw in unicodedata.normalize("NFC", text).splitlines():
        cells = [cell.strip() for cell in raw.split("|")] if "|" in raw else [raw.strip()]
        for cell in cells:
            if _RULE_RE.fullmatch(cell):
                lines.append("")
            elif cell or len(cells) == 1:
                lines.append(cell)
        if sum(1 for line in lines if line) >= _HEADER_LINES:
            break
    return lines


def _body_start(line: str) -> bool:
    return _BODY_START_RE.match(line) is not None


def _is_caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _enacting(line: str, issuer_name: str) -> bool:
    """A line naming the body that enacts the document (it follows the trích yếu)."""
    if not _is_caps(line) or len(line.split()) > 9:
        return False
    name = " ".join(normalize(line).upper().split())
    return name == issuer_name or _ENACTING_RE.match(name) is not None


def _summary(lines: list[str], issuer_name: str = "") -> str:
    """The trích yếu under a heading: one to several lines, in capitals or not.

    Where the body opens with its legal bases (``Căn cứ…``, a state document's), every line
    before them belongs to the trích yếu, whatever its first letter; otherwise the lines that
    continue it start in lower case (``về đẩy mạnh…``), or in capitals after capitals.
    """
    ahead = lines[: _SUMMARY_LINES + 4]
    bases_follow = any(_body_start(line) for line in ahead)
    parts: list[str] = []
    for line in lines[:_SUMMARY_LINES]:
        stripped = line.strip()
        if not stripped:
            if parts:
                break
            continue
        if _body_start(stripped) or (parts and _enacting(stripped, issuer_name)):
            break
        if not _continues(stripped, parts, bases_follow):
            break
        parts.append(stripped)
    return " ".join(parts)


def _continues(line: str, parts: list[str], bases_follow: bool) -> bool:
    if line[0].islower() or line[0].isdigit():
        return True
    if _is_caps(line):
        return not parts or _is_caps(parts[-1]) or bases_follow
    return bases_follow


def _heading_index(lines: list[str]) -> tuple[int, str, str]:
    """(line number, type abbreviation, heading) of the centred heading, or (len(lines), '', '').

    Spelled as a type's heading, else (OCR) at most one letter away from one heading alone, without
    marks: ``THOÁNG TƯ`` and ``NGHI ĐINH`` are headings; ``THÔNG DÁO``, as near ``THÔNG BÁO`` as
    ``THÔNG CÁO``, is none.
    """
    near = None
    for index, line in enumerate(lines):
        text = line.strip(_HEADING_NOISE)
        if not text.isupper():
            continue
        spelled = normalize(" ".join(text.split())).upper()
        if doc_type := BY_HEADING.get(spelled):
            return index, doc_type, spelled
        if near is None and len(spelled.split()) > 1:
            alike = [
                (heading, code)
                for heading, plain, code in _PLAIN_HEADINGS
                if len(plain) == len(bare := unmarked(spelled).split()) and _near(plain, bare)
            ]
            if len(alike) == 1:
                near = index, alike[0][1], alike[0][0]
    return near or (len(lines), "", "")


# Each heading of two words or more, its words without marks, and its type.
_PLAIN_HEADINGS = tuple(
    (heading, unmarked(heading).split(), code)
    for heading, code in BY_HEADING.items()
    if " " in heading
)


def _near(words: list[str], other: list[str]) -> bool:
    """Whether ``other`` is ``words``, or ``words`` with one letter changed, added or left out."""
    differ = [(a, b) for a, b in zip(words, other, strict=True) if a != b]
    if len(differ) != 1:
        return not differ
    a, b = differ[0]
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and any(
        long[:at] + long[at + 1 :] == short for at in range(len(long))
    )


def _title(lines: list[str], issuer_name: str) -> tuple[str, str]:
    """(type abbreviation, title) from the centred heading and the trích yếu under it.

    Without a heading, a công văn's ``V/v`` line gives them.
    """
    index, doc_type, heading = _heading_index(lines)
    if not doc_type:
        return _subject(lines)
    heading = heading.capitalize()
    summary = _summary(lines[index + 1 :], issuer_name)
    return doc_type, f"{heading} {summary}" if summary else heading


def _subject(lines: list[str]) -> tuple[str, str]:
    """("CV", ``V/v …``) from a công văn's subject line and the lines continuing it."""
    for index, line in enumerate(lines):
        if match := _SUBJECT_RE.match(_left_column(line)):
            parts = [f"V/v {match.group(2)}".strip()]
            for following in lines[index + 1 : index + 4]:
                rest = _left_column(following)
                if not rest or not rest[0].islower():
                    break
                parts.append(rest)
            return "CV", " ".join(parts)
    return "", ""


def _left_column(line: str) -> str:
    """A header line without what belongs to the right-hand column (motto, place and date)."""
    line = _NATIONAL_MOTTOS.sub(" ", line)
    if place := next(_place_dates(line), None):
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


def _place_dates(text: str) -> Iterator[re.Match[str]]:
    """``_PLACE_DATE_RE.finditer(text)``, each match sought only between the commas around it.

    The pattern alone tries every letter of a long paragraph as a place's start.
    """
    done = 0
    for tail in _DATE_AFTER_COMMA_RE.finditer(text):
        if tail.start() < done:
            continue
        comma, newline = text.rfind(",", 0, tail.start()), text.rfind("\n", 0, tail.start())
        start = max(done, comma + 1, newline + 1)
        if match := _PLACE_DATE_RE.search(text, start, tail.end()):
            done = match.end()
            yield match


def _place(head: str) -> str:
    for match in _place_dates(head):
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


def _secrecy_line(line: str) -> Secrecy | None:
    """The level of a line that is only a secrecy mark, however written, else None."""
    folded = " ".join(unmarked(re.sub(r"[()\[\]{}.:;,*|\-–]", " ", line)).split())  # noqa: RUF001
    if len(folded) > 20 or (match := _SECRECY_LINE_RE.fullmatch(folded)) is None:
        return None
    return Secrecy.parse(match.group(1))


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
        rest = _BRACKETED_MARK_RE.sub(lambda m: f" {m[1] or m[2]} ", _left_column(line)).strip()
        if level := _secrecy_line(rest):
            column.secrecy = max(column.secrecy, level, key=lambda s: s.rank)
            continue
        rest, secrecy = _strip_marks(rest, _SECRECY_MARKS)
        rest, urgency = _strip_marks(rest, _URGENCY_MARKS)
        for mark in secrecy:
            column.secrecy = max(column.secrecy, Secrecy.parse(mark), key=lambda s: s.rank)
        column.urgency = column.urgency or (urgency[0] if urgency else "")
        if _is_star(rest) and column.body:
            column.star = True  # a Party header: the issuing body ends at the star under it
        rest = rest.strip(_RULE_CHARS + " ")
        if rest and rest.isupper() and not column.star and not _starts_heading(rest):
            column.body.append(rest)
    return column


def _is_star(line: str) -> bool:
    """The star under a Party body, also as OCR reads it beside a speck (``*%``, ``.*``)."""
    return "*" in line and len(line) <= 3 and not any(ch.isalnum() for ch in line)


def _marks_under_heading(lines: list[str]) -> Secrecy:
    """The highest secrecy mark on a line of its own between the heading and the body."""
    level = Secrecy.PUBLIC
    for line in lines:
        if _body_start(line):
            break
        if found := _secrecy_line(line):
            level = max(level, found, key=lambda s: s.rank)
    return level


def _issuer_name(meta: DocumentMeta, column: _LeftColumn) -> None:
    """A Party body is the line above the star (a superior body may stand above it)."""
    if column.star and len(column.body) > 1:
        meta.issuer_name, meta.extra["superior"] = column.body[-1], " ".join(column.body[:-1])
    else:
        meta.issuer_name = " ".join(column.body)


def _starts_heading(text: str) -> bool:
    return any(normalize(text).upper().startswith(heading) for heading in BY_HEADING)


def _symbol(meta: DocumentMeta, lines: list[str]) -> None:
    """Symbol, type and issuer code from the first ``Số`` line that gives a symbol."""
    for line in lines:
        if party := _PARTY_SYMBOL_RE.search(line):
            number, doc_type, issuer = party.groups()
            meta.symbol, meta.doc_type, meta.issuer = (
                f"{number}-{doc_type}/{issuer}",
                doc_type,
                issuer,
            )
            return
        if state := _STATE_SYMBOL_RE.search(line):
            _state_symbol(meta, state)
            return


def _state_symbol(meta: DocumentMeta, match: re.Match[str]) -> None:
    """Set a state document's symbol, type and issuer from its matched ``số`` line.

    In ``12/2019/QĐ-UBND`` the part before the dash is the type when it is one, else
    (``1234/BTC-CST``, a công văn's) the issuer; ``109/2025/QH15`` takes its type from the word
    before ``số``.
    """
    word, number, year, code = match.groups()
    code = re.sub(r"\s*-\s*", "-", code)
    meta.symbol = f"{number}/{year}/{code}" if year else f"{number}/{code}"
    first, _, rest = code.partition("-")
    if rest and unmarked(first).upper() in _FOLDED_ABBREVIATIONS:
        meta.doc_type, meta.issuer = first, rest
    else:
        meta.doc_type, meta.issuer = _SYMBOL_TYPE_WORDS.get(word or "", ""), first
    meta.extra["system"] = "state"


_FOLDED_ABBREVIATIONS = frozenset(unmarked(code).upper() for code in ABBREVIATIONS)


def _date(meta: DocumentMeta, lines: list[str]) -> None:
    """The date of the header's place-and-date line, else of its first ``ngày … tháng … năm``."""
    head = "\n".join(lines)
    placed = re.search(r",\s*" + _DATE_RE.pattern, head, re.IGNORECASE)
    if date := placed or _DATE_RE.search(head):
        day, month, year = (int(part) for part in date.groups())
        try:
            meta.date, meta.year = datetime.date(year, month, day).isoformat(), year
        except ValueError:
            meta.extra["date_error"] = f"impossible date {day}/{month}/{year} not stored"
            log.warning("header date %d/%d/%d does not exist: not stored", day, month, year)


def _term(head: str) -> str:
    if term := _TERM_RE.search(head):
        return term.group(1).upper()
    if tenure := _TENURE_RE.search(head):
        return f"{tenure.group(1)}-{tenure.group(2)}"
    return ""


def _before_body(lines: list[str]) -> list[str]:
    """The header's lines up to where the body begins (``Căn cứ…``)."""
    for index, line in enumerate(lines):
        if _body_start(line):
            return lines[:index]
    return lines


def parse_header(text: str) -> DocumentMeta:
    """What the first page of a document says about itself; unknown fields stay empty.

    ``secrecy`` is the highest secrecy mark the header carries (``sources["secrecy"]`` is then
    ``"header"``), so that ingestion can compare it with a manifest's level.
    """
    page = header_lines(text)
    lines = _before_body(page)
    heading_at, heading_type, _ = _heading_index(lines)
    meta = DocumentMeta()
    _symbol(meta, lines[:heading_at])  # under the heading, ``số`` is a citation's
    column = _read_left_column(lines[:heading_at])
    _issuer_name(meta, column)
    doc_type, meta.title = _title(page, " ".join(normalize(meta.issuer_name).upper().split()))
    meta.doc_type = meta.doc_type or heading_type or doc_type
    _date(meta, lines[:heading_at])  # a date under the heading is the trích yếu's or the body's
    meta.secrecy = max(
        column.secrecy,
        _marks_under_heading(lines[heading_at : heading_at + _SUMMARY_LINES + 2]),
        key=lambda s: s.rank,
    )
    meta.urgency = column.urgency
    head = "\n".join(lines)
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
    """The name under the last signature block (``T/M BAN THƯỜNG VỤ``/``BÍ THƯ``/name), or ''."""
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
