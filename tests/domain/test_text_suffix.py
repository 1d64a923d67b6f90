"""The one helper for endings after numbers written in digits ("%12'si", "3'ü", "1.000'i").

Each row: the number, how it is read aloud (the last word decides), then the six endings.
Provenance: the endings are the TDK Yazım Kılavuzu's ("Kesme İşareti": endings on numbers follow
the number as read; vowel harmony; d → t after a voiceless consonant). The rows marked "seed"
are the forms issue 14 found wrong or right in the licensing pages (seed 001 "cironun yüzde
12'si").
"""

from decimal import Decimal

import pytest

from eczane.domain.text import numeral_suffix, with_suffix

CASES = ("possessive", "accusative", "dative", "locative", "ablative", "genitive")

TABLE = [
    # number, read as (last word), possessive, accusative, dative, locative, ablative, genitive
    ("0", "sıfır", "'ı", "'ı", "'a", "'da", "'dan", "'ın"),
    ("1", "bir", "'i", "'i", "'e", "'de", "'den", "'in"),
    ("2", "iki", "'si", "'yi", "'ye", "'de", "'den", "'nin"),
    ("3", "üç", "'ü", "'ü", "'e", "'te", "'ten", "'ün"),        # seed: "3'ü"
    ("4", "dört", "'ü", "'ü", "'e", "'te", "'ten", "'ün"),
    ("5", "beş", "'i", "'i", "'e", "'te", "'ten", "'in"),
    ("6", "altı", "'sı", "'yı", "'ya", "'da", "'dan", "'nın"),   # seed: "6'sı"
    ("7", "yedi", "'si", "'yi", "'ye", "'de", "'den", "'nin"),
    ("8", "sekiz", "'i", "'i", "'e", "'de", "'den", "'in"),
    ("9", "dokuz", "'u", "'u", "'a", "'da", "'dan", "'un"),
    ("10", "on", "'u", "'u", "'a", "'da", "'dan", "'un"),        # seed: "%10'u"
    ("20", "yirmi", "'si", "'yi", "'ye", "'de", "'den", "'nin"),
    ("30", "otuz", "'u", "'u", "'a", "'da", "'dan", "'un"),
    ("40", "kırk", "'ı", "'ı", "'a", "'ta", "'tan", "'ın"),      # seed: "%40'ı"
    ("50", "elli", "'si", "'yi", "'ye", "'de", "'den", "'nin"),
    ("60", "altmış", "'ı", "'ı", "'a", "'ta", "'tan", "'ın"),
    ("70", "yetmiş", "'i", "'i", "'e", "'te", "'ten", "'in"),
    ("80", "seksen", "'i", "'i", "'e", "'de", "'den", "'in"),
    ("90", "doksan", "'ı", "'ı", "'a", "'da", "'dan", "'ın"),
    ("%12", "iki", "'si", "'yi", "'ye", "'de", "'den", "'nin"),  # seed 001: "yüzde 12'si"
    ("100", "yüz", "'ü", "'ü", "'e", "'de", "'den", "'ün"),      # seed: "100'ü"
    ("300", "yüz", "'ü", "'ü", "'e", "'de", "'den", "'ün"),
    ("1.000", "bin", "'i", "'i", "'e", "'de", "'den", "'in"),    # seed: "1.000'i"
    ("28.350", "elli", "'si", "'yi", "'ye", "'de", "'den", "'nin"),
    ("3.500", "yüz", "'ü", "'ü", "'e", "'de", "'den", "'ün"),
    ("80.000", "bin", "'i", "'i", "'e", "'de", "'den", "'in"),
    ("1.000.000", "milyon", "'u", "'u", "'a", "'da", "'dan", "'un"),
    ("2.000.000.000", "milyar", "'ı", "'ı", "'a", "'da", "'dan", "'ın"),
    ("12,5", "beş", "'i", "'i", "'e", "'te", "'ten", "'in"),     # on iki virgül beş
    ("0,25", "beş", "'i", "'i", "'e", "'te", "'ten", "'in"),
    ("1,06", "altı", "'sı", "'yı", "'ya", "'da", "'dan", "'nın"),  # bir virgül sıfır altı
    ("2,40", "kırk", "'ı", "'ı", "'a", "'ta", "'tan", "'ın"),    # seed 002: "2.40m"
]


@pytest.mark.parametrize("row", TABLE, ids=[r[0] for r in TABLE])
def test_the_ending_follows_the_number_as_read_aloud(row):
    number, _read_as, *endings = row
    assert [numeral_suffix(number, case) for case in CASES] == endings


def test_ints_and_decimals_read_like_their_turkish_text():
    assert numeral_suffix(12) == numeral_suffix("12") == "'si"
    assert numeral_suffix(Decimal("12.5")) == numeral_suffix("12,5") == "'i"
    assert numeral_suffix(Decimal("40")) == "'ı"


def test_with_suffix_keeps_the_number_as_written():
    assert with_suffix("%12") == "%12'si"
    assert with_suffix("1.000", "ablative") == "1.000'den"


@pytest.mark.parametrize("bad", ["", "abc", "12a", "1,2,3"])
def test_a_non_number_is_refused(bad):
    with pytest.raises(ValueError):
        numeral_suffix(bad)


def test_an_unknown_case_is_refused():
    with pytest.raises(ValueError, match="unknown case"):
        numeral_suffix(3, "instrumental")
