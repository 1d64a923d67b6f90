"""Reading product lists: our CSV (``gtin,name,prescription_class[,form,manufacturer]``) and the
agency's published product-list spreadsheets (header-detected like the İTS stock import).

The prescription class (reçete türü) accepts the English code or the Turkish word
(``PrescriptionClass.parse``: "kırmızı", "YEŞİL", "beyaz"...). An empty class means *unknown*,
never *normal*: ``research/its.md`` §7 — no İTS service gives a GTIN's colour, and the 75
deactivation must exclude colour-prescription drugs (seed 000), so unknown stays unknown.

A field the file has no column for is not read as empty: ``CatalogFile.columns`` says which
fields the file carries, and the store keeps the catalog's value of the others. A file that
looks like another import (the İTS stock list, a karekod list) is refused by name before any
row is read (``importers/kinds.py``). Nothing here writes: the store previews the change first
(``store/catalog_versions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eczane.domain.catalog import PrescriptionClass, Product
from eczane.domain.errors import ParseError
from eczane.domain.normalize import cell_text, restore_gtin
from eczane.domain.pack import RowIssue
from eczane.importers.headers import SCAN_ROWS, apply_mapping, detect
from eczane.importers.kinds import check_kind
from eczane.importers.tabular import ImportRefused, open_table, sha256_file

__all__ = ["CatalogFile", "ImportRefused", "read_catalog"]

SECTION = "catalog"


@dataclass
class CatalogFile:
    source_name: str
    sha256: str
    products: list[Product]
    issues: list[RowIssue]
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)
    columns: frozenset[str] = frozenset({"gtin", "name", "prescription_class", "form",
                                         "manufacturer"})
    """The fields the file has a column for; a field without one keeps the catalog's value."""
    data_rows: int = 0
    """Non-empty rows below the header (readable or not)."""


def read_catalog(path: Path | str, *, mapping: dict[str, Any] | None = None) -> CatalogFile:
    """Read a product list. A GTIN listed twice keeps its first row; the repeat is reported.

    Raises:
        ImportRefused: unreadable file, no GTIN/name columns (``MappingNeeded``), no data row.
    """
    path = Path(path)
    digest = sha256_file(path)
    table = open_table(path)
    rows: list[list[Any]] = list(table.rows)
    head = rows[:SCAN_ROWS]
    if mapping:
        layout = apply_mapping(head, mapping, SECTION)
    else:
        check_kind(head, SECTION)
        layout = detect(head, SECTION, required=[("gtin", "name")],
                        optional=["form", "manufacturer", "prescription_class"])
    cols = layout.columns
    out = CatalogFile(path.name, digest, [], [], notes=list(table.notes),
                      columns=frozenset(cols))
    seen: dict[str, int] = {}
    header_names = layout.headers

    def colname(fld: str) -> str:
        i = cols[fld]
        return header_names[i] if i < len(header_names) and header_names[i] else fld

    def get(row: list[Any], fld: str) -> Any:
        i = cols.get(fld)
        return row[i] if i is not None and i < len(row) else ""

    for i, row in enumerate(rows[layout.header_row:], start=layout.header_row + 1 + table.row_offset):
        if not any(cell_text(c) for c in row):
            continue
        out.data_rows += 1
        try:
            gtin = restore_gtin(get(row, "gtin"))
        except ParseError as exc:
            out.issues.append(RowIssue(i, colname("gtin"), exc.code, exc.message,
                                       cell_text(get(row, "gtin"))))
            continue
        name = cell_text(get(row, "name"))
        if not name:
            out.issues.append(RowIssue(i, colname("name"), "empty", "Ürün adı boş.", gtin))
            continue
        pclass: PrescriptionClass | None = None
        raw_class = cell_text(get(row, "prescription_class"))
        if raw_class:
            try:
                pclass = PrescriptionClass.parse(raw_class)
            except ParseError as exc:
                out.issues.append(RowIssue(i, colname("prescription_class"), exc.code,
                                           exc.message + " Reçete türü 'bilinmiyor' alındı.",
                                           raw_class))
        if gtin in seen:
            out.duplicates += 1
            out.issues.append(RowIssue(i, colname("gtin"), "duplicate",
                                       f"GTIN {gtin} {seen[gtin]}. satırda da var; ilki alındı.",
                                       gtin))
            continue
        seen[gtin] = i
        out.products.append(Product(gtin, name, pclass, cell_text(get(row, "form")),
                                    cell_text(get(row, "manufacturer"))))
    if not out.products and not out.issues:
        raise ImportRefused(f"'{path.name}' içinde başlık var ama hiç ürün yok.", code="only_headers")
    return out
