"""The coders' web application: worklist, coding screen, encoder, clinician queries.

Public surface:
    create_web_app(database=None, settings=None, *, engine=None, today=None) -> FastAPI
    mount_web(app, database=None, settings=None, prefix="/coding")   serve the pages from the API's app
"""
from __future__ import annotations

from .app import create_web_app

PREFIX = "/coding"


def mount_web(app, database=None, settings=None, prefix: str = PREFIX, **kwargs):
    """Mount the web pages at ``prefix`` of ``app`` (the JSON API keeps its own paths, which
    overlap the pages' ``/episodes/...``), and send ``/`` to the worklist."""
    from fastapi.responses import RedirectResponse

    web = create_web_app(database, settings, **kwargs)
    app.mount(prefix, web, name="web")
    if not any(getattr(r, "path", None) == "/" for r in app.router.routes):
        app.add_api_route("/", lambda: RedirectResponse(prefix + "/", status_code=307), include_in_schema=False)
    return web


__all__ = ["create_web_app", "mount_web", "PREFIX"]
