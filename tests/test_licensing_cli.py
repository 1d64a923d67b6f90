"""The JSON interfaces of ``eczane licensing`` that outside checks rely on (docs/licensing.md)."""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from eczane.cli import app


def run(tmp_path, command, data, *extra):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["licensing", command, "--json", str(path), *extra])
    return result.exit_code, json.loads(result.stdout)


def assert_reasons(out):
    assert out["reasons"]
    for r in out["reasons"]:
        assert r["rule"] and r["source"] and r["message"]


def test_score(tmp_path):
    code, out = run(tmp_path, "score", {"meslek_yili": 10, "doktora": True, "devir": True,
                                        "ilceler": [{"ilce": "Şile", "yil": 4, "katsayi": 2}]})
    assert code == 0
    assert out["result"]["yerlestirme_puani"] == "10"
    assert out["result"]["aritmetik"][-1] == "Devir nedeniyle yarıya: 20 × 0,5 = 10"
    assert_reasons(out)


def test_rights(tmp_path):
    code, out = run(tmp_path, "rights", {"mezuniyet": "2010-06-30",
                                         "olaylar": [{"tur": "acilis", "tarih": "2016-04-01"}]},
                    "--today", "2026-11-23")
    assert code == 0
    assert out["result"]["kategori"] == "2012_eczanesiz"
    assert out["result"]["eylemler"]["ilce_disi_nakil"]["durum"] == "izinli"
    assert out["result"]["eylemler"]["acilis"]["durum"] == "izinsiz"
    assert_reasons(out)
    assert {r["eylem"] for r in out["reasons"]} >= {"acilis", "devir", "ilce_ici_nakil",
                                                     "ilce_disi_nakil"}


@pytest.mark.parametrize("profile, result, counted", [
    ("yonetmelik-2014", "uygun", "36"), ("istanbul", "uygun_degil", "34"),
])  # the seed's own case: 36 m² with a 2 m² WC (seed 001 madde 2 vs seed 002 §1.1)
def test_site_under_two_profiles(tmp_path, profile, result, counted):
    data = {"bolumler": [{"ad": "Satış", "tur": "satis", "alan_m2": 34},
                         {"ad": "WC", "tur": "wc", "alan_m2": 2}],
            "yukseklik_m": 2.6, "ruhsat_ibaresi": "dükkan", "cadde_cephesi": True,
            "saglik_kurulusu": "yok", "baska_dukkana_kapi": False,
            "bekleme_giris_katinda": True, "banko_giris_katinda": True,
            "iptal_edilmemis_ruhsat": False, "zemin": "mermer",
            "donanim": {"buzdolabi": True, "isi_nem_kaydi": True, "kalibrasyon": True,
                        "sehir_suyu": True, "zehir_dolaplari": True}}
    code, out = run(tmp_path, "site", data, "--profile", profile)
    assert code == 0
    assert (out["result"], out["counted_m2"]) == (result, counted)
    assert_reasons(out)


def test_deadlines_and_the_ics_file(tmp_path):
    ics = tmp_path / "sureler.ics"
    code, out = run(tmp_path, "deadlines", {"ilan_tarihi": "2026-03-02"}, "--ics", str(ics))
    assert code == 0
    ends = {d["key"]: d["end"] for d in out["result"]}
    assert ends["basvuru"] == "2026-04-01" and ends["yerlestirme"] == "2026-04-15"
    assert all(d["rule"] and d["source"] for d in out["result"])
    raw = ics.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.count(b"BEGIN:VEVENT") == len(ends)


@pytest.mark.parametrize("command, data, key, value", [
    ("vacancies", {"nufus": 214000, "mevcut_eczane": 109}, "bos_yer", 0),
    ("fees", {"yil": 2014, "ilce": "Kadıköy"}, "tutar", "1612.3"),
    # seed 001 "cironun yüzde 12'si kar olarak kalacaktır": 400.000 → 48.000 (the default)
    ("feasibility", {"ciro": 400000}, "aylik_kar", "48000"),
    ("feasibility", {"ciro": 400000, "kar_okumasi": "brut_marj"}, "basabas_cirosu", "236250"),
])
def test_the_other_calculators(tmp_path, command, data, key, value):
    code, out = run(tmp_path, command, data)
    assert code == 0 and out["result"][key] == value


def test_documents_and_names(tmp_path):
    code, out = run(tmp_path, "documents", {"tur": "hastane", "ilk_basvuru": "2026-11-15",
                                            "belgeler": {"savcilik": "2026-09-01"}},
                    "--today", "2026-11-23")
    assert code == 0 and out["result"] == "eksik"
    assert next(b for b in out["belgeler"] if b["kod"] == "savcilik")["durum"] == "eski"
    code, out = run(tmp_path, "names", {"ad": "IŞIK", "mevcut": ["Işık Eczanesi"]})
    assert out["result"] == "ayni_isim"


def test_tracker_uses_today(tmp_path):
    data = {"yerlestirme_tarihi": "2026-09-01"}
    _, late = run(tmp_path, "tracker", data, "--today", "2026-11-23")
    _, fine = run(tmp_path, "tracker", data, "--today", "2026-09-05")
    assert late["result"]["geciken_adim"] == "dosya_teslim"
    assert fine["result"]["geciken_adim"] is None
    assert date.fromisoformat(late["result"]["adimlar"][0]["tamam"]) == date(2026, 9, 1)


def test_bad_input_exits_2_with_a_json_error(tmp_path):
    code, out = run(tmp_path, "site", {"bolumler": []}, "--profile", "istanbul")
    assert code == 2
    assert out == {"result": None, "reasons": [], "error": {
        "code": "missing",
        "message": "En az bir bölüm girin (krokideki her bölüm için ad, tür ve alan)."}}


def test_invalid_json_exits_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{nope", encoding="utf-8")
    result = CliRunner().invoke(app, ["licensing", "score", "--json", str(path)])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "bad_json"


def test_rights_json_carries_both_readings_of_the_assistant_rule(tmp_path):
    # seed 001: "2012 yılından sonra ... mezun olan" vs "2013 ve daha sonraki yıllarda ...
    # kaydını yaptıranlar" — a 2011 enrolee who graduated in 2016 falls between them
    code, out = run(tmp_path, "rights", {"mezuniyet": "2016-06-30", "kayit_yili": 2011},
                    "--today", "2026-11-23")
    assert code == 0
    readings = out["result"]["yardimci_eczacilik_okumalari"]
    assert [(x["okuma"], x["gerekir"], x["kullanilan"]) for x in readings] == [
        ("mezuniyet", True, False), ("kayit", False, True)]
    assert all(x["kaynak"].startswith("seed 001_") for x in readings)
    assert out["result"]["yardimci_eczacilik_okumalari_ayrisiyor"] is True
    assert "yardimci-eczacilik-celiski" in {r["rule"] for r in out["reasons"]}


def test_feasibility_json_names_the_reading_and_the_starting_capital(tmp_path):
    code, out = run(tmp_path, "feasibility", {"ciro": 400000})
    assert code == 0
    assert out["result"]["kar_okumasi"] == "ciro_payi"
    assert out["result"]["basabas_cirosu"] is None
    assert out["result"]["baslangic_sermayesi"] == {"en_az": "70000", "en_cok": "80000"}


def test_names_json_answers_the_sign_rules(tmp_path):
    code, out = run(tmp_path, "names", {"ad": "Şifa", "tabela": {"totem": "evet"}})
    assert code == 0
    totem = next(x for x in out["tabela"] if x["rule"] == "tabela-totem")
    assert totem["ok"] is False and "madde 4" in totem["source"]
