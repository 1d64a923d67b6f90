"""Placement adapter: read announcements and applications (CSV/XLSX/JSON), the shipped district
data, write results (JSON, XLSX), and keep runs on disk for the what-if and the web page.

Data flows one way: files → :func:`load_inputs` → ``PlacementInput`` (domain) →
``run_placement`` → :func:`result_to_json` / :func:`write_xlsx`. Formats: ``docs/placement.md``.
Errors name the file, the row and the field, in Turkish, and every bad row is reported (nothing
is dropped silently).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from eczane.domain.licensing.placement import (
    STATUS_TR,
    Applicant,
    District,
    PlacementInput,
    PlacementResult,
    places_from_population,
    score_key,
)
from eczane.domain.licensing.placement_report import district_table
from eczane.domain.text import fold
from eczane.domain.text import tr_sort_key as tr_sort_key  # re-exported for placement pages, CLI

DISTRICTS_CSV = Path(__file__).parent / "data" / "districts" / "districts.csv"
FORMAT_IN = "eczane.placement/1"
FORMAT_OUT = "eczane.placement-result/1"


# ---------------------------------------------------------------- display helpers

# tr_sort_key (Turkish alphabetical order: Çankaya after Cide, İzmir after Iğdır) lives in
# eczane.domain.text and is re-exported from here for the placement pages and CLI.


def fmt_score(d: Decimal | None) -> str:
    """``Decimal('42.25')`` → ``'42,25'`` (Turkish decimal comma); None → ``'—'``."""
    return "—" if d is None else score_key(d).replace(".", ",")


# ---------------------------------------------------------------- district data


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


# ---------------------------------------------------------------- reading inputs


@dataclass(frozen=True)
class Issue:
    file: str
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f", satır {self.row}" if self.row is not None else "")
        return f"{where}, {self.field}: {self.message}"


class PlacementInputError(Exception):
    """The inputs cannot be used; ``issues`` lists every problem found (Turkish)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = list(issues)


@dataclass
class _Collected:
    announcement: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    applicants: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    counts: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    seed: Any = None
    announcement_date: Any = None
    second_round: Any = None


_FIELD = {  # folded header → canonical field
    **dict.fromkeys(["il", "province", "sehir"], "province"),
    **dict.fromkeys(["ilce", "district", "ilceadi"], "district"),
    **dict.fromkeys(["key", "ilceanahtari", "ilcekodu", "districtcode", "code"], "district_ref"),
    **dict.fromkeys(["kontenjan", "yersayisi", "places", "acilabilecekeczanesayisi",
                     "acilabilecekeczane", "ilanedilenyer"], "places"),
    **dict.fromkeys(["mevcuteczane", "mevcuteczanesayisi", "eczanesayisi", "existing",
                     "existingpharmacies", "pharmacies"], "existing"),
    **dict.fromkeys(["nufus", "population"], "population"),
    **dict.fromkeys(["id", "basvuruno", "basvurunumarasi", "no", "adayno", "aday"], "id"),
    **dict.fromkeys(["puan", "yerlestirmepuani", "score"], "score"),
    **dict.fromkeys(["evraktamam", "dosyatamam", "complete", "tamam"], "complete"),
    **dict.fromkeys(["basvurutarihi", "tarih", "applicationdate"], "application_date"),
    **dict.fromkeys(["tercihler", "preferences", "tercih"], "preferences"),
    **dict.fromkeys(["tercihler2", "ikincitercihler", "preferencesround2"], "preferences_round2"),
    **dict.fromkeys(["puanbilesenleri", "scorecomponents"], "components"),
    **dict.fromkeys(["meslekyili"], "meslek_yili"),
    **dict.fromkeys(["ilceler"], "ilceler"),
    **dict.fromkeys(["doktora", "phd"], "doktora"),
    **dict.fromkeys(["devir", "transferredbefore"], "devir"),
}
_SECTION = {
    **dict.fromkeys(["ilan", "announcement", "districts"], "announcement"),
    **dict.fromkeys(["basvurular", "applicants"], "applicants"),
    **dict.fromkeys(["eczanesayilari", "pharmacycounts", "existing"], "counts"),
    **dict.fromkeys(["vazgecenler", "withdrawn"], "withdrawn"),
    **dict.fromkeys(["seed", "kura", "kuratohumu"], "seed"),
    **dict.fromkeys(["ilantarihi", "announcementdate"], "announcement_date"),
    **dict.fromkeys(["ikinciyerlestirme", "secondround"], "second_round"),
    **dict.fromkeys(["format"], "format"),
}
_PREF_COL = re.compile(r"^tercih(\d{1,2})$")


