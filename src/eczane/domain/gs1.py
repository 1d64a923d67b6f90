"""GS1 building blocks the karekod engine needs: check digits, character set 82, AI 17 dates.

References: GS1 General Specifications (GenSpecs) release 24: §7.9.1 (check digit, mod-10
with weights 3,1 from the right), §7.11 figure 7.11-1 (character set 82), §3.4.7 (AI 17, DD=00
means the last day of the month), §7.12 (determining the century of a YY year).

>>> gtin_check_digit("0869953608001")
'7'
>>> is_valid_gtin("08699536080017")
True
>>> is_valid_gln("8680001000005")
True
>>> is_valid_gln("8680001000001")
False
>>> is_charset82("AB-12/c")
True
>>> is_charset82("AB 12")
False
>>> gs1_year(75, today=date(2026, 11, 23))
2075
>>> gs1_year(77, today=date(2026, 11, 23))
1977
>>> expiry_from_yymmdd("270200", today=date(2026, 11, 23))
datetime.date(2027, 2, 28)
"""

from __future__ import annotations

import calendar
import re
from datetime import date

CHARSET_82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
"""GS1 AI encodable character set 82 (GenSpecs §7.11, figure 7.11-1): the characters allowed in
alphanumeric AIs such as 21 (serial) and 10 (batch)."""

CHARSET_82_RUN = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*")
"""Matches a run of character-set-82 characters (used with ``match(s, pos, endpos)``)."""

_CHARSET_82_FULL = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")


def gtin_check_digit(body: str) -> str:
    """Check digit for a GTIN body (all digits but the last), GenSpecs §7.9.1."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def is_valid_gtin(gtin: str) -> bool:
    """14 ASCII digits whose last digit is the check digit of the first 13."""
    return (
        len(gtin) == 14
        and gtin.isascii()
        and gtin.isdigit()
        and gtin_check_digit(gtin[:13]) == gtin[13]
    )


def is_valid_gln(gln: str) -> bool:
    """13 ASCII digits whose last digit is the mod-10 check digit of the first 12.

    A GLN (Global Location Number, GS1 key of a party or location such as a pharmacy in İTS)
    uses the same check digit as a GTIN (GenSpecs §7.9.1; §3.2 "GLN ... N1…N12 check digit").
    """
    return (
        len(gln) == 13
        and gln.isascii()
        and gln.isdigit()
        and gtin_check_digit(gln[:12]) == gln[12]
    )


def make_gtin(body13: str) -> str:
    """Append the check digit to a 13-digit body."""
    return body13 + gtin_check_digit(body13)


def is_charset82(value: str) -> bool:
    """True if ``value`` is non-empty and every character is in GS1 character set 82."""
    return _CHARSET_82_FULL.fullmatch(value) is not None


def gs1_year(yy: int, *, today: date) -> int:
    """The full year of a two-digit GS1 year, by the sliding window of GenSpecs §7.12.

    With ``diff = yy - (today's year mod 100)``: 51..99 → previous century, −99..−50 → next
    century, otherwise the current century (a window of 49 years back and 50 ahead).
    """
    century = today.year - today.year % 100
    diff = yy - today.year % 100
    if 51 <= diff <= 99:
        return century - 100 + yy
    if -99 <= diff <= -50:
        return century + 100 + yy
    return century + yy


def expiry_from_yymmdd(value: str, *, today: date) -> date:
    """AI 17 ``YYMMDD`` to a date; ``DD=00`` is the last day of the month (GenSpecs §3.4.7).

    Raises:
        ValueError: ``value`` is not six ASCII digits or not a real date.
    """
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        raise ValueError("not YYMMDD")
    year = gs1_year(int(value[:2]), today=today)
    month = int(value[2:4])
    day = int(value[4:])
    if not 1 <= month <= 12:
        raise ValueError("month")
    if day == 0:
        day = calendar.monthrange(year, month)[1]
    return date(year, month, day)
