"""Adapter for the licensing assistant: loads ``data/licensing`` (YAML/CSV) and builds the
Turkish holiday calendar from the ``holidays`` package, then calls the pure domain.

The domain (``eczane.domain.licensing``) stays stdlib-only: it receives law dates, profiles,
document lists, fee tables and holiday dates as arguments. The ``run_*`` functions take the JSON
input documented in docs/licensing.md and return the JSON output (``result`` + ``reasons``);
the CLI and the web pages both use them.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from eczane.domain.licensing.deadlines import (
    DeadlineInput,
    DeadlineResult,
    WorkCalendar,
    compute_deadlines,
)
from eczane.domain.licensing.documents import (
    DocumentRequest,
    DocumentResult,
    DocumentSpec,
    check_documents,
)
from eczane.domain.licensing.feasibility import (
    CostItem,
    FeasibilityInput,
    FeasibilityResult,
    StartingCapital,
    feasibility,
)
from eczane.domain.licensing.fees import (
    FeeQuery,
    FeeResult,
    FeeTables,
    FeeYear,
    IstanbulFee,
    fee_for,
)
from eczane.domain.licensing.names import NameResult, SignRule, check_name, check_signs
from eczane.domain.licensing.reasons import tr_date
from eczane.domain.licensing.rights import LawDates, PharmacistHistory, RightsResult, check_rights
from eczane.domain.licensing.score import ScoreInput, ScoreResult, placement_score
from eczane.domain.licensing.site import (
    FloorRule,
    Premises,
    SiteProfile,
    SiteResult,
    TransferExemption,
    check_site,
)
from eczane.domain.licensing.tracker import TrackerInput, TrackerResult, track
from eczane.domain.licensing.vacancy import VacancyInput, VacancyResult, vacancies

DATA = Path(__file__).parent / "data" / "licensing"


def _yaml(name: str) -> dict[str, Any]:
    with open(DATA / name, encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh)
    assert isinstance(loaded, dict), name
    return loaded


def _d(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@functools.cache
def rules() -> dict[str, Any]:
    """rules.yaml: law dates and the numbers of the score and the population rule."""
    return _yaml("rules.yaml")


def law_dates() -> LawDates:
    r = rules()
    return LawDates(_d(r["law_date"]), _d(r["window_start"]), _d(r["regulation_date"]),
                    int(r["assistant_enrolment_year"]), int(r["assistant_months"]),
                    law_date_alt=date(2012, 5, 31), law_date_note=str(r["law_date_note"]),
                    assistant_graduation_after=int(r["assistant_graduation_after"]))


@functools.cache
def site_profiles() -> dict[str, SiteProfile]:
    out = {}
    for p in _yaml("site_profiles.yaml")["profiles"]:
        out[p["key"]] = SiteProfile(
            key=p["key"], label=p["label"], min_area_m2=Decimal(str(p["min_area_m2"])),
            excluded_kinds=frozenset(p["excluded_kinds"]), area_text=p["area_text"],
            area_source=p["area_source"],
            min_height_m=Decimal(str(p["min_height_m"])) if p.get("min_height_m") else None,
            height_text=p.get("height_text", ""), height_source=p.get("height_source", ""),
            street_frontage=bool(p["street_frontage"]),
            health_building_rule=bool(p["health_building_rule"]),
            lab_required=bool(p["lab_required"]), disaster=bool(p["disaster"]),
            max_years=p.get("max_years"), source=p["source"], valid_from=str(p["valid_from"]),
            excluded_note=str(p.get("excluded_note") or ""),
            ground_floor=tuple(p.get("ground_floor") or ()),
            ground_floor_source=str(p.get("ground_floor_source") or ""),
            floor=None if not p.get("floor") else FloorRule(
                p["floor"]["text"], p["floor"]["source"], frozenset(p["floor"]["ok"]),
                frozenset(p["floor"]["not_ok"])))
    return out


def transfer_exemption() -> TransferExemption:
    """The one wording of the devir exemption, from the law date in rules.yaml (seed 001)."""
    r = rules()
    return TransferExemption(
        f"Devreden eczacının {tr_date(_d(r['law_date']))} tarihinde eczanesi vardı",
        str(r["transfer_exemption_source"]))


@functools.cache
def documents_data() -> tuple[tuple[DocumentSpec, ...], dict[str, str], str]:
    """(document specs, condition key → Turkish label, the one-month rule's text)."""
    raw = _yaml("documents.yaml")
    specs = tuple(DocumentSpec(d["id"], str(d["sira"]), d["title"], d.get("note") or "",
                               frozenset(d["kinds"]), d.get("condition"), bool(d.get("copy")))
                  for d in raw["documents"])
    return specs, dict(raw["conditions"]), str(raw["max_age_text"])


def document_titles() -> dict[str, str]:
    return {s.id: s.title for s in documents_data()[0]}


@functools.cache
def fee_tables() -> FeeTables:
    raw = _yaml("fees.yaml")
    ist = raw["istanbul_2014"]
    with open(DATA / ist["file"], encoding="utf-8", newline="") as fh:
        rows = tuple(IstanbulFee(r["ilce"], int(r["nufus"]), Decimal(r["harc_tl"]))
                     for r in csv.DictReader(fh))
    years = {int(y["year"]): FeeYear(int(y["year"]), y["status"], str(y["valid_from"]),
                                     y["source"], tuple(None if a is None else Decimal(str(a))
                                                        for a in y["amounts"]))
             for y in raw["years"]}
    return FeeTables(tuple(raw["brackets"]), years, rows, istanbul_note=ist["note"])


@functools.cache
def feasibility_defaults() -> FeasibilityInput:
    raw = _yaml("feasibility.yaml")
    items = tuple(CostItem(i["key"], i["label"], Decimal(str(i["amount"]))) for i in raw["items"])
    start = StartingCapital(Decimal(str(raw["starting_capital_low"])),
                            Decimal(str(raw["starting_capital_high"])),
                            str(raw["starting_capital_text"]))
    return FeasibilityInput(Decimal(str(raw["capital"])), Decimal(str(raw["rent"])),
                            Decimal(str(raw["stopaj_rate"])), items,
                            Decimal(str(raw["profit_rate"])), reading=str(raw["profit_reading"]),
                            starting=start)


def work_calendar(years: Iterable[int]) -> WorkCalendar:
    """Turkish public holidays and half days for the given years (``holidays`` package)."""
    import holidays

    ys = sorted(set(years))
    public = holidays.country_holidays("TR", years=ys, language="tr")
    half = holidays.country_holidays("TR", years=ys, language="tr", categories=("half_day",))
    return WorkCalendar(dict(public.items()), dict(half.items()))


# --- JSON in, JSON out: what the CLI and the web pages call ---------------------------------

def run_score(data: dict[str, Any]) -> ScoreResult:
    r = rules()
    return placement_score(ScoreInput.parse(data),
                           phd_multiplier=Decimal(str(r["phd_multiplier"])),
                           transfer_factor=Decimal(str(r["transfer_factor"])))


def run_rights(data: dict[str, Any], *, today: date) -> RightsResult:
    return check_rights(PharmacistHistory.parse(data), law_dates(), today=today)


def run_site(data: dict[str, Any], profile: str) -> SiteResult:
    from eczane.domain.errors import ParseError

    profiles = site_profiles()
    if profile not in profiles:
        raise ParseError(f"Bilinmeyen profil: {profile!r} (beklenen: {', '.join(profiles)}).",
                         code="bad_profile")
    return check_site(Premises.parse(data), profiles[profile], transfer_exemption())


def run_vacancies(data: dict[str, Any]) -> VacancyResult:
    return vacancies(VacancyInput.parse(data, per_pharmacy=int(rules()["population_per_pharmacy"])))


def run_documents(data: dict[str, Any], *, today: date) -> DocumentResult:
    specs, conditions, text = documents_data()
    req = DocumentRequest.parse(data, conditions, frozenset(s.id for s in specs))
    return check_documents(specs, req, today=today, rule_text=text)


def run_fees(data: dict[str, Any]) -> FeeResult:
    return fee_for(FeeQuery.parse(data), fee_tables())


def run_feasibility(data: dict[str, Any]) -> FeasibilityResult:
    return feasibility(FeasibilityInput.parse(data, feasibility_defaults()))


@functools.cache
def sign_rules() -> tuple[SignRule, ...]:
    """signs.yaml: the tabela rules of seed 001 as yes/no questions."""
    return tuple(SignRule(r["key"], r["question"], bool(r["good"]), r["text"], r["source"])
                 for r in _yaml("signs.yaml")["rules"])


def run_names(data: dict[str, Any]) -> NameResult:
    from dataclasses import replace

    from eczane.domain.errors import ParseError
    from eczane.domain.licensing.reasons import get_bool

    existing = data.get("mevcut") or []
    if isinstance(existing, str):
        existing = existing.splitlines()
    if not isinstance(existing, list):
        raise ParseError("İldeki eczane adları bir liste olmalı.", code="bad_value")
    raw = data.get("tabela") or {}
    if not isinstance(raw, dict):
        raise ParseError("Tabela yanıtları bir nesne olmalı: {kural: evet/hayır}.",
                         code="bad_value")
    rules = sign_rules()
    known = {r.key for r in rules}
    for key in raw:
        if key not in known:
            raise ParseError(f"Bilinmeyen tabela kuralı: {key!r} (beklenen: "
                             f"{', '.join(sorted(known))}).", code="bad_value")
    answers = {r.key: get_bool(raw, r.key, default=None) for r in rules}
    result = check_name(str(data.get("ad") or ""), [str(x) for x in existing],
                        province=str(data.get("il") or ""))
    return replace(result, signs=check_signs(rules, answers))


def run_tracker(data: dict[str, Any], *, today: date) -> TrackerResult:
    return track(TrackerInput.parse(data), today=today)


def run_deadlines(data: dict[str, Any]) -> tuple[DeadlineResult, WorkCalendar]:
    x = DeadlineInput.parse(data)
    starts = [d for d in (x.announcement, x.placement, x.chamber_notified, x.licence_issued,
                          x.renovation_start, x.temporary_closure, x.death,
                          x.closure_decision, x.muvazaa_found) if d]
    years = range(min(starts).year, max(starts).year + 3)
    cal = work_calendar(years)
    return compute_deadlines(x, cal), cal
