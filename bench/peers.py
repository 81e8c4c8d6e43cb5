"""The peers archive-search is measured against, each set up the way its users set it up.

- ``fts5``: SQLite FTS5 with ``unicode61 remove_diacritics 2`` over the text as written (it folds
  tone marks but not ``đ``, so ``dang`` does not find ``Đảng``);
- ``fts5-folded``: FTS5 over text folded in Python (``đ`` → ``d``) before insertion, queries
  folded too;
- ``xapian``: Xapian (``xapian-bindings-binary``), folded text, no stemmer, AND of terms, plain
  top-10; BM25 over one field holding title and body;
- ``whoosh``: Whoosh (``whoosh-reloaded``), folded text, regex tokenizer and lowercase filter;
- ``postgres``: PostgreSQL full-text search on a private throw-away server (``initdb`` into the
  peer's work dir, listening only on a unix socket there): folded text, a generated ``tsvector``
  (``simple`` configuration, title weighted A) with a GIN index, ``ts_rank`` order.

Every peer gets the same documents (title + body + filter fields) and the same parsed query, and
returns the keys of its top ``limit`` documents: no snippets, no facets, no page hits.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bench.corpus import fold

if TYPE_CHECKING:
    import psycopg

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
    """A query as term lists: each positive or negative clause a word or a phrase (many terms)."""

    positive: list[list[str]] = field(default_factory=list)
    negative: list[list[str]] = field(default_factory=list)


def parse(text: str, *, folded: bool) -> Parsed:
    """Words, ``"phrases"``, ``-exclusions``; a symbol (``36-NQ/TW``) as a phrase of its parts."""
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
            (parsed.negative if neg else parsed.positive).extend(
                [t] for t in terms
            )  # punctuation inside a word
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
    """SQLite FTS5; ``folded`` feeds it Python-folded text instead of ``remove_diacritics``."""

    def __init__(self, path: Path, *, folded: bool) -> None:
        self.name = "fts5-folded" if folded else "fts5"
        self.folded = folded
        self.path = path
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)
        tokenizer = "unicode61 remove_diacritics 0" if folded else "unicode61 remove_diacritics 2"
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, key UNINDEXED, fond UNINDEXED, year "
            f"UNINDEXED, doc_type UNINDEXED, secrecy UNINDEXED, tokenize = '{tokenizer}')"
        )

    def build(self, docs: Iterable[PeerDoc]) -> None:
        prep = fold if self.folded else str
        with self.db:
            self.db.executemany(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (prep(d.title), prep(d.text), d.key, d.fond, d.year, d.doc_type, d.secrecy)
                    for d in docs
                ),
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
    """Xapian, folded text with positions (phrases); filters as boolean terms and a value range."""

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
            # The same tokens as every other peer (a TermGenerator keeps "tp.hcm" whole, the query
            # would not).
            for position, term in enumerate(
                _TOKEN_RE.findall(fold(d.title + "\n" + d.text)), start=1
            ):
                doc.add_posting(term, position)
            for prefix, value in (
                ("XF", d.fond),
                ("XT", fold(d.doc_type)),
                ("XS", d.secrecy or "public"),
            ):
                doc.add_boolean_term(prefix + value)
            doc.add_value(0, x.sortable_serialise(d.year))
            doc.set_data(d.key)
            self.db.add_document(doc)
        self.db.commit()
        self.enquire = x.Enquire(self.db)

    def search(self, query: BenchQuery, parsed: Parsed, limit: int = 10) -> list[str]:
        x = self.x
        clauses = [
            x.Query(c[0]) if len(c) == 1 else x.Query(x.Query.OP_PHRASE, c) for c in parsed.positive
        ]
        q = x.Query(x.Query.OP_AND, clauses) if clauses else x.Query.MatchAll
        for c in parsed.negative:
            q = x.Query(
                x.Query.OP_AND_NOT,
                q,
                x.Query(c[0]) if len(c) == 1 else x.Query(x.Query.OP_PHRASE, c),
            )
        filters = [x.Query("XSpublic")]
        if query.fond:
            filters.append(x.Query(x.Query.OP_OR, ["XF" + f for f in query.fond]))
        if query.doc_type:
            filters.append(x.Query(x.Query.OP_OR, ["XT" + fold(t) for t in query.doc_type]))
        if query.year:
            ranges = [
                x.Query(x.Query.OP_VALUE_RANGE, 0, x.sortable_serialise(a), x.sortable_serialise(b))
                for a, b in query.year
            ]
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
            key=fields.ID(stored=True),
            content=fields.TEXT(analyzer=RegexTokenizer(r"\w+") | LowercaseFilter()),
            fond=fields.ID,
            doc_type=fields.ID,
            secrecy=fields.ID,
            year=fields.NUMERIC(int),
        )
        ix = index.create_in(str(self.path), schema)
        writer = ix.writer(limitmb=256)
        for d in docs:
            writer.add_document(
                key=d.key,
                content=fold(d.title) + "\n" + fold(d.text),
                fond=d.fond,
                doc_type=fold(d.doc_type),
                secrecy=d.secrecy or "public",
                year=d.year,
            )
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


class PeerUnavailableError(RuntimeError):
    """A peer that cannot run on this machine; the message says why."""


POSTGRES_USER = "postgres"  # the account a server started by root runs as (postgres refuses root)
_PG_PORT = 5432  # names the socket file only: the server listens on no TCP address
_SOCKET_MAX = 107  # sun_path holds 108 bytes with the terminating NUL
_PG_SCHEMA = """
CREATE TABLE docs (
    key text PRIMARY KEY, title text NOT NULL, body text NOT NULL, fond text NOT NULL,
    year integer NOT NULL, doc_type text NOT NULL, secrecy text NOT NULL,
    doc tsvector GENERATED ALWAYS AS
        (setweight(to_tsvector('simple', title), 'A') || to_tsvector('simple', body)) STORED
)"""


def postgres_bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: the newest ``/usr/lib/postgresql/*/bin``, else PATH."""

    def version(folder: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in folder.parent.name.split(".") if part.isdigit())

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    found = shutil.which("initdb")
    candidates += [Path(found).parent] if found else []
    return next(
        (c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()), None
    )


