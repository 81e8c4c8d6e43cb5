"""The server's users, their clearance, API tokens, sign-in sessions and failed sign-ins.

They live in ``ARCHIVE/server.sqlite``, a file apart from the catalogue: ingestion holds the
catalogue's write transactions for long stretches and ``reindex`` rebuilds beside it, neither of
which may delay a sign-in or an audit entry; and this file holds password hashes and the log of
who read what, so it is created readable by its owner alone (``0600``), whatever the archive's
other files allow.

Passwords are hashed with scrypt (``hashlib.scrypt``, memory-hard, 16 MiB a hash) and a salt of
their own; tokens and session ids are 256 random bits, stored as their SHA-256 only. Failed
sign-ins are kept here too, so that a restart of the server does not reset its rate limit.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from archive_search.index.errors import ArchiveNotFoundError, NotFoundError, UsageError
from archive_search.index.records import Secrecy
from archive_search.models import parse_clearance

SERVER_DB_NAME = "server.sqlite"
TOKEN_PREFIX = "as_"
SESSION_SECONDS = 12 * 3600
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # 16 MiB a hash, slow by design (docs/performance.md)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password TEXT NOT NULL,
    clearance TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signin_failures (key TEXT NOT NULL, time REAL NOT NULL);
CREATE INDEX IF NOT EXISTS signin_failures_key ON signin_failures(key, time);
CREATE INDEX IF NOT EXISTS signin_failures_time ON signin_failures(time);
"""


class AccountError(UsageError):
    """A user cannot be added or changed as asked."""


@dataclass(frozen=True, slots=True)
class User:
    """A server user: what they may read is their ``clearance``."""

    name: str
    clearance: Secrecy
    disabled: bool = False
    tokens: int = 0


