"""Vietnamese text analysis, used identically when indexing and when querying.

``normalize`` gives the canonical spelling (NFC, one ``Đ``, no zero-width characters, the new
tone-mark style ``hoà``/``thuỷ``, Cyrillic and Greek look-alikes among Latin letters written in
Latin: ``TT-BT\u0421`` as published, its last letter Cyrillic, is ``TT-BTC``); ``fold`` strips every
diacritic (``đ`` → ``d``) for accent-insensitive matching, and writes a final ``y`` after a
consonant ``i`` (``kỹ``/``kĩ``, ``quy``/``qui``: one word's two spellings); ``tokens`` splits text
into syllables with their offsets in the text as given, so snippets can be cut from the original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH_RE = re.compile(f"[{_ZERO_WIDTH}]")
_COMBINING = "\u0300-\u036f"
# A syllable: letters and digits, with combining marks and zero-width characters inside it.
_TOKEN_RE = re.compile(f"(?:[^\\W_]|[{_COMBINING}{_ZERO_WIDTH}])+")
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
# Old-style tone on the first vowel of an open oa/oe/uy syllable (hòa, khỏe, thủy, ủy), not after
# q (quỏa). The "not after q" is checked once the vowel is read: a pattern opening with a
# lookbehind is tried at every character, one opening with a class only where the class matches
# (docs/performance.md).
_OLD_STYLE_RE = re.compile(
    "([òóỏõọÒÓỎÕỌ](?<![qQ].)[aAeE]|[ùúủũụÙÚỦŨỤ](?<![qQ].)[yY])(?![^\\W_]|[" + _COMBINING + "])"
)


# Letters of other scripts printed like Latin ones (OCR and typists mix them into Vietnamese
# words and symbols), and the letters that stand for ``Đ``. One character each, so offsets hold.
_LOOK_ALIKES = {
    **dict(zip("АВСЕНІЈКМОРЅТХУаеіјорсѕху", "ABCEHIJKMOPSTXYaeijopcsxy", strict=True)),  # noqa: RUF001
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧο", "ABEZHIKMNOPTYXo", strict=True)),  # noqa: RUF001
    "Ɖ": "Đ",
    "ɖ": "đ",
}
_LOOK_ALIKE_TABLE = str.maketrans(_LOOK_ALIKES)
_LOOK_ALIKE_RE = re.compile(f"[{''.join(_LOOK_ALIKES)}]")
_WITH_LOOK_ALIKE_RE = re.compile(f"\\S*[{''.join(_LOOK_ALIKES)}]\\S*")
_LATIN_RE = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
# Bumped whenever the analysis changes the terms it gives (words, symbol keys, the citations
# found in a text: ``index.symbols``): an index built by an earlier version lacks the field named
# after this one, and is rebuilt (``index.search_index.INDEX_FIELDS``).
ANALYSIS_VERSION = 7
# The initial consonants a syllable's lone ``y`` or ``i`` follows, one letter or two.
_ONE_LETTER_INITIAL, _TWO_LETTER_INITIAL = "[bcdghklmnprstvx]", "ch|gh|kh|ng|nh|ph|qu|th|tr"
# After a consonant, a syllable's only vowel written ``y`` is the same word as written ``i``
# (``kỹ``/``kĩ``, ``lý``/``lí``, ``quy``/``qui``, ``Mỹ``/``Mĩ``, ``tỷ``/``tỉ``, ``công ty``/``công
# ti``: spellings that changed across decades), so folded text writes it ``i``. The pattern opens
# with the ``y`` and looks behind it, so the scan is for one letter (docs/performance.md).
_FINAL_Y_RE = re.compile(
    rf"y(?![^\W_])(?:(?<=(?<![^\W_]){_ONE_LETTER_INITIAL}y)"
    rf"|(?<=(?<![^\W_])(?:{_TWO_LETTER_INITIAL})y))"
)
_I_FOR_Y_RE = re.compile(f"(?:{_ONE_LETTER_INITIAL}|{_TWO_LETTER_INITIAL})i")


def latin_look_alikes(text: str) -> str:
    """``text`` with Cyrillic and Greek look-alikes among Latin letters written in Latin.

    Only in a run without spaces that holds a Latin letter: a Russian word stays Russian.
    """
    if _LOOK_ALIKE_RE.search(text) is None:
        return text
    return _WITH_LOOK_ALIKE_RE.sub(_latin_run, text)


def _latin_run(match: re.Match[str]) -> str:
    run = match.group()
    return run.translate(_LOOK_ALIKE_TABLE) if _LATIN_RE.search(run) else run


@dataclass(frozen=True, slots=True)
class Token:
    """One syllable: its canonical lowercase form and where it stands in the source text."""

    term: str
    start: int
    end: int


def _move_tone(match: re.Match[str]) -> str:
    pair = match.group(1)
    first, second = pair[0], pair[1]
    decomposed = unicodedata.normalize("NFD", first)
    tone = "".join(ch for ch in decomposed if ch in _TONE_MARKS)
    bare = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
    return unicodedata.normalize("NFC", bare) + unicodedata.normalize("NFC", second + tone)


def compose(text: str) -> str:
    """``text`` as shown to people: NFC, no zero-width characters, ``Ð`` written ``Đ``.

    The tone-mark style of the source is kept.
    """
    text = unicodedata.normalize("NFC", text)
    if any(mark in text for mark in _ZERO_WIDTH):  # cheaper than the regex: docs/performance.md
        text = _ZERO_WIDTH_RE.sub("", text)
    return text.replace("Ð", "Đ").replace("ð", "đ")


def normalize(text: str) -> str:
    """The canonical spelling of ``text``: composed, new tone-mark style, look-alikes Latin.

    Case is kept.
    """
    return _OLD_STYLE_RE.sub(_move_tone, compose(latin_look_alikes(text)))


_STRIPPED_RE = re.compile(f"[{_COMBINING}{_ZERO_WIDTH}]")
_PLAIN_WORD_RE = re.compile(r"[^\W_]+")
# Anything but ASCII and combining diacritics: where dropping non-ASCII would drop more than marks.
_NOT_LATIN_RE = re.compile(f"[^\x00-\x7f{_COMBINING}]")


def fold(text: str) -> str:
    """Lowercase ``text`` with every diacritic removed (``Đảng`` → ``dang``), ``kỹ`` as ``ki``."""
    return _y_as_i(unmarked(text))


def unmarked(text: str) -> str:
    """Lowercase ``text`` with every diacritic removed, its letters as written.

    For names and codes compared without marks (manifest columns, field names, symbols, filter
    values), where ``fold``'s ``y`` as ``i`` is about words.
    """
    text = latin_look_alikes(text)
    return _without_marks(
        text.replace("Đ", "D").replace("đ", "d").replace("Ð", "D").replace("ð", "d")
    ).lower()


def y_or_i(folded: str) -> bool:
    """Whether the folded syllable ``folded`` ends in an ``i`` that a text may write ``y``."""
    return _I_FOR_Y_RE.fullmatch(folded) is not None


def _y_as_i(folded: str) -> str:
    """Folded ``folded`` with a syllable's final ``y`` after a consonant written ``i``."""
    return _FINAL_Y_RE.sub("i", folded) if "y" in folded else folded


