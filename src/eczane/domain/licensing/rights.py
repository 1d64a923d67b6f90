"""Rights check: which of open / transfer / move may a pharmacist do, and under which rule?

The 2012 law (6308 amending 6197) split pharmacists by their situation on its publication date
(seed 001 §'mesleklerini icra etme durumlarına göre'):

* **2012_eczaneli** — had a pharmacy on the law date: may transfer once, move to another
  district once without the population limit, move freely inside the district; a transfer or
  move between 17 May 2012 and 12 April 2014 used those rights; closing after the law date
  loses them; re-opening after a transfer is population-limited, scored and halved.
* **2012_eczanesiz** — a pharmacist without a pharmacy, or a pharmacy student, on the law date:
  may open once anywhere without the population limit, then has the same transfer/move rights.
* **2013_sonrasi** — enrolled in 2013 or later: needs ≥ 12 months as assistant pharmacist,
  and every opening or move to another district goes through the population limit and scoring.

Moves inside a district never count the population (seed 001 §ECZANE AÇILMASI KRİTERLERİ 2);
after a declared natural disaster moves don't either (ibid., last bullet).

>>> from datetime import date
>>> dates = LawDates(date(2012, 5, 30), date(2012, 5, 17), date(2014, 4, 12))
>>> h = PharmacistHistory(graduation=date(2005, 6, 30), enrolment_year=2000,
...     events=(PharmacyEvent("acilis", date(2008, 1, 2)),))
>>> r = check_rights(h, dates, today=date(2026, 11, 23))
>>> r.category, r.action("ilce_disi_nakil").status, r.action("acilis").status
('2012_eczaneli', 'izinli', 'izinsiz')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.assistant import (
    AssistantReading,
    assistant_readings,
    readings_disagree,
)
from eczane.domain.licensing.reasons import (
    RESEARCH,
    SEED_GUIDE,
    Reason,
    field_label,
    get_bool,
    get_date,
    tr_date,
)

EVENT_KINDS = {
    "acilis": "Eczane açtı veya devraldı",
    "devir": "Eczanesini devretti",
    "ilce_disi_nakil": "Eczanesini başka ilçeye nakletti",
    "ilce_ici_nakil": "Eczanesini ilçe içinde nakletti",
    "kapanis": "Eczanesini kapattı",
}
ACTIONS = {
    "acilis": "Eczane açma / devralma",
    "devir": "Eczanesini devretme",
    "ilce_ici_nakil": "İlçe içinde nakil",
    "ilce_disi_nakil": "Başka ilçeye nakil",
}
CATEGORIES = {
    "2012_eczaneli": "6308 sayılı Kanunun yayımlandığı tarihte eczanesi olan eczacı",
    "2012_eczanesiz": "6308 sayılı Kanunun yayımlandığı tarihte eczanesi olmayan eczacı veya "
                      "eczacılık fakültesi öğrencisi",
    "2013_sonrasi": "2013 ve sonrasında eczacılık fakültesine kaydolan eczacı",
}
IZINLI, SINIRLI, IZINSIZ, BELIRSIZ = "izinli", "nufus_sinirli", "izinsiz", "belirsiz"
STATUS_TR = {IZINLI: "Yapabilir (nüfus sınırı yok)", SINIRLI: "Nüfus sınırı ve puanlamayla",
             IZINSIZ: "Yapamaz", BELIRSIZ: "Mevzuat açık değil — odaya danışın"}

S_CLASSES = f"{SEED_GUIDE} §6308 sayılı Kanun — eczacıların sınıflandırılması"
S_HAD = f"{SEED_GUIDE} §'30 Mayıs 2012 tarihinde eczanesi olan eczacıların'"
S_HAD_NOT = f"{SEED_GUIDE} §'30 Mayıs 2012 tarihinde eczanesi olmayan eczacılar ile ... öğrenci'"
S_WINDOW = f"{SEED_GUIDE} §'17 Mayıs 2012 ila 12 Nisan 2014 tarihleri arasında'"
S_CLOSE = f"{SEED_GUIDE} §'bu tarihten sonra eczanelerini kapatmaları durumunda'"
S_ASSIST = f"{SEED_GUIDE} §'2013 ve daha sonraki yıllarda eczacılık fakültelerine'"
S_CRIT = f"{SEED_GUIDE} §ECZANE AÇILMASI KRİTERLERİ"
S_AEO = f"{SEED_GUIDE} §AEO değerlendirmesi 1–3 (bağlayıcı değildir)"
S_MUVAZAA = (f"{SEED_GUIDE} §Eczanenin kapatılması ('beş yıl süreyle eczane açamaz'; "
             "'Muvazaanın eczacılar arasında yapılmış olması hâlinde, eczane açma yasağı hepsi "
             "hakkında uygulanır')")
S_TAKEOVER = f"{SEED_GUIDE} §'eczanelerini devir alacak olan eczacıların'"


def _takeover(dates: LawDates) -> Reason:
    return Reason("devralma", S_TAKEOVER, f"{tr_date(dates.law_date)} tarihinde eczanesi olan "
                  "bir eczacının eczanesini devralırsanız TİTCK ilanını beklemeniz gerekmez; "
                  "belgeleri il/ilçe sağlık müdürlüğüne verirsiniz.", None)


@dataclass(frozen=True)
class LawDates:
    """Dates and numbers of the 2012 law and the 2014 regulation (data: rules.yaml)."""

    law_date: date
    """6308 publication date as the seed gives it (30.05.2012)."""
    window_start: date
    """17.05.2012: transfers/moves from here until the regulation used the one-time rights."""
    regulation_date: date
    """12.04.2014: the regulation."""
    assistant_enrolment_year: int = 2013
    assistant_months: int = 12
    law_date_alt: date | None = None
    """The research's date (31.05.2012, RG); a date between the two gets a warning."""
    law_date_note: str = ""
    assistant_graduation_after: int = 2012
    """seed 001's other wording: graduates after 2012 need the assistantship (see assistant.py)."""


