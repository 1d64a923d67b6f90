"""The İçe aktarma page: upload the İTS stock, map an unknown layout, on-hand list, catalog."""

from __future__ import annotations

import io
from datetime import date

from eczane.store import catalog
from tests.importers.files import write_xlsx

G1, G2 = "08699536080017", "08699536080024"  # demo GTINs (demo_data.py)


def xlsx_bytes(tmp_path, rows, name="stok.xlsx"):
    return (tmp_path / name, write_xlsx(tmp_path / name, rows).read_bytes())


def upload(client, url, name, data):
    return client.post(url, files={"dosya": (name, io.BytesIO(data))}, follow_redirects=False)


GOOD = [["İTS Stok Listesi"], ["GTIN", "Seri No", "SKT", "Parti No"],
        [G1, "S1", date(2027, 6, 30), "L1"], [G2, "S2", "31.02.2027", "L2"],
        ["8699536080018", "S3", date(2027, 6, 30), "L3"], [G1, "S1", date(2027, 6, 30), "L1"]]


def test_the_page_offers_the_three_uploads(app_client):
    app_client.login("alice")
    r = app_client.get("/ithalat")
    assert r.status_code == 200
    assert "İTS stok listesini yükle" in r.text and "Karekod listesini yükle" in r.text
    assert "Kataloğu yükle" in r.text


def test_an_its_upload_shows_each_bad_row_with_its_number_column_and_reason(app_client, tmp_path):
    app_client.login("alice")
    _, data = xlsx_bytes(tmp_path, GOOD)
    r = upload(app_client, "/ithalat/its", "stok.xlsx", data)
    assert r.status_code == 303
    page = app_client.get(r.headers["location"])
    assert page.status_code == 200
    assert "<b class=\"ok\">2</b> kutu" in page.text
    assert "Geçersiz tarih: &#39;31.02.2027&#39; (böyle bir gün yok)." in page.text
    assert "GTIN 08699536080018 kontrol hanesi tutmuyor (beklenen 7, gelen 8)." in page.text
    assert "Bu kutu 3. satırda da var; bir kez sayıldı." in page.text


def test_the_same_file_uploaded_again_is_recognised(app_client, tmp_path):
    app_client.login("alice")
    _, data = xlsx_bytes(tmp_path, GOOD)
    first = upload(app_client, "/ithalat/its", "stok.xlsx", data).headers["location"]
    again = upload(app_client, "/ithalat/its", "stok-kopya.xlsx", data)
    assert again.headers["location"].startswith(first)
    assert "daha önce içe aktarılmış" in app_client.get(again.headers["location"]).text


def test_an_unknown_layout_asks_for_the_columns_once(app_client, tmp_path):
    app_client.login("alice")
    rows = [["Kod", "Numara", "Bitiş"], [G1, "S1", "30.06.2027"], [G2, "S2", "31.01.2028"]]
    _, data = xlsx_bytes(tmp_path, rows)
    r = upload(app_client, "/ithalat/its", "garip.xlsx", data)
    assert r.status_code == 422 and "Sütun eşleştirme" in r.text
    token = r.text.split('name="token" value="')[1].split('"')[0]
    r = app_client.post("/ithalat/its/eslestir", data={
        "token": token, "header_row": "1", "col_gtin": "0", "col_serial": "1", "col_expiry": "2"},
        follow_redirects=False)
    assert r.status_code == 303
    assert "<b class=\"ok\">2</b> kutu" in app_client.get(r.headers["location"]).text
    _, data2 = xlsx_bytes(tmp_path, [*rows, [G2, "S3", "31.01.2028"]], name="garip2.xlsx")
    r = upload(app_client, "/ithalat/its", "garip2.xlsx", data2)
    assert r.status_code == 303  # remembered: no second question


def test_a_file_that_is_not_a_workbook_is_refused_in_turkish(app_client):
    app_client.login("alice")
    r = upload(app_client, "/ithalat/its", "stok.xlsx", b"<html>oturum kapandi</html>")
    assert r.status_code == 422
    assert "&#39;stok.xlsx&#39; bir Excel dosyası değil" in r.text


def test_a_kalfa_may_not_import_the_its_stock_or_the_catalog(app_client, tmp_path):
    app_client.login("bob")
    _, data = xlsx_bytes(tmp_path, GOOD)
    assert upload(app_client, "/ithalat/its", "stok.xlsx", data).status_code == 403
    assert upload(app_client, "/ithalat/katalog", "k.csv", b"gtin,name\n").status_code == 403


