"""Eczane açma asistanı pages. They need no login (a pharmacist planning a pharmacy may have no
account) and store nothing, so the STYLE §7 cases are: it works logged out, it works logged in,
wrong method → 405, bad input → 422 with the Turkish message. There is no pharmacy-owned row to
answer 404 for, and nothing a kalfa may not do (no 403)."""

import re
from html import unescape

import pytest

from eczane.config import Settings
from eczane.store.db import open_database
from eczane.web.app import create_app
from tests.webclient import CsrfTestClient

PAGES = ["haklar", "puan", "bos-yer", "mekan", "evrak", "takip", "harc", "fizibilite",
         "sureler", "isim"]


@pytest.fixture
def client(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    db = open_database(url)
    app = create_app(Settings(data_dir=tmp_path / "var", database_url=url, secret_key="t"), db)
    yield CsrfTestClient(app)
    db.dispose()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_index_lists_every_tool_without_login(client):
    r = client.get("/ruhsat")
    assert r.status_code == 200
    for slug in PAGES:
        assert f'href="/ruhsat/{slug}"' in r.text
    assert '<a href="/ruhsat"' in r.text  # the menu entry "Eczane açma"
    assert "Eczane açma" in r.text


@pytest.mark.parametrize("slug", PAGES)
def test_every_page_opens_without_login_and_refuses_other_methods(client, slug):
    assert client.get(f"/ruhsat/{slug}").status_code == 200
    assert client.put(f"/ruhsat/{slug}").status_code == 405
    assert client.delete(f"/ruhsat/{slug}").status_code == 405


def test_the_ics_download_is_post_only(client):
    assert client.get("/ruhsat/sureler.ics").status_code == 405


def test_site_page_shows_the_seeds_wc_case_under_both_profiles(client):
    form = {"profil": "istanbul", "bolum_ad_1": "Satış", "bolum_tur_1": "satis",
            "bolum_alan_1": "34", "bolum_ad_2": "WC", "bolum_tur_2": "wc", "bolum_alan_2": "2"}
    r = client.post("/ruhsat/mekan", data=form)
    assert r.status_code == 200
    body = text(r.text)
    assert "İstanbul İl Sağlık Müdürlüğü: Uygun değil" in body
    assert ("Sayılan: 34 (Satış) = 34 m²; sayılmayan: WC 2 m². En az 35 m² gerekir: yetersiz: "
            "1 m² eksik.") in body
    row = re.search(r'data-profile="yonetmelik-2014">(.*?)</tr>', r.text, re.S).group(1)
    assert "Evet" in row and "36 m²" in row and "Uygun</span>" in row
    row = re.search(r'data-profile="istanbul">(.*?)</tr>', r.text, re.S).group(1)
    assert "Hayır" in row and "34 m²" in row and "Uygun değil" in row


def test_site_page_bad_area_is_422_with_the_row_named(client):
    r = client.post("/ruhsat/mekan", data={"bolum_tur_1": "satis", "bolum_alan_1": "otuz"})
    assert r.status_code == 422
    assert "“Bölüm 1: Alan (m²)” alanı sayı olmalı: &#39;otuz&#39;." in r.text


def test_rights_page(client):
    r = client.post("/ruhsat/haklar", data={"mezuniyet": "2010-06-30", "olay_tur_1": "acilis",
                                            "olay_tarih_1": "2016-04-01"})
    assert r.status_code == 200
    assert 'data-action="ilce_disi_nakil" data-status="izinli"' in r.text
    assert 'data-action="acilis" data-status="izinsiz"' in r.text
    assert "Zaten bir eczaneniz var; ikinci bir eczane açılamaz" in text(r.text)


def test_rights_page_missing_dates_is_422(client):
    r = client.post("/ruhsat/haklar", data={})
    assert r.status_code == 422
    assert ("“Mezuniyet tarihi” veya “Fakülteye kayıt yılı” alanlarından en az biri gerekli."
            in r.text)


def test_score_page_shows_the_arithmetic(client):
    r = client.post("/ruhsat/puan", data={"meslek_yili": "10", "doktora": "on", "ilce_1": "Şile",
                                          "yil_1": "4", "katsayi_1": "2"})
    body = text(r.text)
    assert "Yerleştirme puanı: 20" in body
    assert "Şile: 4 yıl × (2 × 1,25) = 10" in body


def test_vacancies_page(client):
    r = client.post("/ruhsat/bos-yer", data={"nufus": "214.000", "mevcut_eczane": "109"})
    assert "214.000 kişi ÷ 3.500 = 61 eczane kapasitesi; mevcut 109 eczane → 0 boş yer." in text(r.text)


def test_documents_page_checks_dates_and_prints(client):
    r = client.post("/ruhsat/evrak", data={"tur": "serbest", "ilk_basvuru": "2026-11-15",
                                           "belge_savcilik": "2026-09-01",
                                           "durum": ["dukkan_sahibi", "evli_kadin"]})
    assert r.status_code == 200
    assert 'data-doc="savcilik" data-status="eski"' in r.text
    assert 'data-doc="tapu"' in r.text and 'data-doc="kira_kontrati"' not in r.text
    assert 'data-doc="evlilik"' in r.text
    assert "data-print" in r.text and "@media print" in r.text  # app.js prints on click
    hosp = client.get("/ruhsat/evrak?tur=hastane").text
    assert "Hastane ruhsatının ve faaliyet izin belgelerinin fotokopisi" in hosp
    assert "Kira kontratının" not in hosp


def test_tracker_page_highlights_the_late_step(client):
    from datetime import date

    client.app.state.services.today = lambda: date(2026, 11, 23)
    r = client.post("/ruhsat/takip", data={"tur": "serbest", "yerlestirme_tarihi": "2026-09-01",
                                           "adim_ilce_dosya_tamam": "2026-09-10"})
    assert r.status_code == 200
    assert re.search(r'data-step="dosya_teslim" data-status="gecikti" class="late"', r.text)
    assert "localStorage" in r.text


def test_fees_page_warns_for_a_year_not_loaded(client):
    r = client.post("/ruhsat/harc", data={"yil": "2020", "nufus": "60000", "islem": "acilis"})
    body = text(r.text)
    assert "2020 yılının harç tutarları yüklü değil. Gösterilen tutar 2017 yılına ait" in body
    assert "805,10 TL" in body
    g = client.get("/ruhsat/harc").text
    assert "Zeytinburnu" in g and "1.612,30 TL" in g


def test_feasibility_page_draws_an_svg_chart_with_the_seeds_reading_by_default(client):
    # seed 001 "cironun yüzde 12'si kar olarak kalacaktır": 400.000 TL → 48.000 TL
    r = client.post("/ruhsat/fizibilite", data={"ciro": "400.000"})
    assert '<svg id="grafik"' in r.text and "<polyline" in r.text
    body = text(r.text)
    assert "Aylık kâr: 48.000,00 TL" in body and "Başabaş cirosu" not in body
    assert "Kaynağın okuması: kâr cironun %12'si (giderler bunun içinde)" in body
    assert ("kaynağa göre başta 70.000,00 TL–80.000,00 TL nakit, kalan 220.000,00 TL–230.000,00 "
            "TL uzun vadeye") in body


def test_feasibility_page_offers_the_gross_margin_reading_only_when_chosen(client):
    r = client.post("/ruhsat/fizibilite", data={"ciro": "400.000", "kar_okumasi": "brut_marj"})
    body = text(r.text)
    assert "Alternatif okuma: %12 giderlerden önceki brüt pay" in body
    assert "Aylık kâr: 19.650,00 TL" in body and "Başabaş cirosu: 236.250,00 TL" in body


def test_deadlines_page_and_ics(client):
    form = {"ilan_tarihi": "2026-03-02", "oda_teblig_tarihi": "2026-05-15"}
    r = client.post("/ruhsat/sureler", data=form)
    assert r.status_code == 200
    assert 'data-key="muvazaa-oda"' in r.text and "11.06.2026" in r.text
    assert "Haziran 2026" in r.text and "Kurban Bayramı" in r.text
    ics = client.post("/ruhsat/sureler.ics", data=form)
    assert ics.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "attachment" in ics.headers["content-disposition"]
    assert ics.content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"DTSTART;VALUE=DATE:20260611\r\n" in ics.content
    bad = client.post("/ruhsat/sureler.ics", data={})
    assert bad.status_code == 422
    assert bad.text == "En az bir başlangıç tarihi girin (ör. “TİTCK ilan tarihi”)."


def test_names_page(client):
    r = client.post("/ruhsat/isim", data={"ad": "IŞIK", "il": "İzmir",
                                          "mevcut": "Işık Eczanesi\nGül Eczanesi"})
    assert "Bu ad ilde var" in r.text
    assert "&#39;IŞIK&#39; adı İzmir ilindeki mevcut eczanelerle aynı: Işık Eczanesi." in r.text


def test_pages_also_work_for_a_logged_in_user(app_client):
    app_client.login("bob")
    r = app_client.post("/ruhsat/puan", data={"meslek_yili": "3"})
    assert r.status_code == 200 and "Yerleştirme puanı: 3" in text(r.text)


def test_site_page_istanbul_sink_is_not_counted_and_the_sentence_says_so(client):
    # issue 14: the page said İstanbul does not count "WC ve lavabo" while 33 + 2 = 35 passed
    form = {"profil": "istanbul", "bolum_ad_1": "Satış", "bolum_tur_1": "satis",
            "bolum_alan_1": "33", "bolum_ad_2": "Lavabo", "bolum_tur_2": "lavabo",
            "bolum_alan_2": "2"}
    r = client.post("/ruhsat/mekan", data=form)
    body = text(r.text)
    assert "İstanbul İl Sağlık Müdürlüğü: Uygun değil" in body
    assert "sayılmayan: Lavabo 2 m²" in body
    li = re.search(r'data-excluded-profile="istanbul">(.*?)</li>', r.text, re.S).group(1)
    assert "Alana sayılmayan bölümler: WC, Lavabo, " in text(li)
    li = re.search(r'data-excluded-profile="yonetmelik-2014">(.*?)</li>', r.text, re.S).group(1)
    assert "Lavabo" not in text(li).split("Sayılanlar:")[0]


def test_site_page_checks_floor_counter_and_laboratory_on_the_entrance_floor(client):
    form = {"profil": "istanbul", "bolum_tur_1": "satis", "bolum_alan_1": "30",
            "bolum_tur_2": "laboratuvar", "bolum_alan_2": "6", "zemin": "parke",
            "banko_giris_katinda": "hayir", "lab_giris_katinda": "evet"}
    r = client.post("/ruhsat/mekan", data=form)
    assert 'data-rule="zemin" data-status="uygun_degil"' in r.text
    assert 'data-rule="giris_kati_banko" data-status="uygun_degil"' in r.text
    assert 'data-rule="giris_kati_laboratuvar" data-status="uygun"' in r.text
    assert "Ahşap parke bu profilde kabul edilmez." in text(r.text)


def test_site_page_names_the_transfer_exemption_once_in_the_seeds_words(client):
    g = text(client.get("/ruhsat/mekan").text)
    assert "Devir: Devreden eczacının 30.05.2012 tarihinde eczanesi vardı" in g
    assert "2014'ten önce" not in g and "2014 öncesi" not in g
    r = client.post("/ruhsat/mekan", data={"islem": "devir", "devreden_2012_eczaneli": "on",
                                           "bolum_tur_1": "satis", "bolum_alan_1": "20"})
    body = text(r.text)
    assert "Devreden eczacının 30.05.2012 tarihinde eczanesi vardı: bu devirde bir defaya " \
           "mahsus metrekare kısıtlaması uygulanmaz" in body
    assert "2012'de mevcut" not in body and "2014 öncesi" not in body


def test_rights_page_shows_both_readings_of_the_assistant_rule(client):
    r = client.post("/ruhsat/haklar", data={"mezuniyet": "2016-06-30", "kayit_yili": "2011"})
    assert r.status_code == 200
    grad = re.search(r'data-reading="mezuniyet">(.*?)</tr>', r.text, re.S).group(1)
    enrol = re.search(r'data-reading="kayit">(.*?)</tr>', r.text, re.S).group(1)
    assert "Gerekir" in grad and "Gösterilir, kullanılmaz" in grad
    assert "Gerekmez" in enrol and "Kullanılan okuma" in enrol
    assert "2012 yılından sonra bu bölümden mezun olan" in text(grad)
    assert "Kaynak bu şartı iki farklı biçimde yazıyor" in text(r.text)


def test_names_page_answers_the_sign_rules(client):
    r = client.post("/ruhsat/isim", data={"ad": "Şifa", "tabela_totem": "evet",
                                          "tabela_nobetci_listesi": "evet"})
    assert r.status_code == 200
    assert 'data-rule="tabela-totem"' in r.text
    row = re.search(r'data-rule="tabela-totem">(.*?)</tr>', r.text, re.S).group(1)
    assert "Kurala aykırı." in text(row) and "madde 4" in row
