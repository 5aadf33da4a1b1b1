"""The coders' web application: worklist, coding screen, encoder, clinician queries.

Public surface:
    create_web_app(database=None, settings=None, *, engine=None, today=None) -> FastAPI
    mount_web(app, database=None, settings=None)   serve the web pages from an existing app (the API's)
"""
from __future__ import annotations

from .app import create_web_app


def mount_web(app, database=None, settings=None, **kwargs):
    """Mount the web pages at ``/`` of ``app`` (after its own routes, which keep priority)."""
    web = create_web_app(database, settings, **kwargs)
    app.mount("/", web, name="web")
    return web


__all__ = ["create_web_app", "mount_web"]
