"""Feasibility (fizibilite): opening cost, starting capital, monthly costs, profit, payback.

seed 001 §ECZANE AÇMA MALİYETİ: ~300.000 TL to open ~40 m² (2023); "Birçok eczacı, işe ilk
girdiği anda 70-80 bin liralık sermaye ile dükkanını açmakta, geri kalan tutarları uzun vadelere
bölmektedir."; the monthly cost table (rent 8.000, stopaj %20, …, total 28.350 TL).
§KARLI BİR İŞ Mİ?: "Ortalama olarak ay sonunda elde ettiğiniz cironun yüzde 12'si kar olarak
kalacaktır."

Two readings of the 12 %, chosen by the caller (:data:`READINGS`):

* ``ciro_payi`` — **the seed's reading, the default**: what *remains* at month end is 12 % of
  turnover, so the monthly costs are already inside it: ``profit = turnover × 12 %``. There is
  no break-even in this reading; the costs show what gross margin the 12 % presupposes.
* ``brut_marj`` — an alternative, shown only when asked for and labelled as such: 12 % is the
  margin before the monthly costs, ``profit = turnover × 12 % − costs``, break-even
  ``= costs ÷ 12 %``.

>>> from dataclasses import replace
>>> from decimal import Decimal as D
>>> f = FeasibilityInput(D(300000), D(8000), D("0.20"), (CostItem("x", "Diğer", D(18750)),),
...                      D("0.12"), D(400000))
>>> feasibility(f).monthly_profit, feasibility(f).break_even
(Decimal('48000.00'), None)
>>> g = feasibility(replace(f, reading="brut_marj"))
>>> g.monthly_profit, g.break_even
(Decimal('19650.00'), Decimal('236250.00'))
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.reasons import (
    SEED_GUIDE,
    Reason,
    dec_str,
    field_label,
    get_decimal,
    num,
    tl,
)
from eczane.domain.text import with_suffix

CENT = Decimal("0.01")
S_COST = f"{SEED_GUIDE} §ECZANE AÇMA MALİYETİ – SERMAYE İHTİYACI"
S_PROFIT = f"{SEED_GUIDE} §KARLI BİR İŞ Mİ?"

READINGS = {
    "ciro_payi": "Kaynağın okuması: kâr, cironun bu payıdır (giderler içinde)",
    "brut_marj": "Alternatif okuma: bu pay giderlerden önceki brüt paydır, giderler ayrıca düşülür",
}
"""The two readings of seed 001's "cironun yüzde 12'si kar olarak kalacaktır"."""


@dataclass(frozen=True)
class CostItem:
    key: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class StartingCapital:
    """The seed's cash at opening: most pharmacists start with 70–80 bin TL, the rest on terms."""

    low: Decimal
    high: Decimal
    text: str
    """The seed's sentence."""


@dataclass(frozen=True)
class FeasibilityInput:
    capital: Decimal
    """Total cost of opening (seed: ~300.000 TL for 40 m², 2023)."""
    rent: Decimal
    stopaj_rate: Decimal
    """Withholding on rent, paid by the tenant (seed: STOPAJ %20)."""
    items: tuple[CostItem, ...]
    profit_rate: Decimal
    turnover: Decimal | None = None
    """Expected monthly turnover (ciro); None = no profit is computed."""
    reading: str = "ciro_payi"
    """One of :data:`READINGS`; the seed's reading is the default."""
    own_cash: Decimal | None = None
    """The pharmacist's own cash at opening; None = not given."""
    starting: StartingCapital | None = None
    """The seed's 70–80 bin TL (data: feasibility.yaml)."""

    @classmethod
    def parse(cls, data: dict[str, Any], defaults: FeasibilityInput) -> FeasibilityInput:
        """Fields missing from ``data`` keep the seed's values (``defaults``)."""
        items = []
        given = data.get("giderler") or {}
        if not isinstance(given, dict):
            raise ParseError(f"{field_label('giderler')} bir nesne olmalı: {{kalem: tutar}}.",
                             code="bad_value")
        known = {i.key: i.label for i in defaults.items}
        for key in given:
            if key not in known:
                raise ParseError(f"Bilinmeyen gider kalemi: {key!r} (beklenen: "
                                 f"{', '.join(sorted(known))}).", code="bad_value")
        for item in defaults.items:
            items.append(CostItem(item.key, item.label,
                                  get_decimal(given, item.key, default=item.amount, money=True,
                                              label=item.label)))
        rate = get_decimal(data, "kar_orani", default=defaults.profit_rate)
        if rate > 1:
            rate = rate / 100  # "12" means 12 %
        if rate <= 0:
            raise ParseError(f"{field_label('kar_orani')} sıfırdan büyük olmalı.",
                             code="out_of_range")
        stopaj = get_decimal(data, "stopaj_orani", default=defaults.stopaj_rate)
        if stopaj > 1:
            stopaj = stopaj / 100
        reading = str(data.get("kar_okumasi") or defaults.reading)
        if reading not in READINGS:
            raise ParseError(f"{field_label('kar_okumasi')} bilinmiyor: {reading!r} (beklenen: "
                             f"{', '.join(READINGS)}).", code="bad_value")
        turnover = data.get("ciro")
        cash = data.get("nakit_sermaye")
        return cls(get_decimal(data, "sermaye", default=defaults.capital, money=True),
                   get_decimal(data, "kira", default=defaults.rent, money=True), stopaj,
                   tuple(items), rate,
                   None if turnover in (None, "") else get_decimal(data, "ciro", money=True),
                   reading,
                   None if cash in (None, "") else get_decimal(data, "nakit_sermaye", money=True),
                   defaults.starting)


