"""Helpers for count tests: a catalog, an İTS stock list and karekod strings of demo packs."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.demo_data import DemoPack, demo_pharmacy, demo_products
from eczane.domain.karekod import Karekod
from eczane.domain.pack import ItsStockRow

TODAY = date(2026, 11, 23)
DEMO = demo_pharmacy(TODAY)


def karekod(p: DemoPack | Karekod, *, gs: str = "\x1d") -> str:
    """The element string a scanner sends for a pack (GS after the serial)."""
    return Karekod(p.gtin, p.serial, p.expiry, p.batch).element_string(gs=gs)


def seed_catalog(db) -> None:  # type: ignore[no-untyped-def]
    from eczane.store.catalog import upsert_products

    with db.begin() as conn:
        upsert_products(conn, demo_products(), "test")


def seed_its_list(db, pharmacy_id: int, packs) -> None:  # type: ignore[no-untyped-def]
    from eczane.store.catalog import store_snapshot

    rows = [ItsStockRow(p.gtin, p.serial, p.expiry, p.batch, "", None, i + 2)
            for i, p in enumerate(packs)]
    with db.begin() as conn:
        store_snapshot(conn, pharmacy_id, rows, source_name="its.xlsx", sha256="0" * 64)


@pytest.fixture
def session_id(db, pharmacies) -> int:  # type: ignore[no-untyped-def]
    from eczane.store.count import open_session

    with db.begin() as conn:
        return open_session(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "Test sayımı")
