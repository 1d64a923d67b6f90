"""Mutabakat pages (STYLE §7): it works, wrong method → 405, other pharmacy → 404, kalfa → 403."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from eczane.domain.karekod import Karekod
from eczane.domain.reconcile import InTransitPack
from eczane.store import tenant
from eczane.store.reconcile import latest_reconciliation, replace_in_transit, run_reconciliation
from tests.store.test_reconcile import (
    AFTER,
    BEFORE,
    G1,
    G_RED,
    LATER,
    add_onhand_import,
    add_products,
    add_snapshot,
)


@pytest.fixture
def recon(app_client, db):
    """A reconciliation of alice's pharmacy with a pack in every bucket; returns its id."""
    ph = app_client.pharmacies
    pid = ph.pharmacy_id
    today = date.today()
    with db.begin() as conn:
        add_products(conn, [(G1, "PARASETAMOL 500 MG", "normal"), (G_RED, "MORFİN 10 MG", "red")])
        add_snapshot(conn, pid, [
            (G1, "ONSHELF", LATER, "L1", "", BEFORE), (G1, "GHOST", LATER, "L1", "", BEFORE),
            (G1, "=HYPERLINK(1)", LATER, "L1", "", BEFORE), (G1, "LATE", LATER, "L1", "", AFTER),
            (G_RED, "RED", LATER, "L2", "", BEFORE), (G1, "OLD", date(2024, 6, 30), "L4", "", BEFORE),
        ])
        iid = add_onhand_import(conn, pid, [(G1, "ONSHELF", LATER, "L1"), (G1, "EXTRA", LATER, "L9")])
        replace_in_transit(conn, pid, [InTransitPack(G1, "TR1", LATER, "L5", "depo", "Depo A"),
                                       InTransitPack(G1, "TR2", LATER, "L5", "eczane", "Komşu Eczanesi")],
                           user_id=None)
        return run_reconciliation(conn, pid, today=today, user_id=ph.alice_id, onhand_import_id=iid)


def test_the_index_says_which_window_applies_and_lists_runs(app_client, recon):
    r = app_client.login("alice").get("/mutabakat")
    assert r.status_code == 200
    assert "Stok Eşitleme (7557 sayılı Kanun)" in r.text and "Bugün kapalı" in r.text
    assert f'href="/mutabakat/{recon}"' in r.text
    # research/its.md §5.1: the 2016 window is history with unknown dates
    assert "Stok affı (6736 sayılı Kanun md. 6/2-b, 2016)" in r.text and "bilinmiyor" in r.text


def test_running_a_reconciliation_redirects_to_it(app_client, recon, db):
    from eczane.store.catalog import latest_onhand_id

    pid = app_client.pharmacies.pharmacy_id
    with db.connect() as conn:
        iid = latest_onhand_id(conn, pid)
    r = app_client.login("bob").post("/mutabakat", data={"kaynak": f"liste:{iid}"},
                                     follow_redirects=False)
    with db.connect() as conn:
        latest = latest_reconciliation(conn, pid)
    assert r.status_code == 303 and latest.id == recon + 1
    assert r.headers["location"] == f"/mutabakat/{latest.id}"
    assert latest.onhand_source == {"count_session_id": None, "onhand_import_id": iid}


def test_running_without_a_count_says_to_count_first(app_client, recon):
    r = app_client.login("alice").post("/mutabakat", data={"kaynak": ""})
    assert r.status_code == 422 and "önce stok sayımı yapın" in r.text


def test_running_without_an_its_file_says_what_to_do(app_client):
    r = app_client.login("charlie").post("/mutabakat", data={"kaynak": ""})
    assert r.status_code == 422 and "Önce İTS stok dosyasını" in r.text


def test_the_detail_page_shows_counts_charts_and_reasons(app_client, recon):
    r = app_client.login("alice").get(f"/mutabakat/{recon}")
    assert r.status_code == 200
    assert 'data-bucket="not_on_hand_eligible">2<' in r.text
    assert r.text.count("<svg") == 3 and "Deaktive edilecekler: ürüne göre" in r.text
    assert "deaktivasyona uygun." in r.text and "Listeden çıkar" in r.text
    r = app_client.get(f"/mutabakat/{recon}?grup=not_on_hand_ineligible&q=morfin")
    assert "RED" in r.text and "LATE" not in r.text
    assert "renkli reçeteli ilaçlar stok eşitleme kapsamı dışında" in r.text


def test_search_by_a_scanned_karekod_finds_the_pack(app_client, recon):
    code = Karekod(G1, "LATE", LATER, "L1").element_string()
    r = app_client.login("alice").get(f"/mutabakat/{recon}",
                                      params={"grup": "not_on_hand_ineligible", "q": code})
    assert 'data-serial="LATE"' in r.text and 'data-serial="RED"' not in r.text


