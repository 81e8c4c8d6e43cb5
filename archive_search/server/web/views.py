"""The handlers of the HTML pages.

Each reads the request, asks the archive at the reader's clearance, writes the audit entry, and
renders a template.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from archive_search import NotFoundError, QueryError, Secrecy
from archive_search.server.api import audit_search
from archive_search.server.auth import (
    audit,
    clearance_of,
    csrf_token,
    current_user,
    require_user,
    state,
)
from archive_search.server.web.facets import chips, facets, year_chart
from archive_search.server.web.search_state import SearchState
from archive_search.server.web.texts import DEFAULT_LANGUAGE, LANGUAGES, translate

if TYPE_CHECKING:  # the page viewer's module loads PIL and pdfium: not at the CLI's start
    from archive_search import PageView

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_COOKIE = "as_lang"
ZOOMS = {1: 1200, 2: 1600, 3: 2000}  # zoom level → width of the page image asked for
SIMILAR = 5
_META_SHOWN = (
    "title",
    "symbol",
    "doc_type",
    "issuer",
    "issuer_name",
    "fond",
    "inventory",
    "box",
    "file_no",
    "date",
    "year",
    "place",
    "term",
    "signer",
    "urgency",
    "secrecy",
)


@functools.cache
def _templates() -> Any:
    """The pages' Jinja2 environment, made on the first page served.

    The CLI imports the server's modules, and never renders a page.
    """
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Response:
    """A page: ``template`` with ``context`` and what every page shows.

    The reader, their clearance, the language, the sign-out form's CSRF token.
    """
    lang = language_of(request)
    user = current_user(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    chosen = _templates().get_template(template)
    page = chosen.render(
        t=functools.partial(translate, lang),
        lang=lang,
        other_lang="en" if lang == "vi" else "vi",
        user=user,
        csrf=csrf_token(request),
        here=here,
        **context,
    )
    return HTMLResponse(page, status_code=status_code)


def signin_page(request: Request, error: str | None, status_code: int) -> Response:
    """The sign-in form (the server's ``/signin`` renders it; it posts to ``/signin``)."""
    target = request.query_params.get("next", "/")
    safe = target if target.startswith("/") and not target.startswith("//") else "/"
    return render(request, "signin.html", status_code=status_code, error=error, next=safe)


def language(request: Request) -> Response:
    """``/lang/en?next=…``: the pages in that language from now on (a cookie)."""
    code = request.path_params["code"]
    target = request.query_params.get("next", "/")
    safe = target if target.startswith("/") and not target.startswith("//") else "/"
    response = RedirectResponse(safe, status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 86400, httponly=True, samesite="strict"
        )
    return response


def _reader(request: Request) -> Secrecy:
    return clearance_of(request, require_user(request))


def search_page(request: Request) -> Response:
    """``/search``: one page of results with facets, for the search the URL holds."""
    clearance = _reader(request)
    search = SearchState.of(request.query_params)
    lang = language_of(request)
    results, error = None, None
    try:
        query = search.query(clearance)
        results = state(request).archive.run(query)
    except QueryError as exc:
        error = exc.message
    if results is not None:
        audit_search(request, query, results)
    label = functools.partial(_secrecy_label, lang)
    counts = results.facets if results is not None else {}
    return render(
        request,
        "search.html",
        search=search,
        results=results,
        error=error,
        clearance=clearance,
        facets=facets(counts, search, label),
        chips=chips(search, label),
        chart=year_chart(
            counts, search, translate(lang, "chart", unit=translate(lang, "unit_year"))
        ),
        pages=_result_pages(search, results.total if results else 0),
    )


home = search_page


def _secrecy_label(lang: str, value: str) -> str:
    return translate(lang, f"secrecy_{value}")


def _result_pages(search: SearchState, total: int) -> list[tuple[int, str]]:
    """The result pages to link to: the first, the last, and those around the current one."""
    from archive_search.server.web.search_state import MAX_PAGE, PER_PAGE

    last = min(MAX_PAGE, max(1, -(-total // PER_PAGE)))
    numbers = sorted({1, last, *range(max(1, search.page - 2), min(last, search.page + 2) + 1)})
    return [(number, search.url(page=number)) for number in numbers]


def _not_found(request: Request) -> Response:
    return render(request, "not_found.html", status_code=404)


def document_page(request: Request) -> Response:
    """``/documents/{id}``: what the archive knows of a document, its citations, its pages."""
    clearance = _reader(request)
    archive = state(request).archive
    doc_id = request.path_params["doc_id"]
    query = request.query_params.get("q", "").strip()
    try:
        document = archive.document(doc_id, clearance=clearance)
        similar = archive.similar(doc_id, clearance=clearance, limit=SIMILAR)
        matching = (
            archive.page(doc_id, 1, query=query, clearance=clearance).matching
            if (query and document.pages)
            else ()
        )
    except NotFoundError:
        audit(request, "document", document=doc_id, outcome="not-found")
        return _not_found(request)
    secrecy = Secrecy(str(document.metadata["secrecy"]))
    audit(request, "document", document=doc_id, secrecy=secrecy)
    sources: dict[str, str] = document.metadata.get("sources") or {}  # type: ignore[assignment]
    fields = [
        (name, document.metadata[name], sources.get(name, ""))
        for name in _META_SHOWN
        if document.metadata.get(name) not in ("", None)
    ]
    return render(
        request,
        "document.html",
        document=document,
        fields=fields,
        secrecy=secrecy,
        similar=similar.hits,
        query=query,
        matching=set(matching),
    )


def page_viewer(request: Request) -> Response:
    """``/documents/{id}/pages/{n}``: the page image with the query's words boxed, its text."""
    clearance = _reader(request)
    archive = state(request).archive
    doc_id, number = request.path_params["doc_id"], request.path_params["number"]
    query = request.query_params.get("q", "").strip()[:1000]
    exact = request.query_params.get("exact", "") in ("1", "on", "true")
    zoom = request.query_params.get("zoom", "1")
    level = int(zoom) if zoom in ("1", "2", "3") else 1
    try:
        view = archive.page(doc_id, number, query=query, exact=exact, clearance=clearance)
    except NotFoundError:
        audit(request, "page", document=doc_id, page=number, outcome="not-found")
        return _not_found(request)
    audit(request, "page", document=doc_id, page=number, secrecy=view.secrecy)
    before = [n for n in view.matching if n < number]
    after = [n for n in view.matching if n > number]

    def link(page: int, *, to_zoom: int = level) -> str:
        return _viewer_url(doc_id, page, query, exact, to_zoom)

    return render(
        request,
        "viewer.html",
        view=view,
        query=query,
        zoom=level,
        image_url=f"/documents/{doc_id}/pages/{number}/image?w={ZOOMS[level]}",
        text=_marked_text(view),
        previous_match=link(before[-1]) if before else None,
        next_match=link(after[0]) if after else None,
        previous_page=link(number - 1) if number > 1 else None,
        next_page=link(number + 1) if number < view.page_count else None,
        zoom_in=link(number, to_zoom=level + 1) if level < 3 else None,
        zoom_out=link(number, to_zoom=level - 1) if level > 1 else None,
        document_url=f"/documents/{doc_id}" + (f"?q={_quoted(query)}" if query else ""),
    )


def _viewer_url(doc_id: str, page: int, query: str, exact: bool, zoom: int) -> str:
    from urllib.parse import urlencode

    pairs = [("q", query)] if query else []
    pairs += [("exact", "1")] if exact else []
    pairs += [("zoom", str(zoom))] if zoom != 1 else []
    return f"/documents/{doc_id}/pages/{page}" + (f"?{urlencode(pairs)}" if pairs else "")


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _marked_text(view: PageView) -> Markup:
    """The page's text, escaped, with the query's words in ``<mark>`` (numbered for the script)."""
    parts, cursor = [], 0
    for index, (start, end) in enumerate(view.spans):
        parts += [
            escape(view.text[cursor:start]),
            Markup(f'<mark id="m{index}">'),
            escape(view.text[start:end]),
            Markup("</mark>"),
        ]
        cursor = end
    parts.append(escape(view.text[cursor:]))
    return Markup("").join(parts)


def page_image(request: Request) -> Response:
    """``/documents/{id}/pages/{n}/image?w=…``: the page image, JPEG, one of a few widths."""
    clearance = _reader(request)
    doc_id, number = request.path_params["doc_id"], request.path_params["number"]
    asked = request.query_params.get("w", "")
    width = int(asked) if asked.isdigit() and len(asked) < 6 else None
    try:
        picture = state(request).archive.page_image(
            doc_id, number, width=width, clearance=clearance
        )
    except NotFoundError:
        audit(request, "image", document=doc_id, page=number, outcome="not-found")
        return Response("not found", status_code=404, media_type="text/plain")
    audit(request, "image", document=doc_id, page=number, secrecy=picture.secrecy)
    return Response(picture.data, media_type=picture.media_type)
