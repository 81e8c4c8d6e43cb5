"""The peers archive-search is measured against, each set up the way its users set it up.

- ``fts5``: SQLite FTS5 with ``unicode61 remove_diacritics 2`` over the text as written (it folds
  tone marks but not ``đ``, so ``dang`` does not find ``Đảng``);
- ``fts5-folded``: FTS5 over text folded in Python (``đ`` → ``d``) before insertion, queries folded too;
- ``xapian``: Xapian (``xapian-bindings-binary``), folded text, no stemmer, AND of terms, plain top-10;
  BM25 over one field holding title and body;
- ``whoosh``: Whoosh (``whoosh-reloaded``), folded text, regex tokenizer and lowercase filter.

Every peer gets the same documents (title + body + filter fields) and the same parsed query, and
returns the keys of its top ``limit`` documents: no snippets, no facets, no page hits.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench.corpus import fold

_CLAUSE_RE = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
_TOKEN_RE = re.compile(r"\w+")
_SYMBOL_RE = re.compile(r"^\d+[-–][^\W\d_]+/[^\W\d_]+", re.UNICODE)  # noqa: RUF001 - en dash in symbols


@dataclass(frozen=True, slots=True)
class PeerDoc:
    key: str
    title: str
    text: str
    fond: str = ""
    year: int = 0
    doc_type: str = ""
    secrecy: str = ""


@dataclass(frozen=True, slots=True)
class BenchQuery:
    """One query of the fixed set: what a user types and the filters they pick."""

    label: str
    kind: str
    text: str
    fond: tuple[str, ...] = ()
    year: tuple[tuple[int, int], ...] = ()
    doc_type: tuple[str, ...] = ()


@dataclass(slots=True)
class Parsed:
    """A query as term lists: each positive and negative clause is a word or a phrase (several terms)."""

    positive: list[list[str]] = field(default_factory=list)
    negative: list[list[str]] = field(default_factory=list)


def parse(text: str, *, folded: bool) -> Parsed:
    """Words, ``"phrases"``, ``-exclusions``; a symbol (``36-NQ/TW``) becomes a phrase of its parts."""
    parsed = Parsed()
    for match in _CLAUSE_RE.finditer(text):
        neg = bool(match.group(1) or match.group(3))
        raw = match.group(2) if match.group(2) is not None else match.group(4)
        if match.group(2) is None and match.group(3) and not raw:
            continue
        terms = _TOKEN_RE.findall(fold(raw) if folded else raw.lower())
        if not terms:
            continue
        if match.group(2) is None and not _SYMBOL_RE.match(raw) and len(terms) > 1:
            (parsed.negative if neg else parsed.positive).extend([t] for t in terms)  # punctuation inside a word
        else:
            (parsed.negative if neg else parsed.positive).append(terms)
    return parsed


def plain(text: str, *, folded: bool) -> Parsed:
    """Every token of ``text`` required, quotes and dashes ignored (a title typed as a query)."""
    return Parsed([[t] for t in _TOKEN_RE.findall(fold(text) if folded else text.lower())])


class Peer(Protocol):
    name: str

    def build(self, docs: Iterable[PeerDoc]) -> None: ...

    def search(self, query: BenchQuery, parsed: Parsed, limit: int = 10) -> list[str]: ...

    def size_bytes(self) -> int: ...

    def close(self) -> None: ...


def _tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class Fts5:
    """SQLite FTS5; ``folded`` feeds it Python-folded text instead of relying on ``remove_diacritics``."""

    def __init__(self, path: Path, *, folded: bool) -> None:
        self.name = "fts5-folded" if folded else "fts5"
        self.folded = folded
        self.path = path
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)
        tokenizer = "unicode61 remove_diacritics 0" if folded else "unicode61 remove_diacritics 2"
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, key UNINDEXED, fond UNINDEXED, year UNINDEXED,"
            f" doc_type UNINDEXED, secrecy UNINDEXED, tokenize = '{tokenizer}')"
        )

    def build(self, docs: Iterable[PeerDoc]) -> None:
        prep = fold if self.folded else str
        with self.db:
            self.db.executemany(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((prep(d.title), prep(d.text), d.key, d.fond, d.year, d.doc_type, d.secrecy) for d in docs),
            )
            self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")

    def search(self, query: BenchQuery, parsed: Parsed, limit: int = 10) -> list[str]:
        where, args = ["secrecy = ''"], list[object]()
        if parsed.positive:
            expr = " AND ".join(_fts_phrase(c) for c in parsed.positive)
            expr += "".join(f" NOT {_fts_phrase(c)}" for c in parsed.negative)
            where.append("docs MATCH ?")
            args.append(expr)
        for column, values in (("fond", query.fond), ("doc_type", query.doc_type)):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args.extend(values)
        if query.year:
            where.append("(" + " OR ".join("year BETWEEN ? AND ?" for _ in query.year) + ")")
            args.extend(y for pair in query.year for y in pair)
        order = " ORDER BY rank" if parsed.positive else ""
        sql = f"SELECT key FROM docs WHERE {' AND '.join(where)}{order} LIMIT {int(limit)}"
        return [row[0] for row in self.db.execute(sql, args)]

    def size_bytes(self) -> int:
        return _tree_size(self.path)

    def close(self) -> None:
        self.db.close()


def _fts_phrase(terms: Sequence[str]) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in terms) + '"'


class Xapian:
    """Xapian with folded text and positions (for phrases); filters as boolean terms and a value range."""

    name = "xapian"

    def __init__(self, path: Path) -> None:
        import xapian  # type: ignore

        self.x: Any = xapian
        self.path = path
        shutil.rmtree(path, ignore_errors=True)
        self.db: Any = xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OVERWRITE)
        self.enquire: Any = None

    def build(self, docs: Iterable[PeerDoc]) -> None:
        x = self.x
        for d in docs:
            doc = x.Document()
            # The same tokens as every other peer (a TermGenerator keeps "tp.hcm" whole, the query would not).
            for position, term in enumerate(_TOKEN_RE.findall(fold(d.title + "\n" + d.text)), start=1):
                doc.add_posting(term, position)
            for prefix, value in (("XF", d.fond), ("XT", fold(d.doc_type)), ("XS", d.secrecy or "public")):
                doc.add_boolean_term(prefix + value)
            doc.add_value(0, x.sortable_serialise(d.year))
            doc.set_data(d.key)
            self.db.add_document(doc)
        self.db.commit()
        self.enquire = x.Enquire(self.db)

    def search(self, query: BenchQuery, parsed: Parsed, limit: int = 10) -> list[str]:
        x = self.x
        clauses = [x.Query(c[0]) if len(c) == 1 else x.Query(x.Query.OP_PHRASE, c) for c in parsed.positive]
        q = x.Query(x.Query.OP_AND, clauses) if clauses else x.Query.MatchAll
        for c in parsed.negative:
            q = x.Query(x.Query.OP_AND_NOT, q, x.Query(c[0]) if len(c) == 1 else x.Query(x.Query.OP_PHRASE, c))
        filters = [x.Query("XSpublic")]
        if query.fond:
            filters.append(x.Query(x.Query.OP_OR, ["XF" + f for f in query.fond]))
        if query.doc_type:
            filters.append(x.Query(x.Query.OP_OR, ["XT" + fold(t) for t in query.doc_type]))
        if query.year:
            ranges = [x.Query(x.Query.OP_VALUE_RANGE, 0, x.sortable_serialise(a), x.sortable_serialise(b))
                      for a, b in query.year]
            filters.append(x.Query(x.Query.OP_OR, ranges))
        q = x.Query(x.Query.OP_FILTER, q, x.Query(x.Query.OP_AND, filters))
        self.enquire.set_query(q)
        return [m.document.get_data().decode() for m in self.enquire.get_mset(0, limit)]

    def size_bytes(self) -> int:
        return _tree_size(self.path)

    def close(self) -> None:
        self.db.close()


class Whoosh:
    """Whoosh with folded text in one ``content`` field; filters as a filter query."""

    name = "whoosh"

    def __init__(self, path: Path) -> None:
        self.path = path
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        self.searcher: Any = None

    def build(self, docs: Iterable[PeerDoc]) -> None:
        from whoosh import fields, index  # type: ignore
        from whoosh.analysis import LowercaseFilter, RegexTokenizer  # type: ignore

        schema = fields.Schema(
            key=fields.ID(stored=True), content=fields.TEXT(analyzer=RegexTokenizer(r"\w+") | LowercaseFilter()),
            fond=fields.ID, doc_type=fields.ID, secrecy=fields.ID, year=fields.NUMERIC(int),
        )
        ix = index.create_in(str(self.path), schema)
        writer = ix.writer(limitmb=256)
        for d in docs:
            writer.add_document(key=d.key, content=fold(d.title) + "\n" + fold(d.text), fond=d.fond,
                                doc_type=fold(d.doc_type), secrecy=d.secrecy or "public", year=d.year)
        writer.commit()
        self.searcher = ix.searcher()

    def search(self, query: BenchQuery, parsed: Parsed, limit: int = 10) -> list[str]:
        from whoosh import query as wq

        def clause(terms: list[str]) -> Any:
            return wq.Term("content", terms[0]) if len(terms) == 1 else wq.Phrase("content", terms)

        q: Any = wq.And([clause(c) for c in parsed.positive]) if parsed.positive else wq.Every()
        if parsed.negative:
            q = wq.AndNot(q, wq.Or([clause(c) for c in parsed.negative]))
        filters: list[Any] = [wq.Term("secrecy", "public")]
        if query.fond:
            filters.append(wq.Or([wq.Term("fond", f) for f in query.fond]))
        if query.doc_type:
            filters.append(wq.Or([wq.Term("doc_type", fold(t)) for t in query.doc_type]))
        if query.year:
            filters.append(wq.Or([wq.NumericRange("year", a, b) for a, b in query.year]))
        hits = self.searcher.search(q, limit=limit, filter=wq.And(filters))
        return [hit["key"] for hit in hits]

    def size_bytes(self) -> int:
        return _tree_size(self.path)

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()


def available_peers(folder: Path) -> tuple[list[Peer], dict[str, str]]:
    """Every peer that can run here, and why each missing one cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    peers: list[Peer] = [Fts5(folder / "fts5.sqlite", folded=False), Fts5(folder / "fts5-folded.sqlite", folded=True)]
    missing: dict[str, str] = {}
    try:
        peers.append(Xapian(folder / "xapian"))
    except ImportError as exc:
        missing["xapian"] = f"unavailable: xapian-bindings-binary does not import ({exc}; pip install -e '.[bench]')"
    if importlib.util.find_spec("whoosh") is not None:
        peers.append(Whoosh(folder / "whoosh"))
    else:
        missing["whoosh"] = "unavailable: whoosh-reloaded is not installed (pip install -e '.[bench]')"
    return peers, missing
