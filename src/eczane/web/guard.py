"""The one guard every route passes (STYLE.md §13), declared once in ``create_app``.

1. :func:`eczane.web.csrf.protect`: a state-changing request needs the session-bound token and
   must come from our own origin.
2. :func:`require_login`: every route needs a valid session cookie, except those listed in
   ``PUBLIC_*`` (the home page, login and logout, the licensing assistant, static files and the
   CSRF token for scripts). It reads the cookie only, without a database read and without a
   thread hop (the scan API answers hundreds of scans a second: a ``current_user`` here cost
   ~0.7 ms of server CPU per scan in ``bench/scan_load.py``). Views still call
   ``current_user``/``require_pharmacist``, which look the user up and check the role.

``tests/security/test_route_guard.py`` enumerates the app's routes and proves both for each.
"""

from __future__ import annotations

from fastapi import Depends, Request

from eczane.web import csrf
from eczane.web.auth import COOKIE, LoginRequired, read_session_cookie

PUBLIC_EXACT = frozenset({"/", "/giris", "/cikis", "/api/csrf", "/ruhsat"})
PUBLIC_PREFIXES = ("/ruhsat/", "/static/")
"""The licensing assistant needs no account (a pharmacist planning a pharmacy may have none)."""


def is_public(path: str) -> bool:
    """Whether a request path is open without login.

    The concrete path is used, not the route's template: a router included with a prefix would
    give a template without it. No route outside ``/ruhsat/`` matches a path starting with it
    (paths are matched as sent, ``..`` is not resolved).

    >>> is_public("/ruhsat/harc"), is_public("/giris"), is_public("/sayim/1"), is_public("/ruhsatx")
    (True, True, False, False)
    """
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


async def require_login(request: Request) -> None:
    """``LoginRequired`` (→ 303 to /giris, or 401 for htmx and the API) unless public."""
    if is_public(request.scope["path"]):
        return
    raw = request.cookies.get(COOKIE)
    try:
        uid = read_session_cookie(request.app.state.services.secret_key, raw) if raw else None
    except (TypeError, ValueError):  # a mangled cookie (non-ASCII, not a number) is no login
        uid = None
    if uid is None:
        raise LoginRequired()


DEPENDENCIES = [Depends(csrf.protect), Depends(require_login)]
"""What ``create_app`` gives ``FastAPI(dependencies=...)``: every route, present and future."""
