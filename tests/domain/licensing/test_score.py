from decimal import Decimal as D

import pytest

from eczane.domain.errors import ParseError
from eczane.licensing_data import run_score


def score(**data):
    return run_score(data)


# seed 001 §ECZANE AÇILMASI KRİTERLERİ: years × coefficient per district, summed; PhD raises
# the coefficient by a quarter; score = years in profession + service points; halved after a
# transfer. Coefficients are invented (not public: research §2).
@pytest.mark.parametrize("data, service, final", [
    (dict(meslek_yili=8, ilceler=[{"ilce": "Şile", "yil": 8, "katsayi": 2}]), "16", "24"),
    (dict(meslek_yili=10, ilceler=[{"ilce": "Şile", "yil": 4, "katsayi": 2},
                                   {"ilce": "Kadıköy", "yil": 6, "katsayi": "0,5"}]), "11", "21"),
    (dict(meslek_yili=10, doktora=True, ilceler=[{"ilce": "Şile", "yil": 4, "katsayi": 2}]),
     "10", "20"),
    (dict(meslek_yili=10, devir=True, ilceler=[{"ilce": "Şile", "yil": 4, "katsayi": 2}]),
     "8", "9"),
    (dict(meslek_yili="3.5", doktora="evet", devir="evet",
          ilceler=[{"ilce": "Ardahan", "yil": "3.5", "katsayi": "1.2"}]), "5.25", "4.375"),
    (dict(meslek_yili=2), "0", "2"),
])
def test_score_arithmetic(data, service, final):
    r = score(**data)
    assert (r.service_points, r.final) == (D(service), D(final))


def test_the_arithmetic_is_written_out_in_turkish():
    r = score(meslek_yili=10, doktora=True, devir=True,
              ilceler=[{"ilce": "Şile", "yil": 4, "katsayi": 2},
                       {"ilce": "Kadıköy", "yil": 6, "katsayi": "0,5"}])
    assert r.arithmetic == (
        "Şile: 4 yıl × (2 × 1,25) = 10",
        "Kadıköy: 6 yıl × (0,5 × 1,25) = 3,75",
        "Hizmet puanı = 10 + 3,75 = 13,75",
        "Yerleştirme puanı = 10 (meslek yılı) + 13,75 (hizmet puanı) = 23,75",
        "Devir nedeniyle yarıya: 23,75 × 0,5 = 11,875",
    )
    out = r.to_json()
    assert out["result"]["yerlestirme_puani"] == "11.875"
    assert {x["rule"] for x in out["reasons"]} >= {"hizmet-puani", "doktora", "devir-yari"}


@pytest.mark.parametrize("data, message", [
    ({}, "“Meslekte geçirilen toplam yıl” alanı zorunlu (sayı)."),
    ({"meslek_yili": 5, "ilceler": [{"ilce": "Şile", "yil": 6, "katsayi": 1}]},
     "İlçelerdeki yılların toplamı (6) meslek yılından (5) fazla olamaz."),
    ({"meslek_yili": 5, "ilceler": [{"ilce": "Şile", "yil": 2, "katsayi": 0}]},
     "“İlçe satırı 1: İlçe katsayısı (Şile)” sıfırdan büyük olmalı."),
    ({"meslek_yili": 5, "ilceler": [{"yil": 2, "katsayi": 1}]}, "“İlçe satırı 1: İlçe” boş olamaz."),
    ({"meslek_yili": 5, "ilceler": [{"ilce": "Şile", "yil": "iki", "katsayi": 1}]},
     "“İlçe satırı 1: Yıl (Şile)” alanı sayı olmalı: 'iki'."),
])
def test_bad_score_input_is_refused_naming_the_row(data, message):
    with pytest.raises(ParseError) as e:
        score(**data)
    assert e.value.message == message
