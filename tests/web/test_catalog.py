"""The catalog box: preview before writing, explicit confirmation for downgrades, the previous
version restored, and files of another import box named (issue 14 finding 1)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from eczane.store import catalog as store
from eczane.store.audit import audit_log
from eczane.store.reconcile import get_reconciliation, run_reconciliation
from tests.importers.files import write_xlsx
from tests.store.test_reconcile import (
    BEFORE,
    G1,
    G_RED,
    LATER,
    TODAY,
    add_onhand_import,
    add_products,
    add_snapshot,
)

G_PURPLE = "08699536080079"  # valid check digit
ITS_STOCK_ROWS = [
    ["İTS Stok Listesi - 04.12.2026"],
    ["Barkod", "Ürün Adı", "Seri No", "SKT", "Parti No", "Son İşlem Tarihi"],
    *[[G1, "PARASETAMOL 500 MG", f"S{i}", date(2027, 6, 30), "L1", date(2025, 1, 10)]
      for i in range(6)],
    *[[G_RED, "MORFİN 10 MG", f"R{i}", date(2027, 6, 30), "L2", date(2025, 1, 10)]
      for i in range(3)],
]


def upload(client, url, name, data):
    return client.post(url, files={"dosya": (name, io.BytesIO(data))}, follow_redirects=False)


def hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no hidden {name}"
    return m.group(1)


def confirm(client, preview_html: str, *, tick: bool):
    data = {k: hidden(preview_html, k) for k in ("token", "sha256", "ozet")}
    if tick:
        data["onay"] = "evet"
    return client.post("/ithalat/katalog/onayla", data=data)


def classes(db) -> dict[str, str | None]:
    with db.connect() as conn:
        return {r.gtin: r.prescription_class for r in conn.execute(select(store.product))}


def csv_bytes(rows: list[tuple[str, str, str]]) -> bytes:
    return ("gtin;name;prescription_class\n" + "".join(f"{g};{n};{c}\n" for g, n, c in rows)
            ).encode("cp1254")


@pytest.fixture
def stock(app_client, db):
    """Alice's pharmacy: a normal and a red product, packs of both in İTS, nothing on hand."""
    pid = app_client.pharmacies.pharmacy_id
    with db.begin() as conn:
        add_products(conn, [(G1, "PARASETAMOL 500 MG", "normal"), (G_RED, "MORFİN 10 MG", "red")])
        add_snapshot(conn, pid, [(G1, "GHOST1", LATER, "L1", "", BEFORE),
                                 (G1, "GHOST2", LATER, "L1", "", BEFORE),
                                 (G_RED, "RED", LATER, "L2", "", BEFORE)])
        return add_onhand_import(conn, pid, [])


def eligible(app_client, db, onhand_id) -> int:
    pid = app_client.pharmacies.pharmacy_id
    with db.begin() as conn:
        rid = run_reconciliation(conn, pid, today=TODAY, user_id=app_client.pharmacies.alice_id,
                                 onhand_import_id=onhand_id)
        return get_reconciliation(conn, pid, rid).counts["not_on_hand_eligible"]


def test_the_its_stock_list_in_the_catalog_box_is_named_and_nothing_is_written(
        app_client, db, stock, tmp_path):
    app_client.login("alice")
    before = classes(db)
    data = write_xlsx(tmp_path / "stok.xlsx", ITS_STOCK_ROWS).read_bytes()
    r = upload(app_client, "/ithalat/katalog", "stok.xlsx", data)
    assert r.status_code == 422
    assert ("Bu dosya İTS stok listesine benziyor; İTS stok listesi bölümünden yükleyin."
            in r.text)
    assert classes(db) == before
    assert eligible(app_client, db, stock) == 2


