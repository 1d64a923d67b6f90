"""Okuyucu testi: each symptom of a keyboard-wedge scanner, from what arrived for a printed label."""

from __future__ import annotations

import pytest

from eczane.domain.karekod import GS
from eczane.domain.scanner_check import (
    CODES,
    SHORT_TR,
    SLOW_MS,
    TEST_LABELS,
    ScanRead,
    diagnose_read,
    summarize,
)

L1, L2, L3, L4 = TEST_LABELS


def _tr_q(text: str) -> str:
    """What a US-layout scanner types into a Turkish-Q PC (keyboard.py's table, reversed)."""
    return text.replace("i", "ı").replace(";", "ş").replace("]", "ü")


CASES = [
    # (label, raw, ended_by, intervals, expected codes) — each row one symptom as reported in
    # GS1 parser / ERP issue trackers and ../shared/research/its.md §6
    (L1, L1.expected, "enter", (3.0,) * 40, []),                          # a well set-up scanner
    (L1, L1.expected.replace(GS, ""), "enter", (), ["gs_missing"]),        # GS dropped
    (L1, L1.expected.replace(GS, "<GS>"), "enter", (), ["gs_text"]),       # GS sent as text
    (L3, _tr_q(L3.expected), "enter", (), ["turkish_q"]),                  # US scanner, TR-Q PC
    (L3, _tr_q("]d2" + L3.expected), "enter", (), ["turkish_q", "prefix"]),  # üd2…
    (L2, L2.expected.swapcase(), "enter", (), ["caps_lock"]),               # Caps Lock on
    (L2, L2.expected.upper(), "enter", (), ["case_changed"]),               # forced upper case
    (L1, L1.expected, "timeout", (), ["no_enter"]),                        # no suffix
    (L1, L1.expected, "blur", (), ["no_enter"]),
    (L1, "]d2" + L1.expected, "enter", (), ["prefix"]),                    # AIM ID on
    (L1, L1.expected, "enter", (80.0,) * 40, ["slow"]),                    # slow wedge
    (L4, L4.expected[:30], "enter", (), ["truncated"]),                    # max length too short
    (L2, L3.expected, "enter", (), ["wrong_label"]),                       # out of order
    (L1, "hello", "enter", (), ["mismatch"]),
    (L2, L2.expected.swapcase().replace(GS, ""), "tab", (), ["gs_missing", "caps_lock"]),
]


@pytest.mark.parametrize(("label", "raw", "ended_by", "intervals", "codes"), CASES)
def test_it_names_each_symptom(label, raw, ended_by, intervals, codes) -> None:  # type: ignore[no-untyped-def]
    got = diagnose_read(label, ScanRead(raw, ended_by=ended_by, intervals_ms=intervals))
    assert [s.code for s in got.symptoms] == codes
    assert got.ok == all(CODES[c][0] == "warn" for c in codes)


def test_slow_advice_says_the_measured_speed() -> None:
    got = diagnose_read(L1, ScanRead(L1.expected, intervals_ms=(50.0,) * 30))
    assert got.symptoms[0].message.startswith(
        "Karakterler yavaş geliyor: karakter başına 50 ms (bir karekod 1,5 saniyede geldi).")


def test_the_threshold_is_the_median_not_one_pause() -> None:
    intervals = (2.0,) * 40 + (500.0,)
    assert diagnose_read(L1, ScanRead(L1.expected, intervals_ms=intervals)).symptoms == ()
    assert SLOW_MS == 30.0


def test_truncation_names_both_lengths() -> None:
    got = diagnose_read(L4, ScanRead(L4.expected[:40]))
    assert got.symptoms[0].message.startswith("Kodun sonu kesiliyor: 40 karakter geldi, kod 52")


def test_wrong_label_asks_again_without_failing() -> None:
    got = diagnose_read(L1, ScanRead(L2.expected))
    assert got.retry and got.ok
    assert got.symptoms[0].message.startswith("Sıradaki etiket değil: 2. etiket okundu, 1.")


def test_a_clean_check_passes() -> None:
    reads = [(r := ScanRead(lb.expected, intervals_ms=(4.0, 6.0)), diagnose_read(lb, r))
             for lb in TEST_LABELS]
    result = summarize(reads)
    assert (result.passed, result.codes, result.median_ms) == (True, (), 5.0)


def test_a_check_with_a_warning_passes_and_one_failure_fails() -> None:
    r1 = ScanRead("]d2" + L1.expected)
    r3 = ScanRead(_tr_q(L3.expected))
    reads = [(r1, diagnose_read(L1, r1)), (r3, diagnose_read(L3, r3))]
    result = summarize(reads)
    assert result.codes == ("turkish_q", "prefix", "missing")
    assert not result.passed
    assert result.advice[-1].message == "2 etiket okutulmadı: test tamamlanmadı."
    assert summarize(reads[:1], labels=[L1]).passed


def test_the_sheet_covers_each_case() -> None:
    assert GS in L1.expected
    assert any(c.islower() for c in L2.karekod.serial)
    assert "i" in L3.karekod.serial and ";" in L3.karekod.serial
    assert len(L4.karekod.serial) == 20
    assert set(SHORT_TR) == set(CODES)


def test_stored_codes_have_short_turkish_names() -> None:
    from eczane.domain.scanner_check import code_labels

    assert code_labels(["turkish_q", "slow", "unknown"]) == [
        "klavye düzeni (Türkçe Q)", "yavaş gönderim", "unknown"]
