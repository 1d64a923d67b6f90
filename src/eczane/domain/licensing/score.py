"""Yerleştirme puanı (placement score) with the arithmetic written out.

seed 001 §ECZANE AÇILMASI KRİTERLERİ: "Eczacıların, o ilçede mesleki faaliyetlerini
sürdürdükleri yıl sayısı ile ilçe katsayısının çarpımı suretiyle hizmet puanı hesaplanır.
Eczacı birden fazla ilçede çalışmış ise hizmet puanları toplanır. Hizmet puanı hesaplanırken
ilçe katsayısı, doktora yapmış olanlar için dörtte bir oranında artırılarak uygulanır.
Eczacılara, meslekte geçirilen toplam yıl sayısı ile eczacının hizmet puanı toplamı sonucu
tespit edilen yerleştirme puanı verilir." and "Eczanesini devretmiş bir eczacı, yeni eczane
açmak istediğinde yerleştirme puanı yarı oranında düşürülür."

District coefficients (ilçe katsayıları) are not public (research/licensing.md §2): the
pharmacist types them in.

>>> from decimal import Decimal as D
>>> s = placement_score(ScoreInput(D(10), (DistrictService("Kadıköy", D(4), D("1.5")),),
...                                phd=True, transferred_before=True))
>>> [dec_str(x) for x in (s.service_points, s.total, s.final)]
['7.5', '17.5', '8.75']
>>> s.arithmetic[0]
'Kadıköy: 4 yıl × (1,5 × 1,25) = 7,5'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.reasons import (
    RESEARCH,
    SEED_GUIDE,
    Reason,
    dec_str,
    field_label,
    get_bool,
    num,
    parse_decimal,
)

SOURCE = f"{SEED_GUIDE} §ECZANE AÇILMASI KRİTERLERİ (Yerleştirme puanı hesaplaması)"


@dataclass(frozen=True)
class DistrictService:
    """Years of professional activity in one district and that district's coefficient."""

    district: str
    years: Decimal
    coefficient: Decimal
    """İlçe katsayısı as announced by TİTCK (input: not public)."""


@dataclass(frozen=True)
class ScoreInput:
    years_in_profession: Decimal
    """Meslekte geçirilen toplam yıl."""
    districts: tuple[DistrictService, ...]
    phd: bool = False
    """Doktora: each coefficient × 1.25."""
    transferred_before: bool = False
    """Has transferred (devretmiş) a pharmacy before: the score is halved."""

    @classmethod
    def parse(cls, data: dict[str, Any]) -> ScoreInput:
        """From ``{"meslek_yili", "ilceler": [{"ilce", "yil", "katsayi"}], "doktora", "devir"}``."""
        years = parse_decimal(data.get("meslek_yili"), "meslek_yili") \
            if data.get("meslek_yili") not in (None, "") else None
        if years is None:
            raise ParseError(f"{field_label('meslek_yili')} alanı zorunlu (sayı).", code="missing")
        rows = data.get("ilceler") or []
        if not isinstance(rows, list):
            raise ParseError(f"{field_label('ilceler')} bir liste olmalı.", code="bad_value")
        districts = []
        for i, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise ParseError(f"{field_label(f'ilceler[{i}]')} bir nesne olmalı.", code="bad_row")
            name = str(row.get("ilce") or "").strip()
            if not name:
                raise ParseError(f"{field_label(f'ilceler[{i}].ilce')} boş olamaz.", code="missing")
            y = parse_decimal(row.get("yil"), f"ilceler[{i}].yil ({name})")
            k = parse_decimal(row.get("katsayi"), f"ilceler[{i}].katsayi ({name})")
            if k <= 0:
                raise ParseError(f"{field_label(f'ilceler[{i}].katsayi ({name})')} sıfırdan büyük olmalı.",
                                 code="out_of_range")
            districts.append(DistrictService(name, y, k))
        total_district_years = sum((d.years for d in districts), Decimal(0))
        if total_district_years > years:
            raise ParseError(
                f"İlçelerdeki yılların toplamı ({num(total_district_years, 2, trim=True)}) meslek "
                f"yılından ({num(years, 2, trim=True)}) fazla olamaz.", code="inconsistent")
        return cls(years, tuple(districts), phd=bool(get_bool(data, "doktora")),
                   transferred_before=bool(get_bool(data, "devir")))