def _without_marks(text: str) -> str:
    """``text`` (its ``đ`` already ``d``) without diacritics or zero-width characters."""
    decomposed = unicodedata.normalize("NFD", text)
    if (
        _NOT_LATIN_RE.search(decomposed) is None
    ):  # Vietnamese and ASCII: the marks are the non-ASCII
        return decomposed.encode("ascii", "ignore").decode("ascii")
    return _STRIPPED_RE.sub("", decomposed)


def has_diacritics(word: str) -> bool:
    """True when ``word`` carries any Vietnamese diacritic (so it can be matched exactly)."""
    return unmarked(word) != normalize(word).lower()


def tokens(text: str) -> Iterator[Token]:
    """The syllables of ``text`` with their offsets in ``text`` as given."""
    for match in _TOKEN_RE.finditer(latin_look_alikes(text)):
        term = normalize(match.group()).lower()
        if term:
            yield Token(term, match.start(), match.end())


def _same_length_canonical(text: str) -> str | None:
    """``normalize(text).lower()`` when it keeps every offset of ``text``, else None.

    That is NFC text without zero-width characters or Ð: the tone move and lowercasing are then
    length-preserving.
    """
    if (
        not unicodedata.is_normalized("NFC", text)
        or _STRIPPED_RE.search(text)
        or "Ð" in text
        or "ð" in text
    ):
        return None
    canonical = _OLD_STYLE_RE.sub(_move_tone, text).lower()
    return canonical if len(canonical) == len(text) else None


def terms(text: str) -> list[str]:
    """The canonical lowercase syllables of ``text``."""
    text = latin_look_alikes(text)
    canonical = _same_length_canonical(text)
    if canonical is None:  # offsets are not needed here: compose the whole text at once
        canonical = _same_length_canonical(compose(text))
    if canonical is not None:
        return _PLAIN_WORD_RE.findall(canonical)
    return [token.term for token in tokens(text)]


def exact_field(text: str) -> str:
    """Text for an exact (accent-sensitive) field: syllables joined by spaces."""
    return " ".join(terms(text))


def folded_field(text: str) -> str:
    """Text for a folded (accent-insensitive) field: folded syllables joined by spaces."""
    return fold(exact_field(text))


def analysed_fields(text: str) -> tuple[str, str]:
    """(exact, folded) field texts of ``text``, analysing it once."""
    exact = exact_field(text)
    return exact, _fold_canonical(exact)


def _fold_canonical(text: str) -> str:
    """``fold`` of canonical lowercase text, where ``Đ`` and ``Ð`` cannot occur.

    It leaves out the steps that would change nothing there, for speed (docs/performance.md).
    """
    return _y_as_i(_without_marks(text.replace("đ", "d")))
