"""Server-side sessions over HTTP: logout, password change and disabling end sessions at once;
the id changes at login; idle and absolute limits; a garbage cookie is "not logged in"."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from eczane.accounts.tables import user_session
from eczane.web.csrf import HEADER, make_token
from tests.security.helpers import events, post_login, with_clock
from tests.webclient import CsrfTestClient

COOKIE = "eczane_session"


def _second_client(app_client) -> TestClient:  # type: ignore[no-untyped-def]
    return CsrfTestClient(app_client.app)


def _is_logged_out(client: TestClient, path: str = "/hesap") -> bool:
    r = client.get(path, follow_redirects=False)
    return r.status_code == 303 and r.headers["location"].startswith("/giris")


def test_the_old_cookie_after_logout_downloads_no_backup(app_client, db):
    app_client.login("alice")
    old = app_client.cookies.get(COOKIE)
    assert app_client.post("/ithalat/yedek").headers["content-type"] == "application/gzip"
    r = app_client.post("/cikis", follow_redirects=False)
    assert r.status_code == 303
    attacker = _second_client(app_client)
    attacker.cookies.set(COOKIE, old)
    r = attacker.post("/ithalat/yedek", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/giris")
    assert "gzip" not in r.headers.get("content-type", "")
    assert _is_logged_out(attacker, "/denetim")
    assert [n for n, _ in events(db, app_client.pharmacies.pharmacy_id)][-1] == "accounts.logout"


def test_the_cookie_holds_a_random_token_and_the_database_only_its_hash(app_client, db):
    app_client.login("alice")
    token = app_client.cookies.get(COOKIE)
    assert len(token) == 43 and ":" not in token
    with db.connect() as conn:
        stored = conn.execute(select(user_session.c.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_the_session_id_changes_at_login_even_when_the_browser_brought_one(app_client, db):
    planted = "A" * 43  # a session fixation attempt: the attacker's own chosen token
    r = app_client.post("/giris", data={"username": "alice", "password": "alice-pw"},
                        headers={"cookie": f"{COOKIE}={planted}",
                                 HEADER: make_token(app_client.secret_key, planted)},
                        follow_redirects=False)
    assert r.status_code == 303
    first = r.cookies.get(COOKIE)
    assert first and first != planted
    app_client.login("alice")
    assert app_client.cookies.get(COOKIE) not in (first, planted)
    spy = _second_client(app_client)
    spy.cookies.set(COOKIE, planted)
    assert _is_logged_out(spy)


def test_a_password_change_ends_every_other_session_of_that_user(app_client):
    app_client.login("alice")
    phone = _second_client(app_client)
    assert post_login(phone, "alice", "alice-pw").status_code == 303
    bob = _second_client(app_client)
    assert post_login(bob, "bob", "bob-pw").status_code == 303
    r = app_client.post("/hesap/parola", data={"mevcut": "alice-pw", "yeni": "yeni-uzun-parola-7",
                                                "yeni2": "yeni-uzun-parola-7"})
    assert r.status_code == 200 and "Parolanız değiştirildi" in r.text
    assert _is_logged_out(phone)
    assert not _is_logged_out(app_client)  # this browser got a fresh session
    assert not _is_logged_out(bob)  # another user's sessions are untouched


def test_disabling_a_user_ends_their_sessions_at_once(app_client):
    bob = _second_client(app_client)
    assert post_login(bob, "bob", "bob-pw").status_code == 303
    assert not _is_logged_out(bob)
    app_client.login("alice")
    r = app_client.post(f"/hesap/kullanicilar/{app_client.pharmacies.bob_id}/devre-disi")
    assert r.status_code == 200
    assert _is_logged_out(bob)
    assert post_login(bob, "bob", "bob-pw").status_code == 401


def test_ending_other_sessions_keeps_this_one(app_client):
    app_client.login("alice")
    phone = _second_client(app_client)
    post_login(phone, "alice", "alice-pw")
    r = app_client.post("/hesap/oturumlar")
    assert "Diğer cihazlardaki 1 oturum kapatıldı." in r.text
    assert _is_logged_out(phone) and not _is_logged_out(app_client)


def test_a_session_ends_after_the_idle_timeout(app_client, settings):
    clock = with_clock(app_client)
    app_client.login("alice")
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert not _is_logged_out(app_client)
    clock.advance(minutes=settings.session_idle_minutes + 1)
    assert _is_logged_out(app_client)


def test_a_session_ends_at_its_absolute_lifetime_however_active(app_client, db, settings):
    clock = with_clock(app_client)
    app_client.login("alice")
    with db.connect() as conn:
        row = conn.execute(select(user_session)).one()
    lifetime = row.expires_at - row.created_at
    assert lifetime == timedelta(hours=settings.session_max_hours)
    clock.advance(hours=settings.session_max_hours, seconds=1)
    with db.begin() as conn:  # as if it had been used a moment ago
        conn.execute(update(user_session).values(last_seen_at=clock.at - timedelta(seconds=5)))
    assert _is_logged_out(app_client)


@pytest.mark.parametrize("value", [
    "ş" * 43, "garbage", "1:99999999999:abcdef", "", "A" * 43, "A" * 5000, "%00%ff",
    "../../etc/passwd",
])
def test_a_garbage_or_non_ascii_cookie_is_just_not_logged_in(app_client, value):
    for path in ("/", "/giris", "/hesap", "/denetim", "/sayim"):
        r = app_client.get(path, headers={"cookie": f"{COOKIE}={value}".encode()},
                           follow_redirects=False)
        assert r.status_code in (200, 303), (path, r.status_code)
    # With the token such a cookie would need, the guard gets to the login check (CSRF first:
    # a cookie the token cannot match is a 403 before that); either way nobody is logged in.
    sent = {"cookie": f"{COOKIE}={value}".encode(), HEADER: make_token(app_client.secret_key, value)}
    r = app_client.post("/ithalat/yedek", headers=sent, follow_redirects=False)
    assert r.status_code in (303, 403) and "gzip" not in r.headers.get("content-type", "")
    assert r.status_code == 303 or not value.isascii() or not value
    r = app_client.post("/api/sayim/1/scan", json={"raw": "x"}, headers=sent)
    assert r.status_code in (401, 403)


def test_the_cookie_is_http_only_and_lives_no_longer_than_the_session(app_client, settings):
    r = post_login(app_client, "alice", "alice-pw")
    header = r.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=lax" in header
    assert f"Max-Age={settings.session_max_hours * 3600}" in header


def test_the_scan_api_refuses_a_cookie_the_moment_its_session_ends(app_client):
    """The scan API reuses a session check for up to a second; an ended session is not."""
    app_client.login("alice")
    old = app_client.cookies.get(COOKIE)
    phone = _second_client(app_client)
    phone.cookies.set(COOKIE, old)
    for i in range(3):  # checked once, then served from the cache
        r = phone.post("/api/sayim/999999/scan", json={"raw": "x", "client_scan_id": f"c{i}"})
        assert r.status_code == 404, r.text
    app_client.post("/cikis")
    r = phone.post("/api/sayim/999999/scan", json={"raw": "x", "client_scan_id": "c9"})
    assert r.status_code == 401
