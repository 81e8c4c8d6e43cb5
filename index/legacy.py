"""Repair text written in a pre-Unicode Vietnamese encoding: TCVN3 (ABC), VNI-Win, VIQR, CP1258.

Legacy text reaches the archive as a PDF whose font is a TCVN3 or VNI font (pdfminer returns the
font's byte codes as cp1252 characters: ``TØnh ñy``, ``Tænh uûy``), as a ``.txt`` file that is not
UTF-8, or as VIQR ASCII (``Vie^.t Nam``). Documents mix encodings (a TCVN3 header over a Unicode
body), so the decision is taken per line and, inside a line, per run of words.

A line is converted only when the converted line has clearly more valid Vietnamese syllables
(:mod:`index.syllables`) than the line as given: at least ``ACCEPT_MARGIN`` more of its words.
Inside a converted line each word keeps its original form when only the original is a valid
syllable, or when it holds a letter no 8-bit view can produce (``ệ`` is Unicode, never TCVN3 or
VNI), and words valid or invalid both ways follow their nearest decided neighbour: that is what a
run is.

Run :func:`repair_text` before :func:`index.analysis.normalize`: normalisation deletes U+00AD, which
is the TCVN3 byte for ``ư`` (``Tr­êng`` is ``Trường``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from archive_search.index.syllables import TONE_MARKS, VOWELS, is_vietnamese_syllable

__all__ = [
    "ACCEPT_MARGIN",
    "ACCEPT_SHARE",
    "MIN_JUDGED_WORDS",
    "OCR_SHARE",
    "TCVN3_CODES",
    "VNI_CODES",
    "Repair",
    "decode_bytes",
    "repair_text",
]

ACCEPT_MARGIN = 0.15
"""A conversion must raise a line's share of valid syllables by this much. Undecoded legacy lines
score 0.17-0.28 and 1.0 once decoded; 0.15 still converts a line of six words with one legacy
word, while one accidental hit in a long Unicode line (a word that happens to decode into a
syllable) stays below it."""
ACCEPT_SHARE = 0.5
"""...and the converted line must be at least half valid syllables: the result is Vietnamese."""
OCR_SHARE = 0.9
"""After repair, text whose judged words are Vietnamese syllables below this share needs OCR.

