"""Exactly-once submission against the simulator over HTTP, with each fault injected.

After every run: İTS's state equals the intended state, each pack was deactivated at most once,
and the outbox accounts for every pack (issue 6, "Must be true when done").
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eczane.store import outbox as ob
from eczane.store.audit import audit_log, verify
from tests.its.conftest import admin, make_packs
from tests.its.helpers import approved_submission, pack_states, worker

FAULTS = {
    # name: (fault switches, what the test expects to have happened)
    "none": {},
    "latency": {"latency_ms": 30},
    "http_5xx": {"error_next": 2, "error_rate": 0.2},
    "timeout": {"timeout_next": 1, "timeout_rate": 0.1, "hang_s": 0.5},
    "dropped_after_commit": {"drop_next": 2, "drop_rate": 0.2},
    "committed_after_timeout": {"late_next": 2, "late_rate": 0.1, "hang_s": 0.5},
    "partial_batch": {"partial_next": 1, "partial_rate": 0.1},
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_pack_is_deactivated_once_and_accounted_for(world, fault):
    rows = make_packs(60)
    world.sim.state.add_packs(rows)
    admin(world.sim, "/admin/faults", {"seed": 7, **FAULTS[fault]})
    sid = approved_submission(world, rows)

    w = worker(world, timeout_s=0.25)
    w.run(submission_id=sid, max_seconds=60)

    sim_packs = {(r["gtin"], r["sn"]): world.sim.state.packs[(r["gtin"], r["sn"])] for r in rows}
    assert all(sp.status == "deactivated" for sp in sim_packs.values())
    assert max(sp.deactivations for sp in sim_packs.values()) == 1
    assert set(pack_states(world, sid).values()) == {"accepted"}
    with world.db.connect() as conn:
        assert ob.get_submission(conn, sid).status == "done"
        assert verify(conn, world.pharmacy_id).ok
    if fault in ("http_5xx", "timeout", "dropped_after_commit", "committed_after_timeout"):
        assert w.stats.ambiguous >= 1 and w.stats.status_checks >= 1
    if fault == "partial_batch":
        assert w.stats.retries >= 1


def test_a_lost_answer_is_resolved_by_asking_about_exactly_those_packs_without_resending(world):
    rows = make_packs(10)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    admin(world.sim, "/admin/faults", {"drop_next": 1})

    w = worker(world)
    w.run(submission_id=sid, max_seconds=30)

    stats = admin(world.sim, "/admin/stats")
    assert stats["notifications"] == 1            # committed once, never sent again
    assert stats["status_queries"] == 1 and stats["status_packs"] == 10
    assert w.stats.accepted_by_status == 10
    with world.db.connect() as conn:
        texts = {r.result_text for r in ob.submission_packs(conn, sid)}
    assert texts == {"İTS'de deaktif görünüyor (yanıt kaybolmuştu, durum sorgusuyla doğrulandı)"}


def test_a_503_before_commit_is_checked_then_sent_again(world):
    rows = make_packs(5)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    admin(world.sim, "/admin/faults", {"error_next": 1})

    worker(world).run(submission_id=sid, max_seconds=30)

    stats = admin(world.sim, "/admin/stats")
    assert stats["status_packs"] == 5 and stats["notifications"] == 1
    assert set(pack_states(world, sid).values()) == {"accepted"}


def test_refused_packs_keep_its_reason_and_the_rest_are_accepted(world):
    good = make_packs(3)
    late = make_packs(2, prefix="LATE", last_tx="2025-05-01")
    world.sim.state.add_packs(good + late)
    sid = approved_submission(world, good + late)

    worker(world).run(submission_id=sid, max_seconds=30)

    with world.db.connect() as conn:
        rows = {r.serial: r for r in ob.submission_packs(conn, sid)}
    assert {s: r.state for s, r in rows.items()} == {
        "S0000000": "accepted", "S0000001": "accepted", "S0000002": "accepted",
        "LATE0000000": "refused", "LATE0000001": "refused"}
    assert rows["LATE0000000"].result_code == "75001"
    assert "75 stok eşitleme kapsamı dışında" in rows["LATE0000000"].result_text


def test_a_refused_pack_may_be_submitted_again_but_a_live_one_may_not(world):
    from eczane.its.service import NotifyError, create_submission
    from tests.its.conftest import recon_stub
    from tests.its.helpers import new_packs

    rows = make_packs(2, prefix="LATE", last_tx="2025-05-01")
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows[:1])
    with world.db.begin() as conn, pytest.raises(NotifyError, match="başka bir bekleyen"):
        create_submission(conn, user=world.alice, kind="deactivation", packs=new_packs(rows),
                          recon=recon_stub())
    worker(world).run(submission_id=sid, max_seconds=30)
    assert pack_states(world, sid) == {"LATE0000000": "refused"}
    with world.db.begin() as conn:
        again = create_submission(conn, user=world.alice, kind="deactivation",
                                  packs=new_packs(rows), recon=recon_stub())
    assert again > sid


def test_acceptance_of_in_transit_packs_through_the_outbox(world):
    from tests.its.conftest import GLN

    rows = make_packs(4, prefix="TR", owner="8680007800012", status="in_transit", dest=GLN)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows, kind="acceptance")
    admin(world.sim, "/admin/faults", {"drop_next": 1})

    worker(world).run(submission_id=sid, max_seconds=30)

    assert set(pack_states(world, sid).values()) == {"accepted"}
    assert {world.sim.state.packs[(r["gtin"], r["sn"])].owner for r in rows} == {GLN}


def test_every_send_has_an_audit_row_written_before_and_completed_after(world):
    rows = make_packs(25)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    worker(world).run(submission_id=sid, max_seconds=30)
    with world.db.connect() as conn:
        names = [r.name for r in conn.execute(select(audit_log.c.name).where(
            audit_log.c.pharmacy_id == world.pharmacy_id).order_by(audit_log.c.seq))]
    assert names[:2] == ["notify.submission_created", "notify.submission_approved"]
    sends = [i for i, n in enumerate(names) if n == "notify.batch_sending"]
    results = [i for i, n in enumerate(names) if n == "notify.batch_result"]
    assert len(sends) == len(results) == 3          # 25 packs in batches of 10
    assert all(s < r for s, r in zip(sends, results, strict=True))


def test_a_worker_that_lost_its_lease_does_not_send(world):
    from datetime import UTC, datetime, timedelta

    rows = make_packs(3)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    w = worker(world)
    now = datetime.now(UTC)
    with world.db.begin() as conn:
        b = ob.claim_batch(conn, owner="someone-else", now=now,
                           lease_until=now + timedelta(seconds=60), submission_id=sid)
    assert b is not None
    assert w.run_once(submission_id=sid) is False   # nothing due for us
    assert admin(world.sim, "/admin/stats")["notifications"] == 0


def test_a_resend_meeting_an_earlier_late_commit_counts_as_done_not_refused(world):
    # An earlier attempt timed out, the status query said "still in the pharmacy", and the
    # request committed afterwards: the resend is answered 60000 "Ürün deaktif" (§2).
    rows = make_packs(4)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    for r in rows[:2]:
        world.sim.state.packs[(r["gtin"], r["sn"])].status = "deactivated"
        world.sim.state.packs[(r["gtin"], r["sn"])].deactivations = 1
    with world.db.begin() as conn:
        ob.set_pack_states(conn, sid, {(r["gtin"], r["sn"]): {"state": "retry", "attempts": 1}
                                       for r in rows})

    worker(world).run(submission_id=sid, max_seconds=30)

    with world.db.connect() as conn:
        packs = {r.serial: (r.state, r.result_code) for r in ob.submission_packs(conn, sid)}
    assert packs == {"S0000000": ("accepted", "60000"), "S0000001": ("accepted", "60000"),
                     "S0000002": ("accepted", "00000"), "S0000003": ("accepted", "00000")}
    assert max(world.sim.state.packs[(r["gtin"], r["sn"])].deactivations for r in rows) == 1


def test_two_workers_on_the_same_submission_never_send_a_batch_twice(world):
    import threading

    rows = make_packs(80)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    admin(world.sim, "/admin/faults", {"latency_ms": 20, "drop_next": 1, "error_next": 1})
    workers = [worker(world, owner=f"w{i}") for i in range(2)]
    threads = [threading.Thread(target=w.run, kwargs={"submission_id": sid, "max_seconds": 60})
               for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert set(pack_states(world, sid).values()) == {"accepted"}
    assert max(sp.deactivations for sp in world.sim.state.packs.values()) == 1
    assert all(w.stats.batches for w in workers)            # both did work
    sends = sum(w.stats.sends for w in workers)
    assert sends == 8 + 1                                   # 8 batches, one resent after the 503


def test_a_deactivation_is_cancelled_only_when_its_confirms_and_then_the_pack_is_free(world):
    from eczane.domain.notify import confirmation_phrase
    from eczane.its.service import NotifyError, approve_submission, create_cancel
    from tests.its.conftest import OPEN_DAY

    rows = make_packs(3)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    worker(world).run(submission_id=sid, max_seconds=30)
    with world.db.begin() as conn:
        cid = create_cancel(conn, user=world.alice, submission_id=sid)
        with pytest.raises(NotifyError, match="İptal edilecek"):
            create_cancel(conn, user=world.alice, submission_id=sid)  # already in a live cancel
        res = approve_submission(conn, cid, user=world.alice, today=OPEN_DAY,
                                 settings=world.settings,
                                 confirmation=confirmation_phrase("cancel", 3))
    assert res.ok, res.problems
    admin(world.sim, "/admin/faults", {"drop_next": 1})   # the cancel's answer is lost too
    worker(world).run(submission_id=cid, max_seconds=30)

    assert set(pack_states(world, cid).values()) == {"accepted"}
    assert {world.sim.state.packs[(r["gtin"], r["sn"])].status for r in rows} == {"active"}
    with world.db.connect() as conn:
        original = ob.submission_packs(conn, sid)
    assert {r.deact_lock for r in original} == {None}
    assert {r.result_text for r in original} == {f"Deaktivasyon iptal edildi (bildirim #{cid})"}
    again = approved_submission(world, rows)             # the packs may be deactivated again
    assert again > cid


def test_a_cancel_outside_the_window_is_not_approved(world):
    from datetime import date

    from eczane.domain.notify import confirmation_phrase
    from eczane.its.service import approve_submission, create_cancel

    rows = make_packs(2)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    worker(world).run(submission_id=sid, max_seconds=30)
    with world.db.begin() as conn:
        cid = create_cancel(conn, user=world.alice, submission_id=sid)
        res = approve_submission(conn, cid, user=world.alice, today=date(2026, 11, 23),
                                 settings=world.settings,
                                 confirmation=confirmation_phrase("cancel", 2))
    assert [p.code for p in res.problems] == ["window_closed"]


def test_approval_puts_every_pending_pack_in_exactly_one_batch_of_at_most_the_batch_size(world):
    """Batches are cut as ranges of (gtin, serial) in the database's order: serials that sort
    differently by byte and by collation (case, punctuation) still land once each, and packs
    no longer pending (dropped before approval) get no batch."""
    serials = [f"{a}{b}{i}" for i, (a, b) in enumerate(
        (a, b) for a in ("a", "A", "b", "B", "-", "_", "%", "0", "z") for b in ("", ".", "x", "X"))]
    gtins = sorted({r["gtin"] for r in make_packs(3)})
    packs = [ob.NewPack(gtins[i % len(gtins)], s, None, "L1") for i, s in enumerate(serials)]
    with world.db.begin() as conn:
        sid = ob.create_submission(conn, pharmacy_id=world.pharmacy_id, kind="deactivation",
                                   reason_code="75", packs=packs, created_by=world.alice.id)
        dropped = {(p.gtin, p.serial) for p in packs[::7]}
        ob.set_pack_states(conn, sid, {k: {"state": "dropped"} for k in dropped})
        n = ob.approve(conn, sid, user_id=world.alice.id, confirmation="ONAY", batch_size=4)
    with world.db.connect() as conn:
        rows = ob.submission_packs(conn, sid)
        batch_rows = conn.execute(select(ob.submission_batch).where(
            ob.submission_batch.c.submission_id == sid)).all()
    pending = [r for r in rows if r.state == "pending"]
    assert len(pending) == len(packs) - len(dropped)
    assert all(r.batch_key is None for r in rows if (r.gtin, r.serial) in dropped)
    sizes: dict[str, int] = {}
    for r in pending:
        assert r.batch_key is not None, (r.gtin, r.serial)
        sizes[r.batch_key] = sizes.get(r.batch_key, 0) + 1
    assert n == len(batch_rows) == len(sizes) == -(-len(pending) // 4)
    assert {b.batch_key for b in batch_rows} == set(sizes)
    assert sorted(sizes.values(), reverse=True)[:-1] == [4] * (n - 1)   # all full but the last
