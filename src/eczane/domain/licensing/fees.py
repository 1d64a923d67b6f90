"""Ruhsat harcı (licence fee): the 2014 İstanbul table and the yearly population brackets.

Harçlar Kanunu (492) tarife (8) VI-1 charges "yeniden eczane açmak üzere verilen ruhsatnameler"
by the population of the place in eight brackets; the amounts are revalued every year
(research/licensing.md §5). Years are data; when the asked year is not loaded the result says
so and shows the latest loaded year instead — never a silent guess.

>>> from decimal import Decimal as D
>>> t = FeeTables(brackets=(5000, None), years={2017: FeeYear(2017, "resmi", "2017-01-01",
...     "RG", (D("65.40"), D("2014.90")))}, istanbul_2014=())
>>> r = fee_for(FeeQuery(year=2017, population=4000), t)
>>> r.amount, r.bracket_label
(Decimal('65.40'), '≤ 5.000')
>>> fee_for(FeeQuery(year=2026, population=4000), t).reasons[0].message[:39]
'2026 yılının harç tutarları yüklü değil'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.reasons import (
    RESEARCH,
    SEED_GUIDE,
    SEED_ISTANBUL,
    Reason,
    dec_str,
    field_label,
    num,
    tl,
)
from eczane.domain.text import fold

OPERATIONS = {"acilis": "Yeni açılış", "devir": "Devir", "il_disi_nakil": "Başka ilden nakil",
              "il_ici_nakil": "Aynı il içinde nakil", "vereseli": "Vereseli eczane ruhsatı"}
S_TARIFF = f"{RESEARCH} §5 (Harçlar Kanunu 492, tarife 8, VI-1)"


@dataclass(frozen=True)
class FeeYear:
    year: int
    status: str
    """resmi (official) or tahmini (estimate, not official)."""
    valid_from: str
    source: str
    amounts: tuple[Decimal | None, ...]
    """One amount per bracket; None = not known for that year."""


@dataclass(frozen=True)
class IstanbulFee:
    district: str
    population: int
    fee: Decimal


@dataclass(frozen=True)
class FeeTables:
    brackets: tuple[int | None, ...]
    """Inclusive upper bounds of the population brackets; None = no upper bound."""
    years: dict[int, FeeYear]
    istanbul_2014: tuple[IstanbulFee, ...]
    istanbul_source: str = f"{SEED_ISTANBUL} §2014 YILI HARÇ BEDELLERİ"
    istanbul_note: str = ""

    def bracket_index(self, population: int) -> int:
        for i, upper in enumerate(self.brackets):
            if upper is None or population <= upper:
                return i
        raise ParseError(f"Nüfus {population} hiçbir dilime düşmüyor.", code="bad_value")

    def bracket_label(self, i: int) -> str:
        upper = self.brackets[i]
        lower = self.brackets[i - 1] if i else None
        if lower is None:
            return f"≤ {_t(upper or 0)}"
        if upper is None:
            return f"> {_t(lower)}"
        return f"{_t(lower + 1)} – {_t(upper)}"

    def district(self, name: str) -> IstanbulFee | None:
        key = fold(name)
        return next((r for r in self.istanbul_2014 if fold(r.district) == key), None)


@dataclass(frozen=True)
class FeeQuery:
    year: int
    population: int | None = None
    district: str | None = None
    """An İstanbul district of the 2014 table (its 2014 population is used when no population)."""
    operation: str = "acilis"

    @classmethod
    def parse(cls, data: dict[str, Any]) -> FeeQuery:
        if data.get("yil") in (None, ""):
            raise ParseError(f"{field_label('yil')} alanı zorunlu (ör. 2026).", code="missing")
        try:
            year = int(str(data.get("yil")))
        except ValueError:
            raise ParseError(f"{field_label('yil')} bir yıl olmalı: {data.get('yil')!r}.", code="bad_number") from None
        pop_raw = data.get("nufus")
        pop = None
        if pop_raw not in (None, ""):
            try:
                pop = int(str(pop_raw).replace(".", ""))
            except ValueError:
                raise ParseError(f"{field_label('nufus')} tam sayı olmalı: {pop_raw!r}.", code="bad_number") from None
        op = str(data.get("islem") or "acilis")
        if op not in OPERATIONS:
            raise ParseError(f"{field_label('islem')} bilinmiyor: {op!r} ({', '.join(OPERATIONS)}).",
                             code="bad_value")
        district = str(data.get("ilce") or "").strip() or None
        if pop is None and district is None:
            raise ParseError(f"{field_label('nufus')} veya {field_label('ilce')} alanlarından biri gerekli.", code="missing")
        return cls(year, pop, district, op)


@dataclass(frozen=True)
class FeeResult:
    amount: Decimal | None
    year_used: int | None
    status: str | None
    bracket_label: str | None
    population: int | None
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {"result": {"tutar": dec_str(self.amount) if self.amount is not None else None,
                           "yil": self.year_used, "durum": self.status,
                           "dilim": self.bracket_label, "nufus": self.population},
                "reasons": [r.to_json() for r in self.reasons]}


def fee_for(q: FeeQuery, t: FeeTables) -> FeeResult:
    """The fee for a year and population (or İstanbul district), with warnings.

    References: seed 001 §Eczanenin devir ve nakli ("Aynı il içindeki nakillerde yeni ruhsatname
    düzenlenmez ve harç ödenmez"); seed 002 §2014 table and its "fark bedeli" note;
    research/licensing.md §5 (brackets, 2017 amounts, estimates).
    """
    if q.operation == "il_ici_nakil":
        return FeeResult(Decimal(0), q.year, "resmi", None, q.population, (Reason(
            "il-ici-nakil", f"{SEED_GUIDE} §Eczanenin devir ve nakli", "Aynı il içindeki "
            "nakillerde yeni ruhsatname düzenlenmez ve harç ödenmez.", True),))
    reasons: list[Reason] = []
    row = t.district(q.district) if q.district else None
    if q.district and row is None and q.population is None:
        raise ParseError(f"'{q.district}' 2014 İstanbul tablosunda yok; nüfusu girin.",
                         code="bad_value")
    population = q.population if q.population is not None else (row.population if row else None)
    assert population is not None
    if row is not None and q.year == 2014 and q.population is None:
        reasons.append(Reason("istanbul-2014", t.istanbul_source, f"{row.district}: 2014 nüfusu "
                              f"{_t(row.population)}, harç {tl(row.fee)}.", None))
        if t.istanbul_note:
            reasons.append(Reason("fark-bedeli", t.istanbul_source, t.istanbul_note, None))
        return FeeResult(row.fee, 2014, "resmi", t.bracket_label(t.bracket_index(row.population)),
                         row.population, tuple(reasons))
    if row is not None and q.population is None:
        reasons.append(Reason("nufus-2014", t.istanbul_source, f"{row.district} nüfusu 2014 "
                              f"tablosundan alındı ({_t(row.population)}); güncel nüfusu "
                              "girerseniz dilim değişebilir.", None))
    i = t.bracket_index(population)
    label = t.bracket_label(i)
    year = t.years.get(q.year)
    if year is None:
        older = sorted((y for y in t.years.values() if y.year < q.year and y.amounts[i] is not None),
                       key=lambda y: y.year)
        if not older:
            return FeeResult(None, None, None, label, population, (Reason(
                "yil-yok", S_TARIFF, f"{q.year} yılının harç tutarları yüklü değil ve daha önceki "
                "bir yıl da yok.", False),))
        year = older[-1]
        reasons.append(Reason("yil-yok", S_TARIFF, f"{q.year} yılının harç tutarları yüklü "
                              f"değil. Gösterilen tutar {year.year} yılına ait ({_status(year)}); "
                              "güncel tutarı vergi dairesinden teyit edin.", False))
    amount = year.amounts[i]
    if amount is None:
        reasons.append(Reason("dilim-yok", year.source, f"{year.year} yılı için {label} dilimi "
                              "yüklü değil.", False))
    else:
        reasons.append(Reason("dilim", f"{S_TARIFF}; {year.source}", f"Nüfus {_t(population)} → "
                              f"{label} dilimi: {year.year} yılı harcı {tl(amount)}.", True))
    if year.status != "resmi":
        reasons.append(Reason("tahmini", year.source, f"{year.year} tutarları resmî değildir, "
                              "tahmindir.", False))
    if q.operation in ("devir", "vereseli", "il_disi_nakil"):
        reasons.append(Reason("islem-harci", f"{RESEARCH} §5; {SEED_GUIDE} §Madde 8",
                              f"{OPERATIONS[q.operation]} için aynı tarifenin uygulandığı "
                              "varsayıldı (vereseli ruhsattan harç alınır: Kanun md. 8; devir ve "
                              "nakil için tarife doğrulanmadı).", None))
    return FeeResult(amount, year.year, year.status, label, population, tuple(reasons))


def _status(y: FeeYear) -> str:
    return "resmî" if y.status == "resmi" else "tahmini, resmî değil"


def _t(n: int) -> str:
    return num(Decimal(n), 0)
