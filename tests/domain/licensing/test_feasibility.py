from decimal import Decimal as D

import pytest

from eczane.domain.errors import ParseError
from eczane.licensing_data import run_feasibility


def test_the_seed_cost_table_adds_up_to_28350():
    # seed 001 §ECZANE AÇMA MALİYETİ: "TOPLAM ORT. ₺ 28.350"; stopaj 20 % of 8.000 = 1.600
    r = run_feasibility({})
    assert r.monthly_costs == D("28350")
    assert r.lines[1] == ("Stopaj (%20)", D("1600.00"))


def test_break_even_is_costs_over_the_twelve_percent():
    # seed 001 §KARLI BİR İŞ Mİ?: 12 % of turnover
    r = run_feasibility({"ciro": 400_000})
    assert r.break_even == D("236250.00")
    assert r.monthly_profit == D("19650.00")
    assert r.payback_months == D("15.3")


def test_editing_the_rent_moves_the_stopaj_too():
    r = run_feasibility({"kira": 10_000, "giderler": {"elektrik": "1.500"}})
    assert r.monthly_costs == D("28350") + 2000 + 400 + 500


def test_a_loss_is_a_loss_and_there_is_no_payback():
    r = run_feasibility({"ciro": 100_000, "kar_orani": 12})
    assert r.monthly_profit == D("-16350.00") and r.payback_months is None
    assert r.reasons[-1].message == ("Aylık ciro 100.000,00 TL × %12 − 28.350,00 TL = "
                                     "-16.350,00 TL aylık zarar.")


def test_the_chart_crosses_zero_at_break_even():
    pts = run_feasibility({}).chart(5)
    assert pts[0] == (0, D("-28350.00"))
    assert pts[2][1] == 0


def test_an_unknown_cost_item_is_refused():
    with pytest.raises(ParseError, match="Bilinmeyen gider kalemi: 'yemek'"):
        run_feasibility({"giderler": {"yemek": 10}})


def test_a_stopaj_rate_given_as_a_percentage_is_read_as_a_percentage():
    # "20" and "0,20" both mean the seed's 20 % stopaj (seed 001 §ECZANE AÇMA MALİYETİ)
    assert run_feasibility({"stopaj_orani": 20}).monthly_costs == D("28350")
    assert run_feasibility({"stopaj_orani": "0,20"}).monthly_costs == D("28350")
