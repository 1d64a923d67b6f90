"""Deadlines from the announcement to the licence, in calendar days or Turkish business days.

Business days (iş günü) skip Saturdays, Sundays and public holidays; the holiday dates and the
half days (arife, 28 Ekim: "saat 13.00'ten") are passed in — the adapter builds them from the
``holidays`` package (research/licensing.md §4). A half day counts as a business day and is
noted. A deadline that ends on a weekend or holiday is noted; ``roll_forward`` moves it to the
next business day (open question: research §6 item 12).

>>> from datetime import date
>>> cal = WorkCalendar({date(2026, 5, 1): "Emek ve Dayanışma Günü"}, {})
>>> cal.add_business_days(date(2026, 4, 29), 2)   # Thu 30.04, (Fri 01.05 holiday), Mon 04.05
datetime.date(2026, 5, 4)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.ical import IcsEvent
from eczane.domain.licensing.reasons import (
    RESEARCH,
    SEED_GUIDE,
    Reason,
    field_label,
    get_bool,
    get_date,
    tr_date,
)

S_APPLY = f"{SEED_GUIDE} §ECZANE AÇMA BAŞVURU İŞLEMLERİ"
S_PLACED = f"{SEED_GUIDE} §Eczane açabileceği TİTCK tarafından ilan edilen eczacıların ..."
S_MUVAZAA = f"{SEED_GUIDE} §muvazaa değerlendirmesinin yapılması"
S_LICENCE = f"{SEED_GUIDE} §ruhsat eczacı tarafından alınmaz ise"
S_RENOV = f"{SEED_GUIDE} §Eczanelerde Tadilat yapılması madde 2"
S_RENOV_APPROVAL = f"{SEED_GUIDE} §Eczanelerde Tadilat yapılması madde 1"
S_LOST = f"{SEED_GUIDE} §'... ilan edilen eczacılar başvuruda bulunmaz ise'"
S_CLOSED = f"{SEED_GUIDE} §Eczanenin kapalı tutulması"
S_HEIRS = f"{SEED_GUIDE} §6197 sayılı kanun md. 8–10 (vereseli eczaneler)"
S_CLOSE = f"{SEED_GUIDE} §Eczanenin kapatılması"
WEEKDAYS = ("Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar")


@dataclass(frozen=True)
class WorkCalendar:
    holidays: Mapping[date, str]
    """Public holidays (resmî tatil) → name."""
    half_days: Mapping[date, str]
    """Half days (from 13:00) → name; they count as business days."""

    def is_business_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self.holidays

    def add_business_days(self, start: date, n: int) -> date:
        """The n-th business day after ``start`` (start itself not counted)."""
        d = start
        while n > 0:
            d += timedelta(days=1)
            if self.is_business_day(d):
                n -= 1
        return d

    def next_business_day(self, d: date) -> date:
        while not self.is_business_day(d):
            d += timedelta(days=1)
        return d

    def why_closed(self, d: date) -> str | None:
        if d in self.holidays:
            return self.holidays[d]
        return WEEKDAYS[d.weekday()] if d.weekday() >= 5 else None


@dataclass(frozen=True)
class Deadline:
    key: str
    title: str
    start: date
    end: date
    span: str
    """How it was counted, in Turkish: '30 takvim günü', '10 iş günü', '5 yıl'."""
    rule: str
    source: str
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "span": self.span, "notes": list(self.notes),
                "rule": self.rule, "source": self.source}


@dataclass(frozen=True)
class DeadlineInput:
    announcement: date | None = None
    """TİTCK's announcement of open districts (ilan)."""
    placement: date | None = None
    """Actual date the placement result was announced; None = the latest legal date."""
    lottery: bool = False
    """Equal scores: a lottery (kura) with a 7-day objection period."""
    chamber_notified: date | None = None
    """Date the directorate notified the chamber of the application (muvazaa clock)."""
    licence_issued: date | None = None
    renovation_start: date | None = None
    temporary_closure: date | None = None
    death: date | None = None
    """Death (or interdiction) of the owner: heirs' periods."""
    spouse_or_children: bool = True
    children_birth: tuple[date, ...] = ()
    closure_decision: date | None = None
    muvazaa_found: date | None = None
    roll_forward: bool = False

    @classmethod
    def parse(cls, data: dict[str, Any]) -> DeadlineInput:
        births = data.get("cocuk_dogum_tarihleri") or []
        if not isinstance(births, list):
            raise ParseError(f"{field_label('cocuk_dogum_tarihleri')} bir liste olmalı.", code="bad_value")
        kids = []
        for i, b in enumerate(births, start=1):
            d = get_date({f"cocuk_dogum_tarihleri[{i}]": b}, f"cocuk_dogum_tarihleri[{i}]")
            if d is not None:
                kids.append(d)
        out = cls(get_date(data, "ilan_tarihi"), get_date(data, "yerlestirme_tarihi"),
                  bool(get_bool(data, "kura")), get_date(data, "oda_teblig_tarihi"),
                  get_date(data, "ruhsat_tarihi"), get_date(data, "tadilat_baslangic"),
                  get_date(data, "gecici_kapanis"), get_date(data, "vefat_tarihi"),
                  get_bool(data, "es_veya_cocuk", default=True) is not False, tuple(kids),
                  get_date(data, "kapatma_karari"), get_date(data, "muvazaa_tespiti"),
                  bool(get_bool(data, "tatilde_uzat")))
        if not any((out.announcement, out.placement, out.chamber_notified, out.licence_issued,
                    out.renovation_start, out.temporary_closure, out.death,
                    out.closure_decision, out.muvazaa_found)):
            raise ParseError(f"En az bir başlangıç tarihi girin (ör. {field_label('ilan_tarihi')}).",
                             code="missing")
        return out


