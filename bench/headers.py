"""Header fields read from published legal texts, against the publishing site's own title.

``../shared/real/vbpl-dev.jsonl.xz`` holds 431 texts as published on the national legal-documents
database, each with ``breadcrumb_title`` (type, symbol and trích yếu, as the site names the
document). This bench reads each text's header with ``ingest.header.read_metadata`` and counts,
per field, the share read right; then it ingests the texts into an archive through ``Archive``
and searches each symbol typed in plain Latin letters (``109/2025/ND-CP``), counting the texts
that come first for their own symbol.

The texts are split in two halves by their address (``--half dev`` / ``--half held-out``): one
to look at while developing, one to check on. Excluded, and counted as such: pages that hold
only the site's navigation and property table (no document text, so no header). A field is
measured only where the text can give it: the symbol where the text prints the site's symbol
(spaces aside), the trích yếu where it prints the site's trích yếu (some site titles are
reworded, abridged, or name another document than the page holds). The date is compared with
the header's place-and-date line (``Hà Nội, ngày 31 tháng 12 năm 2025``; none when the header
prints none), as the site's title gives no date. The type is measured where the page holds the
site's document (it prints its symbol or its trích yếu); a joint document (``NGHỊ QUYẾT LIÊN
TỊCH``), which the site names by its base type, counts for that type.
A trích yếu is right when its letters and digits, folded, are the site's in the same order
(spaces aside: some published texts glue words, ``BYTngày``).

    .venv/bin/python -m bench.headers --half dev --show-misses
    .venv/bin/python -m bench.headers --half both --search
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archive_search.ingest.header import read_metadata

_DATA_NAME = Path("shared", "real", "vbpl-dev.jsonl.xz")


def default_data() -> Path:
    """``shared/real/vbpl-dev.jsonl.xz`` in the nearest folder above the project that has it."""
    for folder in Path(__file__).resolve().parents:
        if (folder / _DATA_NAME).exists():
            return folder / _DATA_NAME
    return Path("..") / _DATA_NAME


FIELDS = (
    "symbol",
    "date",
    "type",
    "trích yếu",
    "issuer code",
    "issuer name",
    "symbol, every text, against the site's title",
    "trích yếu, every text, against the site's title",
)

# The site's type names and the code a header gives for them (the symbol's abbreviation, or the
# name where the symbol has none).
TYPES = {
    "văn bản hợp nhất": "VBHN",
    "nghị định": "NĐ",
    "nghị quyết": "NQ",
    "quyết định": "QĐ",
    "thông tư liên tịch": "TTLT",
    "thông tư": "TT",
    "pháp lệnh": "Pháp lệnh",
    "luật": "Luật",
    "chỉ thị": "CT",
}
# Cyrillic and Greek letters that print like Latin ones: the bench's own table, so that what it
# compares does not depend on the analysis it measures.
_LOOK_ALIKES = str.maketrans(
    "АВСЕНІЈКМОРЅТХУаеіјорсхуΑΒΕΗΙΚΜΝΟΡΤΧΥΖο",  # noqa: RUF001
    "ABCEHIJKMOPSTXYaeijopcxyABEHIKMNOPTXYZo",
)
_SYMBOL_RE = re.compile(r"(\d[\d.]*\s*/\s*[^\s]+|\d+[^\s/]*/[^\s]+)")
_PLACE_DATE_RE = re.compile(
    r"(?:^|\|)[ \t]*[^\W\d_][^,|\n]{1,40},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})",
    re.IGNORECASE | re.MULTILINE,
)
# A header dated without a place (``Ngày 8 tháng 12 năm 2025`` alone on its line).
_DATE_LINE_RE = re.compile(
    r"(?:^|\|)[ \t]*Ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})[ \t]*$", re.MULTILINE
)
# The site names a joint document (``NGHỊ QUYẾT LIÊN TỊCH``) by its base type.
_JOINT = {"NQ": ("NQLT", "nghị quyết liên tịch"), "TT": ("TTLT", "thông tư liên tịch")}
_HEAD_LINES = 60
# The body of a law or decree begins with its legal bases; a date past them is not the header's.
_BODY_START_RE = re.compile(r"^(Căn cứ|Điều 1\b|Chương I\b)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Truth:
    """What the site's title says of a text, and what its header can tell."""

    doc_type: str  # "" when the text prints neither the site's symbol nor its trích yếu
    symbol: str  # as the site prints it ("" when the text does not print it)
    summary: str
    date: str  # from the header's place and date ("" when it prints none)
    site_symbol: str  # as the site's title gives them, printed in the text or not
    site_summary: str


@dataclass
class Tally:
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    measured: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in FIELDS})

    def add(self, name: str, ok: bool, miss: str) -> None:
        self.measured[name] += 1
        self.right[name] += ok
        if not ok:
            self.misses[name].append(miss)


