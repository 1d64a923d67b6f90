"""The reconciliation's tables (migration ``0004``) and :class:`Reconciliation`, a stored run's
header as the pages, exports and İTS outbox read it. The other reconcile modules import from
here; this one imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Row,
    String,
    Table,
)

from eczane.domain.reconcile import BUCKETS, Bucket
from eczane.store.base import metadata, tenant_table

reconciliation = Table(
    "reconciliation",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Integer, nullable=True),
    Column("today", Date, nullable=False),
    Column("window_code", String(10), nullable=True),
    Column("window_open", Boolean, nullable=False),
    Column("records_before", Date, nullable=True),
    Column("date_checked", Boolean, nullable=False),
    Column("reference_date", Date, nullable=False),
    Column("its_snapshot_id", Integer, nullable=True),
    Column("scan_upto", Integer, nullable=True),
    Column("onhand_source", JSON, nullable=False),
    Column("counts", JSON, nullable=False),
    PrimaryKeyConstraint("id", "pharmacy_id", name="pk_reconciliation"),
    info=tenant_table(),
)

reconciliation_pack = Table(
    "reconciliation_pack",
    metadata,
    # No foreign key on recon_id on purpose: a run inserts up to ~10 % of a million packs and a
    # per-row RI check costs ~15 % of it on PostgreSQL; runs are never deleted (audit trail).
    Column("recon_id", Integer, nullable=False),
    Column("pharmacy_id", Integer, nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(40), nullable=False),
    Column("expiry", Date, nullable=True),
    Column("batch", String(40), nullable=False),
    Column("product_name", String(300), nullable=False),
    Column("last_tx_date", Date, nullable=True),
    Column("prescription_class", String(10), nullable=True),
    Column("in_its", Boolean, nullable=False),
    Column("on_hand", Boolean, nullable=False),
    Column("bucket", String(30), nullable=False),
    Column("reason", String(30), nullable=False),
    Column("note", String(200), nullable=False),
    Column("sender_type", String(10), nullable=False),
    Column("sender", String(200), nullable=False),
    PrimaryKeyConstraint("recon_id", "gtin", "serial", "pharmacy_id",
                         name="pk_reconciliation_pack"),
    Index("ix_reconciliation_pack_recon_bucket", "recon_id", "bucket"),
    sqlite_with_rowid=False,
    info=tenant_table(no_pharmacy_fk="no foreign keys on purpose (see recon_id): the run writes "
                               "pharmacy_id and recon_id from its own reconciliation row"),
)

pack_override = Table(
    "pack_override",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(40), nullable=False),
    Column("note", String(500), nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False),
    PrimaryKeyConstraint("id", "pharmacy_id", name="pk_pack_override"),
    Index("ix_pack_override_pharmacy_pack", "pharmacy_id", "gtin", "serial"),
    info=tenant_table(),
)

in_transit_pack = Table(
    "in_transit_pack",
    metadata,
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(40), nullable=False),
    Column("expiry", Date, nullable=True),
    Column("batch", String(40), nullable=False),
    Column("sender_type", String(10), nullable=False),
    Column("sender", String(200), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("pharmacy_id", "gtin", "serial", name="pk_in_transit_pack"),
    info=tenant_table(),
)

DEACTIVATION_BUCKET = Bucket.NOT_ON_HAND_ELIGIBLE.value


@dataclass(frozen=True)
class Reconciliation:
    """One stored reconciliation run (the header the pages, exports and İTS outbox read)."""

    id: int
    pharmacy_id: int
    created_at: datetime
    created_by: int | None
    today: date
    window_code: str | None
    window_open: bool
    records_before: date | None
    date_checked: bool
    its_snapshot_id: int | None
    onhand_source: dict[str, Any]
    counts: dict[str, int]
    reference_date: date | None = None
    scan_upto: int | None = None
    """Newest count scan id at the run: with ``created_at`` it fixes the count as of the run."""


def _now() -> datetime:
    return datetime.now(UTC)


def _as_date(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def _recon(row: Row[Any]) -> Reconciliation:
    return Reconciliation(
        id=int(row.id), pharmacy_id=int(row.pharmacy_id), created_at=row.created_at,
        created_by=row.created_by, today=_as_date(row.today) or date.min,
        window_code=row.window_code, window_open=bool(row.window_open),
        records_before=_as_date(row.records_before), date_checked=bool(row.date_checked),
        its_snapshot_id=row.its_snapshot_id, onhand_source=dict(row.onhand_source or {}),
        counts={b.value: int((row.counts or {}).get(b.value, 0)) for b in BUCKETS},
        reference_date=_as_date(row.reference_date), scan_upto=row.scan_upto,
    )
