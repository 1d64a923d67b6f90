"""The shipped deactivation windows (data/windows/deactivation_windows.yaml) and their loader."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.domain.catalog import PrescriptionClass as PC
from eczane.domain.errors import ParseError
from eczane.domain.reconcile import Rules, window_status
from eczane.windows import default_window, load_windows, parse_windows, window_for_code


def test_the_75_window_carries_the_dates_of_law_7557_and_titck():
    # seed 000 (15.03.2025, colour prescriptions excluded); research/its.md §5.1 (RG 24.07.2025
    # no. 32965; complete by 24.10.2025)
    w = window_for_code("75")
    assert (w.records_before, w.open_from, w.open_until) == (
        date(2025, 3, 15), date(2025, 7, 24), date(2025, 10, 24))
    assert w.excluded_classes == {PC.RED, PC.GREEN, PC.ORANGE, PC.PURPLE}
    assert "32965" in w.legal_basis and w.sources
    assert default_window() == w


def test_the_2016_window_is_history_with_unknown_dates_marked_unknown():
    old = [w for w in load_windows() if "6736" in w.legal_basis]
    assert len(old) == 1
    assert old[0].code is None and old[0].open_from is None
    assert window_status(old[0], date(2016, 10, 1)).state == "unknown"


def test_the_75_window_is_closed_today_unless_extended():
    assert window_status(window_for_code("75"), date(2026, 11, 23)).state == "closed"


def test_rules_take_their_defaults_from_the_window():
    rules = Rules.from_window(window_for_code("75"), date(2026, 1, 2))
    assert rules.records_before == date(2025, 3, 15) and PC.RED in rules.excluded_classes


def test_an_unknown_code_is_a_turkish_lookup_error():
    with pytest.raises(LookupError, match="'99' kodlu deaktivasyon penceresi tanımlı değil"):
        window_for_code("99")


def test_a_bad_date_in_the_file_names_the_window_and_field():
    with pytest.raises(ParseError) as exc:
        parse_windows({"windows": [{"name": "X", "open_from": "24.07.2025"}]}, where="w.yaml")
    assert exc.value.message == ("w.yaml pencere 1: 'open_from' alanı tarih değil: '24.07.2025' "
                                 "(YYYY-AA-GG bekleniyor)")
