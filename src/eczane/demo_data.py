"""Deterministic demo data: products and packs of the demo pharmacy.

Used by ``make run`` (the store seeds it, the İTS simulator loads the same packs) and by
tests that want a realistic small pharmacy. No I/O; pass ``today``.

The demo pharmacy's İTS stock (``its_packs``) is built so every reconciliation bucket has
members: packs on the shelf (``on_shelf``), ghosts not on hand (some before the 15.03.2025
cutoff, some after), colour-prescription ghosts, expired packs, an unknown product, plus packs in
transit (``in_transit``) and packs on the shelf İTS does not list (``shelf_not_in_its``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from eczane.domain.catalog import PrescriptionClass, Product
from eczane.domain.gs1 import make_gtin

# Fictional GTINs with the Turkish 869 prefix; names are invented, not real brands.
_PRODUCTS = [
    ("0869953608000", "PARASETAMOL DEMO 500 MG 20 TABLET", "tablet", "Demo İlaç A.Ş.", PrescriptionClass.NORMAL),
    ("0869953608001", "AMOKSİSİLİN DEMO 1000 MG 16 TABLET", "tablet", "Demo İlaç A.Ş.", PrescriptionClass.NORMAL),
    ("0869953608002", "İBUPROFEN DEMO 400 MG 30 TABLET", "tablet", "Örnek Sağlık", PrescriptionClass.NORMAL),
    ("0869953608003", "METFORMİN DEMO 850 MG 100 TABLET", "tablet", "Örnek Sağlık", PrescriptionClass.NORMAL),
    ("0869953608004", "ATORVASTATİN DEMO 20 MG 30 TABLET", "tablet", "Deneme Farma", PrescriptionClass.NORMAL),
    ("0869953608005", "SALBUTAMOL DEMO İNHALER 200 DOZ", "inhaler", "Deneme Farma", PrescriptionClass.NORMAL),
    ("0869953608006", "MORFİN DEMO 10 MG 10 AMPUL", "ampul", "Demo İlaç A.Ş.", PrescriptionClass.RED),
    ("0869953608007", "ALPRAZOLAM DEMO 0,5 MG 50 TABLET", "tablet", "Örnek Sağlık", PrescriptionClass.GREEN),
    ("0869953608008", "FAKTÖR VIII DEMO 500 IU FLAKON", "flakon", "Deneme Farma", PrescriptionClass.ORANGE),
    ("0869953608009", "İMMÜNOGLOBULİN DEMO 5 G FLAKON", "flakon", "Deneme Farma", PrescriptionClass.PURPLE),
]
UNKNOWN_GTIN = make_gtin("0869953608099")  # in İTS stock, not in the catalog


@dataclass(frozen=True)
class DemoPack:
    gtin: str
    serial: str
    expiry: date
    batch: str
    last_tx_date: date
    product_name: str


@dataclass(frozen=True)
class DemoPharmacy:
    products: list[Product]
    its_packs: list[DemoPack]
    """What İTS lists for the pharmacy."""
    on_shelf: list[DemoPack]
    """What a full count would find (subset of its_packs plus shelf_not_in_its)."""
    in_transit: list[tuple[DemoPack, str, str]]
    """(pack, sender_type 'depo'|'eczane', sender name)."""
    shelf_not_in_its: list[DemoPack]


def demo_products() -> list[Product]:
    return [Product(make_gtin(b), n, c, f, m) for b, n, f, m, c in _PRODUCTS]


def demo_pharmacy(today: date, *, seed: int = 7557) -> DemoPharmacy:
    rng = random.Random(seed)
    products = demo_products()
    names = {p.gtin: p.name for p in products} | {UNKNOWN_GTIN: "BİLİNMEYEN DEMO ÜRÜN"}
    gtins = [p.gtin for p in products] + [UNKNOWN_GTIN]
    cutoff = date(2025, 3, 15)
    counter = iter(range(1, 10_000))

    def pack(gtin: str, *, expired: bool = False, before_cutoff: bool = True) -> DemoPack:
        n = next(counter)
        expiry = today - timedelta(days=30 + n) if expired else today + timedelta(days=200 + 7 * n)
        tx = cutoff - timedelta(days=10 + n) if before_cutoff else cutoff + timedelta(days=5 + n)
        serial = f"DEMO{n:06d}{rng.choice('ABCDEFGHJKLMNPRSTUVYZ')}"
        batch = f"L{rng.randint(1000, 9999)}"
        return DemoPack(gtin, serial, expiry, batch, tx, names[gtin])

    on_shelf = [pack(g) for g in gtins[:6] for _ in range(4)]
    ghosts = [pack(g) for g in gtins[:6] for _ in range(2)]
    ghosts_late = [pack(g, before_cutoff=False) for g in gtins[:3]]
    colour_ghosts = [pack(g) for g in gtins[6:10]]
    expired = [pack(g, expired=True) for g in gtins[:4]]
    unknown = [pack(UNKNOWN_GTIN)]
    transit = [(pack(gtins[0]), "depo", "Demo Ecza Deposu"), (pack(gtins[1]), "depo", "Demo Ecza Deposu"),
               (pack(gtins[2]), "eczane", "Komşu Eczanesi")]
    shelf_only = [pack(gtins[3])]
    its = on_shelf + ghosts + ghosts_late + colour_ghosts + expired + unknown
    return DemoPharmacy(products, its, on_shelf + shelf_only, transit, shelf_only)
