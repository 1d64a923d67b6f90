"""Reading placement inputs: announcements, applications and pharmacy counts (CSV/XLSX/JSON) →
the domain's ``PlacementInput`` (:func:`load_inputs`).

Headers are matched loosely (Turkish or English, any case or accent: ``İlçe``, ``district``),
and the kind of each file is told from its columns. Errors name the file, the row and the
field, in Turkish, and every bad row is reported (nothing is dropped silently). Formats:
``docs/placement.md``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from eczane.domain.licensing.placement import (
    Applicant,
    District,
    PlacementInput,
    places_from_population,
    score_key,
)
from eczane.domain.text import fold
from eczane.placement_io.districts import DistrictIndex, district_index


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


def announcement_csv(inp: PlacementInput) -> str:
    """The announcement as CSV (il, ilçe, kontenjan) — e.g. one derived from the 3,500 rule."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["il", "ilçe", "kontenjan"])
    for d in inp.districts:
        w.writerow([d.province, d.name, d.places])
    return buf.getvalue()
