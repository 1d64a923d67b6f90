from datetime import date

import pytest

from eczane.domain.errors import ParseError
from eczane.domain.licensing.documents import add_one_month, one_month_before
from eczane.licensing_data import documents_data, run_documents

TODAY = date(2026, 11, 23)


def docs(**data):
    return run_documents(data, today=TODAY)


def lines(r):
    return {x.spec.id: x for x in r.lines}


def test_both_lists_have_the_seventeen_numbered_items_of_the_istanbul_page():
    # seed 002 §1.3 and §2.3 number their items 1–17
    specs, _, _ = documents_data()
    for kind in ("serbest", "hastane"):
        numbers = {s.no for s in specs if kind in s.kinds and s.no.isdigit()}
        assert numbers == {str(i) for i in range(1, 18)}


def test_a_free_pharmacy_needs_a_lease_and_a_hospital_pharmacy_the_hospital_licence():
    free = lines(docs(tur="serbest"))
    hosp = lines(docs(tur="hastane"))
    assert free["kira_kontrati"].required and "hastane_ruhsati" not in free
    assert hosp["hastane_ruhsati"].required and "kira_kontrati" not in hosp
    assert "depo_mesul_iptal" not in hosp  # seed 002 §2.3 madde 5: "gerek yoktur"


@pytest.mark.parametrize("condition, doc", [
    ("onceki_eczane", "onceki_eczane_yazisi"),
    ("depo_mesul", "depo_mesul_iptal"),
    ("adli_sicil", "mahkeme_kararlari"),
    ("evli_kadin", "evlilik"),
    ("bosanmis_kadin", "bosanma"),
    ("ad_degisti", "ad_degisikligi"),
    ("dukkan_sahibi", "tapu"),
])  # seed 002 §1.3: the items that depend on the pharmacist's situation
def test_conditional_items_appear_only_in_their_situation(condition, doc):
    assert lines(docs())[doc].status == "gerekmez"
    assert lines(docs(durumlar=[condition]))[doc].required


def test_owning_the_shop_replaces_the_lease_with_the_title_deed():
    r = lines(docs(durumlar=["dukkan_sahibi"]))
    assert r["kira_kontrati"].status == "gerekmez" and r["tapu"].required


@pytest.mark.parametrize("obtained, status", [
    ("2026-10-15", "tamam"),   # exactly one month before 15.11
    ("2026-10-14", "eski"),    # one day too old
    ("2026-11-20", "tamam"),   # after the first application (e.g. the fee receipt)
    ("2026-12-01", "ileri"),   # in the future
])
def test_document_dates_follow_the_one_month_rule(obtained, status):
    # seed 002: "en fazla 1(bir) ay önce alınmış olmalıdır"
    r = lines(docs(ilk_basvuru="2026-11-15", belgeler={"savcilik": obtained}))
    assert r["savcilik"].status == status


def test_a_stale_document_says_which_date_it_needed():
    r = docs(ilk_basvuru="2026-11-15", belgeler={"goz_raporu": "2026-09-01"})
    assert lines(r)["goz_raporu"].message == ("01.09.2026 tarihli; ilk başvuru 15.11.2026 için "
                                              "en erken 15.10.2026 olmalı. Yeniden alın.")
    assert r.result == "eksik"


def test_the_latest_application_day_follows_the_oldest_document():
    r = docs(belgeler={"savcilik": "2026-10-31", "goz_raporu": "2026-11-05"})
    assert r.latest_application == date(2026, 11, 30)


@pytest.mark.parametrize("d, before, after", [
    (date(2026, 3, 31), date(2026, 2, 28), date(2026, 4, 30)),
    (date(2024, 3, 30), date(2024, 2, 29), date(2024, 4, 30)),
    (date(2026, 1, 15), date(2025, 12, 15), date(2026, 2, 15)),
])
def test_month_arithmetic_clamps_to_the_end_of_the_month(d, before, after):
    assert (one_month_before(d), add_one_month(d)) == (before, after)


def test_a_complete_file_is_complete():
    specs, _, _ = documents_data()
    needed = [s.id for s in specs if s.applies("serbest", frozenset())]
    r = docs(ilk_basvuru="2026-11-15", belgeler={k: "2026-11-01" for k in needed})
    assert r.result == "tamam"


@pytest.mark.parametrize("data, message", [
    ({"tur": "eczane"}, "“Tür” bilinmiyor: 'eczane' (serbest, hastane)."),
    ({"durumlar": ["bekar"]}, "Bilinmeyen durum: 'bekar' (beklenen: onceki_eczane, depo_mesul, "
                              "adli_sicil, evli_kadin, bosanmis_kadin, ad_degisti, dukkan_sahibi)."),
    ({"belgeler": {"pasaport": "2026-01-01"}}, "Bilinmeyen belge kodu: 'pasaport'."),
])
def test_bad_document_input_is_refused(data, message):
    with pytest.raises(ParseError) as e:
        docs(**data)
    assert e.value.message == message
