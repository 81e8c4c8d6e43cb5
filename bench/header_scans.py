"""Header fields read from scanned two-column headers, through real tesseract.

Each case is a first page drawn at 300 dpi as an archive scans it, the header in two columns side
by side (left: issuing body, ``*`` or a rule, ``Số …``; right: ``ĐẢNG CỘNG SẢN VIỆT NAM`` or
``CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM`` and its motto, place and date), then the heading, the
trích yếu and the first line of the body. Tesseract reads the header region (the top of the page:
header, heading, trích yếu); the page text and word boxes it gives go through ingestion's header
reading, and each field is compared with the truth.

- **State** cases are drawn from published texts (``../shared/real/vbpl-dev.jsonl.xz``, the
  texts ``bench.headers`` measures, its halves): the issuing body, symbol, place and date read from
  the published text (where that reading agrees with the site's title), the heading and trích yếu
  lines as printed.
- **Party** cases are the scale corpus's generated documents (``bench.corpus``; seed 1 for
  ``dev``, 2 for ``held-out``): the place and date on the body's line, or level with ``Số``.

The heading and trích yếu are centred, but on every fourth page typed flush left (as on many
typewritten pages; tesseract then often reads the right column after them). Every third page
has scanner noise, every third is blurred and faded. Tesseract's output is kept
in ``--cache`` (JSON), so that parser changes are measured on the same readings.

    .venv/bin/python -m bench.header_scans --half held-out --state 30 --party 20
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from archive_search.index.records import DocumentMeta, WordBox
from bench import headers as published
from bench.corpus import DEFAULT_TEXT_POOL, FONDS, Generator, load_articles, split_header
from bench.header_columns import column_text
from bench.headers import compact, plain
from tools.docgen import render_party_scan

FIELDS = ("symbol", "date", "type", "issuer code", "issuer name", "trích yếu")
DEGRADATIONS = ("", "noise", "blur,contrast")
_HEADER_REGION = 1300  # pixels from the top of a 300 dpi page: header, heading and trích yếu
_BODY_OPENINGS = ("Căn cứ", "Điều 1", "Chương I")
_STATE_MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]


@dataclass(frozen=True, slots=True)
class Case:
    key: str
    left: list[str]
    right: list[str]
    body: str
    truth: dict[str, str]
    degrade: str


def _state_body(text: str) -> str:
    """The heading, trích yếu and first body line of a published text, as printed."""
    from archive_search.ingest.header import _heading_index, header_lines

    lines = [line for line in header_lines(text) if line.strip()]
    at, _, _ = _heading_index(lines)
    kept: list[str] = []
    for line in lines[at : at + 8]:
        kept.append(line)
        if line.startswith(_BODY_OPENINGS):
            break
    return "\n".join(kept)


def state_cases(half: str, count: int) -> list[Case]:
    from archive_search.ingest.header import read_metadata

    rows = [row for row in published.load(published.default_data()) if not published.exclusion(row)]
    cases: list[Case] = []
    for row in rows:
        if published.half_of(row) != half or len(cases) >= count:
            continue
        truth, meta = published.truth_of(row), read_metadata([row["text"]])
        agrees = truth.symbol and compact(meta.symbol) == compact(truth.symbol)
        if not (agrees and meta.issuer_name and meta.title):
            continue  # the published text's reading is the truth only where it is right
        day_month_year = ""
        if meta.date:
            year, month, day = (int(part) for part in meta.date.split("-"))
            day_month_year = f"{meta.place or 'Hà Nội'}, ngày {day} tháng {month} năm {year}"
        number = len(cases)
        cases.append(
            Case(
                f"state-{number:03d}",
                [meta.issuer_name, "", f"Số: {meta.symbol}"],
                [*_STATE_MOTTO, "", day_month_year] if day_month_year else _STATE_MOTTO,
                _state_body(row["text"]),
                _truth(
                    meta.symbol, meta.date, meta.doc_type, meta.issuer, meta.issuer_name, meta.title
                ),
                DEGRADATIONS[number % 3],
            )
        )
    return cases


def party_cases(half: str, count: int) -> list[Case]:
    generator = Generator(load_articles(DEFAULT_TEXT_POOL, count * 3), 1 if half == "dev" else 2)
    bodies = {fond.code: fond.body for fond in FONDS}
    cases = []
    for number in range(count):
        doc = generator.document(number)
        left, right, rest = split_header(doc.pages[0])
        if number % 2:  # the place and date level with ``Số``, as most Party headers print it
            right = [right[0], *[""] * (len(left) - 2), *right[1:]]
        mark = [rest.split("\n", 1)[0]] if doc.secrecy else []  # ``MẬT`` above the heading
        heading, summary, *_ = [*rest.split("\n")[len(mark) :], "", ""]
        cases.append(
            Case(
                f"party-{number:03d}",
                left,
                right,
                "\n".join([*mark, heading, summary]),
                _truth(
                    doc.symbol,
                    doc.date,
                    doc.doc_type,
                    doc.issuer,
                    bodies[doc.fond],
                    f"{heading.capitalize()} {summary}",
                ),
                DEGRADATIONS[number % 3],
            )
        )
    return cases


def _truth(
    symbol: str, date: str, doc_type: str, issuer: str, name: str, title: str
) -> dict[str, str]:
    return {
        "symbol": symbol,
        "date": date,
        "type": doc_type,
        "issuer code": issuer,
        "issuer name": name,
        "trích yếu": title,
    }


def ocr_case(case: Case) -> dict[str, object]:
    """Tesseract's text and word boxes on the case's scanned header region."""
    from archive_search.ingest import ocr

    lines = case.body.split("\n")
    centred = next(
        (n for n, line in enumerate(lines) if line.startswith(_BODY_OPENINGS)), len(lines)
    )
    if int(case.key[-3:]) % 4 == 3:
        centred = 0  # typed flush left, as typewritten pages often are
    image = render_party_scan(
        case.left, case.right, case.body, degrade=case.degrade, seed=len(case.key), centred=centred
    )
    image = image.crop((0, 0, image.width, _HEADER_REGION))
    result = ocr.ocr_image(image, timeout=300)
    return {"text": result.text, "boxes": [asdict(box) for box in result.boxes]}


def field_values(meta: DocumentMeta) -> dict[str, str]:
    return {
        "symbol": meta.symbol,
        "date": meta.date,
        "type": meta.doc_type,
        "issuer code": meta.issuer,
        "issuer name": meta.issuer_name,
        "trích yếu": meta.title,
    }


def agrees(name: str, read: str, want: str) -> bool:
    if name == "trích yếu" or name == "issuer name":
        return plain(read).replace(" ", "") == plain(want).replace(" ", "")
    if name in ("symbol", "issuer code"):
        return compact(read) == compact(want)
    return read == want


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=("dev", "held-out"), default="dev")
    parser.add_argument("--state", type=int, default=30, help="state cases")
    parser.add_argument("--party", type=int, default=20, help="Party cases")
    parser.add_argument("--cache", type=Path, default=None, help="tesseract's readings (JSON)")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    cases = state_cases(args.half, args.state) + party_cases(args.half, args.party)
    cache_path = args.cache or Path(f"/tmp/header-scans-{args.half}.json")
    cache: dict[str, dict[str, object]] = (
        json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.exists() else {}
    )
    for number, case in enumerate(cases, start=1):
        if case.key not in cache or cache[case.key].get("body") != case.body:
            cache[case.key] = {**ocr_case(case), "body": case.body}
            cache_path.write_text(json.dumps(cache, ensure_ascii=False), encoding="utf-8")
            print(f"read {number}/{len(cases)}", file=sys.stderr)
    report(cases, cache, args.show_misses)


def readings(
    cases: Sequence[Case], cache: dict[str, dict[str, object]]
) -> dict[str, dict[str, dict[str, str]]]:
    """{way: {case key: field values}} for each way of reading the header."""
    from archive_search.ingest.header import read_metadata

    ways: dict[str, dict[str, dict[str, str]]] = {"text": {}, "columns": {}}
    for case in cases:
        entry = cache[case.key]
        text = str(entry["text"])
        ways["text"][case.key] = field_values(read_metadata([text]))
        boxes = [WordBox(**box) for box in entry["boxes"]]  # type: ignore[attr-defined]
        ordered = column_text(text, boxes) or text
        ways["columns"][case.key] = field_values(read_metadata([ordered]))
    return ways


def report(cases: Sequence[Case], cache: dict[str, dict[str, object]], show: bool) -> None:
    ways = readings(cases, cache)
    for kind in ("state", "party", ""):
        chosen = [case for case in cases if case.key.startswith(kind)]
        if not chosen:
            continue
        print(f"\n{kind or 'all'} ({len(chosen)} pages)")
        print("| field | " + " | ".join(ways) + " |")
        for name in FIELDS:
            cells = []
            for values in ways.values():
                right = sum(agrees(name, values[c.key][name], c.truth[name]) for c in chosen)
                cells.append(f"{100 * right / len(chosen):.1f}% ({right}/{len(chosen)})")
            print(f"| {name} | " + " | ".join(cells) + " |")
    if show:
        for way, values in ways.items():
            for case in cases:
                for name in FIELDS:
                    if not agrees(name, values[case.key][name], case.truth[name]):
                        read, want = values[case.key][name], case.truth[name]
                        print(f"{way} {case.key} [{case.degrade}] {name}: {read!r}, want {want!r}")


if __name__ == "__main__":
    main()
