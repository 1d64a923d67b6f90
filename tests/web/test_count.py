"""Count pages (STYLE §7): it works, wrong method → 405, other pharmacy → 404, kalfa → 403."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eczane.store import count as store
from eczane.store.audit import audit_log
from tests.count.conftest import DEMO, karekod, seed_catalog

SHELF = DEMO.on_shelf


@pytest.fixture
def sid(app_client) -> int:  # type: ignore[no-untyped-def]
    db = app_client.app.state.services.db
    p = app_client.pharmacies
    with db.begin() as conn:
        return store.open_session(conn, p.pharmacy_id, p.alice_id, "Kasım sayımı")


def post_scan(client, sid, raw, cid, grp="raf", **extra):  # type: ignore[no-untyped-def]
    return client.post(f"/api/sayim/{sid}/scan",
                       json={"raw": raw, "client_scan_id": cid, "device_id": "pc1", "grp": grp,
                             **extra})


def test_the_session_list_shows_counts_and_opens_a_new_one(app_client, sid):
    app_client.login("bob")
    r = app_client.get("/sayim")
    assert r.status_code == 200 and "Kasım sayımı" in r.text and "Açık" in r.text
    r = app_client.post("/sayim", data={"name": "Raf B"}, follow_redirects=False)
    assert r.status_code == 303
    page = app_client.get(r.headers["location"])
    assert "Raf B" in page.text and 'id="scan-input"' in page.text


def test_the_count_pages_need_a_login(app_client, sid):
    assert app_client.get(f"/sayim/{sid}", follow_redirects=False).status_code == 303
    assert post_scan(app_client, sid, karekod(SHELF[0]), "c1").status_code == 401


def test_a_scan_is_stored_and_answered_as_json(app_client, sid):
    seed_catalog(app_client.app.state.services.db)
    app_client.login("bob")
    r = post_scan(app_client, sid, karekod(SHELF[0]), "c1")
    assert r.status_code == 200
    body = r.json()
    assert (body["state"], body["code"], body["counted"]) == ("green", "new", True)
    assert body["product_name"] == "PARASETAMOL DEMO 500 MG 20 TABLET"
    assert (body["gtin"], body["serial"]) == (SHELF[0].gtin, SHELF[0].serial)
    again = post_scan(app_client, sid, karekod(SHELF[0]), "c1").json()
    assert again["replayed"] and again["scan_id"] == body["scan_id"]
    dup = post_scan(app_client, sid, karekod(SHELF[0]), "c2").json()
    assert (dup["state"], dup["code"]) == ("amber", "duplicate")
    live = app_client.get(f"/sayim/{sid}/canli")
    assert SHELF[0].serial in live.text and "PARASETAMOL DEMO" in live.text


def test_an_unreadable_scan_is_answered_red_in_turkish(app_client, sid):
    app_client.login("alice")
    body = post_scan(app_client, sid, "merhaba", "c1").json()
    assert body["state"] == "red" and body["counted"] is False
    assert body["message"]


def test_a_bad_request_is_refused_in_turkish(app_client, sid):
    app_client.login("alice")
    r = app_client.post(f"/api/sayim/{sid}/scan", content=b"{", headers={
        "content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["message"]
    r = post_scan(app_client, sid, karekod(SHELF[0]), "c1", grp="depo")
    assert r.status_code == 400 and "Geçersiz grup" in r.json()["message"]


def test_the_live_fragment_answers_204_while_nothing_changed(app_client, sid):
    app_client.login("alice")
    first = app_client.get(f"/sayim/{sid}/canli")
    version = first.text.split('data-version="')[1].split('"')[0]
    assert app_client.get(f"/sayim/{sid}/canli?v={version}").status_code == 204
    post_scan(app_client, sid, karekod(SHELF[0]), "c1")
    assert app_client.get(f"/sayim/{sid}/canli?v={version}").status_code == 200


def test_another_pharmacys_count_does_not_exist(app_client, sid):
    app_client.login("charlie")
    assert app_client.get(f"/sayim/{sid}").status_code == 404
    assert app_client.get(f"/sayim/{sid}/canli").status_code == 404
    assert post_scan(app_client, sid, karekod(SHELF[0]), "c1").status_code == 404
    assert app_client.post(f"/sayim/{sid}/durum", data={"status": "paused"}).status_code == 404
    assert app_client.get(f"/sayim/{sid}/sayim.xlsx").status_code == 404
    assert "Kasım sayımı" not in app_client.get("/sayim").text


def test_wrong_methods_are_405(app_client, sid):
    app_client.login("alice")
    assert app_client.get(f"/api/sayim/{sid}/scan").status_code == 405
    assert app_client.get(f"/sayim/{sid}/durum").status_code == 405
    assert app_client.get(f"/sayim/{sid}/geri-al/1").status_code == 405
    assert app_client.post(f"/sayim/{sid}/canli").status_code == 405


def test_a_kalfa_pauses_and_resumes_but_cannot_close(app_client, sid):
    app_client.login("bob")
    for status in ("paused", "open"):
        r = app_client.post(f"/sayim/{sid}/durum", data={"status": status},
                            follow_redirects=False)
        assert r.status_code == 303
    r = app_client.post(f"/sayim/{sid}/durum", data={"status": "closed"})
    assert r.status_code == 403 and "yalnızca eczacı" in r.text
    assert "Sayımı kapat" not in app_client.get(f"/sayim/{sid}").text


def test_a_pharmacist_closes_and_a_closed_count_refuses_scans(app_client, sid):
    app_client.login("alice")
    r = app_client.post(f"/sayim/{sid}/durum", data={"status": "closed"},
                        follow_redirects=False)
    assert r.status_code == 303
    r = post_scan(app_client, sid, karekod(SHELF[0]), "c1")
    assert r.status_code == 409
    assert r.json()["message"] == "Bu sayım kapatıldı; okutma kaydedilmedi. Yeni bir sayım açın."
    page = app_client.get(f"/sayim/{sid}").text
    assert "okutma eklenemez" in page and 'id="scan-input"' not in page


def test_undo_takes_a_pack_out_of_the_count_and_is_audited(app_client, sid):
    app_client.login("bob")
    scan_id = post_scan(app_client, sid, karekod(SHELF[0]), "c1").json()["scan_id"]
    r = app_client.post(f"/sayim/{sid}/geri-al/{scan_id}")
    assert r.status_code == 200 and "Geri alındı" in r.text
    assert app_client.get(f"/sayim/{sid}/karekodlar.txt").text == ""
    with app_client.app.state.services.db.connect() as conn:
        names = [n for (n,) in conn.execute(select(audit_log.c.name))]
    assert names[-1] == "count.scan_undone"
    assert app_client.post(f"/sayim/{sid}/geri-al/99999").status_code == 404


def test_a_scanner_dump_is_uploaded_into_the_open_prescription_group(app_client, sid):
    app_client.login("bob")
    dump = "\r\n".join([karekod(SHELF[0]), karekod(SHELF[1]), "bozuk"]).encode()
    r = app_client.post(f"/sayim/{sid}/ice-aktar", data={"grp": "acik_recete"},
                        files={"file": ("okuyucu.txt", dump, "text/plain")})
    assert r.status_code == 200
    assert 'id="imp-added">2<' in r.text and 'id="imp-bad">1<' in r.text
    body = app_client.get(f"/sayim/{sid}/karekodlar.txt?grp=acik_recete").text
    assert body.split("\n") == [karekod(SHELF[0]), karekod(SHELF[1]), ""]


def test_the_catalog_uploaded_as_a_scanner_dump_is_named_and_nothing_is_stored(app_client, sid):
    app_client.login("bob")
    catalog = f"gtin;name;prescription_class\r\n{SHELF[0].gtin};PARASETAMOL;normal\r\n".encode()
    r = app_client.post(f"/sayim/{sid}/ice-aktar", data={"grp": "raf"},
                        files={"file": ("urunler.csv", catalog, "text/csv")})
    assert r.status_code == 422
    assert "Bu dosya ilaç kataloğuna benziyor; İlaç kataloğu bölümünden yükleyin." in r.text
    assert app_client.get(f"/sayim/{sid}/karekodlar.txt").text == ""


def test_exports_are_downloads(app_client, sid):
    app_client.login("alice")
    post_scan(app_client, sid, karekod(SHELF[0]), "c1")
    x = app_client.get(f"/sayim/{sid}/sayim.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert "attachment" in x.headers["content-disposition"]
    t = app_client.get(f"/sayim/{sid}/karekodlar.txt?fmt=hri")
    assert t.text == f"(01){SHELF[0].gtin}(21){SHELF[0].serial}(17){SHELF[0].expiry:%y%m%d}(10){SHELF[0].batch}\n"
    assert app_client.get(f"/sayim/{sid}/karekodlar.txt?fmt=pdf").status_code == 400


def test_the_totals_page_lists_every_product_with_its_packs(app_client, sid):
    seed_catalog(app_client.app.state.services.db)
    app_client.login("bob")
    post_scan(app_client, sid, karekod(SHELF[0]), "c1")
    post_scan(app_client, sid, karekod(SHELF[4]), "c2", grp="acik_recete")
    r = app_client.get(f"/sayim/{sid}/toplamlar")
    assert r.status_code == 200
    assert "Toplam 2 kutu, 2 ürün." in r.text
    assert "PARASETAMOL DEMO 500 MG 20 TABLET" in r.text and "AMOKSİSİLİN" in r.text


def test_a_paused_count_shows_no_scan_input_and_says_how_to_go_on(app_client, sid):
    app_client.login("bob")
    app_client.post(f"/sayim/{sid}/durum", data={"status": "paused"})
    page = app_client.get(f"/sayim/{sid}").text
    assert "Sayım duraklatıldı" in page and 'id="scan-input"' not in page
    r = post_scan(app_client, sid, karekod(SHELF[0]), "c1")
    assert r.status_code == 409 and "duraklatıldı" in r.json()["message"]
    assert app_client.post(f"/sayim/{sid}/durum", data={"status": "bogus"}).status_code == 400


def _bad_check_digit(pack):  # type: ignore[no-untyped-def]
    g = pack.gtin
    return karekod(pack).replace(g, g[:-1] + str((int(g[-1]) + 1) % 10))


def test_an_unreadable_scan_is_stored_once_and_listed_on_every_device(app_client, sid):
    app_client.login("bob")
    version = app_client.get(f"/sayim/{sid}/canli").text.split('data-version="')[1].split('"')[0]
    raw = _bad_check_digit(SHELF[0])
    first = post_scan(app_client, sid, raw, "r1").json()
    assert (first["state"], first["stored_rejected"], first["replayed"]) == ("red", True, False)
    resent = post_scan(app_client, sid, raw, "r1").json()     # the page lost the answer
    assert (resent["stored_rejected"], resent["replayed"]) == (True, True)
    app_client.login("alice")                                  # another user, another device
    live = app_client.get(f"/sayim/{sid}/canli", params={"v": version})
    assert live.status_code == 200
    assert "Okunamayan okutmalar (1)" in live.text and live.text.count("data-rejected=") == 1
    assert first["message"] in live.text and "yeniden okutun" in live.text
    assert raw.replace("\x1d", "⟨GS⟩") in live.text and "pc1" in live.text and "Bob" in live.text
    page = app_client.get(f"/sayim/{sid}")
    assert 'id="rejected-scans"' in page.text


def test_the_count_page_shows_no_unreadable_list_while_there_is_none(app_client, sid):
    app_client.login("bob")
    assert 'id="rejected-scans"' not in app_client.get(f"/sayim/{sid}").text


def test_the_downloaded_workbook_has_the_unreadable_scans(app_client, sid):
    import io

    import openpyxl

    app_client.login("bob")
    post_scan(app_client, sid, "01086995360800", "r1")
    r = app_client.get(f"/sayim/{sid}/sayim.xlsx")
    assert r.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content))["Okunamayanlar"]
                .iter_rows(min_row=2, values_only=True))
    assert [(x[2], x[6], x[7], x[8]) for x in rows] == [("01086995360800", "Bob", "pc1", "r1")]


def test_another_pharmacy_does_not_see_the_unreadable_scans(app_client, sid):
    app_client.login("bob")
    post_scan(app_client, sid, "bozuk", "r1")
    app_client.login("charlie")
    assert app_client.get(f"/sayim/{sid}/canli").status_code == 404
    assert app_client.get(f"/sayim/{sid}/sayim.xlsx").status_code == 404


def test_the_totals_page_lists_products_in_turkish_alphabetical_order(app_client, sid):
    import re

    from tests.count.test_exports_and_cli import scan_turkish_products

    expected = scan_turkish_products(app_client.app.state.services.db, app_client.pharmacies, sid)
    r = app_client.login("bob").get(f"/sayim/{sid}/toplamlar")
    assert r.status_code == 200
    assert re.findall(r"</code></td><td>([^<]*)</td>", r.text) == expected


def test_a_scan_with_a_broken_character_is_answered_and_stored(app_client, sid):
    app_client.login("bob")
    r = app_client.post(f"/api/sayim/{sid}/scan", content=b'{"raw": "01\\ud800\\u0000x", '
                        b'"client_scan_id": "r1", "device_id": "pc1", "grp": "raf"}',
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["stored_rejected"] is True
    assert "01\ufffd\ufffdx" in app_client.get(f"/sayim/{sid}/canli").text


def test_counting_before_todays_its_import_shows_the_lists_age_and_no_amber(app_client, sid):
    # issue 14 finding 6: an older İTS list is named with its age; scans are not compared with it
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from tests.count.conftest import seed_its_list

    db = app_client.app.state.services.db
    seed_catalog(db)
    today = app_client.app.state.services.today()
    two_days_ago = datetime.combine(today - timedelta(days=2), datetime.min.time()).replace(
        hour=14, minute=43, tzinfo=ZoneInfo("Europe/Istanbul"))
    seed_its_list(db, app_client.pharmacies.pharmacy_id, DEMO.its_packs, imported_at=two_days_ago)
    app_client.login("bob")
    page = app_client.get(f"/sayim/{sid}").text
    assert 'id="its-comparison" data-state="old"' in page and 'data-days-old="2"' in page
    assert (f"Son İTS stok listesi 2 gün önce yüklendi ({two_days_ago:%d.%m.%Y} 14:43, its.xlsx)"
            in page)
    body = post_scan(app_client, sid, karekod(DEMO.shelf_not_in_its[0]), "c1").json()
    assert (body["state"], body["code"], body["notes"]) == ("green", "new", [])


def test_counting_after_todays_its_import_warns_and_names_the_list(app_client, sid):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.count.conftest import seed_its_list

    db = app_client.app.state.services.db
    seed_catalog(db)
    seed_its_list(db, app_client.pharmacies.pharmacy_id, DEMO.its_packs,
                  imported_at=datetime.now(ZoneInfo("Europe/Istanbul")))
    app_client.login("bob")
    body = post_scan(app_client, sid, karekod(DEMO.shelf_not_in_its[0]), "c2").json()
    assert (body["state"], body["code"]) == ("amber", "not_in_its")
    assert body["message"] == "Bu kutu İTS stok listenizde yok: sayıldı; mal alımı gerekebilir."
    live = app_client.get(f"/sayim/{sid}/canli").text
    assert 'data-state="current"' in live
    assert "Okutmalar bugün yüklenen İTS stok listesiyle karşılaştırılıyor" in live


def test_without_an_its_list_the_count_page_says_nothing_is_compared(app_client, sid):
    app_client.login("bob")
    page = app_client.get(f"/sayim/{sid}").text
    assert 'data-state="none"' in page
    assert "İTS stok listesi yüklenmemiş: okutmalar İTS listesiyle karşılaştırılmıyor." in page


def test_a_linear_barcode_scanned_at_the_counter_is_named_as_not_a_karekod(app_client, sid):
    # issue 14 finding 9: the engine's message reaches the page
    app_client.login("bob")
    body = post_scan(app_client, sid, "8699504120011", "c1").json()
    assert (body["state"], body["detail"]) == ("red", "not_karekod")
    assert body["message"] == ("Bu bir ilaç karekodu değil (kutu üzerindeki 2B karekodu "
                               "okutun): çizgili barkod (EAN-13) okundu.")
    live = app_client.get(f"/sayim/{sid}/canli").text
    assert 'data-code="not_karekod"' in live and "çizgili barkod okunmuş" in live
