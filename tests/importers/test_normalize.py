"""GTIN restoration, date parsing and code normalisation (eczane.domain.normalize)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from eczane.domain.errors import ParseError
from eczane.domain.normalize import (
    cell_text,
    fold_header,
    normalize_code,
    parse_date,
    restore_gtin,
)

GTIN = "08699536080017"  # demo GTIN, check digit 7 (demo_data.py; GS1 GenSpecs §7.9.1)


@pytest.mark.parametrize("cell", [
    "08699536080017",        # as İTS writes it
    "8699536080017",         # Excel turned it into a number: leading zero lost
    8699536080017.0,         # the same number as calamine returns it
    8699536080017,           # int cell
    "8699536080017.0",       # a number written back to CSV by a script
    "8.699536080017E+12",    # scientific notation that kept every digit
    "8,699536080017E+12",    # … with a Turkish decimal comma
    " 0869953608001-7 ",     # spaces and dashes typed by a person
])
def test_a_mangled_gtin_is_restored_to_14_digits(cell):
    assert restore_gtin(cell) == GTIN


@pytest.mark.parametrize(("cell", "code", "message"), [
    # Excel's "8.69954E+12" display saved to CSV: 7 digits are gone (issue 3)
    ("8.69954E+12", "gtin_precision_lost",
     "GTIN '8.69954E+12': Excel sayıyı bilimsel gösterime çevirmiş ve haneler kaybolmuş; "
     "dosyayı İTS'den yeniden indirip Excel'de açmadan yükleyin."),
    ("08699536080018", "gtin_check_digit",
     "GTIN 08699536080018 kontrol hanesi tutmuyor (beklenen 7, gelen 8)."),
    ("", "gtin_empty", "GTIN boş."),
    (None, "gtin_empty", "GTIN boş."),
    ("ABC", "gtin_syntax", "GTIN yalnızca rakamlardan oluşmalı, gelen: 'ABC'"),
    ("123", "gtin_syntax", "GTIN 14 hane olmalı, gelen 3 hane: '123'"),
    ("123456789012345", "gtin_syntax", "GTIN 14 hane olmalı, gelen 15 hane: '123456789012345'"),
    (8699536080017.5, "gtin_syntax", "GTIN bir tam sayı değil: 8699536080017.5"),
    ("8.6995360800175E+12", "gtin_syntax", "GTIN bir tam sayı değil: '8.6995360800175E+12'"),
    ("9.9E+20", "gtin_precision_lost", None),
])
def test_a_gtin_that_cannot_be_restored_is_refused_with_the_reason(cell, code, message):
    with pytest.raises(ParseError) as exc:
        restore_gtin(cell)
    assert exc.value.code == code
    if message is not None:
        assert exc.value.message == message


@pytest.mark.parametrize(("cell", "expected"), [
    (date(2027, 6, 30), date(2027, 6, 30)),            # a real date cell
    (datetime(2027, 6, 30, 0, 0), date(2027, 6, 30)),  # a datetime cell
    (46568, date(2027, 6, 30)),                        # Excel serial (ECMA-376 1900 system)
    (46568.0, date(2027, 6, 30)),                      # … as a float
    ("46568", date(2027, 6, 30)),                      # … written out as text
    ("30.06.2027", date(2027, 6, 30)),                 # Turkish format (issue 3)
    ("30/06/2027", date(2027, 6, 30)),
    ("30-06-27", date(2027, 6, 30)),                   # two-digit year
    ("1.6.2027", date(2027, 6, 1)),
    ("2027-06-30", date(2027, 6, 30)),                 # ISO (issue 3)
    ("2027-06-30 00:00:00", date(2027, 6, 30)),        # ISO with the time Excel adds
    ("2027-06-30T00:00:00", date(2027, 6, 30)),
    ("30.06.2027 00:00", date(2027, 6, 30)),           # Excel datetime written to a Turkish CSV
    ("30.06.2027 13:45:10", date(2027, 6, 30)),
    ("20270630", date(2027, 6, 30)),                   # compact ISO
    ("270630", date(2027, 6, 30)),                     # karekod AI 17 YYMMDD (its.md §6)
    ("270600", date(2027, 6, 30)),                     # … day 00 = last day of the month
    ("06/2027", date(2027, 6, 30)),                    # month only → last day (its.md §6)
    ("02.2028", date(2028, 2, 29)),                    # … leap year
    ("2027-02", date(2027, 2, 28)),
])
def test_dates_in_every_form_excel_produces_are_read(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize(("cell", "code", "message"), [
    ("", "date_empty", "Tarih boş."),
    ("31.02.2027", "date_syntax", "Geçersiz tarih: '31.02.2027' (böyle bir gün yok)."),
    ("06/30/2027", "date_syntax", "Geçersiz tarih: '06/30/2027' (böyle bir gün yok)."),
    ("yarın", "date_syntax",
     "Tarih okunamadı: 'yarın' (beklenen GG.AA.YYYY, YYYY-AA-GG veya AA/YYYY)."),
    (12, "date_syntax", "Tarih okunamadı: 12 bir tarih seri numarası değil."),
    ("999999", "date_syntax", "Geçersiz tarih: '999999' (böyle bir gün yok)."),
    ("1234567", "date_syntax", "Tarih okunamadı: '1234567' bir tarih seri numarası değil."),
])
def test_an_unreadable_date_is_refused_with_the_reason(cell, code, message):
    with pytest.raises(ParseError) as exc:
        parse_date(cell)
    assert (exc.value.code, exc.value.message) == (code, message)


@pytest.mark.parametrize(("cell", "expected"), [
    ("ABC123", "ABC123"),
    (12345.0, "12345"),       # a numeric serial Excel stored as a number
    ("abc", "ABC"),           # lower case from a scanner with Caps Lock on
    ("Iİı1", "III1"),         # Turkish-Q keyboard İ/ı for I (research/its.md §6)
    (" K0016 ", "K0016"),
])
def test_serials_and_batches_are_normalised_as_its_stores_them(cell, expected):
    assert normalize_code(cell, what="Seri no", required=True) == expected


def test_a_bad_or_missing_serial_is_refused():
    with pytest.raises(ParseError, match="Seri no boş.") as exc:
        normalize_code("", what="Seri no", required=True)
    assert exc.value.code == "empty"
    assert normalize_code("", what="Parti no", required=False) == ""
    with pytest.raises(ParseError) as exc:
        normalize_code("AB-12", what="Seri no", required=True)
    assert exc.value.message == "Seri no en çok 20 harf/rakam olmalı (A-Z, 0-9), gelen: 'AB-12'"
    with pytest.raises(ParseError):
        normalize_code("A" * 21, what="Seri no", required=True)


def test_cell_text_and_header_folding():
    assert cell_text(None) == "" and cell_text(True) == "True" and cell_text(1.5) == "1.5"
    assert cell_text(date(2027, 6, 30)) == "2027-06-30"
    assert cell_text(datetime(2027, 6, 30, 1, 2)) == "2027-06-30 01:02:00"
    assert fold_header("SERİ NO") == fold_header("Seri No.") == fold_header("seri_no") == "serino"
    assert fold_header("Son Kullanma Tarihi") == "sonkullanmatarihi"
