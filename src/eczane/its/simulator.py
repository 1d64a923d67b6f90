"""İTS simulator: the protocol of ``eczane.its.protocol``, the law's rules, and fault injection.

Run it as its own process (``eczane its-simulator --port 8100 --demo``) or in a thread in tests
(:class:`SimulatorServer`). State is in memory, optionally persisted to SQLite (``--db``).

Rules for a ``ds="75"`` deactivation (seed 000; window data from ``eczane.windows``): the window
must be open on the simulator's ``today`` (else the request is refused with fc 11022); per pack,
refused if not registered to the sender (10304), unknown (10201), already deactivated (60000),
details differ from the registration (10203), processed on/after ``records_before`` (75001) or of
an excluded colour class (75002). Codes 7500x are the simulator's own (real ones unknown,
``data/its/result_codes.yaml``).

Faults (``/admin/faults`` or CLI flags), on notification endpoints only: ``latency_ms``;
``error_rate`` (503 before commit); ``timeout_rate`` (hang ``hang_s`` and never commit);
``drop_rate`` (commit, then close the connection without an answer); ``late_rate`` (hang
``hang_s``, then commit after the client gave up); ``partial_rate`` (per pack, transient code
90000, not committed). ``*_next`` forces the next N requests to that fault.
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from eczane.its import protocol as p

NOTIFY_PATHS = {p.DEACTIVATION_PATH, p.ACCEPT_PATH, p.DEACTIVATION_CANCEL_PATH}


@dataclass
class SimPack:
    gtin: str
    sn: str
    bn: str
    xd: str
    owner: str
    """GLN the pack is registered to (for in-transit packs: the sender)."""
    status: str = "active"
    """active | in_transit | deactivated"""
    last_tx: str = "2025-01-01"
    dest: str = ""
    """For in_transit: the receiving pharmacy's GLN."""
    ds: str = ""
    deactivations: int = 0
    """How many times İTS committed a deactivation of this pack (must never exceed 1)."""


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    late_rate: float = 0.0
    partial_rate: float = 0.0
    hang_s: float = 3.0
    error_next: int = 0
    timeout_next: int = 0
    drop_next: int = 0
    late_next: int = 0
    partial_next: int = 0
    seed: int | None = None


@dataclass
class Window:
    code: str
    open_from: str | None
    open_until: str | None
    records_before: str | None
    excluded_classes: list[str] = field(default_factory=list)