@dataclass(frozen=True)
class PharmacyEvent:
    kind: str
    """One of :data:`EVENT_KINDS`."""
    on: date


@dataclass(frozen=True)
class PharmacistHistory:
    graduation: date | None
    """Diploma date; None = still a student."""
    enrolment_year: int | None
    """Year of enrolment in the faculty of pharmacy."""
    events: tuple[PharmacyEvent, ...] = ()
    assistant_months: int = 0
    """Months worked as yardımcı eczacı."""
    had_pharmacy_on_law_date: bool | None = None
    """Override when the history before 2012 is not typed in; None = derive from events."""
    disaster_declared: bool = False
    """The Ministry declared population loss by natural disaster in the current settlement."""
    opened_where_no_pharmacy: bool = False
    """The current pharmacy was opened in a settlement that had none (population exception)."""
    muvazaa_date: date | None = None
    """Date muvazaa was established against this pharmacist (5-year ban)."""

    @classmethod
    def parse(cls, data: dict[str, Any]) -> PharmacistHistory:
        """From the JSON documented in docs/licensing.md; ParseError names the field or row."""
        year = data.get("kayit_yili")
        if year in (None, ""):
            enrolment = None
        else:
            try:
                enrolment = int(str(year))
            except ValueError:
                raise ParseError(f"{field_label('kayit_yili')} bir yıl olmalı: {year!r}.", code="bad_number") from None
        rows = data.get("olaylar") or []
        if not isinstance(rows, list):
            raise ParseError(f"{field_label('olaylar')} bir liste olmalı.", code="bad_value")
        events = []
        for i, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise ParseError(f"{field_label(f'olaylar[{i}]')} bir nesne olmalı.", code="bad_row")
            kind = str(row.get("tur", ""))
            if kind not in EVENT_KINDS:
                raise ParseError(f"{field_label(f'olaylar[{i}].tur')} bilinmiyor: {kind!r} "
                                 f"(beklenen: {', '.join(EVENT_KINDS)}).", code="bad_kind")
            key = f"olaylar[{i}].tarih"
            on = get_date({key: row.get("tarih")}, key, required=True)
            assert on is not None
            events.append(PharmacyEvent(kind, on))
        months = data.get("yardimci_eczacilik_ay") or 0
        try:
            assistant = int(str(months))
        except ValueError:
            raise ParseError(f"{field_label('yardimci_eczacilik_ay')} tam sayı olmalı: {months!r}.",
                             code="bad_number") from None
        return cls(
            graduation=get_date(data, "mezuniyet"), enrolment_year=enrolment,
            events=tuple(events), assistant_months=assistant,
            had_pharmacy_on_law_date=get_bool(data, "kanun_tarihinde_eczanesi_vardi", default=None),
            disaster_declared=bool(get_bool(data, "afet_ilani")),
            opened_where_no_pharmacy=bool(get_bool(data, "eczanesiz_yerlesimde_acildi")),
            muvazaa_date=get_date(data, "muvazaa_tarihi"))


