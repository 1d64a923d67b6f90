"""Canonical JSON: the input a run is saved as (``eczane.placement/1``) and the result
(``eczane.placement-result/1``) with its summary. Formats: ``docs/placement.md``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eczane.domain.licensing.placement import (
    STATUS_TR,
    Applicant,
    District,
    PlacementInput,
    PlacementResult,
    score_key,
)
from eczane.domain.licensing.placement_report import district_table
from eczane.placement_io.inputs import input_digest, parse_date

FORMAT_IN = "eczane.placement/1"
FORMAT_OUT = "eczane.placement-result/1"


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
