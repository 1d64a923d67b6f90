"""The one shape every licensing conclusion shares: a rule, its source and a Turkish sentence.

>>> r = Reason("alan", "seed 001 §Yerin özellikleri 2", "Alan 36 m² ≥ 35 m².", ok=True)
>>> r.to_json()["rule"]
'alan'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.formatting import date_tr, number_tr

SEED_GUIDE = "seed 001_271ab17188307080.txt"
"""The guide to opening a pharmacy (2012 law, 2014 regulation, costs)."""
SEED_ISTANBUL = "seed 002_dfc04fed92d85993.txt"
"""İstanbul İl Sağlık Müdürlüğü, Eczacılık Şube Müdürlüğü: Eczane Açılış page."""
RESEARCH = "research/licensing.md"


@dataclass(frozen=True)
class Reason:
    """Why a conclusion was reached."""

    rule: str
    """Stable machine id of the rule (``alan``, ``gecici3-acma``...)."""
    source: str
    """Where the rule is written: seed file + section, law article or research note."""
    message: str
    """The conclusion in Turkish, for the pharmacist."""
    ok: bool | None = None
    """True = satisfied / allowed, False = broken / refused, None = information."""

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "source": self.source, "message": self.message, "ok": self.ok}


def tl(amount: Decimal) -> str:
    """Turkish money format: ``1.074,30 TL``.

    >>> tl(Decimal("28350"))
    '28.350,00 TL'
    >>> tl(Decimal("-1234.5"))
    '-1.234,50 TL'
    """
    return num(amount, 2) + " TL"


def num(value: Decimal, places: int = 2, *, trim: bool = False) -> str:
    """Turkish number format (``.`` thousands, ``,`` decimals).

    >>> num(Decimal("1234.5"), 2)
    '1.234,50'
    >>> num(Decimal("1.250"), 3, trim=True)
    '1,25'
    """
    return number_tr(value, places, trim=trim)  # the one formatting module


def tr_date(d: date) -> str:
    """``23.11.2026`` (the way Turkish forms write dates)."""
    return date_tr(d)


# --- small parsing helpers shared by the ``parse`` classmethods ---------------------------

def get_date(data: dict[str, Any], key: str, *, required: bool = False) -> date | None:
    """A ``YYYY-MM-DD`` (or ``GG.AA.YYYY``) field, or a Turkish ParseError naming it."""
    raw = data.get(key)
    if raw is None or raw == "":
        if required:
            raise ParseError(f"'{key}' alanı zorunlu (YYYY-AA-GG).", code="missing")
        return None
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    try:
        if "." in text:
            d, m, y = text.split(".")
            return date(int(y), int(m), int(d))
        return date.fromisoformat(text)
    except ValueError:
        raise ParseError(f"'{key}' alanı geçerli bir tarih değil: {raw!r} (YYYY-AA-GG bekleniyor).",
                         code="bad_date") from None


def get_decimal(data: dict[str, Any], key: str, *, default: Decimal | None = None,
                minimum: Decimal | None = Decimal(0), money: bool = False) -> Decimal:
    """A number field (``12,5`` and ``12.5`` both accepted), or a Turkish ParseError."""
    raw = data.get(key)
    if raw is None or raw == "":
        if default is None:
            raise ParseError(f"'{key}' alanı zorunlu (sayı).", code="missing")
        return default
    if isinstance(raw, bool):
        raise ParseError(f"'{key}' alanı sayı olmalı: {raw!r}.", code="bad_number")
    return parse_decimal(raw, key, minimum=minimum, money=money)


def parse_decimal(raw: Any, label: str, *, minimum: Decimal | None = Decimal(0),
                  money: bool = False) -> Decimal:
    """``12,5`` / ``12.5``; with ``money`` also ``1.500`` = 1500 (dots before 3 digits).

    >>> parse_decimal("1.500", "x", money=True), parse_decimal("1.500", "x")
    (Decimal('1500'), Decimal('1.500'))
    >>> parse_decimal("28.350,75", "x")
    Decimal('28350.75')
    """
    text = str(raw).strip().replace(" ", "").replace("₺", "").replace("TL", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif money and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise ParseError(f"'{label}' alanı sayı olmalı: {raw!r}.", code="bad_number") from None
    if not value.is_finite():
        raise ParseError(f"'{label}' alanı sayı olmalı: {raw!r}.", code="bad_number")
    if minimum is not None and value < minimum:
        raise ParseError(f"'{label}' alanı {num(minimum, 2, trim=True)} veya daha büyük olmalı: "
                         f"{raw!r}.", code="out_of_range")
    return value


def get_bool(data: dict[str, Any], key: str, *, default: bool | None = False) -> bool | None:
    """``true/false``, ``evet/hayır``, ``1/0``, ``on`` (HTML checkbox); None when unknown."""
    raw = data.get(key)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "1", "evet", "on", "yes", "var"}:
        return True
    if text in {"false", "0", "hayır", "hayir", "no", "yok"}:
        return False
    if text in {"bilinmiyor", "?", "unknown"}:
        return None
    raise ParseError(f"'{key}' alanı evet/hayır olmalı: {raw!r}.", code="bad_bool")


def dec_str(value: Decimal) -> str:
    """A Decimal for JSON without trailing zeros or exponent.

    >>> dec_str(Decimal("8.7500")), dec_str(Decimal("10.000")), dec_str(Decimal("1E+1"))
    ('8.75', '10', '10')
    """
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")
