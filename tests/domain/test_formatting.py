"""The one formatting module: what a person reads (Europe/Istanbul, dd.mm.yyyy, 1.234,5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from eczane.domain.formatting import (
    date_tr,
    datetime_tr,
    money_tr,
    month_tr,
    number_tr,
    time_tr,
    to_local,
)


@pytest.mark.parametrize(("value", "expected"), [
    # SQLite hands back naive UTC; İstanbul is UTC+3 all year since 2016 (RG 08.09.2016)
    (datetime(2026, 12, 4, 11, 43), "04.12.2026 14:43"),
    (datetime(2026, 7, 1, 11, 43), "01.07.2026 14:43"),          # no summer time any more
    (datetime(2026, 12, 31, 22, 30, tzinfo=UTC), "01.01.2027 01:30"),  # the day changes too
    (datetime(2026, 12, 4, 14, 43, tzinfo=timezone(timedelta(hours=3))), "04.12.2026 14:43"),
    ("2026-12-04T11:43:07.5+00:00", "04.12.2026 14:43"),           # audit_log.at is ISO text
    ("2026-12-04 11:43:07", "04.12.2026 14:43"),                   # SQLite text timestamps
    (None, ""),
])
def test_timestamps_are_shown_in_istanbul_time(value, expected):
    assert datetime_tr(value) == expected


def test_dates_times_and_months():
    assert date_tr(date(2027, 1, 5)) == "05.01.2027"
    assert date_tr(datetime(2026, 12, 31, 22, 0)) == "01.01.2027"  # a UTC instant's local day
    assert time_tr(datetime(2026, 12, 4, 11, 43, 7)) == "14:43:07"
    assert [month_tr(f"2026-{m:02d}") for m in (1, 5, 8, 12)] == ["Ocak 2026", "Mayıs 2026",
                                                                   "Ağustos 2026", "Aralık 2026"]
    assert month_tr("SKT yok") == "SKT yok"
    assert to_local(datetime(2026, 1, 1)).utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize(("value", "places", "expected"), [
    (1234567, None, "1.234.567"), (Decimal("1234.5"), 2, "1.234,50"), (0.5, None, "0,5"),
    (-1234, None, "-1.234"), (Decimal("-0.001"), 2, "0,00"), (999, None, "999"),
])
def test_numbers_use_turkish_grouping_and_decimal_comma(value, places, expected):
    assert number_tr(value, places) == expected


def test_money_is_two_decimals_and_tl():
    assert money_tr(Decimal("28350")) == "28.350,00 TL"
