"""Site check (mekân uygunluğu): does a shop meet the rules of a chosen profile?

Profiles are data (``data/licensing/site_profiles.yaml``): the national 2014 regulation counts
the WC and sink toward the 35 m² (seed 001), the İstanbul directorate does not and asks for a
2.40 m entrance-floor height (seed 002 §1.1), a hospital pharmacy needs 20 m² and a lab (seed 002
§2.1), a post-disaster temporary pharmacy needs 20 m² for at most two years (seed 001 madde 9).

>>> from decimal import Decimal as D
>>> national = SiteProfile("y", "Ulusal", D(35), frozenset({"kolon"}), "metin", "seed 001")
>>> istanbul = SiteProfile("i", "İstanbul", D(35), frozenset({"kolon", "wc"}), "metin", "seed 002")
>>> shop = Premises(parts=(Part("satış", "satis", D(34)), Part("WC", "wc", D(2))))
>>> check_site(shop, national).checks[0].status, check_site(shop, istanbul).checks[0].status
('uygun', 'uygun_degil')
>>> check_site(shop, national).result   # the other facts were not given
'eksik_bilgi'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eczane.domain.licensing.premises import (
    EQUIPMENT,
    FLOOR_MATERIALS,
    GROUND_FLOOR_PARTS,
    OPERATIONS,
    PART_KINDS,
    Part,
    Premises,
)
from eczane.domain.licensing.reasons import (
    SEED_GUIDE,
    SEED_ISTANBUL,
    num,
)
from eczane.domain.text import fold

__all__ = ["EQUIPMENT", "FLOOR_MATERIALS", "GROUND_FLOOR_PARTS", "OPERATIONS", "PART_KINDS",
           "Check", "FloorRule", "Part", "Premises", "SiteProfile", "SiteResult",
           "TransferExemption", "area_arithmetic", "check_site", "excluded_sentence"]

UYGUN, DEGIL, BILINMIYOR, UYGULANMAZ = "uygun", "uygun_degil", "bilinmiyor", "uygulanmaz"


@dataclass(frozen=True)
class FloorRule:
    """Which floor coverings satisfy a profile's floor rule; others are unknown (ask)."""

    text: str
    source: str
    ok: frozenset[str]
    not_ok: frozenset[str]


@dataclass(frozen=True)
class TransferExemption:
    """The one condition under which a transfer (devir) skips the area, permit and frontage rules.

    seed 001: "30 Mayıs 2012 tarihinde eczanesi olan eczacıların eczaneleri 35 metrekareden
    küçük ise, bu eczanenin devredilmesi hâlinde bir defaya mahsus olmak üzere herhangi bir
    metrekare kısıtlaması uygulanmayacaktır." and "... eczanelerini devir etmek isterlerse; ...
    dükkan/işyeri yazılı olması şartı ile cephesinin ve kapılarının ... bulunması zorunluluğu
    aranmayacaktır." Built from rules.yaml (the law date lives there).
    """

    condition: str
    """The one wording, e.g. "Devreden eczacının 30.05.2012 tarihinde eczanesi vardı"."""
    source: str


DEFAULT_EXEMPTION = TransferExemption(
    "Devreden eczacının 30.05.2012 tarihinde eczanesi vardı",
    f"{SEED_GUIDE} §'30 Mayıs 2012 tarihinde eczanesi olan eczacılar' (devir paragrafları)")
"""Used when the caller passes none (doctests); the adapter builds it from rules.yaml."""


@dataclass(frozen=True)
class SiteProfile:
    """One set of site rules (a regulation, a province's practice, a special case)."""

    key: str
    """Machine name: ``yonetmelik-2014``, ``istanbul``, ``hastane``, ``afet-gecici``."""
    label: str
    """Turkish name shown on the page."""
    min_area_m2: Decimal
    """Minimum counted (useful) area."""
    excluded_kinds: frozenset[str]
    """Part kinds that do not count toward the area."""
    area_text: str
    """The rule's own words."""
    area_source: str
    """Where the area rule is written."""
    min_height_m: Decimal | None = None
    """Minimum entrance-floor height, when the profile has one."""
    height_text: str = ""
    height_source: str = ""
    street_frontage: bool = True
    """Independent shop with facade and doors on a municipal street (seed 001 madde 4)."""
    health_building_rule: bool = True
    """No pharmacy in a building with a health institution (seed 001 madde 1)."""
    lab_required: bool = False
    """A laboratory is mandatory (hospital pharmacy, seed 002 §2.1)."""
    disaster: bool = False
    """Post-disaster temporary licence (seed 001 madde 9)."""
    max_years: int | None = None
    """How long a licence under this profile may last."""
    source: str = ""
    valid_from: str = ""
    excluded_note: str = ""
    """Why the excluded list is what it is (an interpretation is said to be one)."""
    ground_floor: tuple[str, ...] = ("bekleme",)
    """Parts that must be on the entrance floor (keys of :data:`GROUND_FLOOR_PARTS`)."""
    ground_floor_source: str = ""
    floor: FloorRule | None = None


