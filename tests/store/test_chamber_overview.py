"""``eczane.store.chamber``: a member's progress from SQL counts, read acting for the member;
the overdue steps as days pass and as a refused pack is handled."""

from __future__ import annotations

from datetime import timedelta

from eczane.accounts.users import get_user_by_name
from eczane.store import tenant
from eczane.store.chamber import chamber_overview, get_chamber, member_progress, members
from eczane.store.outbox import NewPack, create_submission
from tests.chamber_seed import DEMO, seed_chambers


def seed_day():  # type: ignore[no-untyped-def]
    """The day the seed's activity happened (it is stamped with the real clock)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Istanbul")).date()


def _member(db, pid):  # type: ignore[no-untyped-def]
    with db.connect() as conn:
        return next(m for m in members(conn, None) if m.id == pid)


def test_the_overview_lists_only_the_chambers_members(db, pharmacies):
    s = seed_chambers(db, pharmacies)
    rows = chamber_overview(db, s.istanbul, today=seed_day())
    assert [r.member.name for r in rows] == ["Alice Eczanesi", "Papatya Eczanesi"]
    assert [r.member.name for r in chamber_overview(db, s.ankara, today=seed_day())] == [
        "Charlie Eczanesi"]
    with db.connect() as conn:
        room = get_chamber(conn, s.istanbul)
    assert room is not None and room.province == "İstanbul"


def test_each_member_is_read_acting_for_itself(db, pharmacies, monkeypatch):
    s = seed_chambers(db, pharmacies, activity=False)
    seen = []
    real = tenant.acting_for

    def spy(pid):  # type: ignore[no-untyped-def]
        seen.append(pid)
        return real(pid)

    monkeypatch.setattr(tenant, "acting_for", spy)
    chamber_overview(db, s.istanbul, today=seed_day())
    assert sorted(seen) == sorted([s.alice, s.papatya])


def test_a_waiting_draft_and_an_unhandled_refusal_become_overdue(db, pharmacies):
    s = seed_chambers(db, pharmacies)
    later = seed_day() + timedelta(days=8)
    alice = member_progress(db, _member(db, s.alice), today=later)
    assert [o.code for o in alice.overdue] == ["draft_waiting"]
    papatya = member_progress(db, _member(db, s.papatya), today=later)
    assert [o.code for o in papatya.overdue] == ["refused_unhandled"]
    assert "1 kutu için işlem yapılmamış" in papatya.overdue[0].message
    assert papatya.packs == {"accepted": 2, "refused": 1, "sent": 3}
    assert papatya.submissions == {"approved": 1}

    refused = DEMO.on_shelf[14]
    with tenant.acting_for(s.papatya), db.begin() as conn:
        deniz = get_user_by_name(conn, "deniz")
        assert deniz is not None
        create_submission(conn, pharmacy_id=s.papatya, kind="deactivation", reason_code="75",
                          packs=[NewPack(refused.gtin, refused.serial, refused.expiry,
                                         refused.batch)], created_by=deniz.id)
    papatya = member_progress(db, _member(db, s.papatya), today=later)
    # handled by a new notification of the pack, which now waits for approval itself
    assert [o.code for o in papatya.overdue] == ["draft_waiting"]
    assert member_progress(db, _member(db, s.papatya), today=seed_day()).overdue == ()


def test_nothing_is_overdue_today_and_counts_are_exact(db, pharmacies):
    s = seed_chambers(db, pharmacies)
    alice = member_progress(db, _member(db, s.alice), today=seed_day())
    assert alice.overdue == ()
    assert (alice.count_name, alice.count_status, alice.packs_counted) == ("Kasım sayımı", "open", 5)
    assert alice.buckets["matched"] == 5 and alice.buckets["not_on_hand_eligible"] == 2
    assert alice.last_activity is not None and alice.recon_at is not None
