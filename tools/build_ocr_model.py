"""Build the OCR correction model (ingest/data/syllables.tsv.gz) from Vietnamese texts.

``python -m tools.build_ocr_model ../shared/corpus/vietnews-val.jsonl.xz``: the articles' titles
and bodies, with the project's sample texts; only counts above the thresholds are written.
"""

from __future__ import annotations

import argparse
import json
import lzma
from collections.abc import Iterator
from pathlib import Path

from archive_search.ingest.ocr_model import MODEL_PATH, count, write_model

REPO = Path(__file__).resolve().parents[1]


def _texts(corpus: Path, skip: int = 0) -> Iterator[str]:
    with lzma.open(corpus, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number < skip:
                continue
            item = json.loads(line)
            yield item["title"]
            yield item["body"]
    for path in sorted((REPO / "sample").rglob("*.txt")):
        yield path.read_text(encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="vietnews-val.jsonl.xz")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--skip",
        type=int,
        default=0,
        help="leave out the first N articles (bench.ocr_real draws its pages from the first 400)",
    )
    args = parser.parse_args()
    unigrams, bigrams = count(_texts(args.corpus, args.skip))
    write_model(args.out, unigrams, bigrams)


if __name__ == "__main__":
    main()
