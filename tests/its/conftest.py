"""Fixtures for İTS tests: a simulator on loopback HTTP and a pharmacy with İTS credentials.

The simulator's day is 2025-09-01, inside the 2025 "75" window (24.07–24.10.2025), so tests can
deactivate; tests of the closed window set ``today`` explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from eczane.demo_data import demo_products
from eczane.its.client import ItsClient
from eczane.its.credentials import ItsCredentials, save_credentials
from eczane.its.simulator import SimState, SimulatorServer

GLN = "8680001000001"  # pharmacy 1 in tests/conftest.py (İTS's published test GLN)
OTHER_GLN = "8680001000018"
OPEN_DAY = date(2025, 9, 1)
USERNAME, PASSWORD = GLN + "0001", "sim-pw"


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    state = SimState(today=OPEN_DAY)
    state.add_user(GLN, USERNAME, PASSWORD)
    state.add_user(OTHER_GLN, OTHER_GLN + "0001", "other-pw")
    state.catalog.update({p.gtin: p.prescription_class.value for p in demo_products()
                          if p.prescription_class is not None})
    server = SimulatorServer(state).start()
    try:
        yield server
    finally:
        server.stop()


def admin(sim: SimulatorServer, path: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return httpx.get(sim.url + path).json()
    return httpx.post(sim.url + path, json=body).json()


def creds() -> ItsCredentials:
    return ItsCredentials(GLN, USERNAME, PASSWORD)


def client(sim: SimulatorServer, **kw: Any) -> ItsClient:
    kw.setdefault("timeout_s", 2.0)
    kw.setdefault("backoff_s", 0.01)
    return ItsClient(sim.url, creds(), **kw)


GTINS = [p.gtin for p in demo_products()]
NORMAL_GTINS = [p.gtin for p in demo_products() if not p.prescription_class.is_colour]  # type: ignore[union-attr]


def make_packs(n: int, *, prefix: str = "S", last_tx: str = "2025-01-10", owner: str = GLN,
               status: str = "active", dest: str = "") -> list[dict[str, Any]]:
    """n packs of normal-class demo products, registered to ``owner`` before the cutoff."""
    return [dict(gtin=NORMAL_GTINS[i % len(NORMAL_GTINS)], sn=f"{prefix}{i:07d}", bn=f"L{i % 97}",
                 xd="2027-06-30", owner=owner, last_tx=last_tx, status=status, dest=dest)
            for i in range(n)]


@dataclass
class World:
    db: Any
    settings: Any
    sim: SimulatorServer
    pharmacy_id: int
    alice: Any
    bob: Any


@pytest.fixture
def world(db, pharmacies, settings, sim) -> World:  # type: ignore[no-untyped-def]
    from eczane.store.users import get_user

    s = settings.with_(its_url=sim.url, its_batch_size=10, its_timeout_s=2)
    with db.begin() as conn:
        save_credentials(conn, pharmacies.pharmacy_id, creds(), s.resolved_secret_key())
        alice = get_user(conn, pharmacies.alice_id)
        bob = get_user(conn, pharmacies.bob_id)
    return World(db, s, sim, pharmacies.pharmacy_id, alice, bob)


def recon_stub(today: date = OPEN_DAY, rid: int = 1) -> Any:
    """What the service reads of a reconciliation (id, today, created_at)."""
    @dataclass
    class R:
        id: int
        today: date
        created_at: datetime

    return R(rid, today, datetime(today.year, today.month, today.day, 7, 0, tzinfo=UTC))