def test_a_kalfa_may_import_the_on_hand_list_and_headers_are_skipped(app_client):
    app_client.login("bob")
    r = upload(app_client, "/ithalat/liste", "liste.txt",
               ("Elinizde Olmayan Karekodlar\r\n010869953608001721S9\x1d17270630101L1\r\n"
                "bu bir karekod değil 123\r\n").encode("cp1254"))
    assert r.status_code == 303
    page = app_client.get(r.headers["location"])
    assert page.status_code == 200 and "bu bir karekod değil 123" in page.text


def test_another_pharmacy_does_not_see_the_result(app_client, tmp_path):
    app_client.login("alice")
    _, data = xlsx_bytes(tmp_path, GOOD)
    url = upload(app_client, "/ithalat/its", "stok.xlsx", data).headers["location"]
    app_client.login("charlie")
    assert app_client.get(url).status_code == 404


def test_wrong_methods_are_refused(app_client):
    app_client.login("alice")
    assert app_client.get("/ithalat/its").status_code == 405
    assert app_client.post("/ithalat").status_code == 405


def test_a_catalog_upload_reports_bad_rows_and_fills_the_catalog(app_client):
    app_client.login("alice")
    csv = (f"gtin;name;prescription_class\n{G1};AMOKSİSİLİN;beyaz\n{G2};İBUPROFEN;mavi\n"
           "123;YANLIŞ;normal\n").encode("cp1254")
    r = upload(app_client, "/ithalat/katalog", "katalog.csv", csv)
    assert r.status_code == 200 and 'id="n-added">2<' in r.text  # the preview (tests/web/test_catalog.py)
    token, digest = (r.text.split(f'name="{k}" value="')[1].split('"')[0] for k in ("token", "ozet"))
    sha = r.text.split('name="sha256" value="')[1].split('"')[0]
    r = app_client.post("/ithalat/katalog/onayla", data={"token": token, "sha256": sha, "ozet": digest})
    assert r.status_code == 200
    assert "<b class=\"ok\">2</b> ürün" in r.text
    assert "Bilinmeyen reçete türü: &#39;mavi&#39;" in r.text
    assert "GTIN 14 hane olmalı, gelen 3 hane: &#39;123&#39;" in r.text


def uploads_left(settings):
    folder = settings.data_dir / "uploads"
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_an_upload_is_kept_only_until_its_import_has_an_outcome(app_client, settings, tmp_path):
    app_client.login("alice")
    _, good = xlsx_bytes(tmp_path, GOOD)
    assert upload(app_client, "/ithalat/its", "stok.xlsx", good).status_code == 303
    assert uploads_left(settings) == []
    r = upload(app_client, "/ithalat/its", "bozuk.xlsx", b"<html>oturum kapandi</html>")
    assert r.status_code == 422 and uploads_left(settings) == []
    rows = [["Kod", "Numara", "Bitiş"], [G1, "S7", "30.06.2027"]]
    _, odd = xlsx_bytes(tmp_path, rows, name="garip.xlsx")
    r = upload(app_client, "/ithalat/its", "garip.xlsx", odd)
    assert r.status_code == 422 and uploads_left(settings) == ["garip.xlsx"]  # waits for mapping
    token = r.text.split('name="token" value="')[1].split('"')[0]
    r = app_client.post("/ithalat/its/eslestir", data={
        "token": token, "header_row": "1", "col_gtin": "0", "col_serial": "1"},
        follow_redirects=False)
    assert r.status_code == 303 and uploads_left(settings) == []
    listing = b"Elinizde Olmayan Karekodlar\n010869953608001721S9\x1d17270630101L1\n"
    assert upload(app_client, "/ithalat/liste", "liste.txt", listing).status_code == 303
    assert uploads_left(settings) == []


