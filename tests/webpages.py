"""Helpers of the web pages' tests: signing in through the form as a browser does."""

from __future__ import annotations

import html
import re

import httpx

from tests.serving import Server
from tools.webdemo import USERS


def signed_in(server: Server, name: str) -> httpx.Client:
    """An HTTP client with the session cookie of ``name`` (signed in through the form)."""
    client = server.client(follow_redirects=True)
    form = client.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, form
    done = client.post(
        "/signin",
        data={"name": name, "password": USERS[name][1], "csrf_token": token[1], "next": "/"},
    )
    assert done.status_code == 200 and str(done.url).endswith("/"), done.text
    return client


def document_ids(client: httpx.Client) -> dict[str, str]:
    """Symbol (or title) → id of every document the client's search page lists."""
    page = client.get("/search", params={"q": ""}).text
    found = re.findall(
        r'<a href="/documents/([0-9a-z-]+)">(?:<span class="symbol">([^<]*)</span> )?'
        r'<span class="title">([^<]*)</span>',
        page,
    )
    return {html.unescape(symbol or title): doc_id for doc_id, symbol, title in found}
