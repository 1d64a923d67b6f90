from decimal import Decimal as D

import pytest

from eczane.domain.errors import ParseError
from eczane.domain.licensing.site import Premises, check_site
from eczane.licensing_data import run_site, site_profiles


def shop(**extra):
    data = {"bolumler": [{"ad": "Satış alanı", "tur": "satis", "alan_m2": 34},
                         {"ad": "WC", "tur": "wc", "alan_m2": 2}],
            "yukseklik_m": 2.6, "ruhsat_ibaresi": "Dükkan", "cadde_cephesi": True,
            "saglik_kurulusu": "yok", "baska_dukkana_kapi": False,
            "bekleme_giris_katinda": True, "iptal_edilmemis_ruhsat": False,
            "donanim": {k: True for k in ("buzdolabi", "isi_nem_kaydi", "kalibrasyon",
                                          "sehir_suyu", "zehir_dolaplari")}}
    data.update(extra)
    return data


def by_rule(result):
    return {c.rule: c for c in result.checks}


def test_a_36_m2_shop_with_a_2_m2_wc_passes_the_2014_regulation_where_the_wc_counts():
    # seed 001 §kullanılacak yerin özellikleri 2: "lavabo ve tuvalet alanı dâhil ... 35 m²"
    r = run_site(shop(), "yonetmelik-2014")
    assert r.result == "uygun"
    assert r.counted_m2 == D(36)
    assert by_rule(r)["alan"].message == (
        "Sayılan: 34 (Satış alanı) + 2 (WC) = 36 m². En az 35 m² gerekir: yeterli.")


def test_the_same_shop_fails_in_istanbul_where_34_m2_remain_without_the_wc():
    # seed 002 §1.1: "WC, Kolonlar vs... faydalı alana dahil değildir."
    r = run_site(shop(), "istanbul")
    assert r.result == "uygun_degil"
    assert r.counted_m2 == D(34)
    alan = by_rule(r)["alan"]
    assert alan.status == "uygun_degil"
    assert alan.message == ("Sayılan: 34 (Satış alanı) = 34 m²; sayılmayan: WC 2 m². "
                            "En az 35 m² gerekir: yetersiz: 1 m² eksik.")
    assert "WC, Kolonlar vs... faydalı alana dahil değildir" in alan.rule_text


def test_istanbul_asks_for_2_40_m_height_and_the_national_profile_does_not():
    # seed 002 §1.1 "giriş katının yüksekliği en az 2.40m"; the 2014 text has no height.
    data = shop(bolumler=[{"ad": "Satış", "tur": "satis", "alan_m2": 40}], yukseklik_m="2,35")
    assert by_rule(run_site(data, "istanbul"))["yukseklik"].message == (
        "Giriş katı yüksekliği 2,35 m < 2,4 m.")
    assert "yukseklik" not in by_rule(run_site(data, "yonetmelik-2014"))


@pytest.mark.parametrize("parts, profile, expected", [
    # basement and mezzanine never count (seed 001 madde 2; seed 002 §1.2)
    ([("satis", 30), ("bodrum", 20), ("asma_kat", 10)], "yonetmelik-2014", "uygun_degil"),
    # columns don't count (both)
    ([("satis", 34), ("kolon", 1.5)], "yonetmelik-2014", "uygun_degil"),
    # sink counts in the 2014 text
    ([("satis", 33), ("lavabo", 2)], "yonetmelik-2014", "uygun"),
    # hospital: 20 m² excluding the depot (research §1.6) and a lab (seed 002 §2.1)
    ([("satis", 14), ("laboratuvar", 6), ("depo", 10)], "hastane", "uygun"),
    ([("satis", 12), ("laboratuvar", 6), ("depo", 10)], "hastane", "uygun_degil"),
    ([("satis", 25)], "hastane", "uygun_degil"),
])
def test_area_parts_count_by_profile(parts, profile, expected):
    rows = [{"ad": k, "tur": k, "alan_m2": a} for k, a in parts]
    data = shop(bolumler=rows, lab_disariya_acik=False)
    checks = by_rule(run_site(data, profile))
    assert {"uygun": True, "uygun_degil": False}[expected] is (
        checks["alan"].ok and checks.get("laboratuvar_var", checks["alan"]).ok)


def test_the_hospital_profile_requires_a_lab():
    r = by_rule(run_site(shop(bolumler=[{"tur": "satis", "alan_m2": 30}]), "hastane"))
    assert r["laboratuvar_var"].message == "Krokide laboratuvar yok."
    assert r["laboratuvar_var"].source.endswith("§2.1")


def test_a_permit_that_says_konut_fails_and_isyeri_passes():
    # seed 001 madde 3 ("dükkan ibaresi"); research §1.2 md. 4(1)(a): "dükkân veya işyeri"
    assert by_rule(run_site(shop(ruhsat_ibaresi="Konut"), "istanbul"))["ruhsat_ibaresi"].ok is False
    assert by_rule(run_site(shop(ruhsat_ibaresi="İŞYERİ"), "istanbul"))["ruhsat_ibaresi"].ok


