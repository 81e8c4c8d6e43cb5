"""Snippets cut from a page's text, with the matched words in ``<b>…</b>``.

Also whether the page holds the query's words exactly as typed or only accent-insensitively.

The page is never tokenised in Python: the text shown (NFC, zero-width characters removed) is
folded, lowercase, one byte a character, and the needles are found in it (``folded_text``), so
offsets hold in the text shown. Needles that folded text cannot hold (not ASCII once folded: a
Russian word) are found by a regex blind to accents over the lowercase text instead, each letter a
class of its accented forms.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from archive_search import folded_text
from archive_search.folded_text import ACCENTS, find_words, needles_of
from archive_search.index.analysis import compose, fold, normalize, y_or_i
from archive_search.index.doctypes import code_of_name
from archive_search.models import Match

WINDOW = 24  # words shown around the densest run of matches
HEAD = 800  # characters of a page searched first (the window shows ~170)
_WORD_CHARS = 7  # average characters per word and space, to size the window in characters
_SPACE_RE = re.compile(r"\s")
_NOT_SPACE_RE = re.compile(r"\S")
_HTML_SPECIAL_RE = re.compile("[&<>\"']")  # what html.escape replaces
_WORD = r"[^\W_]"
_WORD_RE = re.compile(_WORD)


@dataclass(frozen=True, slots=True)
class Needles:
    """The query's words as typed (canonical lowercase); prefixes match the start of a word.

    They are found in any accent, or (``exact``) only spelled as typed.
    """

    words: frozenset[str]
    prefixes: frozenset[str] = frozenset()
    exact: bool = False
    # Derived from the three above once per search, not once per page: each needle with its
    # folded form, and what finds them: a plain search of folded text, else a regex.
    folded_words: tuple[tuple[str, str], ...] = field(init=False, compare=False)
    folded_prefixes: tuple[tuple[str, str], ...] = field(init=False, compare=False)
    plain: tuple[re.Pattern[bytes], ...] | None = field(init=False, compare=False)
    pattern: re.Pattern[str] | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        folded_words = tuple((w, fold(w)) for w in sorted(self.words))
        folded_prefixes = tuple((p, fold(p)) for p in sorted(self.prefixes))
        words = sorted({f for _, f in folded_words} - {""}, key=lambda w: (-len(w), w))
        starts = sorted({f for _, f in folded_prefixes} - {""})
        plain = needles_of(words, starts)
        needles = [(word, "") for word in words] + [(start, f"{_WORD}*") for start in starts]
        object.__setattr__(self, "folded_words", folded_words)
        object.__setattr__(self, "folded_prefixes", folded_prefixes)
        object.__setattr__(self, "plain", plain)
        object.__setattr__(self, "pattern", _needle_pattern(needles) if plain is None else None)

    @classmethod
    def of(
        cls, words: Iterable[str], prefixes: Iterable[str] = (), *, exact: bool = False
    ) -> Needles:
        return cls(frozenset(words), frozenset(prefixes), exact)

    def match(self, text: str) -> Match | None:
        """How ``text`` (a title, say) holds the needles: ``exact``, ``folded``, or None."""
        shown = _shown(text)
        return self.match_spans(shown, self.spans(shown))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the needles occur in ``text`` (composed, see ``_shown``).

        In any case and accent (or, ``exact``, as typed) and tone-mark style.
        """
        if self.plain is not None:
            spans = find_words(folded_text.folded(text), self.plain) if self.plain else []
        else:  # needles folded text cannot hold
            spans = [m.span() for m in self.pattern.finditer(text.lower())] if self.pattern else []
        if self.exact:
            return [(a, b) for a, b in spans if self._as_typed(text[a:b])]
        return spans

    def _as_typed(self, found: str) -> bool:
        """Whether a word the accent-blind pattern found spells a needle as typed."""
        spelled = _spelling(found)[0]
        return spelled in self.words or any(spelled.startswith(prefix) for prefix in self.prefixes)

    def match_spans(self, text: str, spans: list[tuple[int, int]]) -> Match | None:
        """How the matched spans spell the needles: ``exact`` or ``folded``.

        ``exact`` when each needle found is somewhere spelled as typed (in canonical spelling),
        ``folded`` otherwise.
        """
        if not spans:
            return None
        spellings = [_spelling(found) for found in {text[a:b] for a, b in spans}]
        seen = {spelled for spelled, _ in spellings}
        seen_folded = {folded for _, folded in spellings}
        for word, folded in self.folded_words:
            if folded in seen_folded and word not in seen:
                return "folded"
        for prefix, folded in self.folded_prefixes:
            if any(f.startswith(folded) for f in seen_folded) and not any(
                s.startswith(prefix) for s in seen
            ):
                return "folded"
        return "exact"


@lru_cache(maxsize=4096)
def _spelling(text: str) -> tuple[str, str]:
    """A matched word's canonical lowercase spelling and folded form, cached.

    The same few words match on every page of a search, and across searches.
    """
    spelled = normalize(text.lower())
    return spelled, fold(spelled)


_ACCENT_CLASSES = {
    base: f"[{letters}]" for base, letters in ACCENTS.items()
}  # letters need no escaping
_I_OR_Y = f"[{ACCENTS['i']}{ACCENTS['y']}]"


def _any_of(letters: str) -> str:
    return (
        f"[{letters}]"
        if letters.isalnum()
        else "[" + "".join(re.escape(ch) for ch in letters) + "]"
    )


