"""Reading the pharmacy program's own karekod list (what the pharmacy has on hand).

Seed 000 step 4: the pharmacy program exports karekods to a text file, one per line, with a
header line such as "Elinizde Olmayan Karekodlar" that must be removed before re-import. We
accept that text file (any encoding ``tabular.decode_text`` knows, any separator form the
karekod engine accepts: GS, FNC1 stand-ins, parentheses), or a spreadsheet with a karekod column
(found by header name, else the column whose cells parse best).

A line that is not a karekod is reported with its line number and text; a title line (the first
line, with letters and no digit) is skipped and noted; a karekod listed twice is kept once and
reported; a file where most lines are not karekods is refused whole. The title and "not a list"
rules are ``domain.karekod_lines``, shared with the count's scanner-dump import. Nothing is
dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from eczane.domain.karekod import Karekod, parse_karekod
from eczane.domain.karekod_lines import refusal, split_title
from eczane.domain.normalize import cell_text
from eczane.domain.pack import PackKey, RowIssue
from eczane.importers.headers import match_row
from eczane.importers.kinds import check_file_kind
from eczane.importers.tabular import ImportRefused, decode_text, sha256_file, sniff

__all__ = ["ImportRefused", "OnhandFile", "read_onhand"]


@dataclass
class OnhandFile:
    source_name: str
    sha256: str
    karekods: list[Karekod]
    issues: list[RowIssue]
    duplicates: int = 0
    header: str = ""
    """The header line that was skipped, if any."""
    notes: list[str] = field(default_factory=list)


def read_onhand(path: Path | str, *, today: date,
                known: Container[PackKey] | Callable[[PackKey], bool] | None = None) -> OnhandFile:
    """Read an on-hand karekod list (see module docstring).

    ``known`` (e.g. the keys of the latest İTS snapshot) resolves karekods whose missing GS
    separator makes them ambiguous.

    Raises:
        ImportRefused: empty, unreadable, or no line at all.
    """
    path = Path(path)
    kind = sniff(path)
    check_file_kind(path, "karekod_list")
    digest = sha256_file(path)
    if kind == "csv":
        text, _enc = decode_text(path.read_bytes())
        lines = [(i + 1, ln.rstrip("\r\n")) for i, ln in enumerate(text.split("\n"))]
        column = "satır"
    else:
        lines, column = _sheet_lines(path)
    out = OnhandFile(path.name, digest, [], [])
    title, content = split_title([(no, raw.strip(" \t\ufeff")) for no, raw in lines])
    if title is not None:
        out.header = title[1]
        out.notes.append(f"{title[0]}. satırdaki başlık atlandı: {title[1]!r}")
    seen: dict[PackKey, int] = {}
    bad: list[tuple[int, str]] = []
    for line_no, stripped in content:
        result = parse_karekod(stripped, today=today, known=known, its_case=True)
        if result.value is None:
            err = result.error
            if err is None or err.code != "ambiguous":
                bad.append((line_no, stripped))
            out.issues.append(RowIssue(line_no, column, err.code if err else "syntax",
                                       err.message if err else "Karekod okunamadı.", stripped))
            continue
        k = result.value
        first = seen.get(k.key)
        if first is not None:
            out.duplicates += 1
            out.issues.append(RowIssue(line_no, column, "duplicate",
                                       f"Bu karekod {first}. satırda da var; bir kez sayıldı.",
                                       stripped))
            continue
        seen[k.key] = line_no
        out.karekods.append(k)
    if not out.karekods and not out.issues:
        raise ImportRefused(f"'{path.name}' içinde hiç karekod yok.", code="no_rows")
    not_a_list = refusal(path.name, len(content), bad)
    if not_a_list is not None:
        raise ImportRefused(not_a_list, code="not_a_list")
    return out


def _sheet_lines(path: Path) -> tuple[list[tuple[int, str]], str]:
    from eczane.importers.tabular import open_table

    table = open_table(path)
    rows: list[list[Any]] = list(table.rows)
    off = table.row_offset
    col: int | None = None
    start = 0
    for i, row in enumerate(rows[:50]):
        found = match_row(row, "onhand")
        if "karekod" in found:
            col, start = found["karekod"], i + 1
            break
    if col is None:
        width = max((len(r) for r in rows), default=0)
        scores = [sum(1 for r in rows[:200] if c < len(r) and _digits(cell_text(r[c])) >= 20)
                  for c in range(width)]
        if not scores or max(scores) == 0:
            raise ImportRefused(f"'{path.name}' içinde karekod sütunu bulunamadı "
                                "(başlığı 'Karekod' olan bir sütun bekleniyor).", code="mapping_needed")
        col = scores.index(max(scores))
    header = cell_text(rows[start - 1][col]) if start else "Karekod"
    lines = [(off + i + 1, cell_text(r[col]) if col < len(r) else "")
             for i, r in enumerate(rows) if i >= start]
    return lines, header


def _digits(text: str) -> int:
    return sum(1 for ch in text if ch.isdigit())
