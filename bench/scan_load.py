"""Load test of the count's scan endpoint: N simulated scanners on loopback.

Starts the real server (``eczane run --demo --its-port 0`` with ``ECZANE_DATA_DIR`` in a
temporary folder, i.e. what ``make run`` serves, on SQLite) unless ``--url`` points at one
already running (log in as ``eczaci``/``eczaci``, e.g. ``make run``). Opens a count session,
then:

1. baseline: one scanner for ``--baseline-s`` seconds;
2. load: ``--scanners`` scanners at once for ``--duration`` seconds, each scanning fresh packs
   as fast as the server answers, plus deliberate trouble: every 10th scan is re-sent with the
   same client_scan_id (a page retrying after a lost answer) and every 7th scans a pack another
   scanner already scanned (two devices, same pack).

Prints scans/s, p50/p99 acknowledgement latency, and lost/duplicated scans checked against the
count's karekod list export: every acknowledged new pack must be in it exactly once, and no pack
twice. Goal (issue 4, SQLite): 20 scanners, >= 300 scans/s, p99 < 50 ms, 0 lost, 0 doubled.

    .venv/bin/python bench/scan_load.py                  # spawn a server, 20 scanners, 10 s
    .venv/bin/python bench/scan_load.py --url http://127.0.0.1:8000   # against `make run`
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from eczane.demo_data import demo_products

ROOT = Path(__file__).resolve().parents[1]
GTINS = [p.gtin for p in demo_products()][:6]   # products of the demo catalog


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, ECZANE_DATA_DIR=str(data_dir), ECZANE_SECRET_KEY="bench")
    env.pop("ECZANE_DATABASE_URL", None)
    exe = ROOT / ".venv" / "bin" / "eczane"
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen([str(exe), "run", "--port", str(port), "--its-port", "0", "--demo"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/giris", timeout=1)
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise RuntimeError((data_dir / "server.log").read_text()) from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def login(url: str) -> httpx.Client:
    c = httpx.Client(base_url=url, timeout=10)
    c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]  # anonymous, for the login
    r = c.post("/giris", data={"username": "eczaci", "password": "eczaci"})
    if r.status_code not in (200, 303) or "eczane_session" not in c.cookies:
        raise RuntimeError(f"login failed: {r.status_code}")
    c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]  # bound to the session
    return c


def open_session(c: httpx.Client, name: str) -> int:
    r = c.post("/sayim", data={"name": name})
    m = re.search(r"/sayim/(\d+)", r.headers.get("location", "") or str(r.url))
    if m is None:
        raise RuntimeError(f"could not open a count: {r.status_code} {r.text[:300]}")
    return int(m.group(1))


def karekod(gtin: str, serial: str) -> str:
    expiry = date.today() + timedelta(days=400)
    return f"01{gtin}21{serial}\x1d17{expiry:%y%m%d}10B{serial[-4:]}"


@dataclass
class Scanner:
    no: int
    latencies: list[float] = field(default_factory=list)
    new_acked: list[str] = field(default_factory=list)
    """GTIN/serial of packs acknowledged as counted (not a duplicate, not a resend)."""
    dup_acked: int = 0
    replays: int = 0
    errors: Counter[str] = field(default_factory=Counter)


def run_scanner(url: str, sid: int, sc: Scanner, stop_at: float, shared: list[tuple[str, str]],
                cookies: dict[str, str], tag: str, interval: float) -> None:
    """One scanner: scan until ``stop_at``; one scan per ``interval`` seconds (0: flat out).

    Uses the stdlib's keep-alive ``http.client`` rather than httpx: on a 2-core machine the
    simulated scanners' own CPU must not be what limits the figures.
    """
    u = urlsplit(url)
    c = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port or 80, timeout=10)
    headers = {"Content-Type": "application/json",
               "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    c.request("GET", "/api/csrf", headers=headers)  # the page's token, as count.js sends it
    headers["X-CSRF-Token"] = json.loads(c.getresponse().read())["token"]
    i = 0
    last: dict[str, str] | None = None
    next_at = time.perf_counter() + (interval * sc.no / 20 if interval else 0)
    try:
        while time.time() < stop_at:
            if interval:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                next_at += interval
            i += 1
            if last is not None and i % 10 == 0:
                body = last                                   # page retry: same client_scan_id
            elif i % 7 == 0 and shared:
                gtin, serial = shared[(sc.no * 31 + i) % len(shared)]  # another scanner's pack
                body = {"raw": karekod(gtin, serial), "client_scan_id": uuid.uuid4().hex,
                        "device_id": f"bench-{sc.no}", "grp": "raf"}
            else:
                serial = f"{tag}{sc.no:02d}{i:07d}"
                body = {"raw": karekod(GTINS[i % len(GTINS)], serial),
                        "client_scan_id": uuid.uuid4().hex, "device_id": f"bench-{sc.no}",
                        "grp": "raf"}
            t0 = time.perf_counter()
            try:
                c.request("POST", f"/api/sayim/{sid}/scan", body=json.dumps(body),
                          headers=headers)
                r = c.getresponse()
                payload = r.read()
            except (OSError, http.client.HTTPException) as exc:
                sc.errors[type(exc).__name__] += 1
                c.close()
                continue
            sc.latencies.append(time.perf_counter() - t0)
            if r.status != 200:
                sc.errors[str(r.status)] += 1
                continue
            data = json.loads(payload)
            if data["replayed"]:
                sc.replays += 1
            elif data["code"] == "duplicate":
                sc.dup_acked += 1
            elif data["counted"]:
                sc.new_acked.append(f"{data['gtin']}/{data['serial']}")
                shared.append((data["gtin"], data["serial"]))
                last = body
    finally:
        c.close()


def run_group(url: str, sid: int, nos: list[int], stop_at: float, cookies: dict[str, str],
              tag: str, interval: float) -> list[Scanner]:
    """A client process: some scanners as threads (several processes: the client's own GIL
    must not be what limits the figures)."""
    shared: list[tuple[str, str]] = []
    scanners = [Scanner(k) for k in nos]
    threads = [threading.Thread(target=run_scanner, args=(url, sid, sc, stop_at, shared,
                                                          cookies, tag, interval))
               for sc in scanners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return scanners


def phase(url: str, sid: int, n: int, seconds: float, cookies: dict[str, str], tag: str,
          *, rate: float = 0.0, procs: int = 4) -> tuple[list[Scanner], float]:
    """``n`` scanners for ``seconds``; ``rate`` = total scans/s offered (0: as fast as answered)."""
    from concurrent.futures import ProcessPoolExecutor

    interval = n / rate if rate else 0.0
    groups = [list(range(k, n, procs)) for k in range(min(procs, n))]
    with ProcessPoolExecutor(len(groups)) as pool:
        list(pool.map(abs, [0] * len(groups)))   # start the workers before the clock runs
        stop_at = time.time() + seconds
        t0 = time.perf_counter()
        futs = [pool.submit(run_group, url, sid, g, stop_at, cookies, tag, interval)
                for g in groups]
        scanners = [sc for f in futs for sc in f.result()]
        elapsed = time.perf_counter() - t0
    return scanners, elapsed


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (Linux /proc), 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(label: str, scanners: list[Scanner], elapsed: float,
           server_cpu: float = 0.0) -> dict[str, float]:
    """Print one phase's figures; returns rate, p50, p99."""
    lat = sorted(x for s in scanners for x in s.latencies)
    n = len(lat)
    p50 = statistics.median(lat) * 1000 if lat else float("nan")
    p99 = lat[min(n - 1, int(n * 0.99))] * 1000 if lat else float("nan")
    rate = n / elapsed
    errors = sum((s.errors for s in scanners), Counter())
    print(f"{label:<24} scans={n:>6}  {rate:8.1f} scans/s  "
          f"p50={p50:6.1f} ms  p99={p99:6.1f} ms  new={sum(len(s.new_acked) for s in scanners)} "
          f"dup-answers={sum(s.dup_acked for s in scanners)} "
          f"resends={sum(s.replays for s in scanners)} errors={dict(errors)}"
          + (f"  server CPU {server_cpu / n * 1000:.2f} ms/scan" if server_cpu and n else ""))
    return {"rate": rate, "p50": p50, "p99": p99}


