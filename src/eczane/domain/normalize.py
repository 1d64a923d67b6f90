"""Normalising cell values of imported spreadsheets: GTINs, dates, serials, header names.

Spreadsheets pass through Excel on the pharmacist's PC, and Excel mangles them: a GTIN becomes a
number (the leading zero of a GTIN-14 is lost, or it shows as ``8.69954E+12``), dates become
serial numbers or local text (``30.06.2027``), serials made of digits become ``12345.0``. This
module undoes what can be undone and says, in Turkish, what cannot.

>>> restore_gtin("8699536080017")
'08699536080017'
>>> restore_gtin(8699536080017.0)
'08699536080017'
>>> parse_date("06/2027")
datetime.date(2027, 6, 30)
>>> parse_date(46568)
datetime.date(2027, 6, 30)
>>> fold_header("  SERİ  NUMARASI: ")
'serinumarasi'

References: GS1 General Specifications §7.9.1 (check digit; GTIN-13 → GTIN-14 by a leading
zero), ``research/its.md`` §6 (GTIN-14 of Turkish packs is the 13-digit barkod plus a leading 0;
serial and batch ≤ 20 characters, ``[A-Z0-9]`` in İTS's schema; an expiry with day "00" means the
month's last day), ECMA-376 Part 1 §18.17.4.1 (the 1900 date system of spreadsheet serials).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from eczane.domain.errors import ParseError
from eczane.domain.gs1 import gtin_check_digit, is_valid_gtin
from eczane.domain.text import fold

__all__ = [
    "cell_text",
    "fold_header",
    "last_day_of_month",
    "normalize_code",
    "parse_date",
    "restore_gtin",
]

_EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of the 1900 date system as spreadsheets compute it (Lotus' 1900-02-29 bug included)."""

_SERIAL_MIN, _SERIAL_MAX = 10_000, 80_000
"""Serials accepted as dates: 1927-05-18 .. 2119-01-10 (outside that, a number is not a date)."""

