"""The app factory: the archive, its accounts and audit log, routes, security headers, errors."""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from archive_search import (
    Accounts,
    Archive,
    ArchiveError,
    ArchiveSearchError,
    AuditLog,
    NotFoundError,
    QueryError,
    default_archive_path,
)
from archive_search.server import api, auth, web

log = logging.getLogger(__name__)
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # same-origin: a link to another site carries no URL of ours (they hold queries); a form
    # posted here carries its Origin, which the CSRF check needs (under no-referrer it is "null").
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
STATIC_DIR = Path(__file__).parent / "web" / "static"


@dataclass
class ServerState:
    """What every request reaches through ``request.app.state.server``."""

    archive: Archive
    accounts: Accounts
    audit: AuditLog
    secret: bytes
    limiter: auth.SigninLimiter
    signin_page: auth.SigninPage
    static: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def close(self) -> None:
        self.archive.close()
        self.accounts.close()
        self.audit.close()


def create_app(
    archive_path: str | os.PathLike[str],
    *,
    failures_per_user: int = 5,
    failures_per_address: int = 10,
) -> Starlette:
    """The ASGI app serving the archive at ``archive_path`` (which must exist)."""
    archive = Archive.open(archive_path)
    accounts = Accounts.open(archive.path)
    server = ServerState(
        archive=archive,
        accounts=accounts,
        audit=AuditLog.open(archive.path),
        secret=accounts.secret("cookies"),
        limiter=auth.SigninLimiter(accounts, failures_per_user, failures_per_address),
        signin_page=getattr(web, "signin_page", auth.default_signin_page),
        static=_static_files(STATIC_DIR),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        server.close()

    app = Starlette(
        routes=_routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(auth.CsrfMiddleware, secret=server.secret),
        ],
        exception_handlers={
            HTTPException: _http_error,
            ArchiveSearchError: _archive_error,
        },
        lifespan=lifespan,
    )
    app.state.server = server
    return app


def app_from_environment() -> Starlette:
    """The app for the archive ``$ARCHIVE_SEARCH_HOME`` names: what each worker process makes."""
    return create_app(default_archive_path())


def _routes() -> list[BaseRoute]:
    """The web pages first (they may replace ``/signin``'s form), then sign-in and the API."""
    return [
        *web.routes(),
        Route("/signin", auth.signin_form, methods=["GET"]),
        Route("/signin", auth.signin, methods=["POST"]),
        Route("/signout", auth.signout, methods=["POST"]),
        Route("/static/{name:str}", _static, methods=["GET"]),
        Route("/healthz", _health, methods=["GET"]),
        *api.routes(),
    ]


def _static_files(folder: Path) -> dict[str, tuple[bytes, str]]:
    """Every file of the web pages' static folder, read once.

    A request names an entry of this table, never a path on disk.
    """
    files = {}
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.is_file() and not path.name.startswith("."):
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            files[path.name] = (path.read_bytes(), kind)
    return files


async def _static(request: Request) -> Response:
    found = auth.state(request).static.get(request.path_params["name"])
    if found is None:
        raise HTTPException(404, "not found")
    content, kind = found
    return Response(content, media_type=kind, headers={"cache-control": "max-age=3600"})


async def _health(_: Request) -> Response:
    return PlainTextResponse("ok")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if _wants_json(request):
        return JSONResponse({"error": exc.detail}, exc.status_code, headers=headers)
    if exc.status_code == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={_quoted(target)}", status_code=303)
    return PlainTextResponse(str(exc.detail), exc.status_code, headers=headers)


async def _archive_error(request: Request, exc: Exception) -> Response:
    """A library error: a query's own message; for the archive itself, one without its path."""
    assert isinstance(exc, ArchiveSearchError)
    if isinstance(exc, QueryError):
        return await _http_error(request, HTTPException(400, exc.message))
    if isinstance(exc, NotFoundError):
        return await _http_error(request, HTTPException(404, exc.message))
    if not isinstance(exc, ArchiveError):
        raise exc  # unforeseen: answered by SecurityHeaders, which logs it
    log.error("error serving %s %s: %s", request.method, request.url.path, exc)
    detail = "the archive cannot be read now: the server's log says why"
    return await _http_error(request, HTTPException(503, detail))


def _quoted(target: str) -> str:
    from urllib.parse import quote

    return quote(target, safe="/")


class SecurityHeaders:
    """Adds a strict Content-Security-Policy and its companions to every response.

    Also ``Cache-Control: no-store`` where none is set (documents must not stay in a browser cache);
    answers an unforeseen error with a 500 that names nothing, its traceback logged.
    """

    def __init__(self, app: auth.ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: auth.Scope, receive: auth.Receive, send: auth.Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def sending(message: auth.Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            # Answered here rather than by Starlette's error middleware, which raises the
            # error again: uvicorn would then close the connection of a keep-alive client.
            log.exception("error serving %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # a streamed answer broke off: only closing the connection can say so
            await sending(_INTERNAL_ERROR_START)
            await send({"type": "http.response.body", "body": _INTERNAL_ERROR})


_INTERNAL_ERROR = b'{"error":"internal error: the server\'s log says more"}'
_INTERNAL_ERROR_START = {
    "type": "http.response.start",
    "status": 500,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(_INTERNAL_ERROR)),
    ],
}
