"""İTS refuses the pharmacy's login (a wrong or changed İTS password): the sender stops for that
pharmacy, nothing is marked refused or sent, the pages and the audit log say why, one more
attempt an hour at most (failed logins can lock an İTS account), and saving new credentials
resumes at once; every pack is then sent exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from eczane.its.credentials import ItsCredentials, its_credential_summary, save_credentials
from eczane.its.outbox import LOGIN_REFUSED_RETRY_S, Worker
from eczane.store import outbox as ob
from eczane.store.audit import audit_log
from tests.its.conftest import GLN, OPEN_DAY, USERNAME, admin, make_packs
from tests.its.helpers import approved_submission, pack_states


def stored_worker(world) -> Worker:  # type: ignore[no-untyped-def]
    """A worker that logs in with the credentials the pharmacy saved (as ``eczane worker``)."""
    return Worker(world.db, world.settings, today=OPEN_DAY, retry_base_s=0.01,
                  unknown_delay_s=0.01)


def events(world, name: str) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    with world.db.connect() as conn:
        return [r.payload for r in conn.execute(select(audit_log).where(
            audit_log.c.pharmacy_id == world.pharmacy_id, audit_log.c.name == name))]


def due_times(world, sid: int) -> list[datetime]:  # type: ignore[no-untyped-def]
    with world.db.connect() as conn:
        rows = conn.execute(select(ob.submission_batch.c.due_at).where(
            ob.submission_batch.c.submission_id == sid, ob.submission_batch.c.status == "open"))
        return [d if d.tzinfo else d.replace(tzinfo=UTC) for d in rows.scalars()]


def save(world, password: str) -> None:  # type: ignore[no-untyped-def]
    with world.db.begin() as conn:
        save_credentials(conn, world.pharmacy_id, ItsCredentials(GLN, USERNAME, password),
                         world.settings.resolved_secret_key())


def test_a_refused_login_stops_sending_until_new_credentials_are_saved(world):
    rows = make_packs(25)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)              # 3 batches of at most 10
    world.sim.state.add_user(GLN, USERNAME, "changed-at-its")  # the password changed at İTS
    w = stored_worker(world)
    started = datetime.now(UTC)
    stats = w.run(max_seconds=20)
    assert stats.login_refused == 1 and stats.sends == 0
    assert admin(world.sim, "/admin/stats")["logins_refused"] == 1  # one attempt, not one a batch
    assert set(pack_states(world, sid).values()) == {"pending"}      # nothing refused, nothing sent
    due = due_times(world, sid)
    assert len(due) == 3 and min(due) >= started + timedelta(seconds=LOGIN_REFUSED_RETRY_S - 5)
    with world.db.connect() as conn:
        account = its_credential_summary(conn, world.pharmacy_id)
    assert account.login_refused_at is not None and "11901" in account.login_refused_text
    [ev] = events(world, "notify.its_login_refused")
    assert ev["submission"] == sid and "parola" in ev["error"]
    assert not w.run_once() and admin(world.sim, "/admin/stats")["logins"] == 1  # nothing due

    save(world, "changed-at-its")                       # the pharmacist types the new one
    with world.db.connect() as conn:
        assert its_credential_summary(conn, world.pharmacy_id).login_refused_at is None
    assert max(due_times(world, sid)) <= datetime.now(UTC)  # due at once
    stats = stored_worker(world).run(max_seconds=20)
    assert stats.login_refused == 0
    assert set(pack_states(world, sid).values()) == {"accepted"}
    assert admin(world.sim, "/admin/stats")["notifications"] == 3
    assert all(p.status == "deactivated" for p in world.sim.state.packs.values())
    assert len(events(world, "notify.its_login_refused")) == 1


def test_a_login_refused_in_the_middle_of_a_send_refuses_no_pack(world):
    """The token expires mid-send and the new login is refused: the packs are not İTS's
    refusals (that would need a new notification); they are checked and sent once later."""
    rows = make_packs(10)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    w = stored_worker(world)
    w.client(world.pharmacy_id).ensure_token()          # logged in ...
    world.sim.state.tokens.clear()                      # ... the token expires at İTS ...
    world.sim.state.add_user(GLN, USERNAME, "changed-at-its")  # ... and the password changed
    stats = w.run(max_seconds=20)
    assert stats.login_refused == 1
    assert set(pack_states(world, sid).values()) == {"sending"}  # to be checked, not refused
    assert admin(world.sim, "/admin/stats")["notifications"] == 0
    save(world, "changed-at-its")
    stats = stored_worker(world).run(max_seconds=20)
    assert set(pack_states(world, sid).values()) == {"accepted"} and stats.status_checks == 1
    assert admin(world.sim, "/admin/stats")["notifications"] == 1


def test_a_refusal_is_lifted_when_the_hourly_attempt_logs_in(world):
    """İTS's login service itself failed: the hourly attempt succeeds, the warning goes, the
    audit log says so."""
    rows = make_packs(5)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    good = world.sim.state.users[USERNAME]
    world.sim.state.users.pop(USERNAME)
    assert stored_worker(world).run(max_seconds=20).login_refused == 1
    world.sim.state.users[USERNAME] = good
    with world.db.begin() as conn:                      # an hour later
        ob.make_due(conn, sid, datetime.now(UTC))
    stored_worker(world).run(max_seconds=20)
    assert set(pack_states(world, sid).values()) == {"accepted"}
    with world.db.connect() as conn:
        assert its_credential_summary(conn, world.pharmacy_id).login_refused_at is None
    assert [e["submission"] for e in events(world, "notify.its_login_accepted")] == [sid]


def test_another_pharmacys_sending_goes_on(world, pharmacies):
    """One pharmacy's refused login holds up only its own batches (hosted: hundreds of
    pharmacies share the worker process, ``eczane worker``'s loop)."""
    from dataclasses import replace

    from eczane.its.worker_loop import SendingLoop
    from eczane.store import tenant
    from eczane.store.users import get_user
    from tests.its.conftest import OTHER_GLN

    other = pharmacies.other_pharmacy_id
    rows, other_rows = make_packs(4), make_packs(4, prefix="O", owner=OTHER_GLN)
    world.sim.state.add_packs(rows + other_rows)
    sid = approved_submission(world, rows)
    with tenant.acting_for(other):
        with world.db.begin() as conn:
            save_credentials(conn, other, ItsCredentials(OTHER_GLN, OTHER_GLN + "0001",
                                                         "other-pw"),
                             world.settings.resolved_secret_key())
            charlie = get_user(conn, pharmacies.charlie_id)
        other_sid = approved_submission(replace(world, alice=charlie, pharmacy_id=other),
                                        other_rows)
    world.sim.state.add_user(GLN, USERNAME, "changed-at-its")
    loop = SendingLoop(world.db, world.settings, today=OPEN_DAY, poll_s=0.01)
    for _ in range(3):
        loop.one_pass()
    assert loop.worker.stats.login_refused == 1
    assert set(pack_states(world, sid).values()) == {"pending"}
    with tenant.acting_for(other):
        assert set(pack_states(world, other_sid).values()) == {"accepted"}
