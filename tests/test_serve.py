"""``eczane serve --workers 2``: several app processes on one database, over real HTTP.

Each process answers with its own pid (liveness JSON); a user logs in through one process and
is known to the others (the session lives in the database); SIGTERM stops them all cleanly.
Runs on a SQLite file and (marked ``pg``) on PostgreSQL. The JSON request log is parsed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(url + "/saglik/canli", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("serve did not answer")


def test_serve_runs_two_app_processes_that_share_logins_and_stop_on_sigterm(db, pharmacies,
                                                                            settings, tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = dict(os.environ, ECZANE_SECRET_KEY=settings.secret_key,
               ECZANE_DATA_DIR=str(settings.data_dir), ECZANE_LOG_FORMAT="json")
    env.pop("ECZANE_DEMO", None)
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "eczane.cli", "serve", "--workers", "2",
                                 "--host", "127.0.0.1", "--port", str(port),
                                 "--database-url", settings.effective_database_url],
                                env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            _wait_up(url, proc)
            pids = set()
            deadline = time.time() + 30
            while len(pids) < 2 and time.time() < deadline:
                with httpx.Client(base_url=url) as fresh:   # a new connection each time
                    pids.add(fresh.get("/saglik/canli").json()["pid"])
            assert len(pids) == 2 and proc.pid not in pids

            with httpx.Client(base_url=url) as c:
                token = c.get("/api/csrf").json()["token"]
                r = c.post("/giris?next=/gizli", data={"username": "alice", "password": "alice-pw"},
                           headers={"X-CSRF-Token": token})
                assert r.status_code == 303, r.text
                seen = set()
                for _ in range(40):                          # whichever process answers
                    r = c.get("/bildirim", headers={"Connection": "close"})
                    assert r.status_code == 200 and "Ecz. Alice" in r.text
                    seen.add(c.get("/saglik/hazir", headers={"Connection": "close"}).json()["pid"])
                assert len(seen) == 2, seen
                ready = c.get("/saglik/hazir").json()
                assert [f["code"] for f in ready["failed"]] == ["worker"]   # no worker started
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    assert code == 0
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    requests = [x for x in lines if x["event"] == "http_request"]
    assert {x["pid"] for x in requests} == pids
    login = next(x for x in requests if x["method"] == "POST" and x["path"] == "/giris")
    assert login["status"] == 303 and "gizli" not in json.dumps(login)   # no query string
    page = next(x for x in requests if x["path"] == "/bildirim")
    assert page["user_id"] == pharmacies.alice_id and page["pharmacy_id"] == pharmacies.pharmacy_id
    assert page["level"] == "info" and page["ts"].endswith("+00:00") and page["duration_ms"] >= 0
    assert "alice-pw" not in log.read_text()
