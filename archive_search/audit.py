"""The audit log: who signed in, searched, read or exported what, and when; append-only.

Entries live in ``ARCHIVE/server.sqlite`` beside the accounts. Triggers refuse every UPDATE and
DELETE of the table, so no code path of the server can change or drop an entry; only someone who
can write the file itself (a custodian) could, and the sequence numbers would show a gap.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from archive_search.accounts import ServerStore
from archive_search.index.errors import QueryError
from archive_search.index.records import Secrecy

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    user TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'ok',
    query TEXT,
    filters TEXT,
    hits INTEGER,
    document TEXT,
    page INTEGER,
    secrecy TEXT NOT NULL DEFAULT 'public'
);
CREATE INDEX IF NOT EXISTS audit_user ON audit(user, time);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
ACTIONS = (
    "signin",
    "signout",
    "search",
    "facets",
    "document",
    "page",
    "image",
    "similar",
    "export",
    "stats",
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log. ``secrecy`` is the highest level of the documents it touched."""

    user: str
    action: str
    address: str = ""
    outcome: str = "ok"
    query: str | None = None
    filters: Mapping[str, object] = field(default_factory=dict)
    hits: int | None = None
    document: str | None = None
    page: int | None = None
    secrecy: Secrecy = Secrecy.PUBLIC
    time: str = ""
    seq: int = 0

    @property
    def secret(self) -> bool:
        """Whether it touched a document above public."""
        return self.secrecy is not Secrecy.PUBLIC


class AuditLog(ServerStore):
    """The append-only audit log of one archive; safe to share between threads."""

    SCHEMA = _SCHEMA

    def record(self, entry: AuditEntry) -> AuditEntry:
        """Append ``entry`` (its time is now, UTC) and return it as stored, with its number."""
        if entry.action not in ACTIONS:
            raise ValueError(f"unknown audit action {entry.action!r}")
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        filters = json.dumps(dict(entry.filters), ensure_ascii=False) if entry.filters else None
        with self._lock:
            seq = self._db.execute(
                "INSERT INTO audit (time, user, address, action, outcome, query, filters, hits,"
                " document, page, secrecy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now,
                    entry.user,
                    entry.address,
                    entry.action,
                    entry.outcome,
                    entry.query,
                    filters,
                    entry.hits,
                    entry.document,
                    entry.page,
                    entry.secrecy.value,
                ),
            ).lastrowid
        return dataclasses.replace(entry, time=now, seq=seq or 0)

    def entries(
        self,
        *,
        user: str | None = None,
        since: str | None = None,
        secret_only: bool = False,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries oldest first, filtered by user, date, level and count.

        Of one user, from a date (``2026-12-01`` or an ISO time, UTC), only those touching documents
        above public, only the last ``limit``.
        """
        where, params = ["1"], []
        if user is not None:
            where.append("user = ?")
            params.append(user)
        if since is not None:
            where.append("time >= ?")
            params.append(_since(since))
        if secret_only:
            where.append("secrecy != 'public'")
        newest_first = "DESC LIMIT ?" if limit is not None else "ASC"
        sql = f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY seq {newest_first}"
        with self._lock:
            bound = [*params, *([limit] if limit is not None else [])]
            rows = self._db.execute(sql, bound).fetchall()
        if limit is not None:
            rows.reverse()
        return [_entry(row) for row in rows]


def _since(text: str) -> str:
    """An ISO date or time as the log writes times (UTC, ``Z``), for comparing as text."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(
            f"bad date {text!r}: write it like 2026-12-01 or 2026-12-01T08:00"
        ) from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def _entry(row: tuple[object, ...]) -> AuditEntry:
    seq, time, user, address, action, outcome, query, filters, hits, document, page, secrecy = row
    return AuditEntry(
        user=str(user),
        action=str(action),
        address=str(address),
        outcome=str(outcome),
        query=query if isinstance(query, str) else None,
        filters=json.loads(filters) if isinstance(filters, str) else {},
        hits=hits if isinstance(hits, int) else None,
        document=document if isinstance(document, str) else None,
        page=page if isinstance(page, int) else None,
        secrecy=Secrecy(secrecy),
        time=str(time),
        seq=int(seq),  # type: ignore[call-overload]
    )
