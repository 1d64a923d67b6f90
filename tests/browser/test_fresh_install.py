"""A fresh install with the demo off, in real Chromium: the login page says how to start, the
admin creates the first pharmacist with the real ``eczane`` command, the pharmacist logs in and
adds a technician from the page, the technician logs in and out, and the old cookie is refused."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import _free_port

PHARMACIST_PW = "lavanta-kokulu-raf-7"
TECH_PW = "sabah-vardiyasi-42"


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    import uvicorn

    from eczane.config import Settings
    from eczane.store.db import open_database
    from eczane.web.app import create_app

    env = {**os.environ, "ECZANE_DATA_DIR": str(tmp_path / "var"),
           "ECZANE_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'eczane.sqlite3'}",
           "ECZANE_DEMO": "false"}
    settings = Settings.from_env(env)
    db = open_database(settings.effective_database_url)
    app = create_app(settings, db)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", env
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


def _eczane(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The real ``eczane`` command, as the installation admin would type it."""
    return subprocess.run([sys.executable, "-m", "eczane.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def _log_in(page, url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/giris")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/giris'] button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_a_fresh_install_from_the_cli_to_a_technician_logging_out(page, fresh_server):
    url, env = fresh_server
    page.goto(f"{url}/giris")
    assert "İlk kurulum: henüz hiç hesap yok" in page.inner_text("#first-run")
    assert "eczane user add KULLANICI_ADI --role eczaci" in page.inner_text("#first-run")

    r = _eczane(env, "pharmacy", "add", "Papatya Eczanesi", "--gln", "8680001000036")
    assert r.returncode == 0, r.stderr
    r = _eczane(env, "user", "add", "ayse", "--role", "eczaci", "--name", "Ecz. Ayşe Demir",
                "--password-stdin", stdin=PHARMACIST_PW + "\n")
    assert r.returncode == 0, r.stderr

    _log_in(page, url, "ayse", PHARMACIST_PW)
    assert "Ecz. Ayşe Demir (Eczacı)" in page.inner_text("header")
    page.click("header >> text=Kullanıcılar")
    page.wait_for_url(f"{url}/hesap/kullanicilar")
    page.fill("#add-user input[name=kullanici_adi]", "mehmet")
    page.fill("#add-user input[name=ad]", "Mehmet Kaya")
    page.fill("#add-user input[name=parola]", TECH_PW)
    page.click("#add-user button[type=submit]")
    assert "mehmet kalfa olarak eklendi." in page.inner_text("[role=status]")
    assert "Mehmet Kaya" in page.inner_text("#users")
    page.click("header button:has-text('Çıkış')")
    page.wait_for_url(f"{url}/")

    _log_in(page, url, "mehmet", TECH_PW)
    assert "Mehmet Kaya (Kalfa)" in page.inner_text("header")
    assert page.locator("header >> text=Kullanıcılar").count() == 0
    old = next(c for c in page.context.cookies() if c["name"] == "eczane_session")
    page.click("header button:has-text('Çıkış')")
    page.wait_for_url(f"{url}/")

    page.context.add_cookies([old])  # the old cookie, brought back
    page.goto(f"{url}/hesap")
    assert page.url.startswith(f"{url}/giris")
    # the scan API (what the technician's phone posts to) refuses the old cookie too
    # (with the token the page would have for that cookie, so the refusal is the session's)
    token = page.request.get(f"{url}/api/csrf").json()["token"]
    response = page.request.post(f"{url}/api/sayim/1/scan", data={"raw": "x"},
                                 headers={"X-CSRF-Token": token})
    assert response.status == 401
    assert "Giriş" in page.inner_text("header")
