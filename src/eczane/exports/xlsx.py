"""The reconciliation as an XLSX workbook: one sheet per bucket, named in Turkish.

Written through the one writer (:mod:`eczane.exports.workbook`): serials, product names, notes
and İTS's sender names are text cells, never formulas; the packs are streamed from the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from io import BytesIO
from pathlib import Path
from typing import IO

from eczane.domain.catalog import PrescriptionClass
from eczane.domain.reconcile import (
    BUCKET_LABELS_TR,
    BUCKETS,
    NOTE_DATE_UNCHECKED,
    SENDER_TYPES,
    Bucket,
)
from eczane.exports.packs import ExportPack
from eczane.exports.workbook import Column, Sheet, register, write_workbook

register("reconciliation", "product_name", "batch", "serial", "sender", "note", "override_note")

SHEET_NAMES: dict[Bucket, str] = {
    Bucket.MATCHED: "Eşleşen",
    Bucket.NOT_ON_HAND_ELIGIBLE: "Elde yok, deaktive edilebilir",
    Bucket.NOT_ON_HAND_INELIGIBLE: "Elde yok, deaktive edilemez",
    Bucket.EXPIRED: "Miadı dolan",
    Bucket.IN_TRANSIT: "Arada kalan",
    Bucket.ON_HAND_NOT_IN_ITS: "Elde var, İTS'de yok",
}
"""Sheet names (Excel allows 31 characters; the long labels are in the printed page header)."""

COLUMNS = (Column("GTIN", 16, "text"), Column("Seri No", 22, "text"), Column("SKT", 11),
           Column("Parti No", 12, "text"), Column("Ürün", 40), Column("Reçete türü", 16),
           Column("Son İTS işlemi", 14), Column("Sebep kodu", 20), Column("Sebep", 70),
           Column("Not", 16), Column("Gönderici tipi", 12), Column("Gönderici", 24),
           Column("Eczacı notu", 24), Column("Karekod", 60, "text"))


def class_label(code: str) -> str:
    """``purple`` → ``Mor reçete``; an unknown code is shown as it is, empty stays empty."""
    try:
        return PrescriptionClass(code).label_tr if code else ""
    except ValueError:
        return code


NOTE_LABELS = {NOTE_DATE_UNCHECKED: "İşlem tarihi bilinmiyor"}


def _rows(packs: Iterable[ExportPack]) -> Iterator[tuple[object, ...]]:
    for p in packs:
        yield (p.gtin, p.serial, p.expiry, p.batch, p.product_name,
               class_label(p.prescription_class), p.last_tx_date, p.reason, p.reason_text,
               ", ".join(NOTE_LABELS.get(n, n) for n in p.notes),
               SENDER_TYPES.get(p.sender_type, p.sender_type), p.sender, p.override_note, p.hri())


def write_xlsx(target: Path | str | IO[bytes], by_bucket: Mapping[str, Iterable[ExportPack]],
               *, title: str = "", window_text: str = "") -> None:
    """Write the workbook; sheets in bucket order, each with a header row and a filter.

    The packs may be any iterable (a stream from the database): rows are written as they come."""
    write_workbook(target, (Sheet(SHEET_NAMES[b], COLUMNS, _rows(by_bucket.get(b.value, ())),
                                  page_header=BUCKET_LABELS_TR[b]) for b in BUCKETS),
                   title=title or "Mutabakat", subject=window_text,
                   comments="eczane — İTS stok mutabakatı")


def xlsx_bytes(by_bucket: Mapping[str, Iterable[ExportPack]], **kw: str) -> bytes:
    buf = BytesIO()
    write_xlsx(buf, by_bucket, **kw)
    return buf.getvalue()
