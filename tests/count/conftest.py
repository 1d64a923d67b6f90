"""Helpers for count tests: a catalog, an İTS stock list and karekod strings of demo packs."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.demo_data import DemoPack, demo_pharmacy, demo_products
from eczane.domain.karekod import Karekod

TODAY = date(2026, 11, 23)
DEMO = demo_pharmacy(TODAY)


def karekod(p: DemoPack | Karekod, *, gs: str = "\x1d") -> str:
    """The element string a scanner sends for a pack (GS after the serial)."""
    return Karekod(p.gtin, p.serial, p.expiry, p.batch).element_string(gs=gs)


def seed_catalog(db) -> None:  # type: ignore[no-untyped-def]
    from eczane.store.catalog import upsert_products

    with db.begin() as conn:
        upsert_products(conn, demo_products(), "test")


def seed_its_list(db, pharmacy_id: int, packs, *, imported_at=None) -> None:  # type: ignore[no-untyped-def]
    """An imported İTS stock list holding ``packs`` (written straight into the import tables),
    imported at ``imported_at`` (default: 09:00 Istanbul time on ``TODAY``, the counting day)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sqlalchemy import insert

    from eczane.store.catalog import its_snapshot, its_stock_pack

    with db.begin() as conn:
        sid = conn.execute(insert(its_snapshot).values(
            pharmacy_id=pharmacy_id, imported_at=(imported_at or datetime(
                TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=ZoneInfo("Europe/Istanbul"))
            ).astimezone(UTC), source_name="its.xlsx",
            sha256="0" * 64, row_count=len(packs), issue_count=0, duplicate_count=0,
            has_tx_date=False, mapping={}, issues=[])).inserted_primary_key[0]
        conn.execute(insert(its_stock_pack), [
            {"snapshot_id": sid, "pharmacy_id": pharmacy_id, "gtin": p.gtin, "serial": p.serial,
             "expiry": p.expiry, "batch": p.batch, "product_name": "", "last_tx_date": None,
             "row_no": i + 2} for i, p in enumerate(packs)])


@pytest.fixture
def session_id(db, pharmacies) -> int:  # type: ignore[no-untyped-def]
    from eczane.store.count import open_session

    with db.begin() as conn:
        return open_session(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "Test sayımı")
