import pytest

from eczane.domain.licensing.vacancy import VacancyInput, vacancies
from eczane.licensing_data import run_vacancies


# research §1.3: Isparta merkez ≈214,000 people and 109 pharmacies ⇒ no new pharmacy possible.
# Others: arithmetic of seed 001 §ECZANE AÇILMASI KRİTERLERİ 1 (3,500 people per pharmacy).
@pytest.mark.parametrize("pop, existing, capacity, slots, needed", [
    (214_000, 109, 61, 0, 171_000),
    (35_000, 7, 10, 3, 0),
    (34_999, 9, 9, 0, 1),
    (3_499, 0, 0, 0, 1),
    (7_000, 1, 2, 1, 0),
])
def test_slots_under_the_3500_rule(pop, existing, capacity, slots, needed):
    r = run_vacancies({"nufus": pop, "mevcut_eczane": existing})
    assert (r.capacity, r.open_slots, r.people_needed_for_next) == (capacity, slots, needed)
    assert r.may_open is (slots > 0)


def test_the_slot_arithmetic_is_shown():
    r = run_vacancies({"nufus": "214.000", "mevcut_eczane": 109})
    assert r.reasons[0].message == ("214.000 kişi ÷ 3.500 = 61 eczane kapasitesi; mevcut 109 "
                                    "eczane → 0 boş yer.")


@pytest.mark.parametrize("data, rule", [
    ({"amac": "ilce_ici_nakil"}, "ilce-ici"),               # seed 001 kriter 2
    ({"yerlesimde_eczane_var": False}, "eczanesiz-yerlesim"),  # seed 001 kriter 3
    ({"amac": "ilce_disi_nakil", "afet_ilani": True}, "afet"),  # seed 001 last bullet
])
def test_exceptions_open_without_the_population_rule(data, rule):
    r = run_vacancies({"nufus": 214_000, "mevcut_eczane": 109, **data})
    assert r.may_open and not r.population_rule_applies
    assert rule in {x.rule for x in r.reasons}


def test_a_disaster_does_not_lift_the_rule_for_a_new_opening():
    r = run_vacancies({"nufus": 214_000, "mevcut_eczane": 109, "afet_ilani": True})
    assert r.population_rule_applies and not r.may_open


@pytest.mark.parametrize("pop, existing, message", [
    # seed 001 §ECZANE AÇILMASI KRİTERLERİ madde 1 (3.500 kişi); issue 14: never "0 kişi daha"
    (7000, 1, "Bugün eczane başına 7.000 kişi düşüyor; nüfus 1 eczane daha için zaten yeterli."),
    (10_500, 1, "Bugün eczane başına 10.500 kişi düşüyor; nüfus 2 eczane daha için zaten "
                "yeterli."),
    (6999, 2, "Bugün eczane başına 3.499 kişi düşüyor; bir eczane daha için 3.501 kişi daha "
              "gerekir."),
])
def test_the_people_per_pharmacy_sentence_never_asks_for_zero_more_people(pop, existing, message):
    r = vacancies(VacancyInput(population=pop, existing=existing))
    assert next(x for x in r.reasons if x.rule == "eczane-basina").message == message
