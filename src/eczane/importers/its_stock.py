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
from itertools import chain, islice
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
from eczane.importers.kinds import check_kind
from eczane.importers.tabular import ImportRefused, open_table, sha256_file

__all__ = ["ImportRefused", "ItsStockFile", "MappingNeeded", "ItsStockStream", "iter_its_stock",
           "read_its_stock"]

SECTION = "its_stock"
REQUIRED = (("gtin", "serial"), ("karekod",))
OPTIONAL = ("expiry", "batch", "product_name", "last_tx_date")
_CODE_RE = re.compile(r"[A-Z0-9]{1,20}\Z")  # \Z, not $: "ABC\n" is not a clean code
_BATCH_RE = re.compile(r"[A-Z0-9]{0,20}\Z")
CHUNK = 5000
"""Source rows per list the reader yields (on SQLite these lists are produced in a reader
thread, sorted by GTIN and serial and written in 2,500-row statements: ``store/bulk.py``)."""
CACHE_MAX = 100_000
"""Distinct raw GTIN / date cells remembered (GTINs and dates repeat; memory stays bounded)."""


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
    rows: Iterator[tuple[Any, ...]]
    """Tuples ``(gtin, serial, expiry, batch, product_name, last_tx_date, row_no)``; dates are
    ``date`` objects, or ISO text when opened with ``text_dates`` (for bulk inserts)."""
    chunks: Iterator[list[tuple[Any, ...]]] = field(default_factory=lambda: iter(()))
    """The same tuples in lists of up to ``CHUNK`` (read either ``rows`` or ``chunks``, once)."""
    issues: list[RowIssue] = field(default_factory=list)
    duplicates: int = 0
    data_rows: int = 0
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """GTIN → the product name of its first row (for flagging GTINs the catalog lacks)."""
    total_rows: int | None = None
    """Data rows expected (sheet height minus the header), for a progress bar."""

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
    rows = [ItsStockRow(*t) for t in stream.rows]
    return ItsStockFile(stream.source_name, stream.sha256, stream.layout.as_mapping(),
                        stream.layout.signature, rows, stream.issues, stream.duplicates,
                        stream.has_tx_date, stream.layout.detected, stream.notes)


def iter_its_stock(path: Path | str, *, today: date, mapping: Mapping[str, Any] | None = None,
                   progress: Callable[[int], None] | None = None,
                   text_dates: bool = False, sha256: str | None = None) -> ItsStockStream:
    """Open the file, find the layout, and return a stream of rows (read once).

    Raises ``ImportRefused`` / ``MappingNeeded`` before the first row; a file with a header and
    no data row, or whose every row is bad, raises ``ImportRefused`` when the iterator ends.
    """
    path = Path(path)
    digest = sha256 or sha256_file(path)
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
        check_kind(head, "its_stock")
        layout = detect(head, SECTION, required=REQUIRED, optional=OPTIONAL)
    stream = ItsStockStream(path.name, digest, layout, iter(()), notes=list(table.notes))
    if table.total is not None:
        stream.total_rows = max(table.total - layout.header_row, 0)

    first_row_no = table.row_offset + layout.header_row + 1
    stream.chunks = _rows(stream, chain(head[layout.header_row:], table.rows), first_row_no,
                          today=today, progress=progress, name=path.name, text_dates=text_dates)
    stream.rows = chain.from_iterable(stream.chunks)
    return stream