def test_an_unknown_group_is_404(app_client, recon):
    assert app_client.login("alice").get(f"/mutabakat/{recon}?grup=x").status_code == 404


def test_another_pharmacys_reconciliation_is_404(app_client, recon):
    client = app_client.login("charlie")
    for path in ("", "/arada-kalan", "/miadi-dolan", "/mutabakat.xlsx",
                 "/elinizde-olmayan-karekodlar.txt", "/rapor"):
        assert client.get(f"/mutabakat/{recon}{path}").status_code == 404, path
    r = client.post(f"/mutabakat/{recon}/cikar", data={"gtin": G1, "serial": "GHOST", "note": "x"})
    assert r.status_code == 404


def test_the_pharmacist_keeps_a_pack_out_with_a_note(app_client, recon):
    client = app_client.login("alice")
    r = client.post(f"/mutabakat/{recon}/cikar",
                    data={"gtin": G1, "serial": "GHOST", "note": "buzdolabında"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/mutabakat/{recon}").text
    assert 'data-bucket="not_on_hand_eligible">1<' in page and 'data-bucket="kept_out">1<' in page
    kept = client.get(f"/mutabakat/{recon}?grup=kept_out").text
    assert "buzdolabında" in kept and "Listeye geri al" in kept
    txt = client.get(f"/mutabakat/{recon}/elinizde-olmayan-karekodlar.txt").text
    assert "GHOST" not in txt
    client.post(f"/mutabakat/{recon}/cikar", data={"gtin": G1, "serial": "GHOST", "geri": "1",
                                                   "note": "geri"})
    assert "GHOST" in client.get(f"/mutabakat/{recon}/elinizde-olmayan-karekodlar.txt").text


def test_a_kalfa_may_not_keep_a_pack_out(app_client, recon):
    r = app_client.login("bob").post(f"/mutabakat/{recon}/cikar",
                                     data={"gtin": G1, "serial": "GHOST", "note": "x"})
    assert r.status_code == 403


def test_keeping_out_needs_a_note(app_client, recon):
    r = app_client.login("alice").post(f"/mutabakat/{recon}/cikar",
                                       data={"gtin": G1, "serial": "GHOST", "note": " "})
    assert r.status_code == 422 and "bir not yazın" in r.text


def test_wrong_methods_are_405(app_client, recon):
    client = app_client.login("alice")
    assert client.get(f"/mutabakat/{recon}/cikar").status_code == 405
    assert client.put("/mutabakat").status_code == 405
    assert client.post(f"/mutabakat/{recon}/rapor").status_code == 405


def test_the_karekod_file_has_the_header_and_one_element_string_per_line(app_client, recon):
    r = app_client.login("alice").get(f"/mutabakat/{recon}/elinizde-olmayan-karekodlar.txt")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    lines = r.content.decode().split("\r\n")
    assert lines[0] == "Elinizde Olmayan Karekodlar"
    from sqlalchemy import select

    from eczane.store.audit import audit_log

    with app_client.app.state.services.db.connect() as conn:
        last = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).first()
    assert last.name == "reconcile.exported" and last.payload["what"] == "karekod_list:2"
    assert sorted(lines[1:-1]) == sorted(
        Karekod(G1, s, LATER, "L1").element_string() for s in ("GHOST", "=HYPERLINK(1)"))


def test_the_xlsx_has_one_sheet_per_bucket_and_no_formulas(app_client, recon):
    r = app_client.login("alice").get(f"/mutabakat/{recon}/mutabakat.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Eşleşen", "Elde yok, deaktive edilebilir",
                             "Elde yok, deaktive edilemez", "Miadı dolan", "Arada kalan",
                             "Elde var, İTS'de yok"]
    cells = [c for row in wb["Elde yok, deaktive edilebilir"].iter_rows() for c in row]
    evil = [c for c in cells if c.value == "=HYPERLINK(1)"]
    assert len(evil) == 1 and evil[0].data_type == "s"
    assert not [c for c in cells if c.data_type == "f"]
    assert [c.value for c in wb["Eşleşen"][2]][:2] == [G1, "ONSHELF"]  # streamed, not stored
    assert wb["Eşleşen"].max_row == 2 and wb["Elde var, İTS'de yok"].max_row == 2


def test_the_transit_worklist_groups_by_sender_and_exports_exchange_karekods(app_client, recon):
    client = app_client.login("alice")
    page = client.get(f"/mutabakat/{recon}/arada-kalan").text
    assert "Depo A" in page and "Mal alımı için sırada" in page and "Komşu Eczanesi" in page
    r = client.get(f"/mutabakat/{recon}/takas.txt", params={"gonderen": "Komşu Eczanesi"})
    assert r.status_code == 200
    assert r.content.decode() == Karekod(G1, "TR2", LATER, "L5").element_string() + "\r\n"
    assert client.get(f"/mutabakat/{recon}/takas.txt",
                      params={"gonderen": "Depo A"}).status_code == 404


def test_the_expired_worklist_says_stock_is_not_reduced(app_client, recon):
    page = app_client.login("alice").get(f"/mutabakat/{recon}/miadi-dolan").text
    assert "stoktan düşülmeden" in page and "OLD" in page


def test_the_printable_report_names_the_window_and_has_a_signature_line(app_client, recon):
    page = app_client.login("alice").get(f"/mutabakat/{recon}/rapor").text
    assert "Uygulanan deaktivasyon penceresi" in page and "Bugün KAPALI" in page
    assert "Sorumlu eczacı" in page and "Alice Eczanesi" in page


def test_an_uploaded_transit_list_replaces_the_old_one(app_client, tmp_path):
    body = "karekod,sender_type,sender\n" + Karekod(G1, "NEW1", LATER, "L").element_string() + \
        ",Ecza Deposu,Depo B\nbozuk,depo,X\n"
    r = app_client.login("alice").post("/mutabakat/arada-kalan",
                                       files={"dosya": ("arada.csv", body.encode(), "text/csv")})
    assert r.status_code == 200 and "Henüz hiçbir şey yazılmadı" in r.text  # a preview first
    assert 'id="t-added">1<' in r.text and "Satır 3: karekod okunamadı" in r.text
    r = app_client.post("/mutabakat/arada-kalan/onayla", data=_transit_form(r.text))
    assert r.status_code == 200
    assert "1 kutu alındı." in r.text and "Satır 3: karekod okunamadı" in r.text
    assert "Arada kalan kutular: 1." in r.text


def _transit_form(html: str) -> dict[str, str]:
    return {k: html.split(f'name="{k}" value="')[1].split('"')[0] for k in ("token", "sha256", "ozet")}


def test_a_transit_list_that_drops_packs_lists_them_and_needs_the_tick(app_client, recon, db):
    from eczane.store.reconcile import in_transit_packs

    pid = app_client.pharmacies.pharmacy_id
    body = "karekod,sender_type,sender\n" + Karekod(G1, "TR1", LATER, "L5").element_string() + \
        ",depo,Depo A\n"
    r = app_client.login("alice").post("/mutabakat/arada-kalan",
                                       files={"dosya": ("arada.csv", body.encode(), "text/csv")})
    assert 'id="t-removed">1<' in r.text and "TR2" in r.text.split('id="removed"')[1]
    assert "1 kutu arada kalan listesinden çıkıyor" in r.text
    unticked = app_client.post("/mutabakat/arada-kalan/onayla", data=_transit_form(r.text))
    assert unticked.status_code == 422
    with db.connect() as conn:
        assert sorted(p.serial for p in in_transit_packs(conn, pid)) == ["TR1", "TR2"]
    done = app_client.post("/mutabakat/arada-kalan/onayla",
                           data={**_transit_form(unticked.text), "onay": "evet"})
    assert done.status_code == 200
    with db.connect() as conn:
        assert [p.serial for p in in_transit_packs(conn, pid)] == ["TR1"]


def test_pages_need_a_login(app_client, recon):
    r = app_client.get("/mutabakat", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/giris")


def test_another_pharmacys_count_or_list_cannot_be_reconciled(app_client, recon, db):
    from eczane.store.catalog import latest_onhand_id

    with db.connect() as conn:
        iid = latest_onhand_id(conn, app_client.pharmacies.pharmacy_id)
    with tenant.acting_for(app_client.pharmacies.other_pharmacy_id), db.begin() as conn:
        add_snapshot(conn, app_client.pharmacies.other_pharmacy_id, [])
    r = app_client.login("charlie").post("/mutabakat", data={"kaynak": f"liste:{iid}"})
    assert r.status_code == 422 and "Sayım veya dosya bulunamadı." in r.text


def test_the_detail_page_says_what_was_compared(app_client, recon):
    page = app_client.login("alice").get(f"/mutabakat/{recon}").text
    assert "İTS stok dosyası #" in page and "(stok.xlsx, yüklendi" in page
    assert "Karekod listesi #" in page and "(elde.txt)" in page


def test_an_its_file_loaded_before_the_day_of_the_run_is_flagged(app_client, recon, db):
    # seed 000: download the İTS stock in the morning before opening; İTS may lag
    from sqlalchemy import text

    with db.begin() as conn:
        conn.execute(text("UPDATE reconciliation SET today = :d WHERE id = :i"),
                     {"d": date(2099, 1, 1), "i": recon})
    page = app_client.login("alice").get(f"/mutabakat/{recon}").text
    assert "yansımamış olabilir" in page
