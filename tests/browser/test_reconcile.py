"""The mutabakat page in real Chromium: counts, charts, keeping a pack out, the PDF report."""

from __future__ import annotations

from datetime import date

from eczane.domain.reconcile import InTransitPack
from eczane.store.reconcile import replace_in_transit, run_reconciliation
from tests.browser.conftest import login
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


def _seed(live_server) -> int:
    pid = live_server.pharmacies.pharmacy_id
    with live_server.db.begin() as conn:
        add_products(conn, [(G1, "PARASETAMOL 500 MG", "normal"), (G_RED, "MORFİN 10 MG", "red")])
        add_snapshot(conn, pid, [
            (G1, "ONSHELF", LATER, "L1", "", BEFORE), (G1, "GHOST1", LATER, "L1", "", BEFORE),
            (G1, "GHOST2", date(2027, 8, 31), "L1", "", BEFORE), (G1, "LATE", LATER, "L1", "", AFTER),
            (G_RED, "RED", LATER, "L2", "", BEFORE)])
        iid = add_onhand_import(conn, pid, [(G1, "ONSHELF", LATER, "L1")])
        replace_in_transit(conn, pid, [InTransitPack(G1, "TR", LATER, "L", "eczane", "Komşu")],
                           user_id=None)
        return run_reconciliation(conn, pid, today=date.today(), user_id=None,
                                  onhand_import_id=iid)


def test_the_pharmacist_reviews_and_keeps_a_pack_out_of_the_deactivation_list(page, live_server):
    rid = _seed(live_server)
    login(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/mutabakat/{rid}")
    assert "Bugün kapalı" in page.inner_text("#pencere")
    assert page.inner_text('[data-bucket="not_on_hand_eligible"]') == "2"
    assert page.locator("#grafik-gruplar svg rect").count() == 6
    assert page.locator("#grafik-ay svg rect").count() == 2
    row = page.locator('tr[data-serial="GHOST1"]')
    row.locator("input[name=note]").fill("buzdolabında bulundu")
    row.locator("button").click()
    page.wait_for_url("**grup=kept_out")
    assert "buzdolabında bulundu" in page.inner_text("#kutular")
    assert page.inner_text('[data-bucket="not_on_hand_eligible"]') == "1"
    page.select_option("select[name=grup]", "not_on_hand_ineligible")
    page.fill("input[name=q]", "morfin")
    page.click("#filtre button")
    assert page.locator("#kutular tbody tr").count() == 1
    assert "renkli reçeteli" in page.inner_text("#kutular")


def test_the_report_downloads_as_a_pdf(page, live_server):
    rid = _seed(live_server)
    login(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/mutabakat/{rid}")
    with page.expect_download() as info:
        page.click("text=Rapor (PDF)")
    pdf = info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_a_kalfa_sees_the_list_but_no_keep_out_button(page, live_server):
    rid = _seed(live_server)
    login(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/mutabakat/{rid}")
    assert page.locator('tr[data-serial="GHOST1"]').count() == 1
    assert page.locator("#kutular button").count() == 0
