from datetime import date

import pytest

from eczane.domain.errors import ParseError
from eczane.licensing_data import run_rights

TODAY = date(2026, 11, 23)


def rights(**data):
    return run_rights(data, today=TODAY)


def ev(*pairs):
    return [{"tur": k, "tarih": d} for k, d in pairs]


def status(r):
    return {a.action: a.status for a in r.actions}


# Each case: (what the seed says, input, expected statuses for acilis/devir/ici/disi)
CASES = [
    # seed 001: "30 Mayıs 2012 tarihinde eczanesi olan eczacıların ... bir kereye mahsus ...
    # devir etme, nüfus sınırlamasına tabi olmaksızın başka bir ilçeye nakil etme ...
    # aynı ilçe içerisinde istedikleri kadar nakil"
    ("had a pharmacy in 2012, nothing since",
     dict(mezuniyet="2000-06-30", olaylar=ev(("acilis", "2003-02-01"))),
     dict(acilis="izinsiz", devir="izinli", ilce_ici_nakil="izinli", ilce_disi_nakil="izinli")),
    # seed 001: "başka ilçeye nakil ettikleri eczanelerini devir etmeye hakları vardır" and
    # "tekrar farklı bir ilçeye nakil etmek isterlerse ... nüfus sınırlamasına tabi"
    ("had in 2012, moved to another district in 2018",
     dict(mezuniyet="2000-06-30", olaylar=ev(("acilis", "2003-02-01"),
                                             ("ilce_disi_nakil", "2018-05-02"))),
     dict(acilis="izinsiz", devir="izinli", ilce_ici_nakil="izinli",
          ilce_disi_nakil="nufus_sinirli")),
    # seed 001: "17 Mayıs 2012 ila 12 Nisan 2014 ... devir veya nakil etmiş iseler; ... haklarını
    # kullanmış sayılmaktadır"
    ("had in 2012, moved out in 2013 (inside the window)",
     dict(mezuniyet="2000-06-30", olaylar=ev(("acilis", "2003-02-01"),
                                             ("ilce_disi_nakil", "2013-03-01"))),
     dict(acilis="izinsiz", devir="belirsiz", ilce_ici_nakil="izinli",
          ilce_disi_nakil="nufus_sinirli")),
    # seed 001: "eczanelerini devir ettikten sonra yeniden eczane açmak isterlerse nüfus
    # sınırlamasına tabi olacaklar ve yerleştirme puanları hesaplanacaktır ... yarı oranda"
    ("had in 2012, transferred in 2019",
     dict(mezuniyet="2000-06-30", olaylar=ev(("acilis", "2003-02-01"), ("devir", "2019-09-09"))),
     dict(acilis="nufus_sinirli", devir="izinsiz", ilce_ici_nakil="izinsiz",
          ilce_disi_nakil="izinsiz")),
    # seed 001: closing after the law date loses the one-time rights
    ("had in 2012, closed in 2015",
     dict(mezuniyet="2000-06-30", olaylar=ev(("acilis", "2003-02-01"), ("kapanis", "2015-01-10"))),
     dict(acilis="nufus_sinirli", devir="izinsiz", ilce_ici_nakil="izinsiz",
          ilce_disi_nakil="izinsiz")),
    # seed 001: "30 Mayıs 2012 tarihinde eczanesi olmayan eczacılar ... bir kereye mahsus olmak
    # üzere nüfus sınırlamasına tabi olmadan istedikleri ilçede eczane açabileceklerdir"
    ("a pharmacist without a pharmacy in 2012",
     dict(mezuniyet="2010-06-30"),
     dict(acilis="izinli", devir="izinsiz", ilce_ici_nakil="izinsiz", ilce_disi_nakil="izinsiz")),
    ("a student in 2012 who graduated in 2015",
     dict(mezuniyet="2015-07-01", kayit_yili=2010),
     dict(acilis="izinli", devir="izinsiz", ilce_ici_nakil="izinsiz", ilce_disi_nakil="izinsiz")),
    # seed 001: "Eczanelerini açtıktan sonra bir kereye mahsus ... devir etme, ... başka bir
    # ilçeye nakil etme"
    ("without a pharmacy in 2012, opened in 2016",
     dict(mezuniyet="2010-06-30", olaylar=ev(("acilis", "2016-04-01"))),
     dict(acilis="izinsiz", devir="izinli", ilce_ici_nakil="izinli", ilce_disi_nakil="izinli")),
    # seed 001: "Eczanelerini devir ederler ve yeniden eczane açmak isterlerse ... nüfus
    # sınırlamasına tabi"
    ("without in 2012, opened 2016, transferred 2020",
     dict(mezuniyet="2010-06-30", olaylar=ev(("acilis", "2016-04-01"), ("devir", "2020-01-01"))),
     dict(acilis="nufus_sinirli", devir="izinsiz", ilce_ici_nakil="izinsiz",
          ilce_disi_nakil="izinsiz")),
    # seed 001: "2013 ve daha sonraki yıllarda ... en az bir yıl"
    ("enrolled 2014, 12 months assistant",
     dict(mezuniyet="2019-07-01", kayit_yili=2014, yardimci_eczacilik_ay=12),
     dict(acilis="nufus_sinirli", devir="izinsiz", ilce_ici_nakil="izinsiz",
          ilce_disi_nakil="izinsiz")),
    ("enrolled 2014, 12 months assistant, opened 2021",
     dict(mezuniyet="2019-07-01", kayit_yili=2014, yardimci_eczacilik_ay=12,
          olaylar=ev(("acilis", "2021-03-03"))),
     dict(acilis="izinsiz", devir="belirsiz", ilce_ici_nakil="izinli",
          ilce_disi_nakil="nufus_sinirli")),
]


