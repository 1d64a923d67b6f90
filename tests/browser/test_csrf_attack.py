"""Issue 13's forgery attack in real Chromium: a page served from ANOTHER PORT of 127.0.0.1
(same site for the browser, so ``SameSite=Lax`` cookies go along) auto-submits forms and
fires ``fetch(no-cors)`` uploads at the app while the pharmacist is logged in. It can no longer
approve, send, import, restore or log anyone out; the state is checked afterwards, and a control
run with the guard switched off shows the same page does succeed without it.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi import Request

from eczane.store import outbox as ob
from eczane.store.backup import write_backup
from eczane.store.backup_auth import BackupSecret
from eczane.web import csrf, guard
from tests.browser.conftest import login
from tests.browser.test_count import (
    SHELF,
    active,
    counting,  # noqa: F401
    open_counter,
    scanner_types,
    wait_state,
)
from tests.browser.test_notify import its_app  # noqa: F401

REFUSED = "istek başka bir siteden gönderilmiş"
LIST = b"0108699999999994211ABC\x1d1727010110L1\n"  # a valid karekod: the control imports it


class AttackSite:
    """An attacker's web server on its own port; ``pages[path]`` is the HTML it serves."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = site.pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def form(self, path: str, action: str, fields: dict[str, str]) -> str:
        inputs = "".join(f'<input name="{k}" value="{v}">' for k, v in fields.items())
        self.pages[path] = (f'<form method="post" action="{action}">{inputs}</form>'
                            "<script>document.forms[0].submit()</script>")
        return self.url + path

    def uploads(self, path: str, posts: list[tuple[str, str, bytes]]) -> str:
        """fetch(no-cors) multipart posts with a file: (url, field name, file bytes)."""
        calls = ",".join(
            "(()=>{const f=new FormData();"
            f"const b=Uint8Array.from(atob('{base64.b64encode(content).decode()}'),c=>c.charCodeAt(0));"
            f"f.append({json.dumps(field)},new Blob([b]),'liste.txt');"
            f"f.append('onay','x');f.append('token','0'.repeat(32));"
            f"return fetch({json.dumps(url)},{{method:'POST',mode:'no-cors',"
            "credentials:'include',body:f}).catch(()=>null)})()"
            for url, field, content in posts)
        self.pages[path] = (f"<script>Promise.all([{calls}]).then(()=>{{document.title='bitti'}})"
                            "</script>")
        return self.url + path

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def attacker() -> Iterator[AttackSite]:
    site = AttackSite()
    yield site
    site.stop()


def submission_status(server, sid: int) -> str:  # type: ignore[no-untyped-def]
    with server.db.connect() as conn:
        return str(ob.get_submission(conn, sid).status)


def open_acceptance_draft(page, server) -> int:  # type: ignore[no-untyped-def]
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim")
    page.click("#flow-acceptance button")
    page.wait_for_selector("#phrase")
    assert page.inner_text("#phrase") == "2 kutuyu teslim al"
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def test_another_port_can_neither_approve_nor_send_a_notification(page, its_app, attacker):  # noqa: F811
    server, sim = its_app
    sid = open_acceptance_draft(page, server)

    page.goto(attacker.form("/onay.html", f"{server.url}/bildirim/{sid}/onay",
                            {"confirmation": "2 kutuyu teslim al"}))
    page.wait_for_url(f"{server.url}/bildirim/{sid}/onay")
    text = page.inner_text("body")
    assert REFUSED in text
    assert "Ecz. Alice" in text  # the browser did send the pharmacist's cookie along
    assert submission_status(server, sid) == "draft"

    page.goto(attacker.form("/gonder.html", f"{server.url}/bildirim/{sid}/gonder", {}))
    page.wait_for_url(f"{server.url}/bildirim/{sid}/gonder")
    assert REFUSED in page.inner_text("body")
    assert submission_status(server, sid) == "draft"
    assert sim.state.stats["notifications"] == 0
    # the pharmacist, on the app's own page, still approves it normally
    page.goto(f"{server.url}/bildirim/{sid}")
    page.fill("input[name=confirmation]", "2 kutuyu teslim al")
    page.click("#approve button.danger")
    page.wait_for_selector("#progress")
    assert submission_status(server, sid) in ("approved", "done")   # queued for the worker


def test_another_port_can_neither_import_nor_restore(page, live_server, attacker, tmp_path):
    server = live_server
    backup = tmp_path / "eski.jsonl.gz"
    with server.db.begin() as conn:
        write_backup(conn, server.pharmacies.pharmacy_id, backup,
                     BackupSecret(server.app.state.services.secret_key),
                     user_id=server.pharmacies.alice_id)
    login(page, server.url, "alice")
    posts = [(f"{server.url}/ithalat/liste", "dosya", LIST),
             (f"{server.url}/ithalat/its", "dosya", LIST),
             (f"{server.url}/ithalat/geri-yukle", "dosya", backup.read_bytes()),
             (f"{server.url}/ithalat/geri-yukle/onayla", "dosya", b"")]
    page.goto(attacker.uploads("/yukle.html", posts))
    page.wait_for_function("document.title === 'bitti'")  # the attacker's page has no CSP
    page.goto(f"{server.url}/ithalat")
    main = page.inner_text("main")
    assert "Henüz karekod listesi yüklenmedi." in main
    assert "Henüz İTS stok listesi yüklenmedi." in main
    uploads = Path(server.app.state.services.settings.data_dir) / "uploads"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]

    # control: with the CSRF step of the guard switched off, the very same page does import it
    async def guard_without_csrf(request: Request) -> None:
        for step in guard.STEPS:
            if step is not csrf.protect:
                await step(request)

    server.app.dependency_overrides[guard.check] = guard_without_csrf
    try:
        page.goto(attacker.uploads("/yukle2.html", posts[:1]))
        page.wait_for_function("document.title === 'bitti'")
    finally:
        server.app.dependency_overrides.clear()
    page.goto(f"{server.url}/ithalat")
    assert "Henüz karekod listesi yüklenmedi." not in page.inner_text("main")


def test_another_port_cannot_log_the_pharmacist_out(page, live_server, attacker):
    login(page, live_server.url, "alice")
    page.goto(attacker.form("/cikis.html", f"{live_server.url}/cikis", {}))
    page.wait_for_url(f"{live_server.url}/cikis")
    assert REFUSED in page.inner_text("body")
    page.goto(f"{live_server.url}/sayim")
    assert page.url == f"{live_server.url}/sayim"
    assert "Ecz. Alice" in page.inner_text("header")



def test_the_counter_keeps_scanning_after_a_new_login_in_another_tab(page, live_server, counting):  # noqa: F811
    """count.js: a token from an older session is refused (403), the page fetches the current
    token and sends the queued scan again; nothing is lost."""
    open_counter(page, live_server, counting)
    other = page.context.new_page()  # the cookie (and so the token) changes under the page
    other.goto(f"{live_server.url}/giris")
    other.fill("input[name=username]", "bob")
    other.fill("input[name=password]", "bob-pw")
    other.click("main button[type=submit]")  # not the header's Çıkış
    other.wait_for_url(f"{live_server.url}/")
    assert "Bob" in other.inner_text("header")
    other.close()
    refusals = []
    page.on("response", lambda r: refusals.append(r.url) if r.status == 403 else None)
    page.focus("#scan-input")
    scanner_types(page, SHELF[0])
    wait_state(page, "green")
    assert refusals and refusals[0].endswith(f"/api/sayim/{counting}/scan")
    assert len(active(live_server, counting)) == 1
