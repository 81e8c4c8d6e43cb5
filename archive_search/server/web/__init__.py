"""The archivists' HTML pages (issue 30), mounted by the app factory before the sign-in and the API.

``routes()`` returns the pages' routes; a module-level ``signin_page(request, error, status_code)``
here, when defined, renders the sign-in form in place of the plain one of ``auth``. Files in
``static/`` are served at ``/static/NAME`` from memory. Helpers for the pages: ``auth.current_user``,
``auth.require_user``, ``auth.clearance_of``, ``auth.csrf_token`` (every form that changes
something posts it as ``csrf_token``), ``auth.audit`` (an ``image`` view is audited there).
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """The HTML pages' routes (none yet)."""
    return []
