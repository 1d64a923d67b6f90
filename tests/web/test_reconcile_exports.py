"""Export files and the in-transit importer, without the web app."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from eczane.domain.karekod import Karekod, parse_karekod
from eczane.exports.karekod_list import HEADER, exchange_files, karekod_list_text
from eczane.exports.packs import ExportPack
from eczane.exports.xlsx import xlsx_bytes
from eczane.importers.tabular import ImportRefused
from eczane.importers.transit import parse_sender_type, read_transit

TODAY = date(2025, 9, 1)
G1 = "08699536080017"


def pack(serial, *, expiry=date(2027, 1, 31), batch="L1", name="PARASETAMOL", sender_type="",
         sender=""):
    return ExportPack(G1, serial, expiry, batch, name, "normal", date(2025, 1, 1),
                      "not_on_hand_eligible", "eligible", "uygun", (), sender_type, sender)


def test_the_karekod_file_round_trips_through_the_karekod_parser():
    # seed 000 step 4: header line, then karekods the pharmacy program reads back
    text = karekod_list_text([pack("B2"), pack("A1", batch="X9")])
    lines = text.split("\r\n")
    assert lines[0] == HEADER == "Elinizde Olmayan Karekodlar" and lines[-1] == ""
    parsed = [parse_karekod(line, today=TODAY).value for line in lines[1:-1]]
    assert [(k.gtin, k.serial, k.expiry, k.batch) for k in parsed] == [
        (G1, "A1", date(2027, 1, 31), "X9"), (G1, "B2", date(2027, 1, 31), "L1")]


def test_a_pack_without_expiry_is_written_without_ai_17():
    assert pack("A1", expiry=None).element_string() == f"01{G1}21A1\x1d10L1"


def test_exchange_files_are_per_sending_pharmacy_without_header():
    files = exchange_files([pack("A", sender_type="eczane", sender="Komşu"),
                            pack("B", sender_type="depo", sender="Depo"),
                            pack("C", sender_type="eczane", sender="Karşı")])
    assert list(files) == ["Karşı", "Komşu"]
    assert files["Komşu"] == Karekod(G1, "A", date(2027, 1, 31), "L1").element_string() + "\r\n"


@pytest.mark.parametrize("evil", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"])
def test_xlsx_cells_starting_with_formula_characters_stay_text(evil):
    body = xlsx_bytes({"not_on_hand_eligible": [pack(evil, name=evil)]})
    ws = openpyxl.load_workbook(io.BytesIO(body))["Elde yok, deaktive edilebilir"]
    cells = [c for c in ws[2] if c.value == evil]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)


def test_the_transit_list_is_read_with_turkish_sender_types_and_row_errors(tmp_path):
    k1 = Karekod(G1, "T1", date(2027, 1, 31), "L").element_string()
    k2 = Karekod(G1, "T2", date(2027, 2, 28), "M").element_string()
    path = tmp_path / "arada.csv"
    path.write_text(f"karekod,sender_type,sender\n{k1},Ecza Deposu,Depo A\n{k2},takas,Komşu\n"
                    f"{k1},depo,Depo A\nxyz,depo,X\n{k2},kargo,Y\n", encoding="utf-8")
    f = read_transit(path, today=TODAY)
    assert [(p.serial, p.sender_type, p.sender) for p in f.packs] == [
        ("T1", "depo", "Depo A"), ("T2", "eczane", "Komşu")]
    assert [(i.row_no, i.code) for i in f.issues] == [
        (4, "duplicate"), (5, "bad_karekod"), (6, "bad_sender_type")]
    assert f.issues[2].message == ("Satır 6: gönderici tipi 'kargo' tanınmadı "
                                   "(depo veya eczane olmalı).")


def test_a_transit_file_without_a_karekod_column_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ImportRefused, match="'karekod' sütunu bulunamadı"):
        read_transit(path, today=TODAY)


def test_sender_types_accept_codes_and_turkish_words():
    assert [parse_sender_type(t) for t in ("depo", "ECZA DEPOSU", "eczane", "Takas", "?")] == [
        "depo", "depo", "eczane", "eczane", None]
