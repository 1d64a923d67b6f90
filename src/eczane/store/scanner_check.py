"""Scanner checks (okuyucu testi) of a count session: table ``scanner_check`` (migration 0013).

One row per finished check: which device (the count page's device id) and which user ran it
for which count session, whether it passed, and the symptom codes it found
(:mod:`eczane.domain.scanner_check`). The count session page lists them, so a count says which
checks its devices passed.

Tenant table (issue 15): ``pharmacy_id`` leads the primary key; the key is a random
``check_id`` (no autoincrement needed on a composite key). ``session_id`` names a row of
``count_session``; its composite foreign key waits for ``count_session``'s
``(pharmacy_id, id)`` key (helper distkeys), so only ``pharmacy_id`` is a foreign key here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    select,
)
from sqlalchemy.engine import Connection

from eczane.domain.scanner_check import CheckResult
from eczane.store.base import metadata, tenant_table

scanner_check = Table(
    "scanner_check",
    metadata,
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("check_id", String(32), nullable=False),
    Column("session_id", Integer, nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("codes", String(300), nullable=False),   # symptom codes, space-separated
    Column("median_ms", Integer, nullable=True),    # median time between characters
    PrimaryKeyConstraint("pharmacy_id", "check_id", name="pk_scanner_check"),
    info=tenant_table(),
)
Index("ix_scanner_check_session", scanner_check.c.pharmacy_id, scanner_check.c.session_id)


@dataclass(frozen=True)
class StoredCheck:
    """One stored check."""

    check_id: str
    session_id: int
    device_id: str
    user_id: int
    checked_at: datetime
    passed: bool
    codes: tuple[str, ...]
    median_ms: int | None


def record_check(conn: Connection, *, pharmacy_id: int, session_id: int, device_id: str,
                 user_id: int, result: CheckResult, at: datetime | None = None) -> StoredCheck:
    """Store a finished check of a session's device."""
    row = StoredCheck(
        check_id=secrets.token_hex(16), session_id=session_id, device_id=device_id[:64],
        user_id=user_id, checked_at=at or datetime.now(UTC), passed=result.passed,
        codes=result.codes,
        median_ms=None if result.median_ms is None else round(result.median_ms))
    conn.execute(scanner_check.insert().values(
        pharmacy_id=pharmacy_id, check_id=row.check_id, session_id=session_id,
        device_id=row.device_id, user_id=user_id, checked_at=row.checked_at,
        passed=row.passed, codes=" ".join(row.codes), median_ms=row.median_ms))
    return row


def checks_for_session(conn: Connection, pharmacy_id: int, session_id: int) -> list[StoredCheck]:
    """The session's checks, newest first."""
    t = scanner_check.c
    rows = conn.execute(select(scanner_check).where(
        t.pharmacy_id == pharmacy_id, t.session_id == session_id).order_by(t.checked_at.desc()))
    return [StoredCheck(r.check_id, r.session_id, r.device_id, r.user_id, r.checked_at,
                        bool(r.passed), tuple(r.codes.split()), r.median_ms) for r in rows]
