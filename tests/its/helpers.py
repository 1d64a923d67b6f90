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


def seed_walk_reconciliation(db: Any, pharmacy_id: int, user_id: int, today: Any, *,
                             extra_ghosts: int = 44, expired_on_hand: int = 2) -> int:
    """The demo pharmacy made larger, as in the issue 14 walk: ``12 + extra_ghosts`` packs
    eligible for 75 (56 by default) and ``expired_on_hand`` expired packs that are both in İTS
    and counted on the shelf. Returns the reconciliation id. The extra packs are returned by
    :func:`walk_extra_packs` for loading into the simulator."""
    from sqlalchemy import insert, select

    import eczane.store.catalog
    import eczane.store.count  # noqa: F401
    from eczane.demo_data import demo_pharmacy
    from eczane.domain.reconcile import InTransitPack
    from eczane.store.catalog import its_snapshot, its_stock_pack
    from eczane.store.count import count_scan
    from eczane.store.demo import DEMO_SEEDERS
    from eczane.store.reconcile import replace_in_transit, run_reconciliation
    from eczane.store.users import now_utc

    ghosts, expired = walk_extra_packs(today, extra_ghosts, expired_on_hand)
    with db.begin() as conn:
        for seeder in list(DEMO_SEEDERS):
            if seeder.__module__.startswith("eczane.store."):
                seeder(conn, pharmacy_id, today)
        replace_in_transit(conn, pharmacy_id, [
            InTransitPack(p.gtin, p.serial, p.expiry, p.batch, kind, sender)
            for p, kind, sender in demo_pharmacy(today).in_transit])
        snap = conn.execute(select(its_snapshot.c.id).where(
            its_snapshot.c.pharmacy_id == pharmacy_id).order_by(its_snapshot.c.id.desc())).scalar()
        conn.execute(insert(its_stock_pack), [
            dict(snapshot_id=snap, pharmacy_id=pharmacy_id, gtin=r["gtin"], serial=r["sn"],
                 expiry=r["expiry"], batch=r["bn"], product_name=r["name"],
                 last_tx_date=r["tx"], row_no=1000 + i) for i, r in enumerate(ghosts + expired)])
        template = conn.execute(select(count_scan).where(
            count_scan.c.pharmacy_id == pharmacy_id).limit(1)).first()
        for i, r in enumerate(expired):
            conn.execute(insert(count_scan).values(
                pharmacy_id=pharmacy_id, session_id=template.session_id, gtin=r["gtin"],
                serial=r["sn"], expiry=r["expiry"], batch=r["bn"], grp=template.grp,
                raw=f"walk {i}", device_id="walk", client_scan_id=f"walk-exp-{i}",
                user_id=user_id, scanned_at=now_utc()))
        return int(run_reconciliation(conn, pharmacy_id, today=today, user_id=user_id))


def walk_extra_packs(today: Any, ghosts: int = 44, expired: int = 2) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Extra normal-class packs (not on hand, processed before 15.03.2025) and expired ones."""
    from datetime import date, timedelta

    from tests.its.conftest import NORMAL_GTINS

    def row(prefix: str, i: int, expiry: Any) -> dict[str, Any]:
        return {"gtin": NORMAL_GTINS[i % len(NORMAL_GTINS)], "sn": f"{prefix}{i:05d}",
                "bn": f"W{i % 7}", "expiry": expiry, "tx": date(2025, 1, 10),
                "name": f"YÜRÜYÜŞ ÜRÜNÜ {i % 5}"}

    return ([row("WALKG", i, today + timedelta(days=400)) for i in range(ghosts)],
            [row("WALKX", i, today - timedelta(days=20)) for i in range(expired)])


def as_sim_rows(rows: list[dict[str, Any]], owner: str) -> list[dict[str, Any]]:
    """Our helper rows in the simulator's ``add_packs`` shape."""
    return [dict(gtin=r["gtin"], sn=r["sn"], bn=r["bn"], xd=r["expiry"].isoformat(), owner=owner,
                 last_tx=r["tx"].isoformat(), status="active", dest="") for r in rows]


def worker_process(settings: Any, its_url: str, *args: str, today: Any = OPEN_DAY,
                   stdout: Any = None, new_session: bool = False, **env: str) -> Any:
    """A real ``eczane worker`` process on the same database and İTS as ``settings``/``its_url``.

    ``today`` is the pharmacy's date the worker checks the notification windows against (the
    simulator's day in these tests). Extra ``ECZANE_*`` settings go in ``env``.
    ``new_session``: the worker leads a session of its own, as under systemd.
    """
    import os
    import subprocess
    import sys

    full_env = dict(os.environ, ECZANE_DATABASE_URL=settings.effective_database_url,
                    ECZANE_ITS_URL=its_url, ECZANE_SECRET_KEY=settings.secret_key,
                    ECZANE_DATA_DIR=str(settings.data_dir), ECZANE_ITS_TIMEOUT_S="5", **env)
    return subprocess.Popen([sys.executable, "-m", "eczane.cli", "worker", "--poll-s", "0.1",
                             "--today", today.isoformat(), *args], env=full_env,
                            stdout=subprocess.PIPE if stdout is None else stdout,
                            stderr=subprocess.PIPE, start_new_session=new_session)


def stop_worker(proc: Any, timeout_s: float = 30) -> tuple[int, str]:
    """SIGTERM a worker process; its exit code and what it wrote on stderr."""
    import signal

    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=timeout_s)
    return proc.returncode, err.decode()
