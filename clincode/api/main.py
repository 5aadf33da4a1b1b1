"""The coding API application: ``create_app()`` wires the routers, errors and request logging.

Request logs carry method, path template, status and time only: never query strings, bodies
or identifiers that could name a patient.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ..config import Settings, get_settings
from ..store.db import Database
from ..store.errors import StoreError, VersionConflict
from .deps import TokenCache
from .sqlite_writes import serialise_writes
from .routes import audit, coding, data_quality, episodes, export, ingest, queries, reports, users

log = logging.getLogger("clincode.api")

PUBLIC_PATHS = {"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


class RequestLog:
    """Pure ASGI middleware (cheaper than ``@app.middleware``): one log line per request with the
    route template (``/episodes/{episode_id}``), never the concrete URL or its query string."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [0]

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            log.info("%s %s %s %.1fms", scope.get("method"), getattr(route, "path", None) or "(unmatched)",
                     status[0], (time.perf_counter() - started) * 1000)


def api_threads() -> int:
    """``CLINCODE_API_THREADS``, default two per core and at least 4."""
    value = os.environ.get("CLINCODE_API_THREADS", "").strip()
    return max(1, int(value)) if value else max(4, 2 * (os.cpu_count() or 1))


def api_routes(app: FastAPI) -> list[tuple[str, set[str], object]]:
    """Every (path, methods, route) of the app, with included routers flattened
    (FastAPI >= 0.160 keeps included routers as one lazy entry in ``app.routes``)."""
    out = []
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):
            for ctx in route.effective_route_contexts():
                out.append((ctx.path, set(getattr(ctx.original_route, "methods", None) or ()), ctx.original_route))
        else:
            out.append((route.path, set(getattr(route, "methods", None) or ()), route))
    return out


def create_app(settings: Settings | None = None, database: Database | None = None, engine_factory=None) -> FastAPI:
    """The API. ``database`` and ``engine_factory`` default to the settings' store and the
    default coding engine (loaded once, on first use)."""
    settings = settings or get_settings()
    own_db = database is None
    db = database or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The hot routes' database work (reading an episode, the two steps of a coding) runs on
        # a few threads of its own: few threads serve first come, first served instead of
        # contending for the GIL (anyio's default pool, 40 threads, stays for everything else,
        # e.g. the web pages, whose sessions need a thread from it to commit).
        app.state.api_executor = ThreadPoolExecutor(api_threads(), thread_name_prefix="clincode-api")
        yield
        app.state.api_executor.shutdown(wait=True)
        engine_processes = getattr(app.state, "engine_processes", None)
        if engine_processes is not None:
            engine_processes.close()
        if own_db:
            db.dispose()

    app = FastAPI(
        title="clincode coding API",
        version="0.1.0",
        description=("Episodes, documents and their ICD-10 (UK 5th Edition) / OPCS-4 coding: ingest from hospital "
                     "interfaces, run the coding engine, review the proposal with its evidence, accept or amend "
                     "codes, finalise, raise clinician queries, record data-quality issues, export to FHIR and "
                     "CDS-shaped CSV. Authenticate with 'Authorization: Bearer <token>'."),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = db
    if engine_factory is None:
        from ..engine import default_engine

        engine_factory = default_engine
    app.state.engine = engine_factory
    app.state.token_cache = TokenCache()
    if db.url.startswith("sqlite"):
        serialise_writes(db.sessionmaker, db.engine.url.database)

    @app.exception_handler(StaleDataError)
    async def lost_race(request: Request, exc: StaleDataError) -> JSONResponse:
        # The version-guarded UPDATE matched nothing: another request changed the episode first.
        return JSONResponse({"detail": str(VersionConflict())}, status_code=409)

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable on %s (%s)", request.method, type(exc.orig).__name__ if exc.orig else "")
        return JSONResponse({"detail": "the episode store is unavailable; nothing was saved, try again shortly"},
                            status_code=503)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never a traceback to the client; the log names the error type and a reference, not
        # its message (messages can quote data).
        ref = uuid.uuid4().hex[:12]
        route = request.scope.get("route")
        log.error("unexpected %s on %s %s (ref %s)", type(exc).__name__, request.method,
                  getattr(route, "path", "(unmatched)"), ref)
        return JSONResponse({"detail": f"internal error (reference {ref}); nothing was saved"}, status_code=500)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        body = {"detail": str(exc)}
        problems = getattr(exc, "problems", None)
        if problems:
            body["problems"] = problems
        return JSONResponse(body, status_code=exc.status_code)

    app.add_middleware(RequestLog)

    @app.get("/health", tags=["health"], summary="Liveness: the API answers and the store is reachable")
    def health() -> dict:
        from sqlalchemy import text

        with db.engine.connect() as conn:
            conn.execute(text("select 1"))
        return {"status": "ok"}

    for module in (episodes, coding, queries, data_quality, ingest, export, audit, users, reports):
        app.include_router(module.router)
    return app


def served_app() -> FastAPI:
    """What ``clincode serve`` runs (also as a uvicorn factory for ``--workers N``): the API,
    the coders' web pages beside it when ``clincode.web`` is installed, the engine in
    ``CLINCODE_ENGINE_PROCESSES`` processes of its own (default: one per core; 0: in the
    server's threads), preloaded unless ``CLINCODE_PRELOAD_ENGINE=0``."""
    from .engine_pool import EngineProcesses, configured_processes

    settings = get_settings()
    app = create_app(settings)
    preload = os.environ.get("CLINCODE_PRELOAD_ENGINE", "1") != "0"
    processes = configured_processes()
    engine_processes = EngineProcesses(processes) if processes else None
    if engine_processes is not None:
        app.state.engine_processes = engine_processes
        app.state.engine = lambda: engine_processes
    try:
        from ..web import mount_web
    except ImportError:  # the web package is optional for an API-only deployment
        mount_web = None
    if mount_web is not None:
        mount_web(app, app.state.database, settings, engine=engine_processes)
    if preload:
        if engine_processes is not None:
            engine_processes.start()
        else:
            app.state.engine()
    # What is loaded now (the app, and the engine's tables when it runs here) lives as long as the
    # server: keep it out of the garbage collector's full passes, which otherwise stall requests.
    import gc

    gc.freeze()
    return app
