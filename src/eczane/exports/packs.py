"""The one row shape every export writes, built from a domain result or a stored row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from eczane.domain.catalog import PrescriptionClass
from eczane.domain.reconcile import (
    BUCKETS,
    NOTE_DATE_UNCHECKED,
    PackResult,
    Rules,
    pack_reason_text,
    reason_text,
)


@dataclass(frozen=True)
class ExportPack:
    gtin: str
    serial: str
    expiry: date | None
    batch: str
    product_name: str
    prescription_class: str
    last_tx_date: date | None
    bucket: str
    reason: str
    reason_text: str
    notes: tuple[str, ...] = ()
    sender_type: str = ""
    sender: str = ""
    override_note: str = ""

    def element_string(self, gs: str = "\x1d") -> str:
        """GS1 element string 01-21-17-10 (as ``Karekod.element_string``); without AI 17 when
        İTS gave no expiry."""
        from eczane.domain.karekod import Karekod

        if self.expiry is not None:
            return Karekod(self.gtin, self.serial, self.expiry, self.batch).element_string(gs)
        return f"01{self.gtin}21{self.serial}" + (f"{gs}10{self.batch}" if self.batch else "")

    def hri(self) -> str:
        skt = f"(17){self.expiry:%y%m%d}" if self.expiry else ""
        return f"(01){self.gtin}(21){self.serial}{skt}(10){self.batch}"


def from_result(p: PackResult, rules: Rules) -> ExportPack:
    return ExportPack(p.gtin, p.serial, p.expiry, p.batch, p.product_name,
                      p.prescription_class.value if p.prescription_class else "",
                      p.last_tx_date, p.bucket.value, p.reason.value, pack_reason_text(p, rules),
                      p.notes, p.sender_type, p.sender)


def _d(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def from_row(r: Any, records_before: date | None) -> ExportPack:
    """From a ``reconciliation_pack`` row (``eczane.store.reconcile.bucket_packs``)."""
    cls = PrescriptionClass(r.prescription_class) if r.prescription_class else None
    text = reason_text(r.reason, expiry=_d(r.expiry), last_tx_date=_d(r.last_tx_date),
                       prescription_class=cls, sender=r.sender, records_before=records_before)
    notes = tuple(n for n in (r.note or "").split(",") if n)
    if NOTE_DATE_UNCHECKED in notes and r.reason != NOTE_DATE_UNCHECKED:
        text += " (İşlem tarihi bilinmiyor: tarih kontrolü yapılmadı.)"
    return ExportPack(r.gtin, r.serial, _d(r.expiry), r.batch, r.product_name,
                      r.prescription_class or "", _d(r.last_tx_date), r.bucket, r.reason, text,
                      notes, r.sender_type, r.sender, getattr(r, "override_note", "") or "")


def group_results(packs: Iterable[PackResult], rules: Rules) -> dict[str, list[ExportPack]]:
    out: dict[str, list[ExportPack]] = {b.value: [] for b in BUCKETS}
    for p in packs:
        out[p.bucket.value].append(from_result(p, rules))
    return out


def group_rows(by_bucket: Mapping[str, Iterable[Any]], records_before: date | None
               ) -> dict[str, list[ExportPack]]:
    return {b: [from_row(r, records_before) for r in rows] for b, rows in by_bucket.items()}
