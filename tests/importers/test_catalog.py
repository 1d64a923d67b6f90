"""Product lists: our CSV and the agency's spreadsheets (header-detected)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eczane.domain.catalog import PrescriptionClass
from eczane.importers.catalog import read_catalog
from eczane.importers.headers import MappingNeeded
from tests.importers.files import write_csv, write_xlsx

G1, G2, G3 = "08699536080017", "08699536080024", "08699536080062"  # demo GTINs (demo_data.py)
DEMO = Path(__file__).resolve().parents[2] / "src/eczane/data/importers/demo_catalog.csv"


def test_the_shipped_demo_catalog_reads_cleanly_with_all_five_classes():
    f = read_catalog(DEMO)
    assert len(f.products) == 10 and f.issues == []
    assert {p.prescription_class for p in f.products} == set(PrescriptionClass)


def test_a_csv_with_turkish_class_words_and_an_unknown_class(tmp_path):
    rows = [["gtin", "name", "prescription_class"], [G1, "AMOKSİSİLİN", "Beyaz"],
            [G2, "İBUPROFEN", ""], [G3, "MORFİN", "KIRMIZI REÇETE"]]
    f = read_catalog(write_csv(tmp_path / "k.csv", rows, sep=",", encoding="cp1254"))
    assert [(p.gtin, p.prescription_class) for p in f.products] == [
        (G1, PrescriptionClass.NORMAL), (G2, None), (G3, PrescriptionClass.RED)]


def test_an_agency_spreadsheet_is_header_detected(tmp_path):
    rows = [["TİTCK Ruhsatlı Ürünler Listesi"], [],
            ["BARKOD", "İLAÇ ADI", "RUHSAT SAHİBİ FİRMA", "REÇETE TÜRÜ", "ATC KODU"],
            [8699536080017, "AMOKSİSİLİN DEMO", "Demo İlaç A.Ş.", "Normal", "J01CA04"],
            [8699536080062, "MORFİN DEMO", "Demo İlaç A.Ş.", "Kırmızı", "N02AA01"]]
    f = read_catalog(write_xlsx(tmp_path / "titck.xlsx", rows))
    assert [(p.gtin, p.manufacturer, p.prescription_class) for p in f.products] == [
        (G1, "Demo İlaç A.Ş.", PrescriptionClass.NORMAL), (G3, "Demo İlaç A.Ş.", PrescriptionClass.RED)]


def test_bad_rows_and_repeats_are_reported_and_the_first_row_wins(tmp_path):
    rows = [["Barkod", "Ürün Adı", "Reçete"], [G1, "A", "mavi"], ["123", "B", ""], [G2, "", ""],
            [G1, "A2", "yeşil"]]
    f = read_catalog(write_csv(tmp_path / "k.csv", rows))
    assert [(p.gtin, p.name, p.prescription_class) for p in f.products] == [(G1, "A", None)]
    assert [(i.row_no, i.column, i.code) for i in f.issues] == [
        (2, "Reçete", "bad_class"), (3, "Barkod", "gtin_syntax"), (4, "Ürün Adı", "empty"),
        (5, "Barkod", "duplicate")]


def test_a_list_without_gtin_and_name_columns_needs_a_mapping(tmp_path):
    with pytest.raises(MappingNeeded):
        read_catalog(write_csv(tmp_path / "k.csv", [["a", "b"], ["1", "2"]]))