def _rows(stream: ItsStockStream, rows: Iterator[list[Any]], first_row_no: int, *, today: date,
          progress: Callable[[int], None] | None, name: str,
          text_dates: bool) -> Iterator[list[tuple[Any, ...]]]:
    """The row loop, yielding lists of pack tuples (``CHUNK`` source rows at a time).

    Hot: 300,000 rows must take well under a second, hence the caches (GTINs and dates repeat)
    and the inline fast path for well-formed cells. (A column-wise variant with C-level
    ``map``/``zip`` over well-formed chunks was built and measured: no gain over this loop once
    the import runs without cyclic GC, so it was dropped.)
    """
    cols = stream.layout.columns
    headers = stream.layout.headers
    issues = stream.issues
    names = stream.names

    def col_name(fld: str) -> str:
        i = cols[fld]
        return headers[i] if i < len(headers) and headers[i] else FIELD_LABELS_TR[fld]

    gi, si = cols.get("gtin"), cols.get("serial")
    ei, bi = cols.get("expiry"), cols.get("batch")
    ni, ti, ki = cols.get("product_name"), cols.get("last_tx_date"), cols.get("karekod")
    use_karekod = gi is None or si is None
    width = max(cols.values()) + 1
    gtin_cache: dict[Any, str | ParseError] = {}
    date_cache: dict[Any, date | str | ParseError] = {}
    seen: dict[tuple[str, str], int] = {}
    code_ok = _CODE_RE.match
    batch_ok = _BATCH_RE.match
    empty = ("", None)
    counts = [0, 0]  # data rows, good rows

    def gtin_slow(raw: Any) -> str | ParseError:
        try:
            hit: str | ParseError = restore_gtin(raw)
        except ParseError as exc:
            hit = exc
        if len(gtin_cache) < CACHE_MAX:
            gtin_cache[raw] = hit
        return hit

    def date_slow(raw: Any) -> date | str | ParseError:
        try:
            d = parse_date(raw)
            hit: date | str | ParseError = d.isoformat() if text_dates else d
        except ParseError as exc:
            hit = exc
        if len(date_cache) < CACHE_MAX:
            date_cache[raw] = hit
        return hit

    def rows_of(chunk: list[list[Any]], r0: int) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        data = 0
        remember = seen.setdefault
        for row_no, row in enumerate(chunk, start=r0):
            if len(row) < width:
                row = list(row) + [""] * (width - len(row))
            expiry: date | str | None = None
            batch = ""
            if use_karekod:
                assert ki is not None
                raw = cell_text(row[ki])
                if not raw:
                    if any(c not in empty for c in row):
                        data += 1
                        issues.append(RowIssue(row_no, col_name("karekod"), "empty", "Karekod boş.",
                                               ""))
                    continue
                data += 1
                parsed = _parse_karekod(raw, today)
                if isinstance(parsed, RowIssue):
                    issues.append(RowIssue(row_no, col_name("karekod"), parsed.code,
                                           parsed.message, raw))
                    continue
                gtin, serial, kexp, batch = parsed
                expiry = kexp.isoformat() if text_dates else kexp
            else:
                graw = row[gi]  # type: ignore[index]
                sraw = row[si]  # type: ignore[index]
                if graw in empty and sraw in empty:
                    if any(c not in empty for c in row):
                        data += 1
                        issues.append(RowIssue(row_no, col_name("gtin"), "empty",
                                               "GTIN ve seri no boş.", _raw(row)))
                    continue
                data += 1
                g = gtin_cache.get(graw)
                if g is None:
                    g = gtin_slow(graw)
                if g.__class__ is not str:
                    assert isinstance(g, ParseError)
                    issues.append(RowIssue(row_no, col_name("gtin"), g.code, g.message,
                                           cell_text(graw)))
                    continue
                gtin = g
                if sraw.__class__ is str and code_ok(sraw):
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
                if eraw in empty:
                    if expiry is None:
                        issues.append(RowIssue(row_no, col_name("expiry"), "date_empty",
                                               "SKT boş; kutu SKT'siz alındı.", ""))
                else:
                    d = date_cache.get(eraw)
                    if d is None:
                        d = date_slow(eraw)
                    if isinstance(d, ParseError):
                        issues.append(RowIssue(row_no, col_name("expiry"), d.code,
                                               d.message + " Kutu SKT'siz alındı.",
                                               cell_text(eraw)))
                    else:
                        expiry = d
            if bi is not None:
                braw = row[bi]
                if braw.__class__ is str and batch_ok(braw):
                    batch = braw
                else:
                    try:
                        batch = normalize_code(braw, what="Parti no", required=False)
                    except ParseError as exc:
                        issues.append(RowIssue(row_no, col_name("batch"), exc.code,
                                               exc.message + " Kutu parti nosuz alındı.",
                                               cell_text(braw)))
            tx: date | str | None = None
            if ti is not None:
                traw = row[ti]
                if traw not in empty:
                    t = date_cache.get(traw)
                    if t is None:
                        t = date_slow(traw)
                    if isinstance(t, ParseError):
                        issues.append(RowIssue(row_no, col_name("last_tx_date"), t.code,
                                               t.message + " Kutu işlem tarihsiz alındı.",
                                               cell_text(traw)))
                    else:
                        tx = t
            key = (gtin, serial)
            first = remember(key, row_no)
            if first != row_no:
                stream.duplicates += 1
                issues.append(RowIssue(row_no, col_name("karekod" if use_karekod else "serial"),
                                       "duplicate",
                                       f"Bu kutu {first}. satırda da var; bir kez sayıldı.",
                                       f"{gtin} {serial}"))
                continue
            pname = row[ni] if ni is not None else ""
            if pname.__class__ is not str:
                pname = cell_text(pname)
            if gtin not in names:
                names[gtin] = pname
            out.append((gtin, serial, expiry, batch, pname, tx, row_no))
        counts[0] += data
        counts[1] += len(out)
        return out

    it = iter(rows)
    r0 = first_row_no
    while chunk := list(islice(it, CHUNK)):
        out = rows_of(chunk, r0)
        r0 += len(chunk)
        if out:
            if progress is not None:
                progress(len(out))
            yield out
    data_rows, good = counts
    stream.data_rows = data_rows
    if data_rows == 0:
        raise ImportRefused(f"'{name}' içinde başlık satırı var ama hiç kutu yok. İTS'den stok "
                            "listesini yeniden indirin.", code="only_headers")
    if good == 0:
        raise ImportRefused(f"'{name}' içindeki {data_rows} satırın hiçbiri okunamadı "
                            "(sütun eşleştirmesi yanlış olabilir). İlk hata: "
                            f"satır {issues[0].row_no}, {issues[0].column}: {issues[0].message}",
                            code="no_good_rows")


def _raw(row: list[Any]) -> str:
    return " | ".join(cell_text(c) for c in row if c not in ("", None))[:200]


def _parse_karekod(raw: str, today: date) -> tuple[str, str, date, str] | RowIssue:
    """A whole karekod cell → (gtin, serial, expiry, batch), or an issue with the engine's reason."""
    from eczane.domain.karekod import parse_karekod

    result = parse_karekod(raw, today=today, its_case=True)
    if result.value is not None:
        k = result.value
        return k.gtin, k.serial, k.expiry, k.batch
    err = result.error
    code = err.code if err is not None else "syntax"
    message = err.message if err is not None else "Karekod okunamadı."
    return RowIssue(0, "karekod", code, message, raw)
