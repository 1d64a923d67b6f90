"""Reconciliation in the database: the domain's bucket rules run as set-based SQL.

``run_reconciliation`` reads the newest İTS snapshot, the packs on hand (a count session and/or
an imported on-hand list) and the in-transit packs, and writes one ``reconciliation`` row plus one
``reconciliation_pack`` row per pack the pharmacist must act on, with its bucket and reason —
three ``INSERT … SELECT`` statements with LEFT JOINs / NOT EXISTS and a CASE per bucket, so a
million packs never pass through Python. Matched packs (most of a pharmacy, nothing to do) are
counted, not copied: ``bucket_packs(…, "matched")`` derives them from the run's immutable inputs
(the İTS snapshot, the on-hand list, the count scans as of the run), which keeps a 1M-pack run
within seconds. ``eczane.domain.reconcile.reconcile`` is the specification;
``tests/store/test_reconcile_sql.py`` checks both agree on the same random data.

The pharmacist may keep a pack out of the deactivation list with a note (``pack_override``);
``bucket_packs`` applies those overrides. Runs and overrides go to the audit log.

Sections: tables · in-transit list · running (SQL texts per dialect) · reading results ·
overrides · demo. It is longer than most modules because the bucket rules are written out once
per dialect next to the tables they read; each SQL text sits beside the CASE it shares.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Row,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

from eczane.domain.errors import RuleError
from eczane.domain.reconcile import (
    BUCKETS,
    NOTE_DATE_UNCHECKED,
    REASON_BUCKET,
    Bucket,
    DeactivationWindow,
    InTransitPack,
    Reason,
    Rules,
    window_status,
)
from eczane.store.audit import append_event
from eczane.store.base import metadata

reconciliation = Table(
    "reconciliation",
    metadata,
    Column("id", Integer, primary_key=True),
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
    PrimaryKeyConstraint("recon_id", "gtin", "serial", name="pk_reconciliation_pack"),
    Index("ix_reconciliation_pack_recon_bucket", "recon_id", "bucket"),
    sqlite_with_rowid=False,
)

pack_override = Table(
    "pack_override",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(40), nullable=False),
    Column("note", String(500), nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False),
    Index("ix_pack_override_pharmacy_pack", "pharmacy_id", "gtin", "serial"),
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


# --------------------------------------------------------------------------------------------
# In-transit packs


def replace_in_transit(conn: Connection, pharmacy_id: int, packs: Iterable[InTransitPack], *,
                       user_id: int | None = None, source: str = "") -> int:
    """Replace the pharmacy's in-transit list with ``packs`` (the newest list wins).

    Duplicates keep the same pack the domain keeps (smallest sender type, sender, batch).
    Returns the number of packs stored.
    """
    chosen: dict[tuple[str, str], InTransitPack] = {}
    for p in packs:
        old = chosen.get((p.gtin, p.serial))
        if old is None or (p.sender_type, p.sender, p.batch) < (old.sender_type, old.sender, old.batch):
            chosen[(p.gtin, p.serial)] = p
    now = _now()
    conn.execute(delete(in_transit_pack).where(in_transit_pack.c.pharmacy_id == pharmacy_id))
    if chosen:
        conn.execute(insert(in_transit_pack), [
            {"pharmacy_id": pharmacy_id, "gtin": p.gtin, "serial": p.serial, "expiry": p.expiry,
             "batch": p.batch, "sender_type": p.sender_type, "sender": p.sender,
             "imported_at": now} for p in chosen.values()])
    append_event(conn, pharmacy_id, user_id, "reconcile.transit_imported",
                 {"packs": len(chosen), "source": source})
    return len(chosen)


def in_transit_packs(conn: Connection, pharmacy_id: int) -> list[Row[Any]]:
    return list(conn.execute(select(in_transit_pack).where(
        in_transit_pack.c.pharmacy_id == pharmacy_id).order_by(
        in_transit_pack.c.sender_type, in_transit_pack.c.sender, in_transit_pack.c.gtin,
        in_transit_pack.c.serial)))


# --------------------------------------------------------------------------------------------
# Running a reconciliation


def _latest_snapshot(conn: Connection, pharmacy_id: int) -> tuple[int, bool] | None:
    row = conn.execute(text(
        "SELECT id, has_tx_date FROM its_snapshot WHERE pharmacy_id = :p ORDER BY id DESC LIMIT 1"),
        {"p": pharmacy_id}).first()
    return None if row is None else (int(row.id), bool(row.has_tx_date))


def _owned(conn: Connection, table: str, row_id: int, pharmacy_id: int) -> bool:
    found = conn.execute(text(f"SELECT pharmacy_id FROM {table} WHERE id = :i"),  # noqa: S608
                         {"i": row_id}).scalar()
    return found is not None and int(found) == pharmacy_id


def _onhand_sql(count_session_id: int | None, onhand_import_id: int | None) -> str:
    """One row per pack on hand. Each source is unique per pack (its primary key / the count's
    unique active-pack index); two sources together are folded like the domain (earliest
    expiry, greatest batch). No pharmacy filter here: the caller checked the sources belong to
    the pharmacy, and the lookups stay on the covering primary-key indexes."""
    parts = []
    if count_session_id is not None:
        parts.append("SELECT gtin, serial, expiry, batch FROM count_scan "
                     "WHERE session_id = :csid AND undone_at IS NULL")
    if onhand_import_id is not None:
        parts.append("SELECT gtin, serial, expiry, batch FROM onhand_pack WHERE import_id = :oiid")
    if len(parts) == 1:
        return parts[0]
    return ("SELECT gtin, serial, MIN(expiry) AS expiry, MAX(batch) AS batch FROM ("
            + " UNION ALL ".join(parts) + ") AS u GROUP BY gtin, serial")


def _onhand_keys_sql(count_session_id: int | None, onhand_import_id: int | None) -> str:
    """The keys of the packs on hand, read from the sources' key indexes only."""
    parts = []
    if count_session_id is not None:
        parts.append("SELECT gtin, serial FROM count_scan "
                     "WHERE session_id = :csid AND undone_at IS NULL")
    if onhand_import_id is not None:
        parts.append("SELECT gtin, serial FROM onhand_pack WHERE import_id = :oiid")
    return " UNION ".join(parts)


