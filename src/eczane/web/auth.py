"""Login sessions and the pharmacy-checking helpers every view uses.

The cookie ``eczane_session`` holds a random session token; the session itself is a row in the
database (``eczane.accounts.sessions``): logout, a password change or disabling the account end
it at once. Views call ``current_user`` (redirects to the login page when absent; 403 for an
account of no pharmacy, which the guard's role table already keeps off the pharmacy pages) and
``require_pharmacist`` (403 for a kalfa). A row of another pharmacy is answered with 404. The
chamber and admin pages call ``require_role``; account pages ``current_account``.
A cookie that is not a valid token (garbage, non-ASCII, expired) is just "not logged in".
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from eczane.accounts import sessions
from eczane.accounts.sessions import SessionPolicy
from eczane.accounts.throttle import ThrottlePolicy
from eczane.accounts.users import Account
from eczane.config import Settings
from eczane.store.users import User

COOKIE = "eczane_session"


class LoginRequired(Exception):
    """Raised by ``current_user``; the app turns it into a redirect to /giris."""


def session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy(idle=timedelta(minutes=settings.session_idle_minutes),
                         lifetime=timedelta(hours=settings.session_max_hours))


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(lockout_after=settings.login_lockout_after,
                          lockout=timedelta(minutes=settings.login_lockout_minutes))


def now(request: Request) -> datetime:
    """The current time (tests put a clock in ``services.extra["now"]``)."""
    clock = request.app.state.services.extra.get("now")
    return clock() if clock is not None else datetime.now(UTC)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    settings: Settings = request.app.state.services.settings
    response.set_cookie(COOKIE, token, max_age=settings.session_max_hours * 3600, httponly=True,
                        samesite="lax", secure=settings.secure_cookies)


def clear_session_cookie(response: Response, request: Request) -> None:
    """Delete the cookie with the attributes it was set with (a Secure cookie needs Secure)."""
    settings: Settings = request.app.state.services.settings
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=settings.secure_cookies)


NOT_A_PHARMACY_USER = ("Bu sayfa eczane kullanıcıları içindir; oda görevlisi ve kurulum "
                       "yöneticisi hesapları eczane verisini göremez.")


def current_user(request: Request) -> User:
    """The logged-in pharmacy user (eczacı or kalfa), ``LoginRequired``, or 403."""
    account = current_account(request)
    if not isinstance(account, User):
        raise HTTPException(status_code=403, detail=NOT_A_PHARMACY_USER)
    return account


def require_role(request: Request, role: str) -> Account:
    """The logged-in account when its role is ``role`` (the chamber and admin pages), else 403."""
    account = current_account(request)
    if account.role != role:
        raise HTTPException(status_code=403, detail="Bu sayfayı görme yetkiniz yok.")
    return account


def current_account(request: Request) -> Account:
    """The logged-in account of any role, or ``LoginRequired``."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    raw = request.cookies.get(COOKIE)
    if not raw:
        raise LoginRequired()
    services = request.app.state.services
    at = now(request)
    with services.db.connect() as conn:
        found = sessions.find_session(conn, raw, session_policy(services.settings), now=at)
    if found is None:
        raise LoginRequired()
    if found.needs_touch:
        _touch_later(services, found.session_id, at)
    request.state.user = found.user
    return found.user


def cached_user(request: Request) -> Account | None:
    """The user of a session checked less than ``session_cache_s`` (a setting) ago by this
    process, or None.

    The one guard uses it (``login_user``): the scan API takes a scan every second or two from
    each device, and a check costs a database read (a thread hop and ~1 ms of CPU). Anything
    this process does that ends sessions (logout, password change, disabling) empties the cache
    at once; a change made by another process (another ``serve`` worker, the CLI) is seen within
    ``session_cache_s``. With 1 s, the hosted bench's 600 devices missed the cache on most scans.
    """
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    cache = request.app.state.services.extra.setdefault("session_cache", {})
    if cache.get("_ended") != sessions.ENDED[0]:
        cache.clear()
        cache["_ended"] = sessions.ENDED[0]
        return None
    hit = cache.get(raw)
    # The app's clock, not a monotonic one: a test clock moved past the idle timeout must miss.
    if hit is None or not timedelta(0) <= now(request) - hit[0] <= timedelta(
            seconds=request.app.state.services.settings.session_cache_s):
        return None
    return hit[1]  # type: ignore[no-any-return]


def remember_user(request: Request, user: Account) -> None:
    """Put a just-checked session in the scan API's cache (``cached_user``)."""
    cache = request.app.state.services.extra.setdefault("session_cache", {})
    if len(cache) > 10_000:
        cache.clear()
    cache["_ended"] = sessions.ENDED[0]
    cache[request.cookies.get(COOKIE, "")] = (now(request), user)


async def login_user(request: Request) -> Account:
    """The session's user for the one guard, off the event loop; ``LoginRequired`` when none.

    A session checked by this process in the last ``session_cache_s`` is reused (``cached_user``),
    so the scan API's hundreds of requests a second cost no database read each; otherwise one
    indexed read in a worker thread. The user is left in ``request.state`` for the view.
    """
    user = cached_user(request)
    if user is None:
        user = await run_in_threadpool(current_account, request)
        remember_user(request, user)
    request.state.user = user
    return user


def _touch_later(services: Any, session_id: int, at: datetime) -> None:
    """Record activity off the request path: a page never waits for the write lock."""
    pool = services.extra.get("session_touch")
    if pool is None:
        pool = services.extra["session_touch"] = ThreadPoolExecutor(1, "session-touch")

    def run() -> None:
        try:
            with services.db.begin() as conn:
                sessions.touch(conn, session_id, now=at)
        except Exception:  # noqa: BLE001, S110 - best effort; the next request tries again
            pass

    pool.submit(run)


def require_pharmacist(request: Request) -> User:
    """Only an eczacı may do this (close a count, approve a deactivation...)."""
    user = current_user(request)
    if not user.is_pharmacist:
        raise HTTPException(status_code=403, detail="Bu işlemi yalnızca eczacı yapabilir.")
    return user


def check_pharmacy(user: User, pharmacy_id: int) -> None:
    """A row that belongs to another pharmacy does not exist for this user (404)."""
    if user.pharmacy_id != pharmacy_id:
        raise HTTPException(status_code=404, detail="Bulunamadı.")
