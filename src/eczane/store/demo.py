"""The demo pharmacy that ``make run`` serves, so a newcomer can walk the whole flow.

Users: ``eczaci`` / ``eczaci`` (pharmacist) and ``kalfa`` / ``kalfa`` (technician).
Each area adds its demo data through ``DEMO_SEEDERS`` (a list of callables), never by editing
another area's code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection, select

from eczane.store import tenant
from eczane.store.core import pharmacy
from eczane.store.db import Database, act_in_transaction
from eczane.store.users import create_pharmacy, create_user

DEMO_GLN = "8680001000001"  # İTS's published test pharmacy GLN (research/its.md §1.1, DEL)
DEMO_NAME = "Demo Eczanesi"

DEMO_USERS = (("eczaci", "eczaci", "eczaci", "Ecz. Ayşe Yılmaz"),
              ("kalfa", "kalfa", "kalfa", "Mehmet Kaya"))
"""(username, password, role, display name): production mode refuses to start while any of
these still has its demo password (``eczane.production``)."""

# Each seeder gets (connection, pharmacy_id, today) and must be idempotent per fresh pharmacy.
DEMO_SEEDERS: list[Callable[[Connection, int, date], None]] = []


def seed_demo(db: Database, *, today: date) -> int:
    """Create the demo pharmacy once; return its id."""
    with db.begin() as conn:
        found = conn.execute(select(pharmacy.c.id).where(pharmacy.c.gln == DEMO_GLN)).scalar()
        if found is not None:
            return int(found)
        pid = create_pharmacy(conn, DEMO_NAME, gln=DEMO_GLN, province="İstanbul", district="Kadıköy")
        for username, password, role, display_name in DEMO_USERS:
            create_user(conn, pid, username, password, role=role, display_name=display_name)
        # The pharmacy's own rows are written acting for it (row-level security, PostgreSQL):
        # from here on this transaction is the demo pharmacy's.
        act_in_transaction(conn, pid)
        _load_area_seeders()
        with tenant.acting_for(pid):
            for seeder in DEMO_SEEDERS:
                seeder(conn, pid, today)
        return pid


SEEDER_AREAS = ("eczane.store.catalog", "eczane.store.count", "eczane.store.reconcile",
                "eczane.its.outbox")
"""The areas with demo seeders, in the order they must run: a reconciliation needs the İTS list
and the count before it, whichever area a process happened to import first."""


def _area_rank(seeder: Callable[..., None]) -> int:
    module = getattr(seeder, "__module__", "") or ""
    return next((i for i, a in enumerate(SEEDER_AREAS) if module == a or module.startswith(a + ".")),
                len(SEEDER_AREAS))


def _load_area_seeders() -> None:
    """Import area modules that register demo seeders (each appends to DEMO_SEEDERS), and put
    the seeders in the areas' order (a stable sort: an area's own seeders keep theirs)."""
    import importlib

    for name in SEEDER_AREAS:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    DEMO_SEEDERS.sort(key=_area_rank)
