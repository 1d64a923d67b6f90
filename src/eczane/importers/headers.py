"""Finding the header row and the columns of a spreadsheet, or applying the user's mapping.

The synonym table lives in ``eczane/data/importers/headers.yaml`` (one section per file kind).
Matching uses ``fold_header``: case- and Turkish-dotted-İ-insensitive, spacing and punctuation
ignored, so "SERİ NO", "Seri No." and "seri_no" are one name.

A mapping (the user's answer for an unknown layout, remembered per pharmacy) is a dict::

    {"header_row": 3, "columns": {"gtin": 0, "serial": 1, "expiry": 4}}

with a 1-based ``header_row`` (0 = the file has no header row) and 0-based column indexes. A
mapping *spec* as typed on the command line (``--map gtin=A --map "serial=Sıra No"``) names
columns by letter, by 1-based number or by header text; ``resolve_spec`` turns it into a mapping.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from eczane.domain.normalize import cell_text, fold_header
from eczane.importers.tabular import ImportRefused

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "importers" / "headers.yaml"
SCAN_ROWS = 50
"""How many leading rows may hold titles, notes or blank lines before the header."""

FIELD_LABELS_TR = {
    "gtin": "GTIN / Barkod",
    "serial": "Seri no",
    "expiry": "SKT",
    "batch": "Parti no",
    "product_name": "Ürün adı",
    "last_tx_date": "Son işlem tarihi",
    "karekod": "Karekod",
    "name": "Ürün adı",
    "form": "Form",
    "manufacturer": "Firma",
    "prescription_class": "Reçete türü",
}


class MappingNeeded(ImportRefused):
    """The columns could not be recognised: the user must map them once (then it is remembered)."""

    def __init__(self, message: str, *, signature: str, preview: list[list[str]],
                 suggestion: dict[str, int], fields: Sequence[str], header_guess: int = 1) -> None:
        super().__init__(message, code="mapping_needed")
        self.signature = signature
        self.header_guess = header_guess
        """1-based row of ``preview`` that looks like the header (0: none)."""
        self.preview = preview
        self.suggestion = suggestion
        self.fields = list(fields)


@dataclass(frozen=True)
class Layout:
    """Where the data is: the header row (1-based, 0 = none) and field → column index."""

    header_row: int
    columns: dict[str, int]
    signature: str
    detected: bool
    """True when found by the synonym table, False when it came from a mapping."""
    headers: list[str] = field(default_factory=list)

    def as_mapping(self) -> dict[str, Any]:
        return {"header_row": self.header_row, "columns": dict(self.columns)}


@cache
def synonyms(section: str) -> dict[str, frozenset[str]]:
    """field → folded names, from the data file."""
    data = yaml.safe_load(DATA_FILE.read_text("utf-8"))
    return {f: frozenset(fold_header(n) for n in names) for f, names in data[section].items()}


def match_row(cells: Sequence[Any], section: str) -> dict[str, int]:
    """field → column index of the cells that are known header names (first match wins)."""
    table = synonyms(section)
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = fold_header(cell)
        if not key:
            continue
        for fld, names in table.items():
            if key in names and fld not in found:
                found[fld] = i
                break
    return found


def guess_header_row(preview: Sequence[Sequence[Any]]) -> int:
    """1-based index of the likely header row: the most digit-free text cells (titles carry
    dates, data rows carry GTINs and serials); 0 when no row has two such cells."""
    best, best_score = 0, 1
    for idx, row in enumerate(preview[:SCAN_ROWS]):
        score = sum(1 for c in row if isinstance(c, str) and c.strip()
                    and not any(ch.isdigit() for ch in c))
        if score > best_score:
            best, best_score = idx + 1, score
    return best


def signature_of(preview: Sequence[Sequence[Any]]) -> str:
    """A stable id of a layout: the folded cells of the likely header row (``guess_header_row``),
    so the same export format is recognised whatever its title or data."""
    row_no = guess_header_row(preview)
    if not row_no:
        return hashlib.sha256(b"").hexdigest()[:32]
    texts = [fold_header(c) for c in preview[row_no - 1]]
    return hashlib.sha256("|".join(texts).rstrip("|").encode()).hexdigest()[:32]


def detect(preview: Sequence[Sequence[Any]], section: str, *,
           required: Sequence[Sequence[str]], optional: Sequence[str]) -> Layout:
    """Find the header row among ``preview`` by the synonym table.

    ``required`` lists alternatives: e.g. ``[("gtin", "serial"), ("karekod",)]`` means either
    both of gtin and serial, or a karekod column.

    Raises:
        MappingNeeded: no row names the required columns.
    """
    best: tuple[int, dict[str, int]] | None = None
    for idx, row in enumerate(preview[:SCAN_ROWS]):
        found = match_row(row, section)
        if any(all(f in found for f in alt) for alt in required) and (
                best is None or len(found) > len(best[1])):
            best = (idx, found)
    sig = signature_of(preview)
    if best is None:
        suggestion: dict[str, int] = {}
        for row in preview[:SCAN_ROWS]:
            found = match_row(row, section)
            if len(found) > len(suggestion):
                suggestion = found
        wanted = " ve ".join("+".join(FIELD_LABELS_TR[f] for f in alt) for alt in required)
        raise MappingNeeded(
            f"Sütun başlıkları tanınmadı: {wanted} sütunları bulunamadı. Sütunları bir kez "
            "eşleştirin; bu düzen bir daha sorulmaz.",
            signature=sig, preview=[[cell_text(c) for c in r] for r in preview[:15]],
            suggestion=suggestion, fields=[f for alt in required for f in alt] + list(optional),
            header_guess=guess_header_row(preview))
    idx, found = best
    return Layout(idx + 1, found, sig, True, [cell_text(c) for c in preview[idx]])


_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")


def column_index(ref: Any, header_cells: Sequence[Any] | None) -> int | None:
    """A column reference → 0-based index: int (0-based), "C" (letter), "3" (1-based), header text."""
    if isinstance(ref, int):
        return ref
    text = str(ref).strip()
    if text.isdigit():
        return int(text) - 1
    if header_cells is not None:
        key = fold_header(text)
        for i, cell in enumerate(header_cells):
            if key and fold_header(cell) == key:
                return i
    if _LETTERS.match(text):
        n = 0
        for ch in text.upper():
            n = n * 26 + (ord(ch) - 64)
        return n - 1
    return None


def apply_mapping(preview: Sequence[Sequence[Any]], mapping: Mapping[str, Any],
                  section: str) -> Layout:
    """Turn a stored mapping or a user spec into a layout for this file.

    Raises:
        ImportRefused: a referenced column is not in the file.
    """
    cols: Mapping[str, Any] = mapping.get("columns", {})
    header_row = mapping.get("header_row")
    known = set(synonyms(section))
    bad = [f for f in cols if f not in known]
    if bad:
        raise ImportRefused(f"Bilinmeyen alan adı: {', '.join(bad)} (geçerli: "
                            f"{', '.join(sorted(known))}).", code="bad_mapping")
    if header_row is None:
        header_row = _find_row_naming(preview, [v for v in cols.values() if isinstance(v, str)])
    header_cells = list(preview[header_row - 1]) if header_row else None
    resolved: dict[str, int] = {}
    width = max((len(r) for r in preview), default=0)
    for fld, ref in cols.items():
        idx = column_index(ref, header_cells)
        if idx is None or idx < 0 or idx >= width:
            raise ImportRefused(f"'{ref}' sütunu dosyada bulunamadı ({FIELD_LABELS_TR[fld]} için).",
                                code="bad_mapping")
        resolved[fld] = idx
    return Layout(int(header_row), resolved, signature_of(preview), False,
                  [cell_text(c) for c in header_cells] if header_cells else [])


def _find_row_naming(preview: Sequence[Sequence[Any]], refs: list[str]) -> int:
    """1-based row holding every header text in ``refs``; else the first non-empty text row."""
    texts = [fold_header(r) for r in refs if not r.strip().isdigit() and not _LETTERS.match(r.strip())]
    for idx, row in enumerate(preview[:SCAN_ROWS]):
        keys = {fold_header(c) for c in row}
        if texts and all(t in keys for t in texts):
            return idx + 1
    if texts:
        raise ImportRefused(f"Başlık bulunamadı: {', '.join(refs)}", code="bad_mapping")
    for idx, row in enumerate(preview[:SCAN_ROWS]):
        if any(isinstance(c, str) and c.strip() and not c.strip().isdigit() for c in row):
            return idx + 1
    return 0


def parse_map_options(options: Sequence[str], header_row: int | None = None) -> dict[str, Any]:
    """``["gtin=A", "serial=Sıra No"]`` (CLI ``--map``) → a mapping spec.

    Raises:
        ImportRefused: an option is not ``alan=sütun``.
    """
    cols: dict[str, Any] = {}
    for opt in options:
        name, sep, ref = opt.partition("=")
        if not sep or not name.strip() or not ref.strip():
            raise ImportRefused(f"--map değeri 'alan=sütun' biçiminde olmalı, gelen: {opt!r}",
                                code="bad_mapping")
        cols[name.strip()] = ref.strip()
    spec: dict[str, Any] = {"columns": cols}
    if header_row is not None:
        spec["header_row"] = header_row
    return spec
