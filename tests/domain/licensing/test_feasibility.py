from decimal import Decimal as D

import pytest

from eczane.domain.errors import ParseError
from eczane.licensing_data import run_feasibility


def test_the_seed_cost_table_adds_up_to_28350():
    # seed 001 §ECZANE AÇMA MALİYETİ: "TOPLAM ORT. ₺ 28.350"; stopaj 20 % of 8.000 = 1.600
    r = run_feasibility({})
    assert r.monthly_costs == D("28350")
    assert r.lines[1] == ("Stopaj (%20)", D("1600.00"))


# seed 001 §KARLI BİR İŞ Mİ?: "Ortalama olarak ay sonunda elde ettiğiniz cironun yüzde 12'si
# kar olarak kalacaktır." — what remains at month end: the costs are already inside the 12 %.
SEED_READING = [
    # turnover, profit, payback months (300.000 TL ÷ profit)
    (400_000, "48000.00", "6.3"),    # issue 14: the seed gives 48.000 TL, not 19.650 TL
    (236_250, "28350.00", "10.6"),
    (100_000, "12000.00", "25.0"),
]


@pytest.mark.parametrize(("turnover", "profit", "payback"), SEED_READING)
def test_by_default_the_profit_is_twelve_percent_of_turnover_as_the_seed_says(
        turnover, profit, payback):
    r = run_feasibility({"ciro": turnover})
    assert r.input.reading == "ciro_payi"
    assert r.monthly_profit == D(profit) and r.payback_months == D(payback)
    assert r.break_even is None  # no break-even in the seed's reading
    assert r.to_json()["result"]["basabas_cirosu"] is None
    assert any(x.message == f"Aylık ciro {_tl(turnover)} × %12 = {_tl(D(profit))} aylık kâr."
               for x in r.reasons)


def _tl(x):
    from eczane.domain.licensing.reasons import tl

    return tl(D(x))


def test_the_seed_reading_says_the_costs_are_inside_the_twelve_percent():
    r = run_feasibility({"ciro": 400_000})
    msgs = {x.rule: x.message for x in r.reasons}
    assert "cironun %12'si kâr olarak kalır; aylık giderler bu kârın içindedir" in msgs["kar-orani"]
    # 28.350 / 400.000 = 7,09 % → a 19,09 % margin before the monthly costs is presupposed
    assert msgs["gider-payi"] == ("Aylık giderler cironun %7,09'u; kaynağın %12 kârı için ilaç "
                                  "alış maliyeti dışındaki brüt kâr payı en az %19,09 olmalıdır.")


def test_the_other_reading_is_only_an_explicit_labelled_alternative():
    # 12 % before the monthly costs: 400.000 × 12 % − 28.350 = 19.650 (issue 14's old figure)
    r = run_feasibility({"ciro": 400_000, "kar_okumasi": "brut_marj"})
    assert r.monthly_profit == D("19650.00")
    assert r.break_even == D("236250.00")
    assert r.payback_months == D("15.3")
    assert r.reading_label.startswith("Alternatif okuma")
    assert any(x.rule == "kar-orani-alternatif" and "kaynağın okuması değil" in x.message
               for x in r.reasons)


def test_the_seeds_starting_capital_is_in_the_plan():
    # seed 001: "Birçok eczacı, işe ilk girdiği anda 70-80 bin liralık sermaye ile dükkanını
    # açmakta, geri kalan tutarları uzun vadelere bölmektedir." — of ~300.000 TL
    r = run_feasibility({})
    out = r.to_json()["result"]
    assert out["baslangic_sermayesi"] == {"en_az": "70000", "en_cok": "80000"}
    assert out["vadeye_kalan"] == {"en_az": "220000", "en_cok": "230000"}
    plan = next(x for x in r.reasons if x.rule == "baslangic-sermayesi")
    assert "70.000,00 TL–80.000,00 TL" in plan.message


@pytest.mark.parametrize(("cash", "ok", "rest"), [
    ("60.000", False, "240000"),   # below the seed's 70 bin
    ("75.000", True, "225000"),    # inside 70–80 bin
    ("350000", True, "0"),         # more than the whole cost: nothing left to finance
])
def test_own_cash_is_compared_with_the_seeds_range(cash, ok, rest):
    r = run_feasibility({"nakit_sermaye": cash})
    assert next(x for x in r.reasons if x.rule == "baslangic-sermayesi").ok is ok
    assert r.to_json()["result"]["vadeye_kalan"] == {"en_az": rest, "en_cok": rest}


def test_editing_the_rent_moves_the_stopaj_too():
    r = run_feasibility({"kira": 10_000, "giderler": {"elektrik": "1.500"}})
    assert r.monthly_costs == D("28350") + 2000 + 400 + 500


def test_a_loss_is_a_loss_and_there_is_no_payback_in_the_alternative_reading():
    r = run_feasibility({"ciro": 100_000, "kar_orani": 12, "kar_okumasi": "brut_marj"})
    assert r.monthly_profit == D("-16350.00") and r.payback_months is None
    assert r.reasons[-1].message == ("Aylık ciro 100.000,00 TL × %12 − 28.350,00 TL = "
                                     "-16.350,00 TL aylık zarar.")


def test_the_chart_crosses_zero_at_break_even_in_the_alternative_reading():
    pts = run_feasibility({"kar_okumasi": "brut_marj"}).chart(5)
    assert pts[0] == (0, D("-28350.00"))
    assert pts[2][1] == 0


def test_the_chart_starts_at_zero_in_the_seed_reading():
    pts = run_feasibility({}).chart(5)
    assert pts[0] == (0, 0) and all(p > 0 for _, p in pts[1:])


def test_an_unknown_cost_item_is_refused():
    with pytest.raises(ParseError, match="Bilinmeyen gider kalemi: 'yemek'"):
        run_feasibility({"giderler": {"yemek": 10}})


def test_an_unknown_reading_is_refused_with_the_turkish_field_name():
    with pytest.raises(ParseError, match="“Kâr okuması” bilinmiyor: 'net'"):
        run_feasibility({"kar_okumasi": "net"})


def test_a_bad_cost_names_the_cost_line_not_the_key():
    with pytest.raises(ParseError, match="“Kalfa SSK” alanı sayı olmalı: 'çok'"):
        run_feasibility({"giderler": {"kalfa_ssk": "çok"}})


def test_a_stopaj_rate_given_as_a_percentage_is_read_as_a_percentage():
    # "20" and "0,20" both mean the seed's 20 % stopaj (seed 001 §ECZANE AÇMA MALİYETİ)
    assert run_feasibility({"stopaj_orani": 20}).monthly_costs == D("28350")
    assert run_feasibility({"stopaj_orani": "0,20"}).monthly_costs == D("28350")


@pytest.mark.parametrize(("rate", "words"), [
    # the ending follows the rate as read (domain/text.numeral_suffix): "%12'si" in seed 001
    ("12", "cironun %12'si"), ("10", "cironun %10'u"), ("40", "cironun %40'ı"),
    ("6", "cironun %6'sı"), ("12,5", "cironun %12,5'i"),
])
def test_the_rate_is_written_with_the_ending_it_is_read_with(rate, words):
    r = run_feasibility({"kar_orani": rate, "ciro": 100_000})
    assert words in r.reading_label
    assert words in next(x for x in r.reasons if x.rule == "kar-orani").message
