"""Vietnamese spelling corrected after tesseract, from a model of syllables.

Syllables that cannot exist in Vietnamese, and tone or vowel marks that the syllables around them
make improbable.

Tesseract's Vietnamese errors are mostly in the marks (``triển`` read ``triên``, ``phố`` read
``phó``, ``đào tạo`` read ``đảo tạo``) and in a vowel's shape under its marks (``chống`` read
``chẳng``). So the candidates for a word are the syllables of the model spelled with the same
letters and other marks, and those with one of ``a``/``o``/``e`` read for another; each is scored by
how likely it is between its neighbours (``ingest/ocr_model.py``). A word tesseract reads as a
possible syllable is replaced only when a candidate is more likely by a margin, larger the surer
tesseract was of the word and when one of its neighbours is unknown (another vowel letter only when
tesseract was unsure; a capitalised word, a name mostly, only when it was very unsure; a word it was
surest of never); an impossible one by the likeliest candidate. A sentence runs on from a line's
end to the next line of its paragraph. Digits read for letters of like shape, as on typewritten
pages (``1ưu`` for ``lưu``, ``5Ø`` for ``50``), are put back first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from archive_search.index.analysis import normalize, unmarked
from archive_search.index.syllables import is_vietnamese_syllable
from archive_search.ingest.ocr_model import SyllableModel
from archive_search.ingest.ocr_words import OcrWord

_CORE_RE = re.compile(r"^(\W*)([^\W\d_]+)(\W*)$")
_VOWEL_SWAPS = {"a": "oe", "o": "ae", "e": "ao"}  # letter shapes tesseract takes for each other
_SLASHED_ZERO_RE = re.compile(r"(?<=\d)[Øø]|[Øø](?=\d)")  # a zero with a stroke, beside a digit
_DIGIT_LETTERS = str.maketrans("10", "lo")  # digits tesseract reads for letters of like shape


@dataclass(frozen=True, slots=True)
class Margins:
    """How much likelier (natural log) a candidate must be than a possible word as read."""

    marks: float = 4.0  # another mark on the same letters
    letter: float = 6.0  # another vowel letter as well
    per_confidence: float = 0.06  # added per point of tesseract's confidence in the word (0-100)
    one_side: float = 2.0  # added when one neighbour only is known (a line's end, punctuation)
    letter_below: float = 85.0  # another letter only for words tesseract was less sure of
    sure: float = 96.0  # a possible word tesseract was this sure of is kept as read
    name_below: float = 60.0  # a capitalised word (a name, mostly) only below this confidence


@dataclass(frozen=True, slots=True)
class _Token:
    prefix: str
    core: str
    suffix: str
    key: str | None  # the core lowercase in the canonical spelling; None when not a word

    @classmethod
    def of(cls, text: str) -> _Token:
        match = _CORE_RE.match(text)
        if match is None:
            return cls(text, "", "", None)
        prefix, core, suffix = match.groups()
        return cls(prefix, core, suffix, normalize(core).lower())


def _recased(word: str, like: str) -> str:
    """``word`` in the case of ``like`` (all capitals, capitalised, or lowercase)."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[0].upper() + word[1:] if like[0].isupper() else word


def _is_name(core: str) -> bool:
    """A capitalised word (``Tươi``), not one in capitals (``PHỐ``)."""
    return core[0].isupper() and not core.isupper()


def _candidates(key: str, model: SyllableModel) -> list[tuple[str, bool]]:
    """(syllable, same letters) the model knows that ``key`` may have been misread from."""
    skeleton = unmarked(key)  # the letters on the page: kỹ and kĩ are not misreadings of each other
    found = [(word, True) for word in model.by_skeleton.get(skeleton, ())]
    for index, letter in enumerate(skeleton):
        for other in _VOWEL_SWAPS.get(letter, ""):
            swapped = skeleton[:index] + other + skeleton[index + 1 :]
            found.extend((word, False) for word in model.by_skeleton.get(swapped, ()))
    return found


def _undoubled(word: OcrWord) -> OcrWord:
    """``word`` without the second ``Đ`` tesseract reads in one: ``QĐÐ`` for ``QĐ``.

    The second is an Icelandic ``Ð``, a mixed pair no text prints; ``ĐĐ`` (``ĐĐBQH``) is kept.
    """
    if "ĐÐ" not in word.text and "ÐĐ" not in word.text:
        return word
    return word.spelled(word.text.replace("ĐÐ", "Đ").replace("ÐĐ", "Đ"))


