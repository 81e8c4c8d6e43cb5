"""The server's JSON API over real HTTP: no user no data, the user's clearance, the CLI's shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from archive_search.server import api, openapi
from tests.serving import SECRET_WORD, Server, cli, make_archive, serving

DATA_ENDPOINTS = [
    "/api/v1/search?q=cong",
    "/api/v1/facets?q=cong",
    "/api/v1/export?q=cong",
    "/api/v1/stats",
    "/api/v1/me",
    "/api/v1/documents/{id}",
    "/api/v1/documents/{id}/pages/1",
    "/api/v1/documents/{id}/similar",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(make_archive(tmp_path_factory.mktemp("server"))) as running:
        yield running


@pytest.fixture(scope="module")
def alice(server: Server) -> Iterator[httpx.Client]:
    with server.as_user("alice") as client:
        yield client


@pytest.fixture(scope="module")
def bob(server: Server) -> Iterator[httpx.Client]:
    with server.as_user("bob") as client:
        yield client


def _ids(client: httpx.Client, query: str = "") -> dict[str, str]:
    """Title → id of every document the client may see."""
    found = client.get("/api/v1/search", params={"q": query, "limit": 100}).json()
    return {hit["title"]: hit["id"] for hit in found["hits"]}


@pytest.fixture(scope="module")
def secret_id(alice: httpx.Client) -> str:
    return next(doc for title, doc in _ids(alice).items() if SECRET_WORD in title)


@pytest.fixture(scope="module")
def public_id(bob: httpx.Client) -> str:
    return _ids(bob)["Nghị quyết về công nghệ thông tin"]


@pytest.mark.parametrize("endpoint", DATA_ENDPOINTS)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer as_not-a-token"}, {"Cookie": "as_session=forged.0123"}],
    ids=["nothing", "unknown token", "forged cookie"],
)
def test_no_user_no_data(
    server: Server, public_id: str, endpoint: str, headers: dict[str, str]
) -> None:
    response = httpx.get(server.url + endpoint.format(id=public_id), headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "error": "sign in, or send an API token: Authorization: Bearer TOKEN"
    }
    assert response.headers["www-authenticate"].startswith("Bearer")


def _cli_json(server: Server, *args: str) -> object:
    done = cli(server.archive, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("path", "params", "command"),
    [
        ("search", {"q": "cong nghe"}, ["search", "cong nghe"]),
        (
            "search",
            {"q": "cong", "year": ["2016..2019"], "type": "NQ", "sort": "date", "limit": "2"},
            ["search", "cong", "--year", "2016..2019", "--type", "NQ", "--sort", "date",
             "--limit", "2"],
        ),
        ("search", {"q": "đảng", "exact": "true"}, ["search", "đảng", "--exact"]),
        (
            "search",
            {"q": "cong nghe thong tin dang vien", "all_words": "1"},
            ["search", "cong nghe thong tin dang vien", "--all-words"],
        ),
        (
            "search",
            {"q": "cong nghe thong tin dang vien"},
            ["search", "cong nghe thong tin dang vien"],
        ),
        ("facets", {"q": "cong"}, ["facets", "cong"]),
        ("stats", {}, ["stats"]),
    ],
)  # fmt: skip
@pytest.mark.parametrize("user", ["alice", "bob"])
def test_the_api_answers_as_the_cli_at_the_users_clearance(
    server: Server,
    alice: httpx.Client,
    bob: httpx.Client,
    path: str,
    params: dict[str, object],
    command: list[str],
    user: str,
) -> None:
    client = {"alice": alice, "bob": bob}[user]
    level = {"alice": "mat", "bob": "public"}[user]
    response = client.get(f"/api/v1/{path}", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert response.headers["x-archive-clearance"] == level
    assert response.json() == _cli_json(server, *command, "--clearance", level)


@pytest.mark.parametrize("suffix", ["", "/pages/2", "/similar"])
def test_documents_answer_as_show_and_similar(
    server: Server, bob: httpx.Client, public_id: str, suffix: str
) -> None:
    command = {
        "": ["show", public_id],
        "/pages/2": ["show", public_id, "--page", "2"],
        "/similar": ["similar", public_id],
    }[suffix]
    response = bob.get(f"/api/v1/documents/{public_id}{suffix}")
    assert response.status_code == 200
    assert response.json() == _cli_json(server, *command)


def test_a_request_may_lower_its_clearance_never_raise_it(
    alice: httpx.Client, bob: httpx.Client
) -> None:
    def titles(client: httpx.Client, clearance: str | None) -> str:
        params = {"q": "cong nghe", "limit": "100"}
        if clearance:
            params["clearance"] = clearance
        return json.dumps(client.get("/api/v1/search", params=params).json(), ensure_ascii=False)

    assert SECRET_WORD in titles(alice, None)
    assert SECRET_WORD not in titles(alice, "public")
    assert SECRET_WORD not in titles(bob, None)
    assert SECRET_WORD not in titles(bob, "tuyet-mat")
    raised = bob.get("/api/v1/me", params={"clearance": "tuyet-mat"}).json()
    assert raised == {"name": "bob", "clearance": "public", "reading_at": "public"}
    assert alice.get("/api/v1/me", params={"clearance": "public"}).json()["reading_at"] == "public"


@pytest.mark.parametrize("suffix", ["", "/pages/1", "/similar"])
def test_a_hidden_id_answers_exactly_as_a_missing_one(
    bob: httpx.Client, alice: httpx.Client, secret_id: str, suffix: str
) -> None:
    assert alice.get(f"/api/v1/documents/{secret_id}{suffix}").status_code == 200
    hidden = bob.get(f"/api/v1/documents/{secret_id}{suffix}")
    missing = bob.get(f"/api/v1/documents/{'0' * 20}{suffix}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content == b'{"error":"no document with this id"}'
    assert {k: v for k, v in hidden.headers.items() if k != "date"} == {
        k: v for k, v in missing.headers.items() if k != "date"
    }


def test_a_page_beyond_the_document_says_which_pages_it_has(
    bob: httpx.Client, public_id: str
) -> None:
    response = bob.get(f"/api/v1/documents/{public_id}/pages/9")
    assert response.status_code == 404
    assert response.json() == {"error": f"{public_id} has no page 9: its pages are 1-2"}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_streams_what_the_cli_exports(server: Server, alice: httpx.Client, fmt: str) -> None:
    with alice.stream("GET", "/api/v1/export", params={"q": "cong", "format": fmt}) as response:
        assert response.status_code == 200
        assert "chunked" in response.headers.get("transfer-encoding", "")
        body = response.read().decode()
    expected = cli(server.archive, "export", "cong", "--format", fmt, "--clearance", "mat")
    assert body.replace("\r\n", "\n") == expected.stdout.replace("\r\n", "\n")
    assert SECRET_WORD in body


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/api/v1/search?q=cong&limit=x", "limit must be a whole number, not 'x'"),
        (
            "/api/v1/search?q=cong&year=20x9",
            "bad year '20x9': write a year like 2019 or a range like 2015..2019",
        ),
        ("/api/v1/search?q=(cong&strict=1", None),
        ("/api/v1/export?q=cong&format=xml", "unknown export format 'xml': use csv or jsonl"),
        ("/api/v1/search?q=cong&clearance=secret", None),
    ],
)  # fmt: skip
def test_a_bad_parameter_is_a_400_that_says_why(
    bob: httpx.Client, path: str, error: str | None
) -> None:
    response = bob.get(path)
    assert response.status_code == 400
    assert error is None or response.json() == {"error": error}
    assert response.json()["error"]


def test_the_openapi_description_is_valid_and_lists_every_route(server: Server) -> None:
    response = httpx.get(f"{server.url}/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    paths = {route.path for route in api.routes()}  # type: ignore[attr-defined]
    assert set(spec["paths"]) == paths
    assert spec == json.loads(json.dumps(openapi.SPEC))


def test_the_installed_server_needs_no_file_outside_the_package(tmp_path: Path) -> None:
    """Static files are read once at start-up: a request path never reaches the disk."""
    from archive_search.server.app import STATIC_DIR, _static_files

    (tmp_path / "a.css").write_text("main{}")
    (tmp_path / ".hidden").write_text("x")
    assert _static_files(tmp_path) == {"a.css": (b"main{}", "text/css")}
    assert STATIC_DIR.is_dir()
