"""Placement run: worked cases. Each case says where its rule comes from (seed 001 =
``001_271ab17188307080.txt`` §ECZANE AÇMA BAŞVURU İŞLEMLERİ)."""

from datetime import date
from decimal import Decimal as D

import pytest

from eczane.domain.licensing.placement import (
    Applicant,
    Cause,
    District,
    PlacementInput,
    Status,
    describe_skips,
    lottery_order,
    places_from_population,
    run_placement,
)
from eczane.domain.licensing.placement_report import Verdict, district_table, reachable, what_if

KAD = District("34/kadikoy", "İstanbul", "Kadıköy", 1)
USK = District("34/uskudar", "İstanbul", "Üsküdar", 1)
CAN = District("06/cankaya", "Ankara", "Çankaya", 2)
DISTRICTS = (KAD, USK, CAN)
PREFS = ("34/kadikoy", "34/uskudar", "06/cankaya")


def run(*applicants: Applicant, **kw) -> dict:
    r = run_placement(PlacementInput(DISTRICTS, tuple(applicants), seed=kw.pop("seed", 42), **kw))
    return r.by_id()


def test_the_highest_score_takes_the_first_preference_and_the_reason_lists_the_full_ones():
    # seed 001: "yerleştirme puanı en yüksek olanlar eczane açma hakkı kazanır"
    out = run(Applicant("a", D(30), PREFS), Applicant("b", D(20), PREFS),
              Applicant("c", D(10), PREFS))
    assert (out["a"].district, out["a"].rank, out["a"].reason) == (
        "34/kadikoy", 1, "tercih 1: Kadıköy (İstanbul)")
    assert out["b"].reason == "tercih 2: Üsküdar (İstanbul); 1 doldu"
    assert out["c"].reason == "tercih 3: Çankaya (Ankara); 1–2 doldu"


def test_an_incomplete_file_is_not_placed_even_with_the_best_score():
    # seed 001: "Başvuru evrakının eksik olması hâlinde başvuru talepleri işleme alınmaz."
    out = run(Applicant("a", D(99), PREFS, complete=False), Applicant("b", D(1), PREFS))
    assert out["a"].status is Status.NOT_PROCESSED
    assert out["a"].reason == "işleme alınmadı: başvuru evrakı eksik"
    assert out["b"].district == "34/kadikoy"


def test_more_than_25_preferences_is_refused_not_cut():
    # seed 001: "en fazla yirmi beş tercih yapılabilir"
    out = run(Applicant("a", D(5), PREFS * 9))
    assert out["a"].status is Status.NOT_PROCESSED
    assert out["a"].reason == "işleme alınmadı: 27 tercih yapılmış, en fazla 25 tercih yapılabilir"


def test_an_application_after_30_days_from_the_announcement_is_not_processed():
    # seed 001: "ilân tarihinden itibaren otuz gün içerisinde … başvurularını yaparlar"
    out = run(Applicant("late", D(50), PREFS, application_date=date(2026, 3, 3)),
              Applicant("ok", D(1), PREFS, application_date=date(2026, 1, 31)),
              announcement_date=date(2026, 1, 1))
    assert out["late"].reason == ("işleme alınmadı: başvuru tarihi 03.03.2026, son gün 31.01.2026 "
                                  "(ilandan itibaren 30 gün)")
    assert out["ok"].district == "34/kadikoy"


def test_equal_scores_at_the_boundary_go_to_a_reproducible_lottery_that_is_recorded():
    # seed 001: "yerleştirme puanlarının eşit olması hâlinde … kura çekilir"
    a, b = Applicant("a", D("12.5"), ("34/kadikoy",)), Applicant("b", D("12.50"), ("34/kadikoy",))
    r = run_placement(PlacementInput(DISTRICTS, (a, b), seed=2026))
    drawn = lottery_order(2026, D("12.5"), ["b", "a"])
    winner, loser = r.by_id()[drawn[0]], r.by_id()[drawn[1]]
    assert winner.district == "34/kadikoy" and winner.lottery == (1, 2)
    assert loser.status is Status.UNPLACED and loser.lottery == (2, 2)
    assert loser.skipped[0].cause is Cause.LOTTERY
    assert loser.reason == "yerleşemedi: 1 eşit puanla kurada kaybedildi"
    assert len(r.draws) == 1 and r.draws[0].order == drawn and r.draws[0].decisive
    assert r.draws[0].districts == ("34/kadikoy",)


def test_a_tie_that_decides_nothing_is_drawn_but_not_decisive():
    r = run_placement(PlacementInput(DISTRICTS, (Applicant("a", D(7), ("34/kadikoy",)),
                                                 Applicant("b", D(7), ("06/cankaya",))), seed=1))
    assert [o.status for o in r.outcomes] == [Status.PLACED, Status.PLACED]
    assert not r.draws[0].decisive


