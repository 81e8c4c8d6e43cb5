"""Document symbols (``Số 36-NQ/TW``, ``109/2025/NĐ-CP``) and the citations of them a text holds.

A symbol's key is its canonical form (``36-nq/tw``), what the ``symbol``, ``cites`` and
``cited_at`` fields hold. Symbols repeat from one year or term to the next, so a citation keeps
the date it gives right after the symbol, which tells the documents sharing it apart.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

from archive_search.index.analysis import terms, unmarked


def symbol_key(symbol: str) -> str:
    """The canonical form of a document symbol, folded as typed in plain Latin letters.

    ``Số 36 NQ/TW`` → ``36-nq/tw``, ``Số: 12/2019/QĐ-UBND`` → ``12-2019/qd/ubnd``; the words
    naming the document before its number are left out (``Nghị định số 15/2020/NĐ-CP`` →
    ``15-2020/nd/cp``).
    """
    parts = unmarked(" ".join(terms(symbol))).split()
    number = next((at for at, part in enumerate(parts) if part[0].isdigit()), 0)
    if 0 < number < len(parts) - 1:
        parts = parts[number:]
    elif parts and parts[0] == "so":
        parts = parts[1:]
    if len(parts) < 2:
        return "-".join(parts)
    return f"{parts[0]}-{parts[1]}" + "".join(f"/{part}" for part in parts[2:])


# A symbol as printed in a text: a Party one, number, type, issuer(s) (36-NQ/TW,
# 01-QĐi/TW); a state one, number, year perhaps, type and issuer(s) (1408/QĐ-BXD,
# 109/2025/NĐ-CP, 05/CT-TTg, and with a space at a hyphen before a part in capitals, 15/2023/TT-
# BNNPTNT as some texts print it), or number, year and issuer (121/2025/QH15). What may not stand
# before it (a letter, digit, ``_``, ``/``, ``-``) is checked by hand: a lookbehind would be tried
# at every character. ASCII digits: a pattern opening with a class is tried only where the class
# matches, one opening with ``\d`` everywhere (docs/performance.md).
_CITED_RE = re.compile(
    r"[0-9]{1,5}(?:-[^\W\d_]+(?:/[^\W\d_]+)+"
    r"|(?:/[0-9]{4})?/[^\W\d_]+[0-9]*"
    r"(?:-[^\W\d_]+[0-9]*|(?: - | -|- )[A-ZĐ]{2,}[0-9]*(?![^\W\d_]))+"
    r"|/[0-9]{4}/[^\W\d_]+[0-9]*)(?![\w/])"
)
_LETTERS_RE = re.compile(r"[^\W\d_]+")
# ``ngày`` glued to the symbol it follows, as some published texts print it (``NĐ-CPngày``).
_GLUED_DATE_RE = re.compile(r"(?<=[A-ZĐ0-9])ng[aà]y$")


def _glued(text: str, start: int) -> bool:
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_/-")


# The date a citation may give right after the symbol: ``ngày 15/5/2016``, ``ngày 15-5-2016``,
# ``ngày 15 tháng 5 năm 2016`` (with or without diacritics).
_CITED_DATE_RE = re.compile(
    r"\s*,?\s*ng[aà]y\s*(\d{1,2})\s*(?:[/.-]|th[aá]ng)\s*(\d{1,2})\s*(?:[/.-]|n[aă]m)\s*(\d{4})(?!\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Citation:
    """A symbol a text cites: its key, as printed, and the date it gives (ISO, or "")."""

    key: str
    printed: str
    date: str = ""


def citations(text: str, own_symbol: str = "") -> list[Citation]:
    """What ``text`` cites, other than ``own_symbol``, in order of first mention.

    Each symbol once per date given (symbols repeat from one year or term to the next; a date tells
    them apart). A symbol also cited with a date is that one where the text leaves the date out.
    """
    own = symbol_key(own_symbol) if own_symbol else ""
    found: dict[tuple[str, str], Citation] = {}
    for match in _CITED_RE.finditer(text):
        if _glued(text, match.start()):
            continue
        printed = _GLUED_DATE_RE.sub("", match.group())
        if all(part[0].isupper() for part in _LETTERS_RE.findall(printed)):
            key = symbol_key(printed)
            if key != own:
                date = _cited_date(text, match.start() + len(printed))
                found.setdefault((key, date), Citation(key, printed, date))
    dated = {key for key, date in found if date}
    return [citation for citation in found.values() if citation.date or citation.key not in dated]


def _cited_date(text: str, end: int) -> str:
    match = _CITED_DATE_RE.match(text, end)
    if match is None:
        return ""
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:  # 31/2: no date to tell documents apart by
        return ""


def cited_at(found: Sequence[Citation]) -> list[str]:
    """``CITED_AT_FIELD`` terms: ``key@`` when undated, else ``key@YYYY-MM-DD`` and ``key@YYYY``."""
    values: list[str] = []
    for citation in found:
        dates = (citation.date, citation.date[:4]) if citation.date else ("",)
        values += [f"{citation.key}@{date}" for date in dates]
    return list(dict.fromkeys(values))