def test_the_catalog_in_the_its_box_and_a_scanner_dump_in_the_catalog_box_are_named(
        app_client, tmp_path):
    app_client.login("alice")
    cat = write_xlsx(tmp_path / "k.xlsx", [["Barkod", "İlaç Adı", "Reçete Türü"],
                                           [G1, "PARASETAMOL", "Normal"]]).read_bytes()
    r = upload(app_client, "/ithalat/its", "k.xlsx", cat)
    assert r.status_code == 422
    assert "Bu dosya ilaç kataloğuna benziyor; İlaç kataloğu bölümünden yükleyin." in r.text
    dump = f"Sayım Karekodları\r\n01{G1}21A117270630\x1d10L1\r\n01{G1}21A217270630\x1d10L1\r\n"
    r = upload(app_client, "/ithalat/katalog", "sayim.txt", dump.encode())
    assert r.status_code == 422 and "Bu dosya bir karekod listesine" in r.text
    r = upload(app_client, "/ithalat/liste", "k.xlsx", cat)
    assert r.status_code == 422 and "ilaç kataloğuna benziyor" in r.text


def test_an_upload_shows_a_preview_and_writes_only_when_confirmed(app_client, db, stock):
    app_client.login("alice")
    r = upload(app_client, "/ithalat/katalog", "yeni.csv",
               csv_bytes([(G1, "PARASETAMOL 500 MG", "normal"), (G_PURPLE, "FAKTÖR VIII", "mor")]))
    assert r.status_code == 200 and "Henüz hiçbir şey yazılmadı" in r.text
    assert 'id="n-added">1<' in r.text and 'id="n-downgraded">0<' in r.text
    assert 'name="onay"' not in r.text  # only an addition: one click, no extra confirmation
    assert G_PURPLE not in classes(db)
    done = confirm(app_client, r.text, tick=False)
    assert done.status_code == 200 and "ürün kataloğa yazıldı" in done.text
    assert classes(db)[G_PURPLE] == "purple"
    again = upload(app_client, "/ithalat/katalog", "yeni.csv",
                   csv_bytes([(G1, "PARASETAMOL 500 MG", "normal"), (G_PURPLE, "FAKTÖR VIII", "mor")]))
    assert 'id="no-change"' in again.text and 'id="confirm"' not in again.text


def test_a_downgrade_is_listed_needs_the_box_ticked_and_the_previous_version_restores_it(
        app_client, db, stock):
    app_client.login("alice")
    assert eligible(app_client, db, stock) == 2  # the GHOSTs; the red RED pack is excluded
    wrong = csv_bytes([(G1, "PARASETAMOL 500 MG", ""), (G_RED, "MORFİN 10 MG", "normal")])
    r = upload(app_client, "/ithalat/katalog", "yanlis.csv", wrong)
    assert r.status_code == 200
    assert 'id="n-downgraded">1<' in r.text and 'id="n-cleared">1<' in r.text
    downgraded = r.text.split('id="downgraded"')[1].split("</table>")[0]
    assert G_RED in downgraded and "Kırmızı reçete" in downgraded and "Normal (beyaz)" in downgraded
    assert ("1 ürün renkli reçeteden normal reçeteye geçiyor: bu ürünlerin kutuları stok "
            "eşitlemede deaktive edilebilir hâle gelir.") in r.text
    unticked = confirm(app_client, r.text, tick=False)
    assert unticked.status_code == 422 and "açıkça onaylamanız gerekiyor" in unticked.text
    assert classes(db) == {G1: "normal", G_RED: "red"}

    assert confirm(app_client, unticked.text, tick=True).status_code == 200
    assert classes(db) == {G1: None, G_RED: "normal"}
    assert eligible(app_client, db, stock) == 1  # now RED (a narcotic!), and no GHOST

    page = app_client.get("/ithalat")
    assert "yanlis.csv" in page.text and 'href="/ithalat/katalog/onceki"' in page.text
    preview = app_client.get("/ithalat/katalog/onceki")
    assert preview.status_code == 200 and "yanlis.csv" in preview.text
    assert classes(db) == {G1: None, G_RED: "normal"}  # a preview changes nothing
    done = app_client.post("/ithalat/katalog/onceki", data={"ozet": hidden(preview.text, "ozet")})
    assert done.status_code == 200 and 'id="restored"' in done.text
    assert classes(db) == {G1: "normal", G_RED: "red"}
    assert eligible(app_client, db, stock) == 2
    with db.connect() as conn:
        names = [r.name for r in conn.execute(
            select(audit_log.c.name).where(audit_log.c.pharmacy_id == app_client.pharmacies.pharmacy_id))]
    assert "imports.catalog" in names and "catalog.restored" in names
    again = app_client.get("/ithalat/katalog/onceki")
    assert "Geri dönülecek önceki katalog sürümü yok." in again.text


