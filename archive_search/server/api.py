"""The JSON API under ``/api/v1/``: the CLI's powers and ``--json`` shapes, at a user's clearance.

Every data endpoint needs a user (401 without one) and writes an audit entry; handlers are plain
functions, which Starlette runs on its thread pool, as the archive and the log block.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from archive_search import (
    ExportFormat,
    NotFoundError,
    QueryError,
    SearchQuery,
    SearchResults,
    Secrecy,
    to_json,
)
from archive_search.server import openapi
from archive_search.server.auth import audit, clearance_of, require_user, state

P = ParamSpec("P")
T = TypeVar("T")
PREFIX = "/api/v1"
NOT_FOUND = "no document with this id"  # the same for a hidden id and a missing one
_ID_RE = re.compile(r"^[0-9a-z][0-9a-z-]{0,63}$")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FILTERS = (
    ("fond", "fond"),
    ("year", "year"),
    ("type", "doc_type"),
    ("issuer", "issuer"),
    ("cites", "cites"),
)
_MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/openapi.json", openapi_json, methods=["GET"]),
        Route(f"{PREFIX}/me", me, methods=["GET"]),
        Route(f"{PREFIX}/search", search, methods=["GET"]),
        Route(f"{PREFIX}/facets", facets, methods=["GET"]),
        Route(f"{PREFIX}/export", export, methods=["GET"]),
        Route(f"{PREFIX}/stats", stats, methods=["GET"]),
        Route(f"{PREFIX}/documents/{{doc_id}}", document, methods=["GET"]),
        Route(f"{PREFIX}/documents/{{doc_id}}/pages/{{number}}", page, methods=["GET"]),
        Route(f"{PREFIX}/documents/{{doc_id}}/similar", similar, methods=["GET"]),
    ]


def json_response(value: Any, request: Request, *, status_code: int = 200) -> Response:
    """``value`` in the CLI's JSON shape, with the clearance it was read at."""
    response = Response(to_json(value), status_code, media_type="application/json")
    if (level := request.scope.get("state", {}).get("clearance")) is not None:
        response.headers["x-archive-clearance"] = level.value
    return response


def _clearance(request: Request) -> Secrecy:
    level = clearance_of(request, require_user(request))
    request.scope["state"]["clearance"] = level
    return level


