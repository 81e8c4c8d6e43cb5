"""Ranked peers for the relevance bench: every word of the query joined by OR, best-first.

Each is set up as its users would for ranking free text (one text field, no stemmer):

- ``tantivy``: tantivy-py's default tokenizer over the text as written, its QueryParser (OR by
  default), BM25; ``tantivy-folded``: the same over text and queries folded in Python
  (``đ`` → ``d``);
- ``fts5``: SQLite FTS5 (``unicode61 remove_diacritics 2``, text as written), quoted words joined by
  ``OR``, ``ORDER BY rank`` (bm25); ``fts5-folded``: text and queries folded in Python first;
- ``xapian``: a TermGenerator over folded text, QueryParser with OR as the default operator, BM25;
- ``postgres``: folded text as a ``simple`` tsvector with a GIN index, an OR tsquery of the
  words, ``ts_rank_cd(doc, q, 1|4)`` order (the best of its normalisations on headlines: MRR@10
  0.61 against 0.17 without one), on the bench's private server (``bench.peers.PostgresServer``);
  ``postgres-ts_rank``: the same ordered by ``ts_rank(doc, q, 1)`` (0.87, four times faster).

Folding is what a user of these engines does to find Vietnamese typed without marks; it costs
them the marks typed, which the ``marks`` probe measures.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from bench.corpus import fold
from bench.peers import PeerUnavailableError, PostgresServer, postgres_unavailable

_WORD_RE = re.compile(r"[^\W_]+")


def words(text: str, *, folded: bool) -> list[str]:
    """The query's words, lowercase (folded too when the peer indexes folded text)."""
    return _WORD_RE.findall(fold(text) if folded else text.lower())


class RankedPeer(Protocol):
    name: str

    def build(self, docs: Mapping[str, str]) -> None: ...

    def search(self, text: str, limit: int = 10) -> list[str]: ...

    def search_many(self, texts: Sequence[str]) -> list[list[str]]: ...

    def close(self) -> None: ...


class _OneByOne:
    """``search_many`` as one ``search`` after another."""

    def search(self, text: str, limit: int = 10) -> list[str]:
        raise NotImplementedError

    def search_many(self, texts: Sequence[str]) -> list[list[str]]:
        return [self.search(text) for text in texts]


class TantivyOr(_OneByOne):
    """tantivy-py as it comes: default tokenizer, default (OR) query parser, BM25."""

    def __init__(self, path: Path, *, folded: bool) -> None:
        import tantivy

        self.name = "tantivy-folded" if folded else "tantivy"
        self.folded = folded
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("key", stored=True, tokenizer_name="raw")
        builder.add_text_field("body")
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        self.index: Any = tantivy.Index(builder.build(), path=str(path))
        self.searcher: Any = None

    def build(self, docs: Mapping[str, str]) -> None:
        import tantivy

        writer = self.index.writer(heap_size=100_000_000, num_threads=1)
        for key, text in docs.items():
            writer.add_document(tantivy.Document(key=key, body=fold(text) if self.folded else text))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, text: str, limit: int = 10) -> list[str]:
        typed = words(text, folded=self.folded)
        if not typed:
            return []
        query = self.index.parse_query(" ".join(typed), ["body"])
        hits = self.searcher.search(query, limit).hits
        return [self.searcher.doc(address)["key"][0] for _, address in hits]

    def close(self) -> None:
        self.searcher = None


class Fts5Or(_OneByOne):
    """SQLite FTS5, the query's words quoted and joined by OR, bm25 order."""

    def __init__(self, path: Path, *, folded: bool) -> None:
        self.name = "fts5-folded" if folded else "fts5"
        self.folded = folded
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)
        tokenizer = "unicode61 remove_diacritics 0" if folded else "unicode61 remove_diacritics 2"
        self.db.execute(
            f"CREATE VIRTUAL TABLE docs USING fts5(body, key UNINDEXED, tokenize = '{tokenizer}')"
        )

    def build(self, docs: Mapping[str, str]) -> None:
        prep = fold if self.folded else str
        with self.db:
            self.db.executemany(
                "INSERT INTO docs (body, key) VALUES (?, ?)",
                ((prep(text), key) for key, text in docs.items()),
            )
            self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")

    def search(self, text: str, limit: int = 10) -> list[str]:
        typed = words(text, folded=self.folded)
        if not typed:
            return []
        expr = " OR ".join(f'"{w}"' for w in dict.fromkeys(typed))
        sql = f"SELECT key FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT {int(limit)}"
        return [row[0] for row in self.db.execute(sql, (expr,))]

    def close(self) -> None:
        self.db.close()