@dataclass(frozen=True)
class ActionVerdict:
    action: str
    status: str
    """izinli / nufus_sinirli / izinsiz / belirsiz."""
    population_limit: bool
    scoring: bool
    score_halved: bool
    reasons: tuple[Reason, ...]

    @property
    def label(self) -> str:
        return ACTIONS[self.action]

    @property
    def status_text(self) -> str:
        return STATUS_TR[self.status]


@dataclass(frozen=True)
class RightsResult:
    category: str
    has_pharmacy: bool
    actions: tuple[ActionVerdict, ...]
    reasons: tuple[Reason, ...]
    """General reasons (classification, warnings)."""
    assistant: tuple[AssistantReading, ...] = ()
    """Both readings of seed 001's assistant-pharmacist rule for this pharmacist."""

    @property
    def category_text(self) -> str:
        return CATEGORIES[self.category]

    def action(self, key: str) -> ActionVerdict:
        return next(a for a in self.actions if a.action == key)

    def to_json(self) -> dict[str, Any]:
        reasons = [dict(r.to_json(), eylem=None) for r in self.reasons]
        for a in self.actions:
            reasons.extend(dict(r.to_json(), eylem=a.action) for r in a.reasons)
        return {
            "result": {
                "kategori": self.category, "kategori_aciklama": self.category_text,
                "eczanesi_var": self.has_pharmacy,
                "eylemler": {a.action: {"durum": a.status, "durum_aciklama": a.status_text,
                                        "nufus_siniri": a.population_limit,
                                        "puanlama": a.scoring, "puan_yarim": a.score_halved}
                             for a in self.actions},
                "yardimci_eczacilik_okumalari": [r.to_json() for r in self.assistant],
                "yardimci_eczacilik_okumalari_ayrisiyor": readings_disagree(self.assistant),
            },
            "reasons": reasons,
        }


def _replay(h: PharmacistHistory, dates: LawDates) -> tuple[bool, bool]:
    """(had a pharmacy on the law date, has one now); ParseError on an impossible sequence."""
    events = sorted(h.events, key=lambda e: e.on)
    opened_before = any(e.kind == "acilis" and e.on <= dates.law_date for e in events)
    state = bool(h.had_pharmacy_on_law_date) and not opened_before
    at_law = state
    for i, e in enumerate(events, start=1):
        if e.kind == "acilis" and state:
            raise ParseError(f"{tr_date(e.on)} açılış: o tarihte zaten bir eczane var (olay {i}).",
                             code="inconsistent")
        if e.kind != "acilis" and not state:
            raise ParseError(f"{tr_date(e.on)} {EVENT_KINDS[e.kind].lower()}: o tarihte eczane "
                             f"yok (olay {i}; önce açılış girin).", code="inconsistent")
        state = e.kind in ("acilis", "ilce_disi_nakil", "ilce_ici_nakil")
        if e.on <= dates.law_date:
            at_law = state
    if h.had_pharmacy_on_law_date is not None and h.had_pharmacy_on_law_date != at_law:
        raise ParseError(f"{field_label('kanun_tarihinde_eczanesi_vardi')} olaylarla çelişiyor: olaylara göre "
                         f"{tr_date(dates.law_date)} tarihinde eczane "
                         f"{'vardı' if at_law else 'yoktu'}.", code="inconsistent")
    return at_law, state