def excluded_sentence(profile: SiteProfile) -> str:
    """The Turkish sentence naming what the area sum leaves out — from the list the sum uses.

    >>> p = SiteProfile("i", "İstanbul", Decimal(35), frozenset({"wc", "lavabo", "kolon"}), "", "")
    >>> excluded_sentence(p)
    'Alana sayılmayan bölümler: WC, Lavabo, Kolon. Sayılanlar: Satış alanı / banko, Bekleme yeri, Laboratuvar, Depo, Ofis / eczacı odası, Bodrum, Asma kat, Merdiven boşluğu, Merdiven altı, Ara duvar.'
    """
    out = [PART_KINDS[k] for k in PART_KINDS if k in profile.excluded_kinds]
    kept = [PART_KINDS[k] for k in PART_KINDS if k not in profile.excluded_kinds]
    text = f"Alana sayılmayan bölümler: {', '.join(out) or 'yok'}."
    return text + (f" Sayılanlar: {', '.join(kept)}." if kept else "")


@dataclass(frozen=True)
class Check:
    """One rule applied to the premises."""

    rule: str
    title: str
    status: str
    """uygun / uygun_degil / bilinmiyor / uygulanmaz."""
    message: str
    rule_text: str
    source: str

    @property
    def ok(self) -> bool | None:
        return {UYGUN: True, DEGIL: False}.get(self.status)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "status": self.status, "ok": self.ok,
                "message": self.message, "rule_text": self.rule_text, "source": self.source}


@dataclass(frozen=True)
class SiteResult:
    profile: SiteProfile
    counted_m2: Decimal
    excluded_m2: Decimal
    checks: tuple[Check, ...]

    @property
    def result(self) -> str:
        """uygun_degil if any rule fails, eksik_bilgi if any is unknown, else uygun."""
        statuses = {c.status for c in self.checks}
        if DEGIL in statuses:
            return DEGIL
        return "eksik_bilgi" if BILINMIYOR in statuses else UYGUN

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "profile": self.profile.key,
                "counted_m2": str(self.counted_m2), "excluded_m2": str(self.excluded_m2),
                "reasons": [c.to_json() for c in self.checks]}


def _g(rule: str) -> str:
    return f"{SEED_GUIDE} §'kullanılacak yerin özellikleri' {rule}"


def _yesno(value: bool | None, good: bool, yes: str, no: str) -> tuple[str, str]:
    if value is None:
        return BILINMIYOR, "Bilgi girilmedi; yerinde kontrol edin."
    return (UYGUN, yes) if value == good else (DEGIL, no)


def area_arithmetic(premises: Premises, profile: SiteProfile) -> tuple[Decimal, Decimal, str]:
    """Counted area, excluded area and the sum written out (``34 + 2 = 36 m²; hariç: …``)."""
    counted = [p for p in premises.parts if p.kind not in profile.excluded_kinds]
    excluded = [p for p in premises.parts if p.kind in profile.excluded_kinds]
    c_sum = sum((p.area_m2 for p in counted), Decimal(0))
    e_sum = sum((p.area_m2 for p in excluded), Decimal(0))
    terms = " + ".join(f"{num(p.area_m2, 2, trim=True)} ({p.name})" for p in counted) or "0"
    text = f"Sayılan: {terms} = {num(c_sum, 2, trim=True)} m²"
    if excluded:
        ex = ", ".join(f"{p.name} {num(p.area_m2, 2, trim=True)} m²" for p in excluded)
        text += f"; sayılmayan: {ex}"
    return c_sum, e_sum, text


