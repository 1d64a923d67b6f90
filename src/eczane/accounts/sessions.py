"""Server-side login sessions.

The cookie ``eczane_session`` holds a random token (``secrets.token_urlsafe(32)``, 43 URL-safe
characters); the database keeps only its SHA-256 (``user_session.token_hash``), so a copy of the
database or a backup lets nobody log in. A session is valid while

- its row exists (logout, a password change, disabling the account delete the rows at once),
- ``now < expires_at`` (absolute lifetime, ``session_max_hours`` after login),
- ``now - last_seen_at < idle`` (``session_idle_minutes``; ``last_seen_at`` is written at most
  once a minute, so reading pages does not turn into a write per request),
- the user exists, is not disabled, and its password hash is the one the session was made with
  (``password_tag``: a password changed by any route, a restore included, ends the session).

Anything else in the cookie (garbage, non-ASCII, a signed cookie of the old scheme) is simply
"not logged in".

>>> looks_like_token("x" * 43), looks_like_token("ş" * 43), looks_like_token("1:2:abc")
(True, False, False)
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from eczane.accounts.tables import user_session
from eczane.accounts.users import Account, account_from_row, password_hash_of
from eczane.store.core import app_user

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
TOUCH_EVERY = timedelta(seconds=60)
ENDED = [0]
"""Counts the calls that ended sessions in this process: a cache of valid sessions (the scan
API's, ``web.auth.scan_user``) is dropped whenever it moves."""


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True)
class Found:
    user: Account
    session_id: int
    needs_touch: bool


def looks_like_token(value: str) -> bool:
    return bool(TOKEN_RE.match(value))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def password_tag(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def create_session(conn: Connection, user_id: int, policy: SessionPolicy, *, now: datetime,
                   client_addr: str = "", user_agent: str = "") -> str:
    """A new session for ``user_id``; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    conn.execute(insert(user_session).values(
        token_hash=token_hash(token), user_id=user_id, created_at=now, last_seen_at=now,
        expires_at=now + policy.lifetime, password_tag=password_tag(password_hash_of(conn, user_id)),
        client_addr=client_addr[:64], user_agent=user_agent[:200]))
    return token


def find_session(conn: Connection, token: str, policy: SessionPolicy, *,
                 now: datetime) -> Found | None:
    """The session's user when the token is valid now (see the module docstring)."""
    if not looks_like_token(token):
        return None
    row = conn.execute(
        select(user_session.c.id.label("session_id"), user_session.c.last_seen_at, user_session.c.expires_at,
               user_session.c.password_tag, app_user)
        .select_from(user_session.join(app_user, app_user.c.id == user_session.c.user_id))
        .where(user_session.c.token_hash == token_hash(token))).first()
    if row is None or row.disabled_at is not None:
        return None
    if now >= _aware(row.expires_at) or now - _aware(row.last_seen_at) >= policy.idle:
        return None
    if row.password_tag != password_tag(row.password_hash):
        return None
    user = account_from_row(row, disabled=False)
    return Found(user, row.session_id, now - _aware(row.last_seen_at) >= TOUCH_EVERY)


def touch(conn: Connection, session_id: int, *, now: datetime) -> None:
    conn.execute(update(user_session).where(user_session.c.id == session_id)
                 .values(last_seen_at=now))


def end_session(conn: Connection, token: str) -> int | None:
    """Delete the session of this token; returns its user id (None when there was none)."""
    if not looks_like_token(token):
        return None
    th = token_hash(token)
    ENDED[0] += 1
    uid = conn.execute(select(user_session.c.user_id)
                       .where(user_session.c.token_hash == th)).scalar()
    conn.execute(delete(user_session).where(user_session.c.token_hash == th))
    return None if uid is None else int(uid)


def end_user_sessions(conn: Connection, user_id: int, *, except_token: str | None = None) -> int:
    """End every session of a user (optionally but one); returns how many were ended."""
    ENDED[0] += 1
    q = delete(user_session).where(user_session.c.user_id == user_id)
    if except_token and looks_like_token(except_token):
        q = q.where(user_session.c.token_hash != token_hash(except_token))
    return int(conn.execute(q).rowcount or 0)


def count_user_sessions(conn: Connection, user_id: int, policy: SessionPolicy, *,
                        now: datetime) -> int:
    rows = conn.execute(select(user_session.c.last_seen_at, user_session.c.expires_at)
                        .where(user_session.c.user_id == user_id))
    return sum(1 for r in rows
               if now < _aware(r.expires_at) and now - _aware(r.last_seen_at) < policy.idle)


def sweep(conn: Connection, policy: SessionPolicy, *, now: datetime) -> int:
    """Delete expired sessions (called at each login; cheap, indexed by nothing but small)."""
    res = conn.execute(delete(user_session).where(
        (user_session.c.expires_at <= now) | (user_session.c.last_seen_at <= now - policy.idle)))
    return int(res.rowcount or 0)