def test_a_confirmation_is_bound_to_its_file_and_to_the_catalog_it_was_shown_with(
        app_client, db, stock):
    app_client.login("alice")
    a = upload(app_client, "/ithalat/katalog", "a.csv", csv_bytes([(G_RED, "MORFİN", "normal")]))
    b = upload(app_client, "/ithalat/katalog", "b.csv", csv_bytes([(G_PURPLE, "FAKTÖR", "mor")]))
    # b's preview (no confirmation needed) sent with a's file token: refused, nothing written
    forged = {"token": hidden(a.text, "token"), "sha256": hidden(b.text, "sha256"),
              "ozet": hidden(b.text, "ozet"), "onay": "evet"}
    r = app_client.post("/ithalat/katalog/onayla", data=forged)
    assert r.status_code == 422 and "Bu önizleme başka bir dosyaya ait" in r.text
    assert classes(db) == {G1: "normal", G_RED: "red"}
    # the catalog changes after a's preview: a's old digest no longer confirms anything
    assert confirm(app_client, b.text, tick=False).status_code == 200
    r = app_client.post("/ithalat/katalog/onayla", data={
        "token": hidden(a.text, "token"), "sha256": hidden(a.text, "sha256"),
        "ozet": "0" * 32, "onay": "evet"})
    assert r.status_code == 422 and "artık geçerli değil" in r.text
    assert classes(db)[G_RED] == "red"


def test_a_mostly_bad_file_asks_for_confirmation(app_client, db, stock):
    app_client.login("alice")
    rows = [(G_PURPLE, "FAKTÖR", "mor")] + [(str(i), "X", "normal") for i in range(3)]
    r = upload(app_client, "/ithalat/katalog", "bozuk.csv", csv_bytes(rows))
    assert "Satırların çoğu sorunlu: 3 sorunlu, 1 okunabilen satır." in r.text
    assert 'name="onay"' in r.text


def test_a_file_without_a_class_column_keeps_the_classes(app_client, db, stock):
    app_client.login("alice")
    data = f"gtin;name\n{G_RED};MORFİN 10 MG AMPUL\n".encode()
    r = upload(app_client, "/ithalat/katalog", "adlar.csv", data)
    assert "katalogdaki reçete türleri korunur" in r.text and 'id="n-downgraded">0<' in r.text
    assert confirm(app_client, r.text, tick=False).status_code == 200
    assert classes(db)[G_RED] == "red"


def test_a_kalfa_may_not_preview_confirm_or_restore(app_client, stock):
    app_client.login("bob")
    assert upload(app_client, "/ithalat/katalog", "k.csv", csv_bytes([])).status_code == 403
    assert app_client.post("/ithalat/katalog/onayla", data={}).status_code == 403
    assert app_client.get("/ithalat/katalog/onceki").status_code == 403
    assert app_client.post("/ithalat/katalog/onceki", data={}).status_code == 403


def test_wrong_methods_are_refused(app_client):
    app_client.login("alice")
    assert app_client.get("/ithalat/katalog/onayla").status_code == 405
    assert app_client.put("/ithalat/katalog/onceki").status_code == 405
