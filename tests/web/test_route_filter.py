"""The areas' quick refusal (``web/route_filter``) answers exactly what the walk answers.

Every route of the app (a concrete URL for each, with a number, a word and a huge number in its
parameters), each with a slash added, with every method, plus paths no route has, is asked of
every area in order, once with the quick refusal and once without: the same answer each time,
and the request reaches the same view.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import Match

from eczane.config import Settings
from eczane.store.db import open_database
from eczane.web.app import create_app
from tests.security.test_route_guard import api_routes
from tests.webclient import CsrfTestClient

METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD")
OTHER = ["/", "", "/yok", "/api", "/api/", "/api/sayim", "/api/sayim/1", "/sayim/", "/static",
         "/static/", "/static/app.css", "/saglik", "/ruhsat/", "/kurulum/abc", "//sayim/1",
         "/SAYIM/1", "/sayim/1/scan", "/api/sayim/1/scan/x", "/%C3%A7", "/ç"]


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [],
            "query_string": b"", "path_params": {}}


def _answers(app: Any, method: str, path: str) -> list[tuple[Match, Any]]:
    out = []
    for route in app.router.routes:
        match, child = route.matches(_scope(method, path))
        out.append((match, child.get("endpoint")))
    return out


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("route-filter")
    settings = Settings(data_dir=tmp, secret_key="t")
    return create_app(settings, open_database(settings.effective_database_url))


def test_the_quick_refusal_answers_what_the_walk_answers(app: Any) -> None:
    routers = [r.original_router for r in app.router.routes if hasattr(r, "original_router")]
    filtered = [r for r in routers if "matches" in vars(r)]
    assert len(filtered) == len(routers) > 10          # every area has it
    paths = list(OTHER)
    for route in api_routes(app.routes):
        for value in ("1", "abc", "9" * 30):
            url = re.sub(r"\{[^}]+\}", value, route.path_format)
            paths += [url, url + "/", url + "x"]
    quick = {(m, p): _answers(app, m, p) for m in METHODS for p in paths}
    saved = {id(r): vars(r).pop("matches") for r in filtered}
    try:
        for (method, path), got in quick.items():
            assert got == _answers(app, method, path), (method, path)
    finally:
        for r in filtered:
            r.matches = saved[id(r)]
    assert any(m == Match.FULL for m, _ in quick[("POST", "/api/sayim/1/scan")])
    assert any(m == Match.PARTIAL for m, _ in quick[("GET", "/api/sayim/1/scan")])


def test_a_request_still_reaches_its_view_and_an_unknown_path_is_404(app: Any) -> None:
    c = CsrfTestClient(app)
    assert c.get("/saglik/canli").json()["status"] == "ok"
    assert c.get("/api/csrf").json()["token"]
    assert c.get("/yok/boyle/bir/sayfa").status_code == 404
    assert c.get("/api/sayim/1/scan").status_code == 405
    assert c.post("/api/sayim/1/scan", json={}).status_code == 401   # the guard, then the view
