"""Denetim kaydı page: list, verification, tamper detection, per-pharmacy isolation."""

from __future__ import annotations

from sqlalchemy import select, update

from eczane.store import tenant
from eczane.store.audit import append_event, audit_log


def _events(db, pid, uid, n=3):
    with tenant.acting_for(pid), db.begin() as conn:
        for i in range(n):
            append_event(conn, pid, uid, "notify.submission_approved", {"submission": i})


def test_it_lists_the_pharmacys_events_and_verifies_the_chain(app_client, db):
    p = app_client.pharmacies
    _events(db, p.pharmacy_id, p.alice_id)
    _events(db, p.other_pharmacy_id, p.charlie_id, 1)
    app_client.login("bob")
    r = app_client.get("/denetim?dogrula=1")
    assert r.status_code == 200
    assert r.text.count("notify.submission_approved") == 3
    # bob's login is the fourth event of the pharmacy (logins are audited, docs/security.md)
    assert "accounts.login" in r.text
    assert "4 denetim kaydı doğrulandı, zincir sağlam." in r.text


def test_a_changed_row_is_shown_as_tampered(app_client, db):
    p = app_client.pharmacies
    _events(db, p.pharmacy_id, p.alice_id)
    with db.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2,
                                             audit_log.c.pharmacy_id == p.pharmacy_id)
                     .values(payload={"submission": 99}))
    app_client.login("alice")
    r = app_client.get("/denetim?dogrula=1")
    assert "Denetim kaydı 2 değiştirilmiş: özet tutmuyor." in r.text


def test_another_pharmacys_event_does_not_exist(app_client, db):
    p = app_client.pharmacies
    _events(db, p.other_pharmacy_id, p.charlie_id, 1)
    with tenant.acting_for(p.other_pharmacy_id), db.connect() as conn:
        eid = conn.execute(select(audit_log.c.id)).scalar_one()
    app_client.login("alice")
    assert app_client.get(f"/denetim/{eid}").status_code == 404
    app_client.login("charlie")
    r = app_client.get(f"/denetim/{eid}")
    assert r.status_code == 200 and "notify.submission_approved" in r.text


def test_the_audit_log_is_read_only_over_http(app_client):
    app_client.login("alice")
    assert app_client.post("/denetim").status_code == 405
