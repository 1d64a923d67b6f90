"""Durability: SIGKILL the real server in a burst of scans; every acknowledged scan survives.

Starts ``eczane run`` (SQLite in a temporary ECZANE_DATA_DIR) as a subprocess, fires scans from
several threads, kills the server with SIGKILL mid-burst, restarts it on the same data and
checks the database: each acknowledged scan is there exactly once. Then the pages' retry is
played: every scan attempted (acknowledged or not) is sent again with its client_scan_id, and
the count ends with each pack exactly once.
"""

from __future__ import annotations

import contextvars
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from eczane.demo_data import demo_products

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
GTIN = demo_products()[0].gtin


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, ECZANE_DATA_DIR=str(data_dir), ECZANE_SECRET_KEY="kill-test")
    env.pop("ECZANE_DATABASE_URL", None)
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "eczane"), "run", "--port", str(port), "--its-port", "0",
         "--demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/giris", timeout=1)
            return proc
        except httpx.HTTPError:
            assert proc.poll() is None, "server exited"
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not start")


def _client(port: int) -> httpx.Client:
    c = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)
    c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]  # anonymous, for the login
    c.post("/giris", data={"username": "eczaci", "password": "eczaci"})
    assert "eczane_session" in c.cookies
    c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]  # bound to the session
    return c


def _body(n: int, k: int) -> dict[str, str]:
    serial = f"KILL{n:02d}{k:06d}"
    exp = date.today() + timedelta(days=300)
    return {"raw": f"01{GTIN}21{serial}\x1d17{exp:%y%m%d}10B1", "grp": "raf",
            "client_scan_id": uuid.uuid4().hex, "device_id": f"t{n}"}


def test_every_acknowledged_scan_survives_a_sigkill_exactly_once(tmp_path):
    port = _port()
    proc = _start(tmp_path, port)
    try:
        c = _client(port)
        r = c.post("/sayim", data={"name": "Kill"})
        sid = int(r.headers["location"].rsplit("/", 1)[1])
        acked: list[dict[str, str]] = []
        attempted: list[dict[str, str]] = []
        lock = threading.Lock()
        stop = threading.Event()

        def scanner(n: int) -> None:
            sc = httpx.Client(base_url=c.base_url, cookies=dict(c.cookies), timeout=5,
                              headers={"X-CSRF-Token": c.headers["X-CSRF-Token"]})
            k = 0
            while not stop.is_set():
                k += 1
                body = _body(n, k)
                with lock:
                    attempted.append(body)
                try:
                    resp = sc.post(f"/api/sayim/{sid}/scan", json=body)
                except httpx.HTTPError:
                    return
                if resp.status_code == 200 and resp.json()["counted"]:
                    with lock:
                        acked.append(body)

        threads = [threading.Thread(target=contextvars.copy_context().run, args=(scanner, n)) for n in range(8)]
        for t in threads:
            t.start()
        deadline = time.time() + 30
        while len(acked) < 200 and time.time() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)       # mid-burst: scanners are still sending
        proc.wait(10)
        stop.set()
        for t in threads:
            t.join(10)
        assert len(acked) >= 200

        db = sqlite3.connect(tmp_path / "eczane.sqlite3")
        rows = db.execute("SELECT client_scan_id, gtin, serial FROM count_scan "
                          "WHERE session_id = ? AND undone_at IS NULL", (sid,)).fetchall()
        db.close()
        by_cid = Counter(r[0] for r in rows)
        assert all(by_cid.get(b["client_scan_id"]) == 1 for b in acked)
        assert len({(g, s) for _, g, s in rows}) == len(rows)
        assert len(rows) >= len(acked)          # in-flight scans may have committed too

        # Restart; the pages send every scan they still hold again (same client_scan_id).
        proc = _start(tmp_path, port)
        c2 = _client(port)
        for body in attempted:
            resp = c2.post(f"/api/sayim/{sid}/scan", json=body)
            assert resp.status_code == 200, resp.text
            assert resp.json()["counted"]
        text = c2.get(f"/sayim/{sid}/karekodlar.txt", params={"fmt": "hri"}).text
        serials = [line.split("(21)")[1].split("(17)")[0] for line in text.split("\n") if line]
        assert sorted(serials) == sorted(b["raw"][18:].split("\x1d")[0] for b in attempted)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
