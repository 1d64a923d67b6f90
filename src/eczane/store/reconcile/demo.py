"""The demo reconciliation (``make run``): registered once in
``eczane.store.demo.DEMO_SEEDERS`` when ``eczane.store.reconcile`` is imported."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text

from eczane.domain.reconcile import InTransitPack
from eczane.store.reconcile.run import _latest_snapshot, run_reconciliation
from eczane.store.reconcile.transit import replace_in_transit


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
