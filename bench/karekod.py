"""Benchmark: our karekod parser against biip.parse on the same 200,000 mixed inputs.

Run: ``.venv/bin/python bench/karekod.py [--n 200000] [--seed 7557]``

Half the inputs carry separators (what a scanner sends: ``]d2`` + GS element string + CR/LF,
plain GS strings, the 01-10-17-21 order, a leading FNC1/GS), half have none (keyboard-wedge
scanners that drop GS). About 2% are broken (check digit, date). Packs look like a pharmacy's:
GTINs from a pool of 2,000 products, numeric and alphanumeric serials, short batches, expiry in
the next five years (some DD=00). Prints throughput, the ratio per group, and the agreement with
biip wherever biip reads a complete karekod (our reading, or one of our candidates when ours
is ``ambiguous``). Both parsers are timed on the same inputs (CPU time, alternating chunks, GC paused).
Bounded: about 20–40 s, almost all of it in biip.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import biip  # noqa: E402

from eczane.domain.gs1 import make_gtin  # noqa: E402
from eczane.domain.karekod import GS, Karekod, parse_karekod  # noqa: E402

TODAY = datetime.now(tz=UTC).date()  # biip's century window reads the clock; ours gets today


def make_packs(n: int, rng: random.Random) -> list[Karekod]:
    gtins = [make_gtin("0869" + f"{rng.randrange(10**9):09d}") for _ in range(2000)]
    alnum = "ABCDEFGHJKLMNPRSTUVYZ0123456789"
    packs = []
    for _ in range(n):
        if rng.random() < 0.5:
            serial = f"{rng.randrange(10**13):0{rng.choice([12, 13, 14])}d}"
        else:
            serial = "".join(rng.choice(alnum) for _ in range(rng.randint(10, 20)))
        batch = "".join(rng.choice(alnum) for _ in range(rng.randint(4, 10)))
        expiry = TODAY + timedelta(days=rng.randint(-200, 5 * 365))
        packs.append(Karekod(rng.choice(gtins), serial, expiry, batch))
    return packs


def with_separators(k: Karekod, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return "]d2" + k.element_string() + "\r\n"
    if r < 0.80:
        return k.element_string()
    if r < 0.90:
        yymmdd = k.element_string()[k.element_string().index(GS) + 3 :][:6]
        return f"01{k.gtin}10{k.batch}{GS}17{yymmdd}21{k.serial}"
    return GS + k.element_string()


def without_separators(k: Karekod, rng: random.Random) -> str:
    text = k.element_string("")
    return "]d2" + text if rng.random() < 0.3 else text


def corrupt(text: str, rng: random.Random) -> str:
    i = text.index("01") + 2 + rng.randrange(14)  # a GTIN digit: check digit or date errors
    return text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1 :]


def biip_reading(text: str) -> Karekod | None:
    message = biip.parse(text).gs1_message
    if message is None:
        return None
    by_ai = {e.ai.ai: e for e in message.element_strings}
    if len(message.element_strings) != 4 or sorted(by_ai) != ["01", "10", "17", "21"]:
        return None
    if by_ai["01"].gtin_error is not None or by_ai["17"].date is None:
        return None
    return Karekod(by_ai["01"].value, by_ai["21"].value, by_ai["17"].date, by_ai["10"].value)


def timed(fn: Callable[[str], object], inputs: list[str]) -> tuple[list[Any], float]:
    """Results and CPU seconds of this process (the machine is shared: wall time would
    measure the neighbours). The cyclic GC is paused while timing: it would scan the growing
    result list, which measures the list, not the parser."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.process_time()
        out = [fn(s) for s in inputs]
        return out, time.process_time() - t0
    finally:
        gc.enable()


def run(label: str, inputs: list[str], today: date) -> float:
    """Alternate the two parsers on chunks of 5,000 so both see the same machine load."""
    ours: list[Any] = []
    theirs: list[Any] = []
    t_ours = t_biip = 0.0
    for i in range(0, len(inputs), 5000):
        chunk = inputs[i : i + 5000]
        got, dt = timed(lambda s: parse_karekod(s, today=today), chunk)
        ours += got
        t_ours += dt
        got, dt = timed(biip_reading, chunk)
        theirs += got
        t_biip += dt
    agree = disagree = 0
    for text, mine, other in zip(inputs, ours, theirs, strict=True):
        if other is None:
            continue
        if mine.value == other or (
            mine.error is not None and mine.error.code == "ambiguous" and other in mine.error.candidates
        ):
            agree += 1
        else:
            disagree += 1
            if disagree <= 3:
                print(f"  DISAGREE {text!r}: ours {mine}, biip {other}")
    n = len(inputs)
    codes: dict[str, int] = {}
    for r in ours:
        key = "ok" if r.ok else r.error.code  # type: ignore[union-attr]
        codes[key] = codes.get(key, 0) + 1
    ratio = t_biip / t_ours
    print(f"{label}: {n:,} inputs")
    print(f"  ours : {n / t_ours:12,.0f} /s  ({t_ours * 1e6 / n:6.2f} µs each)")
    print(f"  biip : {n / t_biip:12,.0f} /s  ({t_biip * 1e6 / n:6.2f} µs each)")
    print(f"  ratio: {ratio:.1f}× faster than biip.parse")
    print(f"  biip read {agree + disagree:,} complete karekods; agreement {agree:,}/{agree + disagree:,}")
    print(f"  our results: {dict(sorted(codes.items()))}")
    return ratio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000, help="total inputs (half of each kind)")
    ap.add_argument("--seed", type=int, default=7557)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    half = args.n // 2
    packs = make_packs(half, rng)
    sep = [with_separators(k, rng) for k in packs]
    nosep = [without_separators(k, rng) for k in packs]
    for group in (sep, nosep):
        for i in rng.sample(range(half), half // 50):
            group[i] = corrupt(group[i], rng)
    print(f"today={TODAY}  seed={args.seed}  python={sys.version.split()[0]}  biip={biip.__version__}")
    r1 = run("separator-bearing", sep, TODAY)
    r2 = run("no separator", nosep, TODAY)
    print(f"goals: ≥20× with separators ({'met' if r1 >= 20 else 'NOT met'}), "
          f"≥5× without ({'met' if r2 >= 5 else 'NOT met'})")


if __name__ == "__main__":
    main()
