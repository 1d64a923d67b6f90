"""Security headers, cookies and the OpenAPI schema (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eczane.web.app import create_app
from tests.webclient import CsrfTestClient

SRC = Path(__file__).resolve().parents[2] / "src" / "eczane"


def templates() -> list[Path]:
    """Every template: web/templates and the slices' own template folders."""
    return sorted(p for p in SRC.rglob("*.html") if "templates" in p.parts)


def directives(csp: str) -> dict[str, str]:
    return {d.strip().split(" ", 1)[0]: d.strip().partition(" ")[2] for d in csp.split(";")}


@pytest.mark.parametrize("path", ["/", "/giris", "/ruhsat/harc", "/static/app.css", "/yok-boyle"])
def test_every_response_carries_the_security_headers(app_client, path):
    r = app_client.get(path)
    csp = directives(r.headers["content-security-policy"])
    # no inline script, no eval; WebAssembly compilation only (the camera reader, zxing-wasm)
    assert csp["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] in ("same-origin", "no-referrer")


def test_logged_in_pages_and_refusals_carry_them_too(app_client):
    app_client.login("alice")
    assert "frame-ancestors 'none'" in app_client.get("/sayim").headers["content-security-policy"]
    app_client.send_csrf = False
    refused = app_client.post("/sayim", data={"name": "x"})
    assert refused.status_code == 403
    assert refused.headers["x-frame-options"] == "DENY"


def test_no_template_has_inline_script_or_event_handlers():
    bad = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in m.group(1):
                bad.append(f"{path.name}: inline <script>")
        for m in re.finditer(r"\son[a-z]+\s*=", text):
            bad.append(f"{path.name}: {m.group(0).strip()}")
        if "javascript:" in text:
            bad.append(f"{path.name}: javascript: URL")
    assert bad == []
    assert any("accounts" in p.parts for p in templates())  # the slices are read too


def test_every_post_form_in_every_template_carries_the_token_field():
    missing = []
    for path in templates():
        for m in re.finditer(r"<form\b[^>]*>(.{0,40})", path.read_text(encoding="utf-8"),
                             re.S | re.I):
            if 'method="post"' in m.group(0).lower() and "csrf_field()" not in m.group(1):
                missing.append(f"{path.relative_to(SRC)}: {m.group(0)[:60]}")
    assert missing == []


def _set_cookies(response) -> list[str]:
    return response.headers.get_list("set-cookie")


def test_every_cookie_is_secure_httponly_and_lax_when_secure_cookies_is_on(settings, db,
                                                                           pharmacies):
    client = CsrfTestClient(create_app(settings.with_(secure_cookies=True), db),
                            base_url="https://testserver")
    seen = _set_cookies(client.get("/giris"))
    seen += _set_cookies(client.post("/giris", data={"username": "alice", "password": "alice-pw"},
                                     follow_redirects=False))
    seen += _set_cookies(client.post("/cikis", follow_redirects=False))
    names = {c.split("=", 1)[0] for c in seen}
    assert names == {"eczane_csrf", "eczane_session"}
    for cookie in seen:
        attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= attrs, cookie


def test_cookies_are_not_secure_when_the_setting_is_off(app_client):
    cookies = _set_cookies(app_client.get("/giris"))
    assert cookies and all("secure" not in c.lower() for c in cookies)


@pytest.mark.filterwarnings("ignore::UserWarning")  # duplicate operation ids (GET+POST pages)
def test_the_openapi_schema_is_not_served_outside_development(app_client, settings, db):
    assert app_client.get("/openapi.json").status_code == 404
    assert app_client.get("/docs").status_code == 404
    dev = CsrfTestClient(create_app(settings.with_(api_docs=True), db))
    assert dev.get("/openapi.json").status_code == 200