def _undigited(word: OcrWord, model: SyllableModel) -> OcrWord:
    """``word`` with the digits and strokes read in it for letters of like shape put back.

    A zero with a stroke (a typewriter's, a monospace font's) is read ``Ø`` (``5Ø``, ``PCØ2``): no
    Vietnamese word has the letter. ``l`` is read ``1`` and ``o`` ``0`` (``1ưu``, ``1ịch``,
    ``0anh``): a word of letters and those digits is respelled when it then is a syllable the model
    knows and its letters are not capitals or one plain letter (``1A``, ``F0``, ``1a`` stay; ``1o``,
    which numbers nothing, is ``lo``).
    """
    if not any(char.isdigit() or char in "Øø" for char in word.text):
        return word  # most words: nothing to put back, and no syllable lookups
    text = _SLASHED_ZERO_RE.sub("0", word.text)
    token = _Token.of(text.translate(_DIGIT_LETTERS))
    letters = "".join(char for char in text if char.isalpha())
    if (
        token.key is not None
        and not _Token.of(text).core  # the word as read has digits among its letters
        and letters
        and not letters.isupper()
        and not (len(letters) == 1 and letters.isascii() and letters != "o")  # 1a, 10b; no 1o
        and token.key in model.unigrams
    ):
        start = len(token.prefix)
        letters = text[start : start + len(token.core)].translate(_DIGIT_LETTERS)
        if letters[0] == "o" and text[start] == "0":
            letters = "O" + letters[1:]  # a 0 is as tall as a capital O
        text = f"{token.prefix}{letters}{token.suffix}"
    return word if text == word.text else word.spelled(text)


def _joined(first: OcrWord, second: OcrWord) -> bool:
    """Whether ``second`` follows ``first`` in a sentence: on its line or the paragraph's next."""
    return first.line[:2] == second.line[:2] and second.line[2] - first.line[2] in (0, 1)


class Corrector:
    """Corrects the words of a page with a syllable model."""

    def __init__(self, model: SyllableModel, margins: Margins = Margins()) -> None:
        self.model = model
        self.margins = margins

    def _score(self, word: str, left: str | None, right: str | None) -> float:
        model = self.model
        score = model.log_follows(left, word) if left else model.log_unigram(word)
        return score + model.log_follows(word, right) if right else score

    def _best(self, token: _Token, confidence: float, left: str | None, right: str | None) -> str:
        """The spelling of ``token.key`` to keep: itself, or a likelier candidate."""
        key = token.key
        assert key is not None
        if _is_name(token.core) and confidence >= self.margins.name_below:
            return key  # Vietnamese or foreign (Lee, Hoon): a name is not in the model
        possible = is_vietnamese_syllable(key)
        if possible and confidence >= self.margins.sure:
            return key  # tesseract's surest words: the model is wrong about them as often as right
        best, best_score = key, self._score(key, left, right) if possible else -math.inf
        extra = self.margins.per_confidence * max(0.0, confidence)
        if left is None or right is None:
            extra += self.margins.one_side
        for word, same_letters in _candidates(key, self.model):
            if possible and not same_letters and confidence >= self.margins.letter_below:
                continue
            margin = self.margins.marks if same_letters else self.margins.letter
            if possible:
                margin += extra
            score = self._score(word, left, right) - margin
            if word != key and score > best_score:
                best, best_score = word, score
        return best

    def correct(self, words: Sequence[OcrWord]) -> list[OcrWord]:
        """``words`` with the misread syllables respelled (same boxes, same order)."""
        words = [_undigited(_undoubled(word), self.model) for word in words]
        tokens = [_Token.of(word.text) for word in words]
        keys = [token.key for token in tokens]
        out = list(words)
        for index, (word, token) in enumerate(zip(words, tokens, strict=True)):
            if token.key is None:
                continue
            left = right = None
            if index and _joined(words[index - 1], word) and not token.prefix:
                left = keys[index - 1] if not tokens[index - 1].suffix else None
            if index + 1 < len(words) and _joined(word, words[index + 1]) and not token.suffix:
                right = keys[index + 1] if not tokens[index + 1].prefix else None
            best = self._best(token, word.confidence, left, right)
            if best != token.key:
                keys[index] = best
                spelled = _recased(best, token.core)
                out[index] = word.spelled(f"{token.prefix}{spelled}{token.suffix}")
        return out