def check_site(premises: Premises, profile: SiteProfile,
               exemption: TransferExemption = DEFAULT_EXEMPTION) -> SiteResult:
    """Apply every rule of ``profile`` to ``premises``; unknown inputs give ``bilinmiyor``.

    References: seed 001 §'kullanılacak yerin özellikleri' maddeler 1–13 and the devir
    paragraphs; seed 002 §1.1, §2.1 and MÜRACAAT; research/licensing.md §1.6.
    """
    counted, excluded, arithmetic = area_arithmetic(premises, profile)
    old_transfer = premises.operation == "devir" and premises.transferor_had_pharmacy_2012
    checks: list[Check] = []
    minimum = num(profile.min_area_m2, 2, trim=True)
    if old_transfer and not profile.disaster:
        checks.append(Check(
            "alan", "Asgari alan", UYGULANMAZ,
            f"{exemption.condition}: bu devirde bir defaya mahsus metrekare kısıtlaması "
            f"uygulanmaz ({arithmetic}).",
            "30 Mayıs 2012 tarihinde eczanesi olan eczacıların eczaneleri 35 metrekareden küçük "
            "ise, bu eczanenin devredilmesi hâlinde bir defaya mahsus olmak üzere herhangi bir "
            "metrekare kısıtlaması uygulanmayacaktır.",
            f"{exemption.source} (35 m² paragrafı)"))
    else:
        ok = counted >= profile.min_area_m2
        alt = ""
        if not ok and profile.disaster and premises.temporary_building:
            ok, alt = True, " Geçici yapıda metrekare şartı aranmaz."
        verdict = "yeterli" if ok else f"yetersiz: {num(profile.min_area_m2 - counted, 2, trim=True)} m² eksik"
        checks.append(Check(
            "alan", "Asgari alan", UYGUN if ok else DEGIL,
            f"{arithmetic}. En az {minimum} m² gerekir: {verdict}.{alt} "
            f"{excluded_sentence(profile)}",
            profile.area_text, profile.area_source))
    if profile.min_height_m is not None:
        h = premises.height_m
        need = num(profile.min_height_m, 2, trim=True)
        if h is None:
            st, msg = BILINMIYOR, f"Giriş katı yüksekliği girilmedi; en az {need} m olmalı."
        elif h >= profile.min_height_m:
            st, msg = UYGUN, f"Giriş katı yüksekliği {num(h, 2, trim=True)} m ≥ {need} m."
        else:
            st, msg = DEGIL, f"Giriş katı yüksekliği {num(h, 2, trim=True)} m < {need} m."
        checks.append(Check("yukseklik", "Giriş katı yüksekliği", st, msg,
                            profile.height_text, profile.height_source))
    checks.extend(_building_checks(premises, profile, old_transfer, exemption))
    checks.extend(_inside_checks(premises, profile))
    return SiteResult(profile, counted, excluded, tuple(checks))


