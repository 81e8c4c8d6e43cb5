"""The query language, parsed into clauses (first form: words, phrases, exclusions, symbols).

    cong nghe thong tin         every word required, with or without diacritics
    "công nghệ thông tin"       a phrase
    -tin                        exclude a word (or -"a phrase")
    36-NQ/TW, số 36-NQ/TW       a document symbol, found in its field and in the text
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from index.analysis import terms
from index.errors import QueryError

_SYMBOL_RE = re.compile(
    r"(?<![\w/-])(?:[Ss]ố\s*:?\s*)?(\d+\s*[-\s]\s*[^\W\d_]+(?:\s*/\s*[^\W\d_]+)+)(?![\w/])"
)
_SO_BEFORE_SYMBOL_RE = re.compile(r"(?i)(?<!\w)s[oố]\s*:?\s+(?=\d+\s*[-\s]\s*[^\W\d_]+\s*/)")
_PART_RE = re.compile(r'(-?)"([^"]*)"|(\S+)')


class ClauseKind(str, Enum):
    WORD = "word"
    PHRASE = "phrase"
    SYMBOL = "symbol"


@dataclass(frozen=True, slots=True)
class Clause:
    kind: ClauseKind
    text: str
    terms: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    clauses: tuple[Clause, ...]

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(clause for clause in self.clauses if not clause.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(clause for clause in self.clauses if clause.negated)


def _symbols(text: str) -> tuple[list[Clause], str]:
    found = [
        Clause(ClauseKind.SYMBOL, match.group(1), tuple(terms(match.group(1))))
        for match in _SYMBOL_RE.finditer(text)
    ]
    return found, _SYMBOL_RE.sub(" ", text)


def parse_query(text: str) -> ParsedQuery:
    """Parse a query string; raise ``QueryError`` saying what to fix."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quote in query: close the phrase with a second "')
    text = _SO_BEFORE_SYMBOL_RE.sub("", text)
    clauses: list[Clause] = []
    for match in _PART_RE.finditer(text):
        negated_phrase, phrase, bare = match.groups()
        if phrase is not None:
            words = tuple(terms(phrase))
            if words:
                kind = ClauseKind.PHRASE if len(words) > 1 else ClauseKind.WORD
                clauses.append(Clause(kind, phrase, words, bool(negated_phrase)))
            continue
        negated = bare.startswith("-") and len(bare) > 1
        symbols, rest = _symbols(bare[1:] if negated else bare)
        clauses += [Clause(c.kind, c.text, c.terms, negated) for c in symbols]
        clauses += [Clause(ClauseKind.WORD, term, (term,), negated) for term in terms(rest)]
    return _with_spaced_symbols(text, clauses)


def _with_spaced_symbols(text: str, clauses: list[Clause]) -> ParsedQuery:
    """A symbol typed with spaces (``36 NQ/TW``) spans several bare parts; find it whole."""
    unquoted = re.sub(r'"[^"]*"', " ", text)
    symbols, _ = _symbols(unquoted)
    spaced = [s for s in symbols if " " in s.text and not any(c.text == s.text for c in clauses)]
    for symbol in spaced:
        parts = set(symbol.terms)
        clauses = [c for c in clauses if not (c.kind is ClauseKind.WORD and c.text in parts)]
        clauses.append(symbol)
    if not any(not clause.negated for clause in clauses) and clauses:
        raise QueryError("query only excludes words: add at least one word to search for")
    return ParsedQuery(tuple(clauses))
