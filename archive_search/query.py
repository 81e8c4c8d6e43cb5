"""The query language, parsed into a tree of nodes.

    cong nghe thong tin         every word required, with or without diacritics
    "công nghệ thông tin"       a phrase (``"cong ngh*"`` ends in a prefix)
    -tin, -"kinh tế"            exclude a word, a phrase or a group (not a number: F -16, S -300)
    dang OR đoàn, dang | doan   either (OR binds tighter than the implicit AND)
    (nghi quyet OR chi thi) 2019   parentheses group
    ngh*                        a prefix
    36-NQ/TW, số 36-NQ/TW       a document symbol, found in its field and in the text
    so:36-NQ/TW  loai:NQ  phong:TU  nam:2015..2019  coquan:TU  mat:toi-mat
    tieude:"chuyển đổi số"      a word or phrase in the title only
    trichdan:36-NQ/TW           documents citing that symbol

A query that cannot be read raises ``QuerySyntaxError`` naming the problem; ``plain_words``
reads any text as plain words, for the lenient retry. A query longer than ``MAX_QUERY_CHARS``
characters or ``MAX_QUERY_WORDS`` words is refused (``QueryError``, whether strict or not), and
parentheses nested deeper than ``MAX_NESTING`` levels cannot be read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from archive_search.index.analysis import terms, unmarked
from archive_search.index.doctypes import code_of_name
from archive_search.index.errors import QueryError
from archive_search.index.records import Secrecy
from archive_search.index.symbols import symbol_key
from archive_search.models import YearRange


class QuerySyntaxError(QueryError):
    """The query text cannot be read as the query language (a lenient search reads it as words)."""


class TextKind(str, Enum):
    WORD = "word"
    PHRASE = "phrase"
    PREFIX = "prefix"
    SYMBOL = "symbol"


@dataclass(frozen=True, slots=True)
class Text:
    """Words searched in the text: one word, a phrase, a prefix (last term) or a symbol."""

    kind: TextKind
    text: str
    terms: tuple[str, ...]
    title_only: bool = False


@dataclass(frozen=True, slots=True)
class Meta:
    """A metadata field that must hold one of ``values`` (raw index terms)."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Years:
    range: YearRange


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    nodes: tuple[Node, ...]


Node = Text | Meta | Years | Not | And | Or
LeafT = TypeVar("LeafT", Text, Meta, Years)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """The query tree; ``root`` is None for an empty query (browse by filters)."""

    root: Node | None

    def positive_texts(self) -> tuple[Text, ...]:
        """Text leaves not under an exclusion: what page hits and highlights look for."""
        return tuple(_positive(self.root, Text)) if self.root is not None else ()

    def positive_meta(self) -> tuple[Meta, ...]:
        """Metadata leaves not under an exclusion."""
        return tuple(_positive(self.root, Meta)) if self.root is not None else ()

    def with_meta(self, change: Callable[[Meta], Meta], fields: Collection[str]) -> ParsedQuery:
        """The same tree with each metadata leaf on one of ``fields`` passed through ``change``."""
        if self.root is None:
            return self
        return ParsedQuery(_with_meta(self.root, change, fields))

    def with_years(self, change: Callable[[YearRange], YearRange]) -> ParsedQuery:
        """The same tree with each year range passed through ``change``."""
        if self.root is None:
            return self
        return ParsedQuery(_with_leaves(self.root, lambda leaf: Years(change(leaf.range)), Years))


def _with_meta(node: Node, change: Callable[[Meta], Meta], fields: Collection[str]) -> Node:
    return _with_leaves(node, lambda meta: change(meta) if meta.field in fields else meta, Meta)


def _with_leaves(node: Node, change: Callable[[LeafT], Node], kind: type[LeafT]) -> Node:
    """``node`` with each leaf of type ``kind`` passed through ``change``."""
    if isinstance(node, kind):
        return change(node)
    if isinstance(node, Not):
        return Not(_with_leaves(node.node, change, kind))
    if isinstance(node, And | Or):
        return type(node)(tuple(_with_leaves(child, change, kind) for child in node.nodes))
    return node


