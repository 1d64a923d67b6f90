"""Issue 13: a malformed request is a 4xx with a Turkish message, never a 500.

Every route of the app is walked (the router tree is enumerated, so a route added later is
walked too) with malformed path parameters, queries and bodies as a logged-in pharmacist, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute

from eczane.store import count as count_store
from eczane.store.workers import beat

BIG = str(2**63)
"""One more than the largest database integer (bigint / SQLite INTEGER)."""
PATH_VALUES = (BIG, str(2**31), "-1", "abc", "1", "9" * 40, "%C5%9F%00")
QUERY_VALUES = (BIG, "-" + BIG, "-5", "abc", "", "1e999", "nan", "9" * 400)


def api_routes(app: Any) -> list[APIRoute]:
    """Every APIRoute of the app, through included routers."""
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for r in routes:
            if isinstance(r, APIRoute):
                found.append(r)
            elif hasattr(r, "original_router"):
                walk(r.original_router.routes)
            elif hasattr(r, "routes") and not hasattr(r, "app"):
                walk(r.routes)

    walk(app.router.routes)
    return found


def fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def bodies(route: APIRoute) -> list[dict[str, Any]]:
    """Malformed bodies for a state-changing route: none, garbage form fields, garbage JSON,
    files with hostile names and binary content."""
    names = [f.alias for f in route.dependant.body_params] or ["x"]
    out: list[dict[str, Any]] = [
        {},
        {"data": {n: BIG for n in names}},
        {"data": {n: "\x00İ" * 3 for n in names}},
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"json": {"raw": 5, "client_scan_id": {"a": 1}, "choice": 2**70, "grp": None}},
        {"json": {"raw": "x" * 5000, "client_scan_id": BIG, "choice": True}},
    ]
    for fname in ("..", ".", "a/../../b\x00.txt", "ş" * 300 + ".xlsx"):
        out.append({"files": {n: (fname, b"\x00\xff%PDF" + bytes(range(256)) * 4) for n in names},
                    "data": {"grp": "raf"}})
    return out


@pytest.fixture
def pharmacist(app_client):  # type: ignore[no-untyped-def]
    db = app_client.app.state.services.db
    p = app_client.pharmacies
    with db.begin() as conn:
        count_store.open_session(conn, p.pharmacy_id, p.alice_id, "Fuzz sayımı")
        # a sending worker was seen: readiness answers 200, not its (rightful) 503
        now = datetime.now(UTC)
        beat(conn, name="fuzz", host="test", pid=1, started_at=now, now=now + timedelta(days=1))
    return app_client.login("alice")


def test_the_walk_finds_the_routes_of_every_area(app_client):
    paths = {r.path for r in api_routes(app_client.app)}
    assert len(paths) > 40
    assert {"/sayim/{session_id}", "/api/sayim/{session_id}/scan", "/ithalat/liste",
            "/mutabakat/{rid}"} <= paths


def test_no_route_answers_a_malformed_request_with_a_500(pharmacist):
    app = pharmacist.app
    routes = sorted(api_routes(app), key=lambda r: r.path == "/cikis")  # log out last
    seen = 0
    for route in routes:
        for method in sorted(route.methods - {"HEAD"}):
            values = PATH_VALUES if "{" in route.path else ("",)
            for value in values:
                url = fill(route.path, value)
                queries = [{}] + [{q.alias: v} for q in route.dependant.query_params
                                  for v in QUERY_VALUES]
                for query in queries:
                    if method == "GET":
                        r = pharmacist.get(url, params=query)
                        seen += 1
                        assert r.status_code < 500, (method, url, query, r.text[-300:])
                        continue
                    for body in bodies(route) if not query else [{}]:
                        r = pharmacist.request(method, url, params=query, **body)
                        seen += 1
                        assert r.status_code < 500, (method, url, query, body.keys(),
                                                     r.text[-300:])
    assert seen > 1000


def test_an_integer_beyond_the_database_range_in_a_path_is_not_found(pharmacist):
    for url in (f"/sayim/{BIG}", f"/mutabakat/{BIG}", f"/bildirim/{BIG}", f"/denetim/{BIG}",
                f"/ithalat/liste/{BIG}", f"/sayim/{BIG}/sayim.xlsx"):
        r = pharmacist.get(url)
        assert r.status_code == 404, url
        assert "Bulunamadı" in r.text
    r = pharmacist.post(f"/api/sayim/{BIG}/scan", json={"raw": "x", "client_scan_id": "c1"})
    assert r.status_code == 404 and r.json() == {"message": "Bulunamadı."}
    # every id column is a PostgreSQL integer: 2^31 is already beyond it, on both databases
    assert pharmacist.get(f"/sayim/{2**31}").status_code == 404
    assert pharmacist.get(f"/sayim/{-2**31}").status_code == 404


def test_a_page_number_beyond_reason_is_refused_in_turkish(pharmacist):
    r = pharmacist.get("/denetim", params={"sayfa": BIG})
    assert r.status_code == 422
    assert "Geçersiz istek: &#39;sayfa&#39; değeri çok büyük ya da çok küçük" in r.text
    assert pharmacist.get("/denetim", params={"sayfa": "-3"}).status_code < 500


def test_fastapis_own_validation_errors_are_in_turkish(pharmacist):
    r = pharmacist.get("/sayim/abc")
    assert r.status_code == 422
    assert "Geçersiz istek: adres alanı &#39;session_id&#39; bir tam sayı olmalı." in r.text
    r = pharmacist.post("/sayim/1/durum")
    assert r.status_code == 422 and "form alanı &#39;status&#39; eksik" in r.text
    r = pharmacist.post("/ithalat/liste")
    assert r.status_code == 422 and "form alanı &#39;dosya&#39; eksik" in r.text
    assert "Field required" not in r.text


@pytest.mark.parametrize("cookie", ["ş", "1:2:ğ", "é" * 5000, "1:99999999999999999999:x",
                                    ":::", "\x7f"])
def test_a_malformed_session_cookie_is_simply_not_logged_in(app_client, cookie):
    header = {"cookie": f"eczane_session={cookie}".encode()}
    r = app_client.get("/sayim", headers=header, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/giris")
    r = app_client.post("/api/sayim/1/scan", headers=header,
                        json={"raw": "x", "client_scan_id": "c"})
    assert r.status_code in (401, 403)  # no session; a token for a mangled cookie is a 403 first
