"""Reconciliation lists show product names in Turkish alphabetical order, page after page."""

from __future__ import annotations

import re
from datetime import date

import pytest

from eczane.domain.gs1 import make_gtin
from eczane.store.reconcile import bucket_packs, run_reconciliation
from tests.store.test_reconcile import BEFORE, LATER, add_onhand_import, add_products, add_snapshot

# Names whose code-point order is wrong in Turkish: Ç, İ, Ö, Ş, Ü sort after Z by code point.
NAMES = ["ZİNCO 15 MG", "İBUPROFEN 400 MG", "ÇINAR ŞURUP", "ŞEKER", "ÖKSÜRÜK ŞURUBU",
         "ÜLSER 20 MG", "ASPİRİN 100 MG", "IŞIKLI 5 MG", "CİDE 1 MG", "OKSİJEN"]
TURKISH = ["ASPİRİN 100 MG", "CİDE 1 MG", "ÇINAR ŞURUP", "IŞIKLI 5 MG", "İBUPROFEN 400 MG",
           "OKSİJEN", "ÖKSÜRÜK ŞURUBU", "ŞEKER", "ÜLSER 20 MG", "ZİNCO 15 MG"]


@pytest.fixture
def recon(db, pharmacies):
    """Three packs of each product in the İTS list, none on hand: all to be deactivated."""
    pid = pharmacies.pharmacy_id
    gtins = {name: make_gtin(f"869953608{i:04d}") for i, name in enumerate(NAMES)}
    with db.begin() as conn:
        add_products(conn, [(g, name, "normal") for name, g in gtins.items()])
        add_snapshot(conn, pid, [(g, f"S{n}{name[:2]}", LATER, "L1", "", BEFORE)
                                 for name, g in gtins.items() for n in range(3)])
        iid = add_onhand_import(conn, pid, [])
        return run_reconciliation(conn, pid, today=date.today(), user_id=pharmacies.alice_id,
                                  onhand_import_id=iid)


def test_bucket_pages_follow_the_turkish_alphabet_across_page_breaks(db, recon):
    with db.connect() as conn:
        whole = bucket_packs(conn, recon, "not_on_hand_eligible")
        pages = [bucket_packs(conn, recon, "not_on_hand_eligible", limit=4, offset=o)
                 for o in range(0, 32, 4)]
    assert [r.product_name for r in whole] == [n for n in TURKISH for _ in range(3)]
    assert [(r.gtin, r.serial) for page in pages for r in page] == \
        [(r.gtin, r.serial) for r in whole]
    assert [len(p) for p in pages] == [4, 4, 4, 4, 4, 4, 4, 2]


def test_the_deactivation_list_page_shows_names_in_turkish_order(app_client, recon):
    r = app_client.login("alice").get(f"/mutabakat/{recon}?grup=not_on_hand_eligible")
    assert r.status_code == 200
    shown = re.findall(r"<td>([^<]*)</td><td><code>", r.text)
    assert list(dict.fromkeys(shown)) == TURKISH


SENDERS = ["Zeytin Eczanesi", "Çınar Eczanesi", "İnci Eczanesi", "Işık Eczanesi", "Ayşe Eczanesi",
           "Cihan Eczanesi"]


def test_the_transit_worklist_lists_sending_pharmacies_in_turkish_order(app_client, db):
    from eczane.domain.reconcile import InTransitPack
    from eczane.exports.karekod_list import exchange_files
    from eczane.exports.packs import from_row
    from eczane.store.reconcile import replace_in_transit

    ph = app_client.pharmacies
    g = make_gtin("8699536080000")
    with db.begin() as conn:
        add_products(conn, [(g, "PARASETAMOL 500 MG", "normal")])
        add_snapshot(conn, ph.pharmacy_id, [(g, "HERE", LATER, "L1", "", BEFORE)])
        iid = add_onhand_import(conn, ph.pharmacy_id, [(g, "HERE", LATER, "L1")])
        replace_in_transit(conn, ph.pharmacy_id, [
            InTransitPack(g, f"T{i}", LATER, "L5", "eczane", s) for i, s in enumerate(SENDERS)],
            user_id=None)
        rid = run_reconciliation(conn, ph.pharmacy_id, today=date.today(), user_id=ph.alice_id,
                                 onhand_import_id=iid)
        packs = [from_row(r, None) for r in bucket_packs(conn, rid, "in_transit")]
    turkish = ["Ayşe Eczanesi", "Cihan Eczanesi", "Çınar Eczanesi", "Işık Eczanesi",
               "İnci Eczanesi", "Zeytin Eczanesi"]
    assert list(exchange_files(packs)) == turkish
    page = app_client.login("alice").get(f"/mutabakat/{rid}/arada-kalan")
    assert re.findall(r"<h3>([^<(]*) \(", page.text) == turkish