def _category(h: PharmacistHistory, dates: LawDates, had: bool) -> tuple[str, Reason]:
    if h.graduation is None and h.enrolment_year is None:
        raise ParseError(f"{field_label('mezuniyet')} veya {field_label('kayit_yili')} alanlarından en az "
                         "biri gerekli.",
                         code="missing")
    if h.enrolment_year is not None and h.enrolment_year >= dates.assistant_enrolment_year:
        return "2013_sonrasi", Reason(
            "sinif-2013", S_ASSIST, f"Fakülteye {h.enrolment_year} yılında kaydoldunuz "
            f"({dates.assistant_enrolment_year} ve sonrası).", None)
    if had:
        return "2012_eczaneli", Reason(
            "sinif-eczaneli", S_CLASSES, f"{tr_date(dates.law_date)} tarihinde eczaneniz vardı.",
            None)
    if h.graduation is not None and h.graduation > dates.law_date and h.enrolment_year is None:
        raise ParseError(f"Mezuniyet {tr_date(h.graduation)} kanun tarihinden sonra: fakülteye "
                         f"kayıt yılını ({field_label('kayit_yili')}) girin.", code="missing")
    who = ("eczacıydınız ama eczaneniz yoktu" if h.graduation and h.graduation <= dates.law_date
           else "eczacılık fakültesi öğrencisiydiniz")
    return "2012_eczanesiz", Reason(
        "sinif-eczanesiz", S_CLASSES, f"{tr_date(dates.law_date)} tarihinde {who}.", None)


def _v(action: str, status: str, *reasons: Reason, halved: bool = False) -> ActionVerdict:
    limited = status == SINIRLI
    return ActionVerdict(action, status, limited, limited and action != "ilce_ici_nakil",
                         halved and limited, tuple(reasons))


def check_rights(h: PharmacistHistory, dates: LawDates, *, today: date) -> RightsResult:
    """Decide each action for the pharmacist, each with the rule and source it came from.

    References: seed 001 (the classification, rights, 17.05.2012–12.04.2014 window, closing,
    assistant pharmacist, population criteria, muvazaa ban); research/licensing.md §1.1, §1.3.
    """
    had, has = _replay(h, dates)
    category, why = _category(h, dates, had)
    general = [why]
    alt = dates.law_date_alt
    if alt is not None:
        lo, hi = min(alt, dates.law_date), max(alt, dates.law_date)
        dated = [e.on for e in h.events] + ([h.graduation] if h.graduation else [])
        if any(lo <= d <= hi for d in dated):
            general.append(Reason("kanun-tarihi", f"{RESEARCH} §1.1", dates.law_date_note, None))
    readings = assistant_readings(h.graduation, h.enrolment_year,
                                  graduated_after=dates.assistant_graduation_after,
                                  enrolled_from=dates.assistant_enrolment_year)
    if readings_disagree(readings):
        grad, enrol = readings
        general.append(Reason(
            "yardimci-eczacilik-celiski", f"{grad.source}; {enrol.source}",
            "Kaynak bu şartı iki farklı biçimde yazıyor: mezuniyete göre ("
            f"{grad.rule.split(' en az')[0]}) şart sizin için "
            f"{'geçerli' if grad.required else 'geçerli değil'}; fakülteye kayıt yılına göre ("
            f"{enrol.rule.split(' en az')[0]}) {'geçerli' if enrol.required else 'geçerli değil'}."
            " Bu hesap yönetmeliğin tanımını (kayıt yılı) kullanır; başvurmadan önce odanıza "
            "danışın.", None))
    ev = sorted(h.events, key=lambda e: e.on)
    after = [e for e in ev if e.on >= dates.window_start]
    transfers = [e for e in after if e.kind == "devir"]
    moves_out = [e for e in after if e.kind == "ilce_disi_nakil"]
    closures = [e for e in ev if e.kind == "kapanis" and e.on > dates.law_date]
    opens = [e for e in ev if e.kind == "acilis" and e.on > dates.law_date]
    in_window = [e for e in after if e.kind in ("devir", "ilce_disi_nakil")
                 and e.on < dates.regulation_date]
    halved = bool([e for e in ev if e.kind == "devir"])
    # The current pharmacy is the one-time exempt one unless a closure/transfer came after the
    # law date (for 2012_eczaneli) or it is not the first opening since (for 2012_eczanesiz).
    if category == "2012_eczaneli":
        exempt_pharmacy = has and not closures and not transfers and not in_window
    elif category == "2012_eczanesiz":
        exempt_pharmacy = has and len(opens) == 1 and not transfers and not closures
    else:
        exempt_pharmacy = False
    return RightsResult(category, has, (
        _open(h, dates, category, has, opens, transfers, closures, halved, today),
        _transfer(category, has, exempt_pharmacy, in_window),
        _move_within(h, has),
        _move_out(h, category, has, exempt_pharmacy, moves_out, in_window),
    ), tuple(general), readings)


