"""Tables of the accounts slice: server-side sessions and login throttling (migration 0006).

Neither table has a ``pharmacy_id`` column, so neither is part of a pharmacy's backup
(``store.backup.pharmacy_tables``): a restored backup never brings sessions or lockouts back.
``user_session.user_id`` has no foreign key on purpose: a restore deletes and re-inserts a
pharmacy's ``app_user`` rows, and a session whose user changed under it is refused anyway
(``password_tag``).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, PrimaryKeyConstraint, String, Table

from eczane.store.base import installation_table, metadata

user_session = Table(
    "user_session",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("password_tag", String(16), nullable=False),
    Column("client_addr", String(64), nullable=False, server_default=""),
    Column("user_agent", String(200), nullable=False, server_default=""),
    info=installation_table("a session belongs to a user (app_user is an installation table)"),
)
"""One row per logged-in browser. The cookie holds a random token; only its SHA-256 is stored."""

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("kind", String(10), nullable=False),
    Column("key", String(200), nullable=False),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("last_failure_at", DateTime(timezone=True), nullable=True),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("kind", "key", name="pk_login_throttle"),
    info=installation_table(),
)
"""Consecutive failed logins per ``kind`` = ``"user"`` (the username typed, known or not) and
``"addr"`` (the client address)."""
