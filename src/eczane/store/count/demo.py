"""The demo count (``make run``): registered once in ``eczane.store.demo.DEMO_SEEDERS`` when
``eczane.store.count`` is imported."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, and_, insert, select

from eczane.domain.count import CountStatus, ScanGroup
from eczane.domain.karekod import Karekod
from eczane.store.count.sessions import get_session, open_session, set_status
from eczane.store.count.tables import count_scan, now_utc


def _seed_demo(conn: Connection, pharmacy_id: int, today: date) -> None:
    """A closed demo count holding every pack the demo shelf has (for the reconciliation)."""
    from eczane.demo_data import demo_pharmacy
    from eczane.store.core import app_user

    uid = conn.execute(select(app_user.c.id).where(and_(
        app_user.c.pharmacy_id == pharmacy_id, app_user.c.role == "eczaci"))).scalar()
    if uid is None:
        return
    sid = open_session(conn, pharmacy_id, uid, "Demo sayımı")
    demo = demo_pharmacy(today)
    for i, p in enumerate(demo.on_shelf, start=1):
        k = Karekod(p.gtin, p.serial, p.expiry, p.batch)
        conn.execute(insert(count_scan).values(
            pharmacy_id=pharmacy_id, session_id=sid, gtin=k.gtin, serial=k.serial,
            expiry=k.expiry, batch=k.batch, grp=ScanGroup.SHELF.value,
            raw=f"01{k.gtin}21{k.serial}\x1d17{k.expiry:%y%m%d}10{k.batch}",
            device_id="demo", client_scan_id=f"demo:{i}", user_id=uid, scanned_at=now_utc()))
    session = get_session(conn, sid)
    assert session is not None
    set_status(conn, session, uid, CountStatus.CLOSED, is_pharmacist=True)


def _register_demo() -> None:
    from eczane.store.demo import DEMO_SEEDERS

    if _seed_demo not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(_seed_demo)


_register_demo()
