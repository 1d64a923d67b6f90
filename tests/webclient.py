"""A TestClient that behaves like our own pages: every unsafe request carries the CSRF token.

The token is computed from the client's cookie (the session, else the anonymous ``eczane_csrf``,
which is created on the first request like a browser would get it from the first page), so tests
of ordinary pages need not fetch a form first. Tests of the forgery protection itself set
``send_csrf = False``, or send their own ``X-CSRF-Token`` header (an empty one counts as none).
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from eczane.web.auth import COOKIE
from eczane.web.csrf import ANON_COOKIE, HEADER, UNSAFE_METHODS, make_token


class CsrfTestClient(TestClient):
    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        self.secret_key: bytes = app.state.services.secret_key
        self.send_csrf = True

    def token(self) -> str:
        raw = self.cookies.get(COOKIE) or self.cookies.get(ANON_COOKIE)
        if not raw:  # a first visit, as a browser makes before it can post a form
            self.get("/api/csrf")
            raw = self.cookies.get(ANON_COOKIE) or ""
        return make_token(self.secret_key, raw)

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.send_csrf and method.upper() in UNSAFE_METHODS:
            headers = dict(kwargs.pop("headers", None) or {})
            if not any(k.lower() == HEADER.lower() for k in headers):
                headers[HEADER] = self.token()
            kwargs["headers"] = headers
        return super().request(method, url, *args, **kwargs)
