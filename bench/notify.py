"""Benchmark: deactivate 100,000 packs through the outbox against the İTS simulator on loopback.

The simulator runs as its own process (``eczane its-simulator``) with ~1% injected faults
(503 before commit, hanging requests, answers dropped after commit, per-pack transient codes);
the outbox worker sends approved batches over HTTP into a SQLite database (WAL, synchronous=FULL).

Two runs in the same process tree:

- ``baseline``: the same pipeline with no faults, on ``--baseline-packs`` packs;
- ``faults``: ``--packs`` packs with ``--fault-rate`` split over the four fault kinds.

Prints packs/s for both and their ratio, the retries, status checks and lost answers, and the
final discrepancies (İTS state ≠ intended, packs deactivated twice, outbox packs not accepted),
which must be 0.

    .venv/bin/python bench/notify.py [--packs 100000] [--baseline-packs 10000] [--fault-rate 0.01]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

GLN = "8680001000001"
USERNAME, PASSWORD = GLN + "0001", "bench-pw"
OPEN_DAY = date(2025, 9, 1)  # inside the 2025 "75" window


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_simulator(faults: dict[str, float]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    args = [sys.executable, "-m", "eczane.cli", "its-simulator", "--port", str(port),
            "--today", OPEN_DAY.isoformat(), "--seed", "7557"]
    for k, v in faults.items():
        args += [f"--{k.replace('_', '-')}", str(v)]
    proc = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(url + "/health", timeout=0.5)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("simulator did not start")


def one_run(n: int, faults: dict[str, float], workdir: Path, batch_size: int) -> dict[str, float]:
    from eczane.config import Settings
    from eczane.demo_data import demo_products
    from eczane.domain.notify import confirmation_phrase
    from eczane.its.client import ItsClient
    from eczane.its.credentials import ItsCredentials, save_credentials
    from eczane.its.outbox import Worker
    from eczane.its.service import approve_submission, create_submission
    from eczane.store import outbox as ob
    from eczane.store.db import open_database
    from eczane.store.users import create_pharmacy, create_user, get_user

    sim, url = start_simulator(faults)
    try:
        gtins = [p.gtin for p in demo_products() if not p.prescription_class.is_colour]  # type: ignore[union-attr]
        packs = [dict(gtin=gtins[i % len(gtins)], sn=f"B{i:09d}", bn=f"L{i % 997}", xd="2027-06-30",
                      owner=GLN, last_tx="2025-01-10") for i in range(n)]
        for i in range(0, n, 20000):
            httpx.post(url + "/admin/packs", json={"packs": packs[i:i + 20000]}, timeout=60)
        httpx.post(url + "/admin/config", json={"users": [
            {"username": USERNAME, "password": PASSWORD, "gln": GLN}]})

        settings = Settings(data_dir=workdir, database_url=f"sqlite:///{workdir / 'bench.sqlite3'}",
                            secret_key="bench", its_url=url, its_batch_size=batch_size,
                            its_timeout_s=5)
        db = open_database(settings.effective_database_url)
        with db.begin() as conn:
            pid = create_pharmacy(conn, "Bench Eczanesi", gln=GLN)
            uid = create_user(conn, pid, "bench", "bench", role="eczaci")
            user = get_user(conn, uid)
            assert user is not None
            save_credentials(conn, pid, ItsCredentials(GLN, USERNAME, PASSWORD),
                             settings.resolved_secret_key())

        class Recon:
            id, today, created_at = 1, OPEN_DAY, None

        t0 = time.perf_counter()
        with db.begin() as conn:
            sid = create_submission(conn, user=user, kind="deactivation", recon=Recon(), packs=[
                ob.NewPack(p["gtin"], p["sn"], date(2027, 6, 30), p["bn"]) for p in packs])
            res = approve_submission(conn, sid, user=user, today=OPEN_DAY, settings=settings,
                                     confirmation=confirmation_phrase("deactivation", n))
            assert res.ok, res.problems
        t_prepare = time.perf_counter() - t0
        worker = Worker(db, settings, today=OPEN_DAY, retry_base_s=0.05, unknown_delay_s=0.01,
                        client_factory=lambda _pid: ItsClient(
                            url, ItsCredentials(GLN, USERNAME, PASSWORD), timeout_s=0.5,
                            backoff_s=0.01))
        t1 = time.perf_counter()
        stats = worker.run(submission_id=sid, max_seconds=900)
        t_send = time.perf_counter() - t1
        worker.close()

        state = httpx.get(url + "/admin/state", params={"gln": GLN}, timeout=60).json()["packs"]
        sim_stats = httpx.get(url + "/admin/stats").json()
        not_deactivated = sum(1 for sp in state if sp["status"] != "deactivated")
        twice = sum(1 for sp in state if sp["deactivations"] > 1)
        with db.connect() as conn:
            counts = ob.state_counts(conn, sid)
        not_accepted = n - counts["accepted"]
        db.dispose()
        return {"packs": n, "prepare_s": round(t_prepare, 2), "send_s": round(t_send, 2),
                "packs_per_s": round(n / t_send, 1), "batches_claimed": stats.batches,
                "requests_sent": stats.sends, "retried_packs": stats.retries,
                "lost_answers": stats.ambiguous, "status_checks": stats.status_checks,
                "accepted_by_status": stats.accepted_by_status,
                "faults_injected": sim_stats["faults"],
                "discrepancies": not_deactivated + twice + not_accepted,
                "not_deactivated": not_deactivated, "deactivated_twice": twice,
                "outbox_not_accepted": not_accepted}
    finally:
        sim.terminate()
        sim.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packs", type=int, default=100_000)
    ap.add_argument("--baseline-packs", type=int, default=10_000)
    ap.add_argument("--fault-rate", type=float, default=0.01)
    ap.add_argument("--batch-size", type=int, default=100)
    args = ap.parse_args()
    quarter = args.fault_rate / 4
    faults = {"error_rate": quarter, "timeout_rate": quarter, "drop_rate": quarter,
              "partial_rate": quarter, "hang_s": 1.0}
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(Path(tmp) / "base")
        os.makedirs(Path(tmp) / "faults")
        base = one_run(args.baseline_packs, {}, Path(tmp) / "base", args.batch_size)
        print("baseline (no faults):", json.dumps(base))
        run = one_run(args.packs, faults, Path(tmp) / "faults", args.batch_size)
        print(f"faults ({args.fault_rate:.1%}):", json.dumps(run))
    print(f"packs/s with faults: {run['packs_per_s']}  baseline: {base['packs_per_s']}  "
          f"ratio: {run['packs_per_s'] / base['packs_per_s']:.2f}")
    print(f"retried packs: {run['retried_packs']}  lost answers: {run['lost_answers']}  "
          f"final discrepancies: {run['discrepancies']} (must be 0)")
    if run["discrepancies"] or base["discrepancies"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
