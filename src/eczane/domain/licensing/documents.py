"""The licence file checklist (ruhsat dosyası) and the one-month rule for document dates.

seed 002 §1.3 and §2.3: 17 numbered items for a free pharmacy and for a hospital pharmacy, some
only in given situations (previous pharmacy, depot manager, criminal record, marital status,
name change, owning the shop). "*** Bütün belgeler ilgili İlçe Sağlık Müdürlüğü'ne yapılan
başvuru tarihinden (ilk başvuru tarihi) en fazla 1(bir) ay önce alınmış olmalıdır."

>>> from datetime import date
>>> one_month_before(date(2026, 3, 31))
datetime.date(2026, 2, 28)
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.reasons import SEED_ISTANBUL, Reason, field_label, get_date, tr_date

KINDS = {"serbest": "Serbest eczane", "hastane": "Hastane eczanesi"}
STATUS_TR = {"tamam": "Tamam", "eski": "Tarihi eski", "eksik": "Eksik", "ileri": "İleri tarih",
             "gerekmez": "Gerekmiyor"}


@dataclass(frozen=True)
class DocumentSpec:
    """One item of the file as the directorate lists it."""

    id: str
    no: str
    """The number on the directorate's list ("5*" = the conditional note under item 5)."""
    title: str
    note: str
    kinds: frozenset[str]
    condition: str | None = None
    """A condition key; "!key" = only when the condition does NOT hold."""
    copy: bool = False
    """A photocopy is accepted (otherwise originals: 'Aksi belirtilmedikçe fotokopi ... kabul
    edilmemektedir')."""

    def applies(self, kind: str, conditions: frozenset[str]) -> bool:
        if kind not in self.kinds:
            return False
        if self.condition is None:
            return True
        if self.condition.startswith("!"):
            return self.condition[1:] not in conditions
        return self.condition in conditions


@dataclass(frozen=True)
class DocumentRequest:
    kind: str
    first_application: date | None
    """Date of the first application to the İlçe Sağlık Müdürlüğü (planned or actual)."""
    conditions: frozenset[str]
    obtained: Mapping[str, date]
    """Document id → the date it was obtained."""

    @classmethod
    def parse(cls, data: dict[str, Any], known_conditions: Mapping[str, str],
              known_ids: frozenset[str]) -> DocumentRequest:
        kind = str(data.get("tur") or "serbest")
        if kind not in KINDS:
            raise ParseError(f"{field_label('tur')} bilinmiyor: {kind!r} (serbest, hastane).", code="bad_value")
        conds = data.get("durumlar") or []
        if not isinstance(conds, list):
            raise ParseError(f"{field_label('durumlar')} bir liste olmalı.", code="bad_value")
        for c in conds:
            if c not in known_conditions:
                raise ParseError(f"Bilinmeyen durum: {c!r} (beklenen: "
                                 f"{', '.join(known_conditions)}).", code="bad_value")
        raw = data.get("belgeler") or {}
        if not isinstance(raw, dict):
            raise ParseError(f"{field_label('belgeler')} bir nesne olmalı: {{belge_kodu: tarih}}.", code="bad_value")
        obtained: dict[str, date] = {}
        for key in raw:
            if key not in known_ids:
                raise ParseError(f"Bilinmeyen belge kodu: {key!r}.", code="bad_value")
            d = get_date(raw, key)
            if d is not None:
                obtained[key] = d
        return cls(kind, get_date(data, "ilk_basvuru"), frozenset(str(c) for c in conds), obtained)


@dataclass(frozen=True)
class DocumentLine:
    spec: DocumentSpec
    required: bool
    obtained: date | None
    status: str
    """tamam / eski / eksik / ileri / gerekmez."""
    message: str

    @property
    def status_text(self) -> str:
        return STATUS_TR[self.status]


@dataclass(frozen=True)
class DocumentResult:
    kind: str
    first_application: date | None
    earliest_allowed: date | None
    lines: tuple[DocumentLine, ...]
    reasons: tuple[Reason, ...]

    @property
    def result(self) -> str:
        needed = [x for x in self.lines if x.required]
        return "tamam" if all(x.status == "tamam" for x in needed) else "eksik"

    @property
    def latest_application(self) -> date | None:
        """The last day to apply before the oldest document gets too old."""
        dates = [x.obtained for x in self.lines if x.required and x.obtained]
        return add_one_month(min(dates)) if dates else None

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "tur": self.kind,
                "ilk_basvuru": self.first_application.isoformat() if self.first_application
                else None,
                "en_erken_belge_tarihi": self.earliest_allowed.isoformat()
                if self.earliest_allowed else None,
                "en_gec_basvuru": self.latest_application.isoformat()
                if self.latest_application else None,
                "belgeler": [{"kod": x.spec.id, "no": x.spec.no, "ad": x.spec.title,
                              "gerekli": x.required, "fotokopi_kabul": x.spec.copy,
                              "tarih": x.obtained.isoformat() if x.obtained else None,
                              "durum": x.status, "mesaj": x.message} for x in self.lines],
                "reasons": [r.to_json() for r in self.reasons]}


def one_month_before(d: date) -> date:
    """Same day one calendar month earlier, clamped to the month's last day."""
    y, m = (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def add_one_month(d: date) -> date:
    """Same day one calendar month later, clamped (31.01 → 28/29.02)."""
    y, m = (d.year, d.month + 1) if d.month < 12 else (d.year + 1, 1)
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def check_documents(specs: tuple[DocumentSpec, ...], req: DocumentRequest, *, today: date,
                    rule_text: str) -> DocumentResult:
    """Which documents are needed, and is each one's date within the one-month rule?

    References: seed 002 §1.3 / §2.3 (lists, "en fazla 1(bir) ay önce", originals).
    """
    app = req.first_application
    earliest = one_month_before(app) if app else None
    lines = []
    source = f"{SEED_ISTANBUL} §{'1.3' if req.kind == 'serbest' else '2.3'} DOSYA TESLİMİ"
    for spec in specs:
        if req.kind not in spec.kinds:
            continue
        required = spec.applies(req.kind, req.conditions)
        got = req.obtained.get(spec.id)
        if not required:
            status, msg = "gerekmez", "Durumunuza göre gerekmiyor."
        elif got is None:
            status, msg = "eksik", "Henüz alınmadı."
        elif got > today:
            status, msg = "ileri", f"Alınma tarihi {tr_date(got)} bugünden sonra."
        elif app is not None and earliest is not None and got < earliest:
            status, msg = "eski", (f"{tr_date(got)} tarihli; ilk başvuru {tr_date(app)} için en "
                                   f"erken {tr_date(earliest)} olmalı. Yeniden alın.")
        else:
            status, msg = "tamam", f"{tr_date(got)} tarihli."
        lines.append(DocumentLine(spec, required, got, status, msg))
    reasons = [Reason("bir-ay", source, rule_text, None),
               Reason("asil-belge", source, "Hazırlanacak dosyadaki evraklar asıl olmalıdır. "
                      "Aksi belirtilmedikçe fotokopi veya suret kabul edilmemektedir.", None)]
    stale = [x for x in lines if x.status == "eski"]
    if stale:
        reasons.append(Reason("bir-ay", source, f"{len(stale)} belgenin tarihi bir aydan eski: "
                              + ", ".join(x.spec.title for x in stale) + ".", False))
    if app is None:
        reasons.append(Reason("bir-ay", source, "İlk başvuru tarihi girilmedi: belge tarihleri "
                              "bir ay kuralına göre denetlenmedi.", None))
    return DocumentResult(req.kind, app, earliest, tuple(lines), tuple(reasons))