@lru_cache(maxsize=4096)
def _header(name: str) -> tuple[str, int]:
    """A header → (canonical field, 0) or ("", n) for the n-th preference column."""
    fk = fold(name)
    m = _PREF_COL.match(fk)
    if m:
        return "", int(m.group(1))
    return _FIELD.get(fk, fk), 0


def _canon_row(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    prefs: dict[int, Any] = {}
    for k, v in raw.items():
        name, n = _header(str(k))
        if n:
            prefs[n] = v
            continue
        out[name] = v
    if prefs and "preferences" not in out:
        out["preferences"] = [prefs[i] for i in sorted(prefs)
                              if prefs[i] not in (None, "")]
    return out


def _kind(row: dict[str, Any]) -> str | None:
    if "id" in row and ("score" in row or "preferences" in row or "meslek_yili" in row
                        or "components" in row):
        return "applicants"
    if "places" in row:
        return "announcement"
    if "existing" in row:
        return "counts"
    return None


def _read_tabular(path: Path, col: _Collected, issues: list[Issue]) -> None:
    from eczane.importers.tabular import ImportRefused, open_table

    try:
        table = open_table(path)
    except ImportRefused as exc:
        issues.append(Issue(path.name, None, "dosya", exc.message))
        return
    header: list[str] | None = None
    kind: str | None = None
    for i, cells in enumerate(table.rows, start=table.row_offset + 1):
        if header is None:
            if not any(str(c).strip() for c in cells if c is not None):
                continue
            header = [str(c or "").strip() for c in cells]
            kind = _kind(_canon_row(dict.fromkeys(header, "")))
            if kind is None:
                issues.append(Issue(path.name, i, "başlık", "dosya türü anlaşılamadı: ilan için "
                                    "il, ilçe, kontenjan; başvuru için id, puan, tercih1…; eczane "
                                    "sayıları için il, ilçe, mevcut eczane sütunları gerekir"))
                return
            continue
        if not any(c not in (None, "") for c in cells):
            continue
        row = _canon_row(dict(zip(header, cells, strict=False)))
        for f in ("preferences", "preferences_round2"):
            if isinstance(row.get(f), str):
                row[f] = [p for p in re.split(r"[;|\n]", row[f]) if p.strip()]
        assert kind is not None
        getattr(col, kind).append((path.name, i, row))


def _read_json(path: Path, col: _Collected, issues: list[Issue]) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        issues.append(Issue(path.name, None, "dosya", f"JSON okunamadı: {exc}"))
        return
    if isinstance(data, list):
        rows = [_canon_row(r) for r in data if isinstance(r, dict)]
        kind = _kind(rows[0]) if rows else None
        if kind is None:
            issues.append(Issue(path.name, None, "dosya", "liste türü anlaşılamadı"))
            return
        getattr(col, kind).extend((path.name, i, r) for i, r in enumerate(rows, start=1))
        return
    if not isinstance(data, dict):
        issues.append(Issue(path.name, None, "dosya", "JSON bir nesne veya liste olmalı"))
        return
    for k, v in data.items():
        sec = _SECTION.get(fold(str(k)))
        if sec is None:
            issues.append(Issue(path.name, None, str(k), "bilinmeyen alan"))
        elif sec in ("announcement", "applicants", "counts"):
            if not isinstance(v, list):
                issues.append(Issue(path.name, None, str(k), "liste olmalı"))
                continue
            getattr(col, sec).extend((path.name, i, _canon_row(r) if isinstance(r, dict) else {})
                                     for i, r in enumerate(v, start=1))
        elif sec == "withdrawn":
            col.withdrawn.extend(str(x) for x in (v or []))
        elif sec != "format":
            setattr(col, sec, v)


def parse_score(raw: Any) -> Decimal:
    """``42,5`` / ``42.5`` / 42.5 → Decimal('42.5'); ``ValueError`` otherwise."""
    if isinstance(raw, bool) or raw is None or raw == "":
        raise ValueError("boş")
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    t = str(raw).strip().replace(" ", "")
    if "," in t:
        t = t.replace(".", "").replace(",", ".")
    try:
        d = Decimal(t)
    except InvalidOperation:
        raise ValueError(f"sayı değil: {raw!r}") from None
    if not d.is_finite():
        raise ValueError(f"sayı değil: {raw!r}")
    return d


def parse_bool(raw: Any, default: bool = True) -> bool:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    t = fold(str(raw))
    if t in {"1", "evet", "e", "true", "yes", "var", "tamam", "x", "10"}:
        return True
    if t in {"0", "hayir", "h", "false", "no", "yok", "eksik", "00"}:
        return False
    raise ValueError(f"evet/hayır bekleniyor: {raw!r}")


def parse_date(raw: Any) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    t = str(raw).strip()
    m = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", t)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(t[:10])
    except ValueError:
        raise ValueError(f"tarih değil: {raw!r} (GG.AA.YYYY veya YYYY-AA-GG)") from None


def _components_score(row: dict[str, Any]) -> Decimal:
    """Score from its parts through the licensing engineer's formula (seed 001)."""
    from eczane.domain.licensing.score import ScoreInput, placement_score

    comp = row.get("components")
    if not isinstance(comp, dict):
        ilceler = row.get("ilceler")
        if isinstance(ilceler, str):  # "Kadıköy:4:1,5; Üsküdar:2:1"
            parts = []
            for chunk in filter(None, (c.strip() for c in ilceler.split(";"))):
                bits = chunk.split(":")
                if len(bits) != 3:
                    raise ValueError(f"ilceler: {chunk!r} 'ilçe:yıl:katsayı' biçiminde değil")
                parts.append({"ilce": bits[0], "yil": bits[1], "katsayi": bits[2]})
            ilceler = parts
        comp = {"meslek_yili": row.get("meslek_yili"), "ilceler": ilceler or [],
                "doktora": row.get("doktora"), "devir": row.get("devir")}
    from eczane.domain.errors import EczaneError

    try:
        return placement_score(ScoreInput.parse(comp)).final
    except EczaneError as exc:
        raise ValueError(exc.message) from None


def _resolve_prefs(raw: Any, idx: DistrictIndex, where: tuple[str, int], fname: str,
                   issues: list[Issue]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        issues.append(Issue(where[0], where[1], fname, "liste olmalı"))
        return ()
    out = []
    for j, p in enumerate(raw, start=1):
        try:
            out.append(idx.resolve(str(p)))
        except ValueError as exc:
            issues.append(Issue(where[0], where[1], f"{fname}[{j}]", str(exc)))
    return tuple(out)


@dataclass(frozen=True)
class Loaded:
    input: PlacementInput
    notes: tuple[str, ...]


def _districts(col: _Collected, idx: DistrictIndex, issues: list[Issue],
               notes: list[str]) -> dict[str, District]:
    """The announcement as given, or derived from the 3,500 rule when only counts are given."""
    districts: dict[str, District] = {}
    for fname, i, row in col.announcement:
        try:
            key = _row_key(row, idx)
            places = int(parse_score(row.get("places")))
            if places < 0:
                raise ValueError("kontenjan eksi olamaz")
        except ValueError as exc:
            issues.append(Issue(fname, i, "ilan", str(exc)))
            continue
        if key in districts:
            issues.append(Issue(fname, i, "ilan", f"{key} iki kez ilan edilmiş"))
            continue
        info = idx.rows[key]
        districts[key] = District(key, info.province, info.name, places)
    if not col.announcement and col.counts:
        for fname, i, row in col.counts:
            try:
                key = _row_key(row, idx)
                existing = int(parse_score(row.get("existing")))
                pop = (int(parse_score(row["population"])) if row.get("population") not in
                       (None, "") else idx.rows[key].population)
            except (ValueError, KeyError) as exc:
                issues.append(Issue(fname, i, "eczane sayısı", str(exc)))
                continue
            if pop is None:
                issues.append(Issue(fname, i, "nüfus", "nüfus bilinmiyor"))
                continue
            n = places_from_population(pop, existing)
            if n > 0:
                info = idx.rows[key]
                districts[key] = District(key, info.province, info.name, n)
        notes.append(f"İlan verilmedi: {len(districts)} ilçe 3.500 kişi kuralından türetildi "
                     "(⌊nüfus/3500⌋ − mevcut eczane; nüfus TÜİK ADNKS 2023; TİTCK'nın ilanı "
                     "her zaman esastır).")
    return districts


def _collect(paths: Sequence[Path]) -> tuple[_Collected, list[Issue]]:
    col = _Collected()
    issues: list[Issue] = []
    for p in paths:
        if p.suffix.lower() == ".json":
            _read_json(p, col, issues)
        else:
            _read_tabular(p, col, issues)
    return col, issues


def announcement_from_counts(paths: Sequence[Path]) -> tuple[tuple[District, ...], list[str]]:
    """Districts with places > 0 under the 3,500 rule, from existing pharmacy counts."""
    col, issues = _collect(paths)
    col.announcement = []
    notes: list[str] = []
    if not col.counts and not issues:
        issues.append(Issue("-", None, "eczane sayıları", "il, ilçe, mevcut eczane satırı yok"))
    districts = _districts(col, district_index(), issues, notes)
    if issues:
        raise PlacementInputError(issues)
    return tuple(districts.values()), notes


def load_inputs(paths: Sequence[Path], *, seed: Any = None, announcement_date: date | None = None,
                second_round: bool | None = None) -> Loaded:
    """Read every file, build the domain input; :class:`PlacementInputError` lists all problems.

    Command-line values (``seed`` …) win over values inside the files. Without an announcement,
    one is derived from the 3,500 rule for every district whose existing pharmacy count is given.
    """
    col, issues = _collect(paths)
    idx = district_index()
    notes: list[str] = []
    districts = _districts(col, idx, issues, notes)
    if not districts and not issues:
        issues.append(Issue("-", None, "ilan", "ne ilan ne de eczane sayıları verildi"))

    applicants: list[Applicant] = []
    seen: set[str] = set()
    for fname, i, row in col.applicants:
        aid = str(row.get("id") or "").strip()
        if aid.endswith(".0") and aid[:-2].isdigit():
            aid = aid[:-2]
        if not aid:
            issues.append(Issue(fname, i, "id", "boş"))
            continue
        if aid in seen:
            issues.append(Issue(fname, i, "id", f"{aid!r} iki kez var"))
            continue
        seen.add(aid)
        try:
            score = (parse_score(row["score"]) if row.get("score") not in (None, "")
                     else _components_score(row))
            complete = parse_bool(row.get("complete"))
            app_date = parse_date(row.get("application_date"))
        except ValueError as exc:
            issues.append(Issue(fname, i, f"başvuru {aid}", str(exc)))
            continue
        prefs = _resolve_prefs(row.get("preferences"), idx, (fname, i), "tercihler", issues)
        r2 = row.get("preferences_round2")
        prefs2 = (_resolve_prefs(r2, idx, (fname, i), "tercihler2", issues)
                  if r2 not in (None, "", []) else None)
        applicants.append(Applicant(aid, score, prefs, complete, app_date, prefs2))
    if not col.applicants and not issues:
        issues.append(Issue("-", None, "başvurular", "başvuru yok"))
    try:
        ann = announcement_date or parse_date(col.announcement_date)
        second = second_round if second_round is not None else parse_bool(col.second_round)
    except ValueError as exc:
        issues.append(Issue("-", None, "ilan_tarihi/ikinci_yerlestirme", str(exc)))
        ann, second = None, True
    if issues:
        raise PlacementInputError(issues)
    final_seed = seed if seed is not None else col.seed
    if final_seed is None:
        final_seed = input_digest(districts.values(), applicants)[:12]
        notes.append(f"Kura tohumu verilmedi: girdilerin özeti kullanıldı ({final_seed}).")
    return Loaded(PlacementInput(tuple(districts.values()), tuple(applicants), final_seed, ann,
                                 frozenset(col.withdrawn), second), tuple(notes))


def _row_key(row: dict[str, Any], idx: DistrictIndex) -> str:
    if row.get("district_ref") not in (None, ""):
        return idx.resolve(str(row["district_ref"]))
    if row.get("province") in (None, "") or row.get("district") in (None, ""):
        raise ValueError("il ve ilçe gerekli")
    return idx.key_for(str(row["province"]), str(row["district"]))


def input_digest(districts: Iterable[District], applicants: Iterable[Applicant]) -> str:
    """SHA-256 of the canonical input, used as a default seed and recorded for audit."""
    h = hashlib.sha256()
    for d in sorted(districts, key=lambda d: d.key):
        h.update(f"D|{d.key}|{d.places}\n".encode())
    for a in sorted(applicants, key=lambda a: a.id):
        h.update(f"A|{a.id}|{score_key(a.score)}|{a.complete}|{a.application_date}|"
                 f"{','.join(a.preferences)}|{a.preferences_round2}\n".encode())
    return h.hexdigest()


# ---------------------------------------------------------------- canonical JSON


def input_to_json(inp: PlacementInput) -> dict[str, Any]:
    """The canonical input (``eczane.placement/1``): what a run is saved as and re-read from."""
    return {
        "format": FORMAT_IN, "seed": inp.seed,
        "announcement_date": inp.announcement_date.isoformat() if inp.announcement_date else None,
        "second_round": inp.second_round,
        "districts": [{"key": d.key, "province": d.province, "district": d.name,
                       "places": d.places} for d in inp.districts],
        "applicants": [{"id": a.id, "score": score_key(a.score), "preferences": list(a.preferences),
                        "complete": a.complete,
                        "application_date": a.application_date.isoformat()
                        if a.application_date else None,
                        "preferences_round2": None if a.preferences_round2 is None
                        else list(a.preferences_round2)} for a in inp.applicants],
        "withdrawn": sorted(inp.withdrawn),
    }


def input_from_json(data: dict[str, Any]) -> PlacementInput:
    """Inverse of :func:`input_to_json` (trusted: written by us)."""
    return PlacementInput(
        tuple(District(d["key"], d["province"], d["district"], int(d["places"]))
              for d in data["districts"]),
        tuple(Applicant(a["id"], Decimal(a["score"]), tuple(a["preferences"]),
                        bool(a["complete"]), parse_date(a.get("application_date")),
                        None if a.get("preferences_round2") is None
                        else tuple(a["preferences_round2"])) for a in data["applicants"]),
        data["seed"], parse_date(data.get("announcement_date")),
        frozenset(data.get("withdrawn") or ()), bool(data.get("second_round", True)))


def _num(d: Decimal | None) -> str | None:
    return None if d is None else score_key(d)


def summary_of(inp: PlacementInput, result: PlacementResult) -> dict[str, Any]:
    """Counts of a run and the SHA-256 of its canonical input."""
    placed = [o for o in result.outcomes if o.status.value == "yerlesti"]
    places = sum(d.places for d in result.districts)
    return {"districts": len(result.districts), "places": places,
            "applicants": len(result.outcomes), "placed": len(placed),
            "placed_round2": sum(1 for o in placed if o.round == 2),
            "empty": places - sum(a + b for a, b in result.filled.values()),
            "input_sha256": input_digest(inp.districts, inp.applicants)}


def result_to_json(inp: PlacementInput, result: PlacementResult) -> dict[str, Any]:
    """The result (``eczane.placement-result/1``): outcomes, taban puan table, lottery, notes."""
    dmap = {d.key: d for d in result.districts}
    rows = district_table(inp, result)
    return {
        "format": FORMAT_OUT, "seed": result.seed,
        "summary": summary_of(inp, result),
        "outcomes": [{
            "id": o.applicant_id, "score": score_key(o.score), "status": o.status.value,
            "status_tr": STATUS_TR[o.status], "round": o.round, "district_key": o.district,
            "province": dmap[o.district].province if o.district else None,
            "district": dmap[o.district].name if o.district else None,
            "preference_rank": o.rank, "priority": o.priority,
            "lottery_position": o.lottery[0] if o.lottery else None,
            "lottery_group": o.lottery[1] if o.lottery else None, "reason": o.reason,
        } for o in result.outcomes],
        "districts": [{
            "key": r.district.key, "province": r.district.province, "district": r.district.name,
            "places": r.district.places, "filled_round1": r.filled1, "filled_round2": r.filled2,
            "empty": r.empty, "base_score_round1": _num(r.base1), "base_score": _num(r.base),
            "top_score": _num(r.top), "demand": r.demand, "first_choice": r.first_choice,
        } for r in rows],
        "lottery": [{"score": score_key(d.score), "order": list(d.order), "decisive": d.decisive,
                     "districts": list(d.districts)} for d in result.draws],
        "notes": list(result.notes),
    }


def draw_lines(result: PlacementResult, *, only_decisive: bool = True) -> list[str]:
    """The lottery as printed lines (kura tutanağı)."""
    names = {d.key: d.label for d in result.districts}
    out = []
    for d in result.draws:
        if only_decisive and not d.decisive:
            continue
        where = ", ".join(names[k] for k in d.districts) or "sonucu etkilemedi"
        out.append(f"Puan {fmt_score(d.score)} ({len(d.order)} kişi; {where}): "
                   + " > ".join(d.order))
    return out


# ---------------------------------------------------------------- XLSX


def write_xlsx(target: Path | io.BytesIO, inp: PlacementInput, result: PlacementResult) -> None:
    """Four sheets: Özet, Sonuçlar, Taban puanlar, Kura (XlsxWriter, constant memory)."""
    import xlsxwriter

    data = result_to_json(inp, result)
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": isinstance(
        target, io.BytesIO)})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Özet")
    summary = data["summary"]
    lines = [("Kura tohumu", str(result.seed)), ("İlçe", summary["districts"]),
             ("Yer", summary["places"]), ("Başvuru", summary["applicants"]),
             ("Yerleşen", summary["placed"]), ("2. yerleştirmede yerleşen",
                                                summary["placed_round2"]),
             ("Boş kalan yer", summary["empty"]), ("Girdi özeti (SHA-256)",
                                                  summary["input_sha256"])]
    for r, (k, v) in enumerate(lines):
        ws.write(r, 0, k, bold)
        ws.write(r, 1, v)
    for j, note in enumerate(data["notes"], start=len(lines) + 1):
        ws.write(j, 0, note)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 66)

    def sheet(name: str, header: list[str], rows: Iterable[list[Any]], widths: list[int]) -> None:
        s = wb.add_worksheet(name)
        for c, h in enumerate(header):
            s.write(0, c, h, bold)
            s.set_column(c, c, widths[c])
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if v is not None:
                    s.write(r, c, v)
        s.freeze_panes(1, 0)

    def dec(x: str | None) -> float | None:
        return None if x is None else float(x)

    sheet("Sonuçlar", ["Başvuru", "Puan", "Sonuç", "Yerleştirme", "İl", "İlçe", "Tercih sırası",
                       "Kura sırası", "Gerekçe"],
          ([o["id"], dec(o["score"]), o["status_tr"], o["round"], o["province"], o["district"],
            o["preference_rank"],
            f"{o['lottery_position']}/{o['lottery_group']}" if o["lottery_position"] else None,
            o["reason"]] for o in data["outcomes"]), [14, 9, 18, 11, 16, 18, 12, 11, 70])
    sheet("Taban puanlar", ["İl", "İlçe", "Yer", "1. yerl. dolan", "2. yerl. dolan", "Boş",
                            "1. yerl. taban", "Taban puan", "En yüksek", "Tercih eden",
                            "1. tercih olarak"],
          ([d["province"], d["district"], d["places"], d["filled_round1"], d["filled_round2"],
            d["empty"], dec(d["base_score_round1"]), dec(d["base_score"]), dec(d["top_score"]),
            d["demand"], d["first_choice"]] for d in data["districts"]),
          [16, 18, 6, 12, 12, 6, 13, 11, 10, 11, 14])
    sheet("Kura", ["Puan", "Kişi", "Sonucu etkiledi", "İlçeler", "Çekiliş sırası"],
          ([dec(d["score"]), len(d["order"]), "evet" if d["decisive"] else "hayır",
            ", ".join(d["districts"]), " > ".join(d["order"])] for d in data["lottery"]),
          [9, 6, 15, 40, 90])
    wb.close()


