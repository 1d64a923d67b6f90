"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright for Python.

``live_server`` serves ``create_app`` with uvicorn in a thread on a free loopback port, on a
SQLite file with the alice/bob/charlie pharmacies; the web never sends to İTS: a test that sends
starts a real ``eczane worker`` process on the same database (``live_server.start_worker``); ``browser`` is one Chromium per session;
``page`` a fresh context per test; ``login(page, "alice")`` logs in through the form.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: object
    db: object
    pharmacies: object
    settings: object = None
    workers: list = field(default_factory=list)

    def start_worker(self, its_url: str, today: date) -> None:
        """An ``eczane worker`` process sending this server's approved batches to ``its_url``
        with ``today`` as the pharmacy's date; stopped (SIGTERM) when the test ends."""
        from tests.its.helpers import worker_process

        self.workers.append(worker_process(self.settings, its_url, today=today,
                                           stdout=subprocess.DEVNULL))

    def stop_workers(self) -> None:
        from tests.its.helpers import stop_worker

        for proc in self.workers:
            stop_worker(proc)
        self.workers.clear()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    import uvicorn

    from eczane.config import Settings
    from eczane.store.db import open_database
    from eczane.web.app import create_app
    from tests.conftest import TestPharmacies

    url = f"sqlite:///{tmp_path / 'browser.sqlite3'}"
    db = open_database(url)
    from eczane.store.users import create_pharmacy, create_user

    with db.begin() as conn:
        p1 = create_pharmacy(conn, "Alice Eczanesi", gln="8680001000001")
        p2 = create_pharmacy(conn, "Charlie Eczanesi", gln="8680001000018")
        a = create_user(conn, p1, "alice", "alice-pw", role="eczaci", display_name="Ecz. Alice")
        b = create_user(conn, p1, "bob", "bob-pw", role="kalfa", display_name="Bob")
        c = create_user(conn, p2, "charlie", "charlie-pw", role="eczaci", display_name="Ecz. Charlie")
    settings = Settings(data_dir=tmp_path / "var", database_url=url, secret_key="browser-secret")
    app = create_app(settings, db)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    live = LiveServer(f"http://127.0.0.1:{port}", app, db, TestPharmacies(p1, p2, a, b, c),
                      settings)
    try:
        yield live
    finally:
        live.stop_workers()
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="tr-TR")
    p = context.new_page()
    yield p
    context.close()


def login(page, base_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/giris")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
