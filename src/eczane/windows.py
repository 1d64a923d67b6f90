"""Deactivation windows from ``data/windows/deactivation_windows.yaml`` (adapter: file → domain).

>>> w = window_for_code("75")
>>> (w.records_before.isoformat(), w.open_until.isoformat())
('2025-03-15', '2025-10-24')
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from eczane.domain.catalog import PrescriptionClass
from eczane.domain.errors import ParseError
from eczane.domain.reconcile import DeactivationWindow

WINDOWS_FILE = Path(__file__).parent / "data" / "windows" / "deactivation_windows.yaml"
DEFAULT_CODE = "75"


def _date(entry: dict[str, Any], key: str, where: str) -> date | None:
    raw = entry.get(key)
    if raw is None or isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ParseError(f"{where}: '{key}' alanı tarih değil: {raw!r} (YYYY-AA-GG bekleniyor)",
                         code="bad_date") from None


def parse_windows(data: Any, *, where: str = "deactivation_windows.yaml") -> list[DeactivationWindow]:
    """Turn the YAML structure into windows; a bad field raises ``ParseError`` naming it."""
    if not isinstance(data, dict) or not isinstance(data.get("windows"), list):
        raise ParseError(f"{where}: 'windows' listesi bulunamadı.", code="syntax")
    out: list[DeactivationWindow] = []
    for i, e in enumerate(data["windows"], start=1):
        at = f"{where} pencere {i}"
        if not isinstance(e, dict) or not e.get("name"):
            raise ParseError(f"{at}: 'name' alanı zorunlu.", code="syntax")
        code = e.get("code")
        out.append(DeactivationWindow(
            code=None if code is None else str(code),
            name=str(e["name"]),
            records_before=_date(e, "records_before", at),
            open_from=_date(e, "open_from", at),
            open_until=_date(e, "open_until", at),
            excluded_classes=frozenset(PrescriptionClass.parse(str(c))
                                       for c in e.get("excluded_classes") or []),
            legal_basis=str(e.get("legal_basis") or ""),
            sources=tuple(str(s) for s in e.get("sources") or []),
            notes=str(e.get("notes") or "").strip(),
            valid_from=_date(e, "valid_from", at),
        ))
    return out


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[DeactivationWindow, ...]:
    with open(path, encoding="utf-8") as fh:
        return tuple(parse_windows(yaml.safe_load(fh), where=Path(path).name))


def load_windows(path: Path | None = None) -> list[DeactivationWindow]:
    """Every known window, in file order (newest first in the shipped file)."""
    return list(_load(str(path or WINDOWS_FILE)))


def window_for_code(code: str, path: Path | None = None) -> DeactivationWindow:
    """The window with İTS deactivation code ``code``; ``LookupError`` (Turkish) when none."""
    for w in load_windows(path):
        if w.code == code:
            return w
    raise LookupError(f"'{code}' kodlu deaktivasyon penceresi tanımlı değil "
                      f"({WINDOWS_FILE.name}).")


def default_window(path: Path | None = None) -> DeactivationWindow:
    """The window reconciliation uses unless told otherwise: the "75" stok eşitleme."""
    return window_for_code(DEFAULT_CODE, path)
