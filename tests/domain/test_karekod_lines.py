"""domain.karekod_lines: the title line and "not a karekod list", one rule for every reader."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.domain.karekod_lines import is_karekod, is_title, refusal, shown, split_title

TODAY = date(2026, 11, 23)
GOOD = "010869953608001721S9\x1d17270630101L1"


@pytest.mark.parametrize(("text", "title"), [
    ("Sayım Karekodları", True),                 # scanner software's title (issue 14 finding 9)
    ("Elinizde Olmayan Karekodlar", True),       # seed 000 step 4
    ("\ufeffİTS KAREKOD LİSTESİ  ", True),       # BOM and Turkish capitals
    ("Sayım 2026", False),                       # a digit: read as a karekod line
    ("---", False),                              # no letter
    ("", False),
])
def test_a_title_line_has_letters_and_no_digit(text, title):
    assert is_title(text) is title


def test_only_the_first_non_empty_line_can_be_the_title():
    title, rest = split_title([(1, " "), (2, "Sayım Karekodları"), (3, GOOD), (4, ""),
                               (5, "Elinizde Olmayan Karekodlar")])
    assert title == (2, "Sayım Karekodları")
    assert rest == [(3, GOOD), (5, "Elinizde Olmayan Karekodlar")]
    assert split_title([(1, GOOD)]) == (None, [(1, GOOD)])
    assert split_title([]) == (None, [])


@pytest.mark.parametrize(("text", "karekod"), [
    (GOOD, True),
    ("  " + GOOD + "\t", True),
    # no GS, serial holding "17…10": several readings (ambiguous), as in tests/count/test_store.py
    ("010869953608001721A1727013110X1728053110B1", True),
    ("8699536080017", False),                    # an EAN-13 barcode, not a karekod
    ("%PDF-1.7", False),
])
def test_a_line_is_a_karekod_when_the_engine_reads_it_or_finds_readings(text, karekod):
    assert is_karekod(text, today=TODAY) is karekod


def test_a_refusal_counts_the_bad_lines_and_quotes_a_sample():
    bad = [(2, "a\x00b"), (3, "x" * 60), (4, "y"), (5, "z")]
    msg = refusal("liste.txt", 5, bad)
    assert msg == (
        "'liste.txt' bir karekod listesi değil: 5 satırdan 4 tanesi karekod olarak okunamadı "
        "(örnek: 2. satır “a·b”, 3. satır “" + "x" * 40 + "…”, 4. satır “y”). Hiçbir şey "
        "kaydedilmedi; okuyucunun ya da eczane programının verdiği karekod dosyasını seçin.")
    assert refusal("liste.txt", 8, bad) is None      # half is not most
    assert refusal("liste.txt", 0, []) is None
    assert shown("ok") == "ok"
