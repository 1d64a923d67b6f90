"""``eczane reconcile`` from files: the JSON interface outside checks rely on, and the exports."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner

from eczane.cli import app
from eczane.demo_data import demo_pharmacy
from eczane.domain.karekod import Karekod

TODAY = date(2025, 9, 1)
BUCKETS = {"matched", "not_on_hand_eligible", "not_on_hand_ineligible", "expired", "in_transit",
           "on_hand_not_in_its"}


def kk(p):
    return Karekod(p.gtin, p.serial, p.expiry, p.batch).element_string()


@pytest.fixture
def files(tmp_path):
    """The demo pharmacy as the files a pharmacist would have."""
    d = demo_pharmacy(TODAY)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["GTIN", "Seri No", "Son Kullanma Tarihi", "Parti No", "Ürün Adı", "İşlem Tarihi"])
    for p in d.its_packs:
        ws.append([p.gtin, p.serial, p.expiry.strftime("%d.%m.%Y"), p.batch, p.product_name,
                   p.last_tx_date.strftime("%d.%m.%Y")])
    wb.save(tmp_path / "its.xlsx")
    (tmp_path / "onhand.txt").write_text("\n".join(kk(p) for p in d.on_shelf) + "\n")
    (tmp_path / "catalog.csv").write_text("gtin,name,prescription_class\n" + "".join(
        f'{p.gtin},"{p.name}",{p.prescription_class.value}\n' for p in d.products))
    (tmp_path / "transit.csv").write_text("karekod,sender_type,sender\n" + "".join(
        f"{kk(p)},{t},{s}\n" for p, t, s in d.in_transit))
    return tmp_path, d


def run(*args):
    result = CliRunner().invoke(app, ["reconcile", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result


def test_json_has_every_bucket_with_gtin_serial_and_reason(files):
    tmp, d = files
    out = json.loads(run("--its", tmp / "its.xlsx", "--on-hand", tmp / "onhand.txt", "--catalog",
                         tmp / "catalog.csv", "--in-transit", tmp / "transit.csv", "--today",
                         TODAY, "--json").stdout)
    assert set(out["counts"]) == BUCKETS and set(out["buckets"]) == BUCKETS
    assert {b: len(v) for b, v in out["buckets"].items()} == out["counts"]
    # demo_data: 24 on shelf, 12 ghosts before the cutoff, 3 late + 4 colour + 1 unknown,
    # 4 expired, 3 in transit, 1 on the shelf İTS does not list
    assert out["counts"] == {"matched": 24, "not_on_hand_eligible": 12,
                             "not_on_hand_ineligible": 8, "expired": 4, "in_transit": 3,
                             "on_hand_not_in_its": 1}
    reasons = sorted(p["reason"] for p in out["buckets"]["not_on_hand_ineligible"])
    assert reasons == ["after_cutoff"] * 3 + ["colour_prescription"] * 4 + ["unknown_class"]
    transit = {(p["serial"], p["sender_type"], p["sender"]) for p in out["buckets"]["in_transit"]}
    assert transit == {(p.serial, t, s) for p, t, s in d.in_transit}
    assert out["window"]["code"] == "75" and out["window"]["open"] is True


def test_without_a_catalog_every_not_on_hand_pack_has_an_unknown_class(files):
    tmp, _ = files
    out = json.loads(run("--its", tmp / "its.xlsx", "--on-hand", tmp / "onhand.txt",
                         "--today", TODAY, "--json").stdout)
    assert out["counts"]["not_on_hand_eligible"] == 0
    assert {p["reason"] for p in out["buckets"]["not_on_hand_ineligible"]} == {"unknown_class"}


def test_an_its_file_without_dates_skips_the_date_test_and_says_so(files, tmp_path):
    tmp, d = files
    (tmp / "its.csv").write_text("GTIN;Seri No;Son Kullanma Tarihi;Parti No\n" + "".join(
        f"{p.gtin};{p.serial};{p.expiry:%d.%m.%Y};{p.batch}\n" for p in d.its_packs))
    out = json.loads(run("--its", tmp / "its.csv", "--on-hand", tmp / "onhand.txt", "--catalog",
                         tmp / "catalog.csv", "--today", TODAY, "--json").stdout)
    eligible = out["buckets"]["not_on_hand_eligible"]
    assert len(eligible) == 15  # the 3 late ghosts can no longer be told apart
    assert all(p["reason"] == "date_unchecked" and p["notes"] == ["date_unchecked"]
               for p in eligible)
    assert out["date_checked"] is False and "İTS kendisi reddeder" in out["notes"][0]


def test_after_the_window_closed_the_list_is_still_made_and_the_window_says_closed(files):
    tmp, _ = files
    out = json.loads(run("--its", tmp / "its.xlsx", "--on-hand", tmp / "onhand.txt", "--catalog",
                         tmp / "catalog.csv", "--today", "2026-01-05", "--json").stdout)
    assert out["window"]["open"] is False and out["window"]["state"] == "closed"
    assert out["counts"]["not_on_hand_eligible"] > 0


def test_exports_write_the_karekod_file_and_one_sheet_per_bucket(files):
    tmp, _ = files
    run("--its", tmp / "its.xlsx", "--on-hand", tmp / "onhand.txt", "--catalog",
        tmp / "catalog.csv", "--today", TODAY, "--karekod-out", tmp / "k.txt", "--xlsx-out",
        tmp / "r.xlsx", "--report-out", tmp / "r.html")
    lines = (tmp / "k.txt").read_bytes().decode().split("\r\n")
    assert lines[0] == "Elinizde Olmayan Karekodlar" and len([x for x in lines[1:] if x]) == 12
    wb = openpyxl.load_workbook(tmp / "r.xlsx")
    assert wb.sheetnames == ["Eşleşen", "Elde yok, deaktive edilebilir",
                             "Elde yok, deaktive edilemez", "Miadı dolan", "Arada kalan",
                             "Elde var, İTS'de yok"]
    assert wb["Elde yok, deaktive edilebilir"].max_row == 13
    html = (tmp / "r.html").read_text()
    assert "Uygulanan deaktivasyon penceresi" in html and "Bugün AÇIK" in html


def test_an_unknown_window_code_is_refused_in_turkish(files):
    tmp, _ = files
    result = CliRunner().invoke(app, ["reconcile", "--its", str(tmp / "its.xlsx"), "--on-hand",
                                      str(tmp / "onhand.txt"), "--window", "99", "--json"])
    assert result.exit_code == 2 and "'99' kodlu deaktivasyon penceresi tanımlı değil" in result.output


def test_an_english_csv_with_a_last_tx_date_column_keeps_the_date_test(tmp_path):
    # issue 5 interface: ITS_FILE in any form; a file that has dates must not be read as dateless
    (tmp_path / "its.csv").write_text(
        "gtin,serial,expiry,batch,product_name,last_tx_date\n"
        "08699536080017,EARLY,2027-01-31,L1,X,2025-03-14\n"
        "08699536080017,LATE,2027-01-31,L1,X,2025-03-15\n")
    (tmp_path / "onhand.txt").write_text("")
    (tmp_path / "cat.csv").write_text("gtin,name,prescription_class\n08699536080017,X,normal\n")
    result = CliRunner().invoke(app, ["reconcile", "--its", str(tmp_path / "its.csv"),
                                      "--on-hand", str(tmp_path / "onhand.txt"), "--catalog",
                                      str(tmp_path / "cat.csv"), "--today", "2025-09-01", "--json"])
    out = json.loads(result.stdout)
    assert out["date_checked"] is True
    assert [(p["serial"], p["reason"]) for p in out["buckets"]["not_on_hand_eligible"]] == [
        ("EARLY", "eligible")]
    assert [(p["serial"], p["reason"]) for p in out["buckets"]["not_on_hand_ineligible"]] == [
        ("LATE", "after_cutoff")]


def test_an_empty_onhand_file_means_nothing_on_hand_and_says_so(files):
    tmp, d = files
    (tmp / "empty.txt").write_text("")
    out = json.loads(run("--its", tmp / "its.xlsx", "--on-hand", tmp / "empty.txt", "--catalog",
                         tmp / "catalog.csv", "--today", TODAY, "--json").stdout)
    assert out["counts"]["matched"] == 0
    assert sum(out["counts"].values()) == len(d.its_packs)
    assert "elde karekod yok" in out["notes"][0]


def test_an_onhand_table_with_gtin_and_serial_columns_is_read_too(files):
    tmp, d = files
    (tmp / "elde.csv").write_text("GTIN;Seri No\n" + "".join(
        f"{p.gtin};{p.serial}\n" for p in d.on_shelf))
    out = json.loads(run("--its", tmp / "its.xlsx", "--on-hand", tmp / "elde.csv", "--catalog",
                         tmp / "catalog.csv", "--today", TODAY, "--json").stdout)
    assert out["counts"]["matched"] == 24 and out["counts"]["on_hand_not_in_its"] == 1
    assert out["notes"] == ["elde.csv: GTIN/seri no sütunlarından okundu."]