def _not_on_hand_case(records_before: date | None, date_checked: bool, what: str,
                      tx_col: str = "i.last_tx_date") -> str:
    """CASE for an İTS pack not on hand and not in transit: ``classify_not_on_hand`` in SQL.

    ``what`` is ``bucket`` or ``reason``; the arms are in the domain's order.
    """
    tx = tx_col if date_checked else "NULL"
    arms = [("p.prescription_class IN :excluded", Reason.COLOUR_PRESCRIPTION),
            ("p.prescription_class IS NULL", Reason.UNKNOWN_CLASS)]
    if records_before is not None:
        arms += [(f"{tx} >= :cutoff", Reason.AFTER_CUTOFF), (f"{tx} IS NULL", Reason.DATE_UNCHECKED)]

    def value(reason: Reason) -> str:
        return f"'{REASON_BUCKET[reason].value if what == 'bucket' else reason.value}'"

    return ("CASE " + " ".join(f"WHEN {cond} THEN {value(r)}" for cond, r in arms)
            + f" ELSE {value(Reason.ELIGIBLE)} END")


_COLS = ("recon_id, pharmacy_id, gtin, serial, expiry, batch, product_name, last_tx_date, "
         "prescription_class, in_its, on_hand, bucket, reason, note, sender_type, sender")


def _its_insert(records_before: date | None, date_checked: bool, onhand: str, part: str) -> str:
    """SQLite: the İTS side to store. ``part`` ``not_on_hand`` (a key-only probe per İTS pack)
    or ``expired_on_hand`` (only the expired packs are probed).

    The packs are picked first in a materialized CTE, so the transit and product lookups run
    for the few packs to store, not for the matched majority.
    """
    where = {"not_on_hand": "o.gtin IS NULL",
             "expired_on_hand": "o.gtin IS NOT NULL AND i.expiry < :ref"}[part]
    join = "CROSS JOIN" if part == "expired_on_hand" else "LEFT JOIN"
    # not_on_hand reads only the primary-key index of both sides; the few picked packs' rows
    # are then fetched by key (a table scan of a million rows costs more than the probes).
    expired, transit = Bucket.EXPIRED.value, Bucket.IN_TRANSIT.value
    nb = _not_on_hand_case(records_before, date_checked, "bucket")
    nr = _not_on_hand_case(records_before, date_checked, "reason")
    tx = "i.last_tx_date" if date_checked else "NULL"
    here = "i.o_gtin IS NOT NULL"
    note = (f"CASE WHEN NOT ({here}) AND t.gtin IS NULL AND {tx} IS NULL "
            f"AND NOT (i.expiry IS NOT NULL AND i.expiry < :ref) THEN '{NOTE_DATE_UNCHECKED}' "
            "ELSE '' END") if records_before is not None else "''"
    transit_reason = (f"CASE WHEN t.sender_type = 'eczane' THEN '{Reason.IN_TRANSIT_ECZANE.value}' "
                      f"ELSE '{Reason.IN_TRANSIT_DEPO.value}' END")
    return f"""
WITH keys AS MATERIALIZED (
  SELECT i.gtin, i.serial, o.gtin AS o_gtin
  FROM its_stock_pack i
  {join} ({onhand}) AS o ON o.gtin = i.gtin AND o.serial = i.serial
  WHERE i.snapshot_id = :sid AND {where}
), picked AS (
  SELECT i.gtin, i.serial, i.expiry, i.batch, i.product_name, i.last_tx_date, k.o_gtin
  FROM keys k CROSS JOIN its_stock_pack i
  WHERE i.snapshot_id = :sid AND i.gtin = k.gtin AND i.serial = k.serial
)
INSERT INTO reconciliation_pack ({_COLS})
SELECT :rid, :pid, i.gtin, i.serial, i.expiry, i.batch,
       COALESCE(NULLIF(i.product_name, ''), p.name, ''), i.last_tx_date, p.prescription_class,
       TRUE, CASE WHEN {here} THEN TRUE ELSE FALSE END,
       CASE WHEN i.expiry < :ref THEN '{expired}'
            WHEN t.gtin IS NOT NULL THEN '{transit}'
            ELSE {nb} END,
       CASE WHEN i.expiry < :ref AND {here} THEN '{Reason.EXPIRED_ON_HAND.value}'
            WHEN i.expiry < :ref THEN '{Reason.EXPIRED_NOT_ON_HAND.value}'
            WHEN t.gtin IS NOT NULL THEN {transit_reason}
            ELSE {nr} END,
       {note}, COALESCE(t.sender_type, ''), COALESCE(t.sender, '')
FROM picked AS i
LEFT JOIN in_transit_pack t ON t.pharmacy_id = :pid AND t.gtin = i.gtin AND t.serial = i.serial
LEFT JOIN product p ON p.gtin = i.gtin
"""


