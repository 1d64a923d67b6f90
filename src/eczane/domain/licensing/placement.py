"""Eczacı yerleştirme: the placement run (serial dictatorship with a seeded, printed lottery).

What the rules are, and where they come from (seed 001 = ``001_271ab17188307080.txt``,
§ECZANE AÇMA BAŞVURU İŞLEMLERİ):

- "Başvuru evrakının eksik olması hâlinde başvuru talepleri işleme alınmaz." → an incomplete
  file is not placed (status ``islem_yok``).
- "Bu başvurularda en fazla yirmi beş tercih yapılabilir." → more than 25 preferences is an
  invalid application (``islem_yok``), never silently cut.
- "ilân tarihinden itibaren otuz gün içerisinde … başvurularını yaparlar" → when the
  announcement date is known, an application dated later than 30 days after it is not processed.
- "eczacının yerleştirme puanı ve tercih sıralaması göz önüne alınarak yerleştirme işlemi yapılır.
  Başvuru yapan eczacılardan yerleştirme puanı en yüksek olanlar eczane açma hakkı kazanır." →
  applicants are taken once, in descending score; each gets the highest preference that still has
  a place (serial dictatorship; O(Σ preferences) after one sort).
- "yerleştirme puanlarının eşit olması hâlinde … kura çekilir" → within every group of equal
  scores the order is a lottery. The draw is reproducible: the group's applicant ids, sorted, are
  shuffled by ``random.Random(f"{seed}|{score}")`` (Python's Mersenne Twister; a string seed is
  hashed with SHA-512, so the draw is the same on every machine and Python ≥ 3.2). Each group has
  its own generator, so adding or removing an applicant never changes another group's draw.
  A tie *at a place boundary* is an applicant who found a district full while its last place went
  to an applicant with the **same** score: that applicant lost the lottery for that district, and
  the group's draw is marked *decisive* (``LotteryDraw.decisive``) and printed.
- "Boş kalan yerler için Kurum tarafından otuz gün içinde ikinci yerleştirme yapılır." → a second
  round offers every announced place still empty after round 1 to the complete applicants not
  placed in round 1, in the same order (score, then the same lottery). Our reading, not stated in
  the seed: (1) places of round-1 winners who gave up (``withdrawn``) are empty too; (2) an
  applicant may give new preferences for round 2 (``preferences_round2``), otherwise the round-1
  list is used. With neither, round 2 places nobody (every unplaced applicant already found all
  their preferences full) — the result says so. Unknown: whether TİTCK lets new applicants into
  the second placement; we do not. Consequence of (2): a lower score placed in round 1 keeps
  a place that a higher score asks for only in round 2 (rounds are sequential).

>>> from decimal import Decimal as D
>>> ds = (District("34/kadikoy", "İstanbul", "Kadıköy", 1), District("06/cankaya", "Ankara", "Çankaya", 1))
>>> a = Applicant("A", D(20), ("34/kadikoy", "06/cankaya"))
>>> b = Applicant("B", D(15), ("34/kadikoy", "06/cankaya"))
>>> r = run_placement(PlacementInput(ds, (a, b), seed=1))
>>> [o.reason for o in r.outcomes]
['tercih 1: Kadıköy (İstanbul)', 'tercih 2: Çankaya (Ankara); 1 doldu']
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

SEED_GUIDE = "seed 001 §ECZANE AÇMA BAŞVURU İŞLEMLERİ"
MAX_PREFERENCES = 25
"""seed 001: "Bu başvurularda en fazla yirmi beş tercih yapılabilir."."""
APPLICATION_WINDOW_DAYS = 30
"""seed 001: "ilân tarihinden itibaren otuz gün içerisinde"."""


@dataclass(frozen=True, slots=True)
class District:
    """One announced district (ilan edilen ilçe)."""

    key: str
    """Stable identifier used by preferences (e.g. ``34/kadikoy``)."""
    province: str
    """İl, as shown to people (``İstanbul``)."""
    name: str
    """İlçe, as shown to people (``Kadıköy``)."""
    places: int
    """Number of pharmacies that may open (açılabilecek eczane sayısı)."""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.province})"


@dataclass(frozen=True, slots=True)
class Applicant:
    """One application (başvuru)."""

    id: str
    score: Decimal
    """Yerleştirme puanı (see ``eczane.domain.licensing.score``)."""
    preferences: tuple[str, ...]
    """District keys, best first (tercih sırası)."""
    complete: bool = True
    """False when the file is incomplete (evrak eksik): not processed."""
    application_date: date | None = None
    preferences_round2: tuple[str, ...] | None = None
    """Preferences for the second placement; ``None`` = the round-1 list."""


@dataclass(frozen=True)
class PlacementInput:
    districts: tuple[District, ...]
    applicants: tuple[Applicant, ...]
    seed: int | str
    """Lottery seed, recorded in the result (kura tohumu)."""
    announcement_date: date | None = None
    withdrawn: frozenset[str] = frozenset()
    """Round-1 winners who gave up their place before the second placement."""
    second_round: bool = True


class Status(StrEnum):
    PLACED = "yerlesti"
    UNPLACED = "yerlesemedi"
    NOT_PROCESSED = "islem_yok"
    WITHDRAWN = "vazgecti"


STATUS_TR = {
    Status.PLACED: "Yerleşti",
    Status.UNPLACED: "Yerleşemedi",
    Status.NOT_PROCESSED: "İşleme alınmadı",
    Status.WITHDRAWN: "Vazgeçti (yeri 2. yerleştirmeye kaldı)",
}


class Cause(StrEnum):
    FULL = "doldu"
    LOTTERY = "kura"
    NOT_ANNOUNCED = "ilan_yok"
    DUPLICATE = "tekrar"


CAUSE_TR = {
    Cause.FULL: "doldu",
    Cause.LOTTERY: "eşit puanla kurada kaybedildi",
    Cause.NOT_ANNOUNCED: "ilan edilmemiş ilçe",
    Cause.DUPLICATE: "aynı ilçe tekrar yazılmış",
}


@dataclass(frozen=True, slots=True)
class Skip:
    """A preference passed over, and why."""

    rank: int
    district: str
    cause: Cause


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one applicant, and the Turkish sentence that says why."""

    applicant_id: str
    score: Decimal
    status: Status
    round: int | None
    district: str | None
    rank: int | None
    """Preference rank that was given (1-based), in the list of that round."""
    skipped: tuple[Skip, ...]
    """Preferences passed over before the one given (or all, when not placed)."""
    priority: int | None
    """Position in the processing order (1 = highest score); None when not processed."""
    lottery: tuple[int, int] | None
    """(position, group size) in the applicant's equal-score lottery; None if alone."""
    reason: str


