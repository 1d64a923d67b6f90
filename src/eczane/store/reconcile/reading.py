"""Reading a run's results: runs, the packs of a bucket (overrides applied, Turkish name order,
matched packs derived from the run's inputs), counts and chart statistics, one stored pack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Row, and_, bindparam, func, select, text

from eczane.domain.reconcile import Bucket, Reason
from eczane.store import tenant
from eczane.store.reconcile.tables import (
    DEACTIVATION_BUCKET,
    Reconciliation,
    _as_date,
    _recon,
    pack_override,
    reconciliation,
    reconciliation_pack,
)


def get_reconciliation(conn: Connection, pharmacy_id: int, recon_id: int) -> Reconciliation | None:
    """The run ``recon_id`` if it belongs to ``pharmacy_id`` (else None: another pharmacy's
    reconciliation does not exist for this one)."""
    row = conn.execute(select(reconciliation).where(
        reconciliation.c.id == recon_id, reconciliation.c.pharmacy_id == pharmacy_id,
        tenant.scoped(reconciliation))).first()
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
    row = conn.execute(select(reconciliation).where(reconciliation.c.id == recon_id,
                                                    tenant.scoped(reconciliation))).first()
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
    # Options on the statement, not ``conn.execution_options``: in SQLAlchemy 2 that changes the
    # connection itself, and a later INSERT in the same transaction would stream too (fails on
    # PostgreSQL).
    yield from conn.execute(select(sub).order_by(sub.c.gtin, sub.c.serial)
                            .execution_options(stream_results=True, yield_per=5000))


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


def find_pack(conn: Connection, recon_id: int, gtin: str, serial: str) -> Row[Any] | None:
    """The stored (not matched) pack of a run, or None."""
    return conn.execute(select(reconciliation_pack).where(
        reconciliation_pack.c.recon_id == recon_id, reconciliation_pack.c.gtin == gtin,
        reconciliation_pack.c.serial == serial, tenant.scoped(reconciliation_pack))).first()