def _full_insert(records_before: date | None, date_checked: bool, onhand: str) -> str:
    """PostgreSQL: both sides in one hash FULL JOIN (one pass instead of a join and an anti-join).

    The same rules as ``_its_insert`` + ``_onhand_insert``; the agreement test runs on both.
    """
    nb = _not_on_hand_case(records_before, date_checked, "bucket", "j.tx")
    nr = _not_on_hand_case(records_before, date_checked, "reason", "j.tx")
    tx = "j.tx" if date_checked else "NULL"
    expired = "(j.in_its AND j.i_expiry < :ref)"
    note = (f"CASE WHEN j.in_its AND NOT j.on_hand AND t.gtin IS NULL AND {tx} IS NULL "
            f"AND NOT (j.i_expiry IS NOT NULL AND j.i_expiry < :ref) THEN '{NOTE_DATE_UNCHECKED}' "
            "ELSE '' END") if records_before is not None else "''"
    transit_reason = (f"CASE WHEN t.sender_type = 'eczane' THEN '{Reason.IN_TRANSIT_ECZANE.value}' "
                      f"ELSE '{Reason.IN_TRANSIT_DEPO.value}' END")
    return f"""
WITH j AS (
  SELECT COALESCE(i.gtin, o.gtin) AS gtin, COALESCE(i.serial, o.serial) AS serial,
         i.gtin IS NOT NULL AS in_its, o.gtin IS NOT NULL AS on_hand,
         i.expiry AS i_expiry, i.batch AS i_batch, i.product_name AS i_name, i.last_tx_date AS tx,
         o.expiry AS o_expiry, o.batch AS o_batch
  FROM (SELECT gtin, serial, expiry, batch, product_name, last_tx_date
        FROM its_stock_pack WHERE snapshot_id = :sid) AS i
  FULL JOIN ({onhand}) AS o ON o.gtin = i.gtin AND o.serial = i.serial
  WHERE i.gtin IS NULL OR o.gtin IS NULL OR i.expiry < :ref
)
INSERT INTO reconciliation_pack ({_COLS})
SELECT :rid, :pid, j.gtin, j.serial,
       CASE WHEN j.in_its THEN j.i_expiry WHEN t.gtin IS NOT NULL THEN t.expiry ELSE j.o_expiry END,
       CASE WHEN j.in_its THEN j.i_batch WHEN t.gtin IS NOT NULL THEN t.batch
            ELSE COALESCE(j.o_batch, '') END,
       CASE WHEN j.in_its THEN COALESCE(NULLIF(j.i_name, ''), p.name, '') ELSE COALESCE(p.name, '') END,
       CASE WHEN j.in_its THEN j.tx END, p.prescription_class, j.in_its, j.on_hand,
       CASE WHEN {expired} THEN '{Bucket.EXPIRED.value}'
            WHEN j.in_its AND j.on_hand THEN '{Bucket.MATCHED.value}'
            WHEN t.gtin IS NOT NULL THEN '{Bucket.IN_TRANSIT.value}'
            WHEN NOT j.in_its THEN '{Bucket.ON_HAND_NOT_IN_ITS.value}'
            ELSE {nb} END,
       CASE WHEN {expired} AND j.on_hand THEN '{Reason.EXPIRED_ON_HAND.value}'
            WHEN {expired} THEN '{Reason.EXPIRED_NOT_ON_HAND.value}'
            WHEN j.in_its AND j.on_hand THEN '{Reason.ON_HAND.value}'
            WHEN t.gtin IS NOT NULL THEN {transit_reason}
            WHEN NOT j.in_its THEN '{Reason.NOT_IN_ITS.value}'
            ELSE {nr} END,
       {note}, COALESCE(t.sender_type, ''), COALESCE(t.sender, '')
FROM j
LEFT JOIN in_transit_pack t ON t.pharmacy_id = :pid AND t.gtin = j.gtin AND t.serial = j.serial
LEFT JOIN product p ON p.gtin = j.gtin
"""


