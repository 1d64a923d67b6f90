"""Two chambers with real activity, for the chamber and admin page tests (web and browser).

İstanbul Eczacı Odası: Alice Eczanesi (pharmacy 1, counting and reconciled, a draft
notification) and Papatya Eczanesi (a new pharmacy: a count, an approved notification with
accepted and refused packs). Ankara Eczacı Odası: Charlie Eczanesi (pharmacy 2) with a count of
``CHARLIE_PACKS`` packs under the name ``CHARLIE_COUNT``: never to be seen by İstanbul's staff.
Accounts (password ``<name>-pw`` like the other test users): ``odaist`` and ``odaank`` (oda),
``yonetici`` (admin), ``deniz`` (eczacı of Papatya). Everything is written with the store
functions the pages use, each pharmacy's writes inside ``tenant.acting_for``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from eczane.accounts.manage import add_chamber
from eczane.demo_data import demo_pharmacy
from eczane.store import tenant
from eczane.store.count import open_session, record_scan
from eczane.store.outbox import NewPack, approve, create_submission, now_utc, set_pack_states
from eczane.store.reconcile import run_reconciliation
from eczane.store.users import create_pharmacy, create_user
from tests.count.conftest import karekod, seed_catalog
from tests.store.test_reconcile import BEFORE, add_snapshot

TODAY = date(2026, 11, 23)
DEMO = demo_pharmacy(TODAY)
CHARLIE_COUNT = "Ankara yıl sonu sayımı"
CHARLIE_PACKS = 11
ALICE_PACKS = 5
PAPATYA_PACKS = 3


@dataclass
class Chambers:
    istanbul: int
    ankara: int
    papatya: int
    alice: int
    charlie: int


def _count(db, pid: int, user_id: int, name: str, n: int, first: int = 0) -> int:  # type: ignore[no-untyped-def]
    with db.begin() as conn:
        sid = open_session(conn, pid, user_id, name)
    for i, p in enumerate(DEMO.on_shelf[first:first + n]):
        record_scan(db, sid, raw=karekod(p), client_scan_id=f"c{pid}-{i}", device_id="d1",
                    grp="raf", user_id=user_id, today=TODAY)
    return sid


def seed_chambers(db, pharmacies, *, activity: bool = True) -> Chambers:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from eczane.store.core import pharmacy

    with db.begin() as conn:
        ist = add_chamber(conn, "İstanbul Eczacı Odası", province="İstanbul")
        ank = add_chamber(conn, "Ankara Eczacı Odası", province="Ankara")
        conn.execute(update(pharmacy).where(pharmacy.c.id == pharmacies.pharmacy_id)
                     .values(chamber_id=ist))
        conn.execute(update(pharmacy).where(pharmacy.c.id == pharmacies.other_pharmacy_id)
                     .values(chamber_id=ank))
        pap = create_pharmacy(conn, "Papatya Eczanesi", gln="8680001000043", province="İstanbul",
                              district="Üsküdar")
        conn.execute(update(pharmacy).where(pharmacy.c.id == pap).values(chamber_id=ist))
        deniz = create_user(conn, pap, "deniz", "deniz-pw", role="eczaci",
                            display_name="Ecz. Deniz")
        create_user(conn, None, "odaist", "odaist-pw", role="oda", chamber_id=ist,
                    display_name="İstanbul Oda Görevlisi")
        create_user(conn, None, "odaank", "odaank-pw", role="oda", chamber_id=ank,
                    display_name="Ankara Oda Görevlisi")
        create_user(conn, None, "yonetici", "yonetici-pw", role="admin",
                    display_name="Kurulum Yöneticisi")
    if activity:
        seed_catalog(db)
        _alice(db, pharmacies.pharmacy_id, pharmacies.alice_id)
        _papatya(db, pap, deniz)
        with tenant.acting_for(pharmacies.other_pharmacy_id):
            _count(db, pharmacies.other_pharmacy_id, pharmacies.charlie_id, CHARLIE_COUNT,
                   CHARLIE_PACKS)
    return Chambers(ist, ank, pap, pharmacies.pharmacy_id, pharmacies.other_pharmacy_id)


def _alice(db, pid: int, alice: int) -> None:  # type: ignore[no-untyped-def]
    """Counting (5 packs), a reconciliation with two ghosts, a draft notification."""
    with tenant.acting_for(pid):
        sid = _count(db, pid, alice, "Kasım sayımı", ALICE_PACKS)
        shelf = DEMO.on_shelf[:ALICE_PACKS]
        with db.begin() as conn:
            add_snapshot(conn, pid, [(p.gtin, p.serial, p.expiry, p.batch, "", BEFORE)
                                     for p in shelf]
                         + [(shelf[0].gtin, f"GHOST{i}", shelf[0].expiry, "L1", "", BEFORE)
                            for i in range(2)])
            rid = run_reconciliation(conn, pid, today=TODAY, user_id=alice, count_session_id=sid)
            create_submission(conn, pharmacy_id=pid, kind="deactivation", reason_code="75",
                              packs=[NewPack(shelf[0].gtin, "GHOST0", shelf[0].expiry, "L1")],
                              created_by=alice, recon_id=rid)


def _papatya(db, pid: int, deniz: int) -> None:  # type: ignore[no-untyped-def]
    """A count of 3 packs and an approved notification: 2 packs accepted, 1 refused."""
    with tenant.acting_for(pid):
        _count(db, pid, deniz, "Papatya sayımı", PAPATYA_PACKS, first=8)
        packs = [NewPack(p.gtin, p.serial, p.expiry, p.batch) for p in DEMO.on_shelf[12:15]]
        with db.begin() as conn:
            sub = create_submission(conn, pharmacy_id=pid, kind="deactivation", reason_code="75",
                                    packs=packs, created_by=deniz)
            approve(conn, sub, user_id=deniz, confirmation="ONAY", batch_size=100)
            set_pack_states(conn, sub, {
                (packs[0].gtin, packs[0].serial): {"state": "accepted", "attempts": 1},
                (packs[1].gtin, packs[1].serial): {"state": "accepted", "attempts": 1},
                (packs[2].gtin, packs[2].serial): {"state": "refused", "attempts": 1,
                                                    "last_attempt_at": now_utc()}})
