"""Eczane açma asistanı in real headless Chromium (no login: the calculators are public)."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def submit(page, label):
    page.click(f"button:text-is('{label}')")
    page.wait_for_selector("#sonuc")


def test_the_menu_leads_to_the_assistant(page, live_server):
    page.goto(live_server.url)
    page.click("header nav >> text=Eczane açma")
    page.wait_for_url(f"{live_server.url}/ruhsat")
    assert page.inner_text("h1") == "Eczane açma asistanı"


def test_the_seeds_36_m2_shop_passes_nationally_and_fails_in_istanbul(page, live_server):
    page.goto(f"{live_server.url}/ruhsat/mekan")
    page.fill("[name=bolum_ad_1]", "Satış")
    page.fill("[name=bolum_alan_1]", "34")
    page.fill("[name=bolum_ad_2]", "WC")
    page.select_option("[name=bolum_tur_2]", "wc")
    page.fill("[name=bolum_alan_2]", "2")
    page.select_option("[name=profil]", "istanbul")
    submit(page, "Kontrol et")
    assert page.inner_text("#sonuc-durum") == "Uygun değil"
    area = page.locator("#kurallar tr[data-rule=alan]")
    assert "yetersiz: 1 m² eksik" in area.inner_text()
    national = page.locator("#karsilastirma tr[data-profile='yonetmelik-2014']").inner_text()
    istanbul = page.locator("#karsilastirma tr[data-profile=istanbul]").inner_text()
    assert "36 m²" in national and "Evet" in national
    assert "34 m²" in istanbul and "Hayır" in istanbul
    # the form keeps what was typed, so the other profile is one click away
    page.select_option("[name=profil]", "yonetmelik-2014")
    submit(page, "Kontrol et")
    assert page.locator("#kurallar tr[data-rule=alan]").get_attribute("data-status") == "uygun"


def test_rights_for_a_pharmacist_who_opened_after_2012(page, live_server):
    page.goto(f"{live_server.url}/ruhsat/haklar")
    page.fill("[name=mezuniyet]", "2010-06-30")
    page.select_option("[name=olay_tur_1]", "acilis")
    page.fill("[name=olay_tarih_1]", "2016-04-01")
    submit(page, "Haklarımı göster")
    row = page.locator("#eylemler tr[data-action=ilce_disi_nakil]")
    assert row.get_attribute("data-status") == "izinli"
    assert "Bir kereye mahsus nüfus sınırlamasına tabi olmaksızın" in row.inner_text()


def test_the_tracker_survives_a_reload_and_round_trips_as_json(page, live_server, tmp_path):
    page.goto(f"{live_server.url}/ruhsat/takip")
    page.fill("[name=eczaci]", "Ecz. Ayşe")
    page.fill("[name=yerlestirme_tarihi]", "2020-01-10")
    page.fill("[name=adim_ilce_dosya_tamam]", "2020-01-20")
    submit(page, "Durumu göster")
    assert page.locator("tr.late").get_attribute("data-step") == "dosya_teslim"
    # a fresh visit restores the form from localStorage and shows the status again
    page.goto(f"{live_server.url}/ruhsat/takip")
    page.wait_for_selector("#sonuc")
    assert page.input_value("[name=eczaci]") == "Ecz. Ayşe"
    assert page.locator("tr.late").get_attribute("data-step") == "dosya_teslim"
    with page.expect_download() as info:
        page.click("#json-indir")
    saved = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert saved["eczaci"] == "Ecz. Ayşe"
    assert saved["adimlar"]["ilce_dosya"]["tamam"] == "2020-01-20"
    # clear, then load the file back
    page.click("#temizle")
    page.wait_for_load_state()
    assert page.input_value("[name=eczaci]") == ""
    path = tmp_path / "takip.json"
    saved["tur"] = "hastane"
    path.write_text(json.dumps(saved), encoding="utf-8")
    page.set_input_files("#json-yukle", str(path))
    page.wait_for_selector("#sonuc")
    assert page.input_value("[name=eczaci]") == "Ecz. Ayşe"
    assert page.locator("#adimlar tr[data-step=hastane_izin]").count() == 1


def test_deadlines_show_a_calendar_and_download_as_icalendar(page, live_server):
    page.goto(f"{live_server.url}/ruhsat/sureler")
    page.fill("[name=ilan_tarihi]", "2026-03-02")
    page.fill("[name=oda_teblig_tarihi]", "2026-05-15")
    submit(page, "Hesapla")
    assert "11.06.2026" in page.locator("tr[data-key=muvazaa-oda]").inner_text()
    assert page.locator(".cal caption", has_text="Haziran 2026").count() == 1
    with page.expect_download() as info:
        page.click("#ics")
    assert info.value.suggested_filename == "ruhsat-sureleri.ics"
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and b"DTSTART;VALUE=DATE:20260611" in raw


def test_the_document_checklist_prints_without_the_form(page, live_server):
    page.goto(f"{live_server.url}/ruhsat/evrak?tur=hastane")
    page.fill("[name=ilk_basvuru]", "2026-11-15")
    page.fill("[name=belge_savcilik]", "2026-09-01")
    submit(page, "Kontrol et")
    assert page.locator("#liste tr[data-doc=savcilik]").get_attribute("data-status") == "eski"
    page.emulate_media(media="print")
    assert not page.is_visible("form")
    assert not page.is_visible("header.top")
    assert page.is_visible("#liste")
    assert page.is_visible("text=Kaynak: İstanbul İl Sağlık Müdürlüğü")


def test_feasibility_uses_the_seeds_twelve_percent_and_offers_the_other_reading(page, live_server):
    # seed 001 "cironun yüzde 12'si kar olarak kalacaktır": 400.000 TL turnover → 48.000 TL
    page.goto(f"{live_server.url}/ruhsat/fizibilite")
    page.fill("[name=ciro]", "400000")
    submit(page, "Hesapla")
    assert page.inner_text("#kar") == "48.000,00 TL"
    assert page.locator("#basabas").count() == 0
    assert page.get_attribute("#okuma", "data-reading") == "ciro_payi"
    assert "70.000,00 TL–80.000,00 TL nakit" in page.inner_text("#sermaye-plani")
    box = page.locator("#grafik polyline").bounding_box()
    assert box and box["width"] > 300
    # the gross-margin reading only when chosen, labelled as the alternative
    page.select_option("[name=kar_okumasi]", "brut_marj")
    submit(page, "Hesapla")
    assert page.inner_text("#kar") == "19.650,00 TL"
    assert page.inner_text("#basabas") == "236.250,00 TL"
    assert page.inner_text("#okuma").startswith("Alternatif okuma")


def test_the_istanbul_site_check_counts_what_its_sentence_says(page, live_server):
    # issue 14: "WC ve lavabo" not counted in the text, yet 33 + 2 (sink) = 35 m² "Uygun"
    page.goto(f"{live_server.url}/ruhsat/mekan")
    page.fill("[name=bolum_ad_1]", "Satış")
    page.fill("[name=bolum_alan_1]", "33")
    page.fill("[name=bolum_ad_2]", "Lavabo")
    page.select_option("[name=bolum_tur_2]", "lavabo")
    page.fill("[name=bolum_alan_2]", "2")
    page.select_option("[name=profil]", "istanbul")
    page.select_option("[name=zemin]", "mermer")
    page.select_option("[name=banko_giris_katinda]", "hayir")
    submit(page, "Kontrol et")
    assert page.inner_text("#sonuc-durum") == "Uygun değil"
    area = page.locator("#kurallar tr[data-rule=alan]")
    assert area.get_attribute("data-status") == "uygun_degil"
    assert "sayılmayan: Lavabo 2 m²" in area.inner_text()
    sentence = page.inner_text("#sayilmayanlar li[data-excluded-profile=istanbul]")
    assert "Alana sayılmayan bölümler: WC, Lavabo," in sentence
    assert page.get_attribute("#kurallar tr[data-rule=zemin]", "data-status") == "uygun"
    banko = page.locator("#kurallar tr[data-rule=giris_kati_banko]")
    assert banko.get_attribute("data-status") == "uygun_degil"
    assert "seed 002" in banko.inner_text()


def test_score_vacancies_fees_and_names_pages(page, live_server):
    base = f"{live_server.url}/ruhsat"
    page.goto(f"{base}/puan")
    page.fill("[name=meslek_yili]", "10")
    page.check("[name=devir]")
    page.fill("[name=ilce_1]", "Şile")
    page.fill("[name=yil_1]", "4")
    page.fill("[name=katsayi_1]", "2")
    submit(page, "Hesapla")
    assert page.inner_text("#puan") == "9"
    assert "Devir nedeniyle yarıya: 18 × 0,5 = 9" in page.inner_text("#aritmetik")

    page.goto(f"{base}/bos-yer")
    page.fill("[name=nufus]", "35000")
    page.fill("[name=mevcut_eczane]", "7")
    submit(page, "Hesapla")
    assert page.inner_text("#bos-yer") == "3"

    page.goto(f"{base}/harc")
    page.fill("[name=yil]", "2014")
    page.select_option("[name=ilce]", "Çatalca")
    submit(page, "Hesapla")
    assert page.inner_text("#tutar") == "644,30 TL"

    page.goto(f"{base}/isim")
    page.fill("[name=ad]", "ŞİFA ECZANESİ")
    page.fill("[name=mevcut]", "Şifa Eczanesi\nGül Eczanesi")
    submit(page, "Kontrol et")
    assert page.inner_text("#isim-durum") == "Bu ad ilde var"
