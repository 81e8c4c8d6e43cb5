"""Metadata read from the header of a Party document (see shared/vietnamese/README.md)."""

from __future__ import annotations

import re

from index.analysis import normalize
from index.records import DocumentMeta, Secrecy

_LETTERS = "A-Za-zĐđÀ-ỹ"
_PARTY_SYMBOL_RE = re.compile(
    rf"Số\s*:?\s*(\d+)\s*[-–]\s*([{_LETTERS}]+)\s*/\s*([{_LETTERS}]+(?:[-/][{_LETTERS}]+)*)"  # noqa: RUF001
)
_STATE_SYMBOL_RE = re.compile(rf"Số\s*:\s*(\d+)\s*/\s*(\d{{4}})\s*/\s*([{_LETTERS}]+)-([{_LETTERS}]+)")
_DATE_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_SECRECY_RE = re.compile(r"^\s*(TUYỆT MẬT|TỐI MẬT|MẬT)\s*$", re.MULTILINE)
HEADINGS = {
    "NGHỊ QUYẾT": "NQ", "QUYẾT ĐỊNH": "QĐ", "CHỈ THỊ": "CT", "KẾT LUẬN": "KL",
    "QUY CHẾ": "QC", "QUY ĐỊNH": "QĐi", "THÔNG TRI": "TT", "HƯỚNG DẪN": "HD",
    "THÔNG BÁO": "TB", "THÔNG CÁO": "TC", "BÁO CÁO": "BC", "KẾ HOẠCH": "KH",
    "QUY HOẠCH": "QH", "CHƯƠNG TRÌNH": "CTr", "ĐỀ ÁN": "ĐA", "TỜ TRÌNH": "TTr",
    "BIÊN BẢN": "BB", "CÔNG VĂN": "CV",
}
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


def _title(lines: list[str]) -> tuple[str, str]:
    """(type abbreviation, title) from the centred heading and the summary under it."""
    for index, line in enumerate(lines):
        doc_type = HEADINGS.get(normalize(" ".join(line.split())).upper())
        if doc_type and line.strip().isupper():
            heading = " ".join(line.split()).capitalize()
            summary = _summary(lines[index + 1 :])
            return doc_type, f"{heading} {summary}" if summary else heading
    return "", ""


def parse_header(text: str) -> DocumentMeta:
    """What the first page of a document says about itself; unknown fields stay empty."""
    head = normalize(text)
    lines = head.splitlines()[:_HEADER_LINES]
    meta = DocumentMeta()
    if state := _STATE_SYMBOL_RE.search(head):
        number, year, doc_type, issuer = state.groups()
        meta.symbol, meta.doc_type, meta.issuer = f"{number}/{year}/{doc_type}-{issuer}", doc_type, issuer
        meta.extra["system"] = "state"
    elif party := _PARTY_SYMBOL_RE.search(head):
        number, doc_type, issuer = party.groups()
        meta.symbol, meta.doc_type, meta.issuer = f"{number}-{doc_type}/{issuer}", doc_type, issuer
    if date := _DATE_RE.search(head):
        day, month, year = (int(part) for part in date.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            meta.date, meta.year = f"{year:04d}-{month:02d}-{day:02d}", year
    heading_type, meta.title = _title(text.splitlines()[:_HEADER_LINES])
    meta.doc_type = meta.doc_type or heading_type
    if mark := _SECRECY_RE.search("\n".join(lines)):
        meta.secrecy = Secrecy.parse(mark.group(1))
    meta.sources = {name: "header" for name in ("symbol", "doc_type", "issuer", "date", "year", "title")
                    if getattr(meta, name)}
    if meta.secrecy is not Secrecy.PUBLIC:
        meta.sources["secrecy"] = "header"
    return meta
