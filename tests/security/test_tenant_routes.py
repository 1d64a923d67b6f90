"""Every route, as a user of pharmacy A, against the ids of pharmacy B's objects: 404 (issue 15).

The routes are enumerated from ``app.routes`` (``test_route_guard.api_routes``): a route added
later is walked without editing this file. Each path parameter is filled with pharmacy B's id of
that kind (``tenant_world.make_b_world``); a parameter name the map does not know FAILS the
test, so whoever adds such a route adds its kind to the map. Runs on SQLite (the store's
``tenant.scoped`` and the views' checks) and on PostgreSQL (row-level security too).
"""

from __future__ import annotations

import re

import pytest

from eczane.web.app import create_app
from eczane.web.guard import role_allows
from tests.security.tenant_world import make_b_world
from tests.security.test_route_guard import api_routes
from tests.webclient import CsrfTestClient

SKIPPED = {
    "/kurulum/{token}": "public: the one-time setup link (a token, not a pharmacy's object)",
}
"""Routes with path parameters that are not walked, and why. Routes without any path
parameter name no object and are not walked either (they show the user's own pharmacy)."""


READS_ITSELF = {
    "/api/sayim/{session_id}/scan": {"raw": "0108699536080017" + "21ATTACK", "client_scan_id": "a1"},
    "/bildirim/{sid}/son-kontrol/okut": {"raw": "0108699536080017" + "21ATTACK"},
}
"""JSON bodies of views that read the request themselves (FastAPI does not know their fields)."""


def _dummy(field) -> object:  # type: ignore[no-untyped-def]
    ann = getattr(field, "annotation", None) or getattr(field, "type_", None)
    return 1 if ann is int else "1"


def plausible(route) -> dict:  # type: ignore[no-untyped-def]
    """Request arguments that pass the route's validation (so that the answer is about the
    object, not about a missing field): every query, form, file and JSON field set."""
    from fastapi import UploadFile
    from pydantic import BaseModel

    d = route.dependant
    params = {f.alias: _dummy(f) for f in d.query_params}
    data, files, json = {}, {}, None
    for f in d.body_params:
        ann = f.field_info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            json = {k: _dummy(v) for k, v in ann.model_fields.items()}
        elif ann is UploadFile or "UploadFile" in str(ann) or "bytes" in str(ann):
            files[f.alias] = ("a.txt", b"01086995360800172112345", "text/plain")
        else:
            data[f.alias] = _dummy(f)
    out: dict = {"params": params}
    json = READS_ITSELF.get(route.path_format, json)
    if json is not None:
        out["json"] = json
    if data:
        out["data"] = data
    if files:
        out["files"] = files
    return out


@pytest.fixture
def walk(settings, db, pharmacies):  # type: ignore[no-untyped-def]
    world = make_b_world(db, pharmacies, settings)
    app = create_app(settings, db)
    client = CsrfTestClient(app, raise_server_exceptions=False)
    r = client.post("/giris", data={"username": "alice", "password": "alice-pw"},
                    follow_redirects=False)
    assert r.status_code == 303
    return app, client, world


def test_every_route_with_an_id_of_another_pharmacy_answers_404(walk) -> None:  # type: ignore[no-untyped-def]
    app, client, world = walk
    walked, wrong, unknown = 0, [], []
    for route in api_routes(app.routes):
        params = re.findall(r"\{([^}:]+)(?::[^}]*)?\}", route.path_format)
        if not params or route.path_format in SKIPPED:
            continue
        missing = [p for p in params if p not in world.ids]
        if missing:
            unknown.append(f"{route.path_format}: {', '.join(missing)}")
            continue
        url = route.path_format
        for p in params:
            url = re.sub(r"\{" + p + r"(?::[^}]*)?\}", str(world.ids[p]), url)
        # A route closed to a pharmacy user's role (the chamber's /oda…, the admin's /yonetim…)
        # answers 403 before it looks anything up; the chamber's own walk is test_chamber.py.
        expected = 404 if role_allows("eczaci", url) else 403
        for method in sorted(route.methods - {"HEAD"}):
            r = client.request(method, url, follow_redirects=False, **plausible(route))
            walked += 1
            if r.status_code != expected:
                wrong.append(f"{method} {url} ({route.path_format}) → {r.status_code}")
    assert not unknown, ("path parameters without an object of pharmacy B — add their kind "
                         "to tests/security/tenant_world.py (B_IDS):\n" + "\n".join(unknown))
    assert walked >= 35
    assert not wrong, "another pharmacy's object answered:\n" + "\n".join(wrong)


def test_the_same_ids_are_found_by_their_own_pharmacy(walk, settings, db) -> None:  # type: ignore[no-untyped-def]
    """The ids are real: charlie sees his own count, reconciliation and submission."""
    app, _client, world = walk
    c = CsrfTestClient(app)
    c.post("/giris", data={"username": "charlie", "password": "charlie-pw"})
    for url in (f"/sayim/{world.ids['session_id']}", f"/mutabakat/{world.ids['rid']}",
                f"/bildirim/{world.ids['sid']}", f"/ithalat/its/{world.ids['snapshot_id']}",
                f"/denetim/{world.ids['event_id']}"):
        assert c.get(url).status_code == 200, url