def _open(h: PharmacistHistory, dates: LawDates, category: str, has: bool,
          opens: list[PharmacyEvent], transfers: list[PharmacyEvent],
          closures: list[PharmacyEvent], halved: bool, today: date) -> ActionVerdict:
    a = "acilis"
    if h.graduation is None or h.graduation > today:
        return _v(a, IZINSIZ, Reason("diploma", f"{SEED_GUIDE} §giriş ('diploma almış olmak')",
                                     "Eczacılık diploması olmadan eczane açılamaz.", False))
    if h.muvazaa_date is not None:
        ban_end = _add_years(h.muvazaa_date, 5)
        if today < ban_end:
            return _v(a, IZINSIZ, Reason("muvazaa-yasak", S_MUVAZAA, "Muvazaa tespiti "
                      f"({tr_date(h.muvazaa_date)}) nedeniyle {tr_date(ban_end)} tarihine kadar "
                      "eczane açamaz, açmak için başvuruda da bulunamazsınız. Muvazaa eczacılar "
                      "arasında yapılmışsa yasak taraf olan eczacıların hepsine uygulanır.",
                      False))
    if has:
        return _v(a, IZINSIZ, Reason("tek-eczane", f"{RESEARCH} §1.2 (Yönetmelik md. 5) [S]",
                                     "Zaten bir eczaneniz var; ikinci bir eczane açılamaz "
                                     "(önce devir veya kapanış gerekir).", False))
    half = Reason("devir-yari", S_CRIT, "Eczanesini devretmiş eczacının yerleştirme puanı "
                  "yarı oranında düşürülür.", False)
    extra = (half,) if halved else ()
    if category == "2013_sonrasi":
        need = dates.assistant_months
        if h.assistant_months < need:
            return _v(a, IZINSIZ, Reason(
                "yardimci-eczacilik", S_ASSIST, f"En az {need} ay yardımcı eczacılık gerekir: "
                f"{h.assistant_months} ay yapılmış, {need - h.assistant_months} ay eksik.", False))
        return _v(a, SINIRLI, Reason("yardimci-eczacilik", S_ASSIST,
                                     f"Yardımcı eczacılık {h.assistant_months} ay (en az {need}).",
                                     True),
                  Reason("nufus-kriteri", S_CRIT, "2013 sonrası kayıtlılar eczaneyi TİTCK'nın "
                         "ilan ettiği ilçelere, 3.500 kişi kuralı ve yerleştirme puanıyla açar.",
                         None), *extra, _takeover(dates), halved=halved)
    if category == "2012_eczanesiz" and not opens:
        return _v(a, IZINLI, Reason("gecici3-acma", S_HAD_NOT, "Bir kereye mahsus olmak üzere "
                                    "nüfus sınırlamasına tabi olmadan istediğiniz ilçede eczane "
                                    "açabilirsiniz.", True),
                  Reason("2014-mekan", S_HAD_NOT, "Mekân 2014 yönetmeliğine uymalı (yapı "
                         "ruhsatında dükkan/işyeri, cadde üzerinde cephe ve kapı).", None),
                  _takeover(dates))
    # No pharmacy now but one before: the last one was transferred or closed after the law date.
    if transfers:
        why = f"{tr_date(transfers[-1].on)} tarihinde eczanenizi devrettiniz"
    else:
        why = f"{tr_date(closures[-1].on)} tarihinde eczanenizi kapattınız"
    source = S_CLOSE if closures and not transfers else (S_HAD if category == "2012_eczaneli"
                                                          else S_HAD_NOT)
    return _v(a, SINIRLI, Reason("yeniden-acma", source, f"{why}; yeniden açılış nüfus "
                                 "sınırlamasına tabidir ve yerleştirme puanı hesaplanır.", False),
              *extra, _takeover(dates), halved=halved)


