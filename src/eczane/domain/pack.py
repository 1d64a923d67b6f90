"""Pack identity and the rows the importers hand to the domain.

A drug pack is identified by its GTIN and serial number (the karekod's AI 01 and AI 21);
expiry (AI 17) and batch (AI 10) describe it. References: GS1 General Specifications §3.2;
İTS identifies a pack by GTIN + serial (``../shared/research/its.md`` §1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, order=True, slots=True)
class PackKey:
    """The stable identity of one pack: GTIN-14 plus serial."""

    gtin: str
    """14 digits, check digit verified."""
    serial: str
    """AI 21, 1–20 characters of GS1 character set 82."""

    def __str__(self) -> str:
        return f"{self.gtin}/{self.serial}"


@dataclass(frozen=True, slots=True)
class ItsStockRow:
    """One pack as listed in the İTS stock export ("Stok İndir" XLSX)."""

    gtin: str
    serial: str
    expiry: date | None
    batch: str
    product_name: str = ""
    last_tx_date: date | None = None
    """Date of the last İTS transaction on the pack, when the export carries one."""
    row_no: int = 0
    """1-based row number in the source file (for messages)."""

    @property
    def key(self) -> PackKey:
        return PackKey(self.gtin, self.serial)


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem with one row of an imported file: which row, which column, why (Turkish)."""

    row_no: int
    column: str
    code: str
    message: str
    raw: str = ""
