"""CSV cells a spreadsheet shows as text and never runs (issue 13: no formula leaves in an export).

Excel, LibreOffice and Google Sheets run a CSV cell that starts with ``=``, ``+``, ``-`` or
``@`` (and a tab or carriage return before one) as a formula: a karekod serial may start with
any of them (GS1 AI 21, character set 82), and İTS's answer texts and product names come from
outside. The XLSX exports write text cells (``eczane.exports.workbook``); a CSV has no cell
types, so such a value leaves with a leading apostrophe (OWASP, "CSV Injection"), which a
spreadsheet shows and does not run. A value that itself starts with an apostrophe gets one too,
so reading back (:func:`from_cell`) is exact for every string.

>>> to_cell("=HYPERLINK(1)"), to_cell("'x"), to_cell("08699536080017")
("'=HYPERLINK(1)", "''x", '08699536080017')
>>> all(from_cell(to_cell(s)) == s for s in ["=1", "'", "''=", "-", "abc", ""])
True
"""

from __future__ import annotations

RUNS = ("=", "+", "-", "@", "\t", "\r", "'")
"""First characters that make a cell a formula in some spreadsheet (the apostrophe: ours)."""


def to_cell(value: str) -> str:
    """``value`` as a CSV cell that opens as text."""
    return "'" + value if value.startswith(RUNS) else value


def from_cell(cell: str) -> str:
    """The value :func:`to_cell` wrote."""
    return cell[1:] if cell.startswith("'") else cell
