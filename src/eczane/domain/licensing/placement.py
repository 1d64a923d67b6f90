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


CODE_CAUSE = {"F": Cause.FULL, "L": Cause.LOTTERY, "N": Cause.NOT_ANNOUNCED,
              "D": Cause.DUPLICATE}


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
    preferences: tuple[str, ...]
    """The preference list of the round that decided (round 2's when placed there)."""
    causes: str
    """One letter per preference passed over (F doldu, L kura, N ilan yok, D tekrar): the
    compact form of :attr:`skipped`, so 40,000 × 25 skips cost one string each."""
    priority: int | None
    """Position in the processing order (1 = highest score); None when not processed."""
    lottery: tuple[int, int] | None
    """(position, group size) in the applicant's equal-score lottery; None if alone."""
    reason: str

    @property
    def skipped(self) -> tuple[Skip, ...]:
        """Preferences passed over before the one given (or all, when not placed)."""
        return tuple(Skip(i, self.preferences[i - 1], CODE_CAUSE[c])
                     for i, c in enumerate(self.causes, start=1))


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


def _describe_codes(causes: str) -> str:
    by_cause: dict[str, list[int]] = {}
    for i, c in enumerate(causes, start=1):
        by_cause.setdefault(c, []).append(i)
    order = sorted(by_cause, key=lambda c: by_cause[c][0])
    return "; ".join(f"{_ranges(by_cause[c])} {CAUSE_TR[CODE_CAUSE[c]]}" for c in order)


def _placed_reason(round_: int, rank: int, district: District, causes: str) -> str:
    head = ("2. yerleştirme, " if round_ == 2 else "") + f"tercih {rank}: {district.label}"
    return head + (f"; {_describe_codes(causes)}" if causes else "")


def _unplaced_reason(n_prefs: int, causes: str) -> str:
    if n_prefs == 0:
        return "yerleşemedi: geçerli tercih yok"
    if causes.count("F") == n_prefs:
        return f"yerleşemedi: {n_prefs} tercihin tamamı doldu"
    return f"yerleşemedi: {_describe_codes(causes)}"


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


def _serial_dictatorship(order: Sequence[Applicant], prefs_of: Sequence[tuple[str, ...]],
                         free: dict[str, int]) -> tuple[list[int], dict[str, Decimal]]:
    """The hot loop: each applicant in order takes the first preference with a place left.

    Returns the rank obtained per applicant (0 = none) and the score of each district's last
    (lowest-priority) holder. A repeated or unannounced preference never has a free place, so
    the loop needs no other test; why each preference was passed over is worked out afterwards
    (:func:`_causes`). O(Σ preferences).
    """
    got = [0] * len(order)
    last: dict[str, Decimal] = {}
    get = free.get
    left = sum(v for v in free.values() if v > 0)
    for n, (a, prefs) in enumerate(zip(order, prefs_of, strict=True)):
        if not left:  # every place is taken: nobody further down can be placed
            break
        for r, k in enumerate(prefs, start=1):
            if get(k, 0) > 0:
                free[k] -= 1
                left -= 1
                last[k] = a.score
                got[n] = r
                break
    return got, last


def _ties(last: Mapping[str, Decimal]) -> dict[Decimal, frozenset[str]]:
    """Score → the districts whose last place went to that score."""
    out: dict[Decimal, set[str]] = {}
    for k, v in last.items():
        out.setdefault(v, set()).add(k)
    return {v: frozenset(ks) for v, ks in out.items()}


