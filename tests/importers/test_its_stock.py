"""Reading İTS stock files as they arrive: header variants, Excel mangling, encodings, broken
and hostile files (issue 3, "Must be true when done")."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest
import yaml

from eczane.importers.headers import DATA_FILE, MappingNeeded
from eczane.importers.its_stock import read_its_stock
from eczane.importers.tabular import ImportRefused
from tests.importers.files import write_csv, write_xlsx, write_zip_bomb

TODAY = date(2026, 11, 23)
G1, G2 = "08699536080017", "08699536080024"  # demo GTINs (demo_data.py)
SYNONYMS = yaml.safe_load(DATA_FILE.read_text("utf-8"))["its_stock"]
BASE = {"gtin": "GTIN", "serial": "Seri No", "expiry": "SKT", "batch": "Parti No",
        "product_name": "Ürün Adı", "last_tx_date": "Son İşlem Tarihi"}
VALUES = {"gtin": G1, "serial": "ABC123", "expiry": "30.06.2027", "batch": "L1",
          "product_name": "AMOKSİSİLİN DEMO", "last_tx_date": "05.01.2025"}


def header_cases():
    """Every synonym of every field in the data file, in upper, lower and spaced forms."""
    for fld, names in SYNONYMS.items():
        if fld == "karekod":
            continue
        for name in names:
            yield pytest.param(fld, name, id=f"{fld}:{name}")
        yield pytest.param(fld, names[0].upper().replace("I", "İ"), id=f"{fld}:upper")
        yield pytest.param(fld, f"  {names[-1].lower()} :", id=f"{fld}:lower-spaced")


@pytest.mark.parametrize(("field", "header"), list(header_cases()))
def test_every_header_variant_of_the_synonym_table_is_recognised(tmp_path, field, header):
    headers = dict(BASE, **{field: header})
    order = list(BASE)
    path = write_xlsx(tmp_path / "s.xlsx", [[headers[f] for f in order],
                                           [VALUES[f] for f in order]])
    f = read_its_stock(path, today=TODAY)
    assert f.mapping["columns"][field] == order.index(field)
    row = f.rows[0]
    assert (row.gtin, row.serial, row.expiry, row.batch) == (G1, "ABC123", date(2027, 6, 30), "L1")
    assert row.last_tx_date == date(2025, 1, 5) and f.has_tx_date


def test_the_header_row_is_found_below_titles_and_blank_rows(tmp_path):
    rows = [["T.C. Sağlık Bakanlığı"], ["İlaç Takip Sistemi — Stok Listesi", "", "Tarih: 23.11.2026"],
            [], ["Barkod", "Sıra No", "Miat", "Lot"], [G1, "S1", date(2027, 6, 30), "L1"]]
    f = read_its_stock(write_xlsx(tmp_path / "s.xlsx", rows), today=TODAY)
    assert f.mapping == {"header_row": 4, "columns": {"gtin": 0, "serial": 1, "expiry": 2, "batch": 3}}
    assert f.rows[0].row_no == 5 and not f.has_tx_date and f.issues == []


def test_columns_in_any_order_and_extra_columns_are_fine(tmp_path):
    rows = [["Sıra", "Durum", "SKT", "Ürün Adı", "Seri Numarası", "Ürün Kodu"],
            [1, "Stokta", "06/2027", "X", 12345.0, 8699536080017]]
    f = read_its_stock(write_xlsx(tmp_path / "s.xlsx", rows), today=TODAY)
    r = f.rows[0]
    assert (r.gtin, r.serial, r.expiry, r.product_name) == (G1, "12345", date(2027, 6, 30), "X")


def test_excel_number_and_date_mangling_is_undone(tmp_path):
    rows = [["GTIN", "Seri No", "SKT", "Parti No"],
            [8699536080017, "S1", date(2027, 6, 30), "L1"],        # number cell, date cell
            ["8699536080024", "S2", 46568, 24005],                # text w/o zero, serial, number lot
            ["8.699536080017E+12", "S3", "2027-06-30", "L3"],     # scientific text, ISO date
            [G1, "S4", "30.06.2027", "L4"]]                       # Turkish date text
    f = read_its_stock(write_xlsx(tmp_path / "s.xlsx", rows), today=TODAY)
    assert [(r.gtin, r.serial, r.expiry, r.batch) for r in f.rows] == [
        (G1, "S1", date(2027, 6, 30), "L1"), (G2, "S2", date(2027, 6, 30), "24005"),
        (G1, "S3", date(2027, 6, 30), "L3"), (G1, "S4", date(2027, 6, 30), "L4")]
    assert f.issues == []


def test_each_bad_row_is_reported_with_row_column_and_reason_and_good_rows_are_kept(tmp_path):
    rows = [["GTIN", "Seri No", "SKT", "Parti No"],
            [G1, "S1", "30.06.2027", "L1"],
            ["8.69954E+12", "S2", "30.06.2027", "L1"],
            [G1, "", "30.06.2027", "L1"],
            [G1, "S4", "31.02.2027", "L1"],
            [G1, "S5", "30.06.2027", "L-1"],
            ["", "", "", "Toplam: 5"],
            [G1, "S1", "30.06.2027", "L1"]]
    f = read_its_stock(write_xlsx(tmp_path / "s.xlsx", rows), today=TODAY)
    assert [r.serial for r in f.rows] == ["S1", "S4", "S5"]
    assert f.rows[1].expiry is None and f.rows[2].batch == ""
    assert [(i.row_no, i.column, i.code) for i in f.issues] == [
        (3, "GTIN", "gtin_precision_lost"), (4, "Seri No", "empty"), (5, "SKT", "date_syntax"),
        (6, "Parti No", "bad_code"), (7, "GTIN", "empty"), (8, "Seri No", "duplicate")]
    assert f.issues[2].message == ("Geçersiz tarih: '31.02.2027' (böyle bir gün yok). "
                                   "Kutu SKT'siz alındı.")
    assert f.issues[5].message == "Bu kutu 2. satırda da var; bir kez sayıldı."
    assert f.duplicates == 1


@pytest.mark.parametrize(("sep", "encoding"), [
    (";", "cp1254"),      # Turkish Excel "CSV (virgülle ayrılmış)" on Windows
    (";", "utf-8-sig"),   # Excel "CSV UTF-8"
    (",", "utf-8"),
    ("\t", "utf-8"),
])
def test_csv_in_turkish_encodings_and_separators(tmp_path, sep, encoding):
    rows = [["Barkod", "Seri Numarası", "Son Kullanma Tarihi", "Parti No", "İlaç Adı"],
            ["8699536080017", "S1", "30.06.2027", "L1", "AMOKSİSİLİN ŞURUP"],
            ["8699536080024", "S2", "31.01.2028", "L2", "İBUPROFEN ĞÜŞÖÇ"]]
    f = read_its_stock(write_csv(tmp_path / "s.csv", rows, sep=sep, encoding=encoding), today=TODAY)
    assert [r.product_name for r in f.rows] == ["AMOKSİSİLİN ŞURUP", "İBUPROFEN ĞÜŞÖÇ"]
    assert f.rows[1].gtin == G2 and f.issues == []


def test_an_old_xls_file_is_read_through_calamine(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Stok")
    for c, h in enumerate(["GTIN", "Seri No", "SKT", "Parti No"]):
        ws.write(0, c, h)
    for c, v in enumerate([8699536080017, "S1", "30.06.2027", "L1"]):
        ws.write(1, c, v)
    wb.save(str(tmp_path / "s.xls"))
    f = read_its_stock(tmp_path / "s.xls", today=TODAY)
    assert [(r.gtin, r.serial, r.expiry) for r in f.rows] == [(G1, "S1", date(2027, 6, 30))]


def test_a_column_of_whole_karekods_is_parsed_with_the_karekod_engine(tmp_path):
    rows = [["Karekod", "Ürün Adı"],
            ["010869953608001721ABC123\x1d17270630\x1d10L1", "AMOKSİSİLİN"],
            ["(01)08699536080024(21)S2(17)280131(10)L2", "İBUPROFEN"],
            ["bozuk karekod", "?"]]
    f = read_its_stock(write_xlsx(tmp_path / "k.xlsx", rows), today=TODAY)
    assert [(r.gtin, r.serial, r.expiry, r.batch) for r in f.rows] == [
        (G1, "ABC123", date(2027, 6, 30), "L1"), (G2, "S2", date(2028, 1, 31), "L2")]
    assert [(i.row_no, i.column) for i in f.issues] == [(4, "Karekod")]


def test_a_zero_byte_file_is_refused(tmp_path):
    (tmp_path / "s.xlsx").write_bytes(b"")
    with pytest.raises(ImportRefused) as exc:
        read_its_stock(tmp_path / "s.xlsx", today=TODAY)
    assert (exc.value.code, exc.value.message) == (
        "empty_file", "Dosya boş (0 bayt). İTS'den yeniden indirin.")


def test_a_non_xlsx_file_renamed_xlsx_is_refused(tmp_path):
    (tmp_path / "stok.xlsx").write_bytes(b"<html><body>Oturumunuz sona erdi</body></html>")
    with pytest.raises(ImportRefused) as exc:
        read_its_stock(tmp_path / "stok.xlsx", today=TODAY)
    assert exc.value.code == "not_a_workbook"
    assert exc.value.message.startswith("'stok.xlsx' bir Excel dosyası değil")


def test_a_zip_that_is_not_a_workbook_and_a_broken_zip_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.xlsx", "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ImportRefused) as exc:
        read_its_stock(tmp_path / "a.xlsx", today=TODAY)
    assert exc.value.code == "not_a_workbook"
    good = write_xlsx(tmp_path / "b.xlsx", [["GTIN", "Seri No"], [G1, "S1"]]).read_bytes()
    (tmp_path / "c.xlsx").write_bytes(good[: len(good) // 2])
    with pytest.raises(ImportRefused) as exc:
        read_its_stock(tmp_path / "c.xlsx", today=TODAY)
    assert exc.value.code in {"bad_zip", "unreadable"}


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    import resource

    path = write_zip_bomb(tmp_path / "bomb.xlsx", inflated=200_000_000)
    assert path.stat().st_size < 2_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImportRefused) as exc:
        read_its_stock(path, today=TODAY)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert exc.value.code == "zip_bomb"
    assert "zip bombası" in exc.value.message and "'bomb.xlsx' reddedildi" in exc.value.message
    assert grown_mb < 50


def test_a_file_with_only_headers_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", [["GTIN", "Seri No", "SKT", "Parti No"]])
    with pytest.raises(ImportRefused) as exc:
        read_its_stock(path, today=TODAY)
    assert exc.value.code == "only_headers"
    assert exc.value.message == ("'h.xlsx' içinde başlık satırı var ama hiç kutu yok. İTS'den "
                                 "stok listesini yeniden indirin.")


def test_a_file_whose_every_row_is_bad_is_refused_rather_than_imported_empty(tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", [["GTIN", "Seri No"], ["x", "S1"], ["y", "S2"]])
    with pytest.raises(ImportRefused) as exc:
        read_its_stock(path, today=TODAY)
    assert exc.value.code == "no_good_rows"
    assert "satır 2, GTIN: GTIN yalnızca rakamlardan oluşmalı" in exc.value.message


def test_an_unknown_layout_asks_for_a_mapping_with_a_preview(tmp_path):
    rows = [["Kod", "Numara", "Bitiş", "Seri No"], [G1, "S1", "30.06.2027", "?"]]
    with pytest.raises(MappingNeeded) as exc:
        read_its_stock(write_xlsx(tmp_path / "u.xlsx", rows), today=TODAY)
    assert exc.value.preview[1] == [G1, "S1", "30.06.2027", "?"]
    assert exc.value.suggestion == {"serial": 3}
    assert exc.value.message.startswith("Sütun başlıkları tanınmadı: GTIN / Barkod+Seri no ve "
                                        "Karekod sütunları bulunamadı.")


@pytest.mark.parametrize("mapping", [
    {"columns": {"gtin": "A", "serial": "B", "expiry": "C"}},           # letters (CLI --map)
    {"columns": {"gtin": "Kod", "serial": "numara", "expiry": "BİTİŞ"}},  # header text, any case
    {"columns": {"gtin": "1", "serial": "2", "expiry": "3"}},           # 1-based numbers
    {"header_row": 1, "columns": {"gtin": 0, "serial": 1, "expiry": 2}},  # stored form
])
def test_a_mapping_names_columns_by_letter_number_or_header(tmp_path, mapping):
    rows = [["Kod", "Numara", "Bitiş"], [G1, "S1", "30.06.2027"]]
    f = read_its_stock(write_xlsx(tmp_path / "u.xlsx", rows), today=TODAY, mapping=mapping)
    assert [(r.gtin, r.serial, r.expiry) for r in f.rows] == [(G1, "S1", date(2027, 6, 30))]
    assert f.mapping == {"header_row": 1, "columns": {"gtin": 0, "serial": 1, "expiry": 2}}
    assert not f.mapping_detected


def test_a_headerless_file_can_be_mapped_with_header_row_zero(tmp_path):
    rows = [[G1, "S1", "30.06.2027"], [G2, "S2", "31.01.2028"]]
    f = read_its_stock(write_csv(tmp_path / "n.csv", rows), today=TODAY,
                       mapping={"header_row": 0, "columns": {"gtin": "A", "serial": "B"}})
    assert [r.row_no for r in f.rows] == [1, 2]


def test_a_mapping_to_a_missing_column_or_field_is_refused(tmp_path):
    rows = [["Kod", "Numara"], [G1, "S1"]]
    path = write_xlsx(tmp_path / "u.xlsx", rows)
    with pytest.raises(ImportRefused, match="'Yok' sütunu dosyada bulunamadı|Başlık bulunamadı"):
        read_its_stock(path, today=TODAY, mapping={"columns": {"gtin": "Kod", "serial": "Yok"}})
    with pytest.raises(ImportRefused, match="Bilinmeyen alan adı: renk"):
        read_its_stock(path, today=TODAY, mapping={"columns": {"renk": "A"}})
    with pytest.raises(ImportRefused, match="GTIN ve seri no"):
        read_its_stock(path, today=TODAY, mapping={"columns": {"gtin": "A"}})


def test_the_file_hash_identifies_the_file(tmp_path):
    rows = [["GTIN", "Seri No"], [G1, "S1"]]
    a = read_its_stock(write_xlsx(tmp_path / "a.xlsx", rows), today=TODAY)
    b = read_its_stock(write_csv(tmp_path / "b.csv", rows), today=TODAY)
    import hashlib
    assert a.sha256 == hashlib.sha256((tmp_path / "a.xlsx").read_bytes()).hexdigest()
    assert a.sha256 != b.sha256 and a.source_name == "a.xlsx"


def test_the_layout_signature_ignores_a_dated_title_so_a_mapping_is_remembered(tmp_path):
    from eczane.importers.headers import signature_of

    def file(day):
        return [["İTS Stok Listesi", f"Tarih: {day}.11.2026"], ["Kod", "Numara", "Bitiş"],
                [G1, "S1", "30.06.2027"]]
    with pytest.raises(MappingNeeded) as a:
        read_its_stock(write_xlsx(tmp_path / "a.xlsx", file(23)), today=TODAY)
    assert a.value.header_guess == 2
    assert signature_of(file(23)) == signature_of(file(24)) == a.value.signature
    assert signature_of(file(23)) != signature_of([["Kod", "Numara", "Son"]])


def test_a_zip_bomb_that_lies_about_its_sizes_is_refused_too(tmp_path):
    import resource

    from tests.importers.files import write_lying_zip_bomb

    path = write_lying_zip_bomb(tmp_path / "yalanci.xlsx")
    assert path.stat().st_size < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImportRefused) as exc:
        read_its_stock(path, today=TODAY)
    assert exc.value.code == "zip_bomb"
    assert exc.value.message.startswith("'yalanci.xlsx' reddedildi: içindeki bir parça "
                                        "bildirdiğinden farklı açılıyor")
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 50


def _messy_rows(n: int, seed: int) -> list[list[object]]:
    """Rows the way a long İTS export damaged by hand-editing looks: mostly good, with bad GTINs,
    empty/odd serials, bad and empty dates, lower-case and numeric serials/batches, numeric
    names, blank and total lines, repeats near and far, and one serial under two GTINs (each
    kind taken from a test above or from docs/imports.md)."""
    import random

    rnd = random.Random(seed)
    gtins: list[object] = [8699536080017, "8699536080024", G1, "08699536080024"]
    rows: list[list[object]] = [["GTIN", "Seri No", "SKT", "Parti No", "Ürün Adı",
                                 "Son İşlem Tarihi"]]
    for i in range(n):
        row: list[object] = [rnd.choice(gtins), f"S{i}", date(2027, 1 + i % 12, 1 + i % 28),
                             f"L{i % 7}", f"ÜRÜN {i % 5}", date(2024, 1 + i % 12, 1 + i % 28)]
        k = rnd.random()
        if k < 0.01:
            row[0] = "8.69954E+12"
        elif k < 0.02:
            row[1] = ""
        elif k < 0.03:
            row[1] = f"s{i}ı"
        elif k < 0.04:
            row[1] = float(i)
        elif k < 0.05:
            row[2] = "31.02.2027"
        elif k < 0.06:
            row[2] = None
        elif k < 0.07:
            row[3] = "l-1"
        elif k < 0.08:
            row[4] = 12345.0
        elif k < 0.09:
            row[5] = None
        elif k < 0.10:
            row[5] = "tarih?"
        elif k < 0.11 and i > 10:
            row[:2] = rows[rnd.randrange(1, len(rows))][:2]  # a repeat of an earlier pack
        elif k < 0.115:
            row = [None, None, None, None, f"Toplam: {i}", None]
        elif k < 0.12:
            row = [None] * 6
        elif k < 0.125 and i > 10:
            row[0], row[1] = G2 if row[0] != G2 else G1, rows[-1][1]  # same serial, other GTIN
        rows.append(row)
    return rows


@pytest.mark.parametrize("chunk", [1, 7, 50])
def test_reading_in_chunks_gives_the_same_packs_issues_and_repeats_at_any_chunk_size(
        tmp_path, monkeypatch, chunk):
    from eczane.importers import its_stock

    path = write_xlsx(tmp_path / "s.xlsx", _messy_rows(1500, seed=chunk))
    whole = its_stock.iter_its_stock(path, today=TODAY)
    assert its_stock.CHUNK > 1500  # the whole file is one chunk
    whole_rows = list(whole.rows)
    monkeypatch.setattr(its_stock, "CHUNK", chunk)
    parts = its_stock.iter_its_stock(path, today=TODAY)
    part_rows = list(parts.rows)
    assert len(whole_rows) > 1000 and len(whole.issues) > 100 and whole.duplicates > 5
    assert part_rows == whole_rows
    assert parts.issues == whole.issues and parts.duplicates == whole.duplicates
    assert parts.names == whole.names and parts.data_rows == whole.data_rows


def test_a_serial_or_batch_with_a_trailing_line_break_is_cleaned_not_stored_with_it(tmp_path):
    # Excel keeps a line break typed with Alt+Enter inside the cell (seen in hand-edited lists).
    rows = [["GTIN", "Seri No", "Parti No"], [G1, "ABC1\n", "L1\n"]]
    f = read_its_stock(write_xlsx(tmp_path / "s.xlsx", rows), today=TODAY)
    assert [(r.serial, r.batch) for r in f.rows] == [("ABC1", "L1")]
    assert f.issues == []
