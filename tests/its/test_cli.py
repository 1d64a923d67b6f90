"""The CLI: notify create/approve/send/status against the simulator, and audit verify."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from eczane.cli import app
from eczane.store.audit import audit_log
from tests.its.conftest import OPEN_DAY, recon_stub

runner = CliRunner()


@pytest.fixture
def env(world, monkeypatch):
    s = world.settings
    for k, v in {"DATABASE_URL": s.effective_database_url, "ITS_URL": world.sim.url,
                 "SECRET_KEY": s.secret_key, "DATA_DIR": str(s.data_dir),
                 "ITS_BATCH_SIZE": "10", "ITS_TIMEOUT_S": "5"}.items():
        monkeypatch.setenv("ECZANE_" + k, v)
    return world


def test_a_draft_is_approved_sent_and_reported_from_the_command_line(env, monkeypatch):
    from eczane.its import service
    from tests.its.conftest import make_packs
    from tests.its.helpers import new_packs

    rows = make_packs(15)
    env.sim.state.add_packs(rows)
    monkeypatch.setattr(service, "candidate_packs",
                        lambda conn, pid, kind: (recon_stub(), new_packs(rows)))
    r = runner.invoke(app, ["notify", "create", "--user", "alice"])
    assert r.exit_code == 0, r.output
    sid = json.loads(r.stdout)["submission"]

    r = runner.invoke(app, ["notify", "approve", str(sid), "--user", "bob",
                            "--confirm", "15 kutuyu deaktive et", "--today", OPEN_DAY.isoformat()])
    assert r.exit_code == 1 and "Bildirimi yalnızca eczacı onaylayabilir." in r.output
    r = runner.invoke(app, ["notify", "approve", str(sid), "--user", "alice",
                            "--confirm", "15 kutuyu deaktive et", "--today", OPEN_DAY.isoformat()])
    assert r.exit_code == 0, r.output

    r = runner.invoke(app, ["notify", "send", str(sid), "--today", OPEN_DAY.isoformat()])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["sends"] == 2

    r = runner.invoke(app, ["notify", "status", str(sid)])
    out = json.loads(r.stdout)
    assert out["status"] == "done" and out["counts"]["accepted"] == 15


def test_send_stops_with_a_turkish_message_when_its_refuses_the_login(env):
    """Not an endless retry: one login attempt, exit 1, the packs wait (none sent)."""
    from tests.its.conftest import GLN, USERNAME, make_packs
    from tests.its.helpers import approved_submission, pack_states

    rows = make_packs(3)
    env.sim.state.add_packs(rows)
    sid = approved_submission(env, rows)
    env.sim.state.add_user(GLN, USERNAME, "degisti")
    r = runner.invoke(app, ["notify", "send", str(sid), "--today", OPEN_DAY.isoformat()])
    assert r.exit_code == 1
    assert "İTS, eczanenin İTS kullanıcı adını ya da parolasını reddetti" in r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1])["login_refused"] == 1
    assert env.sim.state.stats["logins_refused"] == 1
    assert set(pack_states(env, sid).values()) == {"pending"}


def test_audit_verify_exits_1_on_a_tampered_chain(env):
    from eczane.store.audit import append_event

    with env.db.begin() as conn:
        for i in range(3):
            append_event(conn, env.pharmacy_id, None, "test.event", {"i": i})
    r = runner.invoke(app, ["audit", "verify", "--pharmacy-id", str(env.pharmacy_id)])
    assert r.exit_code == 0 and json.loads(r.stdout)["ok"] is True
    with env.db.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(name="x"))
    r = runner.invoke(app, ["audit", "verify", "--pharmacy-id", str(env.pharmacy_id)])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["message"] == "Denetim kaydı 3 değiştirilmiş: özet tutmuyor."
