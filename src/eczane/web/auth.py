"""Login sessions and the pharmacy-checking helpers every view uses.

A session is a cookie ``eczane_session`` holding ``user_id:expires`` signed with HMAC-SHA256.
Views call ``current_user`` (redirects to the login page when absent) and
``require_pharmacist`` (403 for a kalfa). A row of another pharmacy is answered with 404.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import HTTPException, Request

from eczane.store.users import User, get_user

COOKIE = "eczane_session"
MAX_AGE_S = 12 * 3600


class LoginRequired(Exception):
    """Raised by ``current_user``; the app turns it into a redirect to /giris."""


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def make_session_cookie(key: bytes, user_id: int, *, now: float | None = None) -> str:
    expires = int((now or time.time()) + MAX_AGE_S)
    payload = f"{user_id}:{expires}"
    return f"{payload}:{_sign(key, payload)}"


def read_session_cookie(key: bytes, value: str, *, now: float | None = None) -> int | None:
    """The user id of a valid cookie; None for anything else (a foreign, edited, expired or
    malformed cookie — non-ASCII included — is simply "not logged in", never an error)."""
    if not value.isascii() or len(value) > 200:
        return None
    try:
        uid, expires, sig = value.split(":")
    except ValueError:
        return None
    if not hmac.compare_digest(sig, _sign(key, f"{uid}:{expires}")):
        return None
    if not (uid.isdigit() and expires.isdigit()) or int(expires) < (now or time.time()):
        return None
    return int(uid)


def current_user(request: Request) -> User:
    """The logged-in user, or ``LoginRequired``."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    services = request.app.state.services
    raw = request.cookies.get(COOKIE)
    uid = read_session_cookie(services.secret_key, raw) if raw else None
    if uid is None:
        raise LoginRequired()
    with services.db.connect() as conn:
        user = get_user(conn, uid)
    if user is None:
        raise LoginRequired()
    request.state.user = user
    return user


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