def load(path: Path) -> list[dict[str, str]]:
    with lzma.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def half_of(row: dict[str, str]) -> str:
    """``dev`` or ``held-out``, by the first byte of the SHA-256 of the text's address."""
    return "dev" if hashlib.sha256(row["url"].encode()).digest()[0] % 2 == 0 else "held-out"


def exclusion(row: dict[str, str]) -> str:
    """Why a text is left out ("" when it is kept)."""
    if row["text"].lstrip().startswith("Trang chủ\n>"):
        return "site navigation and property table only: no document text"
    return ""


def plain(text: str) -> str:
    """Folded, look-alikes Latin, words joined by one space: for comparing titles."""
    text = unicodedata.normalize("NFD", text.translate(_LOOK_ALIKES).replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("Đ", "D")
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def compact(symbol: str) -> str:
    """A symbol without spaces, look-alikes Latin, upper case: ``75 /2025/TT-BNNMT``."""
    return "".join(unicodedata.normalize("NFC", symbol).translate(_LOOK_ALIKES).split()).upper()


def _site_title(title: str) -> tuple[str, str, str]:
    """(type code, symbol, trích yếu) from the site's title."""
    title = " ".join(title.split())
    lowered = title.lower()
    name = next((name for name in TYPES if lowered.startswith(name)), "")
    rest = title[len(name) :].strip()
    symbols = list(_SYMBOL_RE.finditer(rest))
    if not symbols:
        return TYPES.get(name, ""), "", rest
    if name in ("luật", "pháp lệnh") and not re.match(r"(?i)số\b", rest):
        last = symbols[-1]  # ``Luật Báo chí số 126/2025/QH15``: the title, then the number
        summary = re.sub(r"(?i)\s*số\s*:?\s*$", "", rest[: last.start()])
        return TYPES[name], last.group().rstrip(".,;"), summary
    first = symbols[0]
    return TYPES.get(name, ""), first.group().rstrip(".,;"), rest[first.end() :].strip()


def truth_of(row: dict[str, str]) -> Truth:
    doc_type, site_symbol, site_summary = _site_title(row["breadcrumb_title"])
    symbol, summary = site_symbol, site_summary
    text = unicodedata.normalize("NFC", row["text"])
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # marks such as U+200E
    head = "\n".join(text.splitlines()[:_HEAD_LINES])
    if body := _BODY_START_RE.search(head):
        head = head[: body.start()]
    if symbol and compact(symbol) not in compact(head):
        symbol = ""  # not printed in the text (a misprint or another document's page)
    if "".join(plain(summary).split()) not in "".join(plain(head).split()):
        summary = ""  # the site's title is not the one printed (reworded, or another document)
    date = ""
    if match := _PLACE_DATE_RE.search(head) or _DATE_LINE_RE.search(head):
        day, month, year = (int(part) for part in match.groups())
        date = f"{year:04d}-{month:02d}-{day:02d}"
    if not (symbol or summary):
        doc_type = ""  # the page holds another document than the site's title names
    return Truth(doc_type, symbol, summary, date, site_symbol, site_summary)


def _issuer_code(symbol: str) -> str:
    """The issuing body's code: after the type's dash (``NĐ-CP``), else the last part (``QH15``)."""
    last = compact(symbol).split("/")[-1]
    return last.split("-", 1)[1] if "-" in last else last


def _initials(name: str) -> str:
    words = [word for word in plain(name).split() if word != "va"]
    return "".join(word[0] for word in words).upper()


def _issuer_name_agrees(name: str, code: str) -> bool:
    """A body's name agrees with its code when the initials do (``BỘ TÀI CHÍNH`` = BTC)."""
    code = plain(re.sub(r"\d+$", "", code)).upper()
    if code == "TTG":
        return plain(name) == "thu tuong chinh phu"
    initials = _initials(name)
    return bool(initials) and (initials.startswith(code) or code.startswith(initials))


def _strip_type(title: str, doc_type: str) -> str:
    """A title without the type name(s) it opens with (``Thông tư Thông tư sửa đổi…``)."""
    words = plain(title)
    names = [plain(name) for name, code in TYPES.items() if code == doc_type] or [""]
    if doc_type in _JOINT:
        names.insert(0, plain(_JOINT[doc_type][1]))
    changed = True
    while changed:
        changed = False
        for name in names:
            if name and (words == name or words.startswith(name + " ")):
                words, changed = words[len(name) :].strip(), True
    return words


def measure(rows: Iterable[dict[str, str]], tally: Tally) -> None:
    for row in rows:
        truth = truth_of(row)
        meta = read_metadata([row["text"]])
        label = row["breadcrumb_title"][:90].replace("\n", " ")
        if truth.symbol:
            tally.add(
                "symbol",
                compact(meta.symbol) == compact(truth.symbol),
                f"{label} | read {meta.symbol!r}",
            )
            code = _issuer_code(truth.symbol)
            tally.add(
                "issuer code",
                compact(meta.issuer) == code,
                f"{label} | read {meta.issuer!r}, code {code}",
            )
            if meta.issuer_name or code:
                tally.add(
                    "issuer name",
                    _issuer_name_agrees(meta.issuer_name, code),
                    f"{label} | read {meta.issuer_name!r}, code {code}",
                )
        tally.add("date", meta.date == truth.date, f"{label} | read {meta.date!r}, {truth.date}")
        if truth.doc_type:
            joint = _JOINT[truth.doc_type][0] if truth.doc_type in _JOINT else truth.doc_type
            tally.add(
                "type",
                meta.doc_type in (truth.doc_type, joint),
                f"{label} | read {meta.doc_type!r}, {truth.doc_type}",
            )
        read, site = (
            _strip_type(title, truth.doc_type).replace(" ", "")
            for title in (meta.title, truth.site_summary)
        )
        if truth.summary:
            tally.add("trích yếu", read == site, f"{label} | read {meta.title!r}")
        tally.add("trích yếu, every text, against the site's title", read == site, "")
        tally.add(
            "symbol, every text, against the site's title",
            compact(meta.symbol) == compact(truth.site_symbol),
            "",
        )


def typed(symbol: str) -> str:
    """A symbol as typed with plain Latin letters: no diacritics, look-alikes Latin."""
    text = unicodedata.normalize("NFD", symbol.translate(_LOOK_ALIKES))
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace(" ", "")


def search_first(
    rows: Sequence[dict[str, str]], *, workers: int, chars: int
) -> tuple[int, int, list[str]]:
    """(first, searched, misses): texts that come first when their own symbol is searched."""
    from archive_search import Archive
    from archive_search.ingest.options import IngestOptions

    with tempfile.TemporaryDirectory(prefix="bench-headers-") as tmp:
        folder = Path(tmp) / "texts"
        folder.mkdir()
        paths: dict[str, list[str]] = {}
        for number, row in enumerate(rows):
            text = row["text"][:chars] if chars else row["text"]
            path = folder / f"{number:03d}.txt"
            path.write_text(text, encoding="utf-8")
            paths.setdefault(text, []).append(str(path))
        first, searched, misses = 0, 0, []
        with Archive.open(Path(tmp) / "archive", create=True) as archive:
            archive.ingest([folder], options=IngestOptions(workers=workers))
            for number, row in enumerate(rows):
                symbol = truth_of(row).symbol
                if not symbol:
                    continue
                own = paths[row["text"][:chars] if chars else row["text"]]
                hits = archive.search(typed(symbol), limit=1, pages_per_hit=0).hits
                searched += 1
                if hits and hits[0].source in own:
                    first += 1
                else:
                    top = f"{hits[0].symbol!r} {Path(hits[0].source).name}" if hits else "nothing"
                    misses.append(f"{number:03d} {typed(symbol)} → {top}")
        return first, searched, misses


def _percent(right: int, measured: int) -> str:
    return f"{100 * right / measured:.1f}% ({right}/{measured})" if measured else "n/a"


def report(half: str, rows: list[dict[str, str]], args: argparse.Namespace) -> None:
    kept = [row for row in rows if not exclusion(row)]
    excluded: dict[str, int] = {}
    for row in rows:
        if reason := exclusion(row):
            excluded[reason] = excluded.get(reason, 0) + 1
    tally = Tally()
    measure(kept, tally)
    print(f"## {half}: {len(rows)} texts, {len(kept)} measured")
    for reason, count in excluded.items():
        print(f"excluded: {count} ({reason})")
    print("| field | right |\n| --- | ---: |")
    for name in FIELDS:
        print(f"| {name} | {_percent(tally.right[name], tally.measured[name])} |")
    if args.search:
        first, searched, misses = search_first(kept, workers=args.workers, chars=args.chars)
        print(f"| first for its own symbol, typed in Latin letters | {_percent(first, searched)} |")
        if args.show_misses:
            for miss in misses:
                print(f"  search miss: {miss}")
    if args.show_misses:
        for name in FIELDS:
            for miss in filter(None, tally.misses[name]):
                print(f"  {name} miss: {miss}")
    print()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--half", choices=("dev", "held-out", "both"), default="dev")
    parser.add_argument("--search", action="store_true", help="also build an archive and search")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--chars", type=int, default=0, help="keep this many characters a text")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    rows = load(args.data or default_data())
    halves = ("dev", "held-out") if args.half == "both" else (args.half,)
    for half in halves:
        report(half, [row for row in rows if half_of(row) == half], args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
