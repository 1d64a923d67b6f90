"""A count as files: an XLSX workbook and a plain karekod list (one pack per line).

The karekod list is what other software takes in (seed 000 step 1 "Karekodları Dosyaya
Kopyala", step 4 loading karekods from a text file). Formats: ``gs`` — the GS1 element string
with a GS (ASCII 29) after the variable-length serial, as a scanner sends it; ``hri`` —
``(01)…(21)…(17)…(10)…``; ``raw`` — exactly what was scanned.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, and_, select

from eczane.domain.count import ScanGroup
from eczane.domain.formatting import local_naive
from eczane.exports.workbook import Column, Sheet, register, write_workbook
from eczane.store import count as store

register("count", "session_name", "product_name", "user_display_name", "device_id",
         "raw_scan", "client_scan_id")

FORMATS = ("gs", "hri", "raw")


def karekod_list(conn: Connection, session_id: int, *, grp: str | None = None,
                 fmt: str = "gs") -> str:
    """Every pack on hand in the session, one karekod per line (newline-terminated)."""
    return "".join(karekod_lines(conn, session_id, grp=grp, fmt=fmt))


def karekod_lines(conn: Connection, session_id: int, *, grp: str | None = None,
                  fmt: str = "gs", per_chunk: int = 2000) -> Iterator[str]:
    """:func:`karekod_list` in pieces of ``per_chunk`` lines, read from the database as they are
    written out (memory stays bounded whatever the count; the web route streams them)."""
    if fmt not in FORMATS:
        raise ValueError(f"Bilinmeyen biçim: {fmt!r} ({', '.join(FORMATS)}).")
    lines: list[str] = []
    for s in store.active_scans(conn, session_id, grp=grp):
        if fmt == "raw":
            lines.append(s.raw)
        elif fmt == "hri":
            lines.append(s.karekod.hri())
        else:
            lines.append(s.karekod.element_string())
        if len(lines) >= per_chunk:
            yield "".join(line + "\n" for line in lines)
            lines = []
    if lines:
        yield "".join(line + "\n" for line in lines)


def count_xlsx(conn: Connection, session: store.CountSession) -> bytes:
    """The count as a workbook in memory (see :func:`write_count_xlsx`)."""
    buf = io.BytesIO()
    write_count_xlsx(buf, conn, session)
    return buf.getvalue()


def write_count_xlsx(target: Path | str | IO[bytes], conn: Connection,
                     session: store.CountSession) -> None:
    """The count as a workbook: Özet, Ürünler (Turkish alphabetical order), Karekodlar,
    Geri alınanlar, Okunamayanlar (every unreadable scan, from every device).

    Scans are streamed from the database into the one writer (constant memory)."""
    users = store.user_names(conn, session.pharmacy_id)
    summ = store.summary(conn, session.id)
    totals = store.totals(conn, session.id, by_name=True)
    names = {t.gtin: t.name for t in totals}
    summary = [("Sayım", session.name), ("Durum", session.status.label_tr),
               ("Açan", users.get(session.opened_by, "")),
               ("Açılış", local_time(session.opened_at)),
               ("Kapatan", users.get(session.closed_by, "") if session.closed_by else ""),
               ("Kapanış", local_time(session.closed_at) if session.closed_at else ""),
               ("Raftaki kutu", summ["raf"]), ("Açık reçete kutusu", summ["acik_recete"]),
               ("Toplam kutu", summ["total"]), ("Ürün sayısı", summ["products"]),
               ("Geri alınan okutma", summ["undone"]), ("Okunamayan okutma", summ["rejected"])]
    scan_cols = [Column("Grup", 12), Column("GTIN", 16, "text"), Column("Ürün", 40),
                 Column("Seri no", 18, "text"), Column("SKT", 18), Column("Parti no", 18, "text"),
                 Column("Karekod (HRI)", 18, "text"), Column("Okutan", 18),
                 Column("Cihaz", 18, "text"), Column("Okutma zamanı", 18)]

    def undone() -> Iterator[list[Any]]:
        rows = conn.execute(
            select(store.count_scan).where(and_(store.count_scan.c.session_id == session.id,
                                                store.count_scan.c.undone_at.is_not(None)))
            .order_by(store.count_scan.c.id).execution_options(yield_per=2000))
        for r in rows:
            s = store._scan(r)
            if s.gtin not in names:
                names.update(store.product_names(conn, [s.gtin]))
            yield [*_scan_row(s, names, users), users.get(s.undone_by or 0, ""),
                   local_time(s.undone_at)]

    write_workbook(target, [
        Sheet("Özet", [Column("", 22), Column("", 40)], summary, header_row=False,
              bold_first_column=True),
        Sheet("Ürünler", [Column("GTIN", 16, "text"), Column("Ürün", 45), Column("Raf"),
                          Column("Açık reçete"), Column("Toplam")],
              ([t.gtin, t.name, t.raf, t.acik_recete, t.total] for t in totals), freeze=False),
        Sheet("Karekodlar", scan_cols,
              (_scan_row(s, names, users) for s in store.active_scans(conn, session.id))),
        Sheet("Geri alınanlar", [*scan_cols, Column("Geri alan", 18),
                                 Column("Geri alma zamanı", 18)], undone(),
              autofilter=False, freeze=False),
        _rejected_sheet(conn, session.id, users),
    ], title=f"Sayım {session.id}", comments="eczane — sayım")


def _rejected_sheet(conn: Connection, session_id: int, users: dict[int, str]) -> Sheet:
    """Every unreadable scan, oldest first: what was sent, why it was not read, what to do."""
    cols = [Column("Okutma zamanı", 19), Column("Grup"), Column("Okutulan veri", 40, "text"),
            Column("Sebep kodu"), Column("Sebep", 50), Column("Ne yapmalı", 50),
            Column("Okutan", 16), Column("Cihaz", 16, "text"), Column("Okutma kimliği", 16, "text")]
    from eczane.store.count.reading import _rejected

    rejected = store.count_scan_rejected
    rows = conn.execute(select(rejected).where(rejected.c.session_id == session_id)
                        .order_by(rejected.c.id).execution_options(yield_per=2000))
    return Sheet("Okunamayanlar", cols, (
        [local_time(r.scanned_at), ScanGroup(r.grp).label_tr, r.raw_shown, r.detail or r.code,
         r.message, r.hint, users.get(r.user_id, str(r.user_id)), r.device_id, r.client_scan_id]
        for r in map(_rejected, rows)))


def _scan_row(s: store.StoredScan, names: dict[str, str], users: dict[int, str]) -> list[Any]:
    return [ScanGroup(s.grp).label_tr, s.gtin, names.get(s.gtin, store.UNKNOWN_PRODUCT), s.serial,
            s.expiry, s.batch, s.karekod.hri(), users.get(s.user_id, str(s.user_id)),
            s.device_id, local_time(s.scanned_at)]


def local_time(ts: datetime | None) -> datetime | None:
    """A stored timestamp as naive Europe/Istanbul time (what the pharmacist reads in Excel)."""
    return local_naive(ts)