def _onhand_insert(onhand: str, keys: str) -> str:
    """SQLite: packs on hand that İTS does not list. ``keys`` lists the on-hand keys from the
    primary-key indexes only; the few picked packs' rows are then fetched by key."""
    transit, here = Bucket.IN_TRANSIT.value, Bucket.ON_HAND_NOT_IN_ITS.value
    return f"""
WITH picked AS MATERIALIZED (
  SELECT k.gtin, k.serial FROM ({keys}) AS k
  WHERE NOT EXISTS (SELECT 1 FROM its_stock_pack i
                    WHERE i.snapshot_id = :sid AND i.gtin = k.gtin AND i.serial = k.serial)
)
INSERT INTO reconciliation_pack ({_COLS})
SELECT :rid, :pid, o.gtin, o.serial, CASE WHEN t.gtin IS NULL THEN o.expiry ELSE t.expiry END,
       COALESCE(t.batch, o.batch, ''), COALESCE(p.name, ''), NULL, p.prescription_class,
       FALSE, TRUE,
       CASE WHEN t.gtin IS NULL THEN '{here}' ELSE '{transit}' END,
       CASE WHEN t.gtin IS NULL THEN '{Reason.NOT_IN_ITS.value}'
            WHEN t.sender_type = 'eczane' THEN '{Reason.IN_TRANSIT_ECZANE.value}'
            ELSE '{Reason.IN_TRANSIT_DEPO.value}' END,
       '', COALESCE(t.sender_type, ''), COALESCE(t.sender, '')
FROM picked k
CROSS JOIN ({onhand}) AS o
LEFT JOIN in_transit_pack t ON t.pharmacy_id = :pid AND t.gtin = o.gtin AND t.serial = o.serial
LEFT JOIN product p ON p.gtin = o.gtin
WHERE o.gtin = k.gtin AND o.serial = k.serial
"""


def _transit_insert(onhand: str | None) -> str:
    not_onhand = (f"AND NOT EXISTS (SELECT 1 FROM ({onhand}) AS o "
                  "WHERE o.gtin = t.gtin AND o.serial = t.serial)") if onhand else ""
    return f"""
INSERT INTO reconciliation_pack ({_COLS})
SELECT :rid, :pid, t.gtin, t.serial, t.expiry, t.batch, COALESCE(p.name, ''), NULL,
       p.prescription_class, FALSE, FALSE, '{Bucket.IN_TRANSIT.value}',
       CASE WHEN t.sender_type = 'eczane' THEN '{Reason.IN_TRANSIT_ECZANE.value}'
            ELSE '{Reason.IN_TRANSIT_DEPO.value}' END,
       '', t.sender_type, t.sender
FROM in_transit_pack t
LEFT JOIN product p ON p.gtin = t.gtin
WHERE t.pharmacy_id = :pid
  AND NOT EXISTS (SELECT 1 FROM its_stock_pack i
                  WHERE i.snapshot_id = :sid AND i.gtin = t.gtin AND i.serial = t.serial)
  {not_onhand}
"""


