"""The archive server: an ASGI app over ``Archive`` where clearance is enforced and reads audited.

An adapter like the CLI: it uses the public API of ``archive_search`` and holds no search logic.
"""

from archive_search.server.app import create_app

__all__ = ["create_app"]
