"""Issue 14 findings 2 and 3 at the service level: a draft is what will be sent, or it is marked
outdated and refused; miadı dolan includes the expired packs found on the shelf."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from eczane.domain.notify import confirmation_phrase
from eczane.its import service
from eczane.its.credentials import ItsCredentials, save_credentials
from eczane.its.outbox import Worker
from eczane.its.simulator import DEMO_PASSWORD, SimulatorServer
from eczane.store import outbox as ob
from eczane.store.audit import audit_log
from eczane.store.demo import DEMO_GLN
from eczane.store.reconcile import set_override
from eczane.store.users import get_user
from tests.its.conftest import OPEN_DAY
from tests.its.helpers import (
    as_sim_rows,
    demo_simulator_state,
    seed_walk_reconciliation,
    walk_extra_packs,
)


@pytest.fixture
def walk(db, pharmacies, settings):  # type: ignore[no-untyped-def]
    state = demo_simulator_state(OPEN_DAY)
    ghosts, expired = walk_extra_packs(OPEN_DAY)
    state.add_packs(as_sim_rows(ghosts + expired, DEMO_GLN))
    server = SimulatorServer(state).start()
    s = settings.with_(its_url=server.url, its_batch_size=10)
    seed_walk_reconciliation(db, pharmacies.pharmacy_id, pharmacies.alice_id, OPEN_DAY)
    with db.begin() as conn:
        save_credentials(conn, pharmacies.pharmacy_id,
                         ItsCredentials(DEMO_GLN, DEMO_GLN + "0000", DEMO_PASSWORD),
                         s.resolved_secret_key())
        alice = get_user(conn, pharmacies.alice_id)
    yield db, s, server, alice
    server.stop()


def scan_late(conn, alice, pack, n: int) -> None:  # type: ignore[no-untyped-def]
    from eczane.store.count import count_scan
    from eczane.store.users import now_utc

    template = conn.execute(select(count_scan).limit(1)).first()
    conn.execute(insert(count_scan).values(
        pharmacy_id=alice.pharmacy_id, session_id=template.session_id, gtin=pack.gtin,
        serial=pack.serial, expiry=pack.expiry, batch=pack.batch, grp=template.grp,
        raw="late scan", device_id="t", client_scan_id=f"late-{n}", user_id=alice.id,
        scanned_at=now_utc()))


def events(conn, name: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return list(conn.execute(select(audit_log.c.payload).where(audit_log.c.name == name)).scalars())


def test_keeping_one_out_and_scanning_another_makes_the_56_draft_outdated_and_refused(walk):
    db, s, server, alice = walk
    with db.begin() as conn:
        sid = service.create_from_reconciliation(conn, alice, "deactivation")
        packs = ob.submission_packs(conn, sid)
        assert len(packs) == 56
        set_override(conn, alice.pharmacy_id, packs[0].gtin, packs[0].serial,
                     note="buzdolabında bulundu", user_id=alice.id)
        scan_late(conn, alice, packs[1], 1)
        d = service.drift(conn, ob.get_submission(conn, sid))
        res = service.approve_submission(conn, sid, user=alice, today=OPEN_DAY, settings=s,
                                         confirmation="56 kutuyu deaktive et")
        sub = ob.get_submission(conn, sid)
        left = ob.state_counts(conn, sid)["pending"]
    assert d is not None and d.outdated and d.current_count == 54
    assert {(packs[0].gtin, packs[0].serial), (packs[1].gtin, packs[1].serial)} == set(d.removed)
    assert not res.ok and [p.code for p in res.problems] == ["outdated"]
    assert "Bu taslak güncel değil" in res.problems[0].message and "54 kutu" in res.problems[0].message
    assert sub.status == "draft" and left == 56   # refused before anything changed
    assert server.state.stats["notifications"] == 0


def test_refreshing_gives_the_54_pack_draft_whose_phrase_names_54_and_the_old_one_is_superseded(walk):
    db, s, server, alice = walk
    with db.begin() as conn:
        sid = service.create_from_reconciliation(conn, alice, "deactivation")
        packs = ob.submission_packs(conn, sid)
        set_override(conn, alice.pharmacy_id, packs[0].gtin, packs[0].serial,
                     note="buzdolabında bulundu", user_id=alice.id)
        scan_late(conn, alice, packs[1], 1)
        new = service.refresh_draft(conn, sid, user=alice)
        n = ob.state_counts(conn, new)["pending"]
        old = ob.get_submission(conn, sid)
        superseded = events(conn, "notify.submission_superseded")
        again = service.approve_submission(conn, sid, user=alice, today=OPEN_DAY, settings=s,
                                           confirmation="56 kutuyu deaktive et")
        res = service.approve_submission(conn, new, user=alice, today=OPEN_DAY, settings=s,
                                         confirmation=confirmation_phrase("deactivation", n))
        message = service.state_message(conn, old, "send")
    assert n == 54 and confirmation_phrase("deactivation", n) == "54 kutuyu deaktive et"
    assert old.status == "cancelled"
    assert superseded == [{"submission": sid, "by": new, "kind": "deactivation"}]
    assert not again.ok and f"yerine #{new} hazırlandı" in again.problems[0].message
    assert res.ok, res.problems
    assert f"Bu taslak (#{sid}) yenilendi ve yerine #{new} hazırlandı" in message
    Worker(db, s, today=OPEN_DAY, retry_base_s=0.01).run(submission_id=new, max_seconds=30)
    kept, scanned = (packs[0].gtin, packs[0].serial), (packs[1].gtin, packs[1].serial)
    assert server.state.packs[kept].status == "active"
    assert server.state.packs[scanned].status == "active"
    with db.connect() as conn:
        sent = {(r.gtin, r.serial): r.state for r in ob.submission_packs(conn, new)}
    assert len(sent) == 54 and set(sent.values()) == {"accepted"}
    assert all(server.state.packs[k].deactivations == 1 for k in sent)


def test_a_new_draft_is_not_blocked_by_an_older_open_draft_of_the_same_flow(walk):
    db, s, server, alice = walk
    with db.begin() as conn:
        first = service.create_from_reconciliation(conn, alice, "deactivation")
        second = service.create_from_reconciliation(conn, alice, "deactivation")
        statuses = (ob.get_submission(conn, first).status, ob.get_submission(conn, second).status)
        expiry = service.create_from_reconciliation(conn, alice, "expiry")
        still = ob.get_submission(conn, second).status
    assert statuses == ("cancelled", "draft")
    assert expiry and still == "draft"   # another flow's draft is left alone


def test_a_pack_kept_out_after_the_approval_is_dropped_before_sending(walk):
    db, s, server, alice = walk
    with db.begin() as conn:
        sid = service.create_from_reconciliation(conn, alice, "deactivation")
        res = service.approve_submission(conn, sid, user=alice, today=OPEN_DAY, settings=s,
                                         confirmation="56 kutuyu deaktive et")
        assert res.ok, res.problems
        first = ob.submission_packs(conn, sid)[0]
        set_override(conn, alice.pharmacy_id, first.gtin, first.serial, note="rafta bulundu",
                     user_id=alice.id)
    Worker(db, s, today=OPEN_DAY, retry_base_s=0.01).run(submission_id=sid, max_seconds=30)
    with db.connect() as conn:
        states = {r.serial: r.state for r in ob.submission_packs(conn, sid)}
        dropped = events(conn, "notify.pack_dropped")
    assert states[first.serial] == "dropped"
    assert server.state.packs[(first.gtin, first.serial)].status == "active"
    assert dropped == [{"submission": sid, "gtin": first.gtin, "serial": first.serial,
                        "why": "kept_out"}]


def test_miadi_dolan_lists_the_expired_packs_on_the_shelf_and_sends_them_with_40(walk):
    # DOMAIN.md Part 1 step 2, seed 000 step 2: expired packs on the shelf are exactly what
    # one reports; İTS takes them out of the pharmacy's stock with 40 "Miat sebebiyle imha".
    db, s, server, alice = walk
    _, expired = walk_extra_packs(OPEN_DAY)
    with db.begin() as conn:
        sid = service.create_from_reconciliation(conn, alice, "expiry")
        sub = ob.get_submission(conn, sid)
        keys = {(r.gtin, r.serial) for r in ob.submission_packs(conn, sid)}
        on_hand = service.on_hand_keys(conn, sub)
        res = service.approve_submission(conn, sid, user=alice, today=OPEN_DAY, settings=s,
                                         confirmation=confirmation_phrase("expiry", len(keys)))
    assert res.ok, res.problems
    assert on_hand == {(r["gtin"], r["sn"]) for r in expired} and on_hand < keys
    assert len(keys) == 4 + 2 and sub.reason_code == "40"
    Worker(db, s, today=OPEN_DAY, retry_base_s=0.01).run(submission_id=sid, max_seconds=30)
    assert {server.state.packs[k].ds for k in keys} == {"40"}
    with db.begin() as conn, pytest.raises(service.NotifyError, match="iptali İTS'de yok"):
        service.create_cancel(conn, user=alice, submission_id=sid)
