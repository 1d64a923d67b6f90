"""``eczane run``: the web app with the İTS simulator and a sending worker beside it, each its
own process; the worker stops with ``run`` — on SIGTERM, and even when ``run`` is SIGKILLed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from eczane.store import workers as hb
from eczane.store.db import open_database

pytestmark = pytest.mark.slow


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1][0] != "Z"


def _start(tmp_path: Path, *, simulator: bool = True) -> tuple[subprocess.Popen[bytes], str]:
    port, its_port = _port(), (_port() if simulator else 0)
    env = dict(os.environ, ECZANE_DATA_DIR=str(tmp_path / "var"), ECZANE_SECRET_KEY="run-test",
               ECZANE_WORKER_POLL_S="0.2")
    env.pop("ECZANE_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "eczane.cli", "run", "--demo", "--port",
                             str(port), "--its-port", str(its_port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if httpx.get(url + "/saglik/hazir", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "eczane run exited"
        time.sleep(0.3)
    proc.kill()
    pytest.fail("eczane run never became ready (database, schema and a worker)")


def _worker_pids(tmp_path: Path) -> list[int]:
    db = open_database(f"sqlite:///{tmp_path / 'var' / 'eczane.sqlite3'}", migrate_schema=False)
    try:
        with db.connect() as conn:
            return [int(r.pid) for r in conn.execute(select(hb.worker_heartbeat))]
    finally:
        db.dispose()


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


def _client(url: str) -> httpx.Client:
    c = httpx.Client(base_url=url, timeout=10)
    c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]
    assert c.post("/giris", data={"username": "eczaci", "password": "eczaci"}).status_code == 303
    c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]  # bound to the session
    return c


def test_run_sends_the_demo_through_its_worker_and_stops_it_on_sigterm(tmp_path):
    proc, url = _start(tmp_path)
    try:
        [worker] = _worker_pids(tmp_path)
        assert worker != proc.pid and _alive(worker)
        assert httpx.get(url + "/saglik/hazir").json()["failed"] == []
        c = _client(url)          # arada kalan: the demo's depo deliveries, on any day
        try:
            r = c.post("/bildirim/yeni", data={"kind": "acceptance"})
            assert r.status_code == 303, r.text
            sid = int(r.headers["location"].rsplit("/", 1)[1])
            phrase = re.search(r'id="phrase">([^<]+)<', c.get(f"/bildirim/{sid}").text)
            assert phrase is not None
            r = c.post(f"/bildirim/{sid}/onay", data={"confirmation": phrase.group(1)})
            assert r.status_code == 303, r.text
            deadline = time.time() + 60
            while time.time() < deadline:
                frag = c.get(f"/bildirim/{sid}/ilerleme", headers={"HX-Request": "true"}).text
                if 'id="finished"' in frag:
                    break
                time.sleep(0.3)
            assert "İTS kabul etti: <b>2</b>" in frag
        finally:
            c.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0
    assert _gone_within(worker, 10)
    assert _worker_pids(tmp_path) == []          # it left gracefully: heartbeat removed


def test_the_worker_of_a_sigkilled_run_stops_by_itself(tmp_path):
    proc, _ = _start(tmp_path, simulator=False)  # a SIGKILLed run would orphan its simulator
    [worker] = _worker_pids(tmp_path)
    proc.kill()
    proc.wait(timeout=10)
    assert _gone_within(worker, 15)