def _building_checks(premises: Premises, profile: SiteProfile, old_transfer: bool,
                     exemption: TransferExemption) -> list[Check]:
    out: list[Check] = []
    permit_text = ("Eczane olarak kullanılacak binanın yapı kullanım izin belgesi veya yapı "
                   "ruhsatının bulunması ve bu belgelerde dükkan ibaresinin bulunması gerekir.")
    if old_transfer:
        out.append(Check("ruhsat_ibaresi", "Yapı ruhsatında 'dükkan' ibaresi", UYGULANMAZ,
                         f"{exemption.condition}: devirde dükkan/işyeri ibaresi aranmaz.",
                         permit_text, exemption.source))
    elif profile.street_frontage:
        wording = premises.permit_wording
        if wording is None:
            st, msg = BILINMIYOR, "Yapı ruhsatı / yapı kullanma izni ibaresi girilmedi."
        elif any(w in fold(wording) for w in ("dukkan", "isyeri")):
            st, msg = UYGUN, f"Belgedeki ibare: '{wording}'."
        else:
            st, msg = DEGIL, (f"Belgedeki ibare '{wording}'; 'dükkan' (veya 'işyeri') olmalı. "
                              "2016'dan beri belediyeden alınan dükkan/işyeri yazısı da kabul "
                              "ediliyor olabilir (research §1.6 [S]).")
        out.append(Check("ruhsat_ibaresi", "Yapı ruhsatında 'dükkan' ibaresi", st, msg,
                         permit_text, f"{_g('madde 3')}; research §1.2 md. 4(1)(a)"))
    frontage_text = ("Eczanelerin bağımsız dükkânlarda açılması ve faaliyet göstermesi, "
                     "havaalanları, limanlar, otogarlar ve tren garlarında açılanların dışında "
                     "cephesinin ve kapılarının belediyelere ait cadde ve sokak üzerinde "
                     "bulunması zorunludur.")
    if old_transfer or not profile.street_frontage:
        why = (f"{exemption.condition}: devirde cephe şartı aranmaz." if old_transfer
               else f"{profile.label} için uygulanmaz.")
        out.append(Check("cephe", "Bağımsız dükkân, caddeye cephe ve kapı", UYGULANMAZ, why,
                         frontage_text,
                         exemption.source if old_transfer else _g("madde 4")))
    elif premises.transport_hub:
        out.append(Check("cephe", "Bağımsız dükkân, caddeye cephe ve kapı", UYGULANMAZ,
                         "Havaalanı, liman, otogar veya tren garında cephe şartı aranmaz.",
                         frontage_text, _g("madde 4")))
    else:
        st, msg = _yesno(premises.street_frontage, True,
                         "Cephe ve kapı belediyeye ait cadde/sokak üzerinde.",
                         "Cephe ve kapı belediyeye ait cadde/sokak üzerinde değil.")
        out.append(Check("cephe", "Bağımsız dükkân, caddeye cephe ve kapı", st, msg,
                         frontage_text, _g("madde 4")))
    health_text = ("Muayenehaneler ile sadece tahlil ve görüntüleme hizmeti veren laboratuvar "
                   "tanı merkezleri hariç olmak üzere, içinde sağlık kurum ve kuruluşu bulunan "
                   "bina ve bahçesi ile müştemilatında serbest eczane açılamaz. Havaalanları, "
                   "otogarlar ile tren garları ve limanlarda bu kısıtlama uygulanmaz.")
    if profile.health_building_rule:
        hi = premises.health_institution
        if premises.transport_hub:
            st, msg = UYGULANMAZ, "Ulaşım merkezlerinde bu kısıtlama uygulanmaz."
        elif hi is None:
            st, msg = BILINMIYOR, "Binada sağlık kuruluşu olup olmadığı girilmedi."
        elif hi == "diger":
            st, msg = DEGIL, "Binada (veya bahçesinde) bir sağlık kurum/kuruluşu var."
        else:
            st, msg = UYGUN, {"yok": "Binada sağlık kuruluşu yok.",
                              "muayenehane": "Binadaki muayenehane istisnadır.",
                              "tahlil_goruntuleme": "Yalnız tahlil/görüntüleme merkezi istisnadır.",
                              }[hi]
        out.append(Check("saglik_kurulusu", "Sağlık kuruluşu bulunan bina", st,
                         msg + (" Bu hüküm Danıştay 15. D. 2015/2926 yürütmeyi durdurma "
                                "kararına konu oldu (research §1.6)." if st == DEGIL else ""),
                         health_text, f"{_g('madde 1')}; research §1.6 md. 20(8)"))
    st, msg = _yesno(premises.uncancelled_licence, False,
                     "Yerde iptal edilmemiş eczane ruhsatı yok.",
                     "Bu yerdeki önceki eczanenin ruhsatı iptal edilmeden başvurulamaz.")
    out.append(Check("onceki_ruhsat", "Yerde iptal edilmemiş ruhsat", st, msg,
                     "Eczane açılmak istenen yerde, daha önce eczane açılmış ise ve "
                     "ruhsatnamesi henüz iptal edilmemişse, söz konusu yerde eczane açmak "
                     "isteyen kişi, müracaat için, daha önce açılmış olan eczanenin "
                     "ruhsatnamesinin iptal edilmesini beklemek zorundadır.",
                     f"{SEED_ISTANBUL} §MÜRACAAT"))
    if profile.disaster:
        st, msg = _yesno(premises.disaster_documented, True,
                         "Afetten önce ruhsatlı eczane ve hasar belgelenmiş; ruhsat en çok "
                         f"{profile.max_years} yıl geçerli.",
                         "Afet öncesi ruhsat ve hasar belgesi yoksa bu profil uygulanamaz.")
        out.append(Check("afet", "Afet öncesi ruhsat ve hasar belgesi", st, msg,
                         profile.area_text, profile.area_source))
    return out


