"""A power cut mid-import: SIGKILL ``eczane its import`` while it writes; nothing half-imported.

The import is one transaction (issue 3), now written by the calling thread while a reader thread
prepares the rows (``store/bulk.py``). Each run kills the real CLI process at a different moment
after it took the database's write lock, then reads the SQLite file as a new process would:
the file is intact, and the İTS list is either absent or complete — never partial. Then the same
file imports in full.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from eczane.domain.gs1 import make_gtin
from eczane.store.db import open_database
from eczane.store.users import create_pharmacy

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ROWS = 150_000


def stock_csv(path: Path) -> Path:
    gtins = [make_gtin(f"0869953{i:06d}") for i in range(500)]
    with path.open("w", encoding="utf-8") as f:
        f.write("GTIN;Seri No;SKT;Parti No;Ürün Adı\n")
        for i in range(ROWS):
            f.write(f"{gtins[i % 500]};SN{i:010d};30.06.2027;L{i % 500};DEMO ÜRÜN {i % 500}\n")
    return path


def start(db_file: Path, csv: Path, pharmacy_id: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, ECZANE_DATABASE_URL=f"sqlite:///{db_file}",
               ECZANE_DATA_DIR=str(db_file.parent), ECZANE_SECRET_KEY="kill-test")
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "eczane"), "its", "import", str(csv), "--pharmacy",
         str(pharmacy_id), "--today", "2026-11-23"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_write_lock(db_file: Path, proc: subprocess.Popen[bytes]) -> float:
    """Poll until the import's transaction holds the write lock; return that moment."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the import ended before it was seen writing"
        probe = sqlite3.connect(db_file, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError:  # database is locked: the import is writing
            return time.monotonic()
        finally:
            probe.close()
        time.sleep(0.01)
    raise AssertionError("the import never took the write lock")


def state(db_file: Path) -> tuple[str, int, int]:
    con = sqlite3.connect(db_file)
    try:
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        snapshots = con.execute("SELECT count(*) FROM its_snapshot").fetchone()[0]
        packs = con.execute("SELECT count(*) FROM its_stock_pack").fetchone()[0]
    finally:
        con.close()
    return check, snapshots, packs


def test_a_killed_import_leaves_either_nothing_or_everything_and_then_imports(tmp_path):
    csv = stock_csv(tmp_path / "stok.csv")
    empty = tmp_path / "empty.sqlite3"
    db = open_database(f"sqlite:///{empty}")
    with db.begin() as conn:
        pid = create_pharmacy(conn, "Kesinti Eczanesi", gln="8680001000001")
    db.dispose()

    # a full run first, to know how long the write lock is held
    full = tmp_path / "full.sqlite3"
    shutil.copy(empty, full)
    proc = start(full, csv, pid)
    locked_at = wait_for_write_lock(full, proc)
    assert proc.wait(120) == 0
    held = time.monotonic() - locked_at
    assert state(full) == ("ok", 1, ROWS)

    killed_mid_import = 0
    for fraction in (0.2, 0.5, 0.8):
        db_file = tmp_path / f"kill-{fraction}.sqlite3"
        shutil.copy(empty, db_file)
        proc = start(db_file, csv, pid)
        wait_for_write_lock(db_file, proc)
        time.sleep(held * fraction)
        running = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        check, snapshots, packs = state(db_file)
        assert check == "ok"
        assert (snapshots, packs) in {(0, 0), (1, ROWS)}, (fraction, snapshots, packs)
        if running and snapshots == 0:
            killed_mid_import += 1
            # the same file then imports in full on the database the power cut left behind
            again = start(db_file, csv, pid)
            assert again.wait(120) == 0
            assert state(db_file) == ("ok", 1, ROWS)
    assert killed_mid_import >= 2, "the kills did not land inside the import"
