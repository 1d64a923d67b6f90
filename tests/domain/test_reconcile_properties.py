"""Properties of the reconciliation (issue 5 "Must be true when done"), with Hypothesis."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from eczane.domain.catalog import PrescriptionClass as PC
from eczane.domain.pack import ItsStockRow, PackKey
from eczane.domain.reconcile import Bucket, InTransitPack, Rules, reconcile

TODAY = date(2025, 9, 1)
RULES = Rules(TODAY, date(2025, 3, 15), frozenset({PC.RED, PC.GREEN, PC.ORANGE, PC.PURPLE}))
GTINS = ["08699536080017", "08699536080062", "08699536080079", "08699536080994"]
CLASSES = {GTINS[0]: PC.NORMAL, GTINS[1]: PC.RED, GTINS[2]: None}
DEACTIVATION = {Bucket.NOT_ON_HAND_ELIGIBLE}

keys = st.builds(PackKey, st.sampled_from(GTINS), st.sampled_from(["A", "B", "C", "D", "E", "F"]))
dates = st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2026, 12, 31)))
its_rows = st.builds(lambda k, e, t, b: ItsStockRow(k.gtin, k.serial, e, b, "", t),
                     keys, dates, dates, st.sampled_from(["", "L1", "L2"]))
transits = st.builds(lambda k, t, s: InTransitPack(k.gtin, k.serial, None, "", t, s),
                     keys, st.sampled_from(["depo", "eczane"]), st.sampled_from(["X", "Y"]))


def run(its, onhand, transit, date_checked=True):
    return reconcile(its, onhand, rules=RULES, classes=CLASSES, in_transit=transit,
                     date_checked=date_checked)


@settings(max_examples=300, deadline=None)
@given(st.lists(its_rows, max_size=25), st.lists(keys, max_size=25), st.lists(transits, max_size=6),
       st.booleans())
def test_buckets_partition_the_union_of_the_inputs(its, onhand, transit, date_checked):
    result = run(its, onhand, transit, date_checked)
    got = [p.key for p in result.packs]
    assert len(got) == len(set(got))
    assert set(got) == {r.key for r in its} | set(onhand) | {t.key for t in transit}
    assert sum(result.counts.values()) == len(got)


@settings(max_examples=300, deadline=None)
@given(st.lists(its_rows, max_size=25), st.lists(keys, max_size=25), st.lists(transits, max_size=6))
def test_a_counted_pack_is_never_in_a_deactivation_bucket(its, onhand, transit):
    result = run(its, onhand, transit)
    counted = set(onhand)
    assert not [p for p in result.packs if p.key in counted and p.bucket in DEACTIVATION]
    assert all(p.on_hand == (p.key in counted) for p in result.packs)


@settings(max_examples=200, deadline=None)
@given(st.lists(its_rows, max_size=25), st.lists(keys, max_size=25), st.lists(transits, max_size=6),
       st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order_or_duplicates(its, onhand, transit, rnd):
    first = run(its, onhand, transit)
    its2, onhand2, transit2 = its + its[: len(its) // 2], onhand * 2, transit + transit
    for lst in (its2, onhand2, transit2):
        rnd.shuffle(lst)
    assert run(its2, onhand2, transit2) == first


@settings(max_examples=200, deadline=None)
@given(st.lists(its_rows, max_size=25))
def test_only_unexpired_normal_packs_processed_before_the_cutoff_are_eligible(its):
    for p in run(its, [], []).bucket(Bucket.NOT_ON_HAND_ELIGIBLE):
        assert CLASSES.get(p.gtin) is PC.NORMAL
        assert p.last_tx_date is None or p.last_tx_date < RULES.records_before
        assert p.expiry is None or p.expiry >= TODAY


def test_a_large_input_runs_in_linear_time():
    # not a timing assertion: 20,000 packs must simply finish (guards against quadratic merges)
    rows = [ItsStockRow(GTINS[0], f"S{i}", TODAY + timedelta(days=90), "L", "", date(2025, 1, 1))
            for i in range(20_000)]
    result = run(rows, [r.key for r in rows[::2]], [])
    assert result.counts["matched"] == 10_000 and result.counts["not_on_hand_eligible"] == 10_000
