"""The one guard every route passes (STYLE.md §13), declared once in ``create_app``.

1. :func:`eczane.web.csrf.protect`: a state-changing request needs the session-bound token and
   must come from our own origin.
2. :func:`require_login`: every route needs a live server-side session, except those listed in
   ``PUBLIC_*`` (the home page, login and logout, the licensing assistant, static files and the
   CSRF token for scripts). The session is read once here (``auth.login_user``: reused for a
   second by this process, so the scan API's hundreds of scans a second do not each pay a
   database read) and left in ``request.state``; views still call
   ``current_user``/``require_pharmacist``, which then cost nothing, and check the role.
3. The account's role decides which paths it may open (:data:`ROLE_ACCESS`, :func:`role_allows`):
   a pharmacy's users (eczacı, kalfa) everything but the chamber and admin pages; chamber staff
   (oda) and the installation admin only their own pages and their own account, so that a new
   pharmacy page is closed to them without being listed anywhere. Otherwise 403.
4. The user's pharmacy becomes the request's tenant (``eczane.store.tenant``): every database
   transaction of the request acts for it (on PostgreSQL, row-level security). Chamber staff
   and the admin have none; the chamber page acts for each member pharmacy in turn.
5. Integer parameters no database column can hold are refused (``malformed.bounded_ints``).

The steps run in this order in one dependency, :func:`check`: FastAPI solves each dependency
of each request with some bookkeeping (about 10 µs apiece on the scan API), so one rather than
one per step.

``tests/security/test_route_guard.py`` enumerates the app's routes and proves 1 and 2 for each,
``tests/security/test_roles.py`` proves 3 for each role.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request

from eczane.store import tenant
from eczane.web import csrf
from eczane.web.auth import NOT_A_PHARMACY_USER, login_user
from eczane.web.malformed import bounded_ints

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


@dataclass(frozen=True)
class Access:
    """Which paths a role may open: ``only`` (when set) or anything but ``never``."""

    only: tuple[str, ...] | None = None
    never: tuple[str, ...] = ()


CHAMBER_PREFIX = "/oda"
ADMIN_PREFIX = "/yonetim"
OWN_ACCOUNT = ("/hesap", "/hesap/parola", "/hesap/oturumlar")
"""Every account changes its own password (exact paths: ``/hesap/kullanicilar`` is a pharmacy's)."""

ROLE_ACCESS = {
    "eczaci": Access(never=(CHAMBER_PREFIX, ADMIN_PREFIX)),
    "kalfa": Access(never=(CHAMBER_PREFIX, ADMIN_PREFIX)),
    "oda": Access(only=(CHAMBER_PREFIX,)),
    "admin": Access(only=(ADMIN_PREFIX,)),
}
"""Role → the paths it may open (issue 15: oda sees its members' progress, never their packs;
admin manages pharmacies and accounts). A role not listed opens nothing but public paths."""

FORBIDDEN = {
    CHAMBER_PREFIX: "Bu sayfa yalnızca oda görevlileri içindir.",
    ADMIN_PREFIX: "Bu sayfa yalnızca kurulum yöneticisi içindir.",
}
"""The Turkish 403 of a role-only area; any other refused path is a pharmacy's page."""


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def role_allows(role: str, path: str) -> bool:
    """Whether an account of ``role`` may open ``path`` (a public path is checked before).

    >>> role_allows("kalfa", "/sayim/1"), role_allows("kalfa", "/oda"), role_allows("oda", "/oda")
    (True, False, True)
    >>> role_allows("oda", "/sayim/1"), role_allows("oda", "/odak"), role_allows("admin", "/hesap")
    (False, False, True)
    >>> role_allows("admin", "/hesap/kullanicilar"), role_allows("nobody", "/hesap")
    (False, False)
    """
    access = ROLE_ACCESS.get(role)
    if access is None:
        return False
    if access.only is not None:
        return path in OWN_ACCOUNT or any(_under(path, p) for p in access.only)
    return not any(_under(path, p) for p in access.never)


def may_open(role: str, path: str) -> bool:
    """For the menu: a public path, or one the role may open."""
    return is_public(path) or role_allows(role, path)


async def require_login(request: Request) -> None:
    """``LoginRequired`` (→ 303 to /giris, or 401 for htmx and the API) unless public; 403 when
    the account's role may not open the path."""
    path = request.scope["path"]
    if is_public(path):
        return
    user = await login_user(request)
    if not role_allows(user.role, path):
        area = next((p for p in FORBIDDEN if _under(path, p)), None)
        raise HTTPException(403, FORBIDDEN[area] if area else NOT_A_PHARMACY_USER)
    tenant.set_current(user.pharmacy_id)


STEPS = (csrf.protect, require_login, bounded_ints)
"""Steps 1 to 5 of the module docstring, in order (a test may run all but one)."""


async def check(request: Request) -> None:
    """The guard: each of :data:`STEPS` in order."""
    for step in STEPS:
        await step(request)


DEPENDENCIES = [Depends(check)]
"""What ``create_app`` gives ``FastAPI(dependencies=...)``: every route, present and future."""
