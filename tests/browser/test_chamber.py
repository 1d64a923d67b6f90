"""Issue 15 in real Chromium: chamber staff log in and see two member pharmacies' progress
(counts seeded through the store: count sessions and scans, a reconciliation, notifications)
and nothing of a third pharmacy that belongs to another chamber."""

from __future__ import annotations

from tests.browser.conftest import login
from tests.chamber_seed import (
    ALICE_PACKS,
    CHARLIE_COUNT,
    CHARLIE_PACKS,
    DEMO,
    PAPATYA_PACKS,
    seed_chambers,
)


def test_chamber_staff_see_their_two_members_and_nothing_of_another_chamber(page, live_server):
    seeded = seed_chambers(live_server.db, live_server.pharmacies)
    base = live_server.url
    page.goto(f"{base}/giris")
    page.fill("input[name=username]", "odaist")
    page.fill("input[name=password]", "odaist-pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/oda")  # chamber staff land on their page
    assert "İstanbul Oda Görevlisi (Oda)" in page.inner_text("header")
    assert page.locator("header nav >> text=Sayım").count() == 0
    page.click("header nav >> text=Oda")
    page.wait_for_url(f"{base}/oda")
    assert "İstanbul Eczacı Odası: üye eczaneler" in page.inner_text("h1")

    rows = page.locator("#uyeler tbody tr")
    assert rows.count() == 2
    alice = page.inner_text(f"#uye-{seeded.alice}")
    assert "Alice Eczanesi" in alice and "Açık: Kasım sayımı" in alice
    assert f"{ALICE_PACKS} kutu" in alice and "Elde yok — deaktivasyona uygun: 2" in alice
    assert "Taslak: 1" in alice
    papatya = page.inner_text(f"#uye-{seeded.papatya}")
    assert "Papatya Eczanesi" in papatya and f"{PAPATYA_PACKS} kutu" in papatya
    assert "Kabul edilen kutu: 2" in papatya and "Reddedilen kutu: 1" in papatya

    body = page.inner_text("main")
    assert "Charlie Eczanesi" not in body and CHARLIE_COUNT not in body
    assert f"{CHARLIE_PACKS} kutu" not in body
    assert page.locator(f"#uye-{seeded.charlie}").count() == 0
    assert not any(p.serial in body or p.gtin in body for p in DEMO.on_shelf)

    page.click(f"#uye-{seeded.papatya} a")
    page.wait_for_url(f"{base}/oda/eczane/{seeded.papatya}")
    assert "Papatya Eczanesi" in page.inner_text("h1")

    other = page.goto(f"{base}/oda/eczane/{seeded.charlie}")
    assert other is not None and other.status == 404
    assert "Charlie" not in page.inner_text("main")
    pharmacy_page = page.goto(f"{base}/sayim")
    assert pharmacy_page is not None and pharmacy_page.status == 403
    assert "eczane verisini göremez" in page.inner_text("main")


def test_a_pharmacist_cannot_open_the_chamber_page(page, live_server):
    seed_chambers(live_server.db, live_server.pharmacies, activity=False)
    login(page, live_server.url, "alice")
    assert page.locator("header nav >> text=Oda").count() == 0
    r = page.goto(f"{live_server.url}/oda")
    assert r is not None and r.status == 403
    assert "Bu sayfa yalnızca oda görevlileri içindir." in page.inner_text("main")
