"""The SQL reconciliation agrees with the domain specification on the same random data."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from eczane.domain.catalog import PrescriptionClass
from eczane.domain.pack import ItsStockRow
from eczane.domain.reconcile import InTransitPack, OnHandPack, Rules, reconcile
from eczane.store import tenant
from eczane.store.reconcile import BUCKETS, bucket_packs, replace_in_transit, run_reconciliation
from eczane.windows import default_window
from tests.store.test_reconcile import (
    add_count_session,
    add_onhand_import,
    add_products,
    add_snapshot,
)

TODAY = date(2025, 9, 1)
GTINS = [f"0869953608{i:03d}{i % 10}" for i in range(8)]
CLASSES = ["normal", "normal", "normal", "red", "green", "orange", "purple", None]


def random_world(rng: random.Random):
    def d(lo, hi):
        return None if rng.random() < 0.1 else lo + timedelta(days=rng.randint(0, (hi - lo).days))

    keys = [(rng.choice(GTINS + ["08699536089999"]), f"S{rng.randint(0, 120)}") for _ in range(160)]
    its = {k: (d(date(2025, 1, 1), date(2027, 1, 1)), rng.choice(["L1", "L2"]),
               rng.choice(["", "İTS ADI"]), d(date(2024, 6, 1), date(2025, 8, 1)))
           for k in keys[:90]}
    onhand_import = {k: (d(date(2025, 1, 1), date(2027, 1, 1)), rng.choice(["A", "B"]))
                     for k in rng.sample(keys, 60)}
    scans = {k: (date(2026, 5, 31), rng.choice(["A", "C"]), rng.random() < 0.2)
             for k in rng.sample(keys, 40)}
    transit = [InTransitPack(g, s, d(date(2025, 1, 1), date(2027, 1, 1)), "T",
                             rng.choice(["depo", "eczane"]), rng.choice(["X", "Y"]))
               for g, s in rng.sample(keys, 15)]
    return its, onhand_import, scans, transit


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("has_tx_date", [True, False])
def test_sql_and_domain_put_every_pack_in_the_same_bucket_with_the_same_reason(
        db, pharmacies, seed, has_tx_date):
    rng = random.Random(seed)
    its, onhand_import, scans, transit = random_world(rng)
    pid = pharmacies.pharmacy_id
    with db.begin() as conn:
        add_products(conn, [(g, f"ÜRÜN {i}", c) for i, (g, c) in enumerate(zip(GTINS, CLASSES, strict=True))])
        add_snapshot(conn, pid, [(g, s, e, b, n, tx) for (g, s), (e, b, n, tx) in its.items()],
                     has_tx_date=has_tx_date)
        iid = add_onhand_import(conn, pid, [(g, s, e, b) for (g, s), (e, b) in onhand_import.items()])
        sess = add_count_session(conn, pid, pharmacies.alice_id,
                                 [(g, s, e, b, "raf", u) for (g, s), (e, b, u) in scans.items()])
        replace_in_transit(conn, pid, transit, user_id=None)
        rid = run_reconciliation(conn, pid, today=TODAY, user_id=None, count_session_id=sess,
                                 onhand_import_id=iid)
        stored = {(p.gtin, p.serial): (p.bucket, p.reason, p.expiry, p.batch, p.product_name,
                                       p.sender_type, p.sender, p.note)
                  for b in BUCKETS for p in bucket_packs(conn, rid, b.value)}

    on_hand = [OnHandPack(g, s, e, b) for (g, s), (e, b) in onhand_import.items()]
    on_hand += [OnHandPack(g, s, e, b) for (g, s), (e, b, undone) in scans.items() if not undone]
    expected = reconcile(
        [ItsStockRow(g, s, e, b, n, tx) for (g, s), (e, b, n, tx) in its.items()], on_hand,
        rules=Rules.from_window(default_window(), TODAY),
        classes={g: (PrescriptionClass(c) if c else None) for g, c in zip(GTINS, CLASSES, strict=True)},
        names={g: f"ÜRÜN {i}" for i, g in enumerate(GTINS)}, in_transit=transit,
        date_checked=has_tx_date)
    want = {(p.gtin, p.serial): (p.bucket.value, p.reason.value, p.expiry, p.batch, p.product_name,
                                 p.sender_type, p.sender, ",".join(p.notes))
            for p in expected.packs}
    assert stored == want


# Hypothesis drives the same comparison with small, adversarial worlds (shared serials across
# GTINs, every class, dates on the cutoff and reference day, packs in several sources at once).

_keys = st.tuples(st.sampled_from([*GTINS[:4], "08699536089999"]),
                  st.sampled_from(["A", "B", "C", "D"]))
_days = st.one_of(st.none(), st.sampled_from(
    [date(2025, 3, 14), date(2025, 3, 15), date(2025, 8, 31), TODAY, date(2026, 1, 1)]))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(its=st.dictionaries(_keys, st.tuples(_days, _days), max_size=12),
       listed=st.lists(_keys, max_size=8, unique=True),
       scanned=st.lists(_keys, max_size=8, unique=True),
       transit=st.dictionaries(_keys, st.sampled_from(["depo", "eczane"]), max_size=4))
def test_sql_and_domain_agree_on_generated_worlds(db, pharmacies, its, listed, scanned, transit):
    from eczane.store.users import create_pharmacy

    with db.begin() as conn:
        pid = create_pharmacy(conn, "H")
        if not conn.execute(text("SELECT 1 FROM product")).first():
            add_products(conn, [(g, f"ÜRÜN {i}", c)
                                for i, (g, c) in enumerate(zip(GTINS, CLASSES, strict=True))])
    with tenant.acting_for(pid), db.begin() as conn:
        add_snapshot(conn, pid, [(g, s, e, "L", "", tx) for (g, s), (e, tx) in its.items()])
        iid = add_onhand_import(conn, pid, [(g, s, None, "B") for g, s in listed])
        sess = add_count_session(conn, pid, pharmacies.alice_id,
                                 [(g, s, date(2027, 1, 31), "C", "raf", False) for g, s in scanned])
        tr = [InTransitPack(g, s, None, "T", t, "X") for (g, s), t in transit.items()]
        replace_in_transit(conn, pid, tr, user_id=None)
        rid = run_reconciliation(conn, pid, today=TODAY, user_id=None, count_session_id=sess,
                                 onhand_import_id=iid)
        stored = {(p.gtin, p.serial): (p.bucket, p.reason, p.note)
                  for b in BUCKETS for p in bucket_packs(conn, rid, b.value)}
    expected = reconcile(
        [ItsStockRow(g, s, e, "L", "", tx) for (g, s), (e, tx) in its.items()],
        [OnHandPack(g, s, None, "B") for g, s in listed]
        + [OnHandPack(g, s, date(2027, 1, 31), "C") for g, s in scanned],
        rules=Rules.from_window(default_window(), TODAY),
        classes={g: (PrescriptionClass(c) if c else None)
                 for g, c in zip(GTINS, CLASSES, strict=True)}, in_transit=tr)
    assert stored == {(p.gtin, p.serial): (p.bucket.value, p.reason.value, ",".join(p.notes))
                      for p in expected.packs}
