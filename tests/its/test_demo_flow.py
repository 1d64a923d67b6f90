"""The three flows of seed 000 on the demo pharmacy, from a real reconciliation to İTS.

Arada kalan (acceptance of wholesaler deliveries), miadı dolan (deactivation 40) and stok
eşitleme (deactivation 75), each created from the reconciliation's bucket, approved with the
typed confirmation and sent by the worker to the simulator loaded with the same demo data.
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from eczane.domain.notify import confirmation_phrase
from eczane.its.credentials import ItsCredentials, save_credentials
from eczane.its.outbox import Worker
from eczane.its.service import approve_submission, create_from_reconciliation, progress
from eczane.its.simulator import DEMO_PASSWORD, SimulatorServer
from eczane.store import outbox as ob
from eczane.store.audit import audit_log
from eczane.store.demo import DEMO_GLN
from eczane.store.users import get_user
from tests.its.conftest import OPEN_DAY
from tests.its.helpers import demo_simulator_state, seed_demo_reconciliation


@pytest.fixture
def demo(db, pharmacies, settings):  # type: ignore[no-untyped-def]
    server = SimulatorServer(demo_simulator_state(OPEN_DAY)).start()
    s = settings.with_(its_url=server.url, its_batch_size=5)
    seed_demo_reconciliation(db, pharmacies.pharmacy_id, pharmacies.alice_id, OPEN_DAY)
    with db.begin() as conn:
        save_credentials(conn, pharmacies.pharmacy_id,
                         ItsCredentials(DEMO_GLN, DEMO_GLN + "0000", DEMO_PASSWORD),
                         s.resolved_secret_key())
        alice = get_user(conn, pharmacies.alice_id)
    yield db, s, server, alice
    server.stop()


def _send(db, s, alice, kind: str) -> int:
    with db.begin() as conn:
        sid = create_from_reconciliation(conn, alice, kind)
        n = progress(conn, sid)["total"]
        res = approve_submission(conn, sid, user=alice, today=OPEN_DAY, settings=s,
                                 confirmation=confirmation_phrase(kind, n))
    assert res.ok, res.problems
    Worker(db, s, today=OPEN_DAY, retry_base_s=0.01).run(submission_id=sid, max_seconds=30)
    return sid


def test_the_three_flows_end_with_the_intended_its_state(demo):
    db, s, server, alice = demo
    results = {}
    for kind in ("acceptance", "expiry", "deactivation"):
        sid = _send(db, s, alice, kind)
        with db.connect() as conn:
            results[kind] = {(r.gtin, r.serial): r.state for r in ob.submission_packs(conn, sid)}
    assert [len(results[k]) for k in ("acceptance", "expiry", "deactivation")] == [2, 4, 12]
    assert all(st == "accepted" for r in results.values() for st in r.values())
    packs = server.state.packs
    assert all(packs[k].owner == DEMO_GLN and packs[k].status == "active" for k in results["acceptance"])
    assert {packs[k].ds for k in results["expiry"]} == {"40"}
    assert {packs[k].ds for k in results["deactivation"]} == {"75"}
    # Nothing else was touched: 24 on shelf, 3 late ghosts, 4 colour ghosts, 1 unknown product.
    untouched = [sp for sp in packs.values() if sp.status == "active" and sp.ds == ""]
    assert len(untouched) == 24 + 3 + 4 + 1 + 2


def test_a_pack_counted_after_the_reconciliation_is_dropped_before_sending(demo):
    from eczane.store.count import count_scan
    from eczane.store.users import now_utc

    db, s, server, alice = demo
    with db.begin() as conn:
        sid = create_from_reconciliation(conn, alice, "deactivation")
        first = ob.submission_packs(conn, sid)[0]
        res = approve_submission(conn, sid, user=alice, today=OPEN_DAY, settings=s,
                                 confirmation=confirmation_phrase("deactivation", 12))
        assert res.ok, res.problems
        # Counted after the approval, before the worker sends: dropped, never sent. (Counted
        # before the approval, the draft is outdated and approval is refused: test_notify_drift.)
        template = conn.execute(select(count_scan).limit(1)).first()
        conn.execute(insert(count_scan).values(
            pharmacy_id=alice.pharmacy_id, session_id=template.session_id, gtin=first.gtin,
            serial=first.serial, expiry=first.expiry, batch=first.batch, grp=template.grp,
            raw="late scan", device_id="t", client_scan_id="late-1", user_id=alice.id,
            scanned_at=now_utc()))
    Worker(db, s, today=OPEN_DAY).run(submission_id=sid, max_seconds=30)
    with db.connect() as conn:
        states = {r.serial: r.state for r in ob.submission_packs(conn, sid)}
        dropped = conn.execute(select(audit_log.c.payload).where(
            audit_log.c.name == "notify.pack_dropped")).scalars().all()
    assert states[first.serial] == "dropped"
    assert sum(1 for v in states.values() if v == "accepted") == 11
    assert server.state.packs[(first.gtin, first.serial)].status == "active"
    assert dropped == [{"submission": sid, "gtin": first.gtin, "serial": first.serial,
                        "why": "counted_after_recon"}]


def _scan_late(conn, alice, pack, n: int) -> None:  # type: ignore[no-untyped-def]
    from eczane.store.count import count_scan
    from eczane.store.users import now_utc

    template = conn.execute(select(count_scan).limit(1)).first()
    conn.execute(insert(count_scan).values(
        pharmacy_id=alice.pharmacy_id, session_id=template.session_id, gtin=pack.gtin,
        serial=pack.serial, expiry=pack.expiry, batch=pack.batch, grp=template.grp,
        raw="late scan", device_id="t", client_scan_id=f"late-{n}", user_id=alice.id,
        scanned_at=now_utc()))


def test_a_pack_counted_after_the_reconciliation_is_not_even_in_a_new_deactivation_draft(demo):
    # Found by the end-to-end walk: the draft listed the pack and asked for "12 kutuyu deaktive
    # et", then approval dropped it and refused the phrase the page had shown.
    from eczane.its.service import candidate_packs

    db, s, server, alice = demo
    with db.begin() as conn:
        _, before = candidate_packs(conn, alice.pharmacy_id, "deactivation")
        _scan_late(conn, alice, before[0], 1)
        _, after = candidate_packs(conn, alice.pharmacy_id, "deactivation")
        sid = create_from_reconciliation(conn, alice, "deactivation")
        serials = {r.serial for r in ob.submission_packs(conn, sid)}
        res = approve_submission(conn, sid, user=alice, today=OPEN_DAY, settings=s,
                                 confirmation=confirmation_phrase("deactivation", len(before) - 1))
    assert len(after) == len(before) - 1
    assert before[0].serial not in serials and len(serials) == len(before) - 1
    assert res.ok, res.problems


def test_an_expired_pack_counted_after_the_reconciliation_stays_in_the_miadi_dolan_notification(demo):
    # Seed 000 step 2: expired packs are reported "miadı dolanlar" whether on the shelf or not;
    # finding one on the shelf after the comparison must not take it out of that notification.
    db, s, server, alice = demo
    with db.begin() as conn:
        sid = create_from_reconciliation(conn, alice, "expiry")
        packs = ob.submission_packs(conn, sid)
        _scan_late(conn, alice, packs[0], 2)
        res = approve_submission(conn, sid, user=alice, today=OPEN_DAY, settings=s,
                                 confirmation=confirmation_phrase("expiry", len(packs)))
    assert res.ok, res.problems
    Worker(db, s, today=OPEN_DAY).run(submission_id=sid, max_seconds=30)
    with db.connect() as conn:
        states = {r.serial: r.state for r in ob.submission_packs(conn, sid)}
    assert set(states.values()) == {"accepted"} and len(states) == len(packs)