def _int(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit():
        raise HTTPException(400, f"{name} must be a whole number, not {value!r}")
    return int(value)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in _TRUE


def query_of(request: Request, *, paged: bool = True) -> SearchQuery:
    """The search a request asks for (``q`` and the CLI's filters), at its clearance."""
    clearance = _clearance(request)
    params = request.query_params
    options: dict[str, Any] = {key: params.getlist(name) for name, key in _FILTERS}
    if paged:
        options |= {"limit": _int(request, "limit", 10), "offset": _int(request, "offset", 0)}
        options["sort"] = params.get("sort") or "relevance"
    try:
        return SearchQuery.build(
            params.get("q", ""),
            clearance=clearance,
            exact=_flag(request, "exact"),
            strict=_flag(request, "strict"),
            all_words=_flag(request, "all_words"),
            **options,
        )
    except QueryError as exc:
        raise HTTPException(400, exc.message) from exc


def filters_of(query: SearchQuery) -> dict[str, object]:
    """What the audit log keeps of a search besides its text: the filters given, the clearance."""
    kept: dict[str, object] = {
        "fond": list(query.fond),
        "year": [_years(y) for y in query.year],
        "type": list(query.doc_type),
        "issuer": list(query.issuer),
        "cites": list(query.cites),
    }
    kept = {name: value for name, value in kept.items() if value}
    if query.exact:
        kept["exact"] = True
    if query.all_words:
        kept["all_words"] = True
    if query.offset:
        kept["offset"] = query.offset
    return {**kept, "clearance": query.clearance.value}


def _years(span: Any) -> str:
    start, end = span.start, span.end
    return str(start) if start == end else f"{start or ''}..{end or ''}"


def highest(levels: Any) -> Secrecy:
    """The highest of some secrecy levels (codes or ``Secrecy``), public when none."""
    found = Secrecy.PUBLIC
    for value in levels:
        try:
            level = Secrecy(value)
        except ValueError:
            continue
        found = level if level.rank > found.rank else found
    return found


def audit_search(request: Request, query: SearchQuery, results: SearchResults) -> None:
    """Append a search to the audit log: its text, filters, number of hits, highest level."""
    audit(
        request,
        "search",
        query=query.text,
        filters=filters_of(query),
        hits=results.total,
        secrecy=touched(results),
    )


def touched(results: SearchResults) -> Secrecy:
    """The highest level among every document a search matched, and among the hits shown.

    Its secrecy facet counts every document matched when the reader is cleared above public.
    """
    counted = [count.value for count in results.facets.get("secrecy", ()) if count.count]
    return highest([*counted, *(hit.secrecy for hit in results.hits)])


def _run(run: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``run(...)``; a QueryError is the client's: 400 with its message."""
    try:
        return run(*args, **kwargs)
    except QueryError as exc:
        raise HTTPException(400, exc.message) from exc


def openapi_json(request: Request) -> Response:
    return Response(to_json(openapi.SPEC), media_type="application/json")


def me(request: Request) -> Response:
    """Who the request is signed in as, and the clearance it reads at."""
    user = require_user(request)
    level = _clearance(request)
    return json_response(
        {"name": user.name, "clearance": user.clearance, "reading_at": level}, request
    )


def search(request: Request) -> Response:
    query = query_of(request)
    results: SearchResults = _run(state(request).archive.run, query)
    audit_search(request, query, results)
    return json_response(results, request)


def facets(request: Request) -> Response:
    query = query_of(request, paged=False)
    counts = _run(state(request).archive.facets, query)
    level = highest(count.value for count in counts.get("secrecy", ()) if count.count)
    audit(request, "facets", query=query.text, filters=filters_of(query), secrecy=level)
    return json_response(counts, request)


def export(request: Request) -> Response:
    """Every hit of a search, streamed as CSV or JSON Lines; audited before the first byte."""
    query = dataclasses.replace(query_of(request), limit=0, offset=0, pages_per_hit=0)
    fmt: ExportFormat
    match request.query_params.get("format", "csv"):
        case "csv" | "jsonl" as fmt:
            pass
        case other:
            raise HTTPException(400, f"unknown export format {other!r}: use csv or jsonl")
    archive = state(request).archive
    counted: SearchResults = _run(archive.run, query)
    lines = _run(archive.export_lines, query, format=fmt)
    audit(
        request,
        "export",
        query=query.text,
        filters={**filters_of(query), "format": fmt},
        hits=counted.total,
        secrecy=touched(counted),
    )
    disposition = f'attachment; filename="archive-search-export.{fmt}"'
    return StreamingResponse(
        (line.encode() for line in lines),
        media_type=_MEDIA[fmt],
        headers={"content-disposition": disposition},
    )


def stats(request: Request) -> Response:
    found = _run(state(request).archive.statistics, clearance=_clearance(request))
    return json_response(found, request)


def _doc_id(request: Request) -> str:
    doc_id: str = request.path_params["doc_id"]
    return doc_id if _ID_RE.match(doc_id) else ""


def _not_found(
    request: Request, action: str, doc_id: str, page: int | None = None
) -> HTTPException:
    audit(request, action, document=doc_id or "(invalid id)", page=page, outcome="not-found")
    return HTTPException(404, NOT_FOUND)


def document(request: Request) -> Response:
    """A document's metadata, pages, citations: as ``show --json``."""
    clearance, doc_id = _clearance(request), _doc_id(request)
    try:
        view = state(request).archive.document(doc_id, clearance=clearance)
    except NotFoundError:
        raise _not_found(request, "document", doc_id) from None
    audit(request, "document", document=view.id, secrecy=highest([view.metadata.get("secrecy")]))
    return json_response(view, request)


def page(request: Request) -> Response:
    """One page of a document: as ``show --page N --json``."""
    clearance, doc_id = _clearance(request), _doc_id(request)
    number = int(request.path_params["number"]) if request.path_params["number"].isdigit() else 0
    try:
        view = state(request).archive.document(doc_id, clearance=clearance)
    except NotFoundError:
        raise _not_found(request, "page", doc_id, number) from None
    level = highest([view.metadata.get("secrecy")])
    try:
        view = view.only_page(number)
    except NotFoundError as exc:  # the document is visible: say which pages it has
        audit(request, "page", document=view.id, page=number, outcome="not-found", secrecy=level)
        raise HTTPException(404, exc.message) from None
    audit(request, "page", document=view.id, page=number, secrecy=level)
    return json_response(view, request)


def similar(request: Request) -> Response:
    """Documents most like one: as ``similar --json``."""
    clearance, doc_id = _clearance(request), _doc_id(request)
    archive = state(request).archive
    limit, offset = _int(request, "limit", 10), _int(request, "offset", 0)
    try:
        level = archive.secrecy(doc_id, clearance=clearance)
        results = _run(archive.similar, doc_id, clearance=clearance, limit=limit, offset=offset)
    except NotFoundError:
        raise _not_found(request, "similar", doc_id) from None
    audit(
        request,
        "similar",
        document=doc_id,
        hits=len(results.hits),
        secrecy=highest([level, *(hit.secrecy for hit in results.hits)]),
    )
    return json_response(results, request)
