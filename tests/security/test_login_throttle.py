"""Login throttling over HTTP: growing delay, timed lockout per account and per address, the
pharmacist (or the admin) lifts a lock, and an unknown username costs the same as a known one."""

from __future__ import annotations

import math
import statistics
import time

from typer.testing import CliRunner

from eczane.accounts.throttle import ADDRESS_FACTOR, DELAY_AFTER
from tests.security.helpers import events, post_login, with_clock


def test_200_wrong_passwords_in_a_row_are_mostly_refused_unchecked(app_client, db):
    started = time.monotonic()
    codes = [post_login(app_client, "alice", f"yanlis-{i}").status_code for i in range(200)]
    took = time.monotonic() - started
    assert codes[:DELAY_AFTER] == [401] * DELAY_AFTER
    # from then on a try is checked only once the growing delay (1, 2, 4… s) has passed; the
    # others are refused before any password check
    assert codes.count(401) <= DELAY_AFTER + 1 + math.ceil(math.log2(took + 1))
    assert codes.count(429) >= 185
    r = post_login(app_client, "alice", "alice-pw")  # even the right password waits its turn
    assert r.status_code == 429 and "saniye bekleyip yeniden deneyin" in r.text
    assert int(r.headers["retry-after"]) >= 1
    assert took < 30
    failed = [p for n, p in events(db, app_client.pharmacies.pharmacy_id)
              if n == "accounts.login_failed"]
    assert len(failed) == codes.count(401)
    assert "hatalı giriş denemesi" in failed[0]["açıklama"]


def test_the_delay_grows_and_the_account_locks_after_the_threshold(app_client, db, settings):
    clock = with_clock(app_client)
    n = settings.login_lockout_after
    for i in range(n):
        r = post_login(app_client, "bob", f"yanlis-{i}")
        assert r.status_code == 401, i
        clock.advance(seconds=61)  # past any delay, inside the lockout window
    r = post_login(app_client, "bob", "bob-pw")
    assert r.status_code == 429
    assert "Bu hesap çok fazla hatalı giriş denemesi nedeniyle kilitlendi" in r.text
    names = [e for e, _ in events(db, app_client.pharmacies.pharmacy_id)]
    assert names.count("accounts.login_failed") == n and names.count("accounts.locked") == 1
    clock.advance(minutes=settings.login_lockout_minutes)
    assert post_login(app_client, "bob", "bob-pw").status_code == 303


def test_a_try_inside_the_delay_is_refused_and_after_it_is_checked(app_client):
    clock = with_clock(app_client)
    for i in range(DELAY_AFTER):
        assert post_login(app_client, "bob", f"yanlis-{i}").status_code == 401
    assert post_login(app_client, "bob", "bob-pw").status_code == 429
    clock.advance(seconds=1.5)
    assert post_login(app_client, "bob", "bob-pw").status_code == 303


def test_the_pharmacist_lifts_a_lock_from_the_users_page(app_client, db, settings):
    clock = with_clock(app_client)
    for i in range(settings.login_lockout_after):
        post_login(app_client, "bob", f"yanlis-{i}")
        clock.advance(seconds=61)
    assert post_login(app_client, "bob", "bob-pw").status_code == 429
    app_client.login("alice")
    page = app_client.get("/hesap/kullanicilar")
    assert "Kilitli" in page.text and "Kilidi aç" in page.text
    r = app_client.post(f"/hesap/kullanicilar/{app_client.pharmacies.bob_id}/kilit-ac")
    assert "bob kullanıcısının giriş kilidi açıldı." in r.text
    app_client.post("/cikis")
    assert post_login(app_client, "bob", "bob-pw").status_code == 303
    assert "accounts.unlocked" in [e for e, _ in events(db, app_client.pharmacies.pharmacy_id)]


def test_a_kalfa_or_another_pharmacy_cannot_lift_a_lock(app_client):
    p = app_client.pharmacies
    app_client.login("bob")
    assert app_client.post(f"/hesap/kullanicilar/{p.bob_id}/kilit-ac").status_code == 403
    app_client.post("/cikis")
    app_client.login("charlie")
    assert app_client.post(f"/hesap/kullanicilar/{p.bob_id}/kilit-ac").status_code == 404


