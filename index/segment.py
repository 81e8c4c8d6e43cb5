"""Vietnamese word segmentation: pyvi's CRF model, without pyvi's slow import.

pyvi pickles its model inside a scikit-learn wrapper, so ``import pyvi`` pulls in scikit-learn.
Here the pickle is opened with a restricted unpickler that keeps only the CRFsuite model bytes,
which ``pycrfsuite`` (a dependency of pyvi, quick to import) tags directly. Features and the

joining rules are pyvi's own, computed once per syllable instead of once per neighbour, so the
output is identical to ``pyvi.ViTokenizer.tokenize`` (a test checks it on real text) and faster.

Only compound words (two or more syllables) are kept for the index: single syllables are
already in the syllable fields. The query side does not segment at all: every run of 2-4
adjacent query syllables is looked up as a candidate compound, and the index, which holds
exactly the compounds the documents were segmented into, decides which exist.
"""

from __future__ import annotations

import functools
import pickle
import re
import string
import unicodedata
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

from archive_search.index.analysis import normalize

if TYPE_CHECKING:
    import pycrfsuite

JOINER = "_"
MAX_COMPOUND = 4
_SPECIALS = ["==>", "->", r"\.\.\.", ">>", "\n"]
_ABBREVIATIONS = [r"[A-ZĐ]+\.", r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\."]
_SYLLABLE_RE = re.compile(
    "("
    + "|".join(
        [
            *_ABBREVIATIONS,
            *_SPECIALS,
            r"\w+://[^\s]+",
            r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",
            r"\d+([\.,_]\d+)+",
            r"[^\w\s]",
            r"\w+",
        ]
    )
    + ")"
)
_INSIDE = "I_W"


class _Kept:
    """Stands in for every non-builtin class while unpickling pyvi's model.

    Those are scikit-learn's wrapper and the numpy arrays in its training log: this keeps a dict
    state, runs no code, imports nothing.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __setstate__(self, state: object) -> None:
        if isinstance(state, dict):
            self.__dict__.update(state)


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module in ("builtins", "copyreg", "collections", "_codecs"):
            return super().find_class(module, name)
        return _Kept


_MODEL_BYTES: list[
    bytes
] = []  # pycrfsuite reads the model in place: the bytes must outlive the tagger


@functools.cache
def _model() -> tuple[pycrfsuite.Tagger, frozenset[str], frozenset[str]]:
    """pyvi's CRF tagger and its bigram and trigram dictionaries (loaded once per process)."""
    import pycrfsuite  # here, not at the top: the search path never loads it

    models = resources.files("pyvi") / "models"
    with (models / "pyvi3.pkl").open("rb") as handle:  # pyvi's own model file, shipped in its wheel
        wrapper = _ModelUnpickler(handle).load()
    _MODEL_BYTES.append(wrapper.modelfile.__dict__["__FILE_RESOURCE_DATA__"])
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(_MODEL_BYTES[-1])
    words = (models / "words.txt").read_text(encoding="utf-8").split("\n")
    bigrams = frozenset(w for w in words if len(w.split(" ")) == 2)
    trigrams = frozenset(w for w in words if len(w.split(" ")) == 3)
    return tagger, bigrams, trigrams


def syllables(text: str) -> list[str]:
    """pyvi's syllabification: words, numbers, punctuation, URLs and abbreviations."""
    return [match[0] for match in _SYLLABLE_RE.findall(unicodedata.normalize("NFC", text))]


def _features(
    sent: list[str], bigrams: frozenset[str], trigrams: frozenset[str]
) -> list[dict[str, Any]]:
    """Exactly pyvi's ``sent2features``, with each syllable's properties computed once."""
    lower = [word.lower() for word in sent]
    title = [word.istitle() for word in sent]
    upper = [word.isupper() for word in sent]
    size = len(sent)
    pair = [" ".join(sent[i : i + 2]).lower() in bigrams for i in range(size - 1)]
    triple = [" ".join(sent[i : i + 3]).lower() in trigrams for i in range(size - 2)]
    features = []
    for i, word in enumerate(sent):
        item: dict[str, Any] = {
            "bias": 1.0,
            "word.lower()": lower[i],
            "word.isupper()": upper[i],
            "word.istitle()": title[i],
            "word.isdigit()": word.isdigit(),
        }
        if i > 0:
            item["-1:word.lower()"] = lower[i - 1]
            item["-1:word.istitle()"] = title[i - 1]
            item["-1:word.isupper()"] = upper[i - 1]
            item["-1:word.bi_gram()"] = pair[i - 1]
            if i > 1:
                item["-2:word.tri_gram()"] = triple[i - 2]
        if i < size - 1:
            item["+1:word.lower()"] = lower[i + 1]
            item["+1:word.istitle()"] = title[i + 1]
            item["+1:word.isupper()"] = upper[i + 1]
            item["+1:word.bi_gram()"] = pair[i]
            if i < size - 2:
                item["+2:word.tri_gram()"] = triple[i]
        features.append(item)
    return features


def _joins(previous: str, current: str, label: str) -> bool:
    """pyvi's rule for gluing a syllable to the one before it."""
    return (
        label == _INSIDE
        and current not in string.punctuation
        and previous not in string.punctuation
        and not current[0].isdigit()
        and not previous[0].isdigit()
        and not (current[0].istitle() and not previous[0].istitle())
    )


def segment(text: str) -> list[str]:
    """The words of ``text`` as pyvi segments them, syllables of a word joined by ``_``."""
    sent = syllables(text)
    if not sent:
        return []
    tagger, bigrams, trigrams = _model()
    labels = tagger.tag(_features(sent, bigrams, trigrams))
    parts = [sent[0]]
    for i in range(1, len(sent)):
        parts.append(JOINER if _joins(sent[i - 1], sent[i], labels[i]) else " ")
        parts.append(sent[i])
    return "".join(parts).split()  # as pyvi: line breaks are tagged, then dropped


def compounds(text: str) -> list[str]:
    """The multi-syllable words of ``text``, in canonical lowercase spelling (``công_nghệ``)."""
    return [
        word
        for word in segment(normalize(text).lower())
        if JOINER in word and not word.startswith(JOINER)
    ]


def candidate_compounds(syllables_in_order: list[str]) -> Iterator[str]:
    """Every run of 2..MAX_COMPOUND adjacent query syllables, joined: compounds a query may mean."""
    for size in range(2, MAX_COMPOUND + 1):
        for start in range(len(syllables_in_order) - size + 1):
            yield JOINER.join(syllables_in_order[start : start + size])
