"""Who is asking: sessions (signed cookies), API tokens, CSRF tokens, sign-in and its rate limit.

A request's user comes from ``Authorization: Bearer TOKEN`` or from the ``as_session`` cookie
(a session id and its HMAC, HttpOnly, SameSite=Strict); their clearance is read from the
accounts on every request, so ``users set`` and ``users disable`` take effect at once. A request
may ask for a lower clearance (``?clearance=public``), never a higher one.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from archive_search import Accounts, AuditEntry, QueryError, Secrecy, User, parse_clearance

if TYPE_CHECKING:
    from archive_search.server.app import ServerState

SESSION_COOKIE = "as_session"
CSRF_COOKIE = "as_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_FORM_BYTES = 64 * 1024
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def state(request: Request) -> ServerState:
    """The server's archive, accounts, audit log and keys."""
    found: ServerState = request.app.state.server
    return found


def _sign(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def _unsigned(secret: bytes, cookie: str) -> str | None:
    """The value of a signed cookie, or None when its signature does not match."""
    value, _, signature = cookie.rpartition(".")
    return value if value and hmac.compare_digest(_sign(secret, value), signature) else None


def current_user(request: Request) -> User | None:
    """The user of a request (bearer token first, then the session cookie), or None."""
    if "user" in request.scope.setdefault("state", {}):
        cached: User | None = request.scope["state"]["user"]
        return cached
    server = state(request)
    user = None
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        user = server.accounts.by_token(authorization[7:].strip())
    elif cookie := request.cookies.get(SESSION_COOKIE):
        session = _unsigned(server.secret, cookie)
        user = server.accounts.by_session(session) if session else None
    request.scope["state"]["user"] = user
    return user


def require_user(request: Request) -> User:
    """The request's user; 401 without a valid token or session."""
    user = current_user(request)
    if user is None:
        raise HTTPException(
            401,
            "sign in, or send an API token: Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": 'Bearer realm="archive-search"'},
        )
    return user


def clearance_of(request: Request, user: User) -> Secrecy:
    """The user's clearance, or the lower one the request asks for with ``?clearance=``."""
    asked = request.query_params.get("clearance")
    if not asked:
        return user.clearance
    try:
        level = parse_clearance(asked)
    except QueryError as exc:
        raise HTTPException(400, exc.message) from exc
    return level if level.rank < user.clearance.rank else user.clearance


def address(request: Request) -> str:
    return request.client.host if request.client else ""


def audit(request: Request, action: str, **fields: Any) -> None:
    """Append an entry for this request's user to the audit log."""
    user = current_user(request)
    name = fields.pop("user", None) or (user.name if user else "")
    state(request).audit.record(
        AuditEntry(user=name, action=action, address=address(request), **fields)
    )


# --- CSRF: every form that changes something carries a token bound to the browser's cookie ---


def csrf_token(request: Request) -> str:
    """The token a form posted from this browser must carry in its ``csrf_token`` field."""
    return _sign(state(request).secret, "csrf:" + request.scope["state"]["csrf_nonce"])


class CsrfMiddleware:
    """Refuses (403) a state-changing request without its CSRF token, from another site or too big.

    It gives each browser a random ``as_csrf`` cookie and refuses any POST, PUT, PATCH or DELETE
    that lacks the token derived from it (form field ``csrf_token`` or header ``X-CSRF-Token``),
    whose Origin is another site, or whose body exceeds 64 KiB. (The API changes nothing, so a
    bearer token never needs to post.)
    """

    def __init__(self, app: ASGIApp, secret: bytes) -> None:
        self.app, self.secret = app, secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header counts as none
            cookie = SimpleCookie()
        nonce = cookie[CSRF_COOKIE].value if CSRF_COOKIE in cookie else ""
        fresh = len(nonce) != 43
        if fresh:
            nonce = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_nonce"] = nonce
        if scope["method"] in UNSAFE_METHODS:
            expected = _sign(self.secret, "csrf:" + nonce)
            body, given = await _read_token(receive, headers)
            if fresh or not _same_origin(headers) or not hmac.compare_digest(given, expected):
                await _forbidden(send)
                return
            receive = _replay(body)
        if fresh:
            send = _with_cookie(send, _cookie_header(CSRF_COOKIE, nonce, scope, max_age=None))
        await self.app(scope, receive, send)


async def _read_token(receive: Receive, headers: dict[str, str]) -> tuple[bytes, str]:
    """The request's body (at most 64 KiB read) and the CSRF token it or its headers carry."""
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_FORM_BYTES:
            return b"", ""
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    if token := headers.get(CSRF_HEADER):
        return body, token
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        fields = parse_qs(body.decode("utf-8", "replace"))
        return body, (fields.get(CSRF_FIELD) or [""])[0]
    return body, ""


