"""One log event per HTTP request (``eczane.http``): method, path, status, duration, the user
and the pharmacy when known. JSON lines with ``ECZANE_LOG_FORMAT=json`` (``eczane.logs``).

The path is logged without its query string (a search may hold a serial, a form a token), and
the one path that carries a secret (the one-time setup link ``/kurulum/<token>``) is masked.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eczane.logs import event

log = logging.getLogger("eczane.http")
SECRET_PREFIXES = ("/kurulum/",)


def loggable_path(path: str) -> str:
    """``path`` with the secret part of a setup link masked.

    >>> loggable_path("/kurulum/abc123"), loggable_path("/bildirim/7")
    ('/kurulum/…', '/bildirim/7')
    """
    for prefix in SECRET_PREFIXES:
        if path.startswith(prefix):
            return prefix + "…"
    return path


class AccessLog:
    """Pure ASGI middleware (no task switch per request: the scan API stays fast)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            user: Any = scope.get("state", {}).get("user")  # left there by the guard
            event(log, "http_request", method=scope["method"], path=loggable_path(scope["path"]),
                  status=status, duration_ms=round((time.perf_counter() - started) * 1000, 1),
                  user_id=getattr(user, "id", None), pharmacy_id=getattr(user, "pharmacy_id", None))
