"""Benchmark: reconcile 1,000,000 İTS packs against 950,000 packs on hand, already in the store.

Loads (untimed) one İTS snapshot of N packs and one on-hand list of 0.95·N packs (of which 1 % are
not in İTS), 2,000 products with every prescription class, dates on both sides of the cutoff and
some expired packs. Then, in one child process per database (so peak memory is per run):

- ``ours``: ``eczane.store.reconcile.run_reconciliation`` — three INSERT … SELECT statements that
  put every pack of the union in its bucket with its reason and store them (one transaction);
- ``naive``: the baseline on the same data in the same run — fetch both key sets into Python
  and take the set difference (İTS − on hand), no buckets, no reasons, nothing stored.

Load, ours and naive each run in their own child process, so each peak RSS is its own.
Prints seconds for both, the ratio, the bucket counts and peak RSS.
Goal (issue 5): ours < 3 s for 1M on SQLite and on PostgreSQL, memory < 1 GB.

    .venv/bin/python bench/reconcile.py [--rows 1000000] [--db sqlite|pg|both]
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
from datetime import date, timedelta
from pathlib import Path

TODAY = date(2025, 9, 1)
CLASSES = ["normal"] * 14 + ["red", "green", "orange", "purple", None]


def _load(url: str, rows: int) -> tuple[int, int]:
    """Fill the store (untimed); returns (pharmacy id, on-hand import id)."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from eczane.domain.gs1 import make_gtin
    from eczane.store.db import open_database
    from eczane.store.users import create_pharmacy

    db = open_database(url)
    gtins = [make_gtin(f"0869953{i:06d}") for i in range(2000)]
    now = datetime.now(UTC)
    with db.begin() as conn:
        pid = create_pharmacy(conn, "Bench Eczanesi")
        conn.execute(text(
            "INSERT INTO product (gtin, name, form, manufacturer, prescription_class, "
            "flagged_unknown, source, updated_at) VALUES (:g, :n, '', '', :c, FALSE, 'bench', :t)"),
            [{"g": g, "n": f"DEMO ÜRÜN {i}", "c": CLASSES[i % len(CLASSES)], "t": now}
             for i, g in enumerate(gtins) if i % 50 != 49])  # 2 % of GTINs not in the catalog
        sid = conn.execute(text(
            "INSERT INTO its_snapshot (pharmacy_id, imported_at, source_name, sha256, row_count, "
            "issue_count, duplicate_count, has_tx_date, mapping, issues) VALUES "
            "(:p, :t, 'bench.xlsx', :h, :n, 0, 0, TRUE, '{}', '[]') RETURNING id"),
            {"p": pid, "t": now, "h": "b" * 64, "n": rows}).scalar()
        iid = conn.execute(text(
            "INSERT INTO onhand_import (pharmacy_id, imported_at, source_name, sha256, row_count, "
            "issue_count, issues) VALUES (:p, :t, 'elde.txt', :h, :n, 0, '[]') RETURNING id"),
            {"p": pid, "t": now, "h": "c" * 64, "n": rows}).scalar()
    base_exp, base_tx = date(2025, 8, 18), date(2024, 6, 1)  # ~2 % expired, ~40 % after cutoff

    def its_row(i: int) -> tuple:
        return (sid, pid, gtins[i % 2000], f"SN{i:012d}", base_exp + timedelta(days=i % 700),
                f"L{i % 2000:05d}", "", base_tx + timedelta(days=i % 400), i + 2)

    onhand_n = int(rows * 0.95)
    in_its = onhand_n - rows // 100

    def onhand_row(j: int) -> tuple:
        i = j if j < in_its else rows + j  # the last 1 % are not in İTS
        return (iid, pid, gtins[i % 2000], f"SN{i:012d}", base_exp + timedelta(days=i % 700),
                f"L{i % 2000:05d}")

    its_sql = ("INSERT INTO its_stock_pack (snapshot_id, pharmacy_id, gtin, serial, expiry, batch, "
               "product_name, last_tx_date, row_no) VALUES ")
    oh_sql = "INSERT INTO onhand_pack (import_id, pharmacy_id, gtin, serial, expiry, batch) VALUES "
    with db.engine.begin() as conn:
        raw = conn.connection.driver_connection
        cur = raw.cursor()
        if db.is_sqlite:
            cur.executemany(its_sql + "(?,?,?,?,?,?,?,?,?)",
                            ((*r[:4], r[4].isoformat(), r[5], r[6], r[7].isoformat(), r[8])
                             for r in map(its_row, range(rows))))
            cur.executemany(oh_sql + "(?,?,?,?,?,?)",
                            ((*r[:4], r[4].isoformat(), r[5]) for r in map(onhand_row, range(onhand_n))))
        else:
            with cur.copy("COPY its_stock_pack (snapshot_id, pharmacy_id, gtin, serial, expiry, "
                          "batch, product_name, last_tx_date, row_no) FROM STDIN") as cp:
                for i in range(rows):
                    cp.write_row(its_row(i))
            with cur.copy("COPY onhand_pack (import_id, pharmacy_id, gtin, serial, expiry, batch) "
                          "FROM STDIN") as cp:
                for j in range(onhand_n):
                    cp.write_row(onhand_row(j))
    with db.engine.begin() as conn:  # statistics, as after a day of autovacuum/ANALYZE
        conn.exec_driver_sql("ANALYZE")
    db.dispose()
    return pid, int(iid)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ours(url: str, pid: int, iid: int) -> None:
    """Time ``run_reconciliation`` in a fresh process; print one JSON line."""
    from eczane.store.db import open_database
    from eczane.store.reconcile import get_reconciliation, run_reconciliation

    db = open_database(url, migrate_schema=False)
    runs = []
    for _ in range(2):  # first run in a fresh process (cold), then again (as after the import)
        cpu0, t0 = time.process_time(), time.perf_counter()
        with db.begin() as conn:
            rid = run_reconciliation(conn, pid, today=TODAY, user_id=None, onhand_import_id=iid)
        runs.append((time.perf_counter() - t0, time.process_time() - cpu0))
    with db.connect() as conn:
        counts = get_reconciliation(conn, pid, rid).counts  # type: ignore[union-attr]
    db.dispose()
    print(json.dumps({"s": runs[1][0], "cpu_s": runs[1][1], "cold_s": runs[0][0],
                      "counts": counts, "peak_mb": _peak_mb()}))


