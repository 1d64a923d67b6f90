from sqlalchemy import update

from eczane.store import tenant
from eczane.store.audit import append_event, audit_log, verify


def test_events_chain_and_verify(db, pharmacies):
    with db.begin() as conn:
        for i in range(3):
            append_event(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "test.event", {"i": i})
    with tenant.acting_for(pharmacies.other_pharmacy_id), db.begin() as conn:
        append_event(conn, pharmacies.other_pharmacy_id, pharmacies.charlie_id, "test.event", {})
    with db.connect() as conn:
        check = verify(conn, pharmacies.pharmacy_id)
    assert check.ok and check.checked == 3


def test_a_changed_payload_is_detected_with_its_sequence_number(db, pharmacies):
    with db.begin() as conn:
        for i in range(3):
            append_event(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "test.event", {"i": i})
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(payload={"i": 99}))
    with db.connect() as conn:
        check = verify(conn, pharmacies.pharmacy_id)
    assert not check.ok and check.first_bad_seq == 2
    assert check.message == "Denetim kaydı 2 değiştirilmiş: özet tutmuyor."


def test_a_deleted_event_is_detected(db, pharmacies):
    with db.begin() as conn:
        for i in range(3):
            append_event(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "test.event", {"i": i})
        conn.execute(audit_log.delete().where(audit_log.c.seq == 2))
    with db.connect() as conn:
        check = verify(conn, pharmacies.pharmacy_id)
    assert not check.ok and check.message == "Denetim kaydı 2 eksik (sonraki kayıt 3)."
