"""``create_app(settings)``: the one app object; nothing is built at import.

Areas plug in as ``eczane.web.routes.<area>`` modules exposing ``router`` (an APIRouter) and,
optionally, ``NAV`` = (path, Turkish label) for the menu.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from eczane.config import Settings
from eczane.store.db import Database, open_database
from eczane.web.auth import LoginRequired

HERE = Path(__file__).parent

# Order = menu order. Each module is optional until its area lands.
AREAS = ("home", "imports", "backup", "count", "reconcile", "notify", "licensing", "placement", "audit")


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
        from datetime import datetime
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo("Europe/Istanbul")).date()


def _load_area(name: str) -> Any | None:
    modname = f"eczane.web.routes.{name}"
    try:
        return importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name != modname:
            raise
        return None


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    if db is None:
        db = open_database(settings.effective_database_url)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app = FastAPI(title="eczane", docs_url=None, redoc_url=None)
    services = Services(settings=settings, db=db, secret_key=settings.resolved_secret_key(),
                        templates=templates)
    app.state.services = services
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    nav: list[tuple[str, str]] = []
    for name in AREAS:
        mod = _load_area(name)
        if mod is None:
            continue
        app.include_router(mod.router)
        nav.extend(getattr(mod, "NAV", ()))
    templates.env.globals["NAV"] = nav
    templates.env.globals["PRODUCT"] = "eczane"

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Any:
        if request.headers.get("hx-request") or request.url.path.startswith("/api/"):
            return HTMLResponse("Oturum süresi doldu, lütfen yeniden giriş yapın.", status_code=401)
        return RedirectResponse(f"/giris?next={request.url.path}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Any:
        if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
            return HTMLResponse(str(exc.detail), status_code=exc.status_code)
        from eczane.web.render import render

        # render() puts the logged-in user in the context: the header keeps the name and Çıkış.
        return render(request, "error.html", {"status": exc.status_code, "detail": exc.detail},
                      status_code=exc.status_code)

    return app
