"""The archivists' HTML pages (issue 30), mounted by the app factory before the sign-in and the API.

Pages, all behind the sign-in, all at the reader's clearance (a hidden document is not found,
exactly as a missing one):

    /                                      the search page, the archive at a glance
    /search?q=…&fond=…&year=…&type=…       results, facets and the year chart (search_state.py)
    /documents/{id}?q=…                    metadata and sources, citations, pages, similar
    /documents/{id}/pages/{n}?q=…&zoom=…   the page viewer: the image with the query's words
                                           boxed, beside the page's text
    /documents/{id}/pages/{n}/image?w=…    the page image (JPEG, a few widths)
    /lang/{vi|en}?next=…                   the language of the pages (a cookie)

Templates are Jinja2 (autoescaping every document text; the snippets the engine marks are
escaped by it); ``static/`` holds the one stylesheet and the viewer's small script, served by the
server itself. Handlers are plain functions: Starlette runs them on its thread pool.
"""

from __future__ import annotations

import importlib
import threading

from starlette.routing import BaseRoute, Route

from archive_search.server.web.views import (
    document_page,
    home,
    language,
    page_image,
    page_viewer,
    search_page,
    signin_page,
)

__all__ = ["routes", "signin_page"]


def routes() -> list[BaseRoute]:
    """The HTML pages' routes.

    The page viewer's modules (PIL, pdfium, pdfminer, Jinja2), slow to import, start loading in the
    background, so the first page image is not late.
    """
    threading.Thread(target=_warm, name="archive-search-warm", daemon=True).start()
    return [
        Route("/", home, methods=["GET"]),
        Route("/search", search_page, methods=["GET"]),
        Route("/documents/{doc_id}", document_page, methods=["GET"]),
        Route("/documents/{doc_id}/pages/{number:int}", page_viewer, methods=["GET"]),
        Route("/documents/{doc_id}/pages/{number:int}/image", page_image, methods=["GET"]),
        Route("/lang/{code}", language, methods=["GET"]),
    ]


def _warm() -> None:
    for name in ("archive_search.pages", "archive_search.ingest.pdf", "pypdfium2", "jinja2"):
        importlib.import_module(name)