def test_transport_hubs_are_exempt_from_the_frontage_and_health_building_rules():
    # seed 001 maddeler 1 ve 4: havaalanları, limanlar, otogarlar, tren garları
    r = by_rule(run_site(shop(cadde_cephesi=False, saglik_kurulusu="diger", ulasim_merkezi=True),
                         "yonetmelik-2014"))
    assert r["cephe"].status == "uygulanmaz"
    assert r["saglik_kurulusu"].status == "uygulanmaz"


@pytest.mark.parametrize("kind, ok", [
    ("muayenehane", True), ("tahlil_goruntuleme", True), ("diger", False), ("yok", True),
])  # seed 001 madde 1: doctors' offices and lab/imaging-only centres are excepted
def test_health_institutions_in_the_building(kind, ok):
    r = by_rule(run_site(shop(saglik_kurulusu=kind), "yonetmelik-2014"))
    assert r["saglik_kurulusu"].ok is ok


def test_a_place_with_an_uncancelled_licence_cannot_be_licensed_again():
    # seed 002 §MÜRACAAT
    r = run_site(shop(iptal_edilmemis_ruhsat=True), "istanbul")
    assert by_rule(r)["onceki_ruhsat"].message == (
        "Bu yerdeki önceki eczanenin ruhsatı iptal edilmeden başvurulamaz.")
    assert r.result == "uygun_degil"


def test_transfer_of_a_pre_2014_pharmacy_skips_area_permit_and_frontage_once():
    # seed 001: "35 metrekareden küçük ise, bu eczanenin devredilmesi hâlinde bir defaya mahsus"
    data = shop(bolumler=[{"tur": "satis", "alan_m2": 22}], ruhsat_ibaresi="konut",
                cadde_cephesi=False, islem="devir", **{"2014_oncesi_ruhsatli": True})
    r = by_rule(run_site(data, "yonetmelik-2014"))
    assert r["alan"].status == r["ruhsat_ibaresi"].status == r["cephe"].status == "uygulanmaz"
    moved = by_rule(run_site(dict(data, islem="nakil"), "yonetmelik-2014"))
    assert moved["alan"].ok is False  # "başka bir yere naklinde ... yönetmelik hükümlerine göre"


def test_post_disaster_needs_20_m2_or_a_temporary_building_and_documented_damage():
    # seed 001 madde 9
    small = shop(bolumler=[{"tur": "satis", "alan_m2": 12}], afet_belgeli=True)
    assert by_rule(run_site(small, "afet-gecici"))["alan"].ok is False
    assert by_rule(run_site(dict(small, gecici_yapi=True), "afet-gecici"))["alan"].ok is True
    r = by_rule(run_site(dict(small, afet_belgeli=False, gecici_yapi=True), "afet-gecici"))
    assert r["afet"].ok is False


def test_unknown_facts_make_the_result_incomplete_not_a_pass():
    data = {"bolumler": [{"tur": "satis", "alan_m2": 50}]}
    r = run_site(data, "yonetmelik-2014")
    assert r.result == "eksik_bilgi"
    assert by_rule(r)["cephe"].message == "Bilgi girilmedi; yerinde kontrol edin."


@pytest.mark.parametrize("data, message", [
    ({}, "'bolumler' listesi zorunlu: her bölüm için ad, tur ve alan_m2."),
    ({"bolumler": [{"tur": "mutfak", "alan_m2": 3}]},
     "bolumler[1].tur bilinmiyor: 'mutfak' (beklenen: satis, bekleme, laboratuvar, depo, ofis, "
     "wc, lavabo, bodrum, asma_kat, merdiven, merdiven_alti, kolon, ara_duvar)."),
    ({"bolumler": [{"tur": "satis", "alan_m2": "-3"}]},
     "'bolumler[1].alan_m2' alanı 0 veya daha büyük olmalı: '-3'."),
    ({"bolumler": [{"tur": "satis", "alan_m2": "otuz"}]},
     "'bolumler[1].alan_m2' alanı sayı olmalı: 'otuz'."),
])
def test_bad_input_is_refused_in_turkish_naming_the_row(data, message):
    with pytest.raises(ParseError) as e:
        Premises.parse(data)
    assert e.value.message == message


def test_an_unknown_profile_is_refused():
    with pytest.raises(ParseError, match="Bilinmeyen profil: 'ankara'"):
        run_site(shop(), "ankara")


def test_every_profile_cites_a_seed_and_has_a_date():
    for p in site_profiles().values():
        assert p.area_source.startswith("seed 00")
        assert p.valid_from[:2] == "20"
        assert check_site(Premises.parse(shop()), p).checks


def test_a_missing_height_is_unknown_in_istanbul():
    r = by_rule(run_site({"bolumler": [{"tur": "satis", "alan_m2": 50}]}, "istanbul"))
    assert r["yukseklik"].message == "Giriş katı yüksekliği girilmedi; en az 2,4 m olmalı."
    assert r["yukseklik"].status == "bilinmiyor"


def test_answers_in_turkish_words_are_understood():
    r = by_rule(run_site(shop(cadde_cephesi="hayır", baska_dukkana_kapi="bilinmiyor"),
                         "yonetmelik-2014"))
    assert r["cephe"].ok is False and r["kapilar"].status == "bilinmiyor"
