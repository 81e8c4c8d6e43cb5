"""The server's hardening over real HTTP: headers, escaping, no path to the disk, no tracebacks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from archive_search.server import create_app
from archive_search.server.app import CONTENT_SECURITY_POLICY
from tests.serving import Server, make_archive, serving, serving_in_thread


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive(tmp_path_factory.mktemp("hardening"))


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[Server]:
    with serving(archive) as running:
        yield running


@pytest.fixture(scope="module")
def bob(server: Server) -> Iterator[httpx.Client]:
    with server.as_user("bob") as client:
        yield client


@pytest.mark.parametrize(
    "path",
    ["/signin", "/api/v1/search?q=cong", "/api/v1/export?q=cong", "/api/v1/documents/0000",
     "/nowhere", "/api/v1/openapi.json"],
)  # fmt: skip
@pytest.mark.parametrize("signed_in", [True, False])
def test_every_response_has_a_strict_content_security_policy(
    server: Server, bob: httpx.Client, path: str, signed_in: bool
) -> None:
    response = (bob if signed_in else httpx).get(server.url + path)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    if path.startswith("/api/v1/search"):
        assert response.headers["cache-control"] == "no-store"


def test_text_from_a_request_is_escaped_in_the_sign_in_page(server: Server) -> None:
    attack = '"><script>alert(1)</script>'
    page = httpx.get(f"{server.url}/signin", params={"next": "/x" + attack}).text
    assert "<script>" not in page
    assert "&lt;script&gt;" in page or "%3Cscript" in page


def test_document_text_travels_as_json_not_markup(bob: httpx.Client) -> None:
    found = bob.get("/api/v1/search", params={"q": "chi thi"})
    assert found.headers["content-type"] == "application/json"
    (hit,) = found.json()["hits"]
    assert hit["title"] == "Chỉ thị về <b>công tác</b> phát triển đảng viên & đoàn viên"
    shown = bob.get(f"/api/v1/documents/{hit['id']}").json()
    assert "<script>x</script>" in shown["pages"][0]["text"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/v1/documents/%2Fetc%2Fpasswd/pages/1",
        "/api/v1/documents/..%2Fcatalog.sqlite",
        "/api/v1/documents/catalog.sqlite",
        "/api/v1/documents/0000/pages/..%2F..%2Fetc%2Fpasswd",
        "/static/..%2Fapp.py",
        "/static/../../etc/passwd",
        "/static/%2Fetc%2Fpasswd",
        "/api/v1/../../../etc/passwd",
        "/server.sqlite",
        "/catalog.sqlite",
    ],
)
def test_no_request_path_reaches_the_file_system(bob: httpx.Client, path: str) -> None:
    response = bob.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.content
    assert b"SQLite" not in response.content
    assert b"import" not in response.content


def test_an_unforeseen_error_shows_neither_a_traceback_nor_a_path(
    archive: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(archive)
    secret_place = str(archive / "catalog.sqlite")

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError(f"disk I/O error in {secret_place}")

    monkeypatch.setattr(app.state.server.archive, "run", broken)
    token = app.state.server.accounts.new_token("bob")
    with (
        caplog.at_level(logging.ERROR),
        serving_in_thread(app) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client,
    ):
        response = client.get("/api/v1/search", params={"q": "cong"})
        assert client.get("/api/v1/me").status_code == 200  # the server goes on
    assert response.status_code == 500
    assert response.json() == {"error": "internal error: the server's log says more"}
    assert secret_place not in response.text and "Traceback" not in response.text
    assert secret_place in caplog.text  # the custodian finds it in the server's log


def test_an_archive_error_names_no_path(archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive_search import IndexUnavailableError

    app = create_app(archive)

    def unavailable(*_: object, **__: object) -> object:
        raise IndexUnavailableError("the search index is unreadable", path=archive / "index")

    monkeypatch.setattr(app.state.server.archive, "run", unavailable)
    token = app.state.server.accounts.new_token("bob")
    with (
        serving_in_thread(app) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client,
    ):
        response = client.get("/api/v1/search", params={"q": "cong"})
    assert response.status_code == 503
    assert str(archive) not in response.text
    assert response.json() == {"error": "the archive cannot be read now: the server's log says why"}
