"""Running a reconciliation: the domain's bucket rules as set-based SQL.

:func:`run_reconciliation` reads the newest İTS snapshot, the packs on hand (a count session
and/or an imported on-hand list) and the in-transit packs, and writes one ``reconciliation`` row
plus one ``reconciliation_pack`` row per pack the pharmacist must act on, with its bucket and
reason — ``INSERT … SELECT`` statements with LEFT JOINs / NOT EXISTS and a CASE per bucket, so a
million packs never pass through Python. Matched packs are counted, not copied (``reading.py``
derives them from the run's inputs).

It is the longest reconcile module because the bucket rules are written out once per dialect
(SQLite: three passes; PostgreSQL: one FULL JOIN); each SQL text sits beside the CASE it shares.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Date,
    DateTime,
    bindparam,
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
    Reason,
    Rules,
    window_status,
)
from eczane.store.audit import append_event
from eczane.store.reconcile.tables import _now, reconciliation, reconciliation_pack


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