def _causes(prefs: tuple[str, ...], upto: int, score: Decimal, announced: frozenset[str],
            last: Mapping[str, Decimal], ties: Mapping[Decimal, frozenset[str]]) -> str:
    """One letter per preference before ``upto`` (F, L, N, D).

    A district passed over was full when the applicant's turn came; its last place went to its
    final last holder (nobody takes a full district later). So the applicant lost it in the
    lottery exactly when that holder has the same score (a tie at the place boundary).
    """
    head = prefs[:upto]
    hs = set(head)
    tied = ties.get(score)
    if len(hs) == len(head) and hs <= announced and (tied is None or tied.isdisjoint(hs)):
        return "F" * len(head)
    out = []
    seen: set[str] = set()
    for k in head:
        if k not in announced:
            out.append("N")
        elif k in seen:
            out.append("D")
        else:
            out.append("L" if last.get(k) == score else "F")
        seen.add(k)
    return "".join(out)


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
                                         a.preferences, "", None, None, why))

    # One sort by score; equal-score groups are ordered by their own seeded draw.
    eligible.sort(key=lambda a: a.score, reverse=True)
    order: list[Applicant] = []
    lottery_pos: dict[str, tuple[int, int]] = {}
    groups: list[tuple[Decimal, tuple[str, ...]]] = []
    i, n = 0, len(eligible)
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
    announced = frozenset(dmap)

    got1, last1 = _serial_dictatorship(order, [a.preferences for a in order],
                                       {k: d.places for k, d in dmap.items()})
    ties1 = _ties(last1)

    notes: list[str] = []
    placed1 = {a.id for a, g in zip(order, got1, strict=True) if g}
    withdrawn = set(inp.withdrawn) & placed1
    for w in sorted(set(inp.withdrawn) - withdrawn):
        notes.append(f"'{w}' 1. yerleştirmede yerleşmediği için vazgeçenler listesinde yok sayıldı.")
    kept1 = dict.fromkeys(dmap, 0)
    for a, g in zip(order, got1, strict=True):
        if g and a.id not in withdrawn:
            kept1[a.preferences[g - 1]] += 1

    rest = [a for a, g in zip(order, got1, strict=True) if not g]
    prefs2 = [a.preferences if a.preferences_round2 is None else a.preferences_round2
              for a in rest]
    got2: dict[str, int] = {}
    last2: dict[str, Decimal] = {}
    filled2 = dict.fromkeys(dmap, 0)
    if inp.second_round:
        free2 = {k: dmap[k].places - kept1[k] for k in dmap}
        empty = sum(free2.values())
        # nothing to do without an empty place (the usual case without withdrawals)
        ranks, last2 = (_serial_dictatorship(rest, prefs2, free2) if empty
                        else ([0] * len(rest), {}))
        got2 = {a.id: g for a, g in zip(rest, ranks, strict=True)}
        for p, g in zip(prefs2, ranks, strict=True):
            if g:
                filled2[p[g - 1]] += 1
        notes.append(f"2. yerleştirme: {empty} boş yer, {sum(filled2.values())} eczacı yerleşti.")

    ties2 = _ties(last2)
    decisive: dict[Decimal, set[str]] = {}
    outcomes: list[Outcome] = []
    for prio, (a, g) in enumerate(zip(order, got1, strict=True), start=1):
        lot = lottery_pos.get(a.id)
        g2 = got2.get(a.id, 0)
        if g:
            causes = _causes(a.preferences, g - 1, a.score, announced, last1, ties1)
            d = a.preferences[g - 1]
            if a.id in withdrawn:
                reason = (f"tercih {g}: {dmap[d].label} kazanıldı; vazgeçti, yer 2. "
                          "yerleştirmeye kaldı")
                out = Outcome(a.id, a.score, Status.WITHDRAWN, 1, d, g, a.preferences, causes,
                              prio, lot, reason)
            else:
                out = Outcome(a.id, a.score, Status.PLACED, 1, d, g, a.preferences, causes,
                              prio, lot, _placed_reason(1, g, dmap[d], causes))
        elif g2:
            p2 = a.preferences if a.preferences_round2 is None else a.preferences_round2
            causes = _causes(p2, g2 - 1, a.score, announced, last2, ties2)
            d = p2[g2 - 1]
            out = Outcome(a.id, a.score, Status.PLACED, 2, d, g2, p2, causes, prio, lot,
                          _placed_reason(2, g2, dmap[d], causes))
        else:
            causes = _causes(a.preferences, len(a.preferences), a.score, announced, last1, ties1)
            reason = _unplaced_reason(len(a.preferences), causes)
            if inp.second_round and a.preferences_round2 is not None:
                c2 = _causes(a.preferences_round2, len(a.preferences_round2), a.score,
                             announced, last2, ties2)
                reason += f"; 2. yerleştirmede de yer yok ({_describe_codes(c2) or 'tercih yok'})"
                if "L" in c2:
                    for k, c in zip(a.preferences_round2, c2, strict=False):
                        if c == "L":
                            decisive.setdefault(a.score, set()).add(k)
            out = Outcome(a.id, a.score, Status.UNPLACED, None, None, None, a.preferences,
                          causes, prio, lot, reason)
        if "L" in out.causes:
            for k, c in zip(out.preferences, out.causes, strict=False):
                if c == "L":
                    decisive.setdefault(a.score, set()).add(k)
        outcomes.append(out)
    outcomes.extend(not_processed)

    draws = tuple(LotteryDraw(s, drawn, s in decisive, tuple(sorted(decisive.get(s, ()))))
                  for s, drawn in groups)
    filled = {k: (kept1[k], filled2[k]) for k in dmap}
    return PlacementResult(inp.seed, tuple(outcomes), draws, tuple(dmap.values()), filled,
                           tuple(notes))
