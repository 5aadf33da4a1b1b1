"""The coders' web application: server-rendered pages (Jinja2, NHS.UK frontend) with htmx.

``create_web_app(database)`` builds the FastAPI application; ``clincode serve`` mounts it
beside the JSON API so one server gives coders their screens and systems their API. Every
read and change goes through ``clincode.store.services``: this package only presents them.
"""
from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..config import Settings, get_settings
from ..store import Database, StoreError
from .auth import Forbidden, SignInRequired
from .clock import uk_today, when
from .deadlines import DeadlineRules
from .session import SessionSigner, load_secret

HERE = Path(__file__).resolve().parent
log = logging.getLogger("clincode.web")


def deadline_rules(settings: Settings) -> DeadlineRules:
    """The deadlines from the settings (``CLINCODE_LOCAL_CODING_DEADLINE_DAYS`` ...), when set."""
    default = DeadlineRules()
    return DeadlineRules(
        local_working_days=getattr(settings, "local_coding_deadline_days", default.local_working_days),
        national_month_offset=getattr(settings, "national_deadline_months", default.national_month_offset),
        national_day=getattr(settings, "national_deadline_day", default.national_day),
    )


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.trim_blocks = env.lstrip_blocks = True
    env.filters["when"] = when
    return templates


def create_web_app(database: Database | None = None, settings: Settings | None = None, *,
                   engine=None, today=None) -> FastAPI:
    """The web application on ``database`` (default: the settings' database URL).

    ``engine``: the coding engine used by 'Run the coding engine' (default: the shared one);
    ``today``: a function giving today's date (tests and benchmarks pin it).
    """
    settings = settings or get_settings()
    app = FastAPI(title="clincode: clinical coding", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = database or Database(settings=settings)
    app.state.settings = settings
    app.state.signer = SessionSigner(load_secret(getattr(settings, "web_secret", None), settings.cache_dir))
    app.state.templates = make_templates()
    app.state.rules = deadline_rules(settings)
    app.state.engine = engine
    app.state.today = today or uk_today
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    from .routes import coding, encoder, pages, queries

    for module in (pages, coding, encoder, queries):
        app.include_router(module.router)
    from . import reports  # the department's report pages (clincode.workflow)

    app.include_router(reports.router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = path_for(request, "login_page") + "?" + urlencode({"next": exc.next_url})
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return problem(request, exc.message, 403)

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> Response:
        return problem(request, str(exc), getattr(exc, "status_code", 400))

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> Response:
        # Two coders saved at the same instant: the version column refused the second write.
        return problem(request, "This episode was changed by someone else at the same moment: reload it and "
                       "make your change again.", 409)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        # A mistyped address or a tampered form: say so in words, never show the parser's dump.
        fields = sorted({str(e.get("loc", ["", "?"])[-1]) for e in exc.errors()})
        return problem(request, "The address or form was not understood (check: " + ", ".join(fields) + ").", 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = "There is no such page." if exc.status_code == 404 else str(exc.detail)
        return problem(request, message, exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # No traceback (or note text) to the coder; the log keeps the type for the support team.
        log.exception("web request failed: %s %s", request.method, request.url.path)
        return problem(request, "Something went wrong on the server. Nothing was changed; try again, "
                       "and tell your system administrator if it happens again.", 500)

    return app


def problem(request: Request, message: str, status: int) -> Response:
    """An error as the coder sees it: a message box in place for htmx, else a whole page."""
    templates: Jinja2Templates = request.app.state.templates
    if request.headers.get("hx-request"):
        # Error messages go to the page's message area, whatever the request's own target was.
        html = templates.get_template("partials/message.html").render(message=message, status=status)
        return HTMLResponse(html, status_code=200, headers={
            "HX-Retarget": "#messages", "HX-Reswap": "innerHTML"})
    title = {403: "You cannot do this", 404: "Not found", 409: "Changed by someone else"}.get(status, "There is a problem")
    return templates.TemplateResponse(request, "problem.html", {
        "title": title, "message": message, "user": None, "static": _static(request), "url": _url(request),
    }, status_code=status)


def path_for(request: Request, name: str, **params) -> str:
    """A page's path, right whether the app runs alone or mounted under a prefix (``/coding``):
    Starlette's ``url_for`` looks names up in the outermost app, which does not know ours."""
    return request.scope.get("root_path", "") + str(request.app.router.url_path_for(name, **params))


def _static(request: Request):
    return lambda path: path_for(request, "static", path=path)


def _url(request: Request):
    return lambda name, **params: path_for(request, name, **params)


def render(request: Request, template: str, context: dict, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    """Render a page or partial with the helpers every template uses."""
    user = context.get("user")
    context = {
        "static": _static(request), "url": _url(request), "csrf_token": getattr(user, "csrf", None),
        "rules": request.app.state.rules, **context,
    }
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status, headers=headers)
