"""GS1 helpers: check digit, character set 82, the AI 17 century window."""

from __future__ import annotations

from datetime import date

import pytest

import eczane.domain.gs1 as gs1


@pytest.mark.parametrize(
    ("gtin", "valid"),
    [
        ("08699504120011", True),  # its.md §6 (itstools)
        ("08699504120012", False),  # wrong check digit
        ("0869950412001", False),  # 13 digits
        ("0869950412001١", False),  # Arabic-Indic digit: isdigit() but not ASCII
    ],
)
def test_gtin_validity(gtin: str, valid: bool) -> None:
    assert gs1.is_valid_gtin(gtin) is valid


def test_charset_82_has_82_characters_and_no_space() -> None:
    # GenSpecs figure 7.11-1
    assert len(gs1.CHARSET_82) == 82
    assert gs1.is_charset82("".join(sorted(gs1.CHARSET_82)))
    assert not gs1.is_charset82("")
    assert not gs1.is_charset82("A B")


@pytest.mark.parametrize("value", ["12133", "1213a1", "121301", "120230", "121232"])
def test_impossible_dates_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        gs1.expiry_from_yymmdd(value, today=date(2026, 1, 1))
