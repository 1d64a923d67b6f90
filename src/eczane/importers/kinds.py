"""Which import a file belongs to: one detector for every import box.

A pharmacist who picks the wrong file (the İTS stock list in the catalog box, the catalog in the
İTS box, a scanner dump in either) must be told so by name, before anything is written — issue
14 finding 1: the İTS "Stok İndir" XLSX read as a catalog wrote 43 products with an unknown
prescription class and the next reconciliation found no eligible pack.

The signatures are data (``data/importers/file_kinds.yaml``): per kind, the header fields that
mark it (from the synonym table ``headers.yaml``) or, for a karekod list, its content. A box
refuses a file only when another kind is recognised with more evidence than its own::

    >>> guess_kinds([["GTIN", "Seri No", "SKT", "Parti No"]])["its_stock"]
    4
    >>> check_kind([["Barkod", "İlaç Adı", "Seri No", "SKT"]], "catalog")
    Traceback (most recent call last):
    ...
    eczane.importers.kinds.WrongFileKind: Bu dosya İTS stok listesine benziyor; İTS stok listesi bölümünden yükleyin.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from eczane.domain.normalize import cell_text, fold_header
from eczane.importers.headers import SCAN_ROWS, match_row
from eczane.importers.tabular import ImportRefused, open_table

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "importers" / "file_kinds.yaml"
RECOGNISED = 2
"""Evidence at which a kind counts as recognised (one strong header field, or two weak ones)."""

_KAREKOD = re.compile(r"^(?:\][dD]2|[üÜ][dD]2)?\x1d?(?:\(01\)|01)\d{14}")


class WrongFileKind(ImportRefused):
    """The file looks like another import's file; ``kind`` names which (nothing was read)."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message, code="wrong_file")
        self.kind = kind


@cache
def kinds() -> dict[str, dict[str, Any]]:
    """kind → its entry in ``file_kinds.yaml`` (in the file's order: ties go to the first)."""
    data = yaml.safe_load(DATA_FILE.read_text("utf-8"))
    return dict(data["kinds"])


def looks_like_karekod(text: str) -> bool:
    """A GS1 DataMatrix text of a pack: AI 01 + GTIN first, and room for a serial and expiry.

    >>> looks_like_karekod("010869953608001721ABC17270630"), looks_like_karekod("08699536080017")
    (True, False)
    """
    text = text.strip(" \t\ufeff")
    return bool(_KAREKOD.match(text)) and sum(ch.isdigit() for ch in text) >= 22


def _header_scores(head: Sequence[Sequence[Any]]) -> dict[str, int]:
    scores: dict[str, int] = {}
    for name, spec in kinds().items():
        section = spec.get("section")
        if not section:
            continue
        strong, weak = set(spec.get("strong", [])), set(spec.get("weak", []))
        best = 0
        for row in head[:SCAN_ROWS]:
            found = match_row(row, section)
            best = max(best, 2 * len(strong & found.keys()) + len(weak & found.keys()))
        scores[name] = best
    return scores


def _karekod_score(head: Sequence[Sequence[Any]]) -> int:
    spec = kinds().get("karekod_list")
    if not spec:
        return 0
    titles = {fold_header(t) for t in spec.get("titles", [])}
    lines = [[cell_text(c) for c in row] for row in head[:SCAN_ROWS]]
    lines = [[c for c in row if c] for row in lines]
    lines = [row for row in lines if row]
    if not lines:
        return 0
    if any(len(row) == 1 and fold_header(row[0]) in titles for row in lines[:3]):
        return RECOGNISED
    hits = sum(1 for row in lines
               if any(looks_like_karekod(c) for c in row) or looks_like_karekod("".join(row)))
    return RECOGNISED if hits and hits >= float(spec.get("min_share", 0.6)) * len(lines) else 0


def guess_kinds(head: Sequence[Sequence[Any]]) -> dict[str, int]:
    """kind → evidence (0 none; ``RECOGNISED`` or more: recognised) for a file's first rows."""
    scores = _header_scores(head)
    scores["karekod_list"] = _karekod_score(head)
    return scores


def check_kind(head: Sequence[Sequence[Any]], expected: str) -> None:
    """Refuse a file that another import box is for.

    Args:
        head: the file's first rows (cells as read).
        expected: the box's kind (``its_stock``, ``catalog``, ``karekod_list``, ``transit``).

    Raises:
        WrongFileKind: another kind is recognised, with more evidence than ``expected``, and
            the box does not accept that kind (``accepts`` in the data file).
    """
    scores = guess_kinds(head)
    own = scores.get(expected, 0)
    accepts = set(kinds()[expected].get("accepts", []))
    for name in kinds():
        if name == expected or name in accepts:
            continue
        s = scores.get(name, 0)
        if s >= RECOGNISED and s > own and s == max(
                v for k, v in scores.items() if k != expected and k not in accepts):
            raise WrongFileKind(str(kinds()[name]["message"]), kind=name)


def check_lines_kind(lines: Sequence[str], expected: str) -> None:
    """``check_kind`` on text lines (a scanner dump uploaded to a count): each line is split at
    ``;``, ``,`` or tab as a spreadsheet program would.

    >>> check_lines_kind(["Sayım Karekodları", "010869953608001721A117270630"], "karekod_list")
    """
    check_kind([re.split(r"[;,\t]", line) for line in lines[:SCAN_ROWS]], expected)


def head_rows(path: Path) -> list[list[Any]]:
    """The first ``SCAN_ROWS`` rows of a file (any kind ``open_table`` reads)."""
    table = open_table(path)
    head: list[list[Any]] = []
    for row in table.rows:
        head.append(row)
        if len(head) >= SCAN_ROWS:
            break
    return head


def check_file_kind(path: Path, expected: str) -> None:
    """``check_kind`` on a file's first rows (raises ``WrongFileKind``).

    A file ``open_table`` cannot read is left to the box's own reader, which says why.
    """
    try:
        head = head_rows(path)
    except ImportRefused:
        return
    check_kind(head, expected)