@dataclass(frozen=True)
class FeasibilityResult:
    lines: tuple[tuple[str, Decimal], ...]
    """(label, monthly amount), rent and stopaj first."""
    monthly_costs: Decimal
    break_even: Decimal | None
    """Only in the ``brut_marj`` reading; None in the seed's reading (no break-even there)."""
    monthly_profit: Decimal | None
    payback_months: Decimal | None
    financed: tuple[Decimal, Decimal] | None
    """What is left to spread over terms: capital − the seed's 80 and 70 bin TL (or own cash)."""
    reasons: tuple[Reason, ...]
    input: FeasibilityInput

    @property
    def reading_label(self) -> str:
        """The chosen reading with the rate in it ("… kâr cironun %12'si …")."""
        pct = _pct(self.input.profit_rate)
        if self.input.reading == "ciro_payi":
            return f"Kaynağın okuması: kâr cironun {with_suffix(pct)} (giderler bunun içinde)"
        return (f"Alternatif okuma: {pct} giderlerden önceki brüt pay, giderler ayrıca "
                "düşülür")

    def profit_at(self, turnover: Decimal) -> Decimal:
        base = turnover * self.input.profit_rate
        return base - self.monthly_costs if self.input.reading == "brut_marj" else base

    def chart(self, points: int = 5) -> tuple[tuple[Decimal, Decimal], ...]:
        """(turnover, profit) pairs from 0 to 2 × max(break-even or costs, turnover)."""
        top = max(self.break_even or self.monthly_costs * 8, self.input.turnover or Decimal(0)) * 2
        xs = [top * i / (points - 1) for i in range(points)]
        return tuple((x, self.profit_at(x)) for x in xs)

    def to_json(self) -> dict[str, Any]:
        def opt(v: Decimal | None) -> str | None:
            return None if v is None else dec_str(v)

        return {"result": {
            "kar_okumasi": self.input.reading, "kar_okumasi_aciklama": self.reading_label,
            "aylik_gider": dec_str(self.monthly_costs),
            "basabas_cirosu": opt(self.break_even),
            "aylik_kar": opt(self.monthly_profit),
            "geri_donus_ay": opt(self.payback_months),
            "acilis_maliyeti": dec_str(self.input.capital),
            "baslangic_sermayesi": None if self.input.starting is None else {
                "en_az": dec_str(self.input.starting.low),
                "en_cok": dec_str(self.input.starting.high)},
            "nakit_sermaye": opt(self.input.own_cash),
            "vadeye_kalan": None if self.financed is None else {
                "en_az": dec_str(self.financed[0]), "en_cok": dec_str(self.financed[1])},
            "kalemler": [{"ad": k, "tutar": dec_str(v)} for k, v in self.lines]},
            "reasons": [r.to_json() for r in self.reasons]}


def _pct(rate: Decimal) -> str:
    return "%" + num(rate * 100, 2, trim=True)


