"""License file tracker: one pharmacist's way from application to licence, step by step.

The order is the İstanbul page's (seed 002 §MÜRACAAT, §1.2, §1.3): İlçe Sağlık Müdürlüğü file →
sketch approval by the Şube → Eczacı Odası approval and its Oda Uygunluk Belgesi → file handed in
with originals → fee paid → licence issued and collected (seed 001: within 30 days). A free
pharmacy placed by TİTCK starts with the placement (originals within 60 days); a hospital
pharmacy adds the hospital's licence and permits and uses a floor plan (kat planı) instead of a
site plan (seed 002 §2.2–2.3). Nothing is stored server-side: the state is the JSON the page
keeps in the browser (localStorage) and lets the pharmacist download.

>>> from datetime import date
>>> t = track(TrackerInput("serbest", {"ilce_dosya": StepState(done=date(2026, 1, 5))}),
...           today=date(2026, 1, 10))
>>> [s.status for s in t.steps][:3]
['tamam', 'sirada', 'bekliyor']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.documents import KINDS, add_one_month
from eczane.domain.licensing.reasons import (
    SEED_GUIDE,
    SEED_ISTANBUL,
    Reason,
    field_label,
    get_date,
    tr_date,
)


@dataclass(frozen=True)
class StepSpec:
    key: str
    title: str
    source: str
    documents: tuple[str, ...] = ()
    """Ids from documents.yaml, or free text for items that are not in the file list."""


def steps_for(kind: str, placed: bool) -> tuple[StepSpec, ...]:
    """The steps, in order, for a free (``serbest``) or hospital (``hastane``) pharmacy."""
    plan = "vaziyet planı" if kind == "serbest" else "kat planı"
    sec = "1" if kind == "serbest" else "2"
    steps = []
    if kind == "serbest" and placed:
        steps.append(StepSpec("yerlestirme", "TİTCK yerleştirmesi ilan edildi",
                              f"{SEED_GUIDE} §ECZANE AÇMA BAŞVURU İŞLEMLERİ"))
    steps.append(StepSpec("ilce_dosya", "İlçe Sağlık Müdürlüğü'nden ruhsatlandırma dosyası ve "
                          "yer uygunluk raporu", f"{SEED_ISTANBUL} §MÜRACAAT",
                          ("ilce_uygunluk", "ust_yazi")))
    if kind == "hastane":
        steps.append(StepSpec("hastane_izin", "Hastanenin ruhsatı ve faaliyet izin belgeleri",
                              f"{SEED_ISTANBUL} §2.3 madde 17", ("hastane_ruhsati",)))
    steps += [
        StepSpec("kroki_sube", f"Şubede kroki onayı (4 adet orijinal kroki, {plan})",
                 f"{SEED_ISTANBUL} §{sec}.2 Kroki Tasdiki", ("kroki",)),
        StepSpec("oda_onay", "Eczacı Odası kroki onayı ve Oda Uygunluk Belgesi",
                 f"{SEED_ISTANBUL} §MÜRACAAT", ("oda_uygunluk",)),
        StepSpec("dosya_teslim", "Dosyanın asıl belgelerle Şubeye teslimi (Çemberlitaş evrak "
                 "kaydı)", f"{SEED_ISTANBUL} §{sec}.3 DOSYA TESLİMİ"),
        StepSpec("harc", "Harç ödendi (Yeditepe Veraset ve Harçlar Vergi Dairesi)",
                 f"{SEED_ISTANBUL} §{sec}.3 madde 15", ("harc_makbuzu",)),
        StepSpec("ruhsat", "Ruhsatname düzenlendi ve teslim alındı",
                 f"{SEED_GUIDE} §ruhsat düzenlenmesi; §ruhsat alınmaz ise"),
    ]
    return tuple(steps)


@dataclass(frozen=True)
class StepState:
    done: date | None = None
    due: date | None = None
    """The pharmacist's own target date."""
    note: str = ""


@dataclass(frozen=True)
class TrackerInput:
    kind: str
    steps: Mapping[str, StepState]
    documents: Mapping[str, date] = field(default_factory=dict)
    """Document id → date obtained (same ids as the checklist)."""
    placement: date | None = None
    licence_issued: date | None = None
    name: str = ""

    @classmethod
    def parse(cls, data: dict[str, Any]) -> TrackerInput:
        kind = str(data.get("tur") or "serbest")
        if kind not in KINDS:
            raise ParseError(f"{field_label('tur')} bilinmiyor: {kind!r} (serbest, hastane).", code="bad_value")
        raw = data.get("adimlar")
        raw = {} if raw is None else raw
        if not isinstance(raw, dict):
            raise ParseError("Adımlar bir nesne olmalı.", code="bad_value")
        known = {s.key for s in steps_for(kind, True)}
        steps = {}
        for key, val in raw.items():
            if key not in known:
                raise ParseError(f"Bilinmeyen adım: {key!r}.", code="bad_value")
            val = val if isinstance(val, dict) else {}
            steps[key] = StepState(get_date(val, "tamam"), get_date(val, "hedef"),
                                   str(val.get("not") or ""))
        docs_raw = data.get("belgeler")
        docs_raw = {} if docs_raw is None else docs_raw
        if not isinstance(docs_raw, dict):
            raise ParseError(f"{field_label('belgeler')} bir nesne olmalı.", code="bad_value")
        docs = {k: d for k in docs_raw if (d := get_date(docs_raw, k)) is not None}
        return cls(kind, steps, docs, get_date(data, "yerlestirme_tarihi"),
                   get_date(data, "ruhsat_duzenlendi"), str(data.get("eczaci") or ""))


