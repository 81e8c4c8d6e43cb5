"""Text folded in place, lowercase, one byte a character, and whole words found in it.

Snippets find a query's words in a page in any accent. Rather than a regex of accented forms per
letter, costly to compile for every new query (docs/performance.md), the page is folded by a
charmap codec (the C loop of the standard 8-bit codecs): each letter becomes its lowercase base
letter, any other character a stand-in of the same kind (a letter, or a space), so the offsets
found are the text's. Each word is then found by a regex that opens with its letters (which the
regex engine finds as ``bytes.find`` does), whole words only.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from functools import lru_cache

from archive_search.index.analysis import fold, y_or_i

# A letter or digit, in folded text: \w, as "_" is folded to a space (\w is cheaper to compile
# than a class).
_WORD_CHAR = rb"\w"
# Runs of characters without a byte (strays) mapped alone, if at least so many characters apart,
# before the rest of the text is mapped a character at a time.
_STRAYS_AT_MOST, _STRAYS_APART = 8, 16
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def accent_letters() -> dict[str, str]:
    """Each lowercase base letter → itself and every accented form of it."""
    forms: dict[str, set[str]] = {}
    for code in range(0xC0, 0x1F00):
        letter = chr(code)
        if letter.islower() and len(base := fold(letter)) == 1 and base != letter:
            forms.setdefault(base, {base}).add(letter)
    return {base: "".join(sorted(letters)) for base, letters in forms.items()}


def _folded_byte(char: str) -> int:
    """The byte ``char`` folds to.

    Its lowercase base letter; ``X`` for any other letter or digit (no folded word holds a
    capital); ASCII punctuation and control characters themselves, but ``_`` a space; anything
    else a space.
    """
    lowered = char.lower()
    if len(lowered) == 1 and lowered.isascii():  # the Kelvin sign too
        return ord(" ") if lowered == "_" else ord(lowered)
    if lowered in _BASE_OF:
        return ord(_BASE_OF[lowered])
    return ord("X") if char.isalnum() else ord(" ")


class _Folds(dict[int, int]):
    """The byte each character folds to, worked out the first time it is met.

    The codec's mapping for text that has characters without a byte of their own (Cyrillic, CJK,
    symbols).
    """

    def __missing__(self, code: int) -> int:
        self[code] = byte = _folded_byte(chr(code))
        return byte


ACCENTS = accent_letters()
_BASE_OF = {
    letter: base for base, letters in ACCENTS.items() for letter in letters if base.isascii()
}
# Characters of Vietnamese pages other than ASCII, each given a byte: the letters first, lowercase
# and capital, then other accented Latin letters and the punctuation of typeset text, as many as
# fit in the bytes above ASCII and the control characters other than tab, line and page breaks.
_VIETNAMESE = sorted(
    {unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in _TONES} - set("aeiouy")
)
_PUNCTUATION = "\u00a0“”‘’–—…•·«»"  # noqa: RUF001 - typeset quotes and dashes are the point
_FREE_BYTES = [*range(0x01, 0x09), *range(0x0E, 0x20), *range(0x80, 0x100)]
_LETTERS = [*_VIETNAMESE, "đ", *(letter.upper() for letter in [*_VIETNAMESE, "đ"])]
_OTHERS = sorted(set(_BASE_OF) - set(_LETTERS))
_HELD = [*[*_LETTERS, *_OTHERS][: len(_FREE_BYTES) - len(_PUNCTUATION)], *_PUNCTUATION]
_SLOTS = dict(
    zip(_FREE_BYTES, _HELD, strict=False)
)  # all the letters, when more bytes than letters
_DECODING = [_SLOTS.get(byte, chr(byte) if byte < 0x80 else "\ufffe") for byte in range(256)]
_ENCODING = codecs.charmap_build("".join(_DECODING))
_FOLD_BYTES = bytes(_folded_byte(char) for char in _DECODING)
_FOLDS = _Folds()


def folded(text: str) -> bytes:
    """``text`` lowercase and folded, one byte a character (``Đảng viên`` → ``dang vien``).

    Vietnamese and ASCII take the codec's fast path; a character without a byte of its own (a
    stray ``©`` of OCR) is mapped alone; after ``_STRAYS_AT_MOST`` of them, or one close to the
    last, the rest of the text a character at a time (a page in another script).
    """
    parts = []
    start = 0
    for _ in range(_STRAYS_AT_MOST):
        try:
            parts.append(_fast(text[start:] if start else text))
            return b"".join(parts)
        except UnicodeEncodeError as stray:
            if stray.start < _STRAYS_APART:  # not a stray: text in another script
                break
            parts += [
                _fast(text[start : start + stray.start]),
                _mapped(text[start + stray.start : start + stray.end]),
            ]
            start += stray.end
    parts.append(_mapped(text[start:]))
    return b"".join(parts)


def _fast(text: str) -> bytes:
    return codecs.charmap_encode(text, "strict", _ENCODING)[0].translate(_FOLD_BYTES)


def _mapped(text: str) -> bytes:
    return codecs.charmap_encode(text, "strict", _FOLDS)[0]


def needles_of(words: list[str], prefixes: list[str]) -> tuple[re.Pattern[bytes], ...] | None:
    """A pattern for each folded word and prefix, as ``find_words`` takes them, longest first.

    None when one of them is not ASCII (a Russian word, say) or holds ``_``, which folded text
    cannot hold. Each opens with its needle's letters, whose occurrences the regex engine finds
    as ``bytes.find`` does; the word boundaries are checked around them.
    """
    if not all(text.isascii() and "_" not in text for text in [*words, *prefixes]):
        return None
    ordered = [(word, b"") for word in sorted(words, key=lambda w: (-len(w), w))]
    ordered += [(start, _WORD_CHAR + b"*") for start in prefixes]
    return tuple(_needle(text.encode(), rest) for text, rest in ordered)


def _needle(text: bytes, rest: bytes) -> re.Pattern[bytes]:
    """``text`` (then ``rest``) as a whole word: the boundary before it is checked behind it."""
    literal = re.escape(text)
    if not rest and y_or_i(text.decode()):  # ``ki`` finds ``kỹ`` as written, as ``fold`` does
        literal = re.escape(text[:-1]) + b"[iy]"
    return _compiled(
        literal + b"(?<!" + _WORD_CHAR + literal + b")" + rest + b"(?!" + _WORD_CHAR + b")"
    )


@lru_cache(maxsize=4096)
def _compiled(pattern: bytes) -> re.Pattern[bytes]:
    return re.compile(pattern)


def find_words(text: bytes, needles: tuple[re.Pattern[bytes], ...]) -> list[tuple[int, int]]:
    """Where ``needles`` occur in folded ``text`` as whole words, left to right.

    A prefix matches from a word's start to its end; of matches starting at one place the
    longest is kept, and none inside another.
    """
    found = [
        each for needle in needles if (each := [match.span() for match in needle.finditer(text)])
    ]
    if len(found) < 2:  # one word's matches never overlap
        return found[0] if found else []
    spans: list[tuple[int, int]] = []
    for start, end in sorted(itertools.chain.from_iterable(found), key=_leftmost_longest):
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def _leftmost_longest(span: tuple[int, int]) -> tuple[int, int]:
    return span[0], -span[1]
