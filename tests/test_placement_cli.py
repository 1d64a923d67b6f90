"""``eczane placement``: run from CSV/XLSX/JSON, JSON output, errors per row, what-if, export."""

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from eczane.cli import app

runner = CliRunner()

ANNOUNCEMENT = "il;ilçe;kontenjan\nİstanbul;Kadıköy;1\nAnkara;Çankaya;2\nSamsun;19 Mayıs;1\n"
APPLICANTS = (
    "başvuru no;puan;evrak tamam;tercih1;tercih2;tercih3\n"
    "A1;30;evet;İstanbul/Kadıköy;Ankara/Çankaya;\n"
    "A2;20,5;evet;Kadıköy;Samsun/19 Mayıs;\n"
    "A3;99;hayır;İstanbul/Kadıköy;;\n"
    "A4;10;evet;İstanbul/Kadıköy;Ankara/Çankaya;Samsun/19 Mayıs\n"
)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ECZANE_DATA_DIR", str(tmp_path / "var"))
    (tmp_path / "ilan.csv").write_text(ANNOUNCEMENT, encoding="utf-8")
    (tmp_path / "basvurular.csv").write_text(APPLICANTS, encoding="utf-8")
    return tmp_path


def invoke(*args: str):
    return runner.invoke(app, ["placement", *args])


def test_run_with_json_prints_every_outcome_with_its_reason(env):
    r = invoke("run", "--json", str(env / "ilan.csv"), str(env / "basvurular.csv"), "--seed", "7")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["format"] == "eczane.placement-result/1" and data["seed"] == "7"
    out = {o["id"]: o for o in data["outcomes"]}
    assert out["A1"]["reason"] == "tercih 1: Kadıköy (İstanbul)"
    assert out["A2"]["reason"] == "tercih 2: 19 Mayıs (Samsun); 1 doldu"
    assert out["A3"]["status"] == "islem_yok"
    assert (out["A4"]["district"], out["A4"]["preference_rank"]) == ("Çankaya", 2)
    taban = {d["district"]: d["base_score"] for d in data["districts"]}
    assert taban == {"Kadıköy": "30", "Çankaya": "10", "19 Mayıs": "20.5"}


def test_run_reads_xlsx_and_json_and_prints_a_readable_report(env):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [["id", "puan", "tercih1", "tercih2"], ["X1", 12.5, "Ankara/Çankaya", None],
                ["X2", 12.5, "Ankara/Çankaya", None], ["X3", 12.5, "Ankara/Çankaya", None]]:
        ws.append(row)
    wb.save(env / "b.xlsx")
    (env / "ilan.json").write_text(json.dumps({"ilan": [{"il": "Ankara", "ilçe": "Çankaya",
                                                         "kontenjan": 2}], "kura": "abc"}),
                                   encoding="utf-8")
    r = invoke("run", str(env / "ilan.json"), str(env / "b.xlsx"))
    assert r.exit_code == 0, r.output
    assert "Kura tohumu: abc" in r.stdout
    assert "Puan 12,5 (3 kişi; Çankaya (Ankara)): " in r.stdout   # the printed draw
    assert "eşit puanla kurada kaybedildi" in r.stdout


def test_bad_rows_are_all_reported_in_turkish_and_nothing_runs(env):
    (env / "kotu.csv").write_text("id;puan;tercih1\nB1;abc;Ankara/Çankaya\nB2;5;Ankara/Kadıköy\n",
                                  encoding="utf-8")
    r = invoke("run", str(env / "ilan.csv"), str(env / "kotu.csv"))
    assert r.exit_code == 2
    assert "kotu.csv, satır 2, başvuru B1: sayı değil: 'abc'" in r.stderr
    assert "kotu.csv, satır 3, tercihler[1]: Ankara ilinde 'Kadıköy' ilçesi yok" in r.stderr


def test_score_components_go_through_the_score_formula(env):
    # seed 001: years + Σ years × coefficient; PhD × 1.25 on the coefficient; halved after devir
    (env / "b.json").write_text(json.dumps({"basvurular": [
        {"id": "K1", "puan_bilesenleri": {"meslek_yili": 10, "ilceler": [
            {"ilce": "Kadıköy", "yil": 4, "katsayi": "1.5"}], "doktora": True, "devir": True},
         "tercihler": ["Ankara/Çankaya"]}]}), encoding="utf-8")
    r = invoke("run", "--json", str(env / "ilan.csv"), str(env / "b.json"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["outcomes"][0]["score"] == "8.75"   # (10 + 4×1.5×1.25) / 2


def test_whatif_answers_from_the_last_run(env):
    assert invoke("run", str(env / "ilan.csv"), str(env / "basvurular.csv")).exit_code == 0
    r = invoke("whatif", "--score", "25", "--pref", "İstanbul/Kadıköy", "--pref", "Samsun/19 Mayıs",
               "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["gets"] == {"rank": 2, "key": "samsun/19mayis"}
    assert data["summary"] == "Puan 25 ile tercih 2: 19 Mayıs (Samsun) alırsınız."


def test_whatif_without_a_run_says_what_to_do(env):
    r = invoke("whatif", "--score", "25")
    assert r.exit_code == 2
    assert "Önce 'eczane placement run' çalıştırın" in r.stderr


def test_export_writes_an_xlsx_with_the_four_sheets(env):
    invoke("run", str(env / "ilan.csv"), str(env / "basvurular.csv"))
    r = invoke("export", str(env / "out.xlsx"))
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(env / "out.xlsx")
    assert wb.sheetnames == ["Özet", "Sonuçlar", "Taban puanlar", "Kura"]
    rows = list(wb["Sonuçlar"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Başvuru", "Puan", "Sonuç")
    assert rows[1][:3] == ("A1", 30, "Yerleşti")


def test_announce_derives_places_from_the_3500_rule(env):
    # Kadıköy ADNKS 2023: 467,919 → ⌊133.69⌋ = 133 pharmacies allowed; 130 exist → 3 places
    (env / "sayilar.csv").write_text("il;ilçe;mevcut eczane\nİstanbul;Kadıköy;130\n"
                                     "Ankara;Çankaya;400\n", encoding="utf-8")
    r = invoke("announce", str(env / "sayilar.csv"))
    assert r.exit_code == 0, r.output
    assert r.stdout == "il,ilçe,kontenjan\nİstanbul,Kadıköy,3\n"


def test_demo_writes_an_input_that_runs(env: Path):
    assert invoke("demo", str(env / "d.json"), "--applicants", "50", "--places", "10").exit_code == 0
    r = invoke("run", "--json", str(env / "d.json"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["summary"]["placed"] == 10