# ---------------------------------------------------------------- runs on disk


@dataclass(frozen=True)
class RunMeta:
    id: str
    pharmacy_id: int | None
    user_id: int | None
    created_at: str
    title: str
    applicants: int
    places: int
    seed: str


class RunStore:
    """Saved runs under ``data_dir/placement/``: ``<id>.json`` (canonical input) and
    ``<id>.meta.json``. The result is recomputed on load (the run is deterministic)."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "placement"

    def save(self, inp: PlacementInput, *, title: str, pharmacy_id: int | None = None,
             user_id: int | None = None, run_id: str | None = None) -> RunMeta:
        self.dir.mkdir(parents=True, exist_ok=True)
        rid = run_id or uuid.uuid4().hex[:12]
        meta = RunMeta(rid, pharmacy_id, user_id, datetime.now(UTC).isoformat(timespec="seconds"),
                       title, len(inp.applicants), sum(d.places for d in inp.districts),
                       str(inp.seed))
        self._write(self.dir / f"{rid}.json", input_to_json(inp))
        self._write(self.dir / f"{rid}.meta.json", meta.__dict__)
        return meta

    @staticmethod
    def _write(path: Path, obj: Any) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def meta(self, run_id: str) -> RunMeta | None:
        if not re.fullmatch(r"[0-9a-z_-]{1,40}", run_id):
            return None
        path = self.dir / f"{run_id}.meta.json"
        if not path.exists():
            return None
        return RunMeta(**json.loads(path.read_text(encoding="utf-8")))

    def load(self, run_id: str) -> PlacementInput:
        return input_from_json(json.loads((self.dir / f"{run_id}.json").read_text("utf-8")))

    def list(self, pharmacy_id: int | None) -> list[RunMeta]:
        if not self.dir.exists():
            return []
        metas = [RunMeta(**json.loads(p.read_text(encoding="utf-8")))
                 for p in self.dir.glob("*.meta.json")]
        return sorted((m for m in metas if m.pharmacy_id == pharmacy_id),
                      key=lambda m: m.created_at, reverse=True)


# ---------------------------------------------------------------- synthetic data


def synthetic_input(*, applicants: int = 400, places: int = 120, seed: int = 1,
                    n_prefs: int = 25, districts: int | None = None) -> PlacementInput:
    """A made-up but realistic national run on the real district list (for demos and the
    benchmark): places spread by population (one each first when there are enough), preferences
    drawn by population (big cities are wanted more), scores in quarter points (many ties),
    2% incomplete files. Not TİTCK data."""
    rng = random.Random(seed)
    rows = sorted(district_index().rows.values(), key=lambda r: r.key)
    if districts is not None:
        rows = rng.sample(rows, districts)
    weights = [float(r.population or 1) for r in rows]
    count = dict.fromkeys((r.key for r in rows), 0)
    if places >= len(rows):
        for r in rows:
            count[r.key] = 1
    for k in rng.choices([r.key for r in rows], weights=weights, k=places - sum(count.values())):
        count[k] += 1
    ds = tuple(District(r.key, r.province, r.name, count[r.key]) for r in rows if count[r.key])
    keys = [d.key for d in ds]
    cum: list[float] = []
    total = 0.0
    pop = {r.key: float(r.population or 1) for r in rows}
    for k in keys:
        total += pop[k]
        cum.append(total)
    k_prefs = min(n_prefs, len(keys))
    apps = []
    for i in range(applicants):
        chosen: list[str] = []
        seen: set[str] = set()
        while len(chosen) < k_prefs:
            for k in rng.choices(keys, cum_weights=cum, k=k_prefs * 2):
                if k not in seen:
                    seen.add(k)
                    chosen.append(k)
                    if len(chosen) == k_prefs:
                        break
        score = Decimal(rng.randint(4, 240)) / 4
        apps.append(Applicant(f"B{i + 1:06d}", score, tuple(chosen), rng.random() >= 0.02,
                              None, None))
    return PlacementInput(ds, tuple(apps), seed=f"ornek-{seed}")


def announcement_csv(inp: PlacementInput) -> str:
    """The announcement as CSV (il, ilçe, kontenjan) — e.g. one derived from the 3,500 rule."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["il", "ilçe", "kontenjan"])
    for d in inp.districts:
        w.writerow([d.province, d.name, d.places])
    return buf.getvalue()
