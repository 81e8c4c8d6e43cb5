"""The audit log over real HTTP: every sign-in, search, view and export, secret ones marked.

No endpoint can change or delete an entry, and the database itself refuses to.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_search import AuditLog
from tests.serving import PASSWORDS, SECRET_WORD, Server, cli, csrf, make_archive, serving, sign_in


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(make_archive(tmp_path_factory.mktemp("audit"))) as running:
        yield running


def _entries(server: Server, *options: str) -> list[dict[str, object]]:
    done = cli(server.archive, "audit", "--json", *options)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _last(server: Server) -> dict[str, object]:
    return _entries(server)[-1]


def _without_time(entry: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in entry.items() if k not in ("time", "seq")}


def test_sign_ins_and_failed_ones_are_recorded(server: Server) -> None:
    with server.client() as browser:
        sign_in(browser, "bob", "wrong-password")
        assert _without_time(_last(server)) == {
            "user": "bob", "action": "signin", "address": "127.0.0.1", "outcome": "failed",
            "query": None, "filters": {}, "hits": None, "document": None, "page": None,
            "secrecy": "public", "secret": False,
        }  # fmt: skip
        sign_in(browser, "bob", PASSWORDS["bob"])
        assert _last(server)["outcome"] == "ok"
        browser.post("/signout", data={"csrf_token": csrf(browser)})
        assert _last(server)["action"] == "signout"


def test_a_search_is_recorded_with_its_query_filters_and_hits(server: Server) -> None:
    with server.as_user("alice") as alice, server.as_user("bob") as bob:
        bob.get("/api/v1/search", params={"q": "cong nghe", "year": "2015..2020", "type": "NQ"})
        entry = _last(server)
        assert (entry["user"], entry["action"], entry["query"], entry["hits"]) == (
            "bob", "search", "cong nghe", 1,
        )  # fmt: skip
        assert entry["filters"] == {"year": ["2015..2020"], "type": ["NQ"], "clearance": "public"}
        assert entry["secret"] is False
        alice.get("/api/v1/search", params={"q": "cong nghe", "limit": "0"})
        entry = _last(server)
        assert (entry["user"], entry["hits"], entry["secrecy"], entry["secret"]) == (
            "alice", 3, "mat", True,
        )  # fmt: skip
        alice.get("/api/v1/search", params={"q": "cong nghe", "clearance": "public"})
        assert _last(server)["secret"] is False


def test_views_and_exports_are_recorded_and_secret_ones_marked(server: Server) -> None:
    with server.as_user("alice") as alice:
        hits = alice.get("/api/v1/search", params={"q": SECRET_WORD}).json()["hits"]
        secret_id = hits[0]["id"]
        alice.get(f"/api/v1/documents/{secret_id}")
        assert (_last(server)["action"], _last(server)["document"], _last(server)["secrecy"]) == (
            "document", secret_id, "mat",
        )  # fmt: skip
        alice.get(f"/api/v1/documents/{secret_id}/pages/1")
        assert (_last(server)["action"], _last(server)["page"], _last(server)["secret"]) == (
            "page", 1, True,
        )  # fmt: skip
        alice.get(f"/api/v1/documents/{secret_id}/similar")
        assert _last(server)["action"] == "similar" and _last(server)["secret"] is True
        alice.get("/api/v1/export", params={"q": "cong", "format": "jsonl"}).read()
        entry = _last(server)
        assert (entry["action"], entry["hits"], entry["secret"]) == ("export", 3, True)
        assert entry["filters"] == {"clearance": "mat", "format": "jsonl"}
    with server.as_user("bob") as bob:
        bob.get(f"/api/v1/documents/{secret_id}")
        entry = _last(server)
        assert (entry["user"], entry["outcome"], entry["secret"]) == ("bob", "not-found", False)


def test_the_audit_command_filters_by_user_date_and_secrecy(server: Server) -> None:
    with server.as_user("alice") as alice:
        alice.get("/api/v1/search", params={"q": SECRET_WORD})
    everything = _entries(server)
    secret = _entries(server, "--secret-only")
    assert secret and all(entry["secrecy"] != "public" for entry in secret)
    assert len(secret) < len(everything)
    assert {entry["user"] for entry in _entries(server, "--user", "bob")} == {"bob"}
    assert _entries(server, "--since", "2999-01-01") == []
    assert len(_entries(server, "--since", "2000-01-01")) == len(everything)
    text = cli(server.archive, "audit", "--secret-only").stdout.splitlines()
    assert len(text) == len(secret) and all("[mat]" in line for line in text)
    assert cli(server.archive, "audit", "--since", "yesterday").returncode == 5


def test_no_endpoint_can_change_or_delete_an_entry(server: Server) -> None:
    from archive_search.server import api

    with server.as_user("alice") as alice:
        alice.get("/api/v1/search", params={"q": "cong"})
        before = _entries(server)
        paths = [route.path.format(doc_id=before[-1]["seq"], number=1)  # type: ignore[attr-defined]
                 for route in api.routes()]  # fmt: skip
        paths += ["/api/v1/audit", "/api/v1/audit/1", "/audit", "/signin", "/signout"]
        for path in paths:
            for method in ("POST", "PUT", "PATCH", "DELETE"):
                response = alice.request(method, path, json={"seq": 1, "user": "x"})
                assert not 200 <= response.status_code < 300, (method, path)
    after = _entries(server)
    assert after[: len(before)] == before


def test_the_database_refuses_to_change_or_delete_an_entry(server: Server) -> None:
    db = sqlite3.connect(server.archive / "server.sqlite")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit SET user = 'nobody' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit")
    db.close()
    log = AuditLog.open(server.archive)
    assert log.entries(limit=1)[0].seq == len(log.entries())
    log.close()


def test_passwords_and_tokens_are_never_stored_in_clear(server: Server) -> None:
    token = server.token("bob")
    raw = b"".join(path.read_bytes() for path in Path(server.archive).glob("server.sqlite*"))
    assert PASSWORDS["bob"].encode() not in raw and token.encode() not in raw
    assert b"scrypt$" in raw
