"""Turkish text helpers: case mapping, folding and alphabetical order."""

from __future__ import annotations

import random

import pytest

from eczane.domain import text
from eczane.domain.text import TR_ALPHABET, tr_sort_key


def test_the_alphabet_is_the_tdk_alphabet_plus_q_w_x() -> None:
    # TDK alphabet (29 letters), plus q, w, x after their Latin neighbours (CLDR tr).
    assert TR_ALPHABET.replace("q", "").replace("w", "").replace("x", "") == \
        "abcçdefgğhıijklmnoöprsştuüvyz"
    shuffled = list(text.tr_upper(TR_ALPHABET))
    random.Random(7).shuffle(shuffled)
    assert [text.tr_lower(c) for c in sorted(shuffled, key=tr_sort_key)] == list(TR_ALPHABET)


@pytest.mark.parametrize(("before", "after"), [
    # TDK alphabet: each Turkish letter right after its base letter.
    ("Cide", "Çankaya"),          # c < ç (districts of Kastamonu and Ankara)
    ("Çınar", "Dicle"),           # ç < d (the issue: Çınar sorted after Z by code point)
    ("Gölbaşı", "Ğ"),             # g < ğ
    ("Ğ", "Hakkari"),             # ğ < h
    ("Iğdır", "İzmir"),           # ı < i: I is the capital of ı (Turkish case rules)
    ("IŞIK", "İLAÇ"),             # same, all capitals
    ("İBUPROFEN", "ZİNCO"),       # the issue: İBUPROFEN sorted after Z by code point
    ("Ordu", "Ödemiş"),           # o < ö
    ("Ödemiş", "Pazar"),          # ö < p
    ("Sinop", "Şanlıurfa"),       # s < ş
    ("Şırnak", "Tokat"),          # ş < t
    ("Uşak", "Ürgüp"),            # u < ü
    ("Ürgüp", "Van"),             # ü < v
    # Case does not matter (Turkish rules), only the letters.
    ("ağrı", "AKSARAY"),
    ("çorum", "DENİZLİ"),
    # CLDR tr: q after p, w after v, x after w, all before y.
    ("Pazar", "Quinapril"),
    ("Quinapril", "Rize"),
    ("Van", "Warfarin"),
    ("Warfarin", "Xanax"),
    ("Xanax", "Yozgat"),
    # CLDR root order: space and punctuation < digits < letters; numbers by value.
    ("PAROL", "PAROL 500 MG"),
    ("PAROL 500 MG", "PAROL FORT"),
    ("PAROL 500 MG", "PAROL 1000 MG"),
    ("B12 VİTAMİN", "BA"),
    ("2 ABC", "ABC"),
    # Circumflex and foreign accents sort with the base letter (Turkish â î û; é in names).
    ("Kâğıthane", "Kartal"),
    ("Écran", "Ezine"),
    # Letters of other scripts after z.
    ("Zonguldak", "Ω-3"),
])
def test_it_sorts_in_turkish_alphabetical_order(before: str, after: str) -> None:
    assert tr_sort_key(before) < tr_sort_key(after)
    assert sorted([after, before], key=tr_sort_key) == [before, after]


@pytest.mark.parametrize(("a", "b"), [
    ("İZMİR", "izmir"),             # Turkish case rules: İ is the capital of i
    ("IĞDIR", "ığdır"),             # I is the capital of ı
    ("i\u0307zmir", "izmir"),       # Python's "İ".lower() leaves a combining dot
    ("  Parol   500  ", "parol 500"),  # runs of spaces count as one, ends are ignored
    ("PAROL 0500", "parol 500"),    # leading zeros do not change the value
])
def test_it_ignores_case_and_spacing_in_the_order(a: str, b: str) -> None:
    assert tr_sort_key(a)[0] == tr_sort_key(b)[0]
    assert tr_sort_key(a) != tr_sort_key(b) or a == b   # still a total order


def test_code_point_order_was_wrong_and_this_is_right() -> None:
    names = ["Zinco", "Çınar", "İBUPROFEN", "Şeker", "Öksürük", "Ülser", "Aspirin"]
    assert sorted(names)[1:] == ["Zinco", "Çınar", "Öksürük", "Ülser", "İBUPROFEN", "Şeker"]
    assert sorted(names, key=tr_sort_key) == [
        "Aspirin", "Çınar", "İBUPROFEN", "Öksürük", "Şeker", "Ülser", "Zinco"]