class XapianOr(_OneByOne):
    """Xapian: TermGenerator over folded text, QueryParser (OR), BM25."""

    name = "xapian"

    def __init__(self, path: Path) -> None:
        import xapian  # type: ignore

        self.x: Any = xapian
        shutil.rmtree(path, ignore_errors=True)
        self.db: Any = xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OVERWRITE)
        self.parser: Any = None
        self.enquire: Any = None

    def build(self, docs: Mapping[str, str]) -> None:
        x = self.x
        generator = x.TermGenerator()
        for key, text in docs.items():
            doc = x.Document()
            generator.set_document(doc)
            generator.index_text(fold(text))
            doc.set_data(key)
            self.db.add_document(doc)
        self.db.commit()
        self.parser = x.QueryParser()
        self.parser.set_database(self.db)
        self.parser.set_default_op(x.Query.OP_OR)
        self.enquire = x.Enquire(self.db)
        self.enquire.set_weighting_scheme(x.BM25Weight())

    def search(self, text: str, limit: int = 10) -> list[str]:
        typed = words(text, folded=True)
        if not typed:
            return []
        self.enquire.set_query(self.parser.parse_query(" ".join(typed)))
        return [m.document.get_data().decode() for m in self.enquire.get_mset(0, limit)]

    def close(self) -> None:
        self.db.close()


class PostgresOr(_OneByOne):
    """PostgreSQL, any word ranked: folded words in a ``simple`` tsvector (GIN), an OR tsquery.

    Ranked by ``ts_rank_cd`` (or, with ``cover_density=False``, ``ts_rank``) normalised by the
    document's length.

    ``search_many`` spreads the queries over ``connections`` sessions: ``ts_rank_cd`` ranks every
    document holding any word, which is slow.
    """

    def __init__(
        self,
        server: PostgresServer,
        table: str,
        *,
        connections: int = 2,
        cover_density: bool = True,
    ) -> None:
        self.name = "postgres" if cover_density else "postgres-ts_rank"
        self.rank = "ts_rank_cd(doc, q, 1|4)" if cover_density else "ts_rank(doc, q, 1)"
        self.server = server
        self.db: Any = server.connect()
        self.connections = max(1, connections)
        self.table = table
        self.db.execute(f"DROP TABLE IF EXISTS {table}")
        self.db.execute(
            f"CREATE TABLE {table} (key text PRIMARY KEY, body text NOT NULL, doc tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)"
        )

    def build(self, docs: Mapping[str, str]) -> None:
        with self.db.transaction(), self.db.cursor() as cursor:
            with cursor.copy(f"COPY {self.table} (key, body) FROM STDIN") as copy:
                for key, text in docs.items():
                    copy.write_row((key, " ".join(words(text, folded=True))))
            cursor.execute(f"CREATE INDEX ON {self.table} USING GIN (doc)")
        self.db.execute(f"ANALYZE {self.table}")

    def search(self, text: str, limit: int = 10) -> list[str]:
        return self._search(self.db, text, limit)

    def _search(self, db: Any, text: str, limit: int = 10) -> list[str]:
        typed = list(dict.fromkeys(words(text, folded=True)))
        if not typed:
            return []
        sql = (
            f"SELECT key FROM {self.table}, to_tsquery('simple', %s) AS q WHERE doc @@ q "
            f"ORDER BY {self.rank} DESC LIMIT {int(limit)}"
        )
        return [row[0] for row in db.execute(sql, [" | ".join(typed)])]

    def search_many(self, texts: Sequence[str]) -> list[list[str]]:
        shares = [list(texts[n :: self.connections]) for n in range(self.connections)]

        def run(share: list[str]) -> list[list[str]]:
            with self.server.connect() as db:
                return [self._search(db, text) for text in share]

        with ThreadPoolExecutor(max_workers=self.connections) as pool:
            answers = list(pool.map(run, shares))
        ordered: list[list[str]] = [[] for _ in texts]
        for n, answer in enumerate(answers):
            ordered[n :: self.connections] = answer
        return ordered

    def close(self) -> None:
        try:
            self.db.execute(f"DROP TABLE IF EXISTS {self.table}")
        finally:
            self.db.close()


def start_postgres(folder: Path) -> tuple[PostgresServer | None, str | None]:
    """The bench's private PostgreSQL server, or None and why it cannot run here."""
    reason = postgres_unavailable()
    if reason:
        return None, reason
    try:
        return PostgresServer(folder), None
    except PeerUnavailableError as exc:
        return None, " ".join(str(exc).split())


def open_peers(
    folder: Path, table: str, server: PostgresServer | None, *, connections: int = 2
) -> tuple[list[RankedPeer], dict[str, str]]:
    """A fresh instance of every ranked peer that can run here, and why each other cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    peers: list[RankedPeer] = []
    missing: dict[str, str] = {}
    for folded in (False, True):
        try:
            peers.append(TantivyOr(folder / f"tantivy-{folded}", folded=folded))
        except ImportError as exc:
            missing["tantivy"] = f"tantivy does not import ({exc})"
        peers.append(Fts5Or(folder / f"fts5-{folded}.sqlite", folded=folded))
    try:
        peers.append(XapianOr(folder / "xapian"))
    except ImportError as exc:
        missing["xapian"] = f"xapian-bindings-binary does not import ({exc})"
    if server is not None:
        for density in (True, False):
            name = table if density else f"{table}_rank"
            peers.append(PostgresOr(server, name, connections=connections, cover_density=density))
    return peers, missing
