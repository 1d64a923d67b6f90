"""GS1 check digits (GS1 General Specifications §7.9.1, mod-10 with weights 3,1 from the right).

>>> gtin_check_digit("0869953608001")
'7'
>>> is_valid_gtin("08699536080017")
True
"""

from __future__ import annotations


def gtin_check_digit(body: str) -> str:
    """Check digit for a GTIN body (all digits but the last)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def is_valid_gtin(gtin: str) -> bool:
    """14 ASCII digits whose last digit is the check digit of the first 13."""
    return len(gtin) == 14 and gtin.isascii() and gtin.isdigit() and gtin_check_digit(gtin[:13]) == gtin[13]


def make_gtin(body13: str) -> str:
    """Append the check digit to a 13-digit body."""
    return body13 + gtin_check_digit(body13)
