"""Reading the İTS stock export ("Stok İşlemleri ⇒ Stok İndir", XLSX) into pack rows.

The export's columns are not published (``research/its.md`` §4), so the reader finds the header
row by the synonym table (``data/importers/headers.yaml``), or applies the pharmacy's remembered
mapping, or raises ``MappingNeeded`` with a preview for the user to map the columns once.

Every data row becomes an ``ItsStockRow`` or a ``RowIssue`` (row number, column, Turkish reason);
nothing is dropped silently. A pack listed twice is kept once and each repeat is reported
(``duplicate``). A row with a good GTIN and serial but an unreadable SKT or transaction date is
kept (the pack exists in İTS) with the date left empty and an issue.

Usage::

    f = read_its_stock(Path("stok.xlsx"), today=date(2026, 11, 23))
    f.rows[0].key, len(f.issues), f.duplicates

``iter_its_stock`` is the streaming form the store uses for large files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.normalize import cell_text, normalize_code, parse_date, restore_gtin
from eczane.domain.pack import ItsStockRow, RowIssue
from eczane.importers.headers import (
    FIELD_LABELS_TR,
    SCAN_ROWS,
    Layout,
    MappingNeeded,
    apply_mapping,
    detect,
)
from eczane.importers.tabular import ImportRefused, open_table, sha256_file

__all__ = ["ImportRefused", "ItsStockFile", "MappingNeeded", "ItsStockStream", "iter_its_stock",
           "read_its_stock"]

SECTION = "its_stock"
REQUIRED = (("gtin", "serial"), ("karekod",))
OPTIONAL = ("expiry", "batch", "product_name", "last_tx_date")
_CODE_RE = re.compile(r"^[A-Z0-9]{1,20}$")


@dataclass
class ItsStockFile:
    """The outcome of reading one İTS stock file."""

    source_name: str
    sha256: str
    mapping: dict[str, Any]
    signature: str
    rows: list[ItsStockRow]
    issues: list[RowIssue]
    duplicates: int
    has_tx_date: bool
    mapping_detected: bool = True
    notes: list[str] = field(default_factory=list)


@dataclass
class ItsStockStream:
    """``iter_its_stock``'s handle: ``rows`` yields packs; the rest fills in while iterating."""

    source_name: str
    sha256: str
    layout: Layout
    rows: Iterator[ItsStockRow]
    issues: list[RowIssue] = field(default_factory=list)
    duplicates: int = 0
    data_rows: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def has_tx_date(self) -> bool:
        return "last_tx_date" in self.layout.columns


def read_its_stock(path: Path | str, *, today: date, mapping: Mapping[str, Any] | None = None,
                   progress: Callable[[int], None] | None = None) -> ItsStockFile:
    """Read a whole İTS stock file (see module docstring).

    Raises:
        ImportRefused: unreadable, empty, a zip bomb, only headers, no readable row.
        MappingNeeded: the columns are not recognised and no ``mapping`` was given.
    """
    stream = iter_its_stock(path, today=today, mapping=mapping, progress=progress)
    rows = list(stream.rows)
    return ItsStockFile(stream.source_name, stream.sha256, stream.layout.as_mapping(),
                        stream.layout.signature, rows, stream.issues, stream.duplicates,
                        stream.has_tx_date, stream.layout.detected, stream.notes)


