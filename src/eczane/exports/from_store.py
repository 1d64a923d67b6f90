"""Exports of a stored reconciliation (the web pages and the İTS outbox use the same files)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from eczane.domain.formatting import date_tr, datetime_tr, to_local
from eczane.domain.reconcile import BUCKETS, Bucket, Rules, window_status
from eczane.exports.karekod_list import exchange_files, karekod_list_text
from eczane.exports.packs import ExportPack, from_row
from eczane.exports.report import ReportData, report_html
from eczane.exports.xlsx import xlsx_bytes
from eczane.store import reconcile as store
from eczane.store.core import pharmacy
from eczane.windows import load_windows


def window_of(rec: store.Reconciliation) -> Any:
    """The window the run used (by code), else the default one."""
    for w in load_windows():
        if w.code == rec.window_code:
            return w
    from eczane.windows import default_window

    return default_window()


def rules_of(rec: store.Reconciliation) -> Rules:
    w = window_of(rec)
    return Rules(rec.today, rec.records_before, w.excluded_classes)


def export_packs(conn: Connection, rec: store.Reconciliation, bucket: str, *,
                 overridden: bool = False) -> list[ExportPack]:
    return [from_row(r, rec.records_before)
            for r in store.bucket_packs(conn, rec.id, bucket, overridden=overridden)]


def all_export_packs(conn: Connection, rec: store.Reconciliation, *,
                     matched: bool = False) -> dict[str, list[ExportPack]]:
    """Every bucket's packs (overrides applied); the matched majority only when asked."""
    return {b.value: export_packs(conn, rec, b.value) if matched or b is not Bucket.MATCHED else []
            for b in BUCKETS}


def stream_export_packs(conn: Connection, rec: store.Reconciliation) -> dict[str, Iterator[ExportPack]]:
    """Every bucket's packs as streams (for the XLSX of a whole pharmacy)."""
    return {b.value: (from_row(r, rec.records_before)
                      for r in store.iter_bucket_packs(conn, rec.id, b.value)) for b in BUCKETS}


def karekod_text(conn: Connection, rec: store.Reconciliation) -> str:
    """"Elinizde Olmayan Karekodlar": the deactivation list after the pharmacist's overrides.

    Packs counted on hand after the run are left out: the file is loaded into the pharmacy
    program's loss screen and sent to İTS from there (seed 000's second path), so it follows
    the outbox's rule that nothing counted is ever deactivated.
    """
    from eczane.store.outbox import counted_after

    packs = export_packs(conn, rec, Bucket.NOT_ON_HAND_ELIGIBLE.value)
    found = set(counted_after(conn, rec.pharmacy_id, rec.created_at,
                              [(x.gtin, x.serial) for x in packs]))
    return karekod_list_text([x for x in packs if (x.gtin, x.serial) not in found])


def exchange_texts(conn: Connection, rec: store.Reconciliation) -> dict[str, str]:
    return exchange_files(export_packs(conn, rec, Bucket.IN_TRANSIT.value))


def xlsx_body(conn: Connection, rec: store.Reconciliation, today: date) -> bytes:
    status = window_status(window_of(rec), today)
    return xlsx_bytes(stream_export_packs(conn, rec), title=f"Mutabakat {rec.id}",
                      window_text=status.message)


def report_data(conn: Connection, rec: store.Reconciliation, today: date,
                prepared_by: str = "") -> ReportData:
    ph = conn.execute(select(pharmacy.c.name, pharmacy.c.gln).where(
        pharmacy.c.id == rec.pharmacy_id)).first()
    window = window_of(rec)
    counts = store.effective_counts(conn, rec)
    sources = describe_sources(conn, rec)
    return ReportData(
        pharmacy_name=ph.name if ph else "", pharmacy_gln=(ph.gln or "") if ph else "",
        today=rec.today, window=window, status=window_status(window, today),
        rules=rules_of(rec), counts=counts, by_bucket=all_export_packs(conn, rec),
        kept_out=export_packs(conn, rec, Bucket.NOT_ON_HAND_ELIGIBLE.value, overridden=True),
        date_checked=rec.date_checked, prepared_by=prepared_by, sources=sources)


def describe_sources(conn: Connection, rec: store.Reconciliation) -> list[str]:
    """What the run compared, in Turkish: the İTS file and when it was loaded, the count or list."""
    from sqlalchemy import text

    out = []
    snap = conn.execute(text("SELECT source_name, imported_at FROM its_snapshot WHERE id = :i"),
                        {"i": rec.its_snapshot_id}).first()
    if snap is not None:
        out.append(f"İTS stok dosyası #{rec.its_snapshot_id} ({snap.source_name}, yüklendi "
                   f"{datetime_tr(snap.imported_at)})")
    src = rec.onhand_source
    if src.get("count_session_id"):
        name = conn.execute(text("SELECT name FROM count_session WHERE id = :i"),
                            {"i": src["count_session_id"]}).scalar()
        out.append(f"Sayım #{src['count_session_id']} ({name or ''}, açık reçeteler dahil)")
    if src.get("onhand_import_id"):
        name = conn.execute(text("SELECT source_name FROM onhand_import WHERE id = :i"),
                            {"i": src["onhand_import_id"]}).scalar()
        out.append(f"Karekod listesi #{src['onhand_import_id']} ({name or ''})")
    return out


def stale_warning(conn: Connection, rec: store.Reconciliation) -> str:
    """A Turkish warning when the İTS file was not loaded on the day of the run (seed 000: download
    the İTS stock in the morning before the pharmacy opens; İTS may lag)."""
    from sqlalchemy import text

    at = to_local(conn.execute(text("SELECT imported_at FROM its_snapshot WHERE id = :i"),
                               {"i": rec.its_snapshot_id}).scalar())
    if at is None or at.date() >= rec.today:
        return ""
    return (f"İTS stok dosyası {date_tr(at)} tarihinde yüklenmiş, karşılaştırma {date_tr(rec.today)} "
            "tarihli: arada yapılan satış ve alımlar yansımamış olabilir. İTS stoğunu sabah eczane "
            "açılmadan yeniden indirip yükleyin.")


def report_page(conn: Connection, rec: store.Reconciliation, prepared_by: str, today: date) -> str:
    return report_html(report_data(conn, rec, today, prepared_by))
