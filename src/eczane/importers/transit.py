"""Reading the list of packs in transit ("arada kalan"): a CSV/XLSX ``karekod,sender_type,sender``.

Seed 000 step 1: the pharmacy program lists packs dispatched to the pharmacy and never accepted,
separately for wholesalers ("Gönderici tipi: Ecza Deposu") and exchanges ("eczane"). ``sender_type``
is ``depo`` or ``eczane`` (the Turkish words "Ecza Deposu", "Eczane", "Takas" are accepted too);
``sender`` is the sender's name or GLN.

Every data row becomes an ``InTransitPack`` or a ``RowIssue`` (row number, column, Turkish reason);
a pack listed twice is kept once and the repeat reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from eczane.domain.karekod import parse_karekod
from eczane.domain.normalize import cell_text
from eczane.domain.pack import PackKey, RowIssue
from eczane.domain.reconcile import InTransitPack
from eczane.domain.text import fold
from eczane.importers.kinds import check_file_kind
from eczane.importers.tabular import ImportRefused, open_table, sha256_file

__all__ = ["ImportRefused", "TransitFile", "read_transit", "parse_sender_type"]

_HEADERS = {
    "karekod": {"karekod", "karekodu", "datamatrix", "barkod", "code"},
    "sender_type": {"sendertype", "gondericitipi", "gonderitipi", "tip", "tur", "gondericituru"},
    "sender": {"sender", "gonderici", "gondericiadi", "gonderen", "depo", "eczane", "gln"},
}
_SENDER_TYPES = {
    "depo": "depo", "eczadeposu": "depo", "wholesaler": "depo", "deposu": "depo",
    "eczane": "eczane", "takas": "eczane", "pharmacy": "eczane", "eczanetakas": "eczane",
}


@dataclass
class TransitFile:
    source_name: str
    sha256: str
    packs: list[InTransitPack]
    issues: list[RowIssue]
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)


def parse_sender_type(text: str) -> str | None:
    """``depo`` / ``eczane`` from the code or the Turkish words; None when not recognised.

    >>> parse_sender_type("Ecza Deposu"), parse_sender_type("TAKAS"), parse_sender_type("x")
    ('depo', 'eczane', None)
    """
    return _SENDER_TYPES.get(fold(text))


def _header_columns(row: list[Any]) -> dict[str, int] | None:
    cols: dict[str, int] = {}
    for i, cell in enumerate(row):
        key = fold(cell_text(cell))
        for fld, names in _HEADERS.items():
            if key in names and fld not in cols:
                cols[fld] = i
                break
    return cols if "karekod" in cols else None


def read_transit(path: Path | str, *, today: date) -> TransitFile:
    """Read an in-transit list (see module docstring).

    Raises:
        ImportRefused: unreadable file, no ``karekod`` column, or no data row.
    """
    path = Path(path)
    check_file_kind(path, "transit")
    table = open_table(path)
    out = TransitFile(path.name, sha256_file(path), [], [], notes=list(table.notes))
    rows = iter(table.rows)
    cols: dict[str, int] | None = None
    row_no = table.row_offset
    for row in rows:
        row_no += 1
        if any(cell_text(c) for c in row):
            cols = _header_columns(row)
            break
    if cols is None:
        raise ImportRefused(f"{path.name}: başlık satırında 'karekod' sütunu bulunamadı "
                            "(beklenen: karekod,sender_type,sender).", code="no_header")
    seen: dict[PackKey, int] = {}
    data_rows = 0
    for row in rows:
        row_no += 1
        cells = [cell_text(c) for c in row]
        if not any(cells):
            continue
        data_rows += 1

        def get(fld: str, cells: list[str] = cells) -> str:
            i = cols.get(fld) if cols else None
            return cells[i] if i is not None and i < len(cells) else ""

        raw = get("karekod")
        res = parse_karekod(raw, today=today, its_case=True)
        if res.value is None:
            msg = res.error.message if res.error else "okunamadı"
            out.issues.append(RowIssue(row_no, "karekod", "bad_karekod",
                                       f"Satır {row_no}: karekod okunamadı: {msg}", raw))
            continue
        stype = parse_sender_type(get("sender_type"))
        if stype is None:
            out.issues.append(RowIssue(
                row_no, "sender_type", "bad_sender_type",
                f"Satır {row_no}: gönderici tipi '{get('sender_type')}' tanınmadı "
                "(depo veya eczane olmalı).", get("sender_type")))
            continue
        k = res.value
        if k.key in seen:
            out.duplicates += 1
            out.issues.append(RowIssue(row_no, "karekod", "duplicate",
                                       f"Satır {row_no}: karekod {seen[k.key]}. satırda da var; "
                                       "bir kez alındı.", raw))
            continue
        seen[k.key] = row_no
        out.packs.append(InTransitPack(k.gtin, k.serial, k.expiry, k.batch, stype,
                                       get("sender").strip()))
    if data_rows == 0:
        raise ImportRefused(f"{path.name}: başlıktan sonra satır yok.", code="no_rows")
    return out
