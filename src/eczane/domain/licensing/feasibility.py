"""Feasibility (fizibilite): capital, monthly costs, profit at a share of turnover, break-even.

seed 001 §ECZANE AÇMA MALİYETİ: ~300.000 TL to open ~40 m² (2023); the monthly cost table
(rent 8.000, stopaj %20, …, total 28.350 TL); §KARLI BİR İŞ Mİ?: "Ortalama olarak ay sonunda
elde ettiğiniz cironun yüzde 12'si kar olarak kalacaktır." We read the 12 % as what remains of
turnover after the cost of goods, before the monthly costs — otherwise no break-even exists —
so ``profit = turnover × rate − monthly costs`` and ``break-even = monthly costs ÷ rate``.

>>> from decimal import Decimal as D
>>> r = feasibility(FeasibilityInput(D(300000), D(8000), D("0.20"),
...     (CostItem("x", "Diğer", D(18750)),), D("0.12"), D(300000)))
>>> r.monthly_costs, r.break_even, r.monthly_profit
(Decimal('28350.00'), Decimal('236250.00'), Decimal('7650.00'))
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.reasons import SEED_GUIDE, Reason, dec_str, get_decimal, num, tl

CENT = Decimal("0.01")
S_COST = f"{SEED_GUIDE} §ECZANE AÇMA MALİYETİ – SERMAYE İHTİYACI"
S_PROFIT = f"{SEED_GUIDE} §KARLI BİR İŞ Mİ?"


@dataclass(frozen=True)
class CostItem:
    key: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class FeasibilityInput:
    capital: Decimal
    rent: Decimal
    stopaj_rate: Decimal
    """Withholding on rent, paid by the tenant (seed: STOPAJ %20)."""
    items: tuple[CostItem, ...]
    profit_rate: Decimal
    turnover: Decimal | None = None
    """Expected monthly turnover (ciro); None = only the break-even is computed."""

    @classmethod
    def parse(cls, data: dict[str, Any], defaults: FeasibilityInput) -> FeasibilityInput:
        """Fields missing from ``data`` keep the seed's values (``defaults``)."""
        items = []
        given = data.get("giderler") or {}
        if not isinstance(given, dict):
            raise ParseError("'giderler' bir nesne olmalı: {kalem: tutar}.", code="bad_value")
        known = {i.key for i in defaults.items}
        for key in given:
            if key not in known:
                raise ParseError(f"Bilinmeyen gider kalemi: {key!r} (beklenen: "
                                 f"{', '.join(sorted(known))}).", code="bad_value")
        for item in defaults.items:
            items.append(CostItem(item.key, item.label,
                                  get_decimal(given, item.key, default=item.amount, money=True)))
        rate = get_decimal(data, "kar_orani", default=defaults.profit_rate)
        if rate > 1:
            rate = rate / 100  # "12" means 12 %
        if rate <= 0:
            raise ParseError("'kar_orani' sıfırdan büyük olmalı.", code="out_of_range")
        stopaj = get_decimal(data, "stopaj_orani", default=defaults.stopaj_rate)
        if stopaj > 1:
            stopaj = stopaj / 100
        turnover = data.get("ciro")
        return cls(get_decimal(data, "sermaye", default=defaults.capital, money=True),
                   get_decimal(data, "kira", default=defaults.rent, money=True), stopaj, tuple(items), rate,
                   None if turnover in (None, "") else get_decimal(data, "ciro", money=True))


@dataclass(frozen=True)
class FeasibilityResult:
    lines: tuple[tuple[str, Decimal], ...]
    """(label, monthly amount), rent and stopaj first."""
    monthly_costs: Decimal
    break_even: Decimal
    monthly_profit: Decimal | None
    payback_months: Decimal | None
    reasons: tuple[Reason, ...]
    input: FeasibilityInput

    def chart(self, points: int = 5) -> tuple[tuple[Decimal, Decimal], ...]:
        """(turnover, profit) pairs from 0 to 2 × max(break-even, turnover), for the SVG chart."""
        top = max(self.break_even, self.input.turnover or Decimal(0)) * 2
        return tuple((top * i / (points - 1), (top * i / (points - 1)) * self.input.profit_rate
                      - self.monthly_costs) for i in range(points))

    def to_json(self) -> dict[str, Any]:
        return {"result": {
            "aylik_gider": dec_str(self.monthly_costs),
            "basabas_cirosu": dec_str(self.break_even),
            "aylik_kar": None if self.monthly_profit is None else dec_str(self.monthly_profit),
            "geri_donus_ay": None if self.payback_months is None
            else dec_str(self.payback_months),
            "kalemler": [{"ad": k, "tutar": dec_str(v)} for k, v in self.lines]},
            "reasons": [r.to_json() for r in self.reasons]}


def feasibility(f: FeasibilityInput) -> FeasibilityResult:
    """Monthly costs, break-even turnover, profit and payback for the given turnover.

    References: seed 001 §ECZANE AÇMA MALİYETİ (costs, capital), §KARLI BİR İŞ Mİ? (12 %).
    """
    stopaj = (f.rent * f.stopaj_rate).quantize(CENT, ROUND_HALF_UP)
    lines = [("Kira", f.rent), (f"Stopaj (%{num(f.stopaj_rate * 100, 2, trim=True)})", stopaj)]
    lines += [(i.label, i.amount) for i in f.items]
    costs = sum((v for _, v in lines), Decimal(0)).quantize(CENT)
    even = (costs / f.profit_rate).quantize(CENT, ROUND_HALF_UP)
    pct = num(f.profit_rate * 100, 2, trim=True)
    reasons = [
        Reason("aylik-gider", S_COST, f"Aylık giderler toplamı {tl(costs)} (kaynaktaki 2023 "
               "ortalaması 28.350 TL).", None),
        Reason("kar-orani", S_PROFIT, f"Cironun %{pct}'i kâr payı olarak alındı; başabaş "
               f"cirosu = {tl(costs)} ÷ %{pct} = {tl(even)}.", None),
        Reason("sermaye", S_COST, f"Başlangıç sermayesi {tl(f.capital)} (2023'te 40 m² için "
               "ortalama 300 bin lira).", None),
    ]
    profit = payback = None
    if f.turnover is not None:
        profit = (f.turnover * f.profit_rate - costs).quantize(CENT, ROUND_HALF_UP)
        ok = profit > 0
        reasons.append(Reason("aylik-kar", S_PROFIT, f"Aylık ciro {tl(f.turnover)} × %{pct} − "
                              f"{tl(costs)} = {tl(profit)} aylık "
                              f"{'kâr' if ok else 'zarar'}.", ok))
        if ok:
            payback = (f.capital / profit).quantize(Decimal("0.1"), ROUND_HALF_UP)
            reasons.append(Reason("geri-donus", S_COST, f"Sermaye {tl(f.capital)} ÷ {tl(profit)}"
                                  f" = {num(payback, 1)} ayda geri döner.", None))
    return FeasibilityResult(tuple(lines), costs, even, profit, payback, tuple(reasons), f)
