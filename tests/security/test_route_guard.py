"""The one guard (STYLE.md §13), proved over every route the app has, present and future.

The routes are enumerated from ``app.routes``; nothing here names a view, so a route added
later is covered without editing this file:

(a) without login, a route is either public (the list below) or answers 303 → /giris (pages)
    or 401 (htmx, the API);
(b) every state-changing route refuses, with 403 from the CSRF guard and even for a logged-in
    pharmacist, a request without a valid token, and one with the token from a foreign origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

from eczane.web.app import create_app
from eczane.web.csrf import UNSAFE_METHODS
from tests.webclient import CsrfTestClient

PUBLIC = re.compile(r"^(/|/giris|/cikis|/api/csrf|/ruhsat|/ruhsat/.*|/kurulum/.*|/saglik/canli|/saglik/hazir)$")
"""Open without an account: home, login/logout, the script token, the licensing assistant, the
health endpoints."""
FOREIGN = [{"Origin": "http://evil.example"}, {"Origin": "http://testserver:9999"},
           {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}]


def api_routes(routes: list) -> Iterator[APIRoute]:
    """Every APIRoute, including those of included routers (FastAPI ≥ 0.16x nests them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # fastapi.routing._IncludedRouter
            yield from api_routes(route.original_router.routes)


def endpoints(app) -> list[tuple[str, str]]:
    """(method, concrete URL) for every method of every route; path parameters become 1."""
    out = []
    for route in api_routes(app.routes):
        url = re.sub(r"\{[^}]+\}", "1", route.path_format)
        out += [(m, url) for m in sorted(route.methods - {"HEAD"})]
    return out


@pytest.fixture
def app(settings, db, pharmacies):
    return create_app(settings, db)


def client(app) -> CsrfTestClient:
    return CsrfTestClient(app, raise_server_exceptions=False)


def login(c: CsrfTestClient, name: str = "alice") -> CsrfTestClient:
    r = c.post("/giris", data={"username": name, "password": f"{name}-pw"}, follow_redirects=False)
    assert r.status_code == 303
    return c


def test_the_enumeration_finds_the_routes_of_every_area(app):
    found = endpoints(app)
    assert len(found) > 40
    for expected in [("POST", "/bildirim/1/onay"), ("POST", "/bildirim/1/gonder"),
                     ("POST", "/api/sayim/1/scan"), ("POST", "/ithalat/geri-yukle/onayla"),
                     ("POST", "/cikis"), ("GET", "/sayim/1"), ("POST", "/ruhsat/harc")]:
        assert expected in found


def test_every_route_without_login_is_public_or_sends_to_the_login_page(app):
    c = client(app)
    wrong = []
    for method, url in endpoints(app):
        if PUBLIC.match(url):
            continue
        r = c.request(method, url, follow_redirects=False)  # the token of the anonymous cookie
        to_login = r.status_code == 303 and r.headers["location"].startswith("/giris")
        if not (to_login or r.status_code == 401):
            wrong.append(f"{method} {url} → {r.status_code}")
        hx = c.request(method, url, headers={"HX-Request": "true"}, follow_redirects=False)
        if hx.status_code != 401:
            wrong.append(f"{method} {url} (htmx) → {hx.status_code}")
    assert wrong == []


def test_the_public_routes_answer_without_login(app):
    c = client(app)
    public_gets = [url for m, url in endpoints(app) if m == "GET" and PUBLIC.match(url)]
    assert "/ruhsat/harc" in public_gets and "/giris" in public_gets
    for url in public_gets:
        if "/1" in url:  # a public page with a parameter (none today) may rightly answer 404
            continue
        r = c.get(url, follow_redirects=False)
        ready = url == "/saglik/hazir" and r.status_code == 503  # no worker in this test
        assert (r.status_code < 500 or ready) and not r.headers.get("location", "").startswith("/giris"), url


def check_unsafe_routes_refuse_forgery(app) -> list[str]:
    """(b) for every unsafe route: refused without a token and from a foreign origin."""
    wrong = []
    for method, url in endpoints(app):
        if method not in UNSAFE_METHODS:
            continue
        c = login(client(app))
        attempts = [{"X-CSRF-Token": ""}, {"X-CSRF-Token": "0" * 64}]
        attempts += FOREIGN  # these carry the valid token (added by the client)
        for headers in attempts:
            r = c.request(method, url, headers=headers, data={"csrf_token": ""},
                          follow_redirects=False)
            if r.status_code != 403 or r.headers.get("x-csrf-refused") != "1":
                wrong.append(f"{method} {url} {headers} → {r.status_code}")
        # control: the same client with the token from our own origin passes the guard
        ok = c.request(method, url, headers={"Origin": "http://testserver",
                                             "Sec-Fetch-Site": "same-origin"},
                       follow_redirects=False)
        if ok.headers.get("x-csrf-refused"):
            wrong.append(f"{method} {url}: a legitimate request was refused")
    return wrong


def test_every_unsafe_route_refuses_a_forged_request_even_with_a_valid_session(app):
    assert check_unsafe_routes_refuse_forgery(app) == []


def test_a_route_added_later_is_guarded_without_editing_this_test(settings, db, pharmacies):
    app = create_app(settings, db)
    calls = []
    extra = APIRouter()

    @extra.post("/yeni/{thing_id}/sil")
    def delete_thing(thing_id: int) -> dict[str, int]:
        calls.append(thing_id)
        return {"ok": thing_id}

    @extra.get("/yeni/{thing_id}")
    def show_thing(thing_id: int) -> dict[str, int]:
        return {"ok": thing_id}

    app.include_router(extra)
    assert ("POST", "/yeni/1/sil") in endpoints(app)
    anonymous = client(app)
    assert anonymous.get("/yeni/1", follow_redirects=False).status_code == 303
    assert anonymous.post("/yeni/1/sil", follow_redirects=False).status_code == 303
    assert check_unsafe_routes_refuse_forgery(app) == []
    # only the control requests (one per unsafe route check) reached the new view
    assert calls == [1]
