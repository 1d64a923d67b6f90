"""Rendering helpers shared by every view."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from eczane.web.auth import current_account


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           *, status_code: int = 200) -> HTMLResponse:
    """Render a template with ``user`` (when logged in) and the services in the context."""
    services = request.app.state.services
    ctx: dict[str, Any] = {"user": getattr(request.state, "user", None)}
    if ctx["user"] is None and request.cookies.get("eczane_session"):
        try:
            ctx["user"] = current_account(request)
        except Exception:  # noqa: BLE001 - an expired cookie just means "not logged in" here
            ctx["user"] = None
    ctx.update(context or {})
    response: HTMLResponse = services.templates.TemplateResponse(
        request, template, ctx, status_code=status_code)
    return response