It leaves real text room for names and stray errors, and sits well above what undecoded legacy
text and noise reach (the shares measured are in docs/performance.md); a broken font map that
spoils only a few words is not caught."""
MIN_JUDGED_WORDS = 5
"""Text with fewer judged words than this is too short to flag."""

_NFC: Callable[[str], str] = lambda text: unicodedata.normalize("NFC", text)  # noqa: E731
_LETTERS = [_NFC(v + mark) for v in VOWELS for mark in TONE_MARKS] + ["đ"]
VIETNAMESE_LETTERS = frozenset(_LETTERS + [letter.upper() for letter in _LETTERS])

# TCVN3 (TCVN 5712:1993 VN3) codes, read as cp1252: per vowel, toneless then grave, hook, tilde,
# acute, dot below. Only lowercase is encoded, plus seven capitals without tone.
_TCVN3_LOWER = {
    "a": "a\xb5\xb6\xb7\xb8\xb9", "ă": "\xa8\xbb\xbc\xbd\xbe\xc6", "â": "\xa9\xc7\xc8\xc9\xca\xcb",
    "e": "e\xcc\xce\xcf\xd0\xd1", "ê": "\xaa\xd2\xd3\xd4\xd5\xd6", "i": "i\xd7\xd8\xdc\xdd\xde",
    "o": "o\xdf\xe1\xe2\xe3\xe4", "ô": "\xab\xe5\xe6\xe7\xe8\xe9", "ơ": "\xac\xea\xeb\xec\xed\xee",
    "u": "u\xef\xf1\xf2\xf3\xf4", "ư": "\xad\xf5\xf6\xf7\xf8\xf9", "y": "y\xfa\xfb\xfc\xfd\xfe",
}  # fmt: skip
_TCVN3_CAPITALS = {
    "Ă": "\xa1",
    "Â": "\xa2",
    "Ê": "\xa3",
    "Ô": "\xa4",
    "Ơ": "\xa5",
    "Ư": "\xa6",
    "Đ": "\xa7",
}
# VNI-Win: an ASCII letter followed by mark bytes, read as cp1252, in the TONE_MARKS order.
_VNI_TONES = ("", "ø", "û", "õ", "ù", "ï")
_VNI_SPECIAL = {
    "ă": ("a", "êèúüéë"),
    "â": ("a", "âàåãáä"),
    "ê": ("e", "âàåãáä"),
    "ô": ("o", "âàåãáä"),
}
_VNI_I = ("i", "ì", "æ", "ó", "í", "ò")


def _tcvn3_codes() -> dict[str, str]:
    codes = {"đ": "\xae", **_TCVN3_CAPITALS}
    for vowel, row in _TCVN3_LOWER.items():
        for mark, code in zip(TONE_MARKS, row, strict=True):
            letter = _NFC(vowel + mark)
            codes[letter] = code
            codes.setdefault(letter.upper(), code.upper() if code.isascii() else code)
    return codes


def _vni_sequence(vowel: str, tone: int) -> str:
    if vowel == "i":
        return _VNI_I[tone]
    if vowel in _VNI_SPECIAL:
        base, marks = _VNI_SPECIAL[vowel]
        return base + marks[tone]
    base = {"ơ": "ô", "ư": "ö"}.get(vowel, vowel)
    return "î" if (vowel, tone) == ("y", 5) else base + _VNI_TONES[tone]


def _vni_codes() -> dict[str, str]:
    codes = {"đ": "ñ", "Đ": "Ñ"}
    for vowel in VOWELS:
        for tone, mark in enumerate(TONE_MARKS):
            letter, sequence = _NFC(vowel + mark), _vni_sequence(vowel, tone)
            codes[letter], codes[letter.upper()] = sequence, sequence.upper()
    return codes


TCVN3_CODES: Mapping[str, str] = MappingProxyType(_tcvn3_codes())
"""Every Vietnamese letter → its TCVN3 code as a cp1252 character (toned capitals share the
lowercase code: case is lost, :func:`repair_text` restores it from all-capital words)."""
VNI_CODES: Mapping[str, str] = MappingProxyType(_vni_codes())
"""Every Vietnamese letter → its VNI-Win byte sequence as cp1252 characters."""

_TCVN3_DECODE = {
    ord(code): letter
    for letter, code in TCVN3_CODES.items()
    if not code.isascii() and letter.islower()
}
_TCVN3_DECODE.update({ord(code): letter for letter, code in _TCVN3_CAPITALS.items()})


def _vni_decode_table() -> dict[str, str]:
    """Sequence → letter; a sequence typed with mixed case takes the case of its first character."""
    table: dict[str, str] = {}
    for letter, sequence in VNI_CODES.items():
        if sequence.isascii() or not letter.islower():
            continue
        first, rest = sequence[0], sequence[1:]
        for head in (first, first.upper()):
            for tail in (rest, rest.upper()):
                table[head + tail] = letter if head.islower() else letter.upper()
    return table


_VNI_DECODE = _vni_decode_table()
_VNI_RE = re.compile("|".join(map(re.escape, sorted(_VNI_DECODE, key=len, reverse=True))))

# VIQR: vowel + optional ^ ( + then optional ' ` ? ~ . ; dd (or d9) is đ.
_VIQR_QUALITY = {"^": "\u0302", "(": "\u0306", "+": "\u031b"}
_VIQR_ALLOWED = {"^": "aeo", "(": "a", "+": "ou"}
_VIQR_TONE = {"`": "\u0300", "?": "\u0309", "~": "\u0303", "'": "\u0301", ".": "\u0323"}
_VIQR_RE = re.compile(r"([aeiouy])([\^(+]?)([`?~'.]?)", re.IGNORECASE)
_VIQR_D_RE = re.compile(r"(?<![^\W\d_])([dD])[dD9]")
_VIQR_ESCAPE_RE = re.compile(r"\\([`?~'.^(+])")  # a backslash keeps a mark character literal
_VIQR_AFTER_PUNCTUATION = frozenset(".,;:!?)]}\"'»”\u2019…\n\r")
_VIQR_WORD_END_RE = re.compile(r"(?<=[aeiouyAEIOUY])[.?'](?= +[a-zđ])")
_VIQR_HINT = re.compile(r"[aeiouy](?:[\^(+`'~]|[.?](?= ?[a-z]))|(?<![a-z])d[d9]", re.IGNORECASE)

_CP1252_HIGH = bytes(range(0x80, 0xA0)).decode("cp1252", errors="replace")
_C1_TO_CP1252 = {0x80 + i: ch for i, ch in enumerate(_CP1252_HIGH) if ch != "\ufffd"}
_CP1252_TO_C1 = {ord(ch): code for code, ch in _C1_TO_CP1252.items()}
# Characters that never occur in Unicode Vietnamese but do in a cp1252 view of legacy bytes.
_SUSPECT = frozenset(TCVN3_CODES.values()) | frozenset(_TCVN3_CAPITALS.values())
_SUSPECT |= {ch for sequence in _VNI_DECODE for ch in sequence}
_SUSPECT_RE = re.compile(
    "[" + re.escape("".join(sorted(_SUSPECT - VIETNAMESE_LETTERS - set("\xa0°")))) + "]"
)
# Letters of Unicode Vietnamese that no 8-bit view produces: a line holding one is Unicode text.
_UNICODE_VIETNAMESE_RE = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")
_LATIN1_LETTER_RE = re.compile("[\xc0-\xff]")
_WORD_RE = re.compile(r"[^\W\d_]+")
# A word for scoring; VIQR marks inside or after it keep it whole, so ``Vie^.t`` is no syllable.
_SCORE_WORD_RE = re.compile(r"[^\W\d_]+(?:(?:[\^(+`~]|['.?](?=[^\W\d_]))+[^\W\d_]*)*")
_CHUNK_RE = re.compile(r"(\s+)")
_HORN_O = "ơờởỡớợ"
_TCVN3_WORD = "(?:[^\\W\\d_]|[" + re.escape("".join(map(chr, _TCVN3_DECODE))) + "])"
_HYPHEN_JOIN_RE = re.compile(
    f"({_TCVN3_WORD}++)[ \\-]({_TCVN3_WORD}*+)"
)  # possessive: no backtracking
_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class Repair:
    """Text after repair, the encodings found in it, and whether it still is not Vietnamese."""

    text: str
    encodings: frozenset[
        str
    ]  # {"tcvn3"}, {"vni"}, {"viqr"}, {"cp1258"}, {"decomposed"}; empty: unchanged
    valid_share: float  # share of judged words that are Vietnamese syllables (1.0 when none)
    needs_ocr: bool  # enough words to judge, and valid_share below OCR_SHARE


@lru_cache(maxsize=1 << 16)
def _chunk_counts(chunk: str) -> tuple[int, int]:
    """(valid, all) words of a whitespace-free chunk, as :func:`vietnamese_share` counts them."""
    if _DIGIT_RE.search(chunk):
        return 0, 0
    words = _SCORE_WORD_RE.findall(_NFC(chunk).lower())
    return sum(map(is_vietnamese_syllable, words)), len(words)


def _is_word_ok(chunk: str) -> bool | None:
    """All words of a chunk valid (True), some invalid (False), nothing to judge (None)."""
    valid, total = _chunk_counts(chunk)
    return None if not total else valid == total


def _score_view(line: str) -> str:
    """``line`` for scoring: a VIQR ``.``/``?`` tone mark stays inside its word (``ba? ba``)."""
    return _VIQR_WORD_END_RE.sub("`", line)


def _line_share(line: str) -> float:
    """:func:`vietnamese_share` of a line, but 0.0 when nothing can be judged (``d9a^'y``)."""
    counts = [_chunk_counts(chunk) for chunk in line.split()]
    total = sum(count[1] for count in counts)
    return sum(count[0] for count in counts) / total if total else 0.0


def _restore_capitals(source: str, converted: str, line_upper: bool) -> str:
    """TCVN3 has no case for toned letters: an all-capital word (``TØNH``) is put in capitals."""
    ascii_letters = [(i, ch) for i, ch in enumerate(source) if ch.isascii() and ch.isalpha()]
    if not ascii_letters or not all(ch.isupper() for _, ch in ascii_letters):
        return converted
    if line_upper or len(ascii_letters) > 1 or ascii_letters[0][0] > 0:
        return converted.upper()
    return converted


def _insert_lost_u(word: str) -> str:
    """``Trêng`` (the ``ư`` byte dropped) is ``Trường``: ``ơ`` after a consonant needs its ``ư``."""
    if is_vietnamese_syllable(word.lower()):
        return word
    for index, ch in enumerate(word):
        if ch.lower() in _HORN_O and index and word[index - 1].lower() not in "uư":
            fixed = word[:index] + ("Ư" if word[:index].isupper() else "ư") + word[index:]
            return fixed if is_vietnamese_syllable(fixed.lower()) else word
    return word


def _tcvn3_chunk(chunk: str, line_upper: bool) -> str:
    converted = _NFC(chunk.translate(_TCVN3_DECODE))
    converted = _WORD_RE.sub(lambda m: _insert_lost_u(m.group()), converted)
    return _restore_capitals(chunk, converted, line_upper)


def _join_lost_u(match: re.Match[str]) -> str:
    """A ``ư`` byte turned into a space or hyphen (``Tr êng``, ``nh­ vËy`` → ``nh  vËy``)."""
    left, right = match.group(1), match.group(2)
    left_text = _NFC(left.translate(_TCVN3_DECODE)).lower()
    right_text = _NFC(right.translate(_TCVN3_DECODE)).lower()
    if is_vietnamese_syllable(left_text) or is_vietnamese_syllable(right_text):
        return match.group()
    if right and is_vietnamese_syllable(left_text + "ư" + right_text):
        return left + "\xad" + right
    if not right and is_vietnamese_syllable(left_text + "ư"):
        return left + "\xad"
    return match.group()


def _vni_chunk(chunk: str) -> str:
    return _NFC(_VNI_RE.sub(lambda m: _VNI_DECODE[m.group()], chunk))


def _viqr_tone_is_punctuation(text: str, end: int) -> bool:
    """Whether a ``.`` or ``?`` after a vowel is punctuation rather than a VIQR tone mark.

    It is a tone mark (RFC 1456: ``vu. Ti?nh``) except where only punctuation can stand: at the end
    of the line or before punctuation (``No^.i.``, ``kho^ng?)``).
    """
    following = text[end:].lstrip(" ")
    return not following or following[0] in _VIQR_AFTER_PUNCTUATION


def _viqr_letter(match: re.Match[str]) -> str:
    base, quality, tone = match.groups()
    if quality and base.lower() not in _VIQR_ALLOWED[quality]:
        return match.group()
    rest = ""
    if tone and tone in ".?" and _viqr_tone_is_punctuation(match.string, match.end()):
        tone, rest = "", tone
    marks = _VIQR_QUALITY.get(quality, "") + _VIQR_TONE.get(tone, "")
    return _NFC(base + marks) + rest


def _viqr_text(text: str) -> str:
    text = _VIQR_D_RE.sub(lambda m: "Đ" if m.group(1) == "D" else "đ", text)
    return _NFC(_VIQR_ESCAPE_RE.sub(r"\1", _VIQR_RE.sub(_viqr_letter, text)))


def _cp1258_chunk(chunk: str) -> str:
    try:
        raw = chunk.translate(_CP1252_TO_C1).encode("latin-1")
    except UnicodeEncodeError:
        return chunk
    return _NFC(raw.decode("cp1258", errors="replace"))


def _label(original: str, converted: str) -> str | None:
    """``legacy``, ``native``, ``?`` (undecided) or None (conversion changes nothing)."""
    if _UNICODE_VIETNAMESE_RE.search(original):
        return "native"
    if original == converted:
        return None
    before, after = _is_word_ok(original), _is_word_ok(converted)
    if after and not before:
        return "legacy"
    if before and not after:
        return "native"
    return "?"


def _nearest(labels: list[str | None]) -> list[tuple[int, str | None]]:
    """For each position, (distance, label) of the closest decision at or before it."""
    result: list[tuple[int, str | None]] = []
    last: tuple[int, str | None] = (len(labels) + 1, None)
    for label in labels:
        last = (0, label) if label in ("legacy", "native") else (last[0] + 1, last[1])
        result.append(last)
    return result


def _settle(labels: list[str | None]) -> list[bool]:
    """Whether each chunk takes its converted form; undecided chunks follow the nearest decision."""
    before, after = _nearest(labels), _nearest(labels[::-1])[::-1]
    return [
        (min(left, right)[1] if label == "?" else label) == "legacy"
        for label, left, right in zip(labels, before, after, strict=True)
    ]


def _mix(
    line: str, convert: Callable[[str], str], *, whole_line: bool = False, lean: bool = False
) -> str:
    """Convert ``line`` chunk by chunk, or at once when marks depend on what follows a word.

    With ``lean``, chunks that read as Vietnamese either way (``Sè``/``Số``) are converted too.
    """
    chunks = _CHUNK_RE.split(line)
    if whole_line:
        converted = _CHUNK_RE.split(convert(line))
    else:
        converted = [convert(chunk) if chunk and not chunk.isspace() else chunk for chunk in chunks]
    views = _CHUNK_RE.split(_score_view(line))
    labels = [_label(a, b) for a, b in zip(views, converted, strict=True)]
    take = _settle(["legacy" if lean and label == "?" else label for label in labels])
    return "".join(
        new if use else old for old, new, use in zip(chunks, converted, take, strict=True)
    )


def _tcvn3_line(line: str, lean: bool = False) -> str:
    line = _HYPHEN_JOIN_RE.sub(_join_lost_u, line)
    words = [w for w in line.split() if sum(ch.isascii() and ch.isalpha() for ch in w) > 1]
    line_upper = bool(words) and all(
        not any(ch.islower() and ch.isascii() for ch in w) for w in words
    )
    return _mix(line, lambda chunk: _tcvn3_chunk(chunk, line_upper), lean=lean)


def _leaning(name: str, line: str) -> str:
    """``line`` in a legacy encoding, its undecided words converted (see ``_Line.ties``)."""
    if name == "tcvn3":
        return _NFC(_tcvn3_line(line, lean=True))
    return _NFC(_mix(line, _vni_chunk, lean=True)) if name == "vni" else _NFC(line)


_LINE_CONVERTERS: dict[str, Callable[[str], str]] = {
    "tcvn3": _tcvn3_line,
    "vni": lambda line: _mix(line, _vni_chunk),
    "cp1258": lambda line: _mix(line, _cp1258_chunk),
    "viqr": lambda line: _mix(line, _viqr_text, whole_line=True),
}


def _candidates(line: str, thorough: bool) -> Iterator[str]:
    """The readings worth trying, found cheaply: most Unicode lines get none."""
    if line.isascii():
        if _VIQR_HINT.search(line):
            yield "viqr"
        return
    if thorough:
        yield from ("tcvn3", "vni", "cp1258")
    elif _SUSPECT_RE.search(line):
        yield from ("tcvn3", "vni")
    elif _UNICODE_VIETNAMESE_RE.search(line):
        return  # Unicode Vietnamese (a VIQR run inside it is left alone)
    elif _LATIN1_LETTER_RE.search(line):  # ``Trêng``: only letters that Unicode shares
        yield from ("tcvn3", "vni")
    if _VIQR_HINT.search(line):
        yield "viqr"


@dataclass(frozen=True, slots=True)
class _Line:
    """A line as it stands (NFC) and its best legacy readings, as (encoding, text) pairs.

    Several readings when they tie (``bæ`` is VNI's ``bỉ`` and TCVN3's ``bổ``); none when no reading
    is clearly more Vietnamese than the line itself.
    """

    plain: str
    readings: tuple[tuple[str, str], ...]
    decomposed: bool  # the line was not NFC
    #: Readings exactly as Vietnamese as the line itself (``Sè`` is a syllable, and TCVN3's
    #: ``Số``): taken when the text's other lines were read in that encoding.
    ties: tuple[tuple[str, str], ...] = ()


def _read_line(line: str, thorough: bool) -> _Line:
    plain = _NFC(line)
    base_share = (
        _line_share(_score_view(plain)) if (names := list(_candidates(line, thorough))) else 0.0
    )
    best: list[tuple[str, str]] = []
    ties: list[tuple[str, str]] = []
    best_share = base_share
    for name in names:
        candidate = _NFC(_LINE_CONVERTERS[name](line))
        share = _line_share(candidate)
        if share > best_share:
            best, best_share = [(name, candidate)], share
        elif share == best_share and best:
            best.append((name, candidate))
        elif share == base_share >= ACCEPT_SHARE:
            leaning = _leaning(name, line)
            if leaning != plain and _line_share(leaning) >= base_share:
                ties.append((name, leaning))
    if best_share < max(base_share + ACCEPT_MARGIN, ACCEPT_SHARE):
        best = []
    return _Line(plain, tuple(best), plain != line, tuple(ties))


def _settle_lines(lines: list[_Line]) -> tuple[list[str], set[str]]:
    """Each line's text and the encodings found.

    A tie between readings goes to the encoding the text's unambiguous lines (a PDF page's, a whole
    file's) were read in most: a VNI file's ``bì bỉ`` line stays VNI. Without any, to the first in
    ``_candidates`` order.
    """
    votes = Counter(line.readings[0][0] for line in lines if len(line.readings) == 1)
    leading = votes.most_common(1)[0][0] if votes else None
    texts, encodings = [], set()
    for line in lines:
        tie = next((text for name, text in line.ties if name == leading), None)
        if not line.readings and tie is not None and leading is not None:
            texts.append(tie)
            encodings.add(leading)
        elif line.readings:
            name, text = max(line.readings, key=lambda reading: votes[reading[0]])
            texts.append(text)
            encodings.add(name)
        else:
            texts.append(line.plain)
            if line.decomposed:
                encodings.add("decomposed")
    return texts, encodings


def _judge(text: str) -> tuple[int, int]:
    """(valid, invalid) judged chunks.

    ASCII-only words that are not syllables (English, ``UBND``) are not judged; letterless chunks of
    non-punctuation symbols (``©®¶``) count as invalid.
    """
    valid = invalid = 0
    for chunk in text.split():
        verdict = _is_word_ok(chunk)
        if verdict:
            valid += 1
        elif verdict is False and not chunk.isascii():
            invalid += 1
        elif verdict is None and not any(ch.isdigit() for ch in chunk):
            invalid += any(
                not ch.isascii() and not unicodedata.category(ch).startswith("P") for ch in chunk
            )
    return valid, invalid


def _repair(text: str, thorough: bool) -> Repair:
    lines, encodings = _settle_lines(
        [_read_line(line, thorough) for line in text.splitlines(keepends=True)]
    )
    result = "".join(lines)
    valid, invalid = _judge(result)
    share = valid / (valid + invalid) if valid + invalid else 1.0
    needs_ocr = valid + invalid >= MIN_JUDGED_WORDS and share < OCR_SHARE
    return Repair(result, frozenset(encodings), share, needs_ocr)


def repair_text(text: str) -> Repair:
    """Convert the legacy-encoded lines and runs of already-decoded ``text`` (e.g. from pdfminer).

    A line that holds no character of a legacy cp1252 view and no VIQR mark is only NFC'd: that is
    the fast path taken by ordinary Unicode text. The result is always NFC.
    """
    return _repair(text, thorough=False)


def decode_bytes(data: bytes) -> Repair:
    """Decode a text file: UTF-8 (BOM or not) first, else TCVN3, VNI-Win or CP1258, line by line.

    Bytes that are not UTF-8 are read as cp1252 (latin-1 for the five bytes cp1252 leaves
    undefined), then every line tries every legacy reading and keeps the most Vietnamese one.
    """
    try:
        return _repair(data.decode("utf-8-sig"), thorough=False)
    except UnicodeDecodeError:
        view = data.decode("latin-1").translate(_C1_TO_CP1252)
        return _repair(view, thorough=True)
