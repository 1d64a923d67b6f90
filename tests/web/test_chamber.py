"""Oda pages (issue 15): chamber staff see their members' progress as counts, nothing of another
chamber's pharmacies and no karekod-level data; pharmacy users get 403 (STYLE §7 cases)."""

from __future__ import annotations

import re

import pytest

from tests.chamber_seed import (
    ALICE_PACKS,
    CHARLIE_COUNT,
    CHARLIE_PACKS,
    DEMO,
    PAPATYA_PACKS,
    seed_chambers,
)


@pytest.fixture
def seeded(app_client, db):
    return seed_chambers(db, app_client.pharmacies)


def row(html: str, pharmacy_id: int) -> str:
    found = re.search(rf'<tr id="uye-{pharmacy_id}">(.*?)</tr>', html, re.S)
    assert found, f"no row for pharmacy {pharmacy_id}"
    return found.group(1)


def test_it_shows_each_member_pharmacys_progress_as_counts(app_client, seeded):
    r = app_client.login("odaist").get("/oda")
    assert r.status_code == 200
    assert "İstanbul Eczacı Odası: üye eczaneler" in r.text
    alice = row(r.text, seeded.alice)
    assert "Alice Eczanesi" in alice and "Kadıköy" in alice
    assert "Açık: Kasım sayımı" in alice and f'<b class="num">{ALICE_PACKS}</b> kutu' in alice
    assert "Eşleşen (İTS&#39;de var, elde var): 5" in alice
    assert "Elde yok — deaktivasyona uygun: 2" in alice
    assert "Taslak: 1" in alice and "Reddedilen kutu: 0" in alice
    papatya = row(r.text, seeded.papatya)
    assert f'<b class="num">{PAPATYA_PACKS}</b> kutu' in papatya and "Mutabakat yok" in papatya
    assert "Onaylı: 1" in papatya and "Gönderilen kutu: 3" in papatya
    assert "Kabul edilen kutu: 2" in papatya
    assert "Reddedilen kutu: 1" in papatya


def test_it_shows_nothing_of_another_chambers_pharmacy(app_client, seeded):
    text = app_client.login("odaist").get("/oda").text
    assert "Charlie Eczanesi" not in text and CHARLIE_COUNT not in text
    assert f'<b class="num">{CHARLIE_PACKS}</b>' not in text
    assert f'id="uye-{seeded.charlie}"' not in text


def test_it_shows_no_karekod_level_data(app_client, seeded):
    text = app_client.login("odaist").get("/oda").text
    for p in DEMO.on_shelf[:15]:
        assert p.serial not in text and p.gtin not in text
    assert "GHOST0" not in text
    detail = app_client.get(f"/oda/eczane/{seeded.alice}").text
    assert DEMO.on_shelf[0].serial not in detail and DEMO.on_shelf[0].gtin not in detail


def test_the_other_chamber_sees_only_its_own_member(app_client, seeded):
    text = app_client.login("odaank").get("/oda").text
    assert "Ankara Eczacı Odası" in text and CHARLIE_COUNT in text
    assert f'<b class="num">{CHARLIE_PACKS}</b> kutu' in text
    assert "Alice Eczanesi" not in text and "Papatya Eczanesi" not in text


def test_the_overdue_steps_follow_the_thresholds(app_client, seeded):
    text = app_client.login("odaist").get("/oda").text
    # every member counted today and its drafts are new: nothing is late yet
    assert "sayım yapılmamış" not in text and "onayı bekliyor" not in text
    assert "Geciken adım eşikleri: 30 gün" in text


def test_a_member_without_any_activity_is_overdue_for_its_count(app_client, db):
    seed_chambers(db, app_client.pharmacies, activity=False)
    text = app_client.login("odaist").get("/oda").text
    assert text.count("Henüz sayım yapılmamış.") == 2


def test_the_member_page_shows_one_member(app_client, seeded):
    r = app_client.login("odaist").get(f"/oda/eczane/{seeded.papatya}")
    assert r.status_code == 200 and "Papatya Eczanesi" in r.text and "8680001000043" in r.text


def test_the_member_page_of_another_chambers_pharmacy_is_404(app_client, seeded):
    r = app_client.login("odaist").get(f"/oda/eczane/{seeded.charlie}")
    assert r.status_code == 404 and "Charlie" not in r.text
    assert app_client.get("/oda/eczane/999999").status_code == 404


def test_wrong_method_is_405(app_client, seeded):
    app_client.login("odaist")
    assert app_client.post("/oda").status_code == 405
    assert app_client.post(f"/oda/eczane/{seeded.alice}").status_code == 405


@pytest.mark.parametrize("name", ["alice", "bob", "charlie", "yonetici"])
def test_pharmacy_users_and_the_admin_get_403(app_client, seeded, name):
    app_client.login(name)
    for url in ("/oda", f"/oda/eczane/{seeded.alice}"):
        r = app_client.get(url)
        assert r.status_code == 403, (name, url)
        assert "Bu sayfa yalnızca oda görevlileri içindir." in r.text
        assert "Kasım sayımı" not in r.text
