"""Pharmacy B's objects of every kind, for the tenant-isolation tests (issue 15).

``b_world`` makes, acting for charlie's pharmacy (B), one object of every kind a route can name
by id, plus a row in every pharmacy table, and maps each path-parameter name of the app's
routes to B's id. A new route with a new parameter name fails ``test_tenant_routes`` until its
kind is added to :data:`B_IDS` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select, text

from eczane.store import tenant
from eczane.store.db import Database

TODAY = date(2026, 11, 23)


@dataclass
class BWorld:
    pharmacy_id: int
    ids: dict[str, Any]
    """Path-parameter name → an id of pharmacy B's object of that kind."""


def make_b_world(db: Database, pharmacies: Any, settings: Any) -> BWorld:
    from eczane.domain.notify import Kind
    from eczane.its.credentials import ItsCredentials, save_credentials
    from eczane.placement_io import synthetic_input
    from eczane.placement_io.runs import RunStore
    from eczane.store import catalog, outbox
    from eczane.store.audit import audit_log
    from eczane.store.count import open_session
    from eczane.store.count.tables import count_scan, count_scan_rejected
    from eczane.store.demo import DEMO_SEEDERS, _load_area_seeders
    from eczane.store.reconcile import latest_reconciliation, set_override

    pid, uid = pharmacies.other_pharmacy_id, pharmacies.charlie_id
    _load_area_seeders()
    with tenant.acting_for(pid):
        with db.begin() as conn:
            for seeder in DEMO_SEEDERS:
                if seeder.__name__ != "_seed_demo_credentials":  # reads the env's secret
                    seeder(conn, pid, TODAY)
            save_credentials(conn, pid, ItsCredentials("8680001000018", "86800010000180000",
                                                       "pw"), b"test-secret")
            sess = open_session(conn, pid, uid, "B sayımı")
        with db.begin() as conn:
            scan_id = conn.execute(insert(count_scan).values(
                pharmacy_id=pid, session_id=sess, gtin="08699536080017", serial="B1",
                expiry=date(2027, 12, 31), batch="L", grp="raf", raw="x", device_id="d",
                client_scan_id="b1", user_id=uid, scanned_at=datetime.now(UTC))
            ).inserted_primary_key[0]
            conn.execute(insert(count_scan_rejected).values(
                pharmacy_id=pid, session_id=sess, raw="x", device_id="d", client_scan_id="bad",
                grp="raf", code="unreadable", detail="x", message="okunamadı", user_id=uid,
                scanned_at=datetime.now(UTC)))
            snapshot_id = catalog.latest_snapshot_id(conn, pid)
            rec = latest_reconciliation(conn, pid)
            assert rec is not None and snapshot_id is not None
            set_override(conn, pid, "08699536080017", "B1", note="elde", user_id=uid)
            import_id = conn.execute(text(
                "INSERT INTO onhand_import (pharmacy_id, imported_at, source_name, sha256, "
                "row_count, issue_count, issues) VALUES (:p, :t, 'b.txt', :h, 1, 0, '[]') "
                "RETURNING id"), {"p": pid, "t": datetime.now(UTC), "h": "b" * 64}).scalar_one()
            conn.execute(text(
                "INSERT INTO onhand_pack (import_id, pharmacy_id, gtin, serial, batch) "
                "VALUES (:i, :p, '08699536080017', 'B1', 'L')"), {"i": import_id, "p": pid})
            catalog.save_mapping(conn, pid, "b-signature", {"columns": {"gtin": "A"}})
            sid = outbox.create_submission(
                conn, pharmacy_id=pid, kind=Kind.ACCEPTANCE.value, reason_code="",
                packs=[outbox.NewPack("08699536080017", "B9", None, "L")], created_by=uid)
            outbox.approve(conn, sid, user_id=uid, confirmation="ONAY", batch_size=100)
            now = datetime.now(UTC)
            # Son kontrol (issue 16) and the okuyucu testi: one row each, for test_tenant_sql
            conn.execute(text(
                "INSERT INTO recount (pharmacy_id, submission_id, blind, status, packs_before, "
                "started_by, started_at) VALUES (:p, :s, true, 'open', 1, :u, :t)"),
                {"p": pid, "s": sid, "u": uid, "t": now})
            conn.execute(text(
                "INSERT INTO recount_scan (pharmacy_id, submission_id, gtin, serial, raw, "
                "user_id, scanned_at) VALUES (:p, :s, '08699536080017', 'B9', 'x', :u, :t)"),
                {"p": pid, "s": sid, "u": uid, "t": now})
            conn.execute(text(
                "INSERT INTO scanner_check (pharmacy_id, check_id, session_id, device_id, "
                "user_id, checked_at, passed, codes) VALUES (:p, 'b-check', :s, 'd', :u, :t, "
                "true, '')"), {"p": pid, "s": sess, "u": uid, "t": now})
            event_id = conn.execute(select(audit_log.c.id).where(audit_log.c.pharmacy_id == pid)
                                    .limit(1)).scalar_one()
    run = RunStore(settings.data_dir).save(
        synthetic_input(applicants=20, places=5, seed=1), title="B", pharmacy_id=pid,
        user_id=uid)
    return BWorld(pid, {
        "session_id": sess, "scan_id": scan_id, "snapshot_id": snapshot_id,
        "import_id": import_id, "rid": rec.id, "sid": sid, "event_id": event_id,
        "user_id": uid, "run_id": run.id, "pharmacy_id": pid,
    })