@pytest.mark.parametrize("why, data, expected", CASES, ids=[c[0] for c in CASES])
def test_rights_follow_the_seed(why, data, expected):
    assert status(rights(**data)) == expected


def test_an_assistant_pharmacist_short_of_twelve_months_may_not_open_yet():
    r = rights(mezuniyet="2019-07-01", kayit_yili=2014, yardimci_eczacilik_ay=7)
    a = r.action("acilis")
    assert a.status == "izinsiz"
    assert a.reasons[0].message == "En az 12 ay yardımcı eczacılık gerekir: 7 ay yapılmış, 5 ay eksik."
    assert a.reasons[0].source.startswith("seed 001_271ab17188307080.txt")


def test_reopening_after_a_transfer_is_scored_and_halved():
    r = rights(mezuniyet="2000-06-30", olaylar=ev(("acilis", "2003-02-01"), ("devir", "2019-09-09")))
    a = r.action("acilis")
    assert (a.population_limit, a.scoring, a.score_halved) == (True, True, True)
    assert a.reasons[0].message == ("09.09.2019 tarihinde eczanenizi devrettiniz; yeniden açılış "
                                    "nüfus sınırlamasına tabidir ve yerleştirme puanı "
                                    "hesaplanır.")


def test_moving_inside_the_district_never_counts_the_population():
    r = rights(mezuniyet="2019-07-01", kayit_yili=2014, yardimci_eczacilik_ay=12,
               olaylar=ev(("acilis", "2021-03-03")))
    a = r.action("ilce_ici_nakil")
    assert a.population_limit is False
    assert a.reasons[0].rule == "ilce-ici"


def test_a_declared_disaster_lifts_the_population_limit_on_moves():
    # seed 001 §ECZANE AÇILMASI KRİTERLERİ, last bullet
    r = rights(mezuniyet="2019-07-01", kayit_yili=2014, yardimci_eczacilik_ay=12,
               olaylar=ev(("acilis", "2021-03-03")), afet_ilani=True)
    assert r.action("ilce_disi_nakil").status == "izinli"


def test_a_pharmacy_opened_where_there_was_none_moves_only_under_the_population_rule():
    # seed 001 §ECZANE AÇILMASI KRİTERLERİ 3
    r = rights(mezuniyet="2010-06-30", olaylar=ev(("acilis", "2016-04-01")),
               eczanesiz_yerlesimde_acildi=True)
    assert r.action("ilce_ici_nakil").status == "nufus_sinirli"


