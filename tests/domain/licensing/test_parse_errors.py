"""Bad JSON input is refused with a Turkish message naming the field or row (STYLE §2)."""

import pytest

from eczane.domain.errors import ParseError
from eczane.licensing_data import (
    run_deadlines,
    run_documents,
    run_feasibility,
    run_fees,
    run_names,
    run_rights,
    run_score,
    run_site,
    run_tracker,
    run_vacancies,
)


def rights(d):
    from datetime import date

    return run_rights(d, today=date(2026, 11, 23))


def documents(d):
    from datetime import date

    return run_documents(d, today=date(2026, 11, 23))


def tracker(d):
    from datetime import date

    return run_tracker(d, today=date(2026, 11, 23))


def site(d):
    return run_site(d, "istanbul")


CASES = [
    (rights, {"kayit_yili": "iki bin"}, "“Fakülteye kayıt yılı” bir yıl olmalı: 'iki bin'."),
    (rights, {"kayit_yili": 2010, "olaylar": "açtım"}, "“Eczane geçmişi” bir liste olmalı."),
    (rights, {"kayit_yili": 2010, "olaylar": ["açtım"]}, "“Olay 1” bir nesne olmalı."),
    (rights, {"kayit_yili": 2010, "yardimci_eczacilik_ay": "bir"},
     "“Yardımcı eczacılık (ay)” tam sayı olmalı: 'bir'."),
    (rights, {"mezuniyet": "2000-01-01", "olaylar": [{"tur": "acilis", "tarih": "2001-01-01"},
                                                     {"tur": "acilis", "tarih": "2002-01-01"}]},
     "01.01.2002 açılış: o tarihte zaten bir eczane var (olay 2)."),
    (rights, {"kayit_yili": 2010, "olaylar": [{"tur": "acilis"}]},
     "“Olay 1: Tarih” alanı zorunlu (tarih)."),
    (rights, {"kayit_yili": 2010, "afet_ilani": "belki"}, "“Doğal afet ilanı” alanı evet/hayır olmalı: 'belki'."),
    (site, {"bolumler": ["satış"]}, "“Bölüm 1” bir nesne olmalı."),
    (site, {"bolumler": [{"tur": "satis", "alan_m2": 40}], "islem": "kira"},
     "“İşlem” bilinmiyor: 'kira' (acilis, nakil, devir)."),
    (site, {"bolumler": [{"tur": "satis", "alan_m2": 40}], "saglik_kurulusu": "hastane"},
     "“Binada sağlık kuruluşu” bilinmiyor: 'hastane' (yok, muayenehane, tahlil_goruntuleme, diger)."),
    (site, {"bolumler": [{"tur": "satis", "alan_m2": 40}], "donanim": ["buzdolabi"]},
     "“Donanım” bir nesne olmalı."),
    (run_score, {"meslek_yili": 3, "ilceler": {"Şile": 2}}, "“Çalıştığınız ilçeler” bir liste olmalı."),
    (run_score, {"meslek_yili": 3, "ilceler": ["Şile"]}, "“İlçe satırı 1” bir nesne olmalı."),
    (run_score, {"meslek_yili": True}, "“Meslekte geçirilen toplam yıl” alanı sayı olmalı: True."),
    (run_vacancies, {}, "“İlçe nüfusu” alanı zorunlu (tam sayı)."),
    (run_vacancies, {"nufus": "çok"}, "“İlçe nüfusu” tam sayı olmalı: 'çok'."),
    (run_vacancies, {"nufus": -5}, "“İlçe nüfusu” negatif olamaz: -5."),
    (run_vacancies, {"nufus": 5, "amac": "satis"},
     "“Amaç” bilinmiyor: 'satis' (acilis, ilce_ici_nakil, ilce_disi_nakil)."),
    (documents, {"durumlar": "evli"}, "“Durumlar” bir liste olmalı."),
    (documents, {"belgeler": ["savcilik"]}, "“Belgeler” bir nesne olmalı: {belge_kodu: tarih}."),
    (run_fees, {"yil": "bu yıl", "nufus": 5}, "“Yıl” bir yıl olmalı: 'bu yıl'."),
    (run_fees, {"yil": 2017, "nufus": "çok"}, "“İlçe nüfusu” tam sayı olmalı: 'çok'."),
    (run_fees, {"yil": 2017, "nufus": 5, "islem": "kira"},
     "“İşlem” bilinmiyor: 'kira' (acilis, devir, il_disi_nakil, il_ici_nakil, vereseli)."),
    (run_fees, {"yil": 2017}, "“İlçe nüfusu” veya “İlçe” alanlarından biri gerekli."),
    (run_fees, {"yil": 2017, "ilce": "Çankaya"}, "'Çankaya' 2014 İstanbul tablosunda yok; nüfusu girin."),
    (run_feasibility, {"giderler": [1, 2]}, "“Aylık giderler” bir nesne olmalı: {kalem: tutar}."),
    (run_feasibility, {"kar_orani": 0}, "“Kâr oranı (%)” sıfırdan büyük olmalı."),
    (run_deadlines, {"cocuk_dogum_tarihleri": "2015-01-01"}, "“Çocukların doğum tarihleri” bir liste olmalı."),
    (run_names, {"ad": "Şifa", "mevcut": {"a": 1}}, "İldeki eczane adları bir liste olmalı."),
    (tracker, {"tur": "depo"}, "“Tür” bilinmiyor: 'depo' (serbest, hastane)."),
    (tracker, {"adimlar": []}, "Adımlar bir nesne olmalı."),
    (tracker, {"adimlar": {"kira": {}}}, "Bilinmeyen adım: 'kira'."),
    (tracker, {"belgeler": []}, "“Belgeler” bir nesne olmalı."),
]


@pytest.mark.parametrize("run, data, message", CASES, ids=[c[2][:40] for c in CASES])
def test_bad_input_is_refused_in_turkish(run, data, message):
    with pytest.raises(ParseError) as e:
        run(data)
    assert e.value.message == message


def test_the_field_readers_take_python_values_and_refuse_non_numbers():
    from datetime import date
    from decimal import Decimal

    from eczane.domain.licensing.reasons import get_date, get_decimal, parse_decimal

    assert get_date({"tarih": date(2012, 5, 30)}, "tarih") == date(2012, 5, 30)  # from Python
    assert get_date({"tarih": "30.05.2012"}, "tarih") == date(2012, 5, 30)
    assert get_decimal({"x": "12,5"}, "x") == Decimal("12.5")
    for data, message in [({}, "“x” alanı zorunlu (sayı)."),
                          ({"x": False}, "“x” alanı sayı olmalı: False.")]:
        with pytest.raises(ParseError) as e:
            get_decimal(data, "x")
        assert e.value.message == message
    for raw in ("NaN", "Infinity"):
        with pytest.raises(ParseError) as e:
            parse_decimal(raw, "kira")
        assert e.value.message == f"“Kira (TL/ay)” alanı sayı olmalı: '{raw}'."


def test_a_population_above_every_bracket_of_a_bounded_table_is_refused():
    # the data's last bracket has no upper bound; a table without one must not guess
    from eczane.domain.licensing.fees import FeeTables

    table = FeeTables(brackets=(5000, 50_000), years={}, istanbul_2014=())
    assert table.bracket_index(50_000) == 1
    with pytest.raises(ParseError) as e:
        table.bracket_index(50_001)
    assert e.value.message == "Nüfus 50001 hiçbir dilime düşmüyor."