def run_reconciliation(
    conn: Connection,
    pharmacy_id: int,
    *,
    today: date,
    user_id: int | None,
    count_session_id: int | None = None,
    onhand_import_id: int | None = None,
    window: DeactivationWindow | None = None,
    reference_date: date | None = None,
) -> int:
    """Reconcile the newest İTS snapshot with what is on hand; returns the reconciliation id.

    Args:
        today: the day of the run (decides whether the window is open; default reference date).
        count_session_id / onhand_import_id: where "on hand" comes from; at least one, or the
            pharmacy's newest count session is used. Open-prescription scans count as on hand.
        window: the deactivation window whose rules apply (default: the "75" window).
        reference_date: expiry before this is expired (default ``today``).
    Raises:
        RuleError: no İTS snapshot, nothing on hand to compare with, or a source of another
            pharmacy (Turkish message).
    References:
        seed 000 step 4; ``eczane.domain.reconcile.reconcile`` (the same rules).
    """
    if window is None:
        from eczane.windows import default_window

        window = default_window()
    rules = Rules.from_window(window, reference_date or today)
    snap = _latest_snapshot(conn, pharmacy_id)
    if snap is None:
        raise RuleError("Önce İTS stok dosyasını (Stok İndir XLSX) yükleyin.", code="no_snapshot")
    sid, has_tx_date = snap
    if count_session_id is None and onhand_import_id is None:
        count_session_id = conn.execute(text(
            "SELECT id FROM count_session WHERE pharmacy_id = :p ORDER BY id DESC LIMIT 1"),
            {"p": pharmacy_id}).scalar()
        if count_session_id is None:
            raise RuleError("Elde olan kutular bilinmiyor: önce stok sayımı yapın veya karekod "
                            "listesini yükleyin.", code="no_onhand")
    for table, rid in (("count_session", count_session_id), ("onhand_import", onhand_import_id)):
        if rid is not None and not _owned(conn, table, rid, pharmacy_id):
            raise RuleError("Sayım veya dosya bulunamadı.", code="not_found")
    status = window_status(window, today)
    source = {"count_session_id": count_session_id, "onhand_import_id": onhand_import_id}
    scan_upto = None if count_session_id is None else conn.execute(text(
        "SELECT MAX(id) FROM count_scan WHERE session_id = :s"), {"s": count_session_id}).scalar()
    rid = int(conn.execute(insert(reconciliation).values(
        pharmacy_id=pharmacy_id, created_at=_now(), created_by=user_id, today=today,
        window_code=window.code, window_open=status.open, records_before=rules.records_before,
        date_checked=has_tx_date, reference_date=rules.reference_date, its_snapshot_id=sid,
        scan_upto=scan_upto, onhand_source=source, counts={},
    )).inserted_primary_key[0])  # type: ignore[index]
    if conn.dialect.name == "sqlite":
        # A million index probes: read the file through mmap and a larger page cache instead of
        # one pread per page (the default cache is 2 MB). Per connection; harmless afterwards.
        conn.exec_driver_sql("PRAGMA mmap_size = 1073741824")
        conn.exec_driver_sql("PRAGMA cache_size = -131072")
    elif conn.dialect.name == "postgresql":
        # Keep the hash joins over a million keys in memory (the default 4 MB spills to disk).
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    onhand = _onhand_sql(count_session_id, onhand_import_id)
    params: dict[str, Any] = {
        "rid": rid, "pid": pharmacy_id, "sid": sid, "ref": rules.reference_date,
        "cutoff": rules.records_before, "csid": count_session_id, "oiid": onhand_import_id,
        "excluded": sorted(c.value for c in rules.excluded_classes) or ["-"],
    }
    if conn.dialect.name == "postgresql":
        passes = [_full_insert(rules.records_before, has_tx_date, onhand)]
    else:
        passes = [_its_insert(rules.records_before, has_tx_date, onhand, "not_on_hand"),
                  _its_insert(rules.records_before, has_tx_date, onhand, "expired_on_hand"),
                  _onhand_insert(onhand, _onhand_keys_sql(count_session_id, onhand_import_id))]
    for sql in [*passes, _transit_insert(onhand)]:
        _execute(conn, sql, params)
    counts = {b.value: 0 for b in BUCKETS}
    its_side = 0
    for bucket, in_its, n in conn.execute(
            select(reconciliation_pack.c.bucket, reconciliation_pack.c.in_its, func.count())
            .where(reconciliation_pack.c.recon_id == rid)
            .group_by(reconciliation_pack.c.bucket, reconciliation_pack.c.in_its)):
        counts[str(bucket)] += int(n)
        its_side += int(n) if in_its else 0
    its_total = conn.execute(text("SELECT COUNT(*) FROM its_stock_pack WHERE snapshot_id = :s"),
                             {"s": sid}).scalar() or 0
    counts[Bucket.MATCHED.value] = int(its_total) - its_side
    conn.execute(update(reconciliation).where(reconciliation.c.id == rid).values(counts=counts))
    append_event(conn, pharmacy_id, user_id, "reconcile.run", {
        "reconciliation_id": rid, "its_snapshot_id": sid, "onhand": source,
        "window": window.code, "window_open": status.open, "today": today.isoformat(),
        "counts": counts})
    return rid


def _execute(conn: Connection, sql: str, params: dict[str, Any]) -> Any:
    """Run one of this module's SQL texts with the parameters it names (dates typed)."""
    used = {k: v for k, v in params.items() if f":{k}" in sql}
    types: dict[str, BindParameter[Any]] = {
        "excluded": bindparam("excluded", expanding=True), "ref": bindparam("ref", type_=Date),
        "cutoff": bindparam("cutoff", type_=Date), "at": bindparam("at", type_=DateTime(True))}
    return conn.execute(text(sql).bindparams(*[b for k, b in types.items() if k in used]), used)


# --------------------------------------------------------------------------------------------
# Reading results