_SCIENTIFIC = re.compile(r"^[0-9]+([.,][0-9]+)?[eE]\+?[0-9]+$")
_DMY = re.compile(r"^(\d{1,2})[./\-](\d{1,2})[./\-](\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})[./\-](\d{4})$")
_YM = re.compile(r"^(\d{4})[./\-](\d{1,2})$")
_CODE = re.compile(r"^[A-Z0-9]{1,20}$")
_TIME_SUFFIX = re.compile(r"^(\S+)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_COMPACT = re.compile(r"^(\d{8}|\d{6})$")


def cell_text(value: object) -> str:
    """A cell as text, undoing Excel's ``12345.0`` for integral numbers.

    >>> cell_text(12345.0), cell_text(" AB1 "), cell_text(None)
    ('12345', 'AB1', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def fold_header(text: object) -> str:
    """Comparison key of a header cell: Turkish-aware case fold, only letters and digits.

    ``"SERİ NO"``, ``"Seri No."``, ``"seri_no"`` all give ``"serino"`` (``domain.text.fold``).
    """
    return fold(cell_text(text))


def restore_gtin(value: object) -> str:
    """Return the GTIN-14 a cell meant, check digit verified.

    Accepts 8–14 digits (left-padded with zeros to 14: GTIN-13 ``869…`` → ``0869…``), a number
    cell (``8699536080017.0``), and scientific notation that still holds every digit
    (``8.699536080017E+12``). Spaces and dashes are ignored.

    Raises:
        ParseError: ``gtin_empty``, ``gtin_precision_lost`` (Excel showed ``8.69954E+12`` and the
            digits are gone), ``gtin_syntax`` or ``gtin_check_digit`` — with a Turkish message.
    """
    if isinstance(value, float):
        if not value.is_integer() or value < 0:
            raise ParseError(f"GTIN bir tam sayı değil: {value!r}", code="gtin_syntax")
        text = str(int(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = cell_text(value).replace(" ", "").replace("-", "")
    if not text:
        raise ParseError("GTIN boş.", code="gtin_empty")
    if _SCIENTIFIC.match(text):
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
            raise ParseError(f"GTIN okunamadı: {text!r}", code="gtin_syntax") from None
        if number != number.to_integral_value():
            raise ParseError(f"GTIN bir tam sayı değil: {text!r}", code="gtin_syntax")
        digits = str(int(number))
        candidate = digits.zfill(14)
        if len(digits) > 14 or not is_valid_gtin(candidate):
            raise ParseError(
                f"GTIN {text!r}: Excel sayıyı bilimsel gösterime çevirmiş ve haneler kaybolmuş; "
                "dosyayı İTS'den yeniden indirip Excel'de açmadan yükleyin.",
                code="gtin_precision_lost")
        return candidate
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not (text.isascii() and text.isdigit()):
        raise ParseError(f"GTIN yalnızca rakamlardan oluşmalı, gelen: {text!r}", code="gtin_syntax")
    if len(text) > 14 or len(text) < 8:
        raise ParseError(f"GTIN 14 hane olmalı, gelen {len(text)} hane: {text!r}", code="gtin_syntax")
    gtin = text.zfill(14)
    if not is_valid_gtin(gtin):
        raise ParseError(
            f"GTIN {gtin} kontrol hanesi tutmuyor (beklenen {gtin_check_digit(gtin[:13])}, "
            f"gelen {gtin[13]}).", code="gtin_check_digit")
    return gtin


def last_day_of_month(year: int, month: int) -> date:
    """The last day of a month (the expiry a month-only SKT means, research/its.md §6)."""
    return date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str) -> int:
    y = int(text)
    return 2000 + y if len(text) == 2 else y


def parse_date(value: object) -> date:
    """A date from a cell: a date/datetime, an Excel serial, or Turkish/ISO text.

    Text forms: ``30.06.2027``, ``30/06/2027``, ``30-06-27``, ``2027-06-30`` (any of them with
    a time part, as Excel writes datetimes to CSV), ``20270630``, ``270630`` (karekod AI 17
    style, day ``00`` = last day), ``06/2027`` and ``2027-06`` (month only → the month's last
    day, as the karekod's day ``00``). Day-first order is the Turkish convention; an American ``06/30/2027`` is refused
    rather than guessed.

    Raises:
        ParseError: ``date_empty`` or ``date_syntax``, with a Turkish message.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value), value)
    text = cell_text(value)
    if not text:
        raise ParseError("Tarih boş.", code="date_empty")
    if m := _TIME_SUFFIX.match(text):
        text = m.group(1)
    try:
        if m := _COMPACT.match(text):
            return _compact_date(m.group(1))
        if m := _DMY.match(text):
            return date(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m := _YMD.match(text):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _MY.match(text):
            return last_day_of_month(int(m.group(2)), int(m.group(1)))
        if m := _YM.match(text):
            return last_day_of_month(int(m.group(1)), int(m.group(2)))
        if re.match(r"^\d+([.,]\d+)?$", text):
            return _from_serial(float(text.replace(",", ".")), text)
    except ValueError:
        raise ParseError(f"Geçersiz tarih: {text!r} (böyle bir gün yok).", code="date_syntax") from None
    raise ParseError(
        f"Tarih okunamadı: {text!r} (beklenen GG.AA.YYYY, YYYY-AA-GG veya AA/YYYY).",
        code="date_syntax")


def _compact_date(digits: str) -> date:
    """``YYYYMMDD``, or ``YYMMDD`` as in the karekod's AI 17 where day ``00`` is the month's last
    day (research/its.md §6). Raises ValueError for an impossible date."""
    if len(digits) == 8:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    year, month, day = 2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:])
    return last_day_of_month(year, month) if day == 0 else date(year, month, day)


def _from_serial(serial: float, shown: object) -> date:
    if not _SERIAL_MIN <= serial < _SERIAL_MAX:
        raise ParseError(f"Tarih okunamadı: {shown!r} bir tarih seri numarası değil.",
                         code="date_syntax")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def normalize_code(value: object, *, what: str, required: bool) -> str:
    """A serial (AI 21) or batch (AI 10) as İTS stores it: upper case, ``[A-Z0-9]``, ≤ 20.

    Number cells lose their ``.0``; Turkish dotted/dotless i become ``I`` (a scanner on a
    Turkish keyboard types ``İ``/``ı`` for ``I``, research/its.md §6). ``what`` names the field
    in messages ("Seri no", "Parti no").

    Raises:
        ParseError: ``empty`` when required and blank, ``bad_code`` otherwise.
    """
    text = cell_text(value).replace("İ", "I").replace("ı", "I").upper()
    if not text:
        if required:
            raise ParseError(f"{what} boş.", code="empty")
        return ""
    if not _CODE.match(text):
        raise ParseError(
            f"{what} en çok 20 harf/rakam olmalı (A-Z, 0-9), gelen: {text!r}", code="bad_code")
    return text