def test_the_lottery_does_not_depend_on_input_order():
    apps = [Applicant(str(i), D(3), PREFS) for i in range(6)]
    r1 = run_placement(PlacementInput(DISTRICTS, tuple(apps), seed="x"))
    r2 = run_placement(PlacementInput(DISTRICTS, tuple(reversed(apps)), seed="x"))
    assert r1.outcomes == r2.outcomes


def test_a_different_seed_can_change_the_draw():
    orders = {lottery_order(s, D(1), [str(i) for i in range(8)]) for s in range(20)}
    assert len(orders) > 1


def test_unannounced_and_repeated_preferences_are_passed_over_with_a_reason():
    out = run(Applicant("a", D(9), ("35/konak", "34/kadikoy")),
              Applicant("b", D(8), ("34/kadikoy", "34/kadikoy", "06/cankaya")))
    assert out["a"].reason == "tercih 2: Kadıköy (İstanbul); 1 ilan edilmemiş ilçe"
    assert out["b"].reason == ("tercih 3: Çankaya (Ankara); 1 doldu; 2 aynı ilçe tekrar yazılmış")


def test_second_round_gives_a_withdrawn_place_to_the_next_unplaced_applicant():
    # seed 001: "Boş kalan yerler için … ikinci yerleştirme yapılır." (our reading: withdrawals)
    out = run(Applicant("a", D(30), ("34/kadikoy",)), Applicant("b", D(20), ("34/kadikoy",)),
              withdrawn=frozenset({"a"}))
    assert out["a"].status is Status.WITHDRAWN
    assert (out["b"].status, out["b"].round) == (Status.PLACED, 2)
    assert out["b"].reason == "2. yerleştirme, tercih 1: Kadıköy (İstanbul)"


def test_second_round_uses_new_preferences_when_given():
    out = run(Applicant("a", D(30), ("34/kadikoy",)),
              Applicant("b", D(20), ("34/kadikoy",), preferences_round2=("34/uskudar",)))
    assert (out["b"].round, out["b"].district, out["b"].rank) == (2, "34/uskudar", 1)


def test_without_withdrawals_or_new_preferences_the_second_round_places_nobody():
    r = run_placement(PlacementInput(DISTRICTS, (Applicant("a", D(3), ("34/kadikoy",)),
                                                 Applicant("b", D(2), ("34/kadikoy",))), seed=1))
    assert r.by_id()["b"].status is Status.UNPLACED
    assert "2. yerleştirme: 3 boş yer, 0 eczacı yerleşti." in r.notes


def test_second_round_can_be_switched_off():
    out = run(Applicant("a", D(30), ("34/kadikoy",)), Applicant("b", D(20), ("34/kadikoy",)),
              withdrawn=frozenset({"a"}), second_round=False)
    assert out["b"].status is Status.UNPLACED


def test_duplicate_applicant_ids_are_an_error():
    with pytest.raises(ValueError):
        run(Applicant("a", D(1), PREFS), Applicant("a", D(2), PREFS))


@pytest.mark.parametrize(("population", "existing", "expected"), [
    (467919, 120, 13),   # Kadıköy ADNKS 2023 with a made-up count: floor(133.7) - 120
    (3500, 0, 1),        # exactly one pharmacy's worth (seed 001: "en az üç bin beş yüz kişiye")
    (3499, 0, 0),
    (10000, 5, 0),       # never negative
])
def test_places_from_the_3500_rule(population, existing, expected):
    assert places_from_population(population, existing) == expected


def test_skips_are_grouped_into_ranges():
    from eczane.domain.licensing.placement import Skip

    sk = [Skip(1, "x", Cause.FULL), Skip(2, "y", Cause.FULL), Skip(3, "z", Cause.LOTTERY),
          Skip(4, "w", Cause.FULL)]
    assert describe_skips(sk) == "1–2, 4 doldu; 3 eşit puanla kurada kaybedildi"


def test_taban_puan_is_the_lowest_score_placed_per_district():
    inp = PlacementInput(DISTRICTS, (Applicant("a", D(30), ("06/cankaya",)),
                                     Applicant("b", D(20), ("06/cankaya",)),
                                     Applicant("c", D(10), ("06/cankaya", "34/uskudar"))), seed=1)
    rows = {r.district.key: r for r in district_table(inp, run_placement(inp))}
    assert (rows["06/cankaya"].base, rows["06/cankaya"].top, rows["06/cankaya"].demand) == (
        D(20), D(30), 3)
    assert (rows["34/uskudar"].base, rows["34/uskudar"].first_choice) == (D(10), 0)
    assert rows["34/kadikoy"].base is None and rows["34/kadikoy"].empty == 1