def postgres_unavailable() -> str | None:
    """Why the ``postgres`` peer cannot run here, or None when it can."""
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install -e '.[bench]')"
    if postgres_bindir() is None:
        return (
            "the PostgreSQL server (initdb, pg_ctl) is not installed (apt-get install postgresql)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            return f"running as root and there is no {POSTGRES_USER} account to run the server as"
    return None


def postgres_version() -> str:
    """``PostgreSQL 15.14`` (the server binaries the peer would start), or ``not installed``."""
    bindir = postgres_bindir()
    if bindir is None:
        return "PostgreSQL not installed"
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
    )
    found = re.search(
        r"\d+(?:\.\d+)+", out.stdout
    )  # postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)
    return f"PostgreSQL {found.group() if found else '?'}"


def _as(owner: str | None, argv: list[str]) -> list[str]:
    """``argv`` run as ``owner`` (when we are root), else as ourselves."""
    return ["runuser", "-u", owner, "--", *argv] if owner else argv


def _as_owner(owner: str | None, argv: list[str], cwd: Path) -> None:
    """Run a server tool as ``owner``; a failure raises with the tool's own words."""
    try:
        out = subprocess.run(
            _as(owner, argv), cwd=cwd, capture_output=True, text=True, timeout=120, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise PeerUnavailableError(
            f"{Path(argv[0]).name} did not finish in {exc.timeout:.0f} s"
        ) from exc
    if out.returncode != 0:
        raise PeerUnavailableError(
            f"{Path(argv[0]).name} failed: {(out.stderr or out.stdout).strip()[-500:]}"
        )


def _server_root(folder: Path, owner: str | None) -> Path:
    """``folder`` if the server's account can reach it and its socket path fits, else a temp dir."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder.resolve()
    fits = len(str(path)) + len("/pg-xxxxxxxx/.s.PGSQL.5432") <= _SOCKET_MAX
    reachable = owner is None or all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents))
    return folder if fits and reachable else Path(tempfile.gettempdir())


def _stop_server(bindir: Path, data: Path, owner: str | None) -> None:
    if (data / "postmaster.pid").exists():
        command = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
        subprocess.run(_as(owner, command), capture_output=True, timeout=120, check=False)
    shutil.rmtree(data, ignore_errors=True)


class PostgresServer:
    """A throw-away PostgreSQL server in a fresh data dir, listening only on a unix socket there.

    ``close()`` (or the interpreter's exit, or a failed start) stops it and deletes the dir.
    """

    def __init__(self, folder: Path) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            raise PeerUnavailableError("the PostgreSQL server binaries are not installed")
        owner = POSTGRES_USER if os.geteuid() == 0 else None
        root = _server_root(folder, owner)
        self.data = Path(tempfile.mkdtemp(prefix="pg-", dir=root))
        self._finalizer = weakref.finalize(self, _stop_server, bindir, self.data, owner)
        try:
            if owner:
                shutil.chown(self.data, owner)
            _as_owner(
                owner,
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    POSTGRES_USER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ],
                root,
            )
            quoted = str(self.data).replace("'", "''")
            with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write(
                    f"listen_addresses = ''\nunix_socket_directories = '{quoted}'\nport = "
                    f"{_PG_PORT}\n"
                )
            self._start(bindir, owner, root)
        except BaseException:
            self.close()
            raise

    def _start(self, bindir: Path, owner: str | None, cwd: Path) -> None:
        log = self.data / "server.log"
        try:
            _as_owner(
                owner,
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                cwd,
            )
        except (
            PeerUnavailableError
        ) as exc:  # the reason is in the server's log, which close() deletes
            tail = log.read_text(errors="replace").strip()[-500:] if log.exists() else ""
            raise PeerUnavailableError(f"{exc} {tail}".strip()) from exc

    def connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        import psycopg

        return psycopg.connect(
            host=str(self.data),
            port=_PG_PORT,
            user=POSTGRES_USER,
            dbname="postgres",
            autocommit=True,
        )

    def close(self) -> None:
        self._finalizer()


def _pg_words(text: str) -> str:
    """Folded text as the tokens other peers see, so PostgreSQL's parser finds no hosts or URLs."""
    return " ".join(_TOKEN_RE.findall(fold(text)))


class Postgres:
    """PostgreSQL full-text search over folded words in ``title`` and ``body``.

    A generated ``tsvector`` (title weighted A), a GIN index; AND of words and phrases, ``!!``
    exclusions, ``ts_rank`` order.
    """

    name = "postgres"

    def __init__(self, folder: Path) -> None:
        reason = postgres_unavailable()
        if reason:
            raise PeerUnavailableError(reason)
        import psycopg

        self.server = PostgresServer(folder)
        try:
            self.db = self.server.connect()
        except psycopg.OperationalError as exc:
            self.server.close()
            raise PeerUnavailableError(
                f"the server started but refused a connection: {exc}"
            ) from exc
        except BaseException:
            self.server.close()
            raise

    def build(self, docs: Iterable[PeerDoc]) -> None:
        with self.db.transaction(), self.db.cursor() as cursor:
            cursor.execute(_PG_SCHEMA)
            with cursor.copy(
                "COPY docs (key, title, body, fond, year, doc_type, secrecy) FROM STDIN"
            ) as copy:
                for d in docs:
                    copy.write_row(
                        (
                            d.key,
                            _pg_words(d.title),
                            _pg_words(d.text),
                            d.fond,
                            d.year,
                            d.doc_type,
                            d.secrecy,
                        )
                    )
            cursor.execute("CREATE INDEX docs_doc ON docs USING GIN (doc)")
        self.db.execute("ANALYZE docs")

    def search(self, query: BenchQuery, parsed: Parsed, limit: int = 10) -> list[str]:
        where, args = ["secrecy = ''"], list[object]()
        for column, values in (("fond", query.fond), ("doc_type", query.doc_type)):
            if values:
                where.append(f"{column} = ANY(%s)")
                args.append(list(values))
        if query.year:
            where.append("(" + " OR ".join("year BETWEEN %s AND %s" for _ in query.year) + ")")
            args.extend(y for pair in query.year for y in pair)
        if not parsed.positive:
            sql = f"SELECT key FROM docs WHERE {' AND '.join(where)} LIMIT {int(limit)}"
            return [row[0] for row in self.db.execute(sql, args)]
        clauses = ["phraseto_tsquery('simple', %s)"] * len(parsed.positive)
        clauses += ["!! phraseto_tsquery('simple', %s)"] * len(parsed.negative)
        terms = [" ".join(c) for c in (*parsed.positive, *parsed.negative)]
        sql = (
            f"SELECT key FROM docs, (SELECT {' && '.join(clauses)} AS q) AS query WHERE doc @@ q "
            f"AND {' AND '.join(where)} ORDER BY ts_rank(doc, q) DESC LIMIT {int(limit)}"
        )
        return [row[0] for row in self.db.execute(sql, [*terms, *args])]

    def size_bytes(self) -> int:
        row = self.db.execute("SELECT pg_total_relation_size('docs')").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        try:
            self.db.close()
        finally:
            self.server.close()


def available_peers(folder: Path) -> tuple[list[Peer], dict[str, str]]:
    """Every peer that can run here, and why each missing one cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    peers: list[Peer] = [
        Fts5(folder / "fts5.sqlite", folded=False),
        Fts5(folder / "fts5-folded.sqlite", folded=True),
    ]
    missing: dict[str, str] = {}
    try:
        peers.append(Xapian(folder / "xapian"))
    except ImportError as exc:
        missing["xapian"] = (
            f"unavailable: xapian-bindings-binary does not import ({exc}; pip install -e "
            "'.[bench]')"
        )
    if importlib.util.find_spec("whoosh") is not None:
        peers.append(Whoosh(folder / "whoosh"))
    else:
        missing["whoosh"] = (
            "unavailable: whoosh-reloaded is not installed (pip install -e '.[bench]')"
        )
    try:
        peers.append(Postgres(folder / "postgres"))
    except PeerUnavailableError as exc:
        missing["postgres"] = "unavailable: " + " ".join(str(exc).split())  # one line: a table cell
    return peers, missing