def iter_its_stock(path: Path | str, *, today: date, mapping: Mapping[str, Any] | None = None,
                   progress: Callable[[int], None] | None = None) -> ItsStockStream:
    """Open the file, find the layout, and return a stream of rows (read once).

    Raises ``ImportRefused`` / ``MappingNeeded`` before the first row; a file with a header and
    no data row, or whose every row is bad, raises ``ImportRefused`` when the iterator ends.
    """
    path = Path(path)
    digest = sha256_file(path)
    table = open_table(path)
    head: list[list[Any]] = []
    for row in table.rows:
        head.append(row)
        if len(head) >= SCAN_ROWS:
            break
    if not any(any(cell_text(c) for c in r) for r in head):
        raise ImportRefused(f"'{path.name}' içinde hiç veri yok.", code="no_rows")
    if mapping:
        layout = apply_mapping(head, mapping, SECTION)
        if not (("gtin" in layout.columns and "serial" in layout.columns)
                or "karekod" in layout.columns):
            raise ImportRefused("Eşleştirmede GTIN ve seri no sütunları (ya da bir karekod sütunu) "
                                "olmalı.", code="bad_mapping")
    else:
        layout = detect(head, SECTION, required=REQUIRED, optional=OPTIONAL)
    stream = ItsStockStream(path.name, digest, layout, iter(()), notes=list(table.notes))

    off = table.row_offset

    def all_rows() -> Iterator[tuple[int, list[Any]]]:
        for i, r in enumerate(head):
            if i + 1 > layout.header_row:
                yield off + i + 1, r
        n = off + len(head)
        for r in table.rows:
            n += 1
            yield n, r

    stream.rows = _rows(stream, all_rows(), today=today, progress=progress, name=path.name)
    return stream


