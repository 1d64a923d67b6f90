"""İTS's form of serial and batch: upper case (its.md §6: SN/BN are [A-Z0-9] in İTS's schema).

A keyboard-wedge scanner with Caps Lock on inverts the case of every letter it types, so a pack
whose label says ``DEMO1K`` arrives as ``demo1k``; every pharmacy path that compares a scan with
İTS's list reads it with ``its_case=True``.
"""

from datetime import date

from eczane.domain.karekod import Karekod, KarekodError, KarekodResult, _its_case, parse_karekod
from eczane.domain.pack import PackKey

TODAY = date(2026, 11, 23)
PACK = Karekod("08699536080000", "DEMO000001K", date(2027, 6, 30), "L2243")


def caps_lock(text: str) -> str:
    return text.swapcase()


def test_a_caps_lock_scan_reads_as_the_pack_on_the_label_in_its_form():
    raw = caps_lock(PACK.element_string())
    result = parse_karekod(raw, today=TODAY, its_case=True)
    assert result.value == PACK
    assert [w.code for w in result.warnings] == ["case_folded"]
    assert result.warnings[0].message == (
        "Seri/parti no küçük harfle okundu (okuyucuda ya da klavyede Caps Lock açık olabilir); "
        "İTS yalnız büyük harf kullandığı için büyük harfe çevrildi.")


def test_plain_gs1_parsing_keeps_the_case_as_read():
    raw = caps_lock(PACK.element_string())
    result = parse_karekod(raw, today=TODAY)
    assert result.value is not None and result.value.serial == "demo000001k"
    assert "case_folded" not in [w.code for w in result.warnings]


def test_an_upper_case_scan_has_no_case_warning():
    result = parse_karekod(PACK.element_string(), today=TODAY, its_case=True)
    assert result.value == PACK and result.warnings == ()


def test_a_lower_case_batch_alone_is_folded_too():
    raw = PACK.element_string().replace("L2243", "l2243")
    result = parse_karekod(raw, today=TODAY, its_case=True)
    assert result.value == PACK and [w.code for w in result.warnings] == ["case_folded"]


def test_ambiguous_candidates_are_folded_before_they_are_matched_with_the_its_list():
    # No separators, lower case: several readings; the İTS list holds the upper-case one.
    raw = "0108699536080000" + "21ab17270630" + "10cd17270630"
    plain = parse_karekod(raw, today=TODAY)
    assert plain.error is not None and plain.error.code == "ambiguous"
    upper_keys = {PackKey(c.gtin, c.serial.upper()) for c in plain.error.candidates}
    target = sorted(upper_keys)[0]
    result = parse_karekod(raw, today=TODAY, known={target}, its_case=True)
    assert result.value is not None and result.value.key == target


def test_readings_that_differ_only_in_case_merge_into_one_pack():
    # "ab" vs "AB" are two GS1 readings but one İTS pack: folding leaves a single reading.
    a = Karekod(PACK.gtin, "ab", PACK.expiry, "l1")
    b = Karekod(PACK.gtin, "AB", PACK.expiry, "L1")
    c = Karekod(PACK.gtin, "CD", PACK.expiry, "L1")
    merged = _its_case(KarekodResult(error=KarekodError("ambiguous", "x", (a, b))))
    assert merged.value == b and [w.code for w in merged.warnings] == ["no_separator", "case_folded"]
    still = _its_case(KarekodResult(error=KarekodError("ambiguous", "x", (a, b, c))))
    assert still.error is not None and still.error.candidates == (b, c)
    assert "2 farklı şekilde" in still.error.message
