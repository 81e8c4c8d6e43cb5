"""A statistical model of Vietnamese syllables for correcting OCR.

How often each syllable is written, and each pair of syllables one after the other.

The model the package ships (``data/syllables.tsv.gz``) holds counts, not text: syllables seen at
least ``MIN_UNIGRAM`` times and pairs seen at least ``MIN_BIGRAM`` times in ~22,600 Vietnamese news
articles (the validation split of the vietnews corpus, ~11 million syllables), plus the project's
own sample texts; ``tools/build_ocr_model.py`` builds it again from such texts.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path

from archive_search.index.analysis import normalize, unmarked
from archive_search.index.syllables import is_vietnamese_syllable

MODEL_PATH = Path(__file__).resolve().parent / "data" / "syllables.tsv.gz"
MIN_UNIGRAM = 3
MIN_BIGRAM = 4
_SPLIT_RE = re.compile(r"[^\w\s]+|\d+|_")  # a break between syllables: punctuation, digits
_SMOOTHING = 2.0  # weight of a syllable's own frequency in its chance to follow another


def syllable_runs(text: str) -> Iterable[list[str]]:
    """The runs of lowercase Vietnamese syllables of ``text``.

    Each run is unbroken by punctuation, numbers or foreign words.
    """
    for line in normalize(text).lower().splitlines():
        for chunk in _SPLIT_RE.split(line):
            run: list[str] = []
            for word in chunk.split():
                if is_vietnamese_syllable(word):
                    run.append(word)
                elif run:
                    yield run
                    run = []
            if run:
                yield run


@dataclass(slots=True)
class SyllableModel:
    """Syllable and syllable-pair counts, and the syllables by their letters without marks."""

    unigrams: dict[str, int]
    bigrams: dict[tuple[str, str], int]
    total: int = 0
    by_skeleton: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.total = sum(self.unigrams.values()) or 1
        for word in self.unigrams:
            self.by_skeleton.setdefault(unmarked(word), []).append(word)

    def log_unigram(self, word: str) -> float:
        """log P(word), a syllable never seen given half a count."""
        return math.log((self.unigrams.get(word, 0) + 0.5) / self.total)

    def log_follows(self, first: str, second: str) -> float:
        """log P(second | first): the pair's count, smoothed by ``second``'s own frequency."""
        prior = (self.unigrams.get(second, 0) + 0.5) / self.total
        count = self.bigrams.get((first, second), 0)
        return math.log((count + _SMOOTHING * prior) / (self.unigrams.get(first, 0) + _SMOOTHING))


def count(texts: Iterable[str]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Syllable and syllable-pair counts of ``texts``."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for run in syllable_runs(text):
            unigrams.update(run)
            bigrams.update(pairwise(run))
    return unigrams, bigrams


def write_model(path: Path, unigrams: Counter[str], bigrams: Counter[tuple[str, str]]) -> None:
    """The counts above the thresholds, as the package ships them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as out:
        for word, n in sorted(unigrams.items()):
            if n >= MIN_UNIGRAM:
                out.write(f"{word}\t{n}\n")
        out.write("\n")
        for (first, second), n in sorted(bigrams.items()):
            if n >= MIN_BIGRAM and unigrams[first] >= MIN_UNIGRAM:
                out.write(f"{first} {second}\t{n}\n")


def read_model(path: Path) -> SyllableModel:
    """The model ``write_model`` wrote."""
    unigrams: dict[str, int] = {}
    bigrams: dict[tuple[str, str], int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line == "\n":
                break
            word, n = line.split("\t")
            unigrams[word] = int(n)
        for line in lines:
            pair, n = line.split("\t")
            first, second = pair.split(" ")
            bigrams[first, second] = int(n)
    return SyllableModel(unigrams, bigrams)


@cache
def shipped_model() -> SyllableModel:
    """The model the package ships, read once per process."""
    return read_model(MODEL_PATH)