@dataclass(frozen=True)
class DeadlineResult:
    deadlines: tuple[Deadline, ...]
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {"result": [d.to_json() for d in self.deadlines],
                "reasons": [r.to_json() for r in self.reasons]}


def _years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


class _Builder:
    def __init__(self, cal: WorkCalendar, roll: bool) -> None:
        self.cal, self.roll = cal, roll
        self.out: list[Deadline] = []

    def days(self, key: str, title: str, start: date, n: int, rule: str, source: str,
             notes: tuple[str, ...] = ()) -> date:
        return self._add(key, title, start, start + timedelta(days=n), f"{n} takvim günü",
                         rule, source, notes)

    def business(self, key: str, title: str, start: date, n: int, rule: str,
                 source: str) -> date:
        end = self.cal.add_business_days(start, n)
        halves = [f"{tr_date(d)} yarım gün ({name}) iş günü sayıldı."
                  for d, name in sorted(self.cal.half_days.items()) if start < d <= end]
        holidays = [f"{tr_date(d)} {name} sayılmadı." for d, name in
                    sorted(self.cal.holidays.items()) if start < d <= end and d.weekday() < 5]
        return self._add(key, title, start, end, f"{n} iş günü", rule, source,
                         tuple(holidays + halves))

    def years(self, key: str, title: str, start: date, n: int, rule: str, source: str,
              end: date | None = None, notes: tuple[str, ...] = ()) -> date:
        return self._add(key, title, start, end or _years(start, n), f"{n} yıl", rule, source,
                         notes)

    def _add(self, key: str, title: str, start: date, end: date, span: str, rule: str,
             source: str, notes: tuple[str, ...] = ()) -> date:
        closed = self.cal.why_closed(end)
        if closed:
            if self.roll:
                nxt = self.cal.next_business_day(end)
                notes += (f"Son gün {tr_date(end)} ({closed}); ilk iş günü {tr_date(nxt)} "
                          "alındı.",)
                end = nxt
            else:
                notes += (f"Son gün {tr_date(end)} {closed} gününe denk geliyor; idari "
                          "sürelerde ilk iş gününe uzayıp uzamadığını kurumunuza sorun.",)
        if end in self.cal.half_days:
            notes += (f"Son gün yarım gün: {self.cal.half_days[end]}.",)
        self.out.append(Deadline(key, title, start, end, span, rule, source, notes))
        return end


