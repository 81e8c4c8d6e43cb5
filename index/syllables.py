"""Is a word a possible Vietnamese syllable? A phonotactic check, no dictionary.

A syllable is ``initial consonant + rhyme`` with at most one tone mark. The rhyme must be one of
the rhymes of the language (``oanh``, ``ương``, ``uyêt``…), the spelling rules must hold
(``k``/``gh``/``ngh`` only before ``e ê i y``, ``c``/``g``/``ng`` not before them, ``yê`` only
without an initial or after ``qu``, ``iê`` only after one), the tone must sit on the vowel that
carries it (old and new style both accepted for open ``oa``/``oe``/``uy``), and a rhyme ending in
``c ch p t`` takes only the acute or the dot below. Legacy-encoding mojibake (``c¶ng``,
``viá»‡t``) fails these rules almost always, which is what :mod:`index.legacy` relies on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["is_vietnamese_syllable", "vietnamese_share"]

# Combining tone marks in the order used everywhere in this package: none, grave, hook, tilde,
# acute, dot below.
TONE_MARKS = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
VOWELS = "aăâeêioôơuưy"
_QUALITY_VOWELS = "ăâêôơư"
_STOP_TONES = frozenset({0, 4, 5})  # after c/ch/p/t: acute, dot, or none (unaccented "viet")
_INITIAL_TEXT = "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x"
_INITIALS = [*sorted(_INITIAL_TEXT.split(), key=len, reverse=True), ""]  # longest first, then none
_RHYME_TEXT = """
    a ai ao au ay e eo i ia iu o oi u ua ui y
    âu ây ê êu ô ôi ơ ơi ư ưa ưi ưu
    oa oai oay oao oe oeo uê uy uya uyu uơ uây iêu yêu uôi ươi ươu
    ac ach am an ang anh ap at ăk ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât
    ec em en eng ep et êch êm ên ênh êp êt ich im in inh ip it
    oc om on ong op ot ôc ôm ôn ông ôp ôt ơm ơn ơp ơt
    uc um un ung up ut ưc ưm ưn ưng ưt
    iêc iêm iên iêng iêp iêt yêm yên yêng yêt
    oac oach oam oan oang oanh oap oat oăc oăm oăn oăng oăt oem oen oet
    uân uâng uât uêch uênh uych uynh uyp uyt uyên uyêt
    uôc uôm uôn uông uôt ươc ươm ươn ương ươp ươt
"""
_RHYMES = frozenset(_RHYME_TEXT.split())
_FRONT = "eêiy"  # vowels that select k/gh/ngh instead of c/g/ng
_WORD_RE = re.compile(r"[^\W\d_]+")


def _letter_table() -> dict[str, tuple[str, int]]:
    """Every lowercase letter of the alphabet → (letter without tone, tone index)."""
    table = {ch: (ch, 0) for ch in "bcdđghklmnpqrstvx"}
    for vowel in VOWELS:
        for tone, mark in enumerate(TONE_MARKS):
            table[unicodedata.normalize("NFC", vowel + mark)] = (vowel, tone)
    return table


_LETTERS = _letter_table()


def _tone_positions(rhyme: str) -> frozenset[int]:
    """Where in ``rhyme`` the tone mark may stand."""
    nucleus = len(rhyme) - len(rhyme.lstrip(VOWELS))
    vowels = rhyme[:nucleus]
    marked = [i for i, ch in enumerate(vowels) if ch in _QUALITY_VOWELS]
    if marked:
        return frozenset({marked[-1]})
    if nucleus < len(rhyme) or len(vowels) == 1:
        return frozenset({len(vowels) - 1})
    if len(vowels) == 3:
        return frozenset({1})
    return frozenset({0, 1}) if vowels in ("oa", "oe", "uy") else frozenset({0})


_TONE_POSITIONS = {rhyme: _tone_positions(rhyme) for rhyme in _RHYMES}


def _spelling_ok(initial: str, rhyme: str) -> bool:
    first = rhyme[0]
    if initial in ("c", "ng") and first in _FRONT:
        return False
    if initial in ("k", "gh", "ngh") and first not in _FRONT:
        return False
    if initial == "g" and first in "eê":
        return False
    if initial == "qu" and first in "uo":
        return False
    if initial == "gi" and first == "i":
        return False
    if rhyme.startswith("yê") and initial not in ("", "qu"):
        return False
    return not (rhyme.startswith("iê") and not initial)


def _rhyme_ok(initial: str, rhyme: str, tone: int, tone_at: int) -> bool:
    if initial == "gi" and rhyme.startswith("ê"):  # giêng = gi + iêng, one i written
        rhyme, tone_at = "i" + rhyme, tone_at + 1
    if rhyme not in _RHYMES or not _spelling_ok(initial, rhyme):
        return False
    if (rhyme[-1] in "cptk" or rhyme.endswith("ch")) and tone not in _STOP_TONES:
        return False
    return tone == 0 or tone_at in _TONE_POSITIONS[rhyme]


@lru_cache(maxsize=1 << 16)
def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` (lowercase, NFC) can be a Vietnamese syllable: ``cong``, ``nghiêng``."""
    if not 0 < len(word) <= 7:
        return False
    bare: list[str] = []
    tone, tone_index = 0, -1
    for index, ch in enumerate(word):
        entry = _LETTERS.get(ch)
        if entry is None:
            return False
        bare.append(entry[0])
        if entry[1]:
            if tone:
                return False
            tone, tone_index = entry[1], index
    plain = "".join(bare)
    return any(
        plain.startswith(initial)
        and _rhyme_ok(initial, plain[len(initial) :], tone, tone_index - len(initial))
        for initial in _INITIALS
        if len(plain) > len(initial)
    )


def vietnamese_share(text: str) -> float:
    """The share of alphabetic words in ``text`` that are Vietnamese syllables, from 0.0 to 1.0.

    Words are compared lowercased and NFC. Numbers and punctuation are ignored, and so is any
    whitespace-separated chunk holding a digit (document symbols such as ``36-NQ/TW`` or
    ``12/2019/QĐ-UBND``). A text with no word to judge (empty, only numbers or symbols) returns
    1.0: nothing in it contradicts Vietnamese, so it is never repaired nor flagged.
    """
    valid = total = 0
    for chunk in unicodedata.normalize("NFC", text).lower().split():
        if any(ch.isdigit() for ch in chunk):
            continue
        for word in _WORD_RE.findall(chunk):
            total += 1
            valid += is_vietnamese_syllable(word)
    return valid / total if total else 1.0