def test_muvazaa_bans_opening_for_five_years():
    # seed 001 §Eczanenin kapatılması: "beş yıl süreyle eczane açamaz"
    r = rights(mezuniyet="2010-06-30", muvazaa_tarihi="2023-01-10")
    assert r.action("acilis").reasons[0].message == (
        "Muvazaa tespiti (10.01.2023) nedeniyle 10.01.2028 tarihine kadar eczane açamaz, "
        "açmak için başvuruda da bulunamazsınız. Muvazaa eczacılar arasında yapılmışsa yasak "
        "taraf olan eczacıların hepsine uygulanır.")
    assert rights(mezuniyet="2010-06-30", muvazaa_tarihi="2021-01-10").action("acilis").status \
        == "izinli"


def test_a_muvazaa_found_on_29_february_ends_on_28_february_five_years_later():
    # seed 001 "beş yıl"; 2029 has no 29 February, so the ban runs to the last day of February
    r = rights(mezuniyet="2010-06-30", muvazaa_tarihi="2024-02-29")
    assert r.action("acilis").reasons[0].message == (
        "Muvazaa tespiti (29.02.2024) nedeniyle 28.02.2029 tarihine kadar eczane açamaz, "
        "açmak için başvuruda da bulunamazsınız. Muvazaa eczacılar arasında yapılmışsa yasak "
        "taraf olan eczacıların hepsine uygulanır.")


def test_a_student_without_a_diploma_may_not_open():
    assert rights(kayit_yili=2022).action("acilis").status == "izinsiz"


def test_an_event_on_the_disputed_law_date_gets_the_research_warning():
    # seed 001 says 30 May 2012, research §1.1 [C] says RG 31 May 2012
    r = rights(mezuniyet="2000-06-30", olaylar=ev(("acilis", "2012-05-31")))
    assert any(x.rule == "kanun-tarihi" for x in r.reasons)
    assert not any(x.rule == "kanun-tarihi" for x in rights(mezuniyet="2010-06-30").reasons)


def test_the_override_for_2012_works_without_typing_the_old_history():
    r = rights(mezuniyet="1995-06-30", kanun_tarihinde_eczanesi_vardi=True)
    assert r.category == "2012_eczaneli"
    assert r.action("devir").status == "izinli"


@pytest.mark.parametrize("data, message", [
    ({}, "“Mezuniyet tarihi” veya “Fakülteye kayıt yılı” alanlarından en az biri gerekli."),
    ({"mezuniyet": "2015-07-01"},
     "Mezuniyet 01.07.2015 kanun tarihinden sonra: fakülteye kayıt yılını (“Fakülteye kayıt yılı”) girin."),
    ({"mezuniyet": "2010-06-30", "olaylar": [{"tur": "devir", "tarih": "2016-01-01"}]},
     "01.01.2016 eczanesini devretti: o tarihte eczane yok (olay 1; önce açılış girin)."),
    ({"mezuniyet": "2010-06-30", "olaylar": [{"tur": "satis", "tarih": "2016-01-01"}]},
     "“Olay 1: Tür” bilinmiyor: 'satis' (beklenen: acilis, devir, ilce_disi_nakil, "
     "ilce_ici_nakil, kapanis)."),
    ({"mezuniyet": "30/06/2010"},
     "“Mezuniyet tarihi” alanı geçerli bir tarih değil: '30/06/2010' (GG.AA.YYYY veya YYYY-AA-GG bekleniyor)."),
    ({"mezuniyet": "2000-01-01", "kanun_tarihinde_eczanesi_vardi": False,
      "olaylar": [{"tur": "acilis", "tarih": "2005-01-01"}]},
     "“Kanun tarihinde eczaneniz var mıydı” olaylarla çelişiyor: olaylara göre 30.05.2012 tarihinde "
     "eczane vardı."),
])
def test_bad_histories_are_refused_in_turkish(data, message):
    with pytest.raises(ParseError) as e:
        rights(**data)
    assert e.value.message == message


def test_every_reason_names_a_rule_and_a_source():
    for _, data, _ in CASES:
        out = rights(**data).to_json()
        assert out["reasons"]
        for reason in out["reasons"]:
            assert reason["rule"] and reason["source"] and reason["message"]