def _any_accent(folded: str) -> str:
    """A regex matching ``folded`` spelled with any diacritics (``dang`` → ``[dđ][aàáạ…]ng``)."""
    return "".join(_ACCENT_CLASSES.get(ch) or re.escape(ch) for ch in folded)


def _rest(text: str, after: str) -> str:
    """A regex for folded ``text`` past its first letter; a final ``i`` may be written ``y``."""
    if not after and y_or_i(text):  # ``ki``: ``kỹ`` as written, as ``fold`` reads it
        return _any_accent(text[1:-1]) + _I_OR_Y
    return _any_accent(text[1:])


def _needle_pattern(needles: list[tuple[str, str]]) -> re.Pattern[str] | None:
    """One regex for the needles (folded text, regex after it) in any accent, as whole words.

    It opens with a class of every letter a needle may start with, so the regex engine skips
    ahead to those; the word boundary before a match, and which needle its first letter begins,
    are checked behind that letter: a pattern opening with the boundary's lookbehind would be
    tried at every character (docs/performance.md).
    """
    if not needles:
        return None
    branches = [
        f"(?<={_any_accent(text[0])}){_rest(text, after)}{after}" for text, after in needles
    ]
    starts = _any_of(
        "".join(sorted({letter for text, _ in needles for letter in ACCENTS.get(text[0], text[0])}))
    )
    return re.compile(f"{starts}(?<!{_WORD}.)(?:{'|'.join(branches)})(?!{_WORD})")


def _shown(text: str) -> str:
    """The text to show (NFC, no zero-width characters) and its lowercase form of the same length.

    ``İ``, the one capital whose lowercase form is two characters, is shown as that form.
    """
    return compose(text).replace("İ", "i\u0307")


def cut(text: str, needles: Needles, *, size: int = WINDOW) -> tuple[str, Match | None]:
    """The snippet of ``text`` for ``needles`` and how the page matched.

    The page's first ``HEAD`` characters are read first, and the rest only when they hold no
    match: the snippet shows the densest run of matches near the top of the page, found without
    reading all of it (the regex costs ~40 ns a character, the larger part of a search)."""
    for part in _heads(text):
        shown = _shown(part)
        spans = needles.spans(shown)
        if spans:
            break
    more = len(part) < len(text)
    return _render(shown, spans, size, more=more), needles.match_spans(shown, spans)


def _heads(text: str) -> tuple[str, ...]:
    """The page's head (ending at a space, so no word is cut) and the whole page."""
    end = _SPACE_RE.search(text, HEAD) if len(text) > HEAD * 3 // 2 else None
    return (text[: end.start()], text) if end else (text,)


def _window(length: int, spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """The character range of ``width`` holding most match starts (a little before the first)."""
    if not spans:
        return 0, min(length, width)
    lead = width // 6
    starts = [a for a, _ in spans]
    best_start, best_count = 0, 0
    for index, first in enumerate(starts):
        start = first - lead if first > lead else 0
        count = bisect_left(starts, start + width, index) - index
        if count > best_count:
            best_start, best_count = start, count
    return best_start, min(length, best_start + width)


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen/narrow a range so it neither starts nor ends inside a word."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _render(text: str, spans: list[tuple[int, int]], size: int, *, more: bool = False) -> str:
    if not text or text.isspace():
        return ""
    start, end = _snap(text, *_window(len(text), spans, size * _WORD_CHARS))
    inside = [(a, b) for a, b in spans if start <= a and b <= end]
    escape = html.escape if _HTML_SPECIAL_RE.search(text, start, end) else _as_is
    parts: list[str] = []
    cursor = start
    for a, b in _merge(text, inside):
        parts += [escape(text[cursor:a]), "<b>", escape(text[a:b]), "</b>"]
        cursor = b
    parts.append(escape(text[cursor:end]))
    body = " ".join("".join(parts).split())  # runs of spaces and line breaks as one space
    cut_after = more or _NOT_SPACE_RE.search(text, end) is not None
    return ("… " if start > 0 else "") + body + (" …" if cut_after else "")


def _as_is(text: str) -> str:
    return text


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent matches separated only by spaces or punctuation become one mark (``36-NQ/TW``)."""
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and not _WORD_RE.search(text, merged[-1][1], a):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


# Lines that open many documents and name none: the national motto, the Party's name, the
# symbol and the place and date.
_BOILERPLATE_RE = re.compile(
    r"^(cong hoa xa hoi chu nghia viet nam|doc lap\W+tu do\W+hanh phuc|dang cong san viet nam"
    r"|so\s*:|.{0,40}ngay\s+\d{1,2}\s+thang\s+\d{1,2})",
)
HEADING_CHARS = 120  # a heading longer than this is cut at a word


def heading(text: str) -> str:
    """The first meaningful line of a document's first page: what names a document without a title.

    Not the motto, the Party's name, the symbol or the date; at least two words. A type's name alone
    (``NGHỊ QUYẾT``) takes the line after it, its trích yếu, along.
    """
    found: list[str] = []
    for line in normalize(text).splitlines():
        shown = " ".join(line.split()).strip(" -–—_=|*.")  # noqa: RUF001 - dashes drawn as rules
        words = [word for word in shown.split() if any(ch.isalpha() for ch in word)]
        if len(words) < 2 or _BOILERPLATE_RE.match(fold(shown).lower()):
            continue
        found.append(shown)
        if code_of_name(shown) is None:
            break
    joined = " ".join(found)
    if len(joined) <= HEADING_CHARS:
        return joined
    return joined[:HEADING_CHARS].rsplit(" ", 1)[0] + " …"