@dataclass(frozen=True, slots=True)
class LotteryDraw:
    """One equal-score group's draw (kura)."""

    score: Decimal
    order: tuple[str, ...]
    """Applicant ids in drawn order (first = best)."""
    decisive: bool
    """True when the draw decided a place (someone lost a district to an equal score)."""
    districts: tuple[str, ...]
    """District keys where it decided."""


@dataclass(frozen=True)
class PlacementResult:
    seed: int | str
    outcomes: tuple[Outcome, ...]
    """In processing order, then the applicants not processed (in input order)."""
    draws: tuple[LotteryDraw, ...]
    """Every equal-score group (≥ 2 applicants), highest score first."""
    districts: tuple[District, ...]
    filled: Mapping[str, tuple[int, int]]
    """District key → (places filled in round 1 that were kept, places filled in round 2)."""
    notes: tuple[str, ...] = field(default=())

    def by_id(self) -> dict[str, Outcome]:
        return {o.applicant_id: o for o in self.outcomes}


def score_key(score: Decimal) -> str:
    """The canonical text of a score (``Decimal('10.50')`` and ``10.5`` give ``'10.5'``)."""
    return format(score.normalize(), "f")


def lottery_order(seed: int | str, score: Decimal, ids: Iterable[str]) -> tuple[str, ...]:
    """Draw the order of an equal-score group, reproducibly.

    The ids are sorted first so the draw does not depend on input order, then shuffled by
    ``random.Random(f"{seed}|{score_key(score)}")``.

    References: seed 001 ("puanlarının eşit olması hâlinde … kura çekilir").
    """
    ordered = sorted(ids)
    random.Random(f"{seed}|{score_key(score)}").shuffle(ordered)
    return tuple(ordered)


