"""The app over real HTTP with each event loop and HTTP parser uvicorn may pick.

``eczane serve`` and ``eczane run`` leave uvicorn's ``loop`` and ``http`` on "auto": uvloop and
httptools where installed (Linux, macOS), asyncio and h11 where not (uvloop has no Windows
build). Each pair serves a login, a page and scans (the scan writer hands its answer back to
the loop from its thread), and refuses a body over the limit with the app's Turkish 413.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from eczane.config import Settings
from eczane.web.app import create_app
from tests.count.conftest import DEMO, karekod, seed_catalog

SHELF = DEMO.on_shelf
PAIRS = [("asyncio", "h11"), ("asyncio", "httptools"), ("uvloop", "httptools")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve(settings: Settings, db: Any, pharmacies: Any) -> Iterator[Any]:
    import uvicorn

    servers: list[tuple[Any, threading.Thread]] = []
    seed_catalog(db)

    def start(loop: str, http: str) -> str:
        app = create_app(settings.with_(max_upload_mb=1), db)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, loop=loop,
                                               http=http, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.time() + 15
        while not server.started and time.time() < deadline:
            time.sleep(0.05)
        assert server.started
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")
def test_the_fast_loop_and_parser_are_installed() -> None:
    assert importlib.util.find_spec("uvloop") is not None
    assert importlib.util.find_spec("httptools") is not None


@pytest.mark.parametrize(("loop", "http"), PAIRS)
def test_login_pages_and_scans_work_with_each_loop_and_parser(serve: Any, loop: str,
                                                              http: str) -> None:
    if importlib.util.find_spec(loop) is None or importlib.util.find_spec(http) is None:
        pytest.skip(f"{loop}/{http} not installed here")
    url = serve(loop, http)
    with httpx.Client(base_url=url, timeout=10) as c:
        c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]
        r = c.post("/giris", data={"username": "alice", "password": "alice-pw"})
        assert r.status_code == 303, r.text
        assert "Ecz. Alice" in c.get("/sayim").text
        c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]
        r = c.post("/sayim", data={"name": f"Döngü {loop}-{http}"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        sid = int(r.headers["location"].rstrip("/").split("/")[-1])
        assert c.get(f"/sayim/{sid}").status_code == 200
        answers = []
        for pack in SHELF[:5]:
            r = c.post(f"/api/sayim/{sid}/scan", json={
                "raw": karekod(pack), "grp": "raf", "client_scan_id": uuid.uuid4().hex,
                "device_id": "loop-test"})
            assert r.status_code == 200, r.text
            answers.append(r.json())
        assert [(a["code"], a["serial"]) for a in answers] == [("new", p.serial)
                                                               for p in SHELF[:5]]
        r = c.post(f"/api/sayim/{sid}/scan", content=b"{" + b" " * 2_100_000 + b"}",
                   headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and "Dosya çok büyük" in r.json()["message"]
        assert r.headers["x-content-type-options"] == "nosniff"
