"""The archive server: an ASGI app over ``Archive`` where clearance is enforced and reads audited.

An adapter like the CLI: it uses the public API of ``archive_search`` and holds no search logic.
Starlette loads with the app, not with this package: the CLI's other commands start without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive_search.server.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from archive_search.server.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
