"""The web processes' garbage collector, set for short pauses.

CPython's default thresholds (700, 10, 10) run a young collection about every request and,
at 300 scans/s, a full collection every few seconds. A web process holds some 150,000 objects
(the app, its templates and table metadata, the open connections), and each full collection
stopped its event loop and its scan writer for 100–380 ms: the periodic p99 spikes of
``bench/hosted_load.py`` (measured with ``gc.callbacks`` in the serve processes, issue 15).
So, once the app is built:

- what start-up made is frozen (``gc.freeze``): it is never scanned again;
- a young collection every ``YOUNG`` new objects instead of 700, and full collections
  ``FULL_EVERY`` times rarer than the default.

Memory without reference cycles is still freed at once by reference counting; only cyclic
garbage (rare on the request path) waits a little longer.
"""

from __future__ import annotations

import gc

YOUNG = 20_000
MIDDLE = 20
FULL_EVERY = 100


def settle() -> None:
    """Collect once, freeze what is left (the app as built) and set the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, FULL_EVERY)
