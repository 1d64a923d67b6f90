"""The reconciliation as an XLSX workbook: one sheet per bucket (sheet name = bucket code).

Every text cell is written as a string (``write_string``; xlsxwriter's formula and number
conversion switched off), so a cell that starts with ``=``, ``+``, ``-`` or ``@`` stays text:
no formula injection from a serial, a product name or a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from io import BytesIO
from pathlib import Path
from typing import IO

import xlsxwriter

from eczane.domain.reconcile import BUCKET_LABELS_TR, BUCKETS, Bucket
from eczane.exports.packs import ExportPack

COLUMNS = ("GTIN", "Seri No", "SKT", "Parti No", "Ürün", "Reçete türü", "Son İTS işlemi",
           "Sebep kodu", "Sebep", "Not", "Gönderici tipi", "Gönderici", "Eczacı notu", "Karekod")
WIDTHS = (16, 22, 11, 12, 40, 11, 14, 20, 70, 16, 12, 24, 24, 60)


def write_xlsx(target: Path | str | IO[bytes], by_bucket: Mapping[str, Iterable[ExportPack]],
               *, title: str = "", window_text: str = "") -> None:
    """Write the workbook; sheets in bucket order, each with a header row and a filter.

    The packs may be any iterable (a stream from the database): rows are written as they come
    (xlsxwriter ``constant_memory``)."""
    wb = xlsxwriter.Workbook(target if not isinstance(target, Path) else str(target), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False})
    wb.set_properties({"title": title or "Mutabakat", "subject": window_text,
                       "comments": "eczane — İTS stok mutabakatı"})
    head = wb.add_format({"bold": True, "bg_color": "#EEF2F4"})
    dfmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    for b in BUCKETS:
        ws = wb.add_worksheet(b.value)
        for c, (name, width) in enumerate(zip(COLUMNS, WIDTHS, strict=True)):
            ws.set_column(c, c, width)
            ws.write_string(0, c, name, head)
        r = 0
        for r, p in enumerate(by_bucket.get(b.value, ()), start=1):
            cells = (p.gtin, p.serial, p.expiry, p.batch, p.product_name, p.prescription_class,
                     p.last_tx_date, p.reason, p.reason_text, ",".join(p.notes), p.sender_type,
                     p.sender, p.override_note, p.hri())
            for c, v in enumerate(cells):
                if v is None or v == "":
                    continue  # an empty cell costs nothing; a million matched rows add up
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write_datetime(r, c, v, dfmt)
        ws.autofilter(0, 0, max(r, 1), len(COLUMNS) - 1)
        ws.freeze_panes(1, 0)
        ws.set_header(f"&L{BUCKET_LABELS_TR[Bucket(b.value)]}")
    wb.close()


def xlsx_bytes(by_bucket: Mapping[str, Iterable[ExportPack]], **kw: str) -> bytes:
    buf = BytesIO()
    write_xlsx(buf, by_bucket, **kw)
    return buf.getvalue()