def places_from_population(population: int, existing: int, per_pharmacy: int = 3500) -> int:
    """Places a district can announce under the population rule.

    ``max(0, population // per_pharmacy − existing)``: at least 3,500 people per pharmacy in a
    district (seed 001 §ECZANE AÇILMASI KRİTERLERİ: "en az üç bin beş yüz kişiye bir eczane").
    How TİTCK rounds and whether hospital pharmacies count is not public (research/licensing.md
    §1.3 [I]): TİTCK's own announcement, when given, always wins over this estimate.

    >>> places_from_population(467919, 120)
    13
    >>> places_from_population(10000, 5)
    0
    """
    if population < 0 or existing < 0:
        raise ValueError("population and existing must be ≥ 0")
    return max(0, population // per_pharmacy - existing)


def _ranges(ranks: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` → ``'1–3, 5'``."""
    parts: list[str] = []
    start = prev = ranks[0]
    for r in ranks[1:]:
        if r == prev + 1:
            prev = r
            continue
        parts.append(f"{start}–{prev}" if prev > start else str(start))
        start = prev = r
    parts.append(f"{start}–{prev}" if prev > start else str(start))
    return ", ".join(parts)


def describe_skips(skipped: Sequence[Skip]) -> str:
    """``'1–2 doldu; 3 eşit puanla kurada kaybedildi'`` (grouped by cause, in rank order)."""
    by_cause: dict[Cause, list[int]] = {}
    for s in skipped:
        by_cause.setdefault(s.cause, []).append(s.rank)
    order = sorted(by_cause, key=lambda c: by_cause[c][0])
    return "; ".join(f"{_ranges(by_cause[c])} {CAUSE_TR[c]}" for c in order)


def _reason(status: Status, round_: int | None, rank: int | None, district: District | None,
            skipped: Sequence[Skip], n_prefs: int, extra: str = "") -> str:
    if status is Status.PLACED:
        assert district is not None and rank is not None
        head = ("2. yerleştirme, " if round_ == 2 else "") + f"tercih {rank}: {district.label}"
        return head + (f"; {describe_skips(skipped)}" if skipped else "")
    if status is Status.UNPLACED:
        if n_prefs == 0:
            return "yerleşemedi: geçerli tercih yok"
        all_full = all(s.cause is Cause.FULL for s in skipped)
        head = (f"yerleşemedi: {n_prefs} tercihin tamamı doldu" if all_full
                else f"yerleşemedi: {describe_skips(skipped)}")
        return head + extra
    return extra


def _eligibility(a: Applicant, deadline: date | None) -> str | None:
    """Why an application is not processed, or None (seed 001 §ECZANE AÇMA BAŞVURU İŞLEMLERİ)."""
    if not a.complete:
        return "işleme alınmadı: başvuru evrakı eksik"
    if len(a.preferences) > MAX_PREFERENCES:
        return (f"işleme alınmadı: {len(a.preferences)} tercih yapılmış, "
                f"en fazla {MAX_PREFERENCES} tercih yapılabilir")
    if deadline is not None and a.application_date is not None and a.application_date > deadline:
        return (f"işleme alınmadı: başvuru tarihi {a.application_date:%d.%m.%Y}, son gün "
                f"{deadline:%d.%m.%Y} (ilandan itibaren {APPLICATION_WINDOW_DAYS} gün)")
    return None


class _Round:
    """Serial dictatorship over an ordered list; O(Σ preferences)."""

    __slots__ = ("free", "last_score", "taken_by")

    def __init__(self, free: dict[str, int]) -> None:
        self.free = free
        self.last_score: dict[str, Decimal] = {}
        self.taken_by: dict[str, list[str]] = {}

    def place(self, a: Applicant, prefs: Sequence[str]) -> tuple[int | None, str | None, list[Skip]]:
        free = self.free
        skipped: list[Skip] = []
        seen: set[str] = set()
        for i, d in enumerate(prefs, start=1):
            left = free.get(d)
            if left is None:
                skipped.append(Skip(i, d, Cause.NOT_ANNOUNCED))
                continue
            if d in seen:
                skipped.append(Skip(i, d, Cause.DUPLICATE))
                continue
            seen.add(d)
            if left > 0:
                free[d] = left - 1
                self.last_score[d] = a.score
                self.taken_by.setdefault(d, []).append(a.id)
                return i, d, skipped
            tie = self.last_score.get(d) == a.score
            skipped.append(Skip(i, d, Cause.LOTTERY if tie else Cause.FULL))
        return None, None, skipped


def run_placement(inp: PlacementInput) -> PlacementResult:
    """Run round 1 and (unless disabled) round 2; every applicant gets an outcome and a reason.

    Args:
        inp: the announcement, the applications, the lottery seed, optional announcement date,
            the round-1 winners who gave up, whether to run the second round.
    Returns:
        A :class:`PlacementResult`; outcomes in processing order, lottery draws, fill counts.
    Raises:
        ValueError: duplicate district keys or applicant ids, or negative places.
    References: seed 001 §ECZANE AÇMA BAŞVURU İŞLEMLERİ (see the module docstring).
    """
    dmap: dict[str, District] = {}
    for dist in inp.districts:
        if dist.key in dmap:
            raise ValueError(f"district {dist.key!r} announced twice")
        if dist.places < 0:
            raise ValueError(f"district {dist.key!r} has negative places")
        dmap[dist.key] = dist
    deadline = (inp.announcement_date + timedelta(days=APPLICATION_WINDOW_DAYS)
                if inp.announcement_date else None)

    seen_ids: set[str] = set()
    eligible: list[Applicant] = []
    not_processed: list[Outcome] = []
    for a in inp.applicants:
        if a.id in seen_ids:
            raise ValueError(f"applicant {a.id!r} appears twice")
        seen_ids.add(a.id)
        why = _eligibility(a, deadline)
        if why is None:
            eligible.append(a)
        else:
            not_processed.append(Outcome(a.id, a.score, Status.NOT_PROCESSED, None, None, None,
                                         (), None, None, why))

    # One sort by score; equal-score groups are ordered by their own seeded draw.
    eligible.sort(key=lambda a: a.score, reverse=True)
    order: list[Applicant] = []
    lottery_pos: dict[str, tuple[int, int]] = {}
    groups: list[tuple[Decimal, tuple[str, ...]]] = []
    i = 0
    n = len(eligible)
    while i < n:
        j = i + 1
        s = eligible[i].score
        while j < n and eligible[j].score == s:
            j += 1
        if j - i == 1:
            order.append(eligible[i])
        else:
            members = {a.id: a for a in eligible[i:j]}
            drawn = lottery_order(inp.seed, s, members)
            groups.append((s, drawn))
            for pos, aid in enumerate(drawn, start=1):
                lottery_pos[aid] = (pos, len(drawn))
                order.append(members[aid])
        i = j

    r1 = _Round({k: d.places for k, d in dmap.items()})
    placed1: dict[str, tuple[int, str, list[Skip]]] = {}
    missed1: dict[str, list[Skip]] = {}
    decisive: dict[Decimal, set[str]] = {}
    for a in order:
        rank, d, skipped = r1.place(a, a.preferences)
        for sk in skipped:
            if sk.cause is Cause.LOTTERY:
                decisive.setdefault(a.score, set()).add(sk.district)
        if d is not None and rank is not None:
            placed1[a.id] = (rank, d, skipped)
        else:
            missed1[a.id] = skipped

    notes: list[str] = []
    withdrawn = set(inp.withdrawn) & placed1.keys()
    for w in sorted(set(inp.withdrawn) - withdrawn):
        notes.append(f"'{w}' 1. yerleştirmede yerleşmediği için vazgeçenler listesinde yok sayıldı.")
    kept1 = {k: 0 for k in dmap}
    for aid, (_, d, _) in placed1.items():
        if aid not in withdrawn:
            kept1[d] += 1

    placed2: dict[str, tuple[int, str, list[Skip]]] = {}
    missed2: dict[str, list[Skip]] = {}
    filled2 = {k: 0 for k in dmap}
    if inp.second_round:
        free2 = {k: dmap[k].places - kept1[k] for k in dmap}
        empty = sum(free2.values())
        r2 = _Round(free2)
        if empty:
            for a in order:
                if a.id in placed1:
                    continue
                prefs = a.preferences if a.preferences_round2 is None else a.preferences_round2
                rank, d, skipped = r2.place(a, prefs)
                for sk in skipped:
                    if sk.cause is Cause.LOTTERY:
                        decisive.setdefault(a.score, set()).add(sk.district)
                if d is not None and rank is not None:
                    placed2[a.id] = (rank, d, skipped)
                    filled2[d] += 1
                else:
                    missed2[a.id] = skipped
        notes.append(f"2. yerleştirme: {empty} boş yer, {len(placed2)} eczacı yerleşti.")

    outcomes: list[Outcome] = []
    for prio, a in enumerate(order, start=1):
        lot = lottery_pos.get(a.id)
        if a.id in placed1:
            rank, d, skipped = placed1[a.id]
            if a.id in withdrawn:
                reason = (f"tercih {rank}: {dmap[d].label} kazanıldı; vazgeçti, yer 2. "
                          "yerleştirmeye kaldı")
                outcomes.append(Outcome(a.id, a.score, Status.WITHDRAWN, 1, d, rank,
                                        tuple(skipped), prio, lot, reason))
                continue
            outcomes.append(Outcome(a.id, a.score, Status.PLACED, 1, d, rank, tuple(skipped),
                                    prio, lot, _reason(Status.PLACED, 1, rank, dmap[d], skipped,
                                                       len(a.preferences))))
        elif a.id in placed2:
            rank, d, skipped = placed2[a.id]
            outcomes.append(Outcome(a.id, a.score, Status.PLACED, 2, d, rank, tuple(skipped),
                                    prio, lot, _reason(Status.PLACED, 2, rank, dmap[d], skipped,
                                                       len(a.preferences))))
        else:
            skipped = missed1[a.id]
            extra = ""
            if a.id in missed2 and a.preferences_round2 is not None:
                extra = f"; 2. yerleştirmede de yer yok ({describe_skips(missed2[a.id]) or 'tercih yok'})"
            outcomes.append(Outcome(a.id, a.score, Status.UNPLACED, None, None, None,
                                    tuple(skipped), prio, lot,
                                    _reason(Status.UNPLACED, None, None, None, skipped,
                                            len(a.preferences), extra)))
    outcomes.extend(not_processed)

    draws = tuple(LotteryDraw(s, drawn, s in decisive, tuple(sorted(decisive.get(s, ()))))
                  for s, drawn in groups)
    filled = {k: (kept1[k], filled2[k]) for k in dmap}
    return PlacementResult(inp.seed, tuple(outcomes), draws, tuple(dmap.values()), filled,
                           tuple(notes))
