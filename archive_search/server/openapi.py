"""The OpenAPI 3.1 description of ``/api/v1/``, written by hand to match ``api.py``.

A test checks that both list the same paths and that the document is valid.
"""

from __future__ import annotations

from typing import Any

_CLEARANCE = {
    "name": "clearance",
    "in": "query",
    "description": "Read at this lower clearance than the user's (a higher one is ignored).",
    "schema": {"type": "string", "enum": ["public", "mat", "toi-mat", "tuyet-mat"]},
}


def _query(name: str, description: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": kind, **extra},
    }


def _many(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description + " (repeatable)",
        "schema": {"type": "array", "items": {"type": "string"}},
        "explode": True,
    }


_SEARCH = [
    _query("q", "The query, in the CLI's query language."),
    _many("fond", "Only this fond"),
    _many("year", "A year or a range such as 2015..2019"),
    _many("type", "Document type such as NQ"),
    _many("issuer", "Issuing body such as TU"),
    _many("cites", "Only documents citing this symbol"),
    _query("exact", "Words only as typed, diacritics included.", "boolean"),
    _query("strict", "Refuse a query that cannot be read (400).", "boolean"),
    _query("all_words", "Every plain word required, never relaxed.", "boolean"),
    _CLEARANCE,
]
_PAGING = [
    _query("limit", "Hits per page.", "integer", minimum=0, maximum=10000, default=10),
    _query("offset", "Hits skipped.", "integer", minimum=0, default=0),
]
_SORT = _query("sort", "Order of hits.", enum=["relevance", "date", "date-asc"])
_ID = {
    "name": "doc_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "A document's id, as search shows it.",
}
_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_FACETS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"$ref": "#/components/schemas/FacetCount"}},
}
_SCHEMAS: dict[str, Any] = {
    "Error": _ERROR,
    "FacetCount": {
        "type": "object",
        "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
    },
    "PageHit": {
        "type": "object",
        "properties": {
            "page": {"type": "integer"},
            "snippet": {"type": "string", "description": "HTML: words in <b>"},
            "match": {"type": "string", "enum": ["exact", "folded"]},
        },
    },
    "Hit": {
        "type": "object",
        "required": ["id", "kind", "title", "secrecy"],
        "properties": {
            **{
                name: {"type": "string"}
                for name in (
                    "id",
                    "kind",
                    "title",
                    "symbol",
                    "doc_type",
                    "fond",
                    "date",
                    "issuer",
                    "source",
                    "secrecy",
                    "inventory",
                    "box",
                    "file_no",
                )
            },
            "year": {"type": ["integer", "null"]},
            "score": {"type": "number"},
            "match": {"type": ["string", "null"]},
            "pages": {"type": "array", "items": {"$ref": "#/components/schemas/PageHit"}},
            "matched": {
                "type": ["integer", "null"],
                "description": "How many of the query's words the document holds",
            },
            "heading": {
                "type": "string",
                "description": "The title, or else the first meaningful line of the first page",
            },
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["query", "total", "offset", "hits"],
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer"},
            "offset": {"type": "integer"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": _FACETS,
            "warning": {"type": ["string", "null"]},
            "exact": {"type": "boolean"},
            "relaxed": {
                "type": "boolean",
                "description": "The hits include documents without every word of the query",
            },
            "words": {"type": "integer", "description": "What each hit's matched counts out of"},
            "loosened": {
                "type": "boolean",
                "description": "Nothing matched the query as written: its phrases and symbols "
                "were searched as words",
            },
        },
    },
    "DocumentRef": {
        "type": "object",
        "properties": {name: {"type": "string"} for name in ("symbol", "id", "title", "date")},
    },
    "PageText": {
        "type": "object",
        "required": ["number", "text", "method"],
        "properties": {
            "number": {"type": "integer"},
            "text": {"type": "string"},
            "method": {"type": "string"},
            "confidence": {"type": ["number", "null"]},
            "error": {"type": ["string", "null"]},
        },
    },
    "DocumentView": {
        "type": "object",
        "required": ["id", "kind", "metadata", "pages"],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string"},
            "source": {"type": "string"},
            "metadata": {"type": "object"},
            "pages": {"type": "array", "items": {"$ref": "#/components/schemas/PageText"}},
            "cites": {"type": "array", "items": {"$ref": "#/components/schemas/DocumentRef"}},
            "cited_by": {"type": "array", "items": {"$ref": "#/components/schemas/DocumentRef"}},
        },
    },
    "ArchiveStats": {
        "type": "object",
        "properties": {
            **{
                name: {"type": "integer"}
                for name in (
                    "documents",
                    "records",
                    "pages",
                    "ocr_pages",
                    "born_digital_pages",
                    "failed_files",
                    "index_bytes",
                )
            },
            "clearance": {"type": "string"},
            **{
                name: {"type": "array", "items": {"$ref": "#/components/schemas/FacetCount"}}
                for name in ("by_fond", "by_year", "by_type")
            },
        },
    },
    "Me": {
        "type": "object",
        "properties": {name: {"type": "string"} for name in ("name", "clearance", "reading_at")},
    },
}


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