@dataclass(frozen=True)
class ScoreLine:
    district: str
    years: Decimal
    coefficient: Decimal
    effective_coefficient: Decimal
    points: Decimal


@dataclass(frozen=True)
class ScoreResult:
    lines: tuple[ScoreLine, ...]
    service_points: Decimal
    total: Decimal
    final: Decimal
    arithmetic: tuple[str, ...]
    """The calculation, one Turkish line per step."""
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "result": {
                "hizmet_puani": dec_str(self.service_points),
                "yerlestirme_puani_ham": dec_str(self.total),
                "yerlestirme_puani": dec_str(self.final),
                "satirlar": [{"ilce": x.district, "yil": dec_str(x.years), "katsayi": dec_str(x.coefficient),
                              "uygulanan_katsayi": dec_str(x.effective_coefficient),
                              "puan": dec_str(x.points)} for x in self.lines],
                "aritmetik": list(self.arithmetic),
            },
            "reasons": [r.to_json() for r in self.reasons],
        }


def _n(d: Decimal) -> str:
    return num(d, 4, trim=True)


def placement_score(data: ScoreInput, *, phd_multiplier: Decimal = Decimal("1.25"),
                    transfer_factor: Decimal = Decimal("0.5")) -> ScoreResult:
    """Compute hizmet puanı and yerleştirme puanı, exactly (Decimal), showing each step.

    Args:
        data: years in the profession, years × coefficient per district, PhD, earlier transfer.
        phd_multiplier: "dörtte bir oranında artırılarak" = 1.25 (data: rules.yaml).
        transfer_factor: "yarı oranında düşürülür" = 0.5 (data: rules.yaml).
    References: seed 001 §ECZANE AÇILMASI KRİTERLERİ; research/licensing.md §1.4 (the law once
        said "çarpımı", changed to "toplamı": the seed's sum is used).
    """
    lines = []
    for d in data.districts:
        k = d.coefficient * phd_multiplier if data.phd else d.coefficient
        lines.append(ScoreLine(d.district, d.years, d.coefficient, k, d.years * k))
    service = sum((x.points for x in lines), Decimal(0))
    total = data.years_in_profession + service
    final = total * transfer_factor if data.transferred_before else total
    steps = []
    for x in lines:
        k_text = (f"({_n(x.coefficient)} × {_n(phd_multiplier)})" if data.phd
                  else _n(x.coefficient))
        steps.append(f"{x.district}: {_n(x.years)} yıl × {k_text} = {_n(x.points)}")
    if len(lines) > 1:
        steps.append("Hizmet puanı = " + " + ".join(_n(x.points) for x in lines)
                     + f" = {_n(service)}")
    elif lines:
        steps.append(f"Hizmet puanı = {_n(service)}")
    else:
        steps.append("Hizmet puanı = 0 (ilçe girilmedi)")
    steps.append(f"Yerleştirme puanı = {_n(data.years_in_profession)} (meslek yılı) + "
                 f"{_n(service)} (hizmet puanı) = {_n(total)}")
    reasons = [
        Reason("hizmet-puani", SOURCE, "Hizmet puanı, her ilçedeki yıl ile ilçe katsayısının "
               "çarpımlarının toplamıdır.", None),
        Reason("yerlestirme-puani", f"{SOURCE}; {RESEARCH} §1.4", "Yerleştirme puanı = meslekte "
               "geçirilen toplam yıl + hizmet puanı.", None),
        Reason("ilce-katsayisi", f"{RESEARCH} §2", "İlçe katsayıları kamuya açık değildir; "
               "girdiğiniz katsayılar kullanıldı.", None),
    ]
    if data.phd:
        reasons.append(Reason("doktora", SOURCE, "Doktora: ilçe katsayısı dörtte bir oranında "
                              f"artırıldı (× {_n(phd_multiplier)}).", True))
    if data.transferred_before:
        steps.append(f"Devir nedeniyle yarıya: {_n(total)} × {_n(transfer_factor)} = {_n(final)}")
        reasons.append(Reason("devir-yari", SOURCE, "Eczanesini devretmiş eczacının yerleştirme "
                              "puanı yarı oranında düşürülür.", False))
    return ScoreResult(tuple(lines), service, total, final, tuple(steps), tuple(reasons))
