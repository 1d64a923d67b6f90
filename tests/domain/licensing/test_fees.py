from decimal import Decimal as D

import pytest

from eczane.licensing_data import fee_tables, run_fees


def test_the_2014_istanbul_table_agrees_with_the_2014_bracket_amounts():
    # seed 002 2014 table: every district's fee must be the amount of its population bracket
    t = fee_tables()
    assert len(t.istanbul_2014) == 39
    y2014 = t.years[2014]
    for row in t.istanbul_2014:
        assert y2014.amounts[t.bracket_index(row.population)] == row.fee, row.district


@pytest.mark.parametrize("district, fee", [
    ("Adalar", "267.70"), ("Şile", "429.10"), ("Çatalca", "644.30"), ("Beşiktaş", "1074.30"),
    ("ÜSKÜDAR", "1612.30"), ("sisli", "1074.30"),
])  # seed 002 §2014 YILI HARÇ BEDELLERİ
def test_the_2014_fee_of_an_istanbul_district(district, fee):
    r = run_fees({"yil": 2014, "ilce": district})
    assert r.amount == D(fee)


@pytest.mark.parametrize("population, fee", [
    (5_000, "65.40"), (5_001, "132.90"), (60_000, "805.10"), (100_000, "1073.70"),
    (400_001, "2014.90"),
])  # research §5: 2017 official amounts (Genel Tebliğ Seri No 78)
def test_2017_amounts_by_bracket(population, fee):
    r = run_fees({"yil": 2017, "nufus": population})
    assert (r.amount, r.status) == (D(fee), "resmi")


def test_a_year_that_is_not_loaded_warns_and_says_which_year_it_shows():
    r = run_fees({"yil": 2020, "nufus": 60_000})
    assert r.year_used == 2017
    assert r.reasons[0].message == ("2020 yılının harç tutarları yüklü değil. Gösterilen tutar "
                                    "2017 yılına ait (resmî); güncel tutarı vergi dairesinden "
                                    "teyit edin.")
    assert r.reasons[0].ok is False


def test_estimated_years_are_marked_as_not_official():
    r = run_fees({"yil": 2026, "nufus": 60_000})
    assert r.status == "tahmini"
    assert "2026 tutarları resmî değildir, tahmindir." in [x.message for x in r.reasons]


def test_a_move_inside_the_province_pays_no_fee():
    # seed 001 §Eczanenin devir ve nakli: "Aynı il içindeki nakillerde ... harç ödenmez."
    r = run_fees({"yil": 2026, "nufus": 60_000, "islem": "il_ici_nakil"})
    assert r.amount == 0


def test_a_2014_bracket_missing_from_the_istanbul_table_is_not_guessed():
    r = run_fees({"yil": 2014, "nufus": 3_000})
    assert r.amount is None
    assert r.reasons[0].message == "2014 yılı için ≤ 5.000 dilimi yüklü değil."


def test_fees_for_a_transfer_say_the_tariff_is_assumed():
    r = run_fees({"yil": 2017, "nufus": 60_000, "islem": "devir"})
    assert r.amount == D("805.10")
    assert r.reasons[-1].rule == "islem-harci"


def test_an_istanbul_district_in_another_year_uses_its_2014_population_and_says_so():
    r = run_fees({"yil": 2017, "ilce": "Şile"})
    assert (r.population, r.amount) == (30_218, D("536.10"))
    assert r.reasons[0].message == ("Şile nüfusu 2014 tablosundan alındı (30.218); güncel nüfusu "
                                    "girerseniz dilim değişebilir.")


def test_a_year_before_every_loaded_year_has_no_amount():
    r = run_fees({"yil": 2010, "nufus": 60_000})
    assert r.amount is None
    assert r.reasons[0].message == ("2010 yılının harç tutarları yüklü değil ve daha önceki bir "
                                    "yıl da yok.")
