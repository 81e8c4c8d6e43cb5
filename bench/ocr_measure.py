"""Measures for the real-scan OCR bench: word recall and the character error rate.

Word recall in any order, with and without diacritics; both computed fast enough for whole pages.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from archive_search.index.analysis import normalize

_WORD_RE = re.compile(r"[^\W_]+")


def words(text: str, *, folded: bool = False) -> Counter[str]:
    """The words of ``text``, lowercased in one spelling (and without diacritics if ``folded``)."""
    text = normalize(text).lower()
    if folded:
        text = "".join(
            ch
            for ch in unicodedata.normalize("NFD", text.replace("đ", "d"))
            if not unicodedata.combining(ch)
        )
    return Counter(_WORD_RE.findall(text))


def word_recall(truth: str, read: str, *, folded: bool = False) -> float:
    """The share of the true text's words (with repeats) that the read text holds, any order."""
    expected, got = words(truth, folded=folded), words(read, folded=folded)
    total = sum(expected.values())
    return sum(min(n, got[w]) for w, n in expected.items()) / max(1, total)


def levenshtein(a: str, b: str) -> int:
    """Edit distance by Hyyrö's bit-parallel algorithm (a page in milliseconds)."""
    if not a or not b:
        return len(a) or len(b)
    if len(b) > len(a):
        a, b = b, a
    full, top = (1 << len(b)) - 1, 1 << (len(b) - 1)
    match: dict[str, int] = {}
    for index, char in enumerate(b):
        match[char] = match.get(char, 0) | (1 << index)
    plus, minus, score = full, 0, len(b)
    for char in a:
        eq = match.get(char, 0)
        xv = eq | minus
        xh = (((eq & plus) + plus) ^ plus) | eq
        hplus = minus | (~(xh | plus) & full)
        hminus = plus & xh
        if hplus & top:
            score += 1
        elif hminus & top:
            score -= 1
        hplus = ((hplus << 1) | 1) & full
        hminus = (hminus << 1) & full
        plus = hminus | (~(xv | hplus) & full)
        minus = hplus & xv
    return score


def cer(truth: str, read: str) -> float:
    """Character error rate of ``read`` against ``truth``, spaces collapsed, one spelling."""
    expected = " ".join(normalize(truth).split())
    got = " ".join(normalize(read).split())
    return levenshtein(expected, got) / max(1, len(expected))