def _positive(node: Node, kind: type[LeafT]) -> Iterator[LeafT]:
    if isinstance(node, kind):
        yield node
    elif isinstance(node, And | Or):
        for child in node.nodes:
            yield from _positive(child, kind)


MAX_QUERY_CHARS = 2_000  # a query is a few words, a pasted title or summary at most
MAX_QUERY_WORDS = 128
MAX_NESTING = 32  # levels of parentheses


# A Party symbol (``36-NQ/TW``, ``36 NQ/TW``) or a state one (``109/2025/NĐ-CP``, ``1408/QĐ-BXD``,
# ``121/2025/QH15``); after a space the code starts with a capital (``2000 đồng/kg`` is words).
_SYMBOL = (
    r"(?:[Ss][oốOỐ]\s*:?\s+)?(?:\d+(?:\s*-\s*|\s+(?=[A-ZĐ]))[^\W\d_]+(?:\s*/\s*[^\W\d_]+)+"
    r"|\d+(?:\.\d+)?/(?:\d{4}/)?[^\W\d_]+\d*(?:-[^\W\d_]+\d*)*)(?![\w/])"
)
_TOKEN_RE = re.compile(
    rf"""(?P<space>\s+)
    |(?P<lparen>\()
    |(?P<rparen>\))
    |(?P<or>(?:OR|\|)(?=[\s()"]|$))
    |(?P<symbol>{_SYMBOL})
    |(?P<field>(?P<fname>[^\W\d_]+):(?P<fvalue>"[^"]*"|[^\s()"]*))
    |(?P<phrase>"[^"]*")
    |(?P<quote>")
    |(?P<minus>-(?=[^\s\d-]))
    |(?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)

_SYMBOL_FIELDS = {
    "so": "symbol",
    "sohieu": "symbol",
    "kyhieu": "symbol",
    "symbol": "symbol",
    "trichdan": "cites",
    "cites": "cites",
}
_RAW_FIELDS = {
    "loai": "doc_type",
    "type": "doc_type",
    "phong": "fond",
    "fond": "fond",
    "coquan": "issuer",
    "issuer": "issuer",
}
FIELD_NAMES = ("so", "loai", "phong", "nam", "coquan", "mat", "tieude", "trichdan")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    name: str = ""


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup or "word"
        if kind == "space":
            continue
        if kind == "quote":
            raise QuerySyntaxError('unbalanced quote in query: close the phrase with a second "')
        if kind in ("fname", "fvalue"):
            kind = "field"
        if kind == "field":
            found.append(_Token("field", match.group("fvalue"), unmarked(match.group("fname"))))
        else:
            found.append(_Token(kind, match.group()))
    return found


class _Parser:
    """Recursive descent: query := group*; group := unary (OR unary)*; unary := -? primary."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens, self.at = tokens, 0
        self.depth = 0  # parentheses open around the token being read

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def sequence(self, closing: bool) -> list[Node]:
        nodes: list[Node] = []
        while (token := self.peek()) is not None and token.kind != "rparen":
            node = self.either()
            if node is not None:
                nodes.append(node)
        if token is not None and not closing:
            raise QuerySyntaxError("unmatched ')' in query: remove it or add a '(' before it")
        return nodes

    def either(self) -> Node | None:
        if (first := self.peek()) is not None and first.kind == "or":
            raise QuerySyntaxError("OR needs something to search on each side, as in: dang OR doan")
        options = [self.unary()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            following = self.peek()
            if following is None or following.kind in ("or", "rparen"):
                raise QuerySyntaxError(
                    "OR needs something to search on each side, as in: dang OR doan"
                )
            options.append(self.unary())
        kept = [node for node in options if node is not None]
        return kept[0] if len(kept) == 1 else (Or(tuple(kept)) if kept else None)

    def unary(self) -> Node | None:
        token = self.take()
        if token.kind != "minus":
            return self.primary(token)
        following = self.peek()
        if following is None or following.kind in ("or", "rparen"):
            return None
        node = self.primary(self.take())
        return Not(node) if node is not None else None

    def primary(self, token: _Token) -> Node | None:
        if token.kind == "lparen":
            if self.depth >= MAX_NESTING:
                raise QuerySyntaxError(
                    f"parentheses nested more than {MAX_NESTING} levels deep: remove some"
                )
            self.depth += 1
            nodes = self.sequence(closing=True)
            self.depth -= 1
            if self.peek() is None:
                raise QuerySyntaxError("'(' is not closed: add a ')' after the group")
            self.take()
            if not nodes:
                raise QuerySyntaxError(
                    "empty parentheses in query: put words inside them or remove them"
                )
            return _all_of(nodes)
        if token.kind == "rparen":
            raise QuerySyntaxError("unmatched ')' in query: remove it or add a '(' before it")
        if token.kind == "field":
            return _field(token.name, token.text)
        if token.kind == "symbol":
            return _symbol(token.text)
        if token.kind == "phrase":
            return _words(token.text[1:-1], phrase=True)
        return _words(token.text, phrase=False)


def top_level(root: Node) -> tuple[Node, ...]:
    """The clauses a query (or a group) requires: an AND's children, else itself."""
    return root.nodes if isinstance(root, And) else (root,)


def _all_of(nodes: list[Node]) -> Node:
    """Every one of ``nodes``; a group inside is spread out (``a (b c)`` is ``a b c``)."""
    flat = [leaf for node in nodes for leaf in top_level(node)]
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _symbol(text: str) -> Text:
    words = terms(text)
    if words and words[0] in ("số", "so"):
        words = words[1:]
    return Text(TextKind.SYMBOL, " ".join(text.split()), tuple(words))


def _words(text: str, *, phrase: bool, title_only: bool = False) -> Node | None:
    """A bare word (its syllables all required) or a quoted phrase; a final ``*`` makes a prefix."""
    stripped = text.rstrip()
    prefix = stripped.endswith("*")
    words = tuple(terms(stripped))
    if prefix and (not words or not stripped[:-1] or not stripped[-2:-1].isalnum()):
        raise QuerySyntaxError(f"bad prefix {text!r}: put at least one letter right before the *")
    if not words:
        return None
    if prefix:
        return Text(TextKind.PREFIX, text, words, title_only)
    if phrase and len(words) > 1:
        return Text(TextKind.PHRASE, text, words, title_only)
    leaves: list[Node] = [Text(TextKind.WORD, word, (word,), title_only) for word in words]
    return _all_of(leaves)


def _field(name: str, value: str) -> Node | None:
    quoted = value.startswith('"')
    value = value.strip('"').strip()
    if not value:
        raise QuerySyntaxError(f"field {name}: needs a value, as in so:36-NQ/TW or nam:2015..2019")
    if name in ("tieude", "title"):
        return _words(value, phrase=quoted, title_only=True)
    if name in _SYMBOL_FIELDS:
        key = symbol_key(value)
        if "-" not in key:
            raise QuerySyntaxError(
                f"bad symbol {value!r} in {name}: write it like 36-NQ/TW or 109/2025/NĐ-CP"
                ' (in quotes with words before it: trichdan:"Nghị định số 109/2025/NĐ-CP")'
            )
        return Meta(_SYMBOL_FIELDS[name], (key,))
    if name in _RAW_FIELDS:
        return Meta(_RAW_FIELDS[name], _raw_values(_RAW_FIELDS[name], value))
    if name in ("nam", "year"):
        try:
            return Years(YearRange.parse(value))
        except QueryError as exc:
            raise QuerySyntaxError(f"{exc.message} (in {name}:{value})") from exc
    if name in ("mat", "domat", "secrecy"):
        try:
            return Meta("secrecy", (Secrecy.parse(value).value,))
        except ValueError as exc:
            raise QuerySyntaxError(str(exc)) from exc
    raise QuerySyntaxError(
        f"unknown field {name!r}: use one of " + ", ".join(f"{f}:" for f in FIELD_NAMES)
    )


def _raw_values(field: str, value: str) -> tuple[str, ...]:
    """Values as typed and in capitals (codes are capitals); type names map to their code."""
    found: list[str] = []
    for part in (p.strip() for p in value.split(",")):
        named = code_of_name(part) if field == "doc_type" else None
        found += [named] if named else [part, part.upper()]
    return tuple(dict.fromkeys(v for v in found if v))


def check_size(text: str) -> None:
    """Refuse a query too long to be one: ``QueryError`` saying the limit."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query is {len(text):,} characters long: at most {MAX_QUERY_CHARS:,} are searched; "
            "shorten it"
        )
    if (count := len(terms(text))) > MAX_QUERY_WORDS:
        raise QueryError(
            f"query has {count:,} words: at most {MAX_QUERY_WORDS} are searched; shorten it"
        )


def parse_query(text: str) -> ParsedQuery:
    """Parse a query string; raise ``QueryError`` saying what to fix."""
    check_size(text)
    parser = _Parser(_tokens(text))
    nodes = parser.sequence(closing=False)
    if not nodes and text.strip():  # only marks: searching them would list the whole archive
        raise QuerySyntaxError(
            f"nothing to search in {text.strip()!r}: "
            "type a word, a symbol or a field such as loai:NQ "
            "(an empty query lists the documents the filters select)"
        )
    if not nodes:
        return ParsedQuery(None)
    if all(isinstance(node, Not) for node in nodes):
        raise QueryError("query only excludes words: add at least one word to search for")
    return ParsedQuery(_all_of(nodes))


def loose_words(root: Node) -> tuple[Text, ...]:
    """The plain words of the query's top level, each once: those a relaxed search may leave out.

    Not phrases, prefixes, symbols, title words, words inside groups, OR or exclusions.
    """
    children = top_level(root)
    found: dict[str, Text] = {}
    for child in children:
        if is_loose(child):
            assert isinstance(child, Text)
            found.setdefault(child.terms[0], child)
    return tuple(found.values())


def is_loose(node: Node) -> bool:
    """Whether a top-level node is a plain word (one a relaxed search may leave out)."""
    return isinstance(node, Text) and node.kind is TextKind.WORD and not node.title_only


def query_words(root: Node | None) -> int:
    """How many words and other required text leaves the query's top level has.

    What a hit's ``matched`` counts out of.
    """
    if root is None:
        return 0
    children = top_level(root)
    others = [c for c in children if isinstance(c, Text | And | Or) and not is_loose(c)]
    return len(loose_words(root)) + len(others)


def has_phrase(root: Node) -> bool:
    """Whether the query's top level holds a quoted phrase."""
    return any(
        isinstance(child, Text) and child.kind is TextKind.PHRASE for child in top_level(root)
    )


def loosened(parsed: ParsedQuery) -> ParsedQuery | None:
    """The query with its top-level phrases and symbols read as plain words (None: it has none).

    What a long query that matches nothing as written is searched as; exclusions, ``OR`` groups,
    prefixes, title words and fields stay as written.
    """
    if parsed.root is None:
        return None
    children = top_level(parsed.root)
    spread: list[Node] = []
    for child in children:
        if isinstance(child, Text) and child.kind in (TextKind.PHRASE, TextKind.SYMBOL):
            spread += [Text(TextKind.WORD, word, (word,), child.title_only) for word in child.terms]
        else:
            spread.append(child)
    return ParsedQuery(_all_of(spread)) if spread != list(children) else None


_LOOSE_SYMBOL_RE = re.compile(rf"(?<![\w/]){_SYMBOL}")
_OPERATOR_RE = re.compile(r"(?<!\S)(?:OR|\|)(?!\S)")


def plain_words(text: str) -> ParsedQuery:
    """Any text as plain words, every one required: the lenient reading of a bad query.

    Symbols stay symbols (``"36-NQ/TU`` is the document, not 36, NQ and TU anywhere) and an ``OR``
    that could not be read is dropped, unless nothing else is left.
    """
    check_size(text)
    leaves: list[Node] = [_symbol(match.group()) for match in _LOOSE_SYMBOL_RE.finditer(text)]
    rest = _LOOSE_SYMBOL_RE.sub(" ", text)
    words = terms(_OPERATOR_RE.sub(" ", rest)) or ([] if leaves else terms(rest))
    leaves += [Text(TextKind.WORD, word, (word,)) for word in words]
    return ParsedQuery(_all_of(leaves) if leaves else None)