def _rows(stream: ItsStockStream, numbered: Iterator[tuple[int, list[Any]]], *, today: date,
          progress: Callable[[int], None] | None, name: str) -> Iterator[ItsStockRow]:
    cols = stream.layout.columns
    headers = stream.layout.headers
    issues = stream.issues

    def col_name(fld: str) -> str:
        i = cols[fld]
        label = headers[i] if i < len(headers) and headers[i] else FIELD_LABELS_TR[fld]
        return label

    gi, si = cols.get("gtin"), cols.get("serial")
    ei, bi = cols.get("expiry"), cols.get("batch")
    ni, ti, ki = cols.get("product_name"), cols.get("last_tx_date"), cols.get("karekod")
    use_karekod = gi is None or si is None
    width = max(cols.values()) + 1
    gtin_cache: dict[Any, str | ParseError] = {}
    date_cache: dict[Any, date | ParseError] = {}
    seen: dict[tuple[str, str], int] = {}
    good = 0

    def gtin_of(raw: Any) -> str | ParseError:
        hit = gtin_cache.get(raw)
        if hit is None:
            try:
                hit = restore_gtin(raw)
            except ParseError as exc:
                hit = exc
            if len(gtin_cache) < 100_000:
                gtin_cache[raw] = hit
        return hit

    def date_of(raw: Any) -> date | ParseError:
        hit = date_cache.get(raw)
        if hit is None:
            try:
                hit = parse_date(raw)
            except ParseError as exc:
                hit = exc
            if len(date_cache) < 100_000:
                date_cache[raw] = hit
        return hit

    for row_no, row in numbered:
        stream.data_rows += 1
        if progress is not None and stream.data_rows % 10_000 == 0:
            progress(10_000)
        if len(row) < width:
            if not any(c not in ("", None) for c in row):
                stream.data_rows -= 1
                continue
            row = list(row) + [""] * (width - len(row))
        expiry: date | None = None
        batch = ""
        if use_karekod:
            assert ki is not None
            raw = cell_text(row[ki])
            if not raw:
                if any(c not in ("", None) for c in row):
                    issues.append(RowIssue(row_no, col_name("karekod"), "empty", "Karekod boş.", ""))
                else:
                    stream.data_rows -= 1
                continue
            parsed = _parse_karekod(raw, today)
            if isinstance(parsed, RowIssue):
                issues.append(RowIssue(row_no, col_name("karekod"), parsed.code, parsed.message, raw))
                continue
            gtin, serial, expiry, batch = parsed
        else:
            assert gi is not None and si is not None
            graw, sraw = row[gi], row[si]
            if graw in ("", None) and sraw in ("", None):
                if any(c not in ("", None) for c in row):
                    issues.append(RowIssue(row_no, col_name("gtin"), "empty",
                                           "GTIN ve seri no boş.", _raw(row)))
                else:
                    stream.data_rows -= 1
                continue
            g = gtin_of(graw)
            if isinstance(g, ParseError):
                issues.append(RowIssue(row_no, col_name("gtin"), g.code, g.message, cell_text(graw)))
                continue
            gtin = g
            if isinstance(sraw, str) and _CODE_RE.match(sraw):
                serial = sraw
            else:
                try:
                    serial = normalize_code(sraw, what="Seri no", required=True)
                except ParseError as exc:
                    issues.append(RowIssue(row_no, col_name("serial"), exc.code, exc.message,
                                           cell_text(sraw)))
                    continue
        if ei is not None:
            eraw = row[ei]
            if eraw in ("", None):
                if expiry is None:
                    issues.append(RowIssue(row_no, col_name("expiry"), "date_empty",
                                           "SKT boş; kutu SKT'siz alındı.", ""))
            else:
                d = date_of(eraw)
                if isinstance(d, ParseError):
                    issues.append(RowIssue(row_no, col_name("expiry"), d.code,
                                           d.message + " Kutu SKT'siz alındı.", cell_text(eraw)))
                else:
                    expiry = d
        if bi is not None:
            braw = row[bi]
            if isinstance(braw, str) and (not braw or _CODE_RE.match(braw)):
                batch = braw
            else:
                try:
                    batch = normalize_code(braw, what="Parti no", required=False)
                except ParseError as exc:
                    issues.append(RowIssue(row_no, col_name("batch"), exc.code,
                                           exc.message + " Kutu parti nosuz alındı.",
                                           cell_text(braw)))
        tx: date | None = None
        if ti is not None:
            traw = row[ti]
            if traw not in ("", None):
                d = date_of(traw)
                if isinstance(d, ParseError):
                    issues.append(RowIssue(row_no, col_name("last_tx_date"), d.code,
                                           d.message + " Kutu işlem tarihsiz alındı.",
                                           cell_text(traw)))
                else:
                    tx = d
        key = (gtin, serial)
        first = seen.get(key)
        if first is not None:
            stream.duplicates += 1
            issues.append(RowIssue(row_no, col_name("serial") if not use_karekod else
                                   col_name("karekod"), "duplicate",
                                   f"Bu kutu {first}. satırda da var; bir kez sayıldı.",
                                   f"{gtin} {serial}"))
            continue
        seen[key] = row_no
        good += 1
        pname = row[ni] if ni is not None else ""
        yield ItsStockRow(gtin, serial, expiry, batch,
                          pname if isinstance(pname, str) else cell_text(pname), tx, row_no)
    if progress is not None:
        progress(stream.data_rows % 10_000)
    if stream.data_rows == 0:
        raise ImportRefused(f"'{name}' içinde başlık satırı var ama hiç kutu yok. İTS'den stok "
                            "listesini yeniden indirin.", code="only_headers")
    if good == 0:
        raise ImportRefused(f"'{name}' içindeki {stream.data_rows} satırın hiçbiri okunamadı "
                            "(sütun eşleştirmesi yanlış olabilir). İlk hata: "
                            f"satır {issues[0].row_no}, {issues[0].column}: {issues[0].message}",
                            code="no_good_rows")


def _raw(row: list[Any]) -> str:
    return " | ".join(cell_text(c) for c in row if c not in ("", None))[:200]


def _parse_karekod(raw: str, today: date) -> tuple[str, str, date, str] | RowIssue:
    """A whole karekod cell → (gtin, serial, expiry, batch), or an issue with the engine's reason."""
    from eczane.domain.karekod import parse_karekod

    result = parse_karekod(raw, today=today)
    if result.value is not None:
        k = result.value
        return k.gtin, k.serial, k.expiry, k.batch
    err = result.error
    code = err.code if err is not None else "syntax"
    message = err.message if err is not None else "Karekod okunamadı."
    return RowIssue(0, "karekod", code, message, raw)