def feasibility(f: FeasibilityInput) -> FeasibilityResult:
    """Monthly costs, the capital plan, profit and payback under the chosen reading.

    References: seed 001 §ECZANE AÇMA MALİYETİ (300 bin TL, 70–80 bin TL at the start, cost
    table), §KARLI BİR İŞ Mİ? ("cironun yüzde 12'si kar olarak kalacaktır").
    """
    stopaj = (f.rent * f.stopaj_rate).quantize(CENT, ROUND_HALF_UP)
    lines = [("Kira", f.rent), (f"Stopaj ({_pct(f.stopaj_rate)})", stopaj)]
    lines += [(i.label, i.amount) for i in f.items]
    costs = sum((v for _, v in lines), Decimal(0)).quantize(CENT)
    pct = _pct(f.profit_rate)
    seed_reading = f.reading == "ciro_payi"
    reasons = [Reason("aylik-gider", S_COST, f"Aylık giderler toplamı {tl(costs)} (kaynaktaki "
                      "2023 ortalaması 28.350,00 TL).", None)]
    even = None
    if seed_reading:
        reasons.append(Reason("kar-orani", S_PROFIT, f"Kaynağın okuması: ay sonunda cironun "
                              f"{with_suffix(pct)} kâr olarak kalır; aylık giderler bu kârın "
                              "içindedir, ayrıca düşülmez. Bu okumada başabaş cirosu yoktur.",
                              None))
    else:
        even = (costs / f.profit_rate).quantize(CENT, ROUND_HALF_UP)
        reasons.append(Reason("kar-orani-alternatif", f"{S_PROFIT} (alternatif okuma)",
                              f"Alternatif okuma (kaynağın okuması değil): cironun "
                              f"{with_suffix(pct)} giderlerden önceki brüt pay sayıldı; başabaş "
                              f"cirosu = {tl(costs)} ÷ {pct} = {tl(even)}.", None))
    reasons.extend(_capital_plan(f))
    financed = _financed(f)
    profit = payback = None
    if f.turnover is not None:
        gross = (f.turnover * f.profit_rate).quantize(CENT, ROUND_HALF_UP)
        if seed_reading:
            profit = gross
            reasons.append(Reason("aylik-kar", S_PROFIT, f"Aylık ciro {tl(f.turnover)} × {pct} "
                                  f"= {tl(profit)} aylık kâr.", profit > 0))
            if f.turnover > 0:
                share = costs / f.turnover * 100
                reasons.append(Reason(
                    "gider-payi", f"{S_PROFIT}; {S_COST} (hesap)",
                    f"Aylık giderler cironun {with_suffix(_pct(share / 100))}; kaynağın "
                    f"{pct} kârı için ilaç alış maliyeti dışındaki brüt kâr payı en az "
                    f"{_pct(f.profit_rate + share / 100)} olmalıdır.", None))
        else:
            profit = (gross - costs).quantize(CENT, ROUND_HALF_UP)
            word = "kâr" if profit > 0 else "zarar"
            reasons.append(Reason("aylik-kar", f"{S_PROFIT} (alternatif okuma)",
                                  f"Aylık ciro {tl(f.turnover)} × {pct} − {tl(costs)} = "
                                  f"{tl(profit)} aylık {word}.", profit > 0))
        if profit > 0:
            payback = (f.capital / profit).quantize(Decimal("0.1"), ROUND_HALF_UP)
            reasons.append(Reason("geri-donus", S_COST, f"Açılış maliyeti {tl(f.capital)} ÷ "
                                  f"{tl(profit)} = {num(payback, 1)} ayda geri döner.", None))
    return FeasibilityResult(tuple(lines), costs, even, profit, payback, financed,
                             tuple(reasons), f)


def _financed(f: FeasibilityInput) -> tuple[Decimal, Decimal] | None:
    if f.own_cash is not None:
        rest = max(Decimal(0), f.capital - f.own_cash)
        return rest, rest
    if f.starting is None:
        return None
    return (max(Decimal(0), f.capital - f.starting.high),
            max(Decimal(0), f.capital - f.starting.low))


def _capital_plan(f: FeasibilityInput) -> list[Reason]:
    out = [Reason("sermaye", S_COST, f"Açılış maliyeti {tl(f.capital)} (kaynakta 2023'te "
                  "40 m² için ortalama 300.000 TL).", None)]
    s = f.starting
    if s is None:
        return out
    band = f"{tl(s.low)}–{tl(s.high)}"
    if f.own_cash is None:
        lo, hi = _financed(f) or (Decimal(0), Decimal(0))
        out.append(Reason("baslangic-sermayesi", S_COST, f"Kaynağa göre birçok eczacı "
                          f"dükkânını {band} sermayeyle açar; kalan {tl(lo)}–{tl(hi)} uzun "
                          "vadelere bölünür (kuruluşlar eczanelere bu vadeyi tanır).", None))
        return out
    rest = max(Decimal(0), f.capital - f.own_cash)
    ok = f.own_cash >= s.low
    verdict = ("kaynaktaki aralığın içinde veya üstünde" if ok
               else f"kaynaktaki en az {tl(s.low)} tutarının altında")
    out.append(Reason("baslangic-sermayesi", S_COST, f"Nakit sermayeniz {tl(f.own_cash)}: "
                      f"{verdict} (kaynak: {band}); vadeye kalan {tl(rest)}.", ok))
    return out