def test_what_if_answers_which_preference_a_score_gets():
    inp = PlacementInput(DISTRICTS, (Applicant("a", D(30), PREFS), Applicant("b", D(20), PREFS),
                                     Applicant("c", D(10), PREFS)), seed=1)
    res = run_placement(inp)
    w = what_if(inp, res, D(25), PREFS)
    assert [x.verdict for x in w.lines] == [Verdict.FULL, Verdict.GETS]
    assert w.summary == "Puan 25 ile tercih 2: Üsküdar (İstanbul) alırsınız."
    w = what_if(inp, res, D(5), PREFS)
    assert w.gets is not None and w.gets.key == "06/cankaya"   # Çankaya has 2 places, 1 taken
    # checked against a full re-run with the extra applicant
    again = run_placement(PlacementInput(DISTRICTS, inp.applicants + (Applicant("me", D(25), PREFS),),
                                         seed=1))
    assert again.by_id()["me"].district == "34/uskudar"


def test_what_if_says_when_an_equal_score_makes_it_a_lottery():
    inp = PlacementInput(DISTRICTS, (Applicant("a", D(20), ("34/kadikoy",)),), seed=1)
    w = what_if(inp, run_placement(inp), D(20), ("34/kadikoy", "06/cankaya"))
    assert w.lines[0].verdict is Verdict.LOTTERY
    assert w.summary == ("Puan 20 ile tercih 2: Çankaya (Ankara) alırsınız "
                         "(tercih 1 eşit puanlılarla kuraya bağlı).")


def test_what_if_for_an_applicant_of_the_run_first_removes_them():
    inp = PlacementInput(DISTRICTS, (Applicant("a", D(30), ("34/kadikoy",)),
                                     Applicant("b", D(20), ("34/kadikoy",))), seed=1)
    res = run_placement(inp)
    assert what_if(inp, res, D(25), ("34/kadikoy",), applicant_id="a").gets is not None
    assert what_if(inp, res, D(25), ("34/kadikoy",)).gets is None


def test_reachable_lists_every_district():
    inp = PlacementInput(DISTRICTS, (Applicant("a", D(30), ("34/kadikoy",)),), seed=1)
    verdicts = dict((d.key, v) for d, v in reachable(inp, run_placement(inp), D(10)))
    assert verdicts == {"34/kadikoy": Verdict.FULL, "34/uskudar": Verdict.GETS,
                        "06/cankaya": Verdict.GETS}


def test_impossible_inputs_are_errors():
    with pytest.raises(ValueError):
        places_from_population(-1, 0)
    with pytest.raises(ValueError):
        run_placement(PlacementInput((KAD, KAD), (), seed=1))
    with pytest.raises(ValueError):
        run_placement(PlacementInput((District("x", "İl", "İlçe", -1),), (), seed=1))


def test_a_second_round_lottery_is_recorded_and_explained():
    # seed 001: second placement for empty places; equal scores → kura (our reading: same draw)
    out = run(Applicant("a", D(30), ("34/kadikoy",)), Applicant("d", D(25), ("34/uskudar",)),
              Applicant("b", D(20), ("34/uskudar",), preferences_round2=("34/kadikoy",)),
              Applicant("c", D(20), ("34/uskudar",), preferences_round2=("34/kadikoy",)),
              withdrawn=frozenset({"a"}), seed=3)
    drawn = lottery_order(3, D(20), ["b", "c"])
    assert (out[drawn[0]].round, out[drawn[0]].district) == (2, "34/kadikoy")
    assert out[drawn[1]].reason == ("yerleşemedi: 1 tercihin tamamı doldu; 2. yerleştirmede de "
                                    "yer yok (1 eşit puanla kurada kaybedildi)")
    r = run_placement(PlacementInput(DISTRICTS, (
        Applicant("a", D(30), ("34/kadikoy",)), Applicant("d", D(25), ("34/uskudar",)),
        Applicant("b", D(20), ("34/uskudar",), preferences_round2=("34/kadikoy",)),
        Applicant("c", D(20), ("34/uskudar",), preferences_round2=("34/kadikoy",))),
        seed=3, withdrawn=frozenset({"a", "nobody"})))
    assert r.draws[0].decisive and r.draws[0].districts == ("34/kadikoy",)
    assert "'nobody' 1. yerleştirmede yerleşmediği için vazgeçenler listesinde yok sayıldı." in r.notes


def test_what_if_with_only_a_lottery_says_nothing_is_sure():
    inp = PlacementInput(DISTRICTS, (Applicant("a", D(20), ("34/kadikoy",)),), seed=1)
    w = what_if(inp, run_placement(inp), D(20), ("34/kadikoy",))
    assert w.gets is None
    assert w.summary == "Puan 20 ile kesin bir yer yok (tercih 1 eşit puanlılarla kuraya bağlı)."


def test_the_draw_is_pythons_random_on_the_sorted_ids_as_documented():
    # docs/placement.md: ids sorted, shuffled by random.Random(f"{seed}|{score}")
    import random

    ids = sorted(["A4", "A2", "A3"])
    random.Random("2026-1|20.5").shuffle(ids)
    assert lottery_order("2026-1", D("20.50"), ["A2", "A3", "A4"]) == tuple(ids)
