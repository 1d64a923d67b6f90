"""Accounts over HTTP and the admin CLI: the pharmacist manages the technicians of their own
pharmacy, everyone changes their own password under the policy, every change is audited, and a
fresh database tells how to create the first account."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from eczane.accounts.users import get_user_by_name
from eczane.store.users import create_user
from tests.security.helpers import events, post_login
from tests.webclient import CsrfTestClient

GOOD = "lavanta-kokulu-raf-7"


@pytest.fixture
def cli_env(settings, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ECZANE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ECZANE_DATA_DIR", str(settings.data_dir))
    from eczane.cli import app

    def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, list(args), input=stdin)

    return run


# ------------------------------------------------------------------ the pharmacist's page


def test_the_pharmacist_adds_a_technician_who_can_then_log_in(app_client, db):
    app_client.login("alice")
    r = app_client.post("/hesap/kullanicilar", data={"kullanici_adi": "Zeynep", "ad": "Zeynep Ak",
                                                      "parola": GOOD})
    assert r.status_code == 200 and "zeynep kalfa olarak eklendi." in r.text
    assert 'data-username="zeynep"' in r.text
    with db.connect() as conn:
        z = get_user_by_name(conn, "zeynep")
    assert z is not None and z.role == "kalfa" and z.pharmacy_id == app_client.pharmacies.pharmacy_id
    other = CsrfTestClient(app_client.app)
    assert post_login(other, "zeynep", GOOD).status_code == 303
    created = [p for n, p in events(db, app_client.pharmacies.pharmacy_id)
               if n == "accounts.user_created"]
    assert created[0]["açıklama"] == "alice, zeynep kullanıcısını Kalfa (teknisyen) olarak ekledi."


@pytest.mark.parametrize(("password", "message"), [
    ("kisa", "Parola en az 10 karakter olmalı."),
    ("1234567890", "Bu parola çok yaygın"),
    ("Galatasaray", "Bu parola çok yaygın"),
    ("zeynep.kaya", "Parola kullanıcı adıyla aynı olamaz."),
])
def test_a_weak_password_is_refused_in_turkish_and_nothing_is_created(app_client, db, password,
                                                                      message):
    app_client.login("alice")
    r = app_client.post("/hesap/kullanicilar", data={"kullanici_adi": "zeynep.kaya", "ad": "Z",
                                                      "parola": password})
    assert r.status_code == 422 and message in r.text
    assert 'value="zeynep.kaya"' in r.text  # what was typed is kept
    with db.connect() as conn:
        assert get_user_by_name(conn, "zeynep.kaya") is None


def test_a_username_in_use_or_with_turkish_letters_is_refused(app_client):
    app_client.login("alice")
    r = app_client.post("/hesap/kullanicilar", data={"kullanici_adi": "bob", "parola": GOOD})
    assert r.status_code == 422 and "bob&#39; kullanıcı adı zaten kullanılıyor." in r.text
    r = app_client.post("/hesap/kullanicilar", data={"kullanici_adi": "ayşe", "parola": GOOD})
    assert r.status_code == 422 and "Türkçe karakter olmadan" in r.text


def test_the_common_password_list_names_its_source():
    from eczane.accounts.passwords import COMMON_FILE, common_passwords

    head = COMMON_FILE.read_text(encoding="utf-8").splitlines()[:10]
    assert any(line.startswith("# source:") for line in head)
    assert {"123456", "password", "eczane123", "şifre"} <= common_passwords()


def test_a_technician_cannot_see_or_change_the_users_page(app_client):
    p = app_client.pharmacies
    app_client.login("bob")
    assert app_client.get("/hesap/kullanicilar").status_code == 403
    assert app_client.post("/hesap/kullanicilar", data={"kullanici_adi": "x1",
                                                        "parola": GOOD}).status_code == 403
    assert app_client.post(f"/hesap/kullanicilar/{p.bob_id}/parola",
                           data={"parola": GOOD}).status_code == 403
    assert "Kullanıcılar</a>" not in app_client.get("/").text
    assert 'href="/hesap"' in app_client.get("/").text


def test_a_user_of_another_pharmacy_does_not_exist_for_the_pharmacist(app_client):
    p = app_client.pharmacies
    app_client.login("charlie")
    for action in ("devre-disi", "etkinlestir", "kilit-ac"):
        assert app_client.post(f"/hesap/kullanicilar/{p.bob_id}/{action}").status_code == 404
    assert app_client.post(f"/hesap/kullanicilar/{p.bob_id}/parola",
                           data={"parola": GOOD}).status_code == 404
    assert "bob" not in app_client.get("/hesap/kullanicilar").text


def test_a_pharmacist_cannot_change_another_pharmacist_or_disable_themself(app_client, db):
    p = app_client.pharmacies
    with db.begin() as conn:
        second = create_user(conn, p.pharmacy_id, "deniz", "deniz-pw", role="eczaci")
    app_client.login("alice")
    r = app_client.post(f"/hesap/kullanicilar/{second}/devre-disi")
    assert r.status_code == 403 and "yalnızca kurulum yöneticisi" in r.text
    r = app_client.post(f"/hesap/kullanicilar/{p.alice_id}/devre-disi")
    assert r.status_code == 403


def test_ids_too_large_or_wrong_methods_are_4xx_not_500(app_client):
    app_client.login("alice")
    assert app_client.post(f"/hesap/kullanicilar/{2**63}/devre-disi").status_code == 404
    assert app_client.get(f"/hesap/kullanicilar/{app_client.pharmacies.bob_id}/devre-disi"
                          ).status_code == 405
    assert app_client.get("/hesap/parola").status_code == 405


def test_the_pharmacist_resets_a_technicians_password_and_enables_again(app_client, db):
    p = app_client.pharmacies
    app_client.login("alice")
    r = app_client.post(f"/hesap/kullanicilar/{p.bob_id}/parola", data={"parola": GOOD})
    assert "bob kullanıcısının parolası değiştirildi" in r.text
    other = CsrfTestClient(app_client.app)
    assert post_login(other, "bob", "bob-pw").status_code == 401
    assert post_login(other, "bob", GOOD).status_code == 303
    app_client.post(f"/hesap/kullanicilar/{p.bob_id}/devre-disi")
    assert "Devre dışı" in app_client.get("/hesap/kullanicilar").text
    r = app_client.post(f"/hesap/kullanicilar/{p.bob_id}/etkinlestir")
    assert "bob yeniden etkinleştirildi." in r.text
    names = [n for n, _ in events(db, p.pharmacy_id)]
    for name in ("accounts.password_reset", "accounts.user_disabled", "accounts.user_enabled"):
        assert name in names


# ------------------------------------------------------------------ one's own password


def test_everyone_changes_their_own_password_knowing_the_current_one(app_client, db):
    app_client.login("bob")
    page = app_client.get("/hesap")
    assert "Parolamı değiştir" in page.text and "{# csrf #}" not in page.text
    r = app_client.post("/hesap/parola", data={"mevcut": "yanlis", "yeni": GOOD, "yeni2": GOOD})
    assert r.status_code == 422 and "Şimdiki parola hatalı." in r.text
    r = app_client.post("/hesap/parola", data={"mevcut": "bob-pw", "yeni": GOOD,
                                                "yeni2": GOOD + "x"})
    assert r.status_code == 422 and "Yeni parola ile tekrarı aynı değil." in r.text
    r = app_client.post("/hesap/parola", data={"mevcut": "bob-pw", "yeni": "qwertyuiop",
                                                "yeni2": "qwertyuiop"})
    assert r.status_code == 422 and "çok yaygın" in r.text
    r = app_client.post("/hesap/parola", data={"mevcut": "bob-pw", "yeni": GOOD, "yeni2": GOOD})
    assert r.status_code == 200
    other = CsrfTestClient(app_client.app)
    assert post_login(other, "bob", GOOD).status_code == 303
    changed = [p for n, p in events(db, app_client.pharmacies.pharmacy_id)
               if n == "accounts.password_changed"]
    assert changed and changed[0]["username"] == "bob"


def test_every_login_and_failed_login_is_in_the_pharmacys_audit_log_in_turkish(app_client, db):
    post_login(app_client, "bob", "yanlis")
    app_client.login("bob")
    app_client.post("/cikis")
    evs = events(db, app_client.pharmacies.pharmacy_id)
    assert [n for n, _ in evs] == ["accounts.login_failed", "accounts.login", "accounts.logout"]
    assert evs[0][1]["açıklama"].startswith("bob için hatalı giriş denemesi (parola hatalı")
    app_client.login("alice")
    page = app_client.get("/denetim")
    assert "Hatalı giriş denemesi" in page.text and "Giriş yapıldı" in page.text


# ------------------------------------------------------------------ first run


def test_the_login_page_says_how_to_create_the_first_account_on_an_empty_database(settings, db):
    from eczane.web.app import create_app

    client = CsrfTestClient(create_app(settings, db))
    page = client.get("/giris")
    assert "İlk kurulum: henüz hiç hesap yok" in page.text
    assert "eczane user add KULLANICI_ADI --role eczaci" in page.text


def test_the_login_page_does_not_show_first_run_help_once_users_exist(app_client):
    assert "İlk kurulum" not in app_client.get("/giris").text


# ------------------------------------------------------------------ the admin's CLI


def test_the_admin_creates_a_pharmacy_and_its_first_pharmacist_from_the_cli(db, cli_env):
    r = cli_env("pharmacy", "add", "Yeni Eczane", "--gln", "8680001000029", "--il", "İzmir")
    assert r.exit_code == 0, r.output
    assert "Eczane oluşturuldu: Yeni Eczane" in r.output
    r = cli_env("user", "add", "ayse", "--role", "eczaci", "--name", "Ecz. Ayşe",
                "--password-stdin", stdin=GOOD + "\n")
    assert r.exit_code == 0, r.output
    listed = cli_env("user", "list")
    assert "ayse\teczaci\tetkin\tEcz. Ayşe" in listed.output
    assert "Yeni Eczane" in cli_env("pharmacy", "list").output
    with db.connect() as conn:
        ayse = get_user_by_name(conn, "ayse")
    assert ayse is not None
    names = [n for n, _ in events(db, ayse.pharmacy_id)]
    assert names == ["accounts.pharmacy_created", "accounts.user_created"]


def test_the_cli_asks_the_password_twice_hidden_and_refuses_a_mismatch(db, cli_env):
    cli_env("pharmacy", "add", "Yeni Eczane")
    r = cli_env("user", "add", "ayse", "--role", "eczaci", stdin=f"{GOOD}\n{GOOD}x\n")
    assert r.exit_code == 1 and "Parolalar aynı değil." in r.output
    assert GOOD not in r.output  # hidden input is not echoed
    r = cli_env("user", "add", "ayse", "--role", "eczaci", stdin=f"{GOOD}\n{GOOD}\n")
    assert r.exit_code == 0, r.output


def test_the_cli_refuses_a_weak_password_and_an_unknown_role(db, cli_env):
    cli_env("pharmacy", "add", "Yeni Eczane")
    r = cli_env("user", "add", "ayse", "--password-stdin", stdin="eczane12345\n")
    assert r.exit_code == 1 and "çok yaygın" in r.output
    r = cli_env("user", "add", "ayse", "--role", "patron", "--password-stdin", stdin=GOOD + "\n")
    assert r.exit_code == 1 and "Rol 'patron' tanınmıyor" in r.output


def test_passwd_disable_and_role_from_the_cli_end_sessions_and_are_audited(app_client, db,
                                                                          cli_env):
    p = app_client.pharmacies
    app_client.login("bob")
    r = cli_env("user", "passwd", "bob", "--password-stdin", stdin=GOOD + "\n")
    assert r.exit_code == 0, r.output
    assert app_client.get("/hesap", follow_redirects=False).status_code == 303
    assert post_login(app_client, "bob", GOOD).status_code == 303
    r = cli_env("user", "role", "bob", "eczaci")
    assert r.exit_code == 0, r.output
    assert app_client.get("/hesap", follow_redirects=False).status_code == 303
    assert cli_env("user", "disable", "bob").exit_code == 0
    assert post_login(app_client, "bob", GOOD).status_code == 401
    evs = events(db, p.pharmacy_id)
    role = [pl for n, pl in evs if n == "accounts.role_changed"][0]
    assert role["old_role"] == "kalfa" and role["new_role"] == "eczaci"
    assert "kurulum yöneticisi (komut satırı)" in role["açıklama"]
    assert cli_env("user", "passwd", "yok-boyle").exit_code == 1


# ------------------------------------------------------------------ the one-time setup link


@pytest.fixture
def empty_client(settings, db):  # type: ignore[no-untyped-def]
    from eczane.web.app import create_app

    return CsrfTestClient(create_app(settings, db))


def _setup_form(**over: str) -> dict[str, str]:
    form = {"eczane": "Papatya Eczanesi", "gln": "8680001000036", "kullanici_adi": "ayse",
            "ad": "Ecz. Ayşe Demir", "parola": GOOD, "parola2": GOOD}
    form.update(over)
    return form


def test_the_setup_link_creates_the_pharmacy_and_first_pharmacist_once(empty_client, db):
    empty_client.app.state.services.extra["setup_token"] = token = "t" * 32
    assert "İlk kurulum" in empty_client.get(f"/kurulum/{token}").text
    r = empty_client.post(f"/kurulum/{token}", data=_setup_form(), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/hesap/kullanicilar"
    page = empty_client.get("/hesap/kullanicilar")
    assert page.status_code == 200 and "Ecz. Ayşe Demir (Eczacı)" in page.text
    with db.connect() as conn:
        ayse = get_user_by_name(conn, "ayse")
    assert ayse is not None and ayse.role == "eczaci"
    assert [n for n, _ in events(db, ayse.pharmacy_id)] == [
        "accounts.pharmacy_created", "accounts.user_created"]
    again = CsrfTestClient(empty_client.app)
    assert again.get(f"/kurulum/{token}").status_code == 404
    assert again.post(f"/kurulum/{token}", data=_setup_form(kullanici_adi="mallory")
                      ).status_code == 404


def test_a_wrong_or_missing_setup_token_is_404(empty_client):
    assert empty_client.get("/kurulum/" + "t" * 32).status_code == 404  # none was offered
    empty_client.app.state.services.extra["setup_token"] = "t" * 32
    assert empty_client.get("/kurulum/" + "u" * 32).status_code == 404
    assert empty_client.post("/kurulum/" + "ş" * 3, data=_setup_form()).status_code == 404


def test_the_setup_link_keeps_the_password_policy_and_loses_nothing_typed(empty_client, db):
    empty_client.app.state.services.extra["setup_token"] = token = "t" * 32
    r = empty_client.post(f"/kurulum/{token}", data=_setup_form(parola="eczane12345",
                                                                 parola2="eczane12345"))
    assert r.status_code == 422 and "çok yaygın" in r.text and 'value="Papatya Eczanesi"' in r.text
    r = empty_client.post(f"/kurulum/{token}", data=_setup_form(parola2="baska-bir-parola"))
    assert r.status_code == 422 and "Parola ile tekrarı aynı değil." in r.text
    from eczane.accounts.users import count_users

    with db.connect() as conn:
        assert count_users(conn) == 0


def test_eczane_run_offers_the_setup_link_only_on_an_empty_database(settings, db, capsys):
    from eczane.cli.server import _offer_setup_link
    from eczane.web.app import create_app

    app = create_app(settings, db)
    _offer_setup_link(app, db, "0.0.0.0", 8000)
    token = app.state.services.extra["setup_token"]
    assert f"http://127.0.0.1:8000/kurulum/{token}" in capsys.readouterr().err
    create_user_in(db)
    other = create_app(settings, db)
    _offer_setup_link(other, db, "127.0.0.1", 8000)
    assert "setup_token" not in other.state.services.extra


def create_user_in(db) -> None:  # type: ignore[no-untyped-def]
    from eczane.store.users import create_pharmacy

    with db.begin() as conn:
        create_user(conn, create_pharmacy(conn, "X"), "ilk", "ilk-parola-uzun", role="eczaci")
