"""Shared steps for outbox tests: make, approve and send a submission against the simulator."""

from __future__ import annotations

from typing import Any

from eczane.domain.notify import confirmation_phrase
from eczane.its.outbox import Worker
from eczane.its.service import approve_submission, create_submission
from eczane.store import outbox as ob
from tests.its.conftest import OPEN_DAY, client, recon_stub


def new_packs(rows: list[dict[str, Any]]) -> list[ob.NewPack]:
    from datetime import date

    return [ob.NewPack(r["gtin"], r["sn"], date.fromisoformat(r["xd"]), r["bn"]) for r in rows]


def approved_submission(world: Any, rows: list[dict[str, Any]], *, kind: str = "deactivation",
                        reason: str | None = None) -> int:
    with world.db.begin() as conn:
        sid = create_submission(conn, user=world.alice, kind=kind, packs=new_packs(rows),
                                reason_code=reason, recon=recon_stub())
        res = approve_submission(conn, sid, user=world.alice,
                                 confirmation=confirmation_phrase(kind, len(rows)),
                                 today=OPEN_DAY, settings=world.settings)
    assert res.ok, res.problems
    return sid


def worker(world: Any, **kw: Any) -> Worker:
    timeout = kw.pop("timeout_s", 1.0)
    kw.setdefault("retry_base_s", 0.01)
    kw.setdefault("unknown_delay_s", 0.01)
    return Worker(world.db, world.settings, today=OPEN_DAY,
                  client_factory=lambda pid: client(world.sim, timeout_s=timeout), **kw)


def pack_states(world: Any, sid: int) -> dict[str, str]:
    with world.db.connect() as conn:
        return {r.serial: r.state for r in ob.submission_packs(conn, sid)}


def seed_demo_reconciliation(db: Any, pharmacy_id: int, user_id: int, today: Any) -> int:
    """The demo pharmacy's catalog, İTS snapshot, count, in-transit list and a reconciliation.

    Uses the other areas' demo seeders (catalog, count) but not ours: credentials are saved by
    the test with its own secret key.
    """
    import eczane.store.catalog
    import eczane.store.count  # noqa: F401
    from eczane.demo_data import demo_pharmacy
    from eczane.domain.reconcile import InTransitPack
    from eczane.store.demo import DEMO_SEEDERS
    from eczane.store.reconcile import replace_in_transit, run_reconciliation

    with db.begin() as conn:
        for seeder in list(DEMO_SEEDERS):
            if seeder.__module__.startswith("eczane.store."):
                seeder(conn, pharmacy_id, today)
        replace_in_transit(conn, pharmacy_id, [
            InTransitPack(p.gtin, p.serial, p.expiry, p.batch, kind, sender)
            for p, kind, sender in demo_pharmacy(today).in_transit])
        return int(run_reconciliation(conn, pharmacy_id, today=today, user_id=user_id))


def demo_simulator_state(today: Any) -> Any:
    from eczane.its.simulator import SimState, load_demo

    state = SimState(today=today)
    load_demo(state, today)
    return state