def get_reconciliation(conn: Connection, pharmacy_id: int, recon_id: int) -> Reconciliation | None:
    """The run ``recon_id`` if it belongs to ``pharmacy_id`` (else None: another pharmacy's
    reconciliation does not exist for this one)."""
    row = conn.execute(select(reconciliation).where(
        reconciliation.c.id == recon_id, reconciliation.c.pharmacy_id == pharmacy_id)).first()
    return None if row is None else _recon(row)


def latest_reconciliation(conn: Connection, pharmacy_id: int) -> Reconciliation | None:
    row = conn.execute(select(reconciliation).where(
        reconciliation.c.pharmacy_id == pharmacy_id).order_by(
        reconciliation.c.id.desc()).limit(1)).first()
    return None if row is None else _recon(row)


def list_reconciliations(conn: Connection, pharmacy_id: int, limit: int = 20) -> list[Reconciliation]:
    return [_recon(r) for r in conn.execute(select(reconciliation).where(
        reconciliation.c.pharmacy_id == pharmacy_id).order_by(
        reconciliation.c.id.desc()).limit(limit))]


def _active_overrides(pharmacy_id: int) -> Any:
    return (select(pack_override.c.gtin, pack_override.c.serial,
                   func.max(pack_override.c.note).label("note"))
            .where(pack_override.c.pharmacy_id == pharmacy_id, pack_override.c.active.is_(True))
            .group_by(pack_override.c.gtin, pack_override.c.serial).subquery("ov"))


_PACK_COLS = [c.name for c in reconciliation_pack.columns]


def _matched_source(rec: Reconciliation) -> Any:
    """Matched packs of a run, derived from its inputs as they were at the run (not stored).

    The İTS snapshot and an imported on-hand list never change; count scans are append-only
    with an ``undone_at`` time, so "on hand at the run" is: scan id ≤ ``scan_upto`` and not
    undone before ``created_at``.
    """
    src = rec.onhand_source
    parts = []
    if src.get("count_session_id") is not None:
        parts.append("SELECT gtin, serial FROM count_scan WHERE session_id = :csid "
                     "AND pharmacy_id = :pid AND id <= :upto AND (undone_at IS NULL OR undone_at > :at)")
    if src.get("onhand_import_id") is not None:
        parts.append("SELECT gtin, serial FROM onhand_pack WHERE import_id = :oiid AND pharmacy_id = :pid")
    onhand = " UNION ".join(parts) if parts else "SELECT gtin, serial FROM onhand_pack WHERE 1 = 0"
    sql = f"""
SELECT :rid AS recon_id, :pid AS pharmacy_id, i.gtin AS gtin, i.serial AS serial,
       i.expiry AS expiry, i.batch AS batch,
       COALESCE(NULLIF(i.product_name, ''), p.name, '') AS product_name,
       i.last_tx_date AS last_tx_date, p.prescription_class AS prescription_class,
       TRUE AS in_its, TRUE AS on_hand, '{Bucket.MATCHED.value}' AS bucket,
       '{Reason.ON_HAND.value}' AS reason, '' AS note, '' AS sender_type, '' AS sender
FROM its_stock_pack i
JOIN ({onhand}) AS o ON o.gtin = i.gtin AND o.serial = i.serial
LEFT JOIN product p ON p.gtin = i.gtin
WHERE i.snapshot_id = :sid AND NOT (i.expiry IS NOT NULL AND i.expiry < :ref)
"""
    params = {"rid": rec.id, "pid": rec.pharmacy_id, "sid": rec.its_snapshot_id,
              "csid": src.get("count_session_id"), "oiid": src.get("onhand_import_id"),
              "upto": rec.scan_upto or 0, "at": rec.created_at,
              "ref": rec.reference_date or rec.today}
    types: dict[str, Any] = {"ref": Date, "at": DateTime(timezone=True)}
    binds = [bindparam(k, v, type_=types.get(k)) for k, v in params.items() if f":{k}" in sql]
    cols = [reconciliation_pack.c[name] for name in _PACK_COLS]
    return text(sql).bindparams(*binds).columns(*cols).subquery("rp")


def _bucket_select(conn: Connection, recon_id: int, bucket: str, *, search: str = "",
                   key: tuple[str, str] | None = None, overridden: bool = False) -> Any:
    """The SELECT behind ``bucket_packs`` (unordered), or None for nothing."""
    row = conn.execute(select(reconciliation).where(reconciliation.c.id == recon_id)).first()
    if row is None or (overridden and bucket != DEACTIVATION_BUCKET):
        return None
    rec = _recon(row)
    if bucket == Bucket.MATCHED.value:
        rp = _matched_source(rec)
    else:
        rp = select(reconciliation_pack).where(reconciliation_pack.c.recon_id == recon_id,
                                               reconciliation_pack.c.bucket == bucket).subquery("rp")
    ov = _active_overrides(rec.pharmacy_id)
    q = (select(*[rp.c[n] for n in _PACK_COLS], func.coalesce(ov.c.note, "").label("override_note"))
         .select_from(rp.outerjoin(ov, and_(ov.c.gtin == rp.c.gtin, ov.c.serial == rp.c.serial))))
    if bucket == DEACTIVATION_BUCKET:
        q = q.where(ov.c.gtin.is_not(None) if overridden else ov.c.gtin.is_(None))
    if search.strip():
        q = q.where(_search_clause(rp, search))
    if key is not None:
        q = q.where(rp.c.gtin == key[0], rp.c.serial == key[1])
    return q


