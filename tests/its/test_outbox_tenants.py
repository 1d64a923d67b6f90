"""The outbox worker across pharmacies (issue 15): it finds every pharmacy's due batches through
``outbox.due_pharmacies`` (PostgreSQL: the SECURITY DEFINER function, since row-level security
hides other pharmacies' rows from the app's role) and sends each acting for its pharmacy."""

from __future__ import annotations

from datetime import timedelta

from eczane.domain.notify import confirmation_phrase
from eczane.its.credentials import save_credentials
from eczane.its.service import approve_submission, create_submission
from eczane.store import outbox as ob
from eczane.store import tenant
from eczane.store.audit import verify
from eczane.store.users import get_user
from tests.its.conftest import OPEN_DAY, creds, make_packs, recon_stub
from tests.its.helpers import approved_submission, new_packs, pack_states, worker


def charlie_submission(world, pharmacies, rows) -> int:  # type: ignore[no-untyped-def]
    with tenant.acting_for(pharmacies.other_pharmacy_id), world.db.begin() as conn:
        save_credentials(conn, pharmacies.other_pharmacy_id, creds(),
                         world.settings.resolved_secret_key())
        charlie = get_user(conn, pharmacies.charlie_id)
        sid = create_submission(conn, user=charlie, kind="deactivation", packs=new_packs(rows),
                                reason_code=None, recon=recon_stub())
        res = approve_submission(conn, sid, user=charlie,
                                 confirmation=confirmation_phrase("deactivation", len(rows)),
                                 today=OPEN_DAY, settings=world.settings)
    assert res.ok, res.problems
    return sid


def test_due_pharmacies_lists_every_pharmacy_with_a_due_batch_whoever_asks(world, pharmacies):  # type: ignore[no-untyped-def]
    a_rows, b_rows = make_packs(12, prefix="A"), make_packs(5, prefix="B")
    approved_submission(world, a_rows)
    charlie_submission(world, pharmacies, b_rows)
    now = ob.now_utc()
    for acting in (None, pharmacies.pharmacy_id):
        with tenant.acting_for(acting), world.db.connect() as conn:
            assert ob.due_pharmacies(conn, now) == [pharmacies.pharmacy_id,
                                                    pharmacies.other_pharmacy_id]
            assert ob.outbox_pharmacies(conn, now) == {
                pharmacies.pharmacy_id: (2, 2), pharmacies.other_pharmacy_id: (1, 1)}
    with tenant.acting_for(None), world.db.connect() as conn:
        assert ob.due_pharmacies(conn, now - timedelta(hours=1)) == []


def test_a_worker_acting_for_nobody_sends_every_pharmacys_batches_acting_for_each(  # type: ignore[no-untyped-def]
        world, pharmacies):
    a_rows, b_rows = make_packs(12, prefix="A"), make_packs(5, prefix="B")
    world.sim.state.add_packs(a_rows + b_rows)
    sa = approved_submission(world, a_rows)
    sb = charlie_submission(world, pharmacies, b_rows)
    w = worker(world)
    with tenant.acting_for(None):
        stats = w.run(max_seconds=60)
    assert stats.batches == 3 and stats.errors == []
    assert set(pack_states(world, sa).values()) == {"accepted"}
    with tenant.acting_for(pharmacies.other_pharmacy_id):
        assert set(pack_states(world, sb).values()) == {"accepted"}
        with world.db.connect() as conn:
            assert ob.get_submission(conn, sb).status == "done"
            assert verify(conn, pharmacies.other_pharmacy_id).ok
    assert all(world.sim.state.packs[(r["gtin"], r["sn"])].deactivations == 1
               for r in a_rows + b_rows)


def test_run_for_one_submission_finds_its_pharmacy(world, pharmacies):  # type: ignore[no-untyped-def]
    b_rows = make_packs(5, prefix="B")
    world.sim.state.add_packs(b_rows)
    sb = charlie_submission(world, pharmacies, b_rows)
    with tenant.acting_for(None):
        worker(world).run(submission_id=sb, max_seconds=30)
    with tenant.acting_for(pharmacies.other_pharmacy_id):
        assert set(pack_states(world, sb).values()) == {"accepted"}
