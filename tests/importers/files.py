"""Builders of test files the way real ones arrive: XLSX written by a spreadsheet program,
CSV in Turkish Excel's encoding and separator, karekod text exports."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], *, date_format: str = "dd.mm.yyyy",
               sheet: str = "Stok") -> Path:
    """Write rows to an XLSX; dates get a real date format (as İTS/Excel would store them)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    fmt = wb.add_format({"num_format": date_format})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date) and not isinstance(value, datetime):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write(r, c, value)
    wb.close()
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, sep: str = ";",
              encoding: str = "utf-8") -> Path:
    text = "\r\n".join(sep.join(str(v) for v in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_zip_bomb(path: Path, *, inflated: int = 200_000_000) -> Path:
    """An XLSX-shaped zip whose sheet inflates from ~200 KB to ``inflated`` bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            block = b"<c>0</c>" * 131072
            for _ in range(inflated // len(block)):
                f.write(block)
    return path


def write_lying_zip_bomb(path: Path, *, inflated: int = 60_000_000, declared: int = 1_000_000) -> Path:
    """A zip whose sheet declares ``declared`` bytes but inflates to ``inflated`` (forged sizes
    in both the local header and the central directory, so the ratio check sees nothing)."""
    import struct

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<c>0</c>" * (inflated // 8))
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    local = data.index(name) - 30
    struct.pack_into("<I", data, local + 22, declared)
    central = data.index(b"PK\x01\x02", data.index(name) + len(name))
    while data[central + 46: central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))
    return path