def bucket_packs(conn: Connection, recon_id: int, bucket: str, *,
                 search: str = "", key: tuple[str, str] | None = None,
                 limit: int | None = None, offset: int = 0,
                 overridden: bool = False) -> list[Row[Any]]:
    """Packs of one bucket, sorted by product name (Turkish order), GTIN and serial (matched:
    GTIN, serial).

    Overrides apply: a pack the pharmacist kept out (``set_override``) is *not* in the
    ``not_on_hand_eligible`` list; ask for them with ``overridden=True``. Each row carries
    ``override_note`` (empty when none). ``search`` matches a GTIN, serial or product name part;
    ``key`` = (gtin, serial) finds one pack (a scanned karekod).
    """
    q = _bucket_select(conn, recon_id, bucket, search=search, key=key, overridden=overridden)
    if q is None:
        return []
    sub = q.subquery("b")
    if bucket != Bucket.MATCHED.value:
        return _page_by_name(conn, sub, limit=limit, offset=offset)
    q = select(sub).order_by(sub.c.gtin, sub.c.serial).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(conn.execute(q))


def _page_by_name(conn: Connection, sub: Any, *, limit: int | None,
                  offset: int) -> list[Row[Any]]:
    """One page of a bucket in Turkish alphabetical order of product name, then GTIN, serial.

    SQL compares names by code point (İ, Ç, Ş, Ö, Ü after Z) on both databases, so the order of
    names is made in Python (``tr_sort_key``): one GROUP BY gives each name's pack count, the
    names covering rows ``offset .. offset+limit`` are picked, and only their packs are read
    (ordered by GTIN, serial in SQL). A page never reads more than its names' packs.
    """
    from eczane.domain.text import tr_sort_key

    names = sorted(conn.execute(select(sub.c.product_name, func.count())
                                .group_by(sub.c.product_name)),
                   key=lambda r: tr_sort_key(r[0] or ""))
    end = None if limit is None else offset + limit
    wanted: list[str] = []
    pos = skip = 0
    for name, n in names:
        if end is not None and pos >= end:
            break
        if pos + n > offset:
            if not wanted:
                skip = offset - pos
            wanted.append(name)
        pos += n
    if not wanted:
        return []
    q = select(sub).order_by(sub.c.gtin, sub.c.serial)
    if end is not None or offset:
        q = q.where(sub.c.product_name.in_(wanted))
    rank = {name: i for i, name in enumerate(wanted)}
    rows = sorted(conn.execute(q), key=lambda r: rank[r.product_name])  # stable: GTIN, serial
    return rows[skip:] if limit is None else rows[skip:skip + limit]


def iter_bucket_packs(conn: Connection, recon_id: int, bucket: str) -> Iterator[Row[Any]]:
    """Every pack of a bucket as a stream (exports of a million matched packs stay small)."""
    q = _bucket_select(conn, recon_id, bucket)
    if q is None:
        return
    sub = q.subquery("b")
    yield from conn.execution_options(stream_results=True, yield_per=5000).execute(
        select(sub).order_by(sub.c.gtin, sub.c.serial))


def count_packs(conn: Connection, recon_id: int, bucket: str, *, overridden: bool = False) -> int:
    q = _bucket_select(conn, recon_id, bucket, overridden=overridden)
    return 0 if q is None else int(conn.execute(
        select(func.count()).select_from(q.subquery("b"))).scalar() or 0)


def _search_clause(rp: Any, search: str) -> Any:
    """Match part of a GTIN, a serial or a product name (names are compared in Turkish upper case)."""
    from sqlalchemy import or_

    from eczane.domain.text import tr_upper

    s = search.strip()
    return or_(rp.c.gtin.like(f"%{s}%"), rp.c.serial.like(f"%{tr_upper(s)}%"),
               rp.c.product_name.like(f"%{tr_upper(s)}%"), rp.c.product_name.like(f"%{s}%"))


def effective_counts(conn: Connection, rec: Reconciliation) -> dict[str, int]:
    """Counts with overrides applied, plus ``kept_out``: packs the pharmacist kept out."""
    kept = count_packs(conn, rec.id, DEACTIVATION_BUCKET, overridden=True)
    counts = dict(rec.counts)
    counts[DEACTIVATION_BUCKET] = counts.get(DEACTIVATION_BUCKET, 0) - kept
    counts["kept_out"] = kept
    return counts