def child_naive(url: str) -> None:
    """The baseline in a fresh process: fetch both key sets, Python set difference."""
    from sqlalchemy import text

    from eczane.store.db import open_database

    db = open_database(url, migrate_schema=False)
    t0 = time.perf_counter()
    with db.connect() as conn:
        its = set(conn.execute(text("SELECT gtin, serial FROM its_stock_pack")).tuples())
        here = set(conn.execute(text("SELECT gtin, serial FROM onhand_pack")).tuples())
    missing = its - here
    wall = time.perf_counter() - t0
    db.dispose()
    print(json.dumps({"s": wall, "not_on_hand": len(missing), "peak_mb": _peak_mb()}))


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, url, *rest = args.child
        if kind == "load":
            t0 = time.perf_counter()
            pid, iid = _load(url, args.rows)
            print(json.dumps({"pid": pid, "iid": iid, "s": time.perf_counter() - t0}))
        elif kind == "ours":
            child_ours(url, int(rest[0]), int(rest[1]))
        else:
            child_naive(url)
        return
    targets: list[tuple[str, str]] = []
    tmp = Path(tempfile.mkdtemp(prefix="eczane-bench-rec-"))
    server = None
    if args.db in ("sqlite", "both"):
        targets.append(("SQLite", f"sqlite:///{tmp / 'bench.sqlite3'}"))
    if args.db in ("pg", "both"):
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.pgserver import PgServer

        server = PgServer().start()
        targets.append(("PostgreSQL", server.url))
    try:
        for label, url in targets:
            load = _child("--rows", str(args.rows), "--child", "load", url)
            os.sync()  # the data is at rest before we time (not still being written back)
            ours = _child("--child", "ours", url, str(load["pid"]), str(load["iid"]))
            naive = _child("--child", "naive", url)
            print(f"{label}: {args.rows:,} İTS packs vs {int(args.rows * 0.95):,} on hand "
                  f"(loaded in {load['s']:.1f} s, untimed; load average {os.getloadavg()[0]:.1f})")
            print(f"  ours  (SQL, 6 buckets + reasons, actionable packs stored): {ours['s']:.2f} s"
                  + (f" (in-process CPU {ours['cpu_s']:.2f} s)" if label == "SQLite" else "")
                  + f"; first run in a fresh process {ours['cold_s']:.2f} s"
                  + f"; peak RSS {ours['peak_mb']:.0f} MB")
            print(f"  naive (fetch both key sets + Python set difference, nothing stored): "
                  f"{naive['s']:.2f} s, peak RSS {naive['peak_mb']:.0f} MB")
            print(f"  naive/ours = {naive['s'] / ours['s']:.1f}×")
            print(f"  counts: {ours['counts']}  (naive 'not on hand': {naive['not_on_hand']:,})")
            print(f"  goal < 3 s and < 1 GB: {'met' if ours['s'] < 3 and ours['peak_mb'] < 1024 else 'NOT met'}"
                  + ("  (PostgreSQL server memory not included; work_mem 256 MB)" if label != "SQLite" else ""))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
