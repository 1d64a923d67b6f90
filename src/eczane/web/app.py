"""``create_app(settings)``: the one app object; nothing is built at import.

Areas plug in as ``eczane.web.routes.<area>`` modules exposing ``router`` (an APIRouter) and,
optionally, ``NAV`` = (path, Turkish label) for the menu.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from eczane.config import Settings
from eczane.domain.formatting import JINJA_FILTERS
from eczane.exports.pdf import PdfUnavailable
from eczane.store.db import Database, open_database
from eczane.web import csrf, guard, route_filter
from eczane.web.access_log import AccessLog
from eczane.web.auth import LoginRequired
from eczane.web.malformed import DATA_ERROR, validation_message
from eczane.web.uploads import BodyLimit, body_limit, too_large_message

HERE = Path(__file__).parent
ISTANBUL = ZoneInfo("Europe/Istanbul")
"""The pharmacies' clock zone (``Services.today``: each scan asks it)."""
SLICE_TEMPLATES = (HERE.parent / "accounts" / "templates",)
"""Template folders of slices (STYLE §15), searched after web/templates."""

# Order = menu order. Each module is optional until its area lands.
AREAS = ("home", "health", "eczane.accounts.routes", "eczane.accounts.setup", "imports", "catalog", "backup", "count", "scanner_check", "reconcile", "notify", "recount", "licensing", "placement", "audit", "chamber", "admin")


@dataclass
class Services:
    """What views need, built once in create_app and reached through request.app.state."""

    settings: Settings
    db: Database
    secret_key: bytes
    templates: Jinja2Templates
    extra: dict[str, Any] = field(default_factory=dict)

    def today(self) -> date:
        """The pharmacy's date: Europe/Istanbul, whatever the server's clock zone."""
        return datetime.now(ISTANBUL).date()


def _load_area(name: str) -> Any | None:
    """``name`` is an area of ``eczane.web.routes`` or a slice's full module name."""
    modname = name if "." in name else f"eczane.web.routes.{name}"
    try:
        return importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name != modname:
            raise
        return None


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    if db is None:
        db = open_database(settings.effective_database_url,
                           migrate_url=settings.migrate_database_url or None)
    templates = Jinja2Templates(directory=[HERE / "templates", *SLICE_TEMPLATES])
    # The one guard (CSRF, then login) on every route, present and future (STYLE.md §13).
    app = FastAPI(title="eczane", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json" if settings.api_docs else None,
                  dependencies=guard.DEPENDENCIES)
    app.add_middleware(csrf.SecurityMiddleware, secure_cookies=settings.secure_cookies)
    app.add_middleware(BodyLimit, limit=body_limit(settings), message=too_large_message(settings))
    app.add_middleware(AccessLog)  # outermost: sees every answer, even a refused one
    services = Services(settings=settings, db=db, secret_key=settings.resolved_secret_key(),
                        templates=templates)
    app.state.services = services
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.include_router(csrf.router)
    route_filter.install(csrf.router)
    templates.env.globals["csrf_field"] = csrf.csrf_field
    templates.env.globals["csrf_token"] = csrf.csrf_token

    nav: list[tuple[str, str]] = []
    for name in AREAS:
        mod = _load_area(name)
        if mod is None:
            continue
        app.include_router(mod.router)
        route_filter.install(mod.router)  # a request for another area is refused in one regex
        nav.extend(getattr(mod, "NAV", ()))
    templates.env.globals["NAV"] = nav
    templates.env.globals["may_open"] = guard.may_open  # the menu shows what the role opens
    templates.env.globals["PRODUCT"] = "eczane"
    templates.env.filters.update(JINJA_FILTERS)  # tarih, tarih_saat, saat, ay, sayi, tl

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Any:
        if request.headers.get("hx-request") or request.url.path.startswith("/api/"):
            return HTMLResponse("Oturum süresi doldu, lütfen yeniden giriş yapın.", status_code=401)
        return RedirectResponse(f"/giris?next={request.url.path}", status_code=303)

    @app.exception_handler(csrf.CsrfRefused)
    async def _csrf_refused(request: Request, exc: csrf.CsrfRefused) -> Any:
        return csrf.refused_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Any:
        return await _http_error(request, StarletteHTTPException(
            422, validation_message(list(exc.errors()))))

    @app.exception_handler(DataError)
    async def _bad_value(request: Request, exc: DataError) -> Any:
        # A value the database refuses (a NUL in text, a number out of range on PostgreSQL):
        # the request's transaction was rolled back whole; the client sent something malformed.
        return await _http_error(request, StarletteHTTPException(422, DATA_ERROR))

    @app.exception_handler(PdfUnavailable)
    async def _no_pdf(request: Request, exc: PdfUnavailable) -> Any:
        # Any page's PDF (pick list, scanner sheet…) with no Chromium on the server: what to
        # install, in Turkish, never a 500.
        return await _http_error(request, StarletteHTTPException(503, exc.message))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Any:
        if request.url.path.startswith("/api/"):
            from fastapi.responses import JSONResponse

            return JSONResponse({"message": str(exc.detail)}, status_code=exc.status_code)
        if request.headers.get("hx-request"):
            return HTMLResponse(str(exc.detail), status_code=exc.status_code)
        from eczane.web.render import render

        # render() puts the logged-in user in the context: the header keeps the name and Çıkış.
        return render(request, "error.html", {"status": exc.status_code, "detail": exc.detail},
                      status_code=exc.status_code)

    return app


def create_app_from_env() -> FastAPI:
    """``eczane serve``'s app factory: uvicorn imports it in each of its worker processes.

    Settings come from the environment (``serve`` passes its options through it); the schema
    was migrated once by ``serve`` before the processes started, so none migrates here.
    """
    from eczane.logs import configure
    from eczane.web import heap

    settings = Settings.from_env()
    configure(settings.log_format)
    app = create_app(settings, open_database(settings.effective_database_url,
                                             migrate_schema=False))
    heap.settle()  # short garbage-collector pauses: the periodic latency spikes (heap.py)
    return app
