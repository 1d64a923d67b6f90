"""The in-transit list (``in_transit_pack``): packs sent to the pharmacy and not yet received.
A new list replaces the old one; a run reads it, and an in-transit pack is never a
deactivation candidate.

Because a pack that leaves the list may become a deactivation candidate, a new list is
previewed first (``plan_transit``: packs added, leaving, moved to another sender) and a list
that drops packs, or whose rows are mostly bad, needs an explicit confirmation; the plan's
``digest`` binds the confirmation to that change (issue 14 finding 1)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
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
    chosen = _chosen(packs)
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


def _chosen(packs: Iterable[InTransitPack]) -> dict[tuple[str, str], InTransitPack]:
    chosen: dict[tuple[str, str], InTransitPack] = {}
    for p in packs:
        old = chosen.get((p.gtin, p.serial))
        if old is None or (p.sender_type, p.sender, p.batch) < (old.sender_type, old.sender, old.batch):
            chosen[(p.gtin, p.serial)] = p
    return chosen


@dataclass(frozen=True)
class TransitPlan:
    """What replacing the in-transit list would change."""

    added: tuple[InTransitPack, ...]
    removed: tuple[Any, ...]
    """Stored packs the new list no longer has (rows of ``in_transit_pack``)."""
    moved: int
    """Packs in both lists with another sender."""
    kept: int
    rows_ok: int
    rows_bad: int

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.removed) or self.rows_bad > self.rows_ok

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.removed:
            out.append(f"{len(self.removed)} kutu arada kalan listesinden çıkıyor: elde değillerse "
                       "bir sonraki mutabakatta deaktivasyon listesine girebilirler.")
        if self.rows_bad > self.rows_ok:
            out.append(f"Satırların çoğu sorunlu: {self.rows_bad} sorunlu, {self.rows_ok} "
                       "okunabilen satır. Doğru dosyayı seçtiğinizden emin olun.")
        return out

    @property
    def digest(self) -> str:
        body = [sorted([p.gtin, p.serial, p.sender_type, p.sender] for p in self.added),
                sorted([r.gtin, r.serial] for r in self.removed), self.moved, self.kept,
                self.rows_ok, self.rows_bad]
        return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()[:32]


def plan_transit(conn: Connection, pharmacy_id: int, packs: Iterable[InTransitPack], *,
                 rows_bad: int) -> TransitPlan:
    """Compare a new in-transit list with the stored one (nothing is written)."""
    new = _chosen(packs)
    old = {(r.gtin, r.serial): r for r in in_transit_packs(conn, pharmacy_id)}
    added = tuple(p for k, p in new.items() if k not in old)
    removed = tuple(r for k, r in old.items() if k not in new)
    both = [k for k in new if k in old]
    moved = sum(1 for k in both if (new[k].sender_type, new[k].sender)
                != (old[k].sender_type, old[k].sender))
    return TransitPlan(added, removed, moved, len(both) - moved, len(new), rows_bad)