_ERRORS = {
    code: {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for code, text in (
        ("400", "A query or parameter that cannot be read"),
        ("401", "No session and no valid API token"),
    )
}
_NOT_FOUND = {
    "404": {
        **_ERRORS["400"],
        "description": "No such document, or one above the reader's clearance (the same answer)",
    }
}


def _get(summary: str, parameters: list[Any], ok: dict[str, Any], *, found: bool = False) -> Any:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {"200": ok, **_ERRORS, **(_NOT_FOUND if found else {})},
        }
    }


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "archive-search",
        "version": "1",
        "description": "Search a Vietnamese Party Committee archive at the user's clearance. "
        "Every call is written to the audit log.",
    },
    "security": [{"bearer": []}, {"session": []}],
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "`archive-search users token NAME` makes one.",
            },
            "session": {"type": "apiKey", "in": "cookie", "name": "as_session"},
        },
        "schemas": _SCHEMAS,
    },
    "paths": {
        "/api/v1/search": _get(
            "Ranked documents with page hits, total and facets",
            [*_SEARCH, *_PAGING, _SORT],
            _ok("SearchResults", "One page of results"),
        ),
        "/api/v1/facets": _get(
            "Document counts by fond, year, decade, type, issuer (and secrecy)",
            _SEARCH,
            {
                **_ok("SearchResults", "Counts"),
                "content": {"application/json": {"schema": _FACETS}},
            },
        ),
        "/api/v1/export": _get(
            "Every hit, streamed",
            [*_SEARCH, _SORT, _query("format", "csv or jsonl", enum=["csv", "jsonl"])],
            {
                "description": "CSV or JSON Lines",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                },
            },
        ),
        "/api/v1/stats": _get(
            "What the archive holds, at the clearance", [_CLEARANCE], _ok("ArchiveStats", "Counts")
        ),
        "/api/v1/me": _get(
            "The signed-in user and the clearance read at", [_CLEARANCE], _ok("Me", "The user")
        ),
        "/api/v1/documents/{doc_id}": _get(
            "A document: metadata, pages, citations",
            [_ID, _CLEARANCE],
            _ok("DocumentView", "The document"),
            found=True,
        ),
        "/api/v1/documents/{doc_id}/pages/{number}": _get(
            "One page of a document",
            [
                _ID,
                {
                    "name": "number",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                },
                _CLEARANCE,
            ],
            _ok("DocumentView", "The document with that page alone"),
            found=True,
        ),
        "/api/v1/documents/{doc_id}/similar": _get(
            "Documents most like this one",
            [_ID, *_PAGING, _CLEARANCE],
            _ok("SearchResults", "Most alike first"),
            found=True,
        ),
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This description",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1"}},
            }
        },
    },
}
