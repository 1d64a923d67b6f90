"""Forgery protection over HTTP (issue 13): the attacks of the issue, now refused.

The issue's reproduction: with the pharmacist's cookie and ``Origin: http://evil.example``,
``POST /bildirim/N/onay`` with the phrase then ``POST /bildirim/N/gonder`` deactivated packs.
"""

from __future__ import annotations

import re

import pytest

from eczane.store import outbox as ob
from eczane.web.csrf import make_token
from tests.its.conftest import OPEN_DAY, creds, make_packs, recon_stub, sim  # noqa: F401
from tests.web.test_notify import draft, web  # noqa: F401

EVIL = "http://evil.example"


def status_of(web, sid):  # noqa: F811
    with web.app.state.services.db.connect() as conn:
        return ob.get_submission(conn, sid).status


def token_in(html: str) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', html).group(1)


@pytest.mark.parametrize("attack", [
    {"Origin": EVIL},
    {"Origin": "http://testserver:8001"},  # another port of the same host
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
def test_a_foreign_page_can_neither_approve_nor_send_even_with_the_token_and_cookie(web, attack):  # noqa: F811
    sid, rows = draft(web, 3)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "3 kutuyu deaktive et"},
                 headers=attack, follow_redirects=False)
    assert r.status_code == 403
    assert "başka bir siteden" in r.text
    assert status_of(web, sid) == "draft"
    assert web.post(f"/bildirim/{sid}/gonder", headers=attack).status_code == 403
    assert web.sim.state.stats["notifications"] == 0
    assert all(web.sim.state.packs[(p["gtin"], p["sn"])].status != "deactivated" for p in rows)


def test_the_issues_attack_without_a_token_is_refused_and_nothing_is_sent(web):  # noqa: F811
    sid, rows = draft(web, 3)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    web.send_csrf = False
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "3 kutuyu deaktive et"},
                 headers={"Origin": EVIL})
    assert r.status_code == 403
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "3 kutuyu deaktive et"})
    assert r.status_code == 403
    assert "Güvenlik doğrulaması başarısız" in r.text and "<html" in r.text  # a page for forms
    assert web.post(f"/bildirim/{sid}/gonder").status_code == 403
    assert status_of(web, sid) == "draft"
    assert web.sim.state.stats["notifications"] == 0


def test_a_token_made_for_another_cookie_or_key_is_refused(web):  # noqa: F811
    sid, _ = draft(web, 3)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    key = web.app.state.services.secret_key
    cookie = web.cookies.get("eczane_session")
    for bad in [make_token(key, cookie + "x"), make_token(b"other key", cookie),
                make_token(key, cookie)[:-1], "", "0" * 64, "ğ" * 64]:
        r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "3 kutuyu deaktive et",
                                                   "csrf_token": bad},
                     headers={"X-CSRF-Token": ""})
        assert r.status_code == 403, bad
    assert status_of(web, sid) == "draft"


def test_the_pharmacist_approves_with_the_token_of_the_page_form(web):  # noqa: F811
    sid, _ = draft(web, 3)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    page = web.get(f"/bildirim/{sid}")
    token = token_in(page.text)
    web.send_csrf = False
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "3 kutuyu deaktive et",
                                               "csrf_token": token},
                 headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
                 follow_redirects=False)
    assert r.status_code == 303
    assert status_of(web, sid) == "approved"


def test_a_token_stops_working_once_the_session_changes(app_client):
    app_client.login("alice")
    old = token_in(app_client.get("/sayim").text)
    app_client.post("/cikis")
    app_client.login("bob")  # another session (alice again would also get a new one, see acct)
    app_client.send_csrf = False
    r = app_client.post("/sayim", data={"name": "eski", "csrf_token": old})
    assert r.status_code == 403
    r = app_client.post("/sayim", data={"name": "yeni",
                                        "csrf_token": token_in(app_client.get("/sayim").text)},
                        follow_redirects=False)
    assert r.status_code == 303


def test_login_needs_the_token_of_the_anonymous_cookie(app_client):
    page = app_client.get("/giris")
    assert "eczane_csrf" in page.headers["set-cookie"]
    app_client.send_csrf = False
    creds_ = {"username": "alice", "password": "alice-pw"}
    assert app_client.post("/giris", data=creds_).status_code == 403
    assert "eczane_session" not in app_client.cookies
    r = app_client.post("/giris", data=creds_ | {"csrf_token": token_in(page.text)},
                        follow_redirects=False)
    assert r.status_code == 303 and "eczane_session" in app_client.cookies


def test_a_first_visit_page_carries_the_token_of_the_cookie_it_sets(app_client):
    page = app_client.get("/ruhsat/harc")
    anon = app_client.cookies.get("eczane_csrf")
    key = app_client.app.state.services.secret_key
    assert token_in(page.text) == make_token(key, anon)
    assert f'<meta name="csrf-token" content="{make_token(key, anon)}">' in page.text
    # a browser that already has the cookie is not given another one
    assert "set-cookie" not in app_client.get("/ruhsat/harc").headers


def test_the_public_licensing_forms_need_the_token_too(app_client):
    app_client.send_csrf = False
    assert app_client.post("/ruhsat/harc", data={"tur": "serbest"}).status_code == 403
    assert app_client.get("/ruhsat/harc").status_code == 200


def test_logout_from_another_page_does_not_end_the_session(app_client):
    app_client.login("alice")
    app_client.send_csrf = False
    r = app_client.post("/cikis", headers={"Origin": EVIL}, follow_redirects=False)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert "Ecz. Alice" in app_client.get("/").text


def test_the_scan_api_needs_the_header_and_answers_in_plain_text(app_client):
    app_client.login("alice")
    sid = int(app_client.post("/sayim", data={"name": "t"}, follow_redirects=False)
              .headers["location"].rsplit("/", 1)[1])
    body = {"raw": "0108699999999999211ABC\x1d17270101", "client_scan_id": "c1"}
    r = app_client.post(f"/api/sayim/{sid}/scan", json=body, headers={"X-CSRF-Token": ""})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["x-csrf-refused"] == "1"
    assert "Güvenlik doğrulaması" in r.text
    from eczane.store import count as count_store

    with app_client.app.state.services.db.connect() as conn:
        assert count_store.recent_scans(conn, sid) == []
        assert count_store.rejected_scans(conn, sid, limit=10) == []
    ok = app_client.post(f"/api/sayim/{sid}/scan", json=body)
    assert ok.status_code in (200, 409), ok.text


def test_htmx_requests_get_a_plain_text_refusal(app_client):
    app_client.login("alice")
    r = app_client.post("/sayim/1/geri-al/1", headers={"HX-Request": "true", "X-CSRF-Token": ""})
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/plain")


def test_the_base_page_gives_htmx_the_token_header(app_client):
    app_client.login("alice")
    html = app_client.get("/sayim").text
    token = make_token(app_client.app.state.services.secret_key,
                       app_client.cookies.get("eczane_session"))
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in html


def test_an_upload_with_the_form_field_token_reaches_the_view(app_client, tmp_path):
    """The guard reads the multipart form first; the view's UploadFile still gets the file."""
    app_client.login("alice")
    page = app_client.get("/ithalat").text
    app_client.send_csrf = False
    files = {"dosya": ("liste.txt", b"0108699999999999211ABC\x1d17270101\n", "text/plain")}
    r = app_client.post("/ithalat/liste", files=files, data={"csrf_token": token_in(page)})
    assert r.status_code != 403 and r.status_code < 500, r.text
    refused = app_client.post("/ithalat/liste", files=files)
    assert refused.status_code == 403
