"""Yönetim page (issue 15): the installation admin lists chambers, pharmacies and accounts and
adds a pharmacy; everyone else gets 403 (STYLE §7 cases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eczane.store.core import pharmacy
from tests.chamber_seed import seed_chambers


@pytest.fixture
def seeded(app_client, db):
    return seed_chambers(db, app_client.pharmacies, activity=False)


def test_it_lists_chambers_pharmacies_and_accounts(app_client, seeded):
    r = app_client.login("yonetici").get("/yonetim")
    assert r.status_code == 200
    for text in ("İstanbul Eczacı Odası", "Ankara Eczacı Odası", "Papatya Eczanesi",
                 "Charlie Eczanesi", "odaist", "Oda görevlisi", "Kurulum yöneticisi", "bob"):
        assert text in r.text


def test_it_adds_a_pharmacy_to_a_chamber(app_client, db, seeded):
    app_client.login("yonetici")
    r = app_client.post("/yonetim/eczane", data={
        "ad": "Lale Eczanesi", "gln": "8680001000050", "oda": str(seeded.istanbul),
        "il": "İstanbul", "ilce": "Beşiktaş"})
    assert r.status_code == 200 and "Lale Eczanesi eczanesi eklendi." in r.text
    with db.connect() as conn:
        row = conn.execute(select(pharmacy).where(pharmacy.c.name == "Lale Eczanesi")).one()
    assert (row.gln, row.chamber_id, row.district) == ("8680001000050", seeded.istanbul, "Beşiktaş")
    assert "Lale Eczanesi" in app_client.login("odaist").get("/oda").text


@pytest.mark.parametrize(("form", "message"), [
    ({"ad": "", "gln": ""}, "Eczane adı boş olamaz."),
    ({"ad": "X", "gln": "86800010000"}, "GLN 13 haneli bir sayı olmalı (verilen: &#39;86800010000&#39;)."),
    ({"ad": "X", "gln": "8680001000001"},
     "GLN 8680001000001 kontrol hanesi tutmuyor (beklenen 5, gelen 1)."),
    ({"ad": "X", "gln": "8680001000043"}, "8680001000043 GLN numaralı bir eczane zaten var."),
    ({"ad": "X", "gln": "", "oda": "99"}, "&#39;99&#39; adlı ya da numaralı oda yok."),
])
def test_it_refuses_a_bad_pharmacy_in_turkish(app_client, seeded, form, message):
    r = app_client.login("yonetici").post("/yonetim/eczane", data=form)
    assert r.status_code == 422 and message in r.text


def test_the_admin_lands_on_the_page_after_login(app_client, seeded):
    r = app_client.post("/giris", data={"username": "yonetici", "password": "yonetici-pw"},
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/yonetim"


def test_wrong_method_is_405(app_client, seeded):
    app_client.login("yonetici")
    assert app_client.post("/yonetim").status_code == 405
    assert app_client.get("/yonetim/eczane").status_code == 405


def test_the_form_needs_the_csrf_token(app_client, seeded):
    app_client.login("yonetici")
    app_client.send_csrf = False
    assert app_client.post("/yonetim/eczane", data={"ad": "Sahte"}).status_code == 403


@pytest.mark.parametrize("name", ["alice", "bob", "charlie", "odaist"])
def test_everyone_else_gets_403(app_client, db, seeded, name):
    app_client.login(name)
    assert app_client.get("/yonetim").status_code == 403
    r = app_client.post("/yonetim/eczane", data={"ad": "Sızma Eczanesi"})
    assert r.status_code == 403 and "yalnızca kurulum yöneticisi" in r.text
    with db.connect() as conn:
        assert conn.execute(select(pharmacy).where(pharmacy.c.name == "Sızma Eczanesi")).first() is None
