"""The guard's role table (issue 15), proved over every route the app has, present and future.

Routes come from ``app.routes`` (as in ``test_route_guard.py``), so a route added later is
classified without editing this file: a path under ``/oda`` is the chamber's, under
``/yonetim`` the admin's, the account pages are everyone's, public paths are open, and every
other path is a pharmacy's. Each role must get 403 exactly where its class says so.
"""

from __future__ import annotations

import pytest
from fastapi import APIRouter

from eczane.web.app import create_app
from tests.chamber_seed import seed_chambers
from tests.security.test_route_guard import PUBLIC, endpoints
from tests.webclient import CsrfTestClient

OWN_ACCOUNT = {"/hesap", "/hesap/parola", "/hesap/oturumlar", "/cikis"}


def access_class(url: str) -> str:
    if PUBLIC.match(url):
        return "public"
    if url in OWN_ACCOUNT:
        return "account"
    for prefix, name in (("/oda", "chamber"), ("/yonetim", "admin")):
        if url == prefix or url.startswith(prefix + "/"):
            return name
    return "pharmacy"


ALLOWED = {
    "alice": {"public", "account", "pharmacy"},
    "bob": {"public", "account", "pharmacy"},
    "odaist": {"public", "account", "chamber"},
    "yonetici": {"public", "account", "admin"},
}


@pytest.fixture
def app(settings, db, pharmacies):
    seed_chambers(db, pharmacies, activity=False)
    app = create_app(settings, db)
    extra = APIRouter()  # a pharmacy page added later: closed to oda and admin unlisted

    @extra.get("/yeni-sayfa/{thing_id}")
    def later(thing_id: int) -> dict[str, int]:
        return {"ok": thing_id}

    app.include_router(extra)
    return app


def login(app, name: str) -> CsrfTestClient:  # type: ignore[no-untyped-def]
    c = CsrfTestClient(app, raise_server_exceptions=False)
    r = c.post("/giris", data={"username": name, "password": f"{name}-pw"},
               follow_redirects=False)
    assert r.status_code == 303
    return c


def test_the_classes_cover_the_new_pages(app):
    classes = {access_class(url) for _, url in endpoints(app)}
    assert classes == {"public", "account", "pharmacy", "chamber", "admin"}
    assert ("GET", "/yeni-sayfa/1") in endpoints(app)


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_every_route_answers_403_exactly_outside_the_roles_classes(app, name):
    wrong = []
    c = login(app, name)
    for method, url in endpoints(app):
        if url == "/cikis" or (method != "GET" and access_class(url) == "account"):
            continue  # logging out or changing the password would end this client's session
        r = c.request(method, url, follow_redirects=False)
        if r.status_code == 401 or r.headers.get("location", "").startswith("/giris"):
            c = login(app, name)  # a page ended the session (none should): log in again
            r = c.request(method, url, follow_redirects=False)
        allowed = access_class(url) in ALLOWED[name]
        refused_by_role = r.status_code == 403 and "x-csrf-refused" not in r.headers
        if allowed and refused_by_role and access_class(url) != "pharmacy":
            wrong.append(f"{name} {method} {url}: 403 but allowed")
        if not allowed and not refused_by_role:
            wrong.append(f"{name} {method} {url}: {r.status_code}, expected 403")
        if not allowed and r.status_code == 403:
            assert "Eczanesi" not in r.text.split("<main>")[-1], (method, url)
    assert wrong == []


def test_a_pharmacy_page_is_open_to_the_pharmacy_and_closed_to_the_chamber(app):
    assert login(app, "alice").get("/yeni-sayfa/1").status_code == 200
    for name in ("odaist", "yonetici"):
        r = login(app, name).get("/yeni-sayfa/1")
        assert r.status_code == 403 and "eczane verisini göremez" in r.text


def test_chamber_staff_and_the_admin_change_their_own_password(app):
    c = login(app, "odaist")
    r = c.get("/hesap")
    assert r.status_code == 200 and "İstanbul Oda Görevlisi (Oda)" in r.text
    r = c.post("/hesap/parola", data={"mevcut": "odaist-pw", "yeni": "lavanta-kokulu-raf-7",
                                      "yeni2": "lavanta-kokulu-raf-7"})
    assert r.status_code == 200 and "Parolanız değiştirildi" in r.text
    assert login(app, "yonetici").get("/hesap/kullanicilar").status_code == 403


def test_the_menu_shows_each_role_only_what_it_opens(app):
    header = login(app, "odaist").get("/oda").text.split("</header>")[0]
    assert 'href="/oda"' in header and 'href="/sayim"' not in header
    assert 'href="/yonetim"' not in header
    header = login(app, "alice").get("/").text.split("</header>")[0]
    assert 'href="/sayim"' in header and 'href="/oda"' not in header