def _inside_checks(premises: Premises, profile: SiteProfile) -> list[Check]:
    out: list[Check] = []
    st, msg = _yesno(premises.door_into_other_shop, False,
                     "Hiçbir kapı başka dükkân veya mağaza içine açılmıyor.",
                     "Bir kapı başka dükkân veya mağaza içine açılıyor.")
    out.append(Check("kapilar", "Kapılar", st, msg,
                     "Eczanenin ilgili mercilere bildirilen projesinde belirtilmek kaydıyla "
                     "birden fazla kapısı olabilir. Bu kapılardan hiçbiri başka dükkân veya "
                     "mağaza içine açılamaz.", _g("madde 5")))
    has_lab = any(p.kind == "laboratuvar" for p in premises.parts)
    if profile.lab_required:
        out.append(Check("laboratuvar_var", "Laboratuvar", UYGUN if has_lab else DEGIL,
                         "Krokide laboratuvar var." if has_lab else "Krokide laboratuvar yok.",
                         "Labarotuvar olması zorunludur.", f"{SEED_ISTANBUL} §2.1"))
    if has_lab:
        st, msg = _yesno(premises.lab_opens_outside, False,
                         "Laboratuvarın dışarıyla doğrudan bağlantısı yok.",
                         "Laboratuvar doğrudan dışarıya açılıyor.")
    else:
        st, msg = UYGULANMAZ, "Krokide laboratuvar yok."
    out.append(Check("laboratuvar_disari", "Laboratuvarın dışarıyla bağlantısı", st, msg,
                     "Eczane laboratuvarının doğrudan dışarısı ile bağlantısı olamaz.",
                     f"{_g('madde 6')}; {SEED_ISTANBUL} §2.1"))
    if has_lab:
        st, msg = _yesno(premises.lab_separated, True,
                         "Laboratuvar müşteri ve hastalardan ayrılmış.",
                         "Laboratuvar müşteri ve hastalarla irtibatlı; ayrılmalı.")
    else:
        st, msg = UYGULANMAZ, "Krokide laboratuvar yok."
    out.append(Check("laboratuvar_ayri", "Laboratuvar müşterilerden ayrı", st, msg,
                     "Eczanelerin laboratuvar kısımları, müşteriler veya hastalarla irtibat "
                     "olmayacak şekilde ayrılır.", _g("madde 8")))
    out.extend(_ground_floor_checks(premises, profile, has_lab))
    out.append(_floor_check(premises, profile))
    for key, (title, article) in EQUIPMENT.items():
        st, msg = _yesno(premises.equipment.get(key), True, "Var.", "Yok.")
        out.append(Check(f"donanim_{key}", title, st, msg, title, _g(article)))
    return out


_GROUND_TEXT = {"bekleme": "Hastaların bekleme yerleri eczanenin giriş katında bulunur.",
                "banko": "Banko, Müşterilerin Bekleme Yerleri ile laboratuvar giriş katta "
                         "olmalıdır.",
                "laboratuvar": "Banko, Müşterilerin Bekleme Yerleri ile laboratuvar giriş "
                               "katta olmalıdır."}


def _ground_floor_checks(premises: Premises, profile: SiteProfile, has_lab: bool) -> list[Check]:
    """One check per part the profile wants on the entrance floor (data: ground_floor)."""
    out = []
    for key in profile.ground_floor:
        title = f"{GROUND_FLOOR_PARTS[key]} giriş katında"
        rule = "bekleme" if key == "bekleme" else f"giris_kati_{key}"
        if key == "laboratuvar" and not has_lab:
            st, msg = UYGULANMAZ, "Krokide laboratuvar yok."
        else:
            st, msg = _yesno(premises.on_entrance_floor.get(key), True,
                             f"{GROUND_FLOOR_PARTS[key]} giriş katında.",
                             f"{GROUND_FLOOR_PARTS[key]} giriş katında değil.")
        out.append(Check(rule, title, st, msg, _GROUND_TEXT[key], profile.ground_floor_source))
    return out


def _floor_check(premises: Premises, profile: SiteProfile) -> Check:
    """Floor covering against the profile's floor rule (seed 001 madde 7; seed 002 §1.1)."""
    rule = profile.floor
    if rule is None:
        return Check("zemin", "Zemin kaplaması", UYGULANMAZ, f"{profile.label} için zemin "
                     "kuralı yok.", "", profile.source)
    m = premises.floor_material
    if m is None:
        st, msg = BILINMIYOR, "Zemin kaplaması girilmedi."
    elif m in rule.ok:
        st, msg = UYGUN, f"{FLOOR_MATERIALS[m]} kuralı karşılar."
    elif m in rule.not_ok:
        st, msg = DEGIL, f"{FLOOR_MATERIALS[m]} bu profilde kabul edilmez."
    else:
        st, msg = BILINMIYOR, (f"{FLOOR_MATERIALS[m]}: kaynak açıkça saymıyor; uygun sayılıp "
                               "sayılmadığını müdürlüğe sorun.")
    return Check("zemin", "Zemin kaplaması", st, msg, rule.text, rule.source)