@dataclass(frozen=True)
class StepView:
    spec: StepSpec
    state: StepState
    status: str
    """tamam / gecikti / sirada / bekliyor."""
    due: date | None
    due_why: str
    documents: tuple[tuple[str, date | None], ...]


@dataclass(frozen=True)
class TrackerResult:
    steps: tuple[StepView, ...]
    late: str | None
    """Key of the step that is late (the first one), for highlighting."""
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {"result": {"geciken_adim": self.late, "adimlar": [
            {"kod": s.spec.key, "ad": s.spec.title, "durum": s.status,
             "tamam": s.state.done.isoformat() if s.state.done else None,
             "son_tarih": s.due.isoformat() if s.due else None, "son_tarih_neden": s.due_why,
             "belgeler": [{"kod": k, "tarih": d.isoformat() if d else None}
                          for k, d in s.documents], "source": s.spec.source}
            for s in self.steps]}, "reasons": [r.to_json() for r in self.reasons]}


S_LOST = (f"{SEED_GUIDE} §'Eczane açabileceği TİTCK tarafından ilan edilen eczacılar başvuruda "
          "bulunmaz ise'")
LOST_PLACEMENT = Reason(
    "yerlestirme-hakki-kaybi", S_LOST, "Mücbir sebep olmaksızın 60 gün içinde başvurmayan veya "
    "eksik evrak teslim eden eczacı yerleştirmeden doğan eczane açma hakkını kaybeder ve bir "
    "sonraki Kurum ilanında yerleştirme başvurusunda bulunamaz.", False)
"""seed 001: what missing the 60 days costs (the right, and the next announcement)."""


def _legal_due(spec: StepSpec, t: TrackerInput) -> tuple[date | None, str]:
    if spec.key == "ilce_dosya" and t.documents:
        oldest = min(t.documents.values())
        return add_one_month(oldest), (f"En eski belge {tr_date(oldest)}: belgeler ilk başvurudan "
                                       "en fazla 1 ay önce alınmış olmalı.")
    if spec.key == "dosya_teslim" and t.placement:
        return t.placement + timedelta(days=60), "Yerleştirme ilanından en geç 60 gün."
    if spec.key == "ruhsat" and t.licence_issued:
        return t.licence_issued + timedelta(days=30), ("Ruhsatname 30 gün içinde teslim "
                                                       "alınmazsa iptal edilir.")
    return None, ""


def track(t: TrackerInput, *, today: date) -> TrackerResult:
    """Status of every step; the first not-done step past its due date is the late one.

    References: seed 002 §MÜRACAAT, §1.2/§2.2, §1.3/§2.3; seed 001 (60 days, 30 days).
    """
    specs = steps_for(t.kind, t.placement is not None or "yerlestirme" in t.steps)
    views: list[StepView] = []
    reasons: list[Reason] = []
    current_found = False
    late = None
    prev_done: date | None = None
    for spec in specs:
        state = t.steps.get(spec.key, StepState())
        if spec.key == "yerlestirme" and state.done is None and t.placement:
            state = StepState(t.placement, state.due, state.note)
        legal, why = _legal_due(spec, t)
        due = min(d for d in (legal, state.due) if d) if (legal or state.due) else None
        if state.due and due == state.due and (legal is None or state.due < legal):
            why = "Sizin hedef tarihiniz."
        if state.done:
            status = "tamam"
            if prev_done and state.done < prev_done:
                reasons.append(Reason("sira", spec.source, f"'{spec.title}' "
                                      f"{tr_date(state.done)} tarihinde tamamlanmış; önceki adımdan "
                                      "önce. Tarihleri kontrol edin.", False))
            if legal and state.done > legal:
                reasons.append(Reason("gec-tamam", spec.source, f"'{spec.title}' son tarihten "
                                      f"({tr_date(legal)}) sonra tamamlandı.", False))
            prev_done = state.done
        elif due and due < today:
            status = "gecikti"
            late = late or spec.key
            reasons.append(Reason("gecikti", spec.source, f"'{spec.title}' için son tarih "
                                  f"{tr_date(due)} geçti. {why}", False))
            if spec.key == "dosya_teslim" and legal is not None and legal < today:
                reasons.append(LOST_PLACEMENT)
        elif not current_found:
            status = "sirada"
        else:
            status = "bekliyor"
        if status != "tamam":
            current_found = True
        ids = spec.documents
        if spec.key == "dosya_teslim":  # the file itself: every document not tied to a step
            tied = {d for s in specs for d in s.documents}
            ids = tuple(sorted(d for d in t.documents if d not in tied))
        docs = tuple((d, t.documents.get(d)) for d in ids)
        views.append(StepView(spec, state, status, due, why, docs))
    if not reasons:
        reasons.append(Reason("zamaninda", f"{SEED_ISTANBUL} §MÜRACAAT", "Geciken adım yok.", True))
    return TrackerResult(tuple(views), late, tuple(reasons))
