"""Forgery protection and the security headers of every response.

Every state-changing request (POST, PUT, PATCH, DELETE) must carry a token bound to the browser's
session, and must not come from another origin:

- token = HMAC-SHA256(secret key, ``"csrf:" + raw cookie value``) in hex, where the cookie is the
  login cookie ``eczane_session`` or, before login, an anonymous random cookie ``eczane_csrf``
  that :class:`SecurityMiddleware` sets when the browser has neither. A page from another port or
  a sibling subdomain receives our cookies (cookies ignore ports) but cannot compute the HMAC.
- The token is read from the header ``X-CSRF-Token`` (htmx via ``hx-headers`` in ``base.html``,
  ``count.js``) or from the form field ``csrf_token`` (``csrf_field()`` in every POST form).
- An ``Origin`` header that is not our own scheme+host+port is refused, and so is
  ``Sec-Fetch-Site: cross-site`` or ``same-site`` (another port or subdomain is "same-site";
  ``SameSite=Lax`` cookies do not stop it). Source: OWASP CSRF Prevention Cheat Sheet
  (synchronizer token, Fetch Metadata, Origin verification).

The check is :func:`protect`, the first step of the app-wide guard (``guard.check``, which
``create_app`` passes to ``FastAPI``),
so a new route is covered without doing anything; ``tests/security/test_route_guard.py``
enumerates the routes to prove it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eczane.web.auth import COOKIE

ANON_COOKIE = "eczane_csrf"
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANON_MAX_AGE_S = 30 * 24 * 3600
_STATE_KEY = "csrf_anon"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

REFUSED_TOKEN = ("Güvenlik doğrulaması başarısız: form süresi dolmuş ya da başka bir sayfadan "
                 "gönderilmiş. Sayfayı yenileyip yeniden deneyin.")
REFUSED_ORIGIN = "Güvenlik doğrulaması başarısız: istek başka bir siteden gönderilmiş; reddedildi."

CSP = "; ".join([
    "default-src 'self'",
    # The camera reader (static/vendor/zxing-wasm) compiles its own WebAssembly file; this
    # allows WebAssembly compilation only, not eval of JavaScript.
    "script-src 'self' 'wasm-unsafe-eval'",
    # Inline style attributes remain in a few templates (bar widths, licensing/placement styles).
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)
_SESSION_MARK, _ANON_MARK = f"{COOKIE}=", f"{ANON_COOKIE}="


class CsrfRefused(Exception):
    """A state-changing request without a valid token or from another origin (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def make_token(key: bytes, cookie_value: str) -> str:
    """The token for a cookie value.

    >>> make_token(b"k", "abc") == make_token(b"k", "abc") != make_token(b"k", "abd")
    True
    """
    return hmac.new(key, ("csrf:" + cookie_value).encode(), hashlib.sha256).hexdigest()


def bound_cookie(request: Request) -> str | None:
    """The raw cookie value the token is bound to: the session, else the anonymous cookie."""
    return (request.cookies.get(COOKIE) or request.cookies.get(ANON_COOKIE)
            or request.scope.get("state", {}).get(_STATE_KEY))


def token_for(request: Request) -> str:
    """The token to put in this response's pages (empty if the request has no cookie at all)."""
    raw = bound_cookie(request)
    return make_token(request.app.state.services.secret_key, raw) if raw else ""


@pass_context
def csrf_field(ctx: Any) -> Markup:
    """Jinja global: the hidden input every ``<form method="post">`` carries."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (
        FIELD, escape(token_for(ctx["request"])))


@pass_context
def csrf_token(ctx: Any) -> str:
    """Jinja global: the bare token (``<meta name="csrf-token">``, ``hx-headers``)."""
    return token_for(ctx["request"])


def _default_port(scheme: str) -> str:
    return "443" if scheme in ("https", "wss") else "80"


def _origin_of(url: str) -> tuple[str, str, str] | None:
    """(scheme, host, port) of an origin string, lower-cased; None if it is not one (``null``)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not rest or "/" in rest.rstrip("/"):
        return None
    rest = rest.rstrip("/").lower()
    if rest.startswith("["):
        host, _, port = rest.partition("]")
        host, port = host + "]", port.lstrip(":")
    else:
        host, _, port = rest.partition(":")
    scheme = scheme.lower()
    return scheme, host, port or _default_port(scheme)


def own_origin(request: Request) -> tuple[str, str, str] | None:
    """Our origin as the browser sees it: the scheme and the Host header of this request."""
    host = request.headers.get("host", "")
    return _origin_of(f"{request.url.scheme}://{host}") if host else None


def check_origin(request: Request) -> None:
    """Refuse a request sent by a page of another origin (Fetch Metadata, then ``Origin``)."""
    site = request.headers.get("sec-fetch-site", "").lower()
    if site in ("cross-site", "same-site"):
        raise CsrfRefused(REFUSED_ORIGIN)
    origin = request.headers.get("origin")
    if origin is not None and _origin_of(origin) != own_origin(request):
        raise CsrfRefused(REFUSED_ORIGIN)


async def sent_token(request: Request) -> str:
    """The token the request carries: the header, else the form field (empty if none)."""
    header = request.headers.get(HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _FORM_TYPES:
        return ""
    form = await request.form()  # Starlette caches it: the view's Form(...) params still work
    value = form.get(FIELD)
    return value if isinstance(value, str) else ""


async def protect(request: Request) -> None:
    """The guard's first step: refuse an unsafe request from elsewhere or without the token."""
    if request.method not in UNSAFE_METHODS:
        return
    check_origin(request)
    raw = request.cookies.get(COOKIE) or request.cookies.get(ANON_COOKIE)
    sent = await sent_token(request)
    expected = make_token(request.app.state.services.secret_key, raw) if raw else ""
    if not (raw and sent and hmac.compare_digest(sent.encode(), expected.encode())):
        raise CsrfRefused(REFUSED_TOKEN)


def refused_response(request: Request, exc: CsrfRefused) -> Response:
    """403: plain text for htmx and the API (``count.js`` keeps the scan), a page for forms."""
    headers = {"X-CSRF-Refused": "1"}
    if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
        return PlainTextResponse(exc.message, status_code=403, headers=headers)
    from eczane.web.render import render

    resp: HTMLResponse = render(request, "error.html", {"status": 403, "detail": exc.message},
                                status_code=403)
    resp.headers.update(headers)
    return resp


router = APIRouter()


@router.get("/api/csrf")
async def current_token(request: Request) -> JSONResponse:
    """The token for this browser's cookie, for scripts whose page was rendered before a login.

    Another origin cannot read it (no CORS headers); a same-origin page already has it.
    ``async``: no I/O, so no hop to a worker thread.
    """
    return JSONResponse({"token": token_for(request)}, headers={"Cache-Control": "no-store"})


class SecurityMiddleware:
    """Adds the security headers to every response, and the anonymous CSRF cookie when needed.

    The anonymous value is chosen before the app runs (kept in ``scope["state"]``), so a page
    rendered on the first visit already carries the matching token.
    """

    def __init__(self, app: ASGIApp, *, secure_cookies: bool) -> None:
        self.app = app
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        new_anon: str | None = None
        if not scope["path"].startswith("/static/"):
            cookie_header = _header(scope, b"cookie")
            if _SESSION_MARK not in cookie_header and _ANON_MARK not in cookie_header:
                new_anon = secrets.token_urlsafe(32)
                scope.setdefault("state", {})[_STATE_KEY] = new_anon

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                if any(name.lower() in _SECURITY_NAMES for name, _ in headers):
                    present = {name.lower() for name, _ in headers}
                    extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                else:  # the usual case: all of them, no set built
                    extra = SECURITY_HEADERS
                if new_anon is not None:
                    extra = [*extra, (b"set-cookie", self._anon_cookie(new_anon))]
                message = {**message, "headers": [*headers, *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _anon_cookie(self, value: str) -> bytes:
        parts = [f"{ANON_COOKIE}={value}", "Path=/", f"Max-Age={ANON_MAX_AGE_S}", "HttpOnly",
                 "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts).encode("latin-1")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""
