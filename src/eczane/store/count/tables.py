"""The count's tables and the values read from them.

``count_session``, ``count_scan`` and ``count_scan_rejected`` (migration ``0003``), the frozen
rows :class:`CountSession` and :class:`StoredScan`, the answer to a scan (:class:`ScanOutcome`)
and :class:`CountError`. The other count modules import from here; this one imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from eczane.domain.count import CountStatus, ScanVerdict
from eczane.domain.karekod import Karekod
from eczane.store.base import metadata, tenant_table

count_session = Table(
    "count_session",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("status", String(10), nullable=False),  # open | paused | closed
    Column("opened_by", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_by", Integer, ForeignKey("app_user.id"), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("id", "pharmacy_id", name="pk_count_session"),
    info=tenant_table(),
)

count_scan = Table(
    "count_scan",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("session_id", Integer, nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(20), nullable=False),
    Column("expiry", Date, nullable=False),
    Column("batch", String(20), nullable=False),
    Column("grp", String(20), nullable=False),  # raf | acik_recete
    Column("raw", Text, nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("client_scan_id", String(64), nullable=False),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("scanned_at", DateTime(timezone=True), nullable=False),
    Column("undone_at", DateTime(timezone=True), nullable=True),
    Column("undone_by", Integer, ForeignKey("app_user.id"), nullable=True),
    PrimaryKeyConstraint("id", "pharmacy_id", name="pk_count_scan"),
    ForeignKeyConstraint(["session_id", "pharmacy_id"],
                         ["count_session.id", "count_session.pharmacy_id"],
                         name="fk_count_scan_session_id_count_session"),
    # pharmacy_id last in the unique keys: the scan path looks scans up by session.
    UniqueConstraint("session_id", "client_scan_id", "pharmacy_id",
                     name="uq_count_scan_session_client"),
    info=tenant_table(),
)

# At most one active (not undone) row per pack and session.
Index("uq_count_scan_active_pack", count_scan.c.session_id, count_scan.c.gtin,
      count_scan.c.serial, count_scan.c.pharmacy_id, unique=True,
      sqlite_where=count_scan.c.undone_at.is_(None),
      postgresql_where=count_scan.c.undone_at.is_(None))
Index("ix_count_scan_session_gtin", count_scan.c.session_id, count_scan.c.gtin)

count_scan_rejected = Table(
    "count_scan_rejected",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("session_id", Integer, nullable=False),
    Column("raw", Text, nullable=False),            # what the scanner sent (first RAW_MAX chars)
    Column("code", String(40), nullable=False),     # the verdict's code: unreadable
    Column("detail", String(40), nullable=False),   # the karekod engine's error code
    Column("message", Text, nullable=False),        # the Turkish sentence shown at the counter
    Column("grp", String(20), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("client_scan_id", String(64), nullable=False),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("scanned_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("id", "pharmacy_id", name="pk_count_scan_rejected"),
    ForeignKeyConstraint(["session_id", "pharmacy_id"],
                         ["count_session.id", "count_session.pharmacy_id"],
                         name="fk_count_scan_rejected_session_id_count_session"),
    UniqueConstraint("session_id", "client_scan_id", "pharmacy_id",
                     name="uq_count_scan_rejected_session_client"),
    info=tenant_table(),
)
RAW_MAX = 1000
"""Longest raw input kept for a rejected scan (a karekod is under 100 characters; a pasted page
of text is not kept whole)."""


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CountSession:
    id: int
    pharmacy_id: int
    name: str
    status: CountStatus
    opened_by: int
    opened_at: datetime
    closed_by: int | None
    closed_at: datetime | None


@dataclass(frozen=True)
class StoredScan:
    id: int
    session_id: int
    gtin: str
    serial: str
    expiry: date
    batch: str
    grp: str
    raw: str
    device_id: str
    client_scan_id: str
    user_id: int
    scanned_at: datetime
    undone_at: datetime | None
    undone_by: int | None

    @property
    def karekod(self) -> Karekod:
        return Karekod(self.gtin, self.serial, self.expiry, self.batch)


@dataclass(frozen=True)
class ScanOutcome:
    """The answer to one scan request: the verdict, and the row when one was stored."""

    verdict: ScanVerdict
    scan: StoredScan | None = None
    """The stored row (new, or the earlier one for a resend or a duplicate)."""
    replayed: bool = False
    """True when this client_scan_id had already been stored: nothing new was written."""
    product_name: str = ""
    refused: str | None = None
    """Turkish reason when the session takes no scans (paused, closed)."""
    rejected: bool = False
    """True when the scan was unreadable and is stored in ``count_scan_rejected`` (now or by an
    earlier send of the same client_scan_id: then ``replayed`` is True too)."""


class CountError(Exception):
    """A count operation was refused; ``message`` is Turkish, ``status`` an HTTP-like code."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# ---------------------------------------------------------------- rows


def _session(row: Any) -> CountSession:
    return CountSession(row.id, row.pharmacy_id, row.name, CountStatus(row.status), row.opened_by,
                        row.opened_at, row.closed_by, row.closed_at)


def _scan(row: Any) -> StoredScan:
    return StoredScan(row.id, row.session_id, row.gtin, row.serial, row.expiry, row.batch, row.grp,
                      row.raw, row.device_id, row.client_scan_id, row.user_id, row.scanned_at,
                      row.undone_at, row.undone_by)
