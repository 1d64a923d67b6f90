"""Count sessions and scans (tables ``count_session``, ``count_scan``, ``count_scan_rejected``).

The reconciliation reads ``count_scan`` directly: a row with ``undone_at IS NULL`` is a pack on
hand. Two constraints keep the count honest under several devices at once:

- at most one active row per (session, GTIN, serial) — a partial unique index, so two devices
  scanning the same pack at the same moment store it once;
- one row per (session, client_scan_id) — a page that resends a scan after a lost answer gets
  the first answer again, never a second row.

No scan is lost, not even an unreadable one: a red scan (the karekod engine could not read it)
is stored in ``count_scan_rejected`` — raw input, reason, device, user, time — once per
(session, client_scan_id), in the same transaction (the same batch) as the scans around it, so
every device of the count lists it and the XLSX has it.

``record_scan`` commits before it returns: the page acknowledges a scan only after that.
Opening, pausing, resuming, closing, undoing and importing are written to the audit log in the
same transaction.

Where the code lives (a package, so that each part stays short and the scan path — the one
part that is hot and subtle — reads on its own; each module imports only from those above it):

- ``tables.py``: the three tables, the rows read from them (:class:`CountSession`,
  :class:`StoredScan`), :class:`ScanOutcome` and :class:`CountError`;
- ``reading.py``: summary, change token, product totals, recent / active / unreadable scans;
- ``sessions.py``: open, list, pause, resume, close;
- ``scans.py``: :func:`record_scan`, the batching :class:`ScanWriter`, :func:`undo_scan`;
- ``scan_batch.py``: :func:`record_batch`, the checks and writes of a batch of scans in two
  or three round trips (both of the above use it; the one exception to the order: for its
  rare cases — a resend, an ambiguous karekod — it calls back into ``scans.py``'s lookups,
  imported where used);
- ``dump.py``: importing a scanner's memory dump;
- ``demo.py``: the demo count, registered once as a demo seeder.

This file only re-exports their names, so callers keep one import path
(``from eczane.store import count as store``; ``eczane.store.count.<name>``).
"""

from __future__ import annotations

from eczane.store.count import demo  # noqa: F401 - registers the demo seeder, once
from eczane.store.count.dump import (
    ImportRejects,
    ImportReport,
    clear_import_rejects,
    decode_dump,
    import_dump,
    import_rejects,
)
from eczane.store.count.reading import (
    REJECTED_HINTS,
    UNKNOWN_PRODUCT,
    ProductTotal,
    RejectedScan,
    active_scans,
    count_rejected,
    iter_rejected_scans,
    its_comparison_for,
    product_names,
    recent_scans,
    rejected_scans,
    summary,
    totals,
    user_names,
    version,
)
from eczane.store.count.scans import (
    CARRY_S,
    ScanWriter,
    find_active,
    record_scan,
    storable,
    undo_scan,
)
from eczane.store.count.sessions import get_session, list_sessions, open_session, set_status
from eczane.store.count.tables import (
    RAW_MAX,
    CountError,
    CountSession,
    ScanOutcome,
    StoredScan,
    _scan,  # eczane.exports.count maps undone rows with it
    count_scan,
    count_scan_rejected,
    count_session,
    now_utc,
)

__all__ = [
    "CARRY_S",
    "RAW_MAX",
    "REJECTED_HINTS",
    "UNKNOWN_PRODUCT",
    "CountError",
    "CountSession",
    "ImportRejects",
    "ImportReport",
    "ProductTotal",
    "RejectedScan",
    "ScanOutcome",
    "ScanWriter",
    "StoredScan",
    "_scan",
    "active_scans",
    "clear_import_rejects",
    "its_comparison_for",
    "count_rejected",
    "count_scan",
    "count_scan_rejected",
    "count_session",
    "decode_dump",
    "find_active",
    "get_session",
    "import_dump",
    "import_rejects",
    "iter_rejected_scans",
    "list_sessions",
    "now_utc",
    "open_session",
    "product_names",
    "recent_scans",
    "record_scan",
    "rejected_scans",
    "set_status",
    "storable",
    "summary",
    "totals",
    "undo_scan",
    "user_names",
    "version",
]
