"""Snippets cut from a page's original text, with the matched words in ``<b>…</b>``."""

from __future__ import annotations

import html
import re
from collections.abc import Collection

from index.analysis import Token, fold, tokens

WINDOW = 24
_SPACES_RE = re.compile(r"\s+")


def _best_window(matched: list[int], size: int) -> int:
    """Start of the window of ``size`` tokens holding the most matches."""
    best_start, best_count = 0, -1
    for first in matched:
        start = max(0, first - 4)
        count = sum(1 for index in matched if start <= index < start + size)
        if count > best_count:
            best_start, best_count = start, count
    return best_start


def _render(text: str, window: list[Token], marked: set[int]) -> str:
    parts: list[str] = []
    open_mark = False
    cursor = window[0].start
    for offset, token in enumerate(window):
        gap = html.escape(_SPACES_RE.sub(" ", text[cursor : token.start]))
        is_marked = offset in marked
        if offset and open_mark and not is_marked:
            parts.append("</b>")
            open_mark = False
        if offset:
            parts.append(gap)
        if is_marked and not open_mark:
            parts.append("<b>")
            open_mark = True
        parts.append(html.escape(text[token.start : token.end]))
        cursor = token.end
    if open_mark:
        parts.append("</b>")
    return "".join(parts)


def snippet(text: str, folded_terms: Collection[str], *, size: int = WINDOW) -> str:
    """A window of ``text`` around its densest run of query terms (matched accent-insensitively)."""
    page_tokens = list(tokens(text))
    if not page_tokens:
        return ""
    matched = [i for i, token in enumerate(page_tokens) if fold(token.term) in folded_terms]
    start = _best_window(matched, size) if matched else 0
    window = page_tokens[start : start + size]
    marked = {i - start for i in matched if start <= i < start + size}
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + size < len(page_tokens) else ""
    return prefix + _render(text, window, marked) + suffix
