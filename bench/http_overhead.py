"""The app's CPU per HTTP request: the scan endpoint and a trivial route, one app process.

Starts ``eczane serve --workers 1`` on SQLite (a temporary ``ECZANE_DATA_DIR``, the demo
pharmacy seeded first: user ``eczaci``), logs in, opens a count, then for each route drives it
flat out for ``--seconds`` from a separate client process (``--conns`` keep-alive
``http.client`` connections in threads, so the client stays lean) and prints requests/s and
the app process's CPU milliseconds per request (user + system, ``/proc/<pid>/stat``):

- ``live``: ``GET /saglik/canli`` (public, no session, no database): the HTTP stack alone;
- ``csrf``: ``GET /api/csrf`` (public, reads the cookie): the stack plus a little;
- ``scan``: ``POST /api/sayim/{id}/scan`` with a fresh pack each time (login, CSRF, JSON body,
  the write): what the scanners pay.

``--variant`` (repeatable) also runs the same figures against the app served by uvicorn with an
explicit event loop and HTTP parser, e.g. ``asyncio-h11`` (what ``eczane serve`` used before
uvloop/httptools were installed, and what it uses where they are not, e.g. without uvloop on
Windows), in the same run::

    .venv/bin/python bench/http_overhead.py
    .venv/bin/python bench/http_overhead.py --variant asyncio-h11 --variant asyncio-httptools
    mkdir /tmp/before && git archive <commit> src | tar -x -C /tmp/before   # then, before/after:
    .venv/bin/python bench/http_overhead.py --variant uvloop-httptools@/tmp/before
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from scan_load import GTINS, cpu_seconds, free_port, karekod, login, open_session  # noqa: E402

ROUTES = ("live", "csrf", "scan")


def seed(data_dir: Path) -> None:
    """The demo pharmacy (user ``eczaci``/``eczaci``) in a fresh SQLite database."""
    from eczane.store.db import open_database
    from eczane.store.demo import seed_demo

    db = open_database(f"sqlite:///{(data_dir / 'eczane.sqlite3').resolve()}")
    seed_demo(db, today=date.today())
    db.dispose()


def start(variant: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """``serve``: ``eczane serve --workers 1``; ``<loop>-<http>``: uvicorn with those;
    ``<loop>-<http>@<dir>``: the same with the ``eczane`` package of another checkout (e.g. an
    older commit, ``git worktree add``), to compare code changes in one run."""
    env = dict(os.environ, ECZANE_DATA_DIR=str(data_dir), ECZANE_SECRET_KEY="bench",
               ECZANE_DEMO="0")
    spec, _, src = variant.partition("@")
    if src:
        env["PYTHONPATH"] = str(Path(src).resolve() / "src")
    for k in ("ECZANE_DATABASE_URL", "ECZANE_LOG_FORMAT"):
        env.pop(k, None)
    if variant == "serve":
        cmd = [str(ROOT / ".venv" / "bin" / "eczane"), "serve", "--workers", "1",
               "--port", str(port)]
    else:
        loop, _, http = spec.partition("-")
        cmd = [sys.executable, "-c", "import logging, uvicorn; from eczane.logs import configure;"
               "configure(); uvicorn.run('eczane.web.app:create_app_from_env', factory=True, "
               f"port={port}, loop={loop!r}, http={http!r}, log_config=None)"]
    log_path = data_dir / f"server-{free_port()}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/saglik/canli", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(log_path.read_text())


def drive(port: int, route: str, sid: int, cookie: str, token: str, seconds: float,
          conns: int) -> tuple[int, int]:
    """In the client process: ``conns`` connections flat out; (answered, not 200)."""
    stop_at = time.perf_counter() + seconds
    counts = [0] * conns
    bad = [0] * conns
    tag = uuid.uuid4().hex[:6].upper()

    def one(k: int) -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Cookie": cookie, "X-CSRF-Token": token, "Content-Type": "application/json"}
        i = 0
        while time.perf_counter() < stop_at:
            i += 1
            if route == "scan":
                body = json.dumps({"raw": karekod(GTINS[i % len(GTINS)], f"{tag}{k:02d}{i:07d}"),
                                   "client_scan_id": uuid.uuid4().hex,
                                   "device_id": f"bench-{k}", "grp": "raf"})
                c.request("POST", f"/api/sayim/{sid}/scan", body=body, headers=headers)
            elif route == "csrf":
                c.request("GET", "/api/csrf", headers=headers)
            else:
                c.request("GET", "/saglik/canli")
            r = c.getresponse()
            r.read()
            counts[k] += 1
            bad[k] += r.status != 200
        c.close()

    threads = [threading.Thread(target=one, args=(k,)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts), sum(bad)


def measure(pool: ProcessPoolExecutor, pid: int, port: int, route: str, sid: int, cookie: str,
            token: str, seconds: float, conns: int) -> tuple[float, float, int]:
    """(requests/s, app CPU ms per request, errors) of one route."""
    pool.submit(drive, port, route, sid, cookie, token, min(1.0, seconds / 3), conns).result()
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    n, bad = pool.submit(drive, port, route, sid, cookie, token, seconds, conns).result()
    cpu1, t1 = cpu_seconds(pid), time.perf_counter()
    return n / (t1 - t0), (cpu1 - cpu0) * 1000 / max(n, 1), bad


class Server:
    """One app process being measured, logged in, with a count open."""

    def __init__(self, variant: str, data_dir: Path) -> None:
        self.variant, self.port = variant, free_port()
        self.proc = start(variant, data_dir, self.port)
        c = login(f"http://127.0.0.1:{self.port}")
        self.sid = open_session(c, f"HTTP yükü {uuid.uuid4().hex[:4]}")
        self.cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        self.token = str(c.headers["X-CSRF-Token"])
        c.close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="Per route (after a warm-up).")
    ap.add_argument("--rounds", type=int, default=3, help="Rounds (medians printed).")
    ap.add_argument("--conns", type=int, default=2, help="Client connections (threads).")
    ap.add_argument("--route", action="append", choices=ROUTES,
                    help="Only these routes (repeatable; default all).")
    ap.add_argument("--variant", action="append", default=[],
                    help="Also uvicorn with LOOP-HTTP, e.g. asyncio-h11, uvloop-httptools.")
    args = ap.parse_args()
    routes = args.route or list(ROUTES)
    with tempfile.TemporaryDirectory(prefix="eczane-http-") as tmp, \
            ProcessPoolExecutor(1) as pool:
        data_dir = Path(tmp)
        seed(data_dir)
        pool.submit(abs, 0).result()      # the client process exists before the clock runs
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; "
              f"{args.seconds:.0f} s per route, {args.conns} connections")
        servers: list[Server] = []
        try:
            for variant in ["serve", *args.variant]:
                servers.append(Server(variant, data_dir))
            # Rounds interleave the servers (all started, idle when not driven), so a change
            # of load on a shared machine touches every variant alike; medians are printed.
            got: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
            for k in range(args.rounds):
                for route in routes:
                    for srv in servers:
                        fig = measure(pool, srv.proc.pid, srv.port, route, srv.sid, srv.cookie,
                                      srv.token, args.seconds, args.conns)
                        got.setdefault((srv.variant, route), []).append(fig)
                        print(f"round {k + 1} {srv.variant:<18} {route:<5} {fig[0]:8.0f} req/s "
                              f"{fig[1]:6.3f} CPU-ms/req" + (f"  NOT 200: {fig[2]}" if fig[2] else ""),
                              flush=True)
            print(f"median of {args.rounds} rounds:")
            for route in routes:
                for srv in servers:
                    figs = got[(srv.variant, route)]
                    print(f"{srv.variant:<18} {route:<5} "
                          f"{statistics.median(f[0] for f in figs):8.0f} req/s  "
                          f"{statistics.median(f[1] for f in figs):6.3f} CPU-ms/req"
                          + (f"  NOT 200: {sum(f[2] for f in figs)}"
                             if any(f[2] for f in figs) else ""))
        finally:
            for srv in servers:
                srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