@pytest.mark.parametrize("why, data, expected", [
    # seed 001 §'17 Mayıs 2012 ila 12 Nisan 2014': a transfer in the window used the rights; the
    # pharmacy opened afterwards moves out only under the population rule
    ("had in 2012, transferred 2013, reopened 2016",
     dict(mezuniyet="2000-06-30", olaylar=ev(("acilis", "2003-02-01"), ("devir", "2013-02-01"),
                                             ("acilis", "2016-05-05"))),
     dict(acilis="izinsiz", devir="belirsiz", ilce_ici_nakil="izinli",
          ilce_disi_nakil="nufus_sinirli")),
    # seed 001: the one-time opening was used by the first pharmacy; the second is not exempt
    ("without in 2012, opened 2016, closed 2018, reopened 2020",
     dict(mezuniyet="2010-06-30", olaylar=ev(("acilis", "2016-04-01"), ("kapanis", "2018-01-01"),
                                             ("acilis", "2020-01-01"))),
     dict(acilis="izinsiz", devir="belirsiz", ilce_ici_nakil="izinli",
          ilce_disi_nakil="nufus_sinirli")),
], ids=lambda x: x if isinstance(x, str) else "")
def test_later_pharmacies_are_not_exempt(why, data, expected):
    r = rights(**data)
    assert status(r) == expected
    assert r.action("ilce_disi_nakil").reasons[0].rule in {"hak-kullanildi", "nufus-kriteri"}


def test_taking_over_an_exempt_pharmacy_needs_no_announcement():
    # seed 001: "eczanelerini devir alacak olan eczacıların, TİTCK ... ilânını beklemesi
    # gerekmemektedir"
    r = rights(mezuniyet="2019-07-01", kayit_yili=2014, yardimci_eczacilik_ay=14)
    assert "devralma" in {x.rule for x in r.action("acilis").reasons}
    assert r.action("acilis").label == "Eczane açma / devralma"


# seed 001 states the assistant-pharmacist rule twice: by graduation ("2012 yılından sonra bu
# bölümden mezun olan eczacılar, 1 yıl yardımcı eczacılık yapmadan eczane açamıyor") and by
# enrolment ("2013 ve daha sonraki yıllarda eczacılık fakültelerine kaydını yaptıranlar").
ASSISTANT = [
    # graduation, enrolment, by graduation, by enrolment, disagree
    ("2016-06-30", 2011, True, False, True),    # enrolled 2011, graduated 2016: the two differ
    ("2019-06-30", 2014, True, True, False),    # both readings: needed
    ("2010-06-30", None, False, False, False),  # graduated 2010: enrolled before 2013 too
    ("2012-06-30", 2007, False, False, False),  # "diplomanın 2012 yılından öncesine ait"
]


@pytest.mark.parametrize(("grad", "enrol", "by_grad", "by_enrol", "disagree"), ASSISTANT)
def test_both_readings_of_the_assistant_rule_are_shown_with_their_sources(
        grad, enrol, by_grad, by_enrol, disagree):
    data = {"mezuniyet": grad} | ({"kayit_yili": enrol} if enrol else {})
    out = rights(**data).to_json()
    readings = {x["okuma"]: x for x in out["result"]["yardimci_eczacilik_okumalari"]}
    assert readings["mezuniyet"]["gerekir"] is by_grad
    assert readings["kayit"]["gerekir"] is by_enrol
    assert "2012 yılından sonra bu bölümden mezun olan" in readings["mezuniyet"]["kaynak"]
    assert "2013 ve daha sonraki yıllarda" in readings["kayit"]["kaynak"]
    assert readings["kayit"]["kullanilan"] and not readings["mezuniyet"]["kullanilan"]
    assert out["result"]["yardimci_eczacilik_okumalari_ayrisiyor"] is disagree
    warned = [r for r in out["reasons"] if r["rule"] == "yardimci-eczacilik-celiski"]
    assert bool(warned) is disagree
    if disagree:
        assert warned[0]["message"].startswith("Kaynak bu şartı iki farklı biçimde yazıyor: "
                                               "mezuniyete göre (2012 yılından sonra mezun "
                                               "olanlar) şart sizin için geçerli;")
