"""A count as files: an XLSX workbook and a plain karekod list (one pack per line).

The karekod list is what other software takes in (seed 000 step 1 "Karekodları Dosyaya
Kopyala", step 4 loading karekods from a text file). Formats: ``gs`` — the GS1 element string
with a GS (ASCII 29) after the variable-length serial, as a scanner sends it; ``hri`` —
``(01)…(21)…(17)…(10)…``; ``raw`` — exactly what was scanned.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import xlsxwriter
from sqlalchemy import Connection, select

from eczane.domain.count import ScanGroup
from eczane.store import count as store

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
    """:func:`write_count_xlsx` into memory (small counts, tests)."""
    buf = io.BytesIO()
    write_count_xlsx(conn, session, buf)
    return buf.getvalue()


def write_count_xlsx(conn: Connection, session: store.CountSession, target: Any) -> None:
    """The count as a workbook: Özet, Ürünler (Turkish alphabetical order), Karekodlar,
    Geri alınanlar, Okunamayanlar (every unreadable scan, from every device).

    ``target`` is a path or a binary file. Memory stays bounded whatever the count (issue 13:
    1.6 million unreadable scans took 5.2 GB): rows are read from the database as they are
    written and XlsxWriter's ``constant_memory`` mode flushes each row to a temporary file.
    """
    users = store.user_names(conn, session.pharmacy_id)
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "remove_timezone": True})
    bold = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    ts_fmt = wb.add_format({"num_format": "dd.mm.yyyy hh:mm:ss"})

    summ = store.summary(conn, session.id)
    ws = wb.add_worksheet("Özet")
    rows = [("Sayım", session.name), ("Durum", session.status.label_tr),
            ("Açan", users.get(session.opened_by, "")),
            ("Açılış", local_time(session.opened_at)),
            ("Kapatan", users.get(session.closed_by, "") if session.closed_by else ""),
            ("Kapanış", local_time(session.closed_at) if session.closed_at else ""),
            ("Raftaki kutu", summ["raf"]), ("Açık reçete kutusu", summ["acik_recete"]),
            ("Toplam kutu", summ["total"]), ("Ürün sayısı", summ["products"]),
            ("Geri alınan okutma", summ["undone"]), ("Okunamayan okutma", summ["rejected"])]
    for i, (k, v) in enumerate(rows):
        ws.write(i, 0, k, bold)
        if isinstance(v, datetime):
            ws.write_datetime(i, 1, v, ts_fmt)
        else:
            ws.write(i, 1, v)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 40)

    ws = wb.add_worksheet("Ürünler")
    ws.write_row(0, 0, ["GTIN", "Ürün", "Raf", "Açık reçete", "Toplam"], bold)
    product_totals = store.totals(conn, session.id, by_name=True)
    for i, t in enumerate(product_totals, start=1):
        ws.write_string(i, 0, t.gtin)
        ws.write_row(i, 1, [t.name, t.raf, t.acik_recete, t.total])
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 45)
    ws.autofilter(0, 0, 0, 4)

    header = ["Grup", "GTIN", "Ürün", "Seri no", "SKT", "Parti no", "Karekod (HRI)", "Okutan",
              "Cihaz", "Okutma zamanı"]
    names = {t.gtin: t.name for t in product_totals}   # every GTIN on hand, named once
    ws = wb.add_worksheet("Karekodlar")
    ws.set_column(0, 0, 12)   # constant_memory: column widths before the rows
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 40)
    ws.set_column(3, 9, 18)
    ws.write_row(0, 0, header, bold)
    i = 0
    for i, s in enumerate(store.active_scans(conn, session.id), start=1):  # noqa: B007
        _scan_row(ws, i, s, names, users, date_fmt, ts_fmt)
    ws.autofilter(0, 0, max(i, 1), len(header) - 1)
    ws.freeze_panes(1, 0)

    from sqlalchemy import and_

    gone = and_(store.count_scan.c.session_id == session.id,
                store.count_scan.c.undone_at.is_not(None))
    undone_names = store.product_names(conn, conn.execute(
        select(store.count_scan.c.gtin).where(gone).distinct()).scalars())
    undone = (store._scan(r) for r in conn.execute(
        select(store.count_scan).where(gone).order_by(store.count_scan.c.id)
        .execution_options(yield_per=2000)))
    ws = wb.add_worksheet("Geri alınanlar")
    ws.write_row(0, 0, [*header, "Geri alan", "Geri alma zamanı"], bold)
    for i, s in enumerate(undone, start=1):
        _scan_row(ws, i, s, undone_names, users, date_fmt, ts_fmt)
        ws.write(i, 10, users.get(s.undone_by or 0, ""))
        ws.write_datetime(i, 11, local_time(s.undone_at), ts_fmt)
    _rejected_sheet(wb, conn, session.id, users, bold, ts_fmt)
    wb.close()


def _rejected_sheet(wb, conn, session_id, users, bold, ts_fmt) -> None:  # type: ignore[no-untyped-def]
    """Every unreadable scan, oldest first: what was sent, why it was not read, what to do."""
    ws = wb.add_worksheet("Okunamayanlar")
    header = ["Okutma zamanı", "Grup", "Okutulan veri", "Sebep kodu", "Sebep", "Ne yapmalı",
              "Okutan", "Cihaz", "Okutma kimliği"]
    ws.set_column(0, 0, 19)   # constant_memory: column widths before the rows
    ws.set_column(2, 2, 40)
    ws.set_column(4, 5, 50)
    ws.set_column(6, 8, 16)
    ws.write_row(0, 0, header, bold)
    i = 0
    for i, r in enumerate(store.iter_rejected_scans(conn, session_id), start=1):
        ws.write_datetime(i, 0, local_time(r.scanned_at), ts_fmt)
        ws.write(i, 1, ScanGroup(r.grp).label_tr)
        for col, value in enumerate((r.raw_shown, r.detail or r.code, r.message, r.hint,
                                     users.get(r.user_id, str(r.user_id)), r.device_id,
                                     r.client_scan_id), start=2):
            ws.write_string(i, col, value)   # never a formula, whatever was scanned
    ws.autofilter(0, 0, max(i, 1), len(header) - 1)
    ws.freeze_panes(1, 0)


def _scan_row(ws, i, s, names, users, date_fmt, ts_fmt) -> None:  # type: ignore[no-untyped-def]
    ws.write(i, 0, ScanGroup(s.grp).label_tr)
    ws.write_string(i, 1, s.gtin)
    ws.write(i, 2, names.get(s.gtin, store.UNKNOWN_PRODUCT))
    ws.write_string(i, 3, s.serial)
    ws.write_datetime(i, 4, s.expiry, date_fmt)
    ws.write_string(i, 5, s.batch)
    ws.write_string(i, 6, s.karekod.hri())
    ws.write(i, 7, users.get(s.user_id, str(s.user_id)))
    ws.write_string(i, 8, s.device_id)
    ws.write_datetime(i, 9, local_time(s.scanned_at), ts_fmt)


def local_time(ts: datetime | None) -> datetime | None:
    """A stored timestamp as naive local time (what the pharmacist reads in Excel)."""
    if ts is None:
        return None
    if ts.tzinfo is None:  # SQLite hands back naive UTC
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone().replace(tzinfo=None)
