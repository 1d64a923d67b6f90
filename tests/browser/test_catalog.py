"""The catalog box in real Chromium (issue 14 finding 1): the İTS stock list dropped in the
catalog box is named and nothing is written; a catalog that downgrades a red product is
previewed, cannot be written without ticking the confirmation, and "Önceki sürüme dön" brings the
classes and the reconciliation's eligible count back."""

from __future__ import annotations

from tests.browser.conftest import login
from tests.importers.files import write_xlsx
from tests.store.test_reconcile import (
    BEFORE,
    G1,
    G_RED,
    LATER,
    add_onhand_import,
    add_products,
    add_snapshot,
)
from tests.web.test_catalog import ITS_STOCK_ROWS

CATALOG_FORM = "form[action='/ithalat/katalog']"


def upload_catalog(page, base_url, path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/ithalat")
    page.set_input_files(f"{CATALOG_FORM} input[type=file]", str(path))
    with page.expect_navigation():
        page.click(f"{CATALOG_FORM} button[type=submit]")


def eligible_now(page, base_url) -> int:  # type: ignore[no-untyped-def]
    """Run a reconciliation on /mutabakat against the karekod list; the eligible bucket's count."""
    page.goto(f"{base_url}/mutabakat")
    page.select_option("select[name=kaynak]", index=1)
    with page.expect_navigation():
        page.click("form[action='/mutabakat'] button[type=submit]")
    return int(page.inner_text('[data-bucket="not_on_hand_eligible"]'))


def classes(db) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from eczane.store.catalog import product

    with db.connect() as conn:
        return {r.gtin: r.prescription_class for r in conn.execute(select(product))}


def test_a_wrong_file_is_named_a_downgrade_is_confirmed_and_the_previous_version_restored(
        page, live_server, tmp_path):
    db, pid = live_server.db, live_server.pharmacies.pharmacy_id
    with db.begin() as conn:  # type: ignore[attr-defined]
        add_products(conn, [(G1, "PARASETAMOL 500 MG", "normal"), (G_RED, "MORFİN 10 MG", "red")])
        add_snapshot(conn, pid, [(G1, "GHOST1", LATER, "L1", "", BEFORE),
                                 (G1, "GHOST2", LATER, "L1", "", BEFORE),
                                 (G_RED, "RED", LATER, "L2", "", BEFORE)])
        add_onhand_import(conn, pid, [])
    login(page, live_server.url, "alice")
    assert eligible_now(page, live_server.url) == 2

    # The walk: the İTS "Stok İndir" XLSX in the catalog box.
    upload_catalog(page, live_server.url, write_xlsx(tmp_path / "stok.xlsx", ITS_STOCK_ROWS))
    assert page.inner_text("[role=alert]") == ("Bu dosya İTS stok listesine benziyor; İTS stok "
                                               "listesi bölümünden yükleyin.")
    assert classes(db) == {G1: "normal", G_RED: "red"}

    # A real catalog that makes the red product normal.
    wrong = tmp_path / "urunler.csv"
    wrong.write_text(f"gtin;name;prescription_class\n{G_RED};MORFİN 10 MG;normal\n", "utf-8")
    upload_catalog(page, live_server.url, wrong)
    assert "Henüz hiçbir şey yazılmadı" in page.inner_text("main")
    assert page.inner_text("#n-downgraded") == "1"
    row = page.locator("#downgraded tbody tr").first.locator("td").all_inner_texts()
    assert row == [G_RED, "MORFİN 10 MG", "Reçete türü", "Kırmızı reçete", "Normal (beyaz)"]
    assert "deaktive edilebilir hâle gelir" in page.inner_text("#reasons")
    preview_url = page.url
    page.click("#confirm button[type=submit]")     # the box is not ticked: the browser stops it
    assert page.url == preview_url and classes(db)[G_RED] == "red"
    page.check("#confirm input[name=onay]")
    with page.expect_navigation():
        page.click("#confirm button[type=submit]")
    assert "ürün kataloğa yazıldı" in page.inner_text("#written")
    assert classes(db)[G_RED] == "normal"
    assert eligible_now(page, live_server.url) == 3   # the narcotic would be deactivated

    # One action back: the page lists the previous version's change, then restores it.
    page.goto(f"{live_server.url}/ithalat")
    assert "urunler.csv" in page.inner_text("#catalog-versions")
    with page.expect_navigation():
        page.click("#catalog-restore")
    assert "urunler.csv" in page.inner_text("main")
    with page.expect_navigation():
        page.click("#restore button[type=submit]")
    assert "önceki hâline döndü" in page.inner_text("#restored")
    assert classes(db) == {G1: "normal", G_RED: "red"}
    assert eligible_now(page, live_server.url) == 2
    page.goto(f"{live_server.url}/ithalat")
    assert "geri alındı" in page.inner_text("#catalog-versions")
    assert page.locator("#catalog-restore").count() == 0


def test_a_kalfa_sees_no_catalog_upload_and_no_restore(page, live_server):
    login(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/ithalat")
    assert page.locator(CATALOG_FORM).count() == 0
    assert page.request.get(f"{live_server.url}/ithalat/katalog/onceki").status == 403
