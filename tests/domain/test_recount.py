"""Son kontrol rules: the pick list's grouping and order, each scan's answer, the saved count."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.domain.karekod import Karekod, parse_karekod
from eczane.domain.pack import PackKey
from eczane.domain.recount import (
    RecountPack,
    classify_recount_scan,
    found_packs,
    pick_list,
    recount_summary,
)

TODAY = date(2025, 9, 1)


def p(name: str, gtin: str, serial: str, expiry: date | None = date(2027, 1, 31),
      batch: str = "L1") -> RecountPack:
    return RecountPack(gtin, serial, expiry, batch, name)


def test_products_are_in_turkish_alphabetical_order_not_code_point_order():
    # Demo catalog names (eczane.demo_data): İ, Ç, Ş and Ö must not sort after Z.
    packs = [p("ZİNCO", "1", "a"), p("İBUPROFEN", "2", "a"), p("ÇAY", "3", "a"),
             p("IŞIK", "4", "a"), p("CALPOL", "5", "a"), p("ŞURUP", "6", "a"), p("SALBUTAMOL", "7", "a")]
    assert [g.product_name for g in pick_list(packs, found=set())] == [
        "CALPOL", "ÇAY", "IŞIK", "İBUPROFEN", "SALBUTAMOL", "ŞURUP", "ZİNCO"]


def test_a_product_groups_its_packs_earliest_expiry_first_and_counts_the_found_ones():
    packs = [p("PAROL", "1", "S3", date(2027, 5, 31)), p("PAROL", "1", "S1", date(2026, 1, 31)),
             p("PAROL", "1", "S2", None), p("PAROL", "1", "S4", date(2026, 1, 31))]
    [g] = pick_list(packs, found={PackKey("1", "S4")})
    assert [x.serial for x in g.packs] == ["S1", "S3", "S2"]   # no expiry last
    assert (g.found, g.expected) == (1, 4)


def test_an_unnamed_product_is_listed_by_its_gtin_and_same_names_split_by_gtin():
    packs = [p("", "08699536080000", "a"), p("PAROL", "2", "a"), p("PAROL", "1", "b")]
    assert [(g.product_name, g.gtin) for g in pick_list(packs, found=set())] == [
        ("08699536080000", "08699536080000"), ("PAROL", "1"), ("PAROL", "2")]


def test_the_found_packs_are_listed_in_the_pick_lists_order():
    packs = [p("İBUPROFEN", "2", "b"), p("CALPOL", "1", "a"), p("İBUPROFEN", "2", "a")]
    found = {PackKey("2", "b"), PackKey("1", "a")}
    assert [(x.gtin, x.serial) for x in found_packs(packs, found)] == [("1", "a"), ("2", "b")]


K = Karekod("08699536080000", "SN1", date(2027, 1, 31), "L1")


@pytest.mark.parametrize("raw, state_of, found, expected", [
    # issue 16: a pending pack of the draft leaves it (green)
    (K.element_string(), {K.key: "pending"}, set(), ("green", "found", True)),
    # scanned twice in this recount
    (K.element_string(), {K.key: "dropped"}, {K.key}, ("amber", "already_found", False)),
    # dropped before (counted after the reconciliation, kept out on the reconciliation page)
    (K.element_string(), {K.key: "dropped"}, set(), ("amber", "already_removed", False)),
    # a pack the draft never held
    (K.element_string(), {}, set(), ("amber", "not_in_draft", False)),
    # a truncated karekod: the engine's reason is shown (research/its.md §6)
    ("0108699536080000", {}, set(), ("red", "unreadable", False)),
])
def test_each_scan_gets_its_own_colour_and_answer(raw, state_of, found, expected):
    v = classify_recount_scan(parse_karekod(raw, today=TODAY, its_case=True),
                              state_of=state_of.get, found=found)
    assert (v.state.value, v.code, v.removes) == expected
    assert v.message and v.title


def test_a_reading_without_gs_is_resolved_by_the_draft_or_asks_for_a_rescan():
    # tests/domain/test_karekod.py: serial "A1727113010X" hides "17271130" + "10" (its.md §6).
    raw = "0108699504120011" "21A1727113010X" "17271130" "10B1"
    draft = {PackKey("08699504120011", "A1727113010X"): "pending"}
    resolved = parse_karekod(raw, today=TODAY, its_case=True, known=draft.__contains__)
    v = classify_recount_scan(resolved, state_of=draft.get, found=set())
    assert (v.code, v.key) == ("found", PackKey("08699504120011", "A1727113010X"))
    unresolved = parse_karekod(raw, today=TODAY, its_case=True, known=set())
    v = classify_recount_scan(unresolved, state_of=lambda key: None, found=set())
    assert (v.state.value, v.code) == ("amber", "ambiguous")


def test_an_empty_result_is_unreadable():
    from eczane.domain.karekod import KarekodResult

    v = classify_recount_scan(KarekodResult(), state_of=lambda key: None, found=set())
    assert (v.code, v.message) == ("unreadable", "Karekod okunamadı: veri yok.")


@pytest.mark.parametrize("before, saved, remaining, message", [
    (45, 20, 25, "Son kontrol 20 kutuyu deaktive edilmekten kurtardı: taslak 45 kutudan 25 "
                 "kutuya indi."),
    (1200, 0, 1200, "Son kontrolde taslaktaki 1.200 kutudan hiçbiri rafta bulunmadı."),
])
def test_the_saved_count_is_said_in_turkish(before, saved, remaining, message):
    s = recount_summary(before, saved)
    assert (s.saved, s.remaining, s.message) == (saved, remaining, message)
