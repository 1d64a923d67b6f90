"""A pharmacy whose first count missed some packs: İTS list, shelf, count, reconciliation.

``build(db, …)`` writes an İTS stock list of ``shelf + ghosts`` packs of normal-class demo
products (last transaction 10.01.2025, before the 75 cutoff), a count that scanned every pack
on the shelf except every ``miss_every``-th one, and a reconciliation on ``OPEN_DAY`` (inside
the 2025 window). The deactivation draft built from it holds the missed packs and the ghosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert

from eczane.demo_data import demo_products
from eczane.domain.karekod import Karekod
from eczane.domain.pack import PackKey

OPEN_DAY = date(2025, 9, 1)
NORMAL = [p for p in demo_products() if not p.prescription_class.is_colour]  # type: ignore[union-attr]


@dataclass
class World:
    recon_id: int
    shelf: list[Karekod]
    missed: list[Karekod]
    ghosts: list[Karekod]

    @property
    def missed_keys(self) -> set[PackKey]:
        return {k.key for k in self.missed}

    @property
    def ghost_keys(self) -> set[PackKey]:
        return {k.key for k in self.ghosts}


def pack(prefix: str, i: int) -> Karekod:
    p = NORMAL[i % len(NORMAL)]
    return Karekod(p.gtin, f"{prefix}{i:06d}", date(2027, 6, 30), f"L{i % 13}")


def build(db, pharmacy_id: int, user_id: int, *, shelf: int = 1000, ghosts: int = 25,  # type: ignore[no-untyped-def]
          miss_every: int = 50) -> World:
    from eczane.store.catalog import its_snapshot, its_stock_pack, upsert_products
    from eczane.store.count import count_scan, open_session
    from eczane.store.reconcile import run_reconciliation

    names = {p.gtin: p.name for p in demo_products()}
    on_shelf = [pack("RAF", i) for i in range(shelf)]
    away = [pack("HAYALET", i) for i in range(ghosts)]
    missed = [k for i, k in enumerate(on_shelf) if i % miss_every == miss_every - 1]
    scanned = [k for i, k in enumerate(on_shelf) if i % miss_every != miss_every - 1]
    at = datetime(2025, 8, 31, 9, tzinfo=UTC)
    with db.begin() as conn:
        upsert_products(conn, demo_products(), "test")
        snap = conn.execute(insert(its_snapshot).values(
            pharmacy_id=pharmacy_id, imported_at=at, source_name="its.xlsx", sha256="0" * 64,
            row_count=shelf + ghosts, issue_count=0, duplicate_count=0, has_tx_date=True,
            mapping={}, issues=[])).inserted_primary_key[0]
        conn.execute(insert(its_stock_pack), [
            {"snapshot_id": snap, "pharmacy_id": pharmacy_id, "gtin": k.gtin, "serial": k.serial,
             "expiry": k.expiry, "batch": k.batch, "product_name": names[k.gtin],
             "last_tx_date": date(2025, 1, 10), "row_no": i + 2}
            for i, k in enumerate(on_shelf + away)])
        sid = open_session(conn, pharmacy_id, user_id, "Genel sayım")
        conn.execute(insert(count_scan), [
            {"pharmacy_id": pharmacy_id, "session_id": sid, "gtin": k.gtin, "serial": k.serial,
             "expiry": k.expiry, "batch": k.batch, "grp": "raf", "raw": k.element_string(),
             "device_id": "okuyucu-1", "client_scan_id": f"c{i}", "user_id": user_id,
             "scanned_at": at} for i, k in enumerate(scanned)])
        rid = int(run_reconciliation(conn, pharmacy_id, today=OPEN_DAY, user_id=user_id))
    return World(rid, on_shelf, missed, away)
