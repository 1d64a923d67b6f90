"""Son kontrol against a count that missed 2 % of the shelf (issue 16 part 1's test)."""

from __future__ import annotations

from sqlalchemy import select

from eczane.domain.notify import PackState, confirmation_phrase
from eczane.its import service
from eczane.store import outbox as ob
from eczane.store import recount as rc
from eczane.store.audit import audit_log
from eczane.store.users import get_user
from tests.recount.world import OPEN_DAY, build


def _draft(db, pharmacies):  # type: ignore[no-untyped-def]
    world = build(db, pharmacies.pharmacy_id, pharmacies.alice_id)
    with db.begin() as conn:
        alice = get_user(conn, pharmacies.alice_id)
        sid = service.create_from_reconciliation(conn, alice, "deactivation")
        sub = ob.get_submission(conn, sid)
    return world, alice, sub


def _pending(db, sid):  # type: ignore[no-untyped-def]
    with db.connect() as conn:
        return {(r.gtin, r.serial) for r in ob.submission_packs(
            conn, sid, states=[PackState.PENDING.value])}


def test_the_recount_finds_every_missed_pack_and_the_draft_shrinks_by_exactly_those(db, pharmacies,
                                                                                    settings):
    world, alice, sub = _draft(db, pharmacies)
    assert len(world.missed) == 20 and len(world.ghosts) == 25
    before = _pending(db, sub.id)
    assert before == {(k.gtin, k.serial) for k in world.missed + world.ghosts}

    with db.begin() as conn:
        rc.start(conn, sub, user_id=alice.id, blind=True)
    # The pharmacist walks the shelf with the pick list: every draft pack on the shelf is
    # scanned (the 20 the count missed), plus a few packs the count had seen.
    answers = []
    with db.begin() as conn:
        for k in world.missed + world.shelf[:3]:
            answers.append(rc.scan(conn, sub, raw=k.element_string(), user_id=pharmacies.bob_id,
                                   today=OPEN_DAY))
    assert [a.verdict.code for a in answers] == ["found"] * 20 + ["not_in_draft"] * 3
    assert answers[19].pending == 25 and answers[19].saved == 20
    assert answers[19].phrase == "25 kutuyu deaktive et"

    after = _pending(db, sub.id)
    assert before - after == {(k.gtin, k.serial) for k in world.missed}
    assert after == {(k.gtin, k.serial) for k in world.ghosts}   # the real ghosts remain

    with db.begin() as conn:
        assert service.recount_problems(conn, sub)[0].code == "recount_open"
        summary = rc.finish(conn, sub, user_id=alice.id)
        assert (summary.before, summary.saved, summary.remaining) == (45, 20, 25)
        d = service.drift(conn, sub)
        assert d is None or not d.outdated   # found packs are kept out of a new draft too
        _, candidates = service.candidate_packs(conn, pharmacies.pharmacy_id, "deactivation")
        assert {(p.gtin, p.serial) for p in candidates} == after
        events = list(conn.execute(select(audit_log.c.name, audit_log.c.payload).where(
            audit_log.c.pharmacy_id == pharmacies.pharmacy_id)))
    finished = [p for n, p in events if n == "notify.recount_finished"]
    assert finished == [{"submission": sub.id, "packs": 45, "saved": 20, "remaining": 25}]
    assert sum(n == "notify.recount_pack_found" for n, _ in events) == 20

    with db.begin() as conn:
        res = service.approve_submission(conn, sub.id, user=alice, confirmation="45 kutuyu deaktive et",
                                         today=OPEN_DAY, settings=settings)
        assert not res.ok and res.problems[0].code == "confirmation"
        res = service.approve_submission(conn, sub.id, user=alice,
                                         confirmation=confirmation_phrase("deactivation", 25),
                                         today=OPEN_DAY, settings=settings)
    assert res.ok, res.problems
    # The evidence pack's approved draft (Denetim dosyası) says what the recount saved.
    import json

    from eczane.exports.evidence import _draft as evidence_draft
    from eczane.store import outbox as ob

    with db.connect() as conn:
        draft = json.loads(evidence_draft(conn, ob.get_submission(conn, sub.id)))
    assert (draft["son_kontrol"]["packs_before"], draft["son_kontrol"]["saved_packs"]) == (45, 20)
    assert len(draft["approved_packs"]) == 25
    assert sum(p["why"].startswith("Son kontrolde rafta bulundu")
               for p in draft["dropped_before_approval"]) == 20


def test_a_scan_outside_the_draft_is_answered_plainly(db, pharmacies):
    world, alice, sub = _draft(db, pharmacies)
    with db.begin() as conn:
        rc.start(conn, sub, user_id=alice.id, blind=False)
        m = world.missed[0]
        first = rc.scan(conn, sub, raw=m.element_string(), user_id=alice.id, today=OPEN_DAY)
        again = rc.scan(conn, sub, raw=m.element_string(), user_id=alice.id, today=OPEN_DAY)
        other = rc.scan(conn, sub, raw=world.shelf[0].element_string(), user_id=alice.id,
                        today=OPEN_DAY)
        bad = rc.scan(conn, sub, raw="01086995360800", user_id=alice.id, today=OPEN_DAY)
        no_gs = rc.scan(conn, sub, raw=world.missed[1].element_string(gs=""), user_id=alice.id,
                        today=OPEN_DAY)
    assert (first.verdict.code, first.verdict.state.value) == ("found", "green")
    assert (again.verdict.code, again.verdict.message) == (
        "already_found", "Bu kutu bu son kontrolde zaten bulundu ve taslaktan çıkarıldı.")
    assert other.verdict.code == "not_in_draft"
    assert "taslağında yok" in other.verdict.message
    assert (bad.verdict.code, bad.verdict.state.value) == ("unreadable", "red")
    assert bad.verdict.message.startswith("Karekod okunamadı: ")
    assert no_gs.verdict.code == "found"      # resolved against the draft's packs
    assert again.pending == first.pending and no_gs.pending == first.pending - 1


def test_no_scan_is_taken_without_an_open_recount_or_after_approval(db, pharmacies, settings):
    import pytest

    world, alice, sub = _draft(db, pharmacies)
    with db.begin() as conn, pytest.raises(rc.RecountError):
        rc.scan(conn, sub, raw=world.missed[0].element_string(), user_id=alice.id, today=OPEN_DAY)
    with db.begin() as conn:
        rc.start(conn, sub, user_id=alice.id, blind=False)
        res = service.approve_submission(conn, sub.id, user=alice,
                                         confirmation="45 kutuyu deaktive et", today=OPEN_DAY,
                                         settings=settings)
    assert not res.ok and [p.code for p in res.problems] == ["recount_open"]


def test_a_later_reconciliation_and_a_refreshed_draft_keep_the_found_packs_out(db, pharmacies):
    from eczane.store.reconcile import run_reconciliation

    world, alice, sub = _draft(db, pharmacies)
    with db.begin() as conn:
        rc.start(conn, sub, user_id=alice.id, blind=True)
        for k in world.missed:
            rc.scan(conn, sub, raw=k.element_string(), user_id=alice.id, today=OPEN_DAY)
        rc.finish(conn, sub, user_id=alice.id)
        run_reconciliation(conn, pharmacies.pharmacy_id, today=OPEN_DAY, user_id=alice.id)
        new = service.refresh_draft(conn, sub.id, user=alice)
    assert _pending(db, new) == {(k.gtin, k.serial) for k in world.ghosts}