def test_the_admin_lifts_a_lock_with_the_cli(app_client, settings, monkeypatch):
    from eczane.cli import app as cli

    clock = with_clock(app_client)
    for i in range(settings.login_lockout_after):
        post_login(app_client, "bob", f"yanlis-{i}")
        clock.advance(seconds=61)
    monkeypatch.setenv("ECZANE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ECZANE_DATA_DIR", str(settings.data_dir))
    listed = CliRunner().invoke(cli, ["user", "list"])
    assert "bob\tkalfa\tkilitli" in listed.output
    r = CliRunner().invoke(cli, ["user", "unlock", "bob"])
    assert r.exit_code == 0 and "bob kullanıcısının kilidi açıldı." in r.output
    assert post_login(app_client, "bob", "bob-pw").status_code == 303


def test_one_address_trying_many_usernames_is_locked(app_client, settings):
    clock = with_clock(app_client)
    limit = settings.login_lockout_after * ADDRESS_FACTOR
    for i in range(limit):
        assert post_login(app_client, f"kimse{i}", "yanlis").status_code == 401, i
        clock.advance(seconds=61)  # past the address's own delay (from its N-th failure)
    r = post_login(app_client, "alice", "alice-pw")
    assert r.status_code == 429 and "Bu bilgisayarın adresi" in r.text


def test_an_unknown_username_is_answered_like_a_known_one(app_client):
    clock = with_clock(app_client)
    known = [post_login(app_client, "alice", "yanlis") for _ in range(DELAY_AFTER + 1)]
    clock.advance(minutes=30)
    unknown = [post_login(app_client, "olmayan", "yanlis") for _ in range(DELAY_AFTER + 1)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert [r.status_code for r in known] == [401] * DELAY_AFTER + [429]
    assert known[0].text.replace("alice", "") .count("Kullanıcı adı veya parola hatalı.") == 1
    assert "Kullanıcı adı veya parola hatalı." in unknown[0].text


def test_an_unknown_username_costs_the_same_time_as_a_wrong_password(app_client, capsys):
    clock = with_clock(app_client)

    def timed(username: str) -> float:
        clock.advance(minutes=30)  # every try starts outside any delay or lock
        started = time.perf_counter()
        r = post_login(app_client, username, "yanlis-parola")
        took = time.perf_counter() - started
        assert r.status_code == 401
        return took

    timed("alice"), timed("olmayan")  # warm-up (the dummy hash is made once)
    known, unknown = [], []
    for i in range(15):
        known.append(timed("alice"))
        unknown.append(timed(f"olmayan{i}"))
    k, u = statistics.median(known), statistics.median(unknown)
    with capsys.disabled():
        print(f"\nlogin timing: known user wrong password median {k * 1000:.1f} ms, "
              f"unknown user median {u * 1000:.1f} ms (ratio {u / k:.2f})")
    assert 0.75 < u / k < 1.33


def test_a_successful_login_clears_the_accounts_failures(app_client):
    clock = with_clock(app_client)
    for i in range(DELAY_AFTER - 1):
        post_login(app_client, "bob", f"yanlis-{i}")
    assert post_login(app_client, "bob", "bob-pw").status_code == 303
    clock.advance(seconds=1)
    codes = [post_login(app_client, "bob", "yanlis").status_code for _ in range(DELAY_AFTER)]
    assert codes == [401] * DELAY_AFTER


def test_counters_of_guessed_usernames_are_forgotten_after_their_window(app_client, db, settings):
    from sqlalchemy import func, select

    from eczane.accounts.tables import login_throttle

    clock = with_clock(app_client)
    for i in range(5):
        post_login(app_client, f"tahmin{i}", "yanlis")
    clock.advance(minutes=settings.login_lockout_minutes + 1)
    assert post_login(app_client, "alice", "alice-pw").status_code == 303
    with db.connect() as conn:
        keys = conn.execute(select(login_throttle.c.key)).scalars().all()
        assert conn.execute(select(func.count()).select_from(login_throttle)).scalar_one() <= 1
    assert not any(k.startswith("tahmin") for k in keys)
