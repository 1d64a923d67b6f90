"""What a placement run means per district (taban puan) and for one pharmacist (what-if).

Taban puan: the lowest score placed in a district (per round and overall). What-if: "with the last
run's data, which of my preferences would I get at score S?" — answered exactly for round 1
without re-running: an applicant with score S is reached after every applicant with a higher
score, whose choices do not depend on anyone below them (serial dictatorship, seed 001
§ECZANE AÇMA BAŞVURU İŞLEMLERİ). So at S, district *d* is

- ``alir`` (gets it) when the round-1 holders of *d* with a score above S, plus every applicant
  with exactly S who listed *d*, leave a place;
- ``alamaz`` (full) when the holders above S already take every place;
- ``kura`` otherwise: it depends on the equal-score lottery.

For an applicant of the run, the run is first redone without them (their own application
changed the others below them), then the same rule is applied.

>>> from decimal import Decimal as D
>>> from eczane.domain.licensing.placement import District, Applicant, PlacementInput
>>> ds = (District("k", "İstanbul", "Kadıköy", 1), District("c", "Ankara", "Çankaya", 2))
>>> inp = PlacementInput(ds, (Applicant("A", D(20), ("k",)), Applicant("B", D(12), ("k", "c"))), 7)
>>> w = what_if(inp, run_placement(inp), D(15), ("k", "c"))
>>> w.summary
'Puan 15 ile tercih 2: Çankaya (Ankara) alırsınız.'
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from eczane.domain.licensing.placement import (
    District,
    PlacementInput,
    PlacementResult,
    Status,
    run_placement,
    score_key,
)


@dataclass(frozen=True, slots=True)
class DistrictRow:
    """One line of the taban puan table."""

    district: District
    filled1: int
    """Places kept by round-1 winners."""
    filled2: int
    empty: int
    base1: Decimal | None
    """Lowest score placed in round 1 (1. yerleştirme taban puanı)."""
    base: Decimal | None
    """Lowest score placed overall (taban puan)."""
    top: Decimal | None
    demand: int
    """Processed applicants who listed the district anywhere (round 1)."""
    first_choice: int
    """Processed applicants who listed it first."""


def district_table(inp: PlacementInput, result: PlacementResult) -> tuple[DistrictRow, ...]:
    """Taban puan per district, with fill counts and demand; O(Σ preferences)."""
    processed = {o.applicant_id for o in result.outcomes if o.priority is not None}
    demand: dict[str, int] = {}
    first: dict[str, int] = {}
    for a in inp.applicants:
        if a.id not in processed:
            continue
        for k in set(a.preferences):
            demand[k] = demand.get(k, 0) + 1
        if a.preferences:
            first[a.preferences[0]] = first.get(a.preferences[0], 0) + 1
    low1: dict[str, Decimal] = {}
    low: dict[str, Decimal] = {}
    high: dict[str, Decimal] = {}
    for o in result.outcomes:
        if o.status is not Status.PLACED or o.district is None:
            continue
        k = o.district
        if o.round == 1 and (k not in low1 or o.score < low1[k]):
            low1[k] = o.score
        if k not in low or o.score < low[k]:
            low[k] = o.score
        if k not in high or o.score > high[k]:
            high[k] = o.score
    rows = []
    for d in result.districts:
        f1, f2 = result.filled[d.key]
        rows.append(DistrictRow(d, f1, f2, d.places - f1 - f2, low1.get(d.key), low.get(d.key),
                                high.get(d.key), demand.get(d.key, 0), first.get(d.key, 0)))
    return tuple(rows)


class Verdict(StrEnum):
    GETS = "alir"
    FULL = "alamaz"
    LOTTERY = "kura"
    NOT_ANNOUNCED = "ilan_yok"


VERDICT_TR = {
    Verdict.GETS: "alırsınız",
    Verdict.FULL: "dolu (üst puanlılar almış)",
    Verdict.LOTTERY: "aynı puanlı başvurular var: kuraya bağlı olabilir",
    Verdict.NOT_ANNOUNCED: "ilan edilmemiş",
}


@dataclass(frozen=True, slots=True)
class WhatIfLine:
    rank: int
    key: str
    district: District | None
    verdict: Verdict
    above: int
    """Round-1 holders of the district with a higher score."""
    equal: int
    """Other applicants with exactly this score who listed the district."""
    base1: Decimal | None
    """Round-1 taban puan of the district in the run used."""


@dataclass(frozen=True)
class WhatIf:
    score: Decimal
    lines: tuple[WhatIfLine, ...]
    gets: WhatIfLine | None
    """The preference obtained for sure, if any."""
    summary: str
    """One Turkish sentence."""


class _Holders:
    """Sorted round-1 holder scores per district, and equal-score listings, for fast queries."""

    def __init__(self, inp: PlacementInput, result: PlacementResult) -> None:
        self.places = {d.key: d.places for d in result.districts}
        self.districts = {d.key: d for d in result.districts}
        held: dict[str, list[Decimal]] = {k: [] for k in self.places}
        for o in result.outcomes:
            if o.round == 1 and o.district is not None and o.status in (Status.PLACED,
                                                                         Status.WITHDRAWN):
                held[o.district].append(o.score)
        self.held = {k: sorted(v) for k, v in held.items()}
        processed = {o.applicant_id for o in result.outcomes if o.priority is not None}
        self.listed_by_score: dict[str, dict[str, int]] = {}
        self._inp = inp
        self._processed = processed

    def equal_listing(self, score: Decimal, key: str) -> int:
        sk = score_key(score)
        table = self.listed_by_score.get(sk)
        if table is None:
            table = {}
            for a in self._inp.applicants:
                if a.id in self._processed and a.score == score:
                    for k in set(a.preferences):
                        table[k] = table.get(k, 0) + 1
            self.listed_by_score[sk] = table
        return table.get(key, 0)

    def verdict(self, score: Decimal, key: str) -> tuple[Verdict, int, int]:
        if key not in self.places:
            return Verdict.NOT_ANNOUNCED, 0, 0
        scores = self.held[key]
        above = len(scores) - bisect.bisect_right(scores, score)
        equal = self.equal_listing(score, key)
        places = self.places[key]
        if above >= places:
            return Verdict.FULL, above, equal
        if above + equal < places:
            return Verdict.GETS, above, equal
        return Verdict.LOTTERY, above, equal


def _without(inp: PlacementInput, applicant_id: str) -> PlacementInput:
    return replace(inp, applicants=tuple(a for a in inp.applicants if a.id != applicant_id),
                   withdrawn=inp.withdrawn - {applicant_id})


def what_if(inp: PlacementInput, result: PlacementResult, score: Decimal,
            preferences: Sequence[str], *, applicant_id: str | None = None) -> WhatIf:
    """Which of ``preferences`` would an applicant with ``score`` get in round 1 of this run.

    Args:
        inp, result: the run to ask about (its input and its result).
        score: the score to try.
        preferences: district keys, best first.
        applicant_id: when the applicant is in the run, they are removed and the run redone first.
    Returns:
        A :class:`WhatIf` with a verdict per preference and a Turkish summary.
    References: seed 001 §ECZANE AÇMA BAŞVURU İŞLEMLERİ (ordering by score and preference).
    """
    if applicant_id is not None and any(a.id == applicant_id for a in inp.applicants):
        inp = _without(inp, applicant_id)
        result = run_placement(inp)
    h = _Holders(inp, result)
    base1 = {r.district.key: r.base1 for r in district_table(inp, result)}
    lines: list[WhatIfLine] = []
    gets: WhatIfLine | None = None
    for rank, key in enumerate(preferences, start=1):
        v, above, equal = h.verdict(score, key)
        line = WhatIfLine(rank, key, h.districts.get(key), v, above, equal, base1.get(key))
        lines.append(line)
        if v is Verdict.GETS:
            gets = line
            break
    return WhatIf(score, tuple(lines), gets, _summary(score, lines, gets))


def reachable(inp: PlacementInput, result: PlacementResult, score: Decimal
              ) -> tuple[tuple[District, Verdict], ...]:
    """Each announced district's verdict at ``score`` if listed first (for the whole table)."""
    h = _Holders(inp, result)
    return tuple((d, h.verdict(score, d.key)[0]) for d in result.districts)


def _summary(score: Decimal, lines: Sequence[WhatIfLine], gets: WhatIfLine | None) -> str:
    s = score_key(score).replace(".", ",")
    lottery = [x for x in lines if x.verdict is Verdict.LOTTERY]
    lot = ""
    if lottery:
        names = ", ".join(f"tercih {x.rank}" for x in lottery)
        lot = f" ({names} eşit puanlılarla kuraya bağlı)"
    if gets is not None:
        assert gets.district is not None
        return f"Puan {s} ile tercih {gets.rank}: {gets.district.label} alırsınız{lot}."
    if lottery:
        return f"Puan {s} ile kesin bir yer yok{lot}."
    return f"Puan {s} ile tercihlerinizin hiçbirine yerleşemezsiniz."