def verify(c: httpx.Client, sid: int, scanners: list[Scanner]) -> tuple[int, int]:
    """(lost, doubled) against the count's karekod list export."""
    text = c.get(f"/sayim/{sid}/karekodlar.txt", params={"fmt": "hri"}).text
    serials = Counter(f"{m.group(1)}/{m.group(2)}"
                      for m in re.finditer(r"\(01\)(\d{14})\(21\)([^()]+)\(17\)", text))
    acked = Counter(x for s in scanners for x in s.new_acked)
    lost = sum(1 for s in acked if serials[s] == 0)
    doubled = sum(1 for v in serials.values() if v > 1) + sum(1 for v in acked.values() if v > 1)
    return lost, doubled


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", help="An already running server (default: spawn one).")
    ap.add_argument("--scanners", type=int, default=20)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--baseline-s", type=float, default=3.0)
    ap.add_argument("--rate", type=float, default=300.0,
                    help="Scans/s offered in the paced phase (all scanners together).")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="eczane-bench-")
    proc = None
    url = args.url
    try:
        if url is None:
            port = free_port()
            proc = start_server(Path(tmp.name), port)
            url = f"http://127.0.0.1:{port}"
        c = login(url)
        run_tag = uuid.uuid4().hex[:4].upper()
        sid = open_session(c, f"Yük testi {run_tag}")
        print(f"server {url}  session {sid}  ({'spawned, SQLite' if proc else 'given'})")
        cookies = dict(c.cookies)
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        pid = proc.pid if proc else None
        cpu0 = cpu_seconds(pid)
        base, base_t = phase(url, sid, 1, args.baseline_s, cookies, f"B{run_tag}", procs=1)
        cpu1 = cpu_seconds(pid)
        b = report("baseline (1 scanner)", base, base_t, cpu1 - cpu0)
        sat, sat_t = phase(url, sid, args.scanners, args.duration, cookies, f"S{run_tag}")
        cpu2 = cpu_seconds(pid)
        m = report(f"saturation ({args.scanners})", sat, sat_t, cpu2 - cpu1)
        paced, paced_t = phase(url, sid, args.scanners, args.duration, cookies, f"P{run_tag}",
                               rate=args.rate)
        q = report(f"paced {args.rate:.0f}/s ({args.scanners})", paced, paced_t,
                   cpu_seconds(pid) - cpu2)
        lost, doubled = verify(c, sid, base + sat + paced)
        print(f"lost={lost}  double-counted={doubled}  "
              f"saturation/baseline throughput={m['rate'] / b['rate']:.2f}x  "
              f"paced p99/baseline p99={q['p99'] / b['p99']:.2f}x")
        goal = (m["rate"] >= 300 and q["rate"] >= 0.97 * args.rate and q["p99"] < 50
                and lost == 0 and doubled == 0)
        print(f"goal (>=300 scans/s; p99<50 ms at {args.rate:.0f}/s; 0 lost; 0 doubled): "
              f"{'MET' if goal else 'NOT MET'}")
        return 0 if lost == 0 and doubled == 0 else 1
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