def compute_deadlines(x: DeadlineInput, cal: WorkCalendar) -> DeadlineResult:
    """Every deadline that follows from the dates given, in order.

    References: seed 001 §ECZANE AÇMA BAŞVURU İŞLEMLERİ (30 gün, 25 tercih, 10 iş günü, kura
    7 gün, ikinci yerleştirme 30 gün), §TİTCK tarafından ilan edilen eczacılar (60 gün),
    §muvazaa (15 + 10 iş günü), §ruhsat alınmaz ise (30 gün), §Tadilat (30 gün),
    §kapalı tutulması (2 yıl), §kapatılması (60 gün, muvazaa 5 yıl), Kanun md. 8–10 (vereseli);
    research/licensing.md §1.5 (several of these are [I]: not confirmed beyond the seed).
    """
    b = _Builder(cal, x.roll_forward)
    placement = x.placement
    if x.announcement:
        apply_end = b.days("basvuru", "Başvuru son günü (en fazla 25 tercih)", x.announcement,
                           30, "basvuru-30-gun", S_APPLY)
        latest = b.business("yerlestirme", "Yerleştirme sonucu (en geç)", apply_end, 10,
                            "yerlestirme-10-is-gunu", S_APPLY)
        placement = placement or latest
    if placement:
        if x.lottery:
            b.days("kura-itiraz", "Kura sonucuna itiraz son günü", placement, 7,
                   "kura-itiraz-7-gun", S_APPLY)
        b.days("ikinci-yerlestirme", "Boş kalan yerler için ikinci yerleştirme (en geç)",
               placement, 30, "ikinci-yerlestirme-30-gun", S_APPLY)
        b.days("asil-belgeler", "Asıl belgelerle il/ilçe sağlık müdürlüğüne başvuru son günü",
               placement, 60, "asil-belge-60-gun", f"{S_PLACED}; {S_LOST}",
               notes=("Mücbir sebep olmaksızın bu süre içinde başvurmayan veya eksik evrak teslim "
                      "eden eczacı yerleştirmeden doğan eczane açma hakkını kaybeder ve bir "
                      "sonraki Kurum ilanında yerleştirme başvurusunda bulunamaz.",))
    if x.chamber_notified:
        report = b.business("muvazaa-oda", "Eczacı odası muvazaa raporu son günü",
                            x.chamber_notified, 15, "muvazaa-oda-15-is-gunu", S_MUVAZAA)
        b.business("muvazaa-karar", "İl sağlık müdürlüğü muvazaa kararı son günü", report, 10,
                   "muvazaa-karar-10-is-gunu", S_MUVAZAA)
    if x.licence_issued:
        b.days("ruhsat-teslim", "Ruhsatnameyi teslim alma son günü (yoksa iptal)",
               x.licence_issued, 30, "ruhsat-teslim-30-gun", S_LICENCE)
    if x.renovation_start:
        b.days("tadilat", "Tadilatın bitmesi gereken gün", x.renovation_start, 30,
               "tadilat-30-gun", f"{S_RENOV_APPROVAL}; {S_RENOV}",
               notes=("Krokide değişiklik oluşturacak tadilat, eczacı odasının görüşü alınarak il "
                      "sağlık müdürlüğü onayıyla yapılır: başlamadan önce onay alın.",
                      "Tadilat otuz günü geçemez; il sağlık müdürlüğü gerekli görürse bu sürede "
                      "ruhsat askıya alınır."))
    if x.temporary_closure:
        b.years("gecici-kapanis", "Geçici kapalı tutmanın son günü", x.temporary_closure, 2,
                "gecici-kapanis-2-yil", S_CLOSED)
    if x.closure_decision:
        b.days("tasfiye", "Kapatma kararı sonrası tasfiye son günü", x.closure_decision, 60,
               "tasfiye-60-gun", S_CLOSE)
    if x.muvazaa_found:
        b.years("muvazaa-yasak", "Muvazaa nedeniyle eczane açma yasağının bitişi",
                x.muvazaa_found, 5, "muvazaa-5-yil", S_CLOSE,
                notes=("Muvazaa eczacılar arasında yapılmışsa eczane açma yasağı hepsi hakkında "
                       "uygulanır: bu eczacılar beş yıl süreyle eczane açmak için başvuruda "
                       "bulunamaz.",))
    if x.death:
        _heirs(b, x)
    reasons = (Reason("is-gunu", f"{RESEARCH} §4", "İş günü: cumartesi, pazar ve resmî "
                      "tatiller sayılmaz; yarım günler (arife, 28 Ekim) iş günü sayılır.", None),)
    return DeadlineResult(tuple(sorted(b.out, key=lambda d: (d.end, d.key))), reasons)


def _heirs(b: _Builder, x: DeadlineInput) -> None:
    assert x.death is not None
    if not x.spouse_or_children:
        b.years("vereseli-tasfiye", "Vereseli eczanenin tasfiyesi (diğer mirasçılar)",
                x.death, 1, "vereseli-1-yil", S_HEIRS)
        return
    end = _years(x.death, 5)
    note = ""
    if x.children_birth:
        adult = max(_years(d, 18) for d in x.children_birth)
        if adult > end:
            end, note = adult, " — en küçük çocuğun reşit olmasına kadar"
    b.years("vereseli-mesul-mudur", "Mesul müdürle işletmenin sonu (eş/çocuklar)" + note,
            x.death, 5, "vereseli-5-yil", S_HEIRS, end=end)
    last = b.out[-1]
    b.out[-1] = replace(last, notes=last.notes + (
        "Çocuk eczacılık fakültesine girerse süre öğrenimi bitene kadar uzar (Kanun md. 9).",))


def ics_events(result: DeadlineResult, *, uid_prefix: str) -> list[IcsEvent]:
    """One all-day event per deadline, description with the rule and its source."""
    return [IcsEvent(f"{uid_prefix}-{d.key}-{d.end:%Y%m%d}@eczane", d.end, d.title,
                     "\n".join([f"{d.span} ({tr_date(d.start)} tarihinden)",
                                f"Kural: {d.rule}", f"Kaynak: {d.source}", *d.notes]))
            for d in result.deadlines]
