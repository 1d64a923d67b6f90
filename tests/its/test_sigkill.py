"""A worker killed with SIGKILL mid-batch is restarted; nothing is sent twice or left unsent.

The worker runs as a real process (``eczane notify send``) against the simulator over loopback
HTTP. The simulator is slow (latency) so the kill lands while a batch is in flight; the restarted
worker waits for the dead worker's lease to expire, asks İTS about the packs left in ``sending``
and only sends what İTS does not already show deactivated.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from eczane.store import outbox as ob
from eczane.store.audit import verify
from tests.its.conftest import admin, make_packs
from tests.its.helpers import approved_submission, pack_states

pytestmark = pytest.mark.slow


def _worker(world, sid: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, ECZANE_DATABASE_URL=world.settings.effective_database_url,
               ECZANE_ITS_URL=world.sim.url, ECZANE_SECRET_KEY=world.settings.secret_key,
               ECZANE_DATA_DIR=str(world.settings.data_dir), ECZANE_ITS_BATCH_SIZE="10",
               ECZANE_ITS_TIMEOUT_S="5")
    return subprocess.Popen([sys.executable, "-m", "eczane.cli", "notify", "send", str(sid),
                             "--today", "2025-09-01", "--lease-s", "2", "--max-seconds", "60"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_worker_killed_mid_batch_is_resumed_without_double_deactivation(world, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("one database is enough for the process test")
    rows = make_packs(50)
    world.sim.state.add_packs(rows)
    sid = approved_submission(world, rows)
    admin(world.sim, "/admin/faults", {"latency_ms": 400})

    proc = _worker(world, sid)
    deadline = time.time() + 30
    while time.time() < deadline:
        states = pack_states(world, sid)
        if "sending" in states.values() and "accepted" in states.values():
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("worker never reached the middle of the submission")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    time.sleep(0.6)  # let the in-flight request land in the simulator (it commits)
    killed_states = pack_states(world, sid)
    assert "sending" in killed_states.values()

    admin(world.sim, "/admin/faults", {"latency_ms": 0})
    again = _worker(world, sid)
    out, err = again.communicate(timeout=90)
    assert again.returncode == 0, err.decode()

    assert set(pack_states(world, sid).values()) == {"accepted"}
    stats = admin(world.sim, "/admin/stats")
    assert stats["multiply_deactivated"] == 0
    assert all(world.sim.state.packs[(r["gtin"], r["sn"])].status == "deactivated" for r in rows)
    assert b'"status_checks": 1' in out or b'"status_checks": 2' in out
    with world.db.connect() as conn:
        assert ob.get_submission(conn, sid).status == "done"
        assert verify(conn, world.pharmacy_id).ok
