"""No page of the licensing assistant shows ``None``, a raw input key or "0 kişi daha gerekir".

issue 14: a pharmacist read `None`, `meslek_yili` and "0 kişi daha gerekir" in messages. Every
page is posted with edge inputs (empty form, zeros, text in number fields, impossible
histories, limits) and the visible text — results and Turkish error messages alike — is checked.
A malformed form is a 422 with a Turkish message, never a 500.
"""

import re
from html import unescape

import pytest

from eczane.config import Settings
from eczane.domain.licensing.reasons import FIELD_LABELS, ROW_LABELS
from eczane.store.db import open_database
from eczane.web.app import create_app
from tests.webclient import CsrfTestClient

# keys that are also ordinary Turkish words ("devir", "kira", "ciro", "zemin"...) cannot be
# told from text; every key with an underscore or a row list's name can.
RAW_KEYS = sorted({k for k in FIELD_LABELS if "_" in k} | set(ROW_LABELS)
                  | {"2014_oncesi_ruhsatli", "kar_okumasi", "nakit_sermaye"})

EDGE = {
    "haklar": [
        {}, {"kayit_yili": "abc"}, {"mezuniyet": "2016-06-30", "kayit_yili": "2011"},
        {"mezuniyet": "2010-06-30", "olay_tur_1": "devir", "olay_tarih_1": "2011-01-01"},
        {"kayit_yili": "2015", "yardimci_eczacilik_ay": "x"},
        {"kayit_yili": "2015", "mezuniyet": "2020-06-30"},
        {"mezuniyet": "2030-01-01", "kayit_yili": "2025"},
        {"mezuniyet": "2010-06-30", "kanun_tarihinde_eczanesi_vardi": "evet"},
        {"mezuniyet": "2016-06-30"},
    ],
    "puan": [
        {}, {"meslek_yili": "0"}, {"meslek_yili": "x"},
        {"meslek_yili": "3", "ilce_1": "Şile", "yil_1": "5", "katsayi_1": "1"},
        {"meslek_yili": "5", "ilce_1": "Şile", "yil_1": "2", "katsayi_1": "0"},
        {"meslek_yili": "5", "ilce_1": "Şile", "yil_1": "iki", "katsayi_1": "1"},
        {"meslek_yili": "5", "doktora": "on", "devir": "on"},
    ],
    "bos-yer": [
        {}, {"nufus": "0"}, {"nufus": "7000", "mevcut_eczane": "1"},
        {"nufus": "3500", "mevcut_eczane": "0"}, {"nufus": "-1"}, {"nufus": "abc"},
        {"nufus": "10500", "mevcut_eczane": "1", "amac": "ilce_ici_nakil"},
    ],
    "mekan": [
        {}, {"bolum_tur_1": "satis", "bolum_alan_1": "0"}, {"bolum_alan_1": "x"},
        {"bolum_tur_1": "satis", "bolum_alan_1": "-2"},
        {"profil": "istanbul", "islem": "devir", "devreden_2012_eczaneli": "on",
         "bolum_tur_1": "satis", "bolum_alan_1": "20", "zemin": "diger"},
        {"profil": "hastane", "bolum_tur_1": "laboratuvar", "bolum_alan_1": "25",
         "lab_giris_katinda": "hayir", "yukseklik_m": "abc"},
        {"profil": "afet-gecici", "bolum_tur_1": "satis", "bolum_alan_1": "12",
         "gecici_yapi": "on", "zemin": "hali"},
    ],
    "evrak": [{}, {"ilk_basvuru": "x"}, {"tur": "hastane", "ilk_basvuru": "2026-11-15"}],
    "takip": [{}, {"yerlestirme_tarihi": "2020-01-01"}, {"yerlestirme_tarihi": "bad"}],
    "harc": [{}, {"yil": "2014", "ilce": "Kadıköy"}, {"yil": "1990", "nufus": "0"},
             {"yil": "x"}, {"yil": "2026", "nufus": "abc"}],
    "fizibilite": [
        {}, {"ciro": "0"}, {"ciro": "400.000", "kar_okumasi": "brut_marj"},
        {"ciro": "1", "kar_okumasi": "brut_marj"}, {"kar_orani": "0"},
        {"sermaye": "0", "ciro": "400000"}, {"nakit_sermaye": "x"}, {"gider_elektrik": "abc"},
        {"nakit_sermaye": "500000"}, {"kar_okumasi": "net"},
    ],
    "sureler": [
        {}, {"ilan_tarihi": "2026-03-02"}, {"ilan_tarihi": "bad"},
        {"vefat_tarihi": "2026-01-01", "es_veya_cocuk_yok": "on"},
        {"vefat_tarihi": "2026-01-01", "cocuklar": "2020-01-01, dün"},
        {"ilan_tarihi": "2026-03-02", "oda_teblig_tarihi": "2026-05-15", "kura": "on",
         "tadilat_baslangic": "2026-09-28", "muvazaa_tespiti": "2026-01-02",
         "kapatma_karari": "2026-02-02", "gecici_kapanis": "2026-02-02",
         "ruhsat_tarihi": "2026-07-01", "tatilde_uzat": "on"},
    ],
    "isim": [
        {}, {"ad": "Eczanesi"}, {"ad": "Şifa", "mevcut": ""},
        {"ad": "Şifa", "mevcut": "Şifa Eczanesi", "tabela_totem": "evet",
         "tabela_e_logo": "hayir"},
    ],
}
CASES = [(slug, form) for slug, forms in EDGE.items() for form in forms]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("licensing-messages")
    url = f"sqlite:///{tmp / 'web.sqlite3'}"
    db = open_database(url)
    app = create_app(Settings(data_dir=tmp / "var", database_url=url, secret_key="t"), db)
    yield CsrfTestClient(app)
    db.dispose()


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<(input|select|textarea|option)\b[^>]*>", " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize(("slug", "form"), CASES,
                         ids=[f"{s}-{i}" for s, forms in EDGE.items() for i in range(len(forms))])
def test_no_none_raw_key_or_zero_people_in_what_the_pharmacist_reads(client, slug, form):
    r = client.post(f"/ruhsat/{slug}", data=form)
    assert r.status_code in (200, 422), r.text[-500:]
    body = visible(r.text)
    assert not re.search(r"\bNone\b", body), body
    assert "0 kişi daha gerekir" not in body
    found = [k for k in RAW_KEYS if re.search(rf"(?<![\w/.-]){re.escape(k)}(?![\w])", body)]
    assert not found, (found, body)


def test_the_edge_forms_do_produce_results_and_errors_both():
    # a guard on the table above: it must reach both the results and the error messages
    assert any(not f for _, f in CASES) and len(CASES) > 50
