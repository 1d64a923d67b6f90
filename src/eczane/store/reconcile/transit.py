"""The in-transit list (``in_transit_pack``): packs sent to the pharmacy and not yet received.
A new list replaces the old one; a run reads it, and an in-transit pack is never a
deactivation candidate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select

from eczane.domain.reconcile import InTransitPack
from eczane.store.audit import append_event
from eczane.store.reconcile.tables import _now, in_transit_pack


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
