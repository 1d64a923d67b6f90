"""Benchmark: ``eczane karekod parse --jsonl`` end to end against a biip loop, same JSON in and out.

Run: ``.venv/bin/python bench/karekod_cli.py [--n 100000] [--seed 7557]``

The inputs are those of ``bench/karekod.py`` (half with separators, half without, about 2%
broken), written once as JSON lines to a temporary file. Then, in the same run and on the same
file, two processes are started and timed from start to exit (interpreter start, imports, reading
stdin, parsing, writing stdout):

- ``eczane karekod parse --jsonl`` (the installed entry point of this virtualenv);
- a Python loop over the same lines: ``json.loads`` → ``biip.parse`` → the same JSON object
  (``{"ok": true, "gtin": …}`` or ``{"ok": false, "error": …, "message": …}``) → ``json.dumps``.

Each is run ``--repeat`` times, alternating, and the best wall time and the best CPU time of each
(user + system of the child; the machine is shared, so CPU time is the steadier figure) are
printed with their ratio. Also printed: the start-up time (wall and CPU) of ``eczane --help``
and of ``eczane karekod parse`` on one line (goal: under 0.3 s each; on a loaded machine the
wall time measures the neighbours). Goal: at least 8× faster than biip.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from karekod import TODAY, corrupt, make_packs, with_separators, without_separators  # noqa: E402

BIN = Path(sys.executable).parent
ECZANE = str(BIN / "eczane")

BIIP_LOOP = """
import json, sys
import biip

out = sys.stdout
for line in sys.stdin:
    text = json.loads(line)
    message = biip.parse(text).gs1_message
    obj = None
    if message is not None:
        by_ai = {e.ai.ai: e for e in message.element_strings}
        if (len(message.element_strings) == 4 and sorted(by_ai) == ["01", "10", "17", "21"]
                and by_ai["01"].gtin_error is None and by_ai["17"].date is not None):
            obj = {"ok": True, "gtin": by_ai["01"].value, "serial": by_ai["21"].value,
                   "expiry": by_ai["17"].date.isoformat(), "batch": by_ai["10"].value}
    if obj is None:
        obj = {"ok": False, "error": "syntax", "message": "okunamadı"}
    out.write(json.dumps(obj, ensure_ascii=False) + "\\n")
"""


def inputs(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    half = n // 2
    packs = make_packs(half, rng)
    sep = [with_separators(k, rng) for k in packs]
    nosep = [without_separators(k, rng) for k in packs]
    for group in (sep, nosep):
        for i in rng.sample(range(half), half // 50):
            group[i] = corrupt(group[i], rng)
    mixed = sep + nosep
    rng.shuffle(mixed)
    return mixed


def timed(cmd: list[str], stdin_path: str | None) -> tuple[float, float, bytes]:
    """Wall and CPU seconds (user + system of the child) of one run, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(stdin_path or os.devnull, "rb") as stdin:
        done = subprocess.run(cmd, stdin=stdin, capture_output=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7557)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    import biip

    print(f"today={TODAY}  n={args.n:,}  seed={args.seed}  python={sys.version.split()[0]}  "
          f"biip={biip.__version__}")
    starts = {}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as one:
        one.write(json.dumps("010869950412001121140788766511712123110K0016") + "\n")
    for label, cmd, feed in (("eczane --help", [ECZANE, "--help"], None),
                             ("eczane karekod parse (one line)",
                              [ECZANE, "karekod", "parse", "--jsonl"], one.name)):
        runs = [timed(cmd, feed)[:2] for _ in range(5)]
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        starts[label] = wall
        print(f"start-up  {label:32s} wall {wall:5.2f} s  cpu {cpu:5.2f} s "
              "(best of 5; goal < 0.3 s)")
    os.unlink(one.name)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "in.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for text in inputs(args.n, args.seed):
                f.write(json.dumps(text) + "\n")
        ours = [float("inf"), float("inf")]
        theirs = [float("inf"), float("inf")]
        out_ours = out_biip = b""
        for _ in range(args.repeat):
            w, c, out_ours = timed([ECZANE, "karekod", "parse", "--jsonl",
                                    "--today", TODAY.isoformat()], path)
            ours = [min(ours[0], w), min(ours[1], c)]
            w, c, out_biip = timed([sys.executable, "-c", BIIP_LOOP], path)
            theirs = [min(theirs[0], w), min(theirs[1], c)]
    lines_ours = out_ours.count(b"\n")
    lines_biip = out_biip.count(b"\n")
    assert lines_ours == lines_biip == args.n, (lines_ours, lines_biip)
    ok_ours = out_ours.count(b'"ok": true')
    ok_biip = out_biip.count(b'"ok": true')
    print(f"eczane karekod parse --jsonl: wall {ours[0]:6.2f} s  cpu {ours[1]:6.2f} s  "
          f"({args.n / ours[0]:,.0f} /s wall; {ok_ours:,} read)")
    print(f"biip loop                   : wall {theirs[0]:6.2f} s  cpu {theirs[1]:6.2f} s  "
          f"({args.n / theirs[0]:,.0f} /s wall; {ok_biip:,} read)")
    wall_ratio, cpu_ratio = theirs[0] / ours[0], theirs[1] / ours[1]
    print(f"ratio: {wall_ratio:.1f}× (wall), {cpu_ratio:.1f}× (cpu) "
          f"— goal ≥ 8× ({'met' if min(wall_ratio, cpu_ratio) >= 8 else 'NOT met'})")
    fast = all(v < 0.3 for v in starts.values())
    print(f"start-up goal < 0.3 s (wall): {'met' if fast else 'NOT met'}")


if __name__ == "__main__":
    main()
