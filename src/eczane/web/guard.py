"""The one guard every route passes (STYLE.md §13), declared once in ``create_app``.

1. :func:`eczane.web.csrf.protect`: a state-changing request needs the session-bound token and
   must come from our own origin.
2. :func:`require_login`: every route needs a live server-side session, except those listed in
   ``PUBLIC_*`` (the home page, login and logout, the licensing assistant, static files and the
   CSRF token for scripts). The session is read once here (``auth.login_user``: reused for a
   second by this process, so the scan API's hundreds of scans a second do not each pay a
   database read) and left in ``request.state``; views still call
   ``current_user``/``require_pharmacist``, which then cost nothing, and check the role.
3. The user's pharmacy becomes the request's tenant (``eczane.store.tenant``): every database
   transaction of the request acts for it (on PostgreSQL, row-level security).

``tests/security/test_route_guard.py`` enumerates the app's routes and proves both for each.
"""

from __future__ import annotations

from fastapi import Depends, Request

from eczane.store import tenant
from eczane.web import csrf
from eczane.web.auth import login_user

PUBLIC_EXACT = frozenset({"/", "/giris", "/cikis", "/api/csrf", "/ruhsat", "/saglik/canli",
                          "/saglik/hazir"})
PUBLIC_PREFIXES = ("/ruhsat/", "/static/", "/kurulum/")
"""The health endpoints answer a supervisor or load balancer (no session);
the licensing assistant needs no account (a pharmacist planning a pharmacy may have none);
the one-time setup link (``eczane.accounts.setup``) is how the first account is made."""


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
    user = await login_user(request)
    tenant.set_current(user.pharmacy_id)


DEPENDENCIES = [Depends(csrf.protect), Depends(require_login)]
"""What ``create_app`` gives ``FastAPI(dependencies=...)``: every route, present and future."""
