"""The shipped district data (81 provinces, 973 districts, TÜİK ADNKS populations) and the
resolver that turns what people type into a district key.

>>> idx = district_index()
>>> idx.resolve("İstanbul/Kadıköy") == idx.resolve("Kadıköy (İstanbul)")
True
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from eczane.domain.text import fold

DISTRICTS_CSV = Path(__file__).parents[1] / "data" / "districts" / "districts.csv"


@dataclass(frozen=True, slots=True)
class DistrictInfo:
    """One of Turkey's 973 districts (src/eczane/data/districts/districts.csv)."""

    key: str
    province_code: str
    province: str
    code: str
    name: str
    population: int | None
    year: int


PROVINCE_ALIASES = {"afyon": "afyonkarahisar", "kmaras": "kahramanmaras", "maras":
                    "kahramanmaras", "urfa": "sanliurfa", "antep": "gaziantep", "icel": "mersin"}


class DistrictIndex:
    """Resolves what people type (``İstanbul/Kadıköy``, ``Kadıköy (İstanbul)``, ``1421``, a
    unique district name) to a district key."""

    def __init__(self, rows: Iterable[DistrictInfo]) -> None:
        self.rows = {r.key: r for r in rows}
        self._memo: dict[str, str] = {}
        self.by_code = {r.code: r.key for r in self.rows.values()}
        self.by_name: dict[str, list[str]] = {}
        self.provinces: dict[str, str] = {}
        for r in self.rows.values():
            self.by_name.setdefault(fold(r.name), []).append(r.key)
            self.provinces[fold(r.province)] = r.province

    def key_for(self, province: str, district: str) -> str:
        p = fold(province)
        p = PROVINCE_ALIASES.get(p, p)
        if p not in self.provinces:
            raise ValueError(f"il bulunamadı: {province!r}")
        key = f"{p}/{fold(district)}"
        if key not in self.rows:
            raise ValueError(f"{self.provinces[p]} ilinde {district!r} ilçesi yok")
        return key

    def resolve(self, text: str) -> str:
        """A district key for ``text``; ``ValueError`` with a Turkish message otherwise."""
        hit = self._memo.get(text)
        if hit is None:
            hit = self._memo[text] = self._resolve(text)
            if len(self._memo) > 100_000:
                self._memo.clear()
        return hit

    def _resolve(self, text: str) -> str:
        t = text.strip()
        if not t:
            raise ValueError("boş ilçe")
        if t in self.rows:
            return t
        if t.isdigit() and t in self.by_code:
            return self.by_code[t]
        m = re.fullmatch(r"(.+?)\s*\((.+)\)", t)
        if m:
            return self.key_for(m.group(2), m.group(1))
        for sep in ("/", " - ", ",", "–"):
            if sep in t:
                prov, _, dist = t.partition(sep)
                return self.key_for(prov, dist)
        keys = self.by_name.get(fold(t), [])
        if len(keys) == 1:
            return keys[0]
        if keys:
            opts = ", ".join(f"{self.rows[k].province}/{self.rows[k].name}" for k in keys[:5])
            raise ValueError(f"{t!r} birden çok ilde var, il de yazın (ör. {opts})")
        raise ValueError(f"ilçe bulunamadı: {t!r} (İl/İlçe biçiminde yazın)")


@lru_cache(maxsize=1)
def district_index() -> DistrictIndex:
    """The shipped 81 provinces / 973 districts with TÜİK ADNKS populations."""
    with DISTRICTS_CSV.open(encoding="utf-8") as fh:
        rows = [DistrictInfo(r["key"], r["province_code"], r["province"], r["district_code"],
                             r["district"], int(r["population"]) if r["population"] else None,
                             int(r["year"])) for r in csv.DictReader(fh)]
    return DistrictIndex(rows)
