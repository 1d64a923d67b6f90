"""How many pharmacies may open in a district under the 3,500-people rule, and the exceptions.

seed 001 §ECZANE AÇILMASI KRİTERLERİ: "Serbest eczane sayıları, ilçe sınırları içindeki nüfusa
göre en az üç bin beş yüz kişiye bir eczane olacak şekilde düzenlenir." — no population
criterion for moves inside the district (madde 2), for a settlement with no pharmacy (madde 3),
or for moves after a declared natural disaster (last bullet). The slot arithmetic
``max(0, floor(population / 3500) − existing)`` is our reading (research/licensing.md §1.3 [I]);
TİTCK's announced list is authoritative.

>>> v = vacancies(VacancyInput(population=214_000, existing=109))
>>> v.capacity, v.open_slots, v.people_per_pharmacy
(61, 0, 1963)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.reasons import RESEARCH, SEED_GUIDE, Reason, field_label, get_bool, num

S_CRIT = f"{SEED_GUIDE} §ECZANE AÇILMASI KRİTERLERİ"
PURPOSES = {"acilis": "Yeni eczane açılışı", "ilce_ici_nakil": "İlçe içinde nakil",
            "ilce_disi_nakil": "Başka ilçeden nakil"}


def _int(data: dict[str, Any], key: str) -> int:
    raw = data.get(key)
    try:
        value = int(str(raw).replace(".", "").replace(" ", ""))
    except ValueError:
        raise ParseError(f"{field_label(key)} tam sayı olmalı: {raw!r}.", code="bad_number") from None
    if value < 0:
        raise ParseError(f"{field_label(key)} negatif olamaz: {raw!r}.", code="out_of_range")
    return value


@dataclass(frozen=True)
class VacancyInput:
    population: int
    """District population (TÜİK ADNKS; the year TİTCK used)."""
    existing: int
    """Existing free pharmacies (serbest eczane) in the district."""
    purpose: str = "acilis"
    settlement_has_pharmacy: bool = True
    """False: the settlement (yerleşim birimi) has no pharmacy at all."""
    disaster_declared: bool = False
    per_pharmacy: int = 3500

    @classmethod
    def parse(cls, data: dict[str, Any], *, per_pharmacy: int = 3500) -> VacancyInput:
        if data.get("nufus") in (None, ""):
            raise ParseError(f"{field_label('nufus')} alanı zorunlu (tam sayı).", code="missing")
        purpose = str(data.get("amac") or "acilis")
        if purpose not in PURPOSES:
            raise ParseError(f"{field_label('amac')} bilinmiyor: {purpose!r} ({', '.join(PURPOSES)}).",
                             code="bad_value")
        return cls(_int(data, "nufus"), _int(data, "mevcut_eczane") if data.get("mevcut_eczane")
                   not in (None, "") else 0, purpose,
                   settlement_has_pharmacy=get_bool(data, "yerlesimde_eczane_var",
                                                    default=True) is not False,
                   disaster_declared=bool(get_bool(data, "afet_ilani")), per_pharmacy=per_pharmacy)


@dataclass(frozen=True)
class VacancyResult:
    capacity: int
    """floor(population / per_pharmacy)."""
    open_slots: int
    people_per_pharmacy: int | None
    people_needed_for_next: int
    """How many more residents until one more pharmacy fits."""
    population_rule_applies: bool
    may_open: bool
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {"result": {"kapasite": self.capacity, "bos_yer": self.open_slots,
                           "eczane_basina_nufus": self.people_per_pharmacy,
                           "sonraki_icin_gereken_nufus": self.people_needed_for_next,
                           "nufus_kriteri_uygulanir": self.population_rule_applies,
                           "acilabilir": self.may_open},
                "reasons": [r.to_json() for r in self.reasons]}


def vacancies(v: VacancyInput) -> VacancyResult:
    """Open slots in the district and whether the asked-for action needs one.

    References: seed 001 §ECZANE AÇILMASI KRİTERLERİ maddeler 1–3 and last; research §1.3.
    """
    k = v.per_pharmacy
    capacity = v.population // k
    slots = max(0, capacity - v.existing)
    per = v.population // v.existing if v.existing else None
    needed = (v.existing + 1) * k - v.population
    needed = max(0, needed)
    reasons = [Reason("3500", S_CRIT + " madde 1",
                      f"{_t(v.population)} kişi ÷ {_t(k)} = {_t(capacity)} eczane kapasitesi; "
                      f"mevcut {_t(v.existing)} eczane → {_t(slots)} boş yer.", slots > 0),
               Reason("hesap-yorumu", f"{RESEARCH} §1.3 [I]", "Boş yer hesabı "
                      "max(0, ⌊nüfus ÷ 3.500⌋ − mevcut) okumasıdır; TİTCK'nın ilan ettiği liste "
                      "esastır.", None)]
    if per is not None:
        # ``needed`` is 0 exactly when a slot is already open: say that, not "0 kişi daha".
        more = (f"bir eczane daha için {_t(needed)} kişi daha gerekir" if needed > 0
                else f"nüfus {_t(slots)} eczane daha için zaten yeterli")
        reasons.append(Reason("eczane-basina", S_CRIT, f"Bugün eczane başına {_t(per)} kişi "
                              f"düşüyor; {more}.", None))
    applies, may = True, slots > 0
    if v.purpose == "ilce_ici_nakil":
        applies, may = False, True
        reasons.append(Reason("ilce-ici", S_CRIT + " madde 2", "Eczanelerin aynı ilçe "
                              "içerisindeki nakillerinde nüfusa göre eczane açılması kriteri "
                              "uygulanmaz.", True))
    elif not v.settlement_has_pharmacy:
        applies, may = False, True
        reasons.append(Reason("eczanesiz-yerlesim", S_CRIT + " madde 3", "Hiç eczanesi olmayan "
                              "yerleşim birimlerinde nüfus kriterine bakılmaksızın bir eczanenin "
                              "açılmasına müsaade edilir; bu eczanenin başka yerlere naklinde "
                              "nüfus kriteri işletilir.", True))
    elif v.disaster_declared and v.purpose == "ilce_disi_nakil":
        applies, may = False, True
        reasons.append(Reason("afet", S_CRIT + " son madde", "Doğal afet ve mücbir sebeplerle "
                              "nüfus azalması hâlinde o yerleşim yerindeki eczanelerin naklinde "
                              "nüfus kriteri uygulanmaz (Bakanlık ilanı gerekir).", True))
    elif v.disaster_declared:
        reasons.append(Reason("afet-acilis", S_CRIT + " son madde", "Afet istisnası yalnız "
                              "mevcut eczanelerin nakli içindir; yeni açılış nüfus kriterine "
                              "tabidir.", None))
    if applies:
        reasons.append(Reason("ilan", S_CRIT + " madde 6", "TİTCK eczane açılabilecek ilçeleri "
                              "ve sayıları yılda en az iki kez ilan eder; başvuru ilana "
                              "yapılır.", None))
    return VacancyResult(capacity, slots, per, needed, applies, may, tuple(reasons))


def _t(n: int) -> str:
    return num(Decimal(n), 0)