def _transfer(category: str, has: bool, exempt: bool,
              in_window: list[PharmacyEvent]) -> ActionVerdict:
    a = "devir"
    if not has:
        return _v(a, IZINSIZ, Reason("eczane-yok", S_CLASSES, "Devredilecek bir eczaneniz yok.",
                                     False))
    after = Reason("devir-sonrasi", S_CRIT, "Devirden sonra yeniden eczane açarsanız nüfus "
                   "sınırlamasına tabi olursunuz ve yerleştirme puanınız yarıya düşer.", None)
    if exempt:
        src = S_HAD if category == "2012_eczaneli" else S_HAD_NOT
        return _v(a, IZINLI, Reason("gecici3-devir", src, "Bir kereye mahsus devir hakkınız var "
                                    "(başka ilçeye naklettiğiniz eczane dahil).", True), after)
    if in_window:
        why = Reason("hak-kullanildi", S_WINDOW, f"{tr_date(in_window[0].on)} tarihli işlemle bir "
                     "kereye mahsus haklarınızı kullanmış sayılıyorsunuz.", False)
    else:
        why = Reason("devir-nufusa-tabi", S_CLASSES, "Bu eczane bir kereye mahsus haklarla "
                     "açılmadı; devri mevzuatta açıkça düzenlenmemiş.", None)
    return _v(a, BELIRSIZ, why, Reason(
        "aeo", S_AEO, "Ankara Eczacı Odasına göre yönetmelik şartlarına (dükkan ibaresi, cadde "
        "cephesi) uyan eczanelerin devir hakkı olduğu değerlendiriliyor; bağlayıcı değildir. "
        "Odanıza danışın.", None), after)


def _move_within(h: PharmacistHistory, has: bool) -> ActionVerdict:
    a = "ilce_ici_nakil"
    if not has:
        return _v(a, IZINSIZ, Reason("eczane-yok", S_CLASSES, "Nakledilecek bir eczaneniz yok.",
                                     False))
    if h.opened_where_no_pharmacy:
        return _v(a, SINIRLI, Reason("eczanesiz-yerlesim", f"{S_CRIT} madde 3", "Hiç eczanesi "
                                     "olmayan yerleşim biriminde açılan eczanenin başka yerlere "
                                     "naklinde nüfus kriteri işletilir.", False))
    return _v(a, IZINLI, Reason("ilce-ici", f"{S_CRIT} madde 2", "Eczanelerin aynı ilçe "
                                "içerisindeki nakillerinde nüfusa göre eczane açılması kriteri "
                                "uygulanmaz; istediğiniz kadar nakledebilirsiniz.", True),
              Reason("2014-mekan", S_HAD, "Yeni yer 2014 yönetmeliğine uymalı (dükkan ibaresi, "
                     "cadde üzerinde cephe ve kapı).", None))


def _move_out(h: PharmacistHistory, category: str, has: bool, exempt: bool,
              moves_out: list[PharmacyEvent], in_window: list[PharmacyEvent]) -> ActionVerdict:
    a = "ilce_disi_nakil"
    if not has:
        return _v(a, IZINSIZ, Reason("eczane-yok", S_CLASSES, "Nakledilecek bir eczaneniz yok.",
                                     False))
    if h.disaster_declared:
        return _v(a, IZINLI, Reason("afet", f"{S_CRIT} son madde", "Doğal afet ve mücbir "
                                    "sebeplerle nüfus azalması hâlinde o yerleşim yerindeki "
                                    "eczanelerin naklinde nüfus kriteri uygulanmaz.", True))
    if exempt and not moves_out:
        src = S_HAD if category == "2012_eczaneli" else S_HAD_NOT
        return _v(a, IZINLI, Reason("gecici3-nakil", src, "Bir kereye mahsus nüfus "
                                    "sınırlamasına tabi olmaksızın başka bir ilçeye nakil "
                                    "hakkınız var.", True),
                  Reason("ilan-beklemez", S_HAD, "TİTCK ilanını beklemeniz gerekmez; belgeleri "
                         "yeni yerin il/ilçe sağlık müdürlüğüne verirsiniz.", None))
    if category == "2013_sonrasi":
        why = Reason("nufus-kriteri", S_CRIT, "Başka ilçeye nakil nüfus kriteri ve yerleştirme "
                     "puanıyla yapılır.", False)
    elif moves_out:
        why = Reason("ikinci-nakil", S_HAD, f"{tr_date(moves_out[0].on)} tarihinde başka ilçeye "
                     "nakil hakkınızı kullandınız; yeni nakil nüfus sınırlamasına tabidir.", False)
    elif in_window:
        why = Reason("hak-kullanildi", S_WINDOW, f"{tr_date(in_window[0].on)} tarihli işlemle bir "
                     "kereye mahsus haklarınızı kullanmış sayılıyorsunuz.", False)
    else:
        why = Reason("nufus-kriteri", S_CRIT, "Bu eczane bir kereye mahsus haklarla açılmadı; "
                     "başka ilçeye nakli nüfus sınırlamasına tabidir.", False)
    return _v(a, SINIRLI, why)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)
