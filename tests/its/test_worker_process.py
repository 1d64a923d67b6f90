"""``eczane worker``: the outbox sender as its own process (issue 15).

In-process (``SendingLoop``, the unit) on SQLite and PostgreSQL; as a real process against the
simulator on loopback HTTP for the signals: SIGTERM finishes the batch in hand and exits 0;
SIGKILL mid-send and a second worker finishes, every pack deactivated exactly once by the
simulator's own count.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from eczane.its.worker_loop import SendingLoop
from eczane.store import outbox as ob
from eczane.store import workers as hb
from eczane.store.offload import session_group_nice
from tests.its.conftest import OPEN_DAY, admin, client, make_packs
from tests.its.helpers import approved_submission, pack_states, stop_worker, worker_process


def loop(world, **kw) -> SendingLoop:
    kw.setdefault("poll_s", 0.05)
    return SendingLoop(world.db, world.settings, today=OPEN_DAY,
                       client_factory=lambda _pid: client(world.sim), **kw)


def test_due_pharmacies_lists_those_with_an_open_due_unleased_batch(world, db, pharmacies):
    sid = approved_submission(world, make_packs(3))
    now = datetime.now(UTC)
    with db.connect() as conn:
        assert ob.due_pharmacies(conn, now) == [pharmacies.pharmacy_id]
        assert ob.due_pharmacies(conn, now - timedelta(hours=1)) == []   # not yet due then
    with db.begin() as conn:
        conn.execute(update(ob.submission_batch).values(lease_owner="w",
                                                        lease_until=now + timedelta(minutes=1)))
        assert ob.due_pharmacies(conn, now) == []                        # leased by a worker
        conn.execute(update(ob.submission_batch).values(lease_until=now - timedelta(seconds=1),
                                                        status="done"))
        assert ob.due_pharmacies(conn, now) == []                        # done
    assert sid


def test_once_sends_everything_due_and_leaves_no_heartbeat(world, db):
    rows = make_packs(25)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    stats = loop(world).run(once=True)
    assert stats.batches == 3 and stats.errors == 0
    assert set(pack_states(world, sid).values()) == {"accepted"}
    with db.connect() as conn:
        assert ob.get_submission(conn, sid).status == "done"
        assert conn.execute(select(hb.worker_heartbeat)).all() == []


def test_two_workers_at_once_share_the_batches_and_send_each_pack_once(world, db):
    rows = make_packs(80)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)                # 8 batches of 10
    admin(world.sim, "/admin/faults", {"latency_ms": 50})
    loops = [loop(world, name=f"w{i}") for i in (1, 2)]
    threads = [threading.Thread(target=lp.run, kwargs={"once": True}) for lp in loops]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert set(pack_states(world, sid).values()) == {"accepted"}
    assert sorted(lp.stats.batches for lp in loops)[0] >= 1   # both took part
    assert sum(lp.stats.batches for lp in loops) == 8
    assert [world.sim.state.packs[(r["gtin"], r["sn"])].deactivations for r in rows] == [1] * 80


def test_the_loop_beats_while_it_runs_and_stops_when_asked(world, db):
    stop = threading.Event()
    lp = loop(world, name="test-worker", stop=stop)
    t = threading.Thread(target=lp.run)
    t.start()
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            with db.connect() as conn:
                row = conn.execute(select(hb.worker_heartbeat)).first()
            if row is not None:
                break
            time.sleep(0.05)
        assert row is not None and row.name == "test-worker" and row.pid == os.getpid()
    finally:
        stop.set()
        t.join(timeout=10)
    assert not t.is_alive()
    with db.connect() as conn:
        assert hb.last_seen(conn) is None


def test_a_corrected_its_password_is_used_without_restarting_the_worker(world, db):
    from eczane.its.credentials import ItsCredentials, save_credentials
    from tests.its.conftest import GLN, USERNAME, creds

    rows = make_packs(3)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    key = world.settings.resolved_secret_key()
    with db.begin() as conn:
        save_credentials(conn, world.pharmacy_id, ItsCredentials(GLN, USERNAME, "yanlis"), key)
    lp = SendingLoop(world.db, world.settings, today=OPEN_DAY, poll_s=0.05)  # credentials from db
    assert lp.one_pass() == 1
    assert set(pack_states(world, sid).values()) == {"pending"}    # login refused: nothing sent
    with db.begin() as conn:
        save_credentials(conn, world.pharmacy_id, creds(), key)  # makes the batch due again:
        assert ob.make_due(conn, sid, datetime.now(UTC)) == 0    # no "şimdi dene" needed
    lp.one_pass()
    lp.worker.close()
    assert set(pack_states(world, sid).values()) == {"accepted"}


# --- real processes ---------------------------------------------------------------------------

def _sqlite_only(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("one database is enough for the process tests")


def _wait_mid_send(world, sid: int, proc) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        states = pack_states(world, sid)
        if "sending" in states.values() and "accepted" in states.values():
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the worker never reached the middle of the submission")


@pytest.mark.slow
def test_sigterm_finishes_the_batch_in_hand_and_exits_0(world, db_url):
    _sqlite_only(db_url)
    rows = make_packs(50)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    admin(world.sim, "/admin/faults", {"latency_ms": 400})
    proc = worker_process(world.settings, world.sim.url, ECZANE_LOG_FORMAT="json")
    _wait_mid_send(world, sid, proc)
    code, err = stop_worker(proc)
    assert code == 0, err
    states = pack_states(world, sid)
    assert "sending" not in states.values()            # the batch in hand was finished
    assert "pending" in states.values()                # and nothing after it was started
    with world.db.connect() as conn:
        leases = conn.execute(select(ob.submission_batch.c.lease_owner)).scalars().all()
        assert set(leases) == {None}                   # every lease released
        assert hb.last_seen(conn) is None
    events = [json.loads(line)["event"] for line in err.splitlines() if line.startswith("{")]
    assert events[0] == "worker_started" and events[-1] == "worker_stopped"
    assert "worker_stopping" in events and events.count("batch_claimed") == events.count(
        "batch_released")
    assert "batch_sent" in events
    assert not [r["sn"] for r in rows if r["sn"] in err]   # no karekod serial in the log


@pytest.mark.slow
def test_a_worker_sigkilled_mid_send_is_finished_by_another_and_nothing_is_sent_twice(world,
                                                                                      db_url):
    _sqlite_only(db_url)
    rows = make_packs(60)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    admin(world.sim, "/admin/faults", {"latency_ms": 400})
    first = worker_process(world.settings, world.sim.url, "--lease-s", "2")
    _wait_mid_send(world, sid, first)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert "sending" in pack_states(world, sid).values()   # killed with a batch in flight

    admin(world.sim, "/admin/faults", {"latency_ms": 0})
    second = worker_process(world.settings, world.sim.url, "--lease-s", "2")
    try:
        deadline = time.time() + 60
        while time.time() < deadline and set(pack_states(world, sid).values()) != {"accepted"}:
            time.sleep(0.1)
    finally:
        code, err = stop_worker(second)
    assert code == 0, err
    assert set(pack_states(world, sid).values()) == {"accepted"}
    deactivations = [world.sim.state.packs[(r["gtin"], r["sn"])].deactivations for r in rows]
    assert deactivations == [1] * len(rows)               # the simulator's own record
    assert admin(world.sim, "/admin/stats")["multiply_deactivated"] == 0
    with world.db.connect() as conn:
        assert ob.get_submission(conn, sid).status == "done"


@pytest.mark.slow
def test_a_second_signal_exits_at_once_and_the_lease_is_left_to_expire(world, db_url):
    _sqlite_only(db_url)
    rows = make_packs(10)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    admin(world.sim, "/admin/faults", {"latency_ms": 4000})
    proc = worker_process(world.settings, world.sim.url)
    deadline = time.time() + 30
    while "sending" not in pack_states(world, sid).values():
        assert time.time() < deadline, "the worker never started sending"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert proc.poll() is None                  # the first signal waits for the batch in hand
    started = time.time()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=5)
    assert proc.returncode == 1 and time.time() - started < 2
    with world.db.connect() as conn:
        [lease] = conn.execute(select(ob.submission_batch.c.lease_owner)).scalars().all()
    assert lease is not None                    # still held: it expires, then another re-checks


def _nice_of(pid: int) -> tuple[int, int | None]:
    """(the process's own niceness, its session's scheduling group's niceness)."""
    own = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    return own, session_group_nice(pid)


@pytest.mark.slow
@pytest.mark.parametrize("new_session", [True, False])
def test_the_worker_lowers_its_cpu_share_and_its_sessions_only_if_it_leads_it(world, db_url,
                                                                             new_session):
    """Linux shares the CPU between sessions first: a worker leading its own session (systemd,
    setsid) lowers that session's share too, else its nice is worth nothing against the web
    processes; one started from a shell leaves the shell's session alone."""
    _sqlite_only(db_url)
    mine = session_group_nice()
    if mine is None:  # a container with the cpu controller: cgroups rank, the unit's CPUWeight=
        pytest.skip("no scheduling autogroup ranks this process's session here")
    proc = worker_process(world.settings, world.sim.url, new_session=new_session,
                          ECZANE_BACKGROUND_NICE="9")
    try:
        deadline = time.time() + 30
        while time.time() < deadline and _nice_of(proc.pid)[0] < 9:
            time.sleep(0.05)
        time.sleep(0.2)
        own, group = _nice_of(proc.pid)
    finally:
        code, err = stop_worker(proc)
    assert code == 0, err
    assert own >= 9
    if new_session:
        assert group == 9
    else:
        assert group == mine and _nice_of(os.getpid())[1] == mine
