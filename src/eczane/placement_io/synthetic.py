"""A made-up national run on the real district list, for demos and the benchmark."""

from __future__ import annotations

import random
from decimal import Decimal

from eczane.domain.licensing.placement import Applicant, District, PlacementInput
from eczane.placement_io.districts import district_index


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
