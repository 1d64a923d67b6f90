"""Benchmark: a big count's exports (XLSX and karekod text) — time and peak memory.

Issue 13: after 1.6 million rejected scans, the count's XLSX export took 110 s and 5.2 GB.
This builds a SQLite count with ``--scans`` packs on hand and ``--rejected`` unreadable scans
(straight into the tables), then in separate child processes (so peak RSS is per export) runs
the web routes ``GET /sayim/{id}/sayim.xlsx`` and ``GET /sayim/{id}/karekodlar.txt`` through
the app (the response is read and thrown away chunk by chunk, as a browser saving it would),
and prints each one's wall time and the child's peak RSS. The baseline for the memory figure is
a child that only builds the app and logs in.

    .venv/bin/python bench/count_export.py [--scans 300000] [--rejected 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path


def build(folder: Path, scans: int, rejected: int) -> tuple[str, int]:
    from sqlalchemy import insert

    from eczane.domain.karekod import Karekod
    from eczane.store import count as store
    from eczane.store.db import open_database
    from eczane.store.users import create_pharmacy, create_user

    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    db = open_database(url)
    with db.begin() as conn:
        p = create_pharmacy(conn, "Bench Eczanesi", gln="8680001000001")
        uid = create_user(conn, p, "alice", "alice-pw", role="eczaci", display_name="Ecz. Alice")
        sid = store.open_session(conn, p, uid, "Büyük sayım")
    now = datetime.now(UTC)
    from eczane.domain.gs1 import make_gtin

    gtins = [make_gtin(f"0869953608{i:03d}") for i in range(100)]
    with db.begin() as conn:
        for start in range(0, scans, 10_000):
            rows = []
            for i in range(start, min(scans, start + 10_000)):
                k = Karekod(gtins[i % 100], f"S{i:09d}", date(2028, 1, 31), f"L{i % 50}")
                rows.append({"pharmacy_id": p, "session_id": sid, "gtin": k.gtin,
                             "serial": k.serial, "expiry": k.expiry, "batch": k.batch,
                             "grp": "raf", "raw": k.element_string(), "device_id": "pc1",
                             "client_scan_id": f"c{i}", "user_id": uid, "scanned_at": now})
            conn.execute(insert(store.count_scan), rows)
        for start in range(0, rejected, 10_000):
            conn.execute(insert(store.count_scan_rejected), [
                {"pharmacy_id": p, "session_id": sid, "raw": os.urandom(30).hex(),
                 "code": "syntax", "detail": "syntax", "message": "Karekod okunamadı.",
                 "grp": "raf", "device_id": "dosya:x.bin", "client_scan_id": f"imp:{i}",
                 "user_id": uid, "scanned_at": now}
                for i in range(start, min(rejected, start + 10_000))])
    db.dispose()
    return url, sid


def child(url: str, sid: int, what: str, folder: str) -> None:
    from fastapi.testclient import TestClient

    from eczane.config import Settings
    from eczane.web.app import create_app

    app = create_app(Settings(data_dir=Path(folder) / "var", database_url=url, secret_key="b"))
    client = TestClient(app)
    client.post("/giris", data={"username": "alice", "password": "alice-pw"})
    t0 = time.perf_counter()
    size = 0
    if what != "baseline":
        path = {"xlsx": f"/sayim/{sid}/sayim.xlsx", "txt": f"/sayim/{sid}/karekodlar.txt"}[what]
        with client.stream("GET", path) as r:
            assert r.status_code == 200, r.status_code
            for chunk in r.iter_bytes():
                size += len(chunk)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"what": what, "seconds": round(wall, 2), "bytes": size,
                      "peak_rss_mb": round(peak_mb)}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scans", type=int, default=300_000)
    ap.add_argument("--rejected", type=int, default=100_000)
    ap.add_argument("--keep")
    ap.add_argument("--child", nargs=4, metavar=("URL", "SID", "WHAT", "DIR"))
    args = ap.parse_args()
    if args.child:
        url, sid, what, folder = args.child
        child(url, int(sid), what, folder)
        return
    folder = Path(args.keep or tempfile.mkdtemp(prefix="count-export-"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    url, sid = build(folder, args.scans, args.rejected)
    print(f"built {args.scans:,} scans + {args.rejected:,} rejected in "
          f"{time.perf_counter() - t0:.1f} s; load {os.getloadavg()[0]:.2f}")
    for what in ("baseline", "txt", "xlsx"):
        out = subprocess.run([sys.executable, __file__, "--child", url, str(sid), what,
                              str(folder)], check=True, capture_output=True, text=True)
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
