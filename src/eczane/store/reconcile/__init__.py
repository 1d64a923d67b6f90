"""Reconciliation in the database: the domain's bucket rules run as set-based SQL.

``run_reconciliation`` reads the newest İTS snapshot, the packs on hand (a count session and/or
an imported on-hand list) and the in-transit packs, and writes one ``reconciliation`` row plus one
``reconciliation_pack`` row per pack the pharmacist must act on, with its bucket and reason —
three ``INSERT … SELECT`` statements with LEFT JOINs / NOT EXISTS and a CASE per bucket, so a
million packs never pass through Python. Matched packs (most of a pharmacy, nothing to do) are
counted, not copied: ``bucket_packs(…, "matched")`` derives them from the run's immutable inputs
(the İTS snapshot, the on-hand list, the count scans as of the run), which keeps a 1M-pack run
within seconds. ``eczane.domain.reconcile.reconcile`` is the specification;
``tests/store/test_reconcile_sql.py`` checks both agree on the same random data.

The pharmacist may keep a pack out of the deactivation list with a note (``pack_override``);
``bucket_packs`` applies those overrides. Runs and overrides go to the audit log.

Where the code lives (a package, so that the SQL of a run reads on its own, apart from the
pages' queries; each module imports only from those above it):

- ``tables.py``: the four tables and :class:`Reconciliation` (a run's header);
- ``transit.py``: the in-transit list;
- ``run.py``: :func:`run_reconciliation` and its SQL texts per dialect;
- ``reading.py``: runs, bucket packs (overrides applied), counts, chart statistics;
- ``overrides.py``: keeping a pack out of the deactivation list, or putting it back;
- ``demo.py``: the demo reconciliation, registered once as a demo seeder.

This file only re-exports their names, so callers keep one import path
(``from eczane.store import reconcile as store``; ``from eczane.store.reconcile import …``).
"""

from __future__ import annotations

from eczane.domain.reconcile import BUCKETS  # callers have imported it from here
from eczane.store.reconcile import demo  # noqa: F401 - registers the demo seeder, once
from eczane.store.reconcile.demo import seed_demo
from eczane.store.reconcile.overrides import overrides, set_override
from eczane.store.reconcile.reading import (
    bucket_packs,
    bucket_stats,
    count_packs,
    effective_counts,
    find_pack,
    get_reconciliation,
    iter_bucket_packs,
    latest_reconciliation,
    list_reconciliations,
)
from eczane.store.reconcile.run import run_reconciliation
from eczane.store.reconcile.tables import (
    DEACTIVATION_BUCKET,
    Reconciliation,
    in_transit_pack,
    pack_override,
    reconciliation,
    reconciliation_pack,
)
from eczane.store.reconcile.transit import (
    TransitPlan,
    in_transit_packs,
    plan_transit,
    replace_in_transit,
)

__all__ = [
    "BUCKETS",
    "DEACTIVATION_BUCKET",
    "Reconciliation",
    "bucket_packs",
    "bucket_stats",
    "count_packs",
    "effective_counts",
    "find_pack",
    "get_reconciliation",
    "in_transit_pack",
    "in_transit_packs",
    "iter_bucket_packs",
    "latest_reconciliation",
    "list_reconciliations",
    "overrides",
    "pack_override",
    "reconciliation",
    "reconciliation_pack",
    "replace_in_transit",
    "plan_transit",
    "TransitPlan",
    "run_reconciliation",
    "seed_demo",
    "set_override",
]