def _same_origin(headers: dict[str, str]) -> bool:
    origin = headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return origin.split("://", 1)[-1] == headers.get("host", "")


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _forbidden(send: Send) -> None:
    body = b'{"error":"this form has expired or comes from another site: reload the page"}'
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _with_cookie(send: Send, header: str) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (b"set-cookie", header.encode())]
        await send(message)

    return sending


def _cookie_header(name: str, value: str, scope: Scope, *, max_age: int | None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if scope.get("scheme") == "https":
        parts.append("Secure")
    return "; ".join(parts)


# --- Sign-in, rate-limited per user name and per address ---


@dataclass
class SigninLimiter:
    """Failed sign-ins remembered for ``window`` seconds, by user name and by address.

    After ``per_user`` failures for a name, or ``per_address`` from an address, it is refused until
    enough of them leave the window. A success clears its name's failures, not its address's. The
    failures are kept in ``server.sqlite`` (``Accounts``), so a restart does not clear them.
    """

    accounts: Accounts
    per_user: int = 5
    per_address: int = 10
    window: float = 900.0

    def wait(self, name: str, address: str) -> float:
        """Seconds until this name from this address may try again (0: now)."""
        return max(
            self._wait(f"user:{name}", self.per_user),
            self._wait(f"address:{address}", self.per_address),
        )

    def _wait(self, key: str, limit: int) -> float:
        now = time.time()
        times = self.accounts.signin_failures(key, since=now - self.window)
        if len(times) < limit:
            return 0.0
        return max(0.0, times[len(times) - limit] + self.window - now)  # under the limit then

    def fail(self, name: str, address: str) -> None:
        keys = (f"user:{name}", f"address:{address}")
        self.accounts.failed_signin(keys, forget_before=time.time() - self.window)

    def succeeded(self, name: str) -> None:
        self.accounts.forget_signin_failures(f"user:{name}")


SigninPage = Callable[[Request, str | None, int], Response]


def default_signin_page(request: Request, error: str | None, status_code: int) -> Response:
    """A plain sign-in form (the web pages replace it with their own)."""
    message = f"<p role=alert>{html.escape(error)}</p>" if error else ""
    target = html.escape(_local(request.query_params.get("next", "/")))
    return HTMLResponse(
        f"<!doctype html><html lang=vi><meta charset=utf-8><title>Đăng nhập</title>"
        f"<main><h1>Đăng nhập</h1>{message}<form method=post action=/signin>"
        f'<input type=hidden name={CSRF_FIELD} value="{csrf_token(request)}">'
        f'<input type=hidden name=next value="{target}">'
        "<label>Tên <input name=name autocomplete=username required></label>"
        "<label>Mật khẩu <input type=password name=password autocomplete=current-password"
        " required></label><button>Đăng nhập</button></form></main></html>",
        status_code=status_code,
    )


def _local(target: str) -> str:
    """``target`` if it is a path of this site, else ``/``: no redirect elsewhere."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else "/"


async def signin_form(request: Request) -> Response:
    """GET /signin."""
    page: SigninPage = state(request).signin_page
    return page(request, None, 200)


async def signin(request: Request) -> Response:
    """POST /signin (form: name, password, csrf_token, next): a session cookie, or 401/429."""
    form = await request.form()
    name, password = str(form.get("name", "")).strip()[:64], str(form.get("password", ""))
    server = state(request)
    page: SigninPage = server.signin_page
    wait = await run_in_threadpool(server.limiter.wait, name, address(request))
    if wait > 0:
        await run_in_threadpool(audit, request, "signin", user=name, outcome="rate-limited")
        response = page(request, "Quá nhiều lần đăng nhập sai: hãy thử lại sau.", 429)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    user = await run_in_threadpool(server.accounts.authenticate, name, password)
    if user is None:
        await run_in_threadpool(server.limiter.fail, name, address(request))
        await run_in_threadpool(audit, request, "signin", user=name, outcome="failed")
        return page(request, "Sai tên hoặc mật khẩu.", 401)
    await run_in_threadpool(server.limiter.succeeded, user.name)
    session = await run_in_threadpool(server.accounts.new_session, user.name)
    await run_in_threadpool(audit, request, "signin", user=user.name)
    response = RedirectResponse(_local(str(form.get("next", "/"))), status_code=303)
    value = f"{session}.{_sign(server.secret, session)}"
    response.headers.append(
        "set-cookie", _cookie_header(SESSION_COOKIE, value, request.scope, max_age=12 * 3600)
    )
    return response


async def signout(request: Request) -> Response:
    """POST /signout: ends the session and clears its cookie."""
    server = state(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    session = _unsigned(server.secret, cookie) if cookie else None
    if session:
        if current_user(request):
            await run_in_threadpool(audit, request, "signout")
        await run_in_threadpool(server.accounts.end_session, session)
    response = RedirectResponse("/signin", status_code=303)
    response.headers.append(
        "set-cookie", _cookie_header(SESSION_COOKIE, "", request.scope, max_age=0)
    )
    return response