def test_an_abandoned_mapping_upload_is_swept_a_day_later(app_client, settings, tmp_path):
    import os
    import time

    app_client.login("alice")
    _, odd = xlsx_bytes(tmp_path, [["Kod", "Numara"], [G1, "S7"]], name="garip.xlsx")
    r = upload(app_client, "/ithalat/its", "garip.xlsx", odd)
    token = r.text.split('name="token" value="')[1].split('"')[0]
    folder = settings.data_dir / "uploads"
    part = folder / ".part-yarim"
    part.write_bytes(b"kesilen yukleme")
    day_ago = time.time() - 24 * 3600 - 60
    for p in (folder / token, part):
        os.utime(p, (day_ago, day_ago))
    _, fresh = xlsx_bytes(tmp_path, [["Kod", "Numara"], [G1, "S8"]], name="garip2.xlsx")
    upload(app_client, "/ithalat/its", "garip2.xlsx", fresh)
    assert uploads_left(settings) == ["garip2.xlsx"]
    r = app_client.post("/ithalat/its/eslestir", data={
        "token": token, "header_row": "1", "col_gtin": "0", "col_serial": "1"})
    assert r.status_code == 404 and "yeniden yükleyin" in r.text


def test_other_pages_answer_while_an_its_import_runs(settings, db, pharmacies, tmp_path,
                                                     monkeypatch):
    """The import runs off the event loop: a count page's scans are not held up by it."""
    import threading

    from eczane.store import catalog
    from eczane.web.app import create_app
    from tests.webclient import CsrfTestClient

    entered, answered = threading.Event(), threading.Event()
    real = catalog.import_its_stock

    def slow_import(*args, **kwargs):
        entered.set()
        assert answered.wait(10), "no other request was answered during the import"
        return real(*args, **kwargs)

    monkeypatch.setattr(catalog, "import_its_stock", slow_import)
    _, data = xlsx_bytes(tmp_path, GOOD)
    done = {}
    with CsrfTestClient(create_app(settings, db)) as client:  # one event loop for both requests
        client.post("/giris", data={"username": "alice", "password": "alice-pw"})
        worker = threading.Thread(
            target=lambda: done.update(r=upload(client, "/ithalat/its", "stok.xlsx", data)))
        worker.start()
        assert entered.wait(10)
        other = client.get("/sayim")
        answered.set()
        worker.join(30)
    assert other.status_code == 200
    assert done["r"].status_code == 303


MOSTLY_BAD = [["GTIN", "Seri No", "SKT"], [G1, "S1", date(2027, 6, 30)],
              ["123", "S2", date(2027, 6, 30)], ["8699536080018", "S3", date(2027, 6, 30)],
              ["abc", "S4", date(2027, 6, 30)]]


def test_a_mostly_bad_its_file_is_kept_only_once_confirmed(app_client, db, tmp_path):
    from sqlalchemy import func, select

    app_client.login("alice")
    _, data = xlsx_bytes(tmp_path, MOSTLY_BAD)
    r = upload(app_client, "/ithalat/its", "stok.xlsx", data)
    assert r.status_code == 422
    assert "satırlarının çoğu sorunlu: 3 sorunlu, 1 okunabilen satır" in r.text
    assert "GTIN 14 hane olmalı" in r.text

    def snapshots() -> int:
        with db.connect() as conn:
            return conn.execute(select(func.count()).select_from(catalog.its_snapshot)).scalar_one()

    assert snapshots() == 0
    form = {k: r.text.split(f'name="{k}" value="')[1].split('"')[0]
            for k in ("token", "sha256", "eslestirme")}
    unticked = app_client.post("/ithalat/its/onayla", data=form, follow_redirects=False)
    assert unticked.status_code == 422 and snapshots() == 0
    r = upload(app_client, "/ithalat/its", "stok.xlsx", data)  # each try with a fresh upload
    form = {k: r.text.split(f'name="{k}" value="')[1].split('"')[0]
            for k in ("token", "sha256", "eslestirme")}
    forged = app_client.post("/ithalat/its/onayla", data={**form, "sha256": "0" * 64, "onay": "evet"},
                             follow_redirects=False)
    assert forged.status_code == 422 and snapshots() == 0
    r = upload(app_client, "/ithalat/its", "stok.xlsx", data)
    form = {k: r.text.split(f'name="{k}" value="')[1].split('"')[0]
            for k in ("token", "sha256", "eslestirme")}
    done = app_client.post("/ithalat/its/onayla", data={**form, "onay": "evet"},
                           follow_redirects=False)
    assert done.status_code == 303 and snapshots() == 1
    assert "<b class=\"ok\">1</b> kutu" in app_client.get(done.headers["location"]).text
