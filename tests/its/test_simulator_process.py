"""``eczane its-simulator`` as its own process: demo packs, SQLite state that survives a restart."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from eczane.demo_data import demo_pharmacy
from eczane.its import protocol as p
from eczane.its.client import ItsClient
from eczane.its.credentials import ItsCredentials
from eczane.its.simulator import DEMO_PASSWORD
from eczane.store.demo import DEMO_GLN
from tests.its.conftest import OPEN_DAY

pytestmark = pytest.mark.slow


def _start(port: int, db: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "eczane.cli", "its-simulator", "--port",
                             str(port), "--demo", "--db", db, "--today", OPEN_DAY.isoformat()],
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5)
            return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("simulator did not start")


def test_the_demo_simulator_keeps_its_state_in_sqlite_across_a_restart(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = str(tmp_path / "its.sqlite3")
    pack = demo_pharmacy(OPEN_DAY).its_packs[24]  # a ghost: not on the demo shelf
    creds = ItsCredentials(DEMO_GLN, DEMO_GLN + "0000", DEMO_PASSWORD)
    proc = _start(port, db)
    try:
        with ItsClient(f"http://127.0.0.1:{port}", creds) as c:
            res = c.deactivate("75", [p.Item(pack.gtin, pack.serial, pack.batch,
                                             pack.expiry.isoformat())])
        assert list(res.codes.values()) == ["00000"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    proc = _start(port, db)
    try:
        with ItsClient(f"http://127.0.0.1:{port}", creds) as c:
            status = c.check_status([(pack.gtin, pack.serial)])
        assert status[(pack.gtin, pack.serial)][0] == "60000"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