def open_server_db(archive_path: Path) -> sqlite3.Connection:
    """``ARCHIVE/server.sqlite`` (created ``0600``), in WAL mode, shared between threads."""
    if not (archive_path / "catalog.sqlite").exists():
        raise ArchiveNotFoundError(
            "no archive here: ingest files first (`archive-search ingest PATH`) or pass --archive",
            path=archive_path,
        )
    path = archive_path / SERVER_DB_NAME
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # a committed entry survives the process's death
    db.execute("PRAGMA foreign_keys=ON")
    return db


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash``, salt and hash in base64."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    params = "$".join(str(_SCRYPT[k]) for k in ("n", "r", "p"))
    return f"scrypt${params}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` hashes to ``stored``, compared in constant time."""
    _, n, r, p, salt, expected = stored.split("$")
    digest = hashlib.scrypt(
        password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(digest, _unb64(expected))


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown names against, so that they cost what a known name costs."""
    return hash_password(secrets.token_urlsafe(16))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ServerStore:
    """Tables of ``ARCHIVE/server.sqlite``, made when opened; safe to share between threads."""

    SCHEMA = ""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.Lock()
        with self._lock:
            db.executescript(self.SCHEMA)

    @classmethod
    def open(cls, archive_path: str | os.PathLike[str]) -> Self:
        """The store of the archive at ``archive_path`` (which must exist)."""
        return cls(open_server_db(Path(archive_path)))

    def close(self) -> None:
        self._db.close()


class Accounts(ServerStore):
    """Users, API tokens and sessions of one archive's server; safe to share between threads."""

    SCHEMA = _SCHEMA

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add(self, name: str, password: str, *, clearance: Secrecy | str) -> User:
        """A new user; their password is kept only as its scrypt hash."""
        name = _check_name(name)
        level = parse_clearance(clearance)
        if len(password) < 8:
            raise AccountError("the password is too short: use at least 8 characters")
        hashed = hash_password(password)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"user {name!r} exists already: `users set` changes them")
            db.execute(
                "INSERT INTO users (name, password, clearance, created) VALUES (?, ?, ?, ?)",
                (name, hashed, level.value, time.time()),
            )
        return User(name, level)

    def users(self) -> list[User]:
        """Every user, by name, with the number of their API tokens."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name, clearance, disabled, (SELECT COUNT(*) FROM tokens WHERE user = name)"
                " FROM users ORDER BY name"
            ).fetchall()
        return [User(name, Secrecy(level), bool(off), count) for name, level, off, count in rows]

    def user(self, name: str) -> User:
        """One user; ``NotFoundError`` when there is none of that name."""
        for user in self.users():
            if user.name == name:
                return user
        raise NotFoundError(f"no user {name!r}: `archive-search users list` shows them")

    def set_clearance(self, name: str, clearance: Secrecy | str) -> User:
        """Change a user's clearance; their sessions and tokens see the change at once."""
        level = parse_clearance(clearance)
        self._update(name, "UPDATE users SET clearance = ? WHERE name = ?", level.value)
        return self.user(name)

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password and end their sessions."""
        if len(password) < 8:
            raise AccountError("the password is too short: use at least 8 characters")
        self._update(name, "UPDATE users SET password = ? WHERE name = ?", hash_password(password))
        self._end_sessions(name)

    def disable(self, name: str, *, disabled: bool = True) -> None:
        """Stop (or allow again) a user's sign-ins, sessions and tokens."""
        self._update(name, "UPDATE users SET disabled = ? WHERE name = ?", int(disabled))
        self._end_sessions(name)

    def remove(self, name: str) -> None:
        """Delete a user with their tokens and sessions (the audit log keeps their entries)."""
        self._update(name, "DELETE FROM users WHERE name = ?")

    def _update(self, name: str, statement: str, *values: object) -> None:
        with self._transaction() as db:
            changed = db.execute(statement, (*values, name)).rowcount
        if not changed:
            raise NotFoundError(f"no user {name!r}: `archive-search users list` shows them")

    def _end_sessions(self, name: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is theirs and they are not disabled; else None.

        An unknown name costs the same scrypt hash as a known one.
        """
        with self._lock:
            row = self._db.execute(
                "SELECT password, clearance, disabled FROM users WHERE name = ?", (name,)
            ).fetchone()
        if row is None:
            verify_password(password, _dummy_hash())
            return None
        if not verify_password(password, row[0]) or row[2]:
            return None
        return User(name, Secrecy(row[1]))

    def new_token(self, name: str) -> str:
        """A new API token for ``name``: returned once, only its SHA-256 kept."""
        self.user(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO tokens (digest, user, created) VALUES (?, ?, ?)",
                (_digest(token), name, time.time()),
            )
        return token

    def revoke_tokens(self, name: str) -> int:
        """Revoke every API token of ``name``; how many there were."""
        self.user(name)
        with self._transaction() as db:
            return db.execute("DELETE FROM tokens WHERE user = ?", (name,)).rowcount

    def by_token(self, token: str) -> User | None:
        """The enabled user an API token belongs to, or None."""
        return self._active("SELECT user FROM tokens WHERE digest = ?", _digest(token))

    def new_session(self, name: str) -> str:
        """A new sign-in session id for ``name`` (valid for 12 hours); only its SHA-256 kept."""
        session = secrets.token_urlsafe(32)
        now = time.time()
        with self._transaction() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            db.execute(
                "INSERT INTO sessions (digest, user, expires) VALUES (?, ?, ?)",
                (_digest(session), name, now + SESSION_SECONDS),
            )
        return session

    def by_session(self, session: str) -> User | None:
        """The enabled user a live session belongs to, or None."""
        return self._active(
            "SELECT user FROM sessions WHERE digest = ? AND expires > ?",
            _digest(session),
            time.time(),
        )

    def end_session(self, session: str) -> None:
        """Sign a session out."""
        with self._transaction() as db:
            db.execute("DELETE FROM sessions WHERE digest = ?", (_digest(session),))

    def _active(self, select: str, *params: object) -> User | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT name, clearance FROM users WHERE disabled = 0 AND name = ({select})",
                params,
            ).fetchone()
        return User(row[0], Secrecy(row[1])) if row else None

    def failed_signin(self, keys: Sequence[str], *, forget_before: float) -> None:
        """Remember a failed sign-in under each of ``keys`` (a name, an address), now.

        Failures older than ``forget_before`` (a time as ``time.time()`` gives) are dropped.
        """
        now = time.time()
        with self._transaction() as db:
            db.execute("DELETE FROM signin_failures WHERE time < ?", (forget_before,))
            db.executemany(
                "INSERT INTO signin_failures (key, time) VALUES (?, ?)", [(k, now) for k in keys]
            )

    def signin_failures(self, key: str, *, since: float) -> list[float]:
        """The times of the failed sign-ins under ``key`` since ``since``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT time FROM signin_failures WHERE key = ? AND time >= ? ORDER BY time",
                (key, since),
            ).fetchall()
        return [row[0] for row in rows]

    def forget_signin_failures(self, key: str) -> None:
        """Forget the failed sign-ins under ``key`` (a user who signed in)."""
        with self._transaction() as db:
            db.execute("DELETE FROM signin_failures WHERE key = ?", (key,))

    def secret(self, name: str) -> bytes:
        """A random 32-byte key kept in this file (made on first use): what signs cookies."""
        with self._transaction() as db:
            row = db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
            if row:
                return bytes(row[0])
            value = secrets.token_bytes(32)
            db.execute("INSERT INTO secrets (name, value) VALUES (?, ?)", (name, value))
            return value


def _check_name(name: str) -> str:
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        raise AccountError(
            f"bad user name {name!r}: use letters, digits and . _ - @ (at most 64 characters)"
        )
    return name
