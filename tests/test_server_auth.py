"""Sign-in over real HTTP: signed HttpOnly SameSite sessions, CSRF on every form, rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serving import PASSWORDS, Server, cli, csrf, make_archive, serving, sign_in


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive(tmp_path_factory.mktemp("auth"))


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[Server]:
    with serving(archive) as running:
        yield running


def test_a_session_cookie_is_signed_httponly_and_samesite(server: Server) -> None:
    with server.client() as browser:
        signed_in = sign_in(browser, "alice", PASSWORDS["alice"])
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/"
        cookie = next(
            value
            for key, value in signed_in.headers.multi_items()
            if key == "set-cookie" and value.startswith("as_session=")
        )
        attributes = {part.strip().split("=")[0] for part in cookie.split(";")}
        assert {"HttpOnly", "SameSite", "Path", "Max-Age"} <= attributes
        assert "SameSite=Strict" in cookie
        assert browser.get("/api/v1/me").json()["name"] == "alice"
        session = browser.cookies["as_session"]
    value, signature = session.rsplit(".", 1)
    forged = f"{value}.{'0' * len(signature)}"
    # A changed first character changes the signed bytes (a last one may only change padding bits).
    changed = f"{'B' if value[0] == 'A' else 'A'}{value[1:]}.{signature}"
    for cookie_value in (forged, value, changed):
        with server.client(cookies={"as_session": cookie_value}) as other:
            assert other.get("/api/v1/me").status_code == 401


def test_signing_out_ends_the_session(server: Server) -> None:
    with server.client() as browser:
        sign_in(browser, "bob", PASSWORDS["bob"])
        session = browser.cookies["as_session"]
        assert browser.get("/api/v1/me").status_code == 200
        out = browser.post("/signout", data={"csrf_token": csrf(browser)})
        assert out.status_code == 303
        assert browser.get("/api/v1/me").status_code == 401
    with server.client(cookies={"as_session": session}) as replay:
        assert replay.get("/api/v1/me").status_code == 401


def test_a_wrong_password_or_unknown_name_is_refused_alike(server: Server) -> None:
    with server.client() as browser:
        wrong = sign_in(browser, "alice", "not-her-password")
        unknown = sign_in(browser, "nobody", "not-her-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.text == unknown.text
    assert "as_session" not in wrong.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "forge",
    [
        "no token",
        "token of another browser",
        "another site's origin",
        "no csrf cookie",
        "a bearer header instead",
        "an oversized form",
    ],
)
@pytest.mark.parametrize("form", ["/signin", "/signout"])
def test_every_form_that_changes_something_needs_its_csrf_token(
    server: Server, forge: str, form: str
) -> None:
    with server.client() as browser, server.client() as other:
        sign_in(browser, "alice", PASSWORDS["alice"])
        data = {"name": "alice", "password": PASSWORDS["alice"], "csrf_token": csrf(browser)}
        headers = {}
        if forge == "no token":
            del data["csrf_token"]
        elif forge == "token of another browser":
            data["csrf_token"] = csrf(other)
        elif forge == "another site's origin":
            headers["Origin"] = "http://evil.example"
        elif forge == "a bearer header instead":
            del data["csrf_token"]
            headers["Authorization"] = f"Bearer {server.token('alice')}"
        elif forge == "an oversized form":
            data["padding"] = "x" * 70_000
        else:
            browser.cookies.delete("as_csrf")
        response = browser.post(form, data=data, headers=headers)
        assert response.status_code == 403
        assert "set-cookie" not in response.headers or "as_session" not in str(
            response.headers.get_list("set-cookie")
        )
        if "as_session" in browser.cookies:
            assert browser.get("/api/v1/me").status_code == 200  # not signed out by a forgery


def test_a_form_with_its_token_goes_through(server: Server) -> None:
    with server.client() as browser:
        token = csrf(browser)
        response = browser.post(
            "/signin",
            data={"name": "bob", "password": PASSWORDS["bob"], "csrf_token": token},
            headers={"Origin": server.url},
        )
        assert response.status_code == 303


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """An archive of its own: failed sign-ins are kept in it, and would carry to other tests."""
    return make_archive(tmp_path)


def test_sign_in_is_rate_limited_per_user(fresh: Path) -> None:
    with serving(fresh) as server:
        with server.client() as browser:
            for _ in range(5):
                assert sign_in(browser, "alice", "guess-guess").status_code == 401
            refused = sign_in(browser, "alice", PASSWORDS["alice"])  # even the right password
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) > 0
            assert sign_in(browser, "bob", PASSWORDS["bob"]).status_code == 303
        with httpx.Client(
            base_url=server.url, transport=httpx.HTTPTransport(local_address="127.0.0.2")
        ) as elsewhere:
            assert sign_in(elsewhere, "alice", PASSWORDS["alice"]).status_code == 429


def test_sign_in_is_rate_limited_per_address(fresh: Path) -> None:
    with serving(fresh) as server:
        with server.client() as browser:
            for attempt in range(10):
                assert sign_in(browser, f"guess{attempt}", "guess-guess").status_code == 401
            assert sign_in(browser, "bob", PASSWORDS["bob"]).status_code == 429
        with httpx.Client(
            base_url=server.url, transport=httpx.HTTPTransport(local_address="127.0.0.2")
        ) as elsewhere:
            assert sign_in(elsewhere, "bob", PASSWORDS["bob"]).status_code == 303
    entries = cli(fresh, "audit", "--json").stdout
    assert '"outcome": "rate-limited"' in entries


def test_the_sign_in_rate_limit_survives_a_restart(fresh: Path) -> None:
    with serving(fresh) as server, server.client() as browser:
        for _ in range(5):
            assert sign_in(browser, "alice", "guess-guess").status_code == 401
        assert sign_in(browser, "alice", PASSWORDS["alice"]).status_code == 429
        server.process.kill()  # a crash: the failures were committed before each answer
        server.process.wait(timeout=30)
    with serving(fresh) as again, again.client() as browser:
        refused = sign_in(browser, "alice", PASSWORDS["alice"])
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 901
        assert sign_in(browser, "bob", PASSWORDS["bob"]).status_code == 303
        for attempt in range(5):  # with the 5 before the restart: 10 from this address
            assert sign_in(browser, f"guess{attempt}", "guess-guess").status_code == 401
        assert sign_in(browser, "bob", PASSWORDS["bob"]).status_code == 429


def test_a_disabled_user_loses_sessions_and_tokens_at_once(archive: Path, server: Server) -> None:
    assert cli(archive, "users", "add", "carol", "--clearance", "mat", "--password-stdin",
               stdin="carol-password\n").returncode == 0  # fmt: skip
    token = server.token("carol")
    with (
        server.client() as browser,
        server.client(headers={"Authorization": f"Bearer {token}"}) as api,
    ):
        sign_in(browser, "carol", "carol-password")
        assert browser.get("/api/v1/me").status_code == api.get("/api/v1/me").status_code == 200
        assert cli(archive, "users", "set", "carol", "--clearance", "public").returncode == 0
        assert api.get("/api/v1/me").json()["clearance"] == "public"
        assert cli(archive, "users", "disable", "carol").returncode == 0
        assert browser.get("/api/v1/me").status_code == api.get("/api/v1/me").status_code == 401
        assert sign_in(browser, "carol", "carol-password").status_code == 401
        assert cli(archive, "users", "disable", "carol", "--enable").returncode == 0
        assert api.get("/api/v1/me").status_code == 200
        assert cli(archive, "users", "token", "carol", "--revoke").returncode == 0
        assert api.get("/api/v1/me").status_code == 401


def test_a_redirect_after_sign_in_stays_on_this_site(server: Server) -> None:
    with server.client() as browser:
        response = browser.post(
            "/signin",
            data={"name": "bob", "password": PASSWORDS["bob"], "csrf_token": csrf(browser),
                  "next": "//evil.example/x"},
        )  # fmt: skip
        assert response.headers["location"] == "/"