class SimState:
    """Everything the simulator knows; every method holds the lock."""

    def __init__(self, *, today: date | None = None, db_path: str | None = None) -> None:
        self.lock = threading.RLock()
        self.packs: dict[tuple[str, str], SimPack] = {}
        self.users: dict[str, tuple[str, str]] = {}  # username → (password, gln)
        self.tokens: dict[str, str] = {}  # token → gln
        self.catalog: dict[str, str] = {}  # gtin → prescription class
        self.windows: dict[str, Window] = {}
        self.today = today or date.today()
        self.faults = Faults()
        self.rng = random.Random()
        self.stats: dict[str, int] = {"requests": 0, "notifications": 0, "faults": 0,
                                      "status_queries": 0, "status_packs": 0, "logins": 0,
                                      "logins_refused": 0}
        self.next_id = 1
        self._db = None
        if db_path:
            self._db = sqlite3.connect(db_path, check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS pack (gtin TEXT, sn TEXT, data TEXT, "
                             "PRIMARY KEY (gtin, sn))")
            for (data,) in self._db.execute("SELECT data FROM pack"):
                sp = SimPack(**json.loads(data))
                self.packs[(sp.gtin, sp.sn)] = sp
        self.load_default_windows()

    # --- setup -----------------------------------------------------------------------------
    def load_default_windows(self) -> None:
        from eczane.windows import load_windows

        for w in load_windows():
            if w.code:
                self.windows[w.code] = Window(
                    w.code, _iso(w.open_from), _iso(w.open_until), _iso(w.records_before),
                    sorted(str(c.value) for c in w.excluded_classes))

    def add_user(self, gln: str, username: str, password: str) -> None:
        with self.lock:
            self.users[username] = (password, gln)

    def add_packs(self, rows: list[dict[str, Any]]) -> int:
        with self.lock:
            changed = []
            for r in rows:
                sp = SimPack(**{k: v for k, v in r.items() if k in SimPack.__dataclass_fields__})
                self.packs[(sp.gtin, sp.sn)] = sp
                changed.append(sp)
            self._persist(changed)
            return len(changed)

    def configure(self, body: dict[str, Any]) -> None:
        with self.lock:
            if "today" in body:
                self.today = date.fromisoformat(body["today"])
            for w in body.get("windows", []):
                self.windows[w["code"]] = Window(**w)
            self.catalog.update(body.get("catalog", {}))
            for u in body.get("users", []):
                self.users[u["username"]] = (u["password"], u["gln"])

    def set_faults(self, body: dict[str, Any]) -> None:
        with self.lock:
            self.faults = Faults(**{**asdict(self.faults), **body})
            if self.faults.seed is not None:
                self.rng.seed(self.faults.seed)

    def _persist(self, packs: list[SimPack]) -> None:
        if self._db is not None and packs:
            self._db.executemany("INSERT OR REPLACE INTO pack VALUES (?, ?, ?)",
                                 [(sp.gtin, sp.sn, json.dumps(asdict(sp))) for sp in packs])
            self._db.commit()

    # --- faults ----------------------------------------------------------------------------
    def draw_fault(self) -> str | None:
        """Which fault (if any) hits this notification request."""
        with self.lock:
            f = self.faults
            for name in ("error", "timeout", "drop", "late"):
                if getattr(f, f"{name}_next") > 0:
                    setattr(f, f"{name}_next", getattr(f, f"{name}_next") - 1)
                    self.stats["faults"] += 1
                    return name
            for name in ("error", "timeout", "drop", "late"):
                if getattr(f, f"{name}_rate") and self.rng.random() < getattr(f, f"{name}_rate"):
                    self.stats["faults"] += 1
                    return name
            return None

    def _partial(self) -> bool:
        f = self.faults
        if f.partial_next > 0:
            f.partial_next -= 1
            return True
        return bool(f.partial_rate) and self.rng.random() < f.partial_rate

    # --- protocol --------------------------------------------------------------------------
    def token(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.stats["logins"] += 1
            user = self.users.get(str(body.get("username", "")))
            if user is None or user[0] != body.get("password"):
                self.stats["logins_refused"] += 1
                return 401, {"fc": "11901", "fm": "Kullanıcı adı veya parola hatalı"}
            tok = secrets.token_hex(16)
            self.tokens[tok] = user[1]
            return 200, {"token": tok}

    def gln_for(self, auth: str | None) -> str | None:
        if not auth or not auth.startswith("Bearer "):
            return None
        with self.lock:
            return self.tokens.get(auth[7:])

    def deactivate(self, gln: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ds = str(body.get("ds", ""))
        if body.get("frGln") != gln:
            return 403, {"fc": "11023", "fm": "Servisi kullanmaya yetkili değilsiniz (frGln)"}
        if ds not in p.deactivation_reasons():
            return 400, {"fc": "11022", "fm": "Deaktivasyon kodu yanlış"}
        with self.lock:
            win = self.windows.get(ds)
            if win is not None and not _open(win, self.today):
                return 400, {"fc": "11022", "fm": f"Deaktivasyon kodu yanlış: {ds} kodunun "
                             f"süresi dışında ({win.open_from}–{win.open_until})"}
            results, changed = [], []
            for item in body.get("productList") or []:
                uc, sp = self._check_deactivation(gln, ds, win, item)
                if uc == p.SUCCESS and sp is not None:
                    sp.status, sp.ds = "deactivated", ds
                    sp.deactivations += 1
                    changed.append(sp)
                results.append({"gtin": item.get("gtin"), "sn": item.get("sn"), "uc": uc})
            return 200, self._committed(results, changed)

    def _check_deactivation(self, gln: str, ds: str, win: Window | None,
                            item: dict[str, Any]) -> tuple[str, SimPack | None]:
        if self._partial():
            return "90000", None
        sp = self.packs.get((str(item.get("gtin")), str(item.get("sn"))))
        if sp is None:
            return "10201", None
        if sp.status == "deactivated":
            return "60000", None
        if sp.owner != gln or sp.status != "active":
            return "10304", None
        if (item.get("bn") and item["bn"] != sp.bn) or (item.get("xd") and item["xd"] != sp.xd):
            return "10203", None
        if win is not None:
            if win.records_before and sp.last_tx >= win.records_before:
                return "75001", None
            if self.catalog.get(sp.gtin, "normal") in win.excluded_classes:
                return "75002", None
        return p.SUCCESS, sp

    def cancel(self, gln: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            results, changed = [], []
            for item in body.get("productList") or []:
                sp = self.packs.get((str(item.get("gtin")), str(item.get("sn"))))
                if sp is None:
                    uc = "10201"
                elif sp.status != "deactivated" or sp.owner != gln:
                    uc = "10304"
                else:
                    win = self.windows.get(sp.ds)
                    uc = p.SUCCESS if win is not None and _open(win, self.today) else "75003"
                if uc == p.SUCCESS and sp is not None:
                    sp.status, sp.ds = "active", ""
                    changed.append(sp)
                results.append({"gtin": item.get("gtin"), "sn": item.get("sn"), "uc": uc})
            return 200, self._committed(results, changed)

    def accept(self, gln: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            results, changed = [], []
            for item in body.get("productList") or []:
                sp = self.packs.get((str(item.get("gtin")), str(item.get("sn"))))
                if self._partial():
                    uc = "90000"
                elif sp is None:
                    uc = "10201"
                elif sp.status == "active" and sp.owner == gln:
                    uc = "10223"
                elif sp.status != "in_transit" or sp.dest != gln:
                    uc = "10304"
                else:
                    uc = p.SUCCESS
                    sp.status, sp.owner, sp.dest = "active", gln, ""
                    sp.last_tx = self.today.isoformat()
                    changed.append(sp)
                results.append({"gtin": item.get("gtin"), "sn": item.get("sn"), "uc": uc})
            return 200, self._committed(results, changed)

    def _committed(self, results: list[dict[str, Any]], changed: list[SimPack]) -> dict[str, Any]:
        self._persist(changed)
        nid = f"SIM{self.next_id:012d}"
        self.next_id += 1
        self.stats["notifications"] += 1
        return {p.NOTIFICATION_ID_KEY: nid, "productList": results}

    def check_status(self, gln: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        items = body.get("productList") or []
        if len(items) > p.MAX_BATCH:
            return 429, {"fc": "11023", "fm": "Durum sorgulama servisi aşırı kullanım"}
        out = []
        with self.lock:
            self.stats["status_queries"] += 1
            self.stats["status_packs"] += len(items)
            for item in items:
                sp = self.packs.get((str(item.get("gtin")), str(item.get("sn"))))
                if sp is None:
                    row = {"uc": "10201", "gln1": "", "gln2": ""}
                elif sp.status == "deactivated":
                    row = {"uc": "60000", "gln1": sp.owner, "gln2": ""}
                elif sp.status == "in_transit":
                    row = {"uc": "60002", "gln1": sp.owner, "gln2": sp.dest}
                else:
                    row = {"uc": "60003", "gln1": sp.owner, "gln2": ""}
                out.append({"gtin": item.get("gtin"), "sn": item.get("sn"), **row})
        return 200, {"responseObjectList": out}

    def snapshot(self, gln: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [asdict(sp) for sp in self.packs.values()
                    if gln is None or sp.owner == gln or sp.dest == gln]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _open(w: Window, today: date) -> bool:
    t = today.isoformat()
    if not w.open_from or t < w.open_from:
        return False
    return not w.open_until or t <= w.open_until


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimulatorHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # request bodies carry passwords on /token: never log

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        st = self.server.state
        path, _, query = self.path.partition("?")
        if path == "/admin/state":
            gln = dict(q.split("=", 1) for q in query.split("&") if "=" in q).get("gln")
            self._send(200, {"packs": st.snapshot(gln), "today": st.today.isoformat()})
        elif path == "/admin/stats":
            with st.lock:
                multi = sum(1 for sp in st.packs.values() if sp.deactivations > 1)
                self._send(200, {**st.stats, "multiply_deactivated": multi,
                                 "faults_config": asdict(st.faults)})
        elif path == "/health":
            self._send(200, {"ok": True})
        else:
            self._send(404, {"fc": "404", "fm": "Bulunamadı"})

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._send(400, {"fc": "11031", "fm": "JSON okunamadı"})
            return
        with st.lock:
            st.stats["requests"] += 1
        path = self.path.split("?")[0]
        if path.startswith("/admin/"):
            self._admin(path, body)
            return
        if path == p.TOKEN_PATH:
            self._send(*st.token(body))
            return
        gln = st.gln_for(self.headers.get("Authorization"))
        if gln is None:
            self._send(401, {"fc": "11901", "fm": "Geçersiz veya eksik token"})
            return
        if st.faults.latency_ms:
            time.sleep(st.faults.latency_ms / 1000)
        if path == p.CHECK_STATUS_PATH:
            self._send(*st.check_status(gln, body))
            return
        if path == p.ERRORCODE_PATH:
            self._send(200, {"errorCodeList": [{"code": c, "message": t}
                                               for c, (_, t) in p.result_codes().items()]})
            return
        if path not in NOTIFY_PATHS:
            self._send(404, {"fc": "404", "fm": "Servis bulunamadı"})
            return
        fault = st.draw_fault()
        if fault == "error":
            self._send(503, {"fc": "99999", "fm": "Servis geçici olarak kullanılamıyor"})
            return
        if fault == "timeout":
            time.sleep(st.faults.hang_s)
            self.close_connection = True
            return
        if fault == "late":
            time.sleep(st.faults.hang_s)  # the client gives up; we commit afterwards anyway
        handler = {p.DEACTIVATION_PATH: st.deactivate, p.ACCEPT_PATH: st.accept,
                   p.DEACTIVATION_CANCEL_PATH: st.cancel}[path]
        status, answer = handler(gln, body)
        if fault == "drop":
            self.close_connection = True  # committed, but the answer is lost
            return
        self._send(status, answer)

    def _admin(self, path: str, body: dict[str, Any]) -> None:
        st = self.server.state
        if path == "/admin/packs":
            self._send(200, {"loaded": st.add_packs(body.get("packs", []))})
        elif path == "/admin/faults":
            st.set_faults(body)
            self._send(200, asdict(st.faults))
        elif path == "/admin/config":
            st.configure(body)
            self._send(200, {"today": st.today.isoformat()})
        else:
            self._send(404, {"fc": "404", "fm": "Bulunamadı"})


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], state: SimState) -> None:
        super().__init__(addr, Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout fault) is expected here, not an error to print."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SimulatorServer:
    """The simulator in a background thread (tests, bench)."""

    def __init__(self, state: SimState | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state or SimState()
        self.httpd = SimulatorHTTPServer((host, port), self.state)
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> SimulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


DEMO_USERNAME_SUFFIX = "0000"
DEMO_PASSWORD = "demo"


def load_demo(state: SimState, today: date) -> None:
    """The demo pharmacy's İTS packs (``eczane.demo_data``) under ``DEMO_GLN``."""
    from eczane.demo_data import demo_pharmacy, demo_products
    from eczane.store.demo import DEMO_GLN

    demo = demo_pharmacy(today)
    state.add_user(DEMO_GLN, DEMO_GLN + DEMO_USERNAME_SUFFIX, DEMO_PASSWORD)
    state.catalog.update({pr.gtin: str(pr.prescription_class.value) for pr in demo_products()
                          if pr.prescription_class is not None})
    rows = [dict(gtin=dp.gtin, sn=dp.serial, bn=dp.batch, xd=dp.expiry.isoformat(),
                 owner=DEMO_GLN, last_tx=dp.last_tx_date.isoformat()) for dp in demo.its_packs]
    senders = {"depo": "8680007800012", "eczane": "8680001000018"}  # research/its.md §1.1 test GLNs
    rows += [dict(gtin=dp.gtin, sn=dp.serial, bn=dp.batch, xd=dp.expiry.isoformat(),
                  owner=senders.get(kind, "8680007800012"), status="in_transit", dest=DEMO_GLN,
                  last_tx=dp.last_tx_date.isoformat()) for dp, kind, _ in demo.in_transit]
    with state.lock:  # a persisted state (--db) keeps what happened to the demo packs
        rows = [r for r in rows if (r["gtin"], r["sn"]) not in state.packs]
    state.add_packs(rows)


def serve(host: str, port: int, *, demo: bool, db_path: str | None, today: date,
          faults: dict[str, Any]) -> None:
    state = SimState(today=today, db_path=db_path)
    if demo:
        load_demo(state, today)
    state.set_faults(faults)
    httpd = SimulatorHTTPServer((host, port), state)
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()
