"""How a person reads dates, times and numbers: the one formatting module (STYLE.md §14).

Pages, PDFs, XLSX text and messages show Europe/Istanbul time as ``dd.mm.yyyy HH:MM``, months as
``Aralık 2026`` and numbers as ``1.234,5`` (Turkish: ``.`` groups thousands, ``,`` is the decimal
mark — CLDR ``tr`` locale, the same data Babel uses). JSON and machine files keep ISO 8601;
nothing here is for them.

Timestamps are stored in UTC (SQLite hands them back naive; such a value is read as UTC). Turkey
has kept UTC+3 all year since 2016 (Resmî Gazete 08.09.2016, Bakanlar Kurulu kararı 2016/9155);
where the system has no time-zone database (some Windows installs) that fixed offset is used.

The web registers these as Jinja filters (:data:`JINJA_FILTERS`): ``{{ ts|tarih_saat }}``,
``{{ d|tarih }}``, ``{{ d|ay }}``, ``{{ n|sayi }}``, ``{{ x|tl }}``.

>>> from datetime import datetime, date
>>> datetime_tr(datetime(2026, 12, 4, 11, 43))          # naive = UTC, shown in İstanbul
'04.12.2026 14:43'
>>> datetime_tr("2026-12-04T11:43:07.123456+00:00")
'04.12.2026 14:43'
>>> date_tr(date(2026, 12, 4)), month_tr("2026-12"), month_tr(date(2027, 2, 1))
('04.12.2026', 'Aralık 2026', 'Şubat 2027')
>>> number_tr(1234567), number_tr(Decimal("1234.5"), 2), money_tr(Decimal("-1074.3"))
('1.234.567', '1.234,50', '-1.074,30 TL')
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

MONTHS_TR = ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
             "Eylül", "Ekim", "Kasım", "Aralık")
"""Month names, CLDR ``tr`` (stand-alone, wide)."""


def _istanbul() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Istanbul")
    except Exception:  # noqa: BLE001 - no tz database: Turkey is UTC+3 all year since 2016
        return timezone(timedelta(hours=3), "TRT")


TZ = _istanbul()


def to_local(ts: datetime | str | None) -> datetime | None:
    """A stored timestamp (aware, naive UTC or ISO text) in Europe/Istanbul time (aware).

    >>> to_local("2026-06-30T21:30:00Z").isoformat()
    '2026-07-01T00:30:00+03:00'
    """
    if ts is None or ts == "":
        return None
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(TZ)


def local_naive(ts: datetime | str | None) -> datetime | None:
    """As :func:`to_local` without the zone (what Excel cells hold)."""
    loc = to_local(ts)
    return None if loc is None else loc.replace(tzinfo=None)


def date_tr(d: date | datetime | str | None, empty: str = "") -> str:
    """``04.12.2026``; a datetime is first put in İstanbul time; ISO text is accepted.

    >>> date_tr("2026-12-04"), date_tr(None, "—")
    ('04.12.2026', '—')
    """
    if d is None or d == "":
        return empty
    if isinstance(d, str):
        d = datetime.fromisoformat(d.replace("Z", "+00:00")) if "T" in d or " " in d \
            else date.fromisoformat(d)
    if isinstance(d, datetime):
        d = to_local(d) or d
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def datetime_tr(ts: datetime | str | None, empty: str = "", *, seconds: bool = False) -> str:
    """``04.12.2026 14:43`` in İstanbul time (``seconds=True``: ``14:43:07``)."""
    loc = to_local(ts)
    if loc is None:
        return empty
    return f"{date_tr(loc.date())} {time_tr(loc, seconds=seconds)}"


def time_tr(ts: datetime | str | None, empty: str = "", *, seconds: bool = True) -> str:
    """``14:43:07`` (or ``14:43``) in İstanbul time."""
    loc = to_local(ts)
    if loc is None:
        return empty
    return loc.strftime("%H:%M:%S" if seconds else "%H:%M")


def month_tr(m: date | str | None, empty: str = "") -> str:
    """``Aralık 2026`` from a date or a ``YYYY-MM`` key; other text is returned unchanged."""
    if m is None or m == "":
        return empty
    if isinstance(m, str):
        try:
            year, month = int(m[:4]), int(m[5:7])
        except ValueError:
            return m
        if len(m) < 7 or m[4] != "-" or not 1 <= month <= 12:
            return m
        return f"{MONTHS_TR[month - 1]} {year}"
    return f"{MONTHS_TR[m.month - 1]} {m.year}"


def number_tr(value: int | float | Decimal | None, places: int | None = None, *,
              trim: bool = False, empty: str = "") -> str:
    """``1.234.567``, ``1.234,50`` (``places`` decimals; ``trim`` drops trailing zeros).

    >>> number_tr(Decimal("1.250"), 3, trim=True), number_tr(-0.004, 2), number_tr(None, empty="—")
    ('1,25', '0,00', '—')
    """
    if value is None:
        return empty
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    if places is None:
        places = 0 if dec == dec.to_integral_value() else max(0, -dec.as_tuple().exponent)  # type: ignore[operator]
    q = dec.quantize(Decimal(1).scaleb(-places))
    text = f"{abs(q):,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if trim and "," in text:
        text = text.rstrip("0").rstrip(",")
    return ("-" if q < 0 else "") + text


def money_tr(amount: int | float | Decimal | None, empty: str = "") -> str:
    """``1.074,30 TL``."""
    return empty if amount is None else number_tr(amount, 2) + " TL"


JINJA_FILTERS: dict[str, Any] = {
    "tarih": date_tr, "tarih_saat": datetime_tr, "saat": time_tr, "ay": month_tr,
    "sayi": number_tr, "tl": money_tr,
}
"""Filter name → function; ``eczane.web.app.create_app`` registers them on the templates."""