def bucket_stats(conn: Connection, recon_id: int, bucket: str) -> dict[str, list[tuple[str, int]]]:
    """Packs of a bucket by product and by expiry month (for the charts), aggregated in SQL.

    Products biggest first; months in calendar order ("SKT yok" for packs without expiry).
    """
    from eczane.domain.text import tr_sort_key

    q = _bucket_select(conn, recon_id, bucket)
    if q is None:
        return {"product": [], "month": []}
    sub = q.subquery("b")
    name = func.coalesce(func.nullif(sub.c.product_name, ""), sub.c.gtin)
    by_product = sorted(((str(n), int(c)) for n, c in conn.execute(
        select(name, func.count()).group_by(name))),
        key=lambda nc: (-nc[1], tr_sort_key(nc[0])))   # ties in Turkish alphabetical order
    by_month: dict[str, int] = {}
    for exp, c in conn.execute(select(sub.c.expiry, func.count()).group_by(sub.c.expiry)):
        d = _as_date(exp)
        month = d.strftime("%Y-%m") if d else "SKT yok"
        by_month[month] = by_month.get(month, 0) + int(c)
    return {"product": by_product, "month": sorted(by_month.items())}


# --------------------------------------------------------------------------------------------
# Overrides


def set_override(conn: Connection, pharmacy_id: int, gtin: str, serial: str, *, note: str,
                 user_id: int | None, active: bool = True) -> None:
    """Keep a pack out of the deactivation list (``active=True``) or put it back (``False``).

    The note ("rafta bulundu", "buzdolabında") is required to keep a pack out; both directions
    go to the audit log. Raises ``RuleError`` for an empty note.
    """
    note = note.strip()
    if active and not note:
        raise RuleError("Kutuyu listeden çıkarmak için bir not yazın (ör. \"rafta bulundu\").",
                        code="note_required")
    conn.execute(update(pack_override).where(
        pack_override.c.pharmacy_id == pharmacy_id, pack_override.c.gtin == gtin,
        pack_override.c.serial == serial, pack_override.c.active.is_(True)).values(active=False))
    if active:
        conn.execute(insert(pack_override).values(
            pharmacy_id=pharmacy_id, gtin=gtin, serial=serial, note=note[:500], user_id=user_id,
            at=_now(), active=True))
    append_event(conn, pharmacy_id, user_id,
                 "reconcile.override_set" if active else "reconcile.override_cleared",
                 {"gtin": gtin, "serial": serial, "note": note})


def overrides(conn: Connection, pharmacy_id: int) -> list[Row[Any]]:
    return list(conn.execute(select(pack_override).where(
        pack_override.c.pharmacy_id == pharmacy_id, pack_override.c.active.is_(True)).order_by(
        pack_override.c.at.desc())))


def find_pack(conn: Connection, recon_id: int, gtin: str, serial: str) -> Row[Any] | None:
    """The stored (not matched) pack of a run, or None."""
    return conn.execute(select(reconciliation_pack).where(
        reconciliation_pack.c.recon_id == recon_id, reconciliation_pack.c.gtin == gtin,
        reconciliation_pack.c.serial == serial)).first()


# --------------------------------------------------------------------------------------------
# Demo


def seed_demo(conn: Connection, pharmacy_id: int, today: date) -> None:
    """Demo seeder: the demo pharmacy's in-transit packs, and a first reconciliation when the
    İTS snapshot and a count (or karekod list) are already seeded."""
    from eczane import demo_data

    demo = demo_data.demo_pharmacy(today)
    replace_in_transit(conn, pharmacy_id, [
        InTransitPack(p.gtin, p.serial, p.expiry, p.batch, stype, sender)
        for p, stype, sender in demo.in_transit], user_id=None, source="demo")
    has_count = conn.execute(text("SELECT 1 FROM count_session WHERE pharmacy_id = :p"),
                             {"p": pharmacy_id}).first() is not None
    has_list = conn.execute(text("SELECT 1 FROM onhand_import WHERE pharmacy_id = :p"),
                            {"p": pharmacy_id}).first() is not None
    if _latest_snapshot(conn, pharmacy_id) is not None and (has_count or has_list):
        list_id = None if has_count else conn.execute(text(
            "SELECT MAX(id) FROM onhand_import WHERE pharmacy_id = :p"), {"p": pharmacy_id}).scalar()
        run_reconciliation(conn, pharmacy_id, today=today, user_id=None, onhand_import_id=list_id)


def _register_demo() -> None:
    from eczane.store.demo import DEMO_SEEDERS

    if seed_demo not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed_demo)


_register_demo()
