"""Storing scans: durable, idempotent, never twice (eczane.store.count), SQLite and PostgreSQL."""

from __future__ import annotations

import contextvars
import threading
from datetime import date

import pytest
from sqlalchemy import select

from eczane.demo_data import demo_products
from eczane.domain.count import CountStatus
from eczane.store import count as store
from eczane.store.audit import audit_log, verify
from tests.count.conftest import DEMO, TODAY, karekod, seed_catalog, seed_its_list

SHELF = DEMO.on_shelf


def scan(db, sid, pack_or_raw, cid, *, user, grp="raf", device="d1", choice=None):  # type: ignore[no-untyped-def]
    raw = pack_or_raw if isinstance(pack_or_raw, str) else karekod(pack_or_raw)
    return store.record_scan(db, sid, raw=raw, client_scan_id=cid, device_id=device, grp=grp,
                             user_id=user, today=TODAY, choice=choice)


def active_rows(db, sid):  # type: ignore[no-untyped-def]
    with db.connect() as conn:
        return list(store.active_scans(conn, sid))


def test_a_new_pack_is_stored_and_shown_green(db, pharmacies, session_id):
    seed_catalog(db)
    out = scan(db, session_id, SHELF[0], "c1", user=pharmacies.bob_id)
    assert (out.verdict.state.value, out.verdict.code) == ("green", "new")
    assert out.product_name == "PARASETAMOL DEMO 500 MG 20 TABLET"
    rows = active_rows(db, session_id)
    assert [(r.gtin, r.serial, r.expiry, r.batch, r.grp, r.user_id) for r in rows] == [
        (SHELF[0].gtin, SHELF[0].serial, SHELF[0].expiry, SHELF[0].batch, "raf",
         pharmacies.bob_id)]
    assert rows[0].raw == karekod(SHELF[0])


def test_the_same_pack_scanned_again_is_amber_and_not_counted_twice(db, pharmacies, session_id):
    scan(db, session_id, SHELF[0], "c1", user=pharmacies.alice_id)
    out = scan(db, session_id, SHELF[0], "c2", user=pharmacies.bob_id, device="d2")
    assert (out.verdict.state.value, out.verdict.code, out.verdict.counted) == (
        "amber", "duplicate", False)
    assert out.scan is not None and out.scan.client_scan_id == "c1"
    assert len(active_rows(db, session_id)) == 1


def test_a_resent_scan_answers_as_the_first_time_and_writes_nothing(db, pharmacies, session_id):
    seed_catalog(db)
    first = scan(db, session_id, SHELF[0], "c1", user=pharmacies.alice_id)
    again = scan(db, session_id, SHELF[0], "c1", user=pharmacies.alice_id)
    assert again.replayed and not first.replayed
    assert (again.verdict.code, again.scan.id) == ("new", first.scan.id)
    assert len(active_rows(db, session_id)) == 1


def test_an_undone_scan_frees_the_pack_for_a_new_scan_and_is_audited(db, pharmacies, session_id):
    first = scan(db, session_id, SHELF[0], "c1", user=pharmacies.alice_id)
    with db.begin() as conn:
        s = store.get_session(conn, session_id)
        undone = store.undo_scan(conn, s, first.scan.id, pharmacies.bob_id)
    assert undone.undone_by == pharmacies.bob_id and undone.undone_at is not None
    assert active_rows(db, session_id) == []
    again = scan(db, session_id, SHELF[0], "c2", user=pharmacies.alice_id)
    assert again.verdict.counted and again.verdict.code != "duplicate"
    assert [r.client_scan_id for r in active_rows(db, session_id)] == ["c2"]
    with db.connect() as conn:
        names = [r.name for r in conn.execute(select(audit_log.c.name))]
        assert verify(conn, pharmacies.pharmacy_id).ok
    assert names == ["count.opened", "count.scan_undone"]


def test_unknown_expired_and_colour_packs_are_counted_amber(db, pharmacies, session_id):
    seed_catalog(db)
    unknown = next(p for p in DEMO.its_packs if p.product_name == "BİLİNMEYEN DEMO ÜRÜN")
    expired = next(p for p in DEMO.its_packs if p.expiry < TODAY)
    red = next(p.gtin for p in demo_products() if p.prescription_class.value == "red")
    colour = next(p for p in DEMO.its_packs if p.gtin == red)
    codes = [scan(db, session_id, p, f"c{i}", user=pharmacies.alice_id).verdict.code
             for i, p in enumerate([unknown, expired, colour])]
    assert codes == ["unknown_product", "expired", "colour"]
    assert len(active_rows(db, session_id)) == 3


def test_a_pack_missing_from_the_its_list_is_counted_amber(db, pharmacies, session_id):
    seed_catalog(db)
    seed_its_list(db, pharmacies.pharmacy_id, DEMO.its_packs)
    listed = scan(db, session_id, SHELF[0], "c1", user=pharmacies.alice_id)
    not_listed = scan(db, session_id, DEMO.shelf_not_in_its[0], "c2", user=pharmacies.alice_id)
    assert (listed.verdict.code, not_listed.verdict.code) == ("new", "not_in_its")


def rejected_rows(db, sid):  # type: ignore[no-untyped-def]
    with db.connect() as conn:
        return store.rejected_scans(conn, sid)


def bad_check_digit(pack):  # type: ignore[no-untyped-def]
    g = pack.gtin
    bad = g[:-1] + str((int(g[-1]) + 1) % 10)  # wrong GS1 check digit
    return bad, karekod(pack).replace(g, bad)


def test_an_unreadable_scan_is_red_with_the_reason_and_kept_apart_from_the_count(
        db, pharmacies, session_id):
    bad, raw = bad_check_digit(SHELF[0])
    out = scan(db, session_id, raw, "c1", user=pharmacies.alice_id, device="tezgah")
    assert (out.verdict.state.value, out.verdict.detail) == ("red", "check_digit")
    assert out.verdict.message.startswith(f"GTIN (01) {bad} kontrol hanesi hatalı")
    assert (out.rejected, out.replayed, out.scan) == (True, False, None)
    assert active_rows(db, session_id) == []
    [row] = rejected_rows(db, session_id)
    assert (row.raw, row.code, row.detail, row.message, row.device_id, row.client_scan_id,
            row.user_id, row.grp) == (raw, "unreadable", "check_digit", out.verdict.message,
                                      "tezgah", "c1", pharmacies.alice_id, "raf")
    assert "yeniden okutun" in row.hint and "elle yazıp" in row.hint
    assert row.raw_shown == raw.replace("\x1d", "⟨GS⟩")


def test_an_unreadable_scan_is_stored_once_however_often_the_page_resends_it(
        db, pharmacies, session_id):
    _bad, raw = bad_check_digit(SHELF[0])
    first = scan(db, session_id, raw, "c1", user=pharmacies.alice_id)
    again = [scan(db, session_id, raw, "c1", user=pharmacies.alice_id) for _ in range(3)]
    assert all(o.replayed and o.rejected and o.verdict == first.verdict for o in again)
    assert [r.client_scan_id for r in rejected_rows(db, session_id)] == ["c1"]
    scan(db, session_id, raw, "c2", user=pharmacies.bob_id, device="d2")  # scanned again: kept
    assert [r.client_scan_id for r in rejected_rows(db, session_id)] == ["c2", "c1"]
    with db.connect() as conn:
        assert store.summary(conn, session_id)["rejected"] == 2


def test_a_new_unreadable_scan_changes_the_live_version(db, pharmacies, session_id):
    with db.connect() as conn:
        before = store.version(conn, session_id)
    scan(db, session_id, "bozuk okuma", "c1", user=pharmacies.alice_id)
    with db.connect() as conn:
        assert store.version(conn, session_id) != before


def test_a_paused_count_refuses_an_unreadable_scan_without_storing_it(db, pharmacies, session_id):
    with db.begin() as conn:
        s = store.get_session(conn, session_id)
        store.set_status(conn, s, pharmacies.bob_id, CountStatus.PAUSED, is_pharmacist=False)
    out = scan(db, session_id, "bozuk", "c1", user=pharmacies.alice_id)
    assert out.refused and not out.rejected   # the page keeps it to resend (its own list)
    assert rejected_rows(db, session_id) == []


def test_an_ambiguous_karekod_is_resolved_by_the_its_list_or_by_the_users_pick(
        db, pharmacies, session_id):
    from eczane.domain.karekod import Karekod, parse_karekod

    # Serial containing "17…10": without GS the string reads in more than one way.
    k = Karekod(SHELF[0].gtin, "A17270131" + "10X", date(2028, 5, 31), "B1")
    raw = k.element_string(gs="")
    res = parse_karekod(raw, today=TODAY)
    assert res.error is not None and res.error.code == "ambiguous"
    out = scan(db, session_id, raw, "c1", user=pharmacies.alice_id)
    assert out.verdict.code == "ambiguous" and not active_rows(db, session_id)
    pick = [c.serial for c in out.verdict.candidates].index(k.serial)
    picked = scan(db, session_id, raw, "c2", user=pharmacies.alice_id, choice=pick)
    assert picked.verdict.counted
    assert [(r.serial, r.raw) for r in active_rows(db, session_id)] == [(k.serial, raw)]
    with pytest.raises(store.CountError, match="Geçersiz seçim: 99"):
        scan(db, session_id, raw, "c3", user=pharmacies.alice_id, choice=99)
    # With an İTS list holding the pack, the engine resolves it without asking.
    with db.begin() as conn:
        sid2 = store.open_session(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "2")
    seed_its_list(db, pharmacies.pharmacy_id, [k])
    auto = scan(db, sid2, raw, "c1", user=pharmacies.alice_id)
    assert auto.verdict.counted and auto.scan.serial == k.serial


def test_a_closed_or_paused_session_takes_no_scans(db, pharmacies, session_id):
    with db.begin() as conn:
        s = store.get_session(conn, session_id)
        store.set_status(conn, s, pharmacies.alice_id, CountStatus.PAUSED, is_pharmacist=True)
    out = scan(db, session_id, SHELF[0], "c1", user=pharmacies.alice_id)
    assert out.refused and "duraklatıldı" in out.refused
    with db.begin() as conn:
        store.set_status(conn, s, pharmacies.alice_id, CountStatus.CLOSED, is_pharmacist=True)
    out = scan(db, session_id, SHELF[0], "c1", user=pharmacies.alice_id)
    assert out.refused == "Bu sayım kapatıldı; okutma kaydedilmedi. Yeni bir sayım açın."
    assert active_rows(db, session_id) == []


def test_only_a_pharmacist_closes_a_count_and_closing_is_audited_with_totals(
        db, pharmacies, session_id):
    scan(db, session_id, SHELF[0], "c1", user=pharmacies.bob_id)
    with db.begin() as conn:
        s = store.get_session(conn, session_id)
        with pytest.raises(store.CountError, match="yalnızca eczacı") as exc:
            store.set_status(conn, s, pharmacies.bob_id, CountStatus.CLOSED, is_pharmacist=False)
        assert exc.value.status == 403
        store.set_status(conn, s, pharmacies.alice_id, CountStatus.CLOSED, is_pharmacist=True)
    with db.connect() as conn:
        s = store.get_session(conn, session_id)
        last = conn.execute(select(audit_log).order_by(audit_log.c.seq.desc())).first()
    assert (s.status, s.closed_by) == (CountStatus.CLOSED, pharmacies.alice_id)
    assert last.name == "count.closed" and last.payload["total"] == 1
    with db.begin() as conn, pytest.raises(store.CountError, match="yapılamaz"):
        store.set_status(conn, s, pharmacies.alice_id, CountStatus.OPEN, is_pharmacist=True)


def test_two_devices_scanning_the_same_pack_at_once_store_it_once(db, pharmacies, session_id):
    packs = SHELF[:6]
    barrier = threading.Barrier(4)
    results: list[str] = []
    errors: list[BaseException] = []

    def device(n: int) -> None:
        try:
            barrier.wait()
            for i, p in enumerate(packs):
                out = scan(db, session_id, p, f"d{n}-{i}", user=pharmacies.alice_id,
                           device=f"d{n}")
                results.append(out.verdict.code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=contextvars.copy_context().run, args=(device, n)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results).count("duplicate") == 3 * len(packs)
    rows = active_rows(db, session_id)
    assert sorted(r.serial for r in rows) == sorted(p.serial for p in packs)


def test_totals_by_product_use_the_catalog_name_or_say_unknown(db, pharmacies, session_id):
    seed_catalog(db)
    unknown = next(p for p in DEMO.its_packs if p.product_name == "BİLİNMEYEN DEMO ÜRÜN")
    scan(db, session_id, SHELF[0], "c1", user=pharmacies.alice_id)
    scan(db, session_id, SHELF[1], "c2", user=pharmacies.alice_id, grp="acik_recete")
    scan(db, session_id, unknown, "c3", user=pharmacies.alice_id)
    with db.connect() as conn:
        totals = store.totals(conn, session_id)
        summ = store.summary(conn, session_id)
    assert [(t.name, t.raf, t.acik_recete) for t in totals] == [
        ("Bilinmeyen ürün", 1, 0), ("PARASETAMOL DEMO 500 MG 20 TABLET", 1, 1)]
    assert summ == {"raf": 2, "acik_recete": 1, "total": 3, "products": 2, "undone": 0,
                    "rejected": 0}


def test_a_bad_group_or_a_missing_scan_id_is_refused(db, pharmacies, session_id):
    with pytest.raises(store.CountError, match="Geçersiz grup"):
        scan(db, session_id, SHELF[0], "c1", user=pharmacies.alice_id, grp="depo")
    with pytest.raises(store.CountError, match="client_scan_id"):
        scan(db, session_id, SHELF[0], " ", user=pharmacies.alice_id)


def test_a_scanner_dump_is_imported_once_with_problems_by_line(db, pharmacies, session_id):
    lines = ["Elinizde Olmayan Karekodlar", karekod(SHELF[0]), "", karekod(SHELF[1]),
             "0108699536080009", karekod(SHELF[0])]
    rep = store.import_dump(db, session_id, lines, grp="acik_recete",
                            user_id=pharmacies.bob_id, today=TODAY, source="dosya:okuyucu.txt")
    assert (rep.lines, rep.added, rep.duplicates, [p[0] for p in rep.problems]) == (4, 2, 1, [5])
    again = store.import_dump(db, session_id, lines, grp="acik_recete",
                              user_id=pharmacies.bob_id, today=TODAY)
    assert (again.added, again.already_imported, again.duplicates) == (0, 2, 1)
    assert [p[0] for p in again.problems] == [5]     # still reported, stored only once
    [bad] = rejected_rows(db, session_id)
    assert (bad.raw, bad.device_id, bad.grp, bad.detail) == (
        "0108699536080009", "dosya:okuyucu.txt", "acik_recete", "check_digit")
    rows = active_rows(db, session_id)
    assert {r.grp for r in rows} == {"acik_recete"} and len(rows) == 2


def test_a_dump_in_windows_1254_is_read(db):
    assert store.decode_dump("Açık reçete\r\nX".encode("cp1254")) == ["Açık reçete", "X"]
    assert store.decode_dump("\ufeffA\nB".encode()) == ["A", "B"]
    # GS (0x1D) inside a karekod is not a line break
    assert store.decode_dump(b"01\x1d17\n") == ["01\x1d17"]


def test_the_batch_writer_stores_concurrent_scans_once_each_and_checks_the_user(
        db, pharmacies, session_id):
    writer = store.ScanWriter(db)
    try:
        futures = [writer.submit(session_id, raw=karekod(p), client_scan_id=f"c{i}-{n}",
                                 device_id=f"d{n}", grp="raf", user_id=pharmacies.bob_id,
                                 today=TODAY)
                   for n in range(3) for i, p in enumerate(SHELF[:8])]
        codes = [f.result(timeout=30).verdict.code for f in futures]
        assert codes.count("duplicate") == 16 and len(codes) - codes.count("duplicate") == 8
        resend = writer.submit(session_id, raw=karekod(SHELF[0]), client_scan_id="c0-0",
                               device_id="d0", grp="raf", user_id=pharmacies.bob_id, today=TODAY)
        assert resend.result(timeout=30).replayed
        other = writer.submit(session_id, raw=karekod(SHELF[9]), client_scan_id="x",
                              device_id="d", grp="raf", user_id=pharmacies.charlie_id,
                              today=TODAY)
        with pytest.raises(store.CountError) as exc:
            other.result(timeout=30)
        assert exc.value.status == 404
        bad = writer.submit(session_id, raw="x", client_scan_id="y", device_id="d", grp="depo",
                            user_id=pharmacies.bob_id, today=TODAY)
        with pytest.raises(store.CountError, match="Geçersiz grup"):
            bad.result(timeout=30)
    finally:
        writer.close()
    assert sorted(r.serial for r in active_rows(db, session_id)) == sorted(
        p.serial for p in SHELF[:8])


def test_the_batch_writer_stores_unreadable_scans_in_the_same_batch_once_each(
        db, pharmacies, session_id):
    writer = store.ScanWriter(db)
    try:
        subs = []
        for i, p in enumerate(SHELF[:6]):
            subs.append(writer.submit(session_id, raw=karekod(p), client_scan_id=f"g{i}",
                                      device_id="d1", grp="raf", user_id=pharmacies.bob_id,
                                      today=TODAY))
            for _ in range(2):   # each red scan sent twice (a resend), possibly in one batch
                subs.append(writer.submit(session_id, raw=bad_check_digit(p)[1],
                                          client_scan_id=f"r{i}", device_id="d2", grp="raf",
                                          user_id=pharmacies.alice_id, today=TODAY))
        outs = [f.result(timeout=30) for f in subs]
    finally:
        writer.close()
    red = [o for o in outs if o.verdict.state.value == "red"]
    assert len(red) == 12 and all(o.rejected for o in red)
    assert sum(not o.replayed for o in red) == 6
    assert sorted(r.client_scan_id for r in rejected_rows(db, session_id)) == [
        f"r{i}" for i in range(6)]
    assert len(active_rows(db, session_id)) == 6


def test_a_long_dump_is_stored_chunk_by_chunk_and_a_paused_count_refuses_it(
        db, pharmacies, session_id):
    lines = [karekod(p) for p in SHELF[:7]] + [karekod(SHELF[0])]
    rep = store.import_dump(db, session_id, lines, grp="raf", user_id=pharmacies.bob_id,
                            today=TODAY, chunk=3)
    assert (rep.lines, rep.added, rep.duplicates) == (8, 7, 1)
    with db.begin() as conn:
        s = store.get_session(conn, session_id)
        store.set_status(conn, s, pharmacies.alice_id, CountStatus.PAUSED, is_pharmacist=True)
    with pytest.raises(store.CountError, match="duraklatıldı"):
        store.import_dump(db, session_id, [karekod(SHELF[8])], grp="raf",
                          user_id=pharmacies.bob_id, today=TODAY)
    assert len(active_rows(db, session_id)) == 7


def test_an_unreadable_scan_with_a_nul_or_a_broken_character_does_not_fail_its_batch(
        db, pharmacies, session_id):
    writer = store.ScanWriter(db)
    odd = ["01\x0008699536080000", "0108699536080000\ud800", "\x00"]
    try:
        subs = [writer.submit(session_id, raw=raw, client_scan_id=f"o{i}", device_id="d\x00",
                              grp="raf", user_id=pharmacies.bob_id, today=TODAY)
                for i, raw in enumerate(odd)]
        subs.append(writer.submit(session_id, raw=karekod(SHELF[0]), client_scan_id="g",
                                  device_id="d", grp="raf", user_id=pharmacies.bob_id,
                                  today=TODAY))
        outs = [f.result(timeout=30) for f in subs]
    finally:
        writer.close()
    assert [o.verdict.state.value for o in outs[:3]] == ["red", "red", "red"]
    assert outs[3].verdict.counted and outs[3].scan is not None
    rows = sorted(rejected_rows(db, session_id), key=lambda r: r.client_scan_id)
    assert [r.raw for r in rows] == [s.replace("\x00", "\ufffd").replace("\ud800", "\ufffd")
                                     for s in odd]
    assert {r.device_id for r in rows} == {"d\ufffd"}
    assert len(active_rows(db, session_id)) == 1


def test_a_caps_lock_scan_counts_the_pack_that_its_lists(db, pharmacies, session_id):
    # A wedge scanner with Caps Lock on inverts the case of letters; İTS keeps SN/BN upper case
    # (research/its.md §6), so the count must store the İTS form or the pack would look absent.
    seed_catalog(db)
    seed_its_list(db, pharmacies.pharmacy_id, DEMO.its_packs)
    out = scan(db, session_id, karekod(SHELF[0]).swapcase(), "c1", user=pharmacies.bob_id)
    assert (out.verdict.state.value, out.verdict.code) == ("green", "new")
    again = scan(db, session_id, SHELF[0], "c2", user=pharmacies.bob_id)
    assert again.verdict.code == "duplicate"
    rows = active_rows(db, session_id)
    assert [(r.serial, r.batch) for r in rows] == [(SHELF[0].serial, SHELF[0].batch)]


def test_the_batch_writer_writes_each_pharmacys_scans_acting_for_it(db, pharmacies, session_id):
    """Scans of two pharmacies in one batch: one transaction, each group acting for the
    pharmacy of the request that sent it (SET LOCAL before the group: row-level security on
    PostgreSQL); a scan sent acting for the wrong pharmacy finds no session (404)."""
    from concurrent.futures import Future

    from eczane.store import tenant

    with tenant.acting_for(pharmacies.other_pharmacy_id), db.begin() as conn:
        other_sid = store.open_session(conn, pharmacies.other_pharmacy_id, pharmacies.charlie_id,
                                       "B sayımı")
    writer = store.ScanWriter(db)
    try:
        futures = []
        for i, p in enumerate(SHELF[:6]):
            futures.append(writer.submit(session_id, raw=karekod(p), client_scan_id=f"a{i}",
                                         device_id="a", grp="raf", user_id=pharmacies.bob_id,
                                         today=TODAY))
            with tenant.acting_for(pharmacies.other_pharmacy_id):
                futures.append(writer.submit(other_sid, raw=karekod(p), client_scan_id=f"b{i}",
                                             device_id="b", grp="raf",
                                             user_id=pharmacies.charlie_id, today=TODAY))
        assert [f.result(timeout=30).verdict.code for f in futures].count("duplicate") == 0
        wrong = writer.submit(other_sid, raw=karekod(SHELF[7]), client_scan_id="w",
                              device_id="a", grp="raf", user_id=pharmacies.bob_id, today=TODAY)
        with pytest.raises(store.CountError) as exc:
            wrong.result(timeout=30)
        assert exc.value.status == 404
        # Both pharmacies' groups in exactly one transaction, B's group between two of A's
        # scans' worth of work: each lands in its own pharmacy's count.
        from eczane.store.count.scan_batch import Item

        a, b, c = Future(), Future(), Future()
        writer._write([
            (Item(pharmacies.pharmacy_id, session_id, karekod(SHELF[8]), "one-a", "t", "raf",
                  pharmacies.bob_id, TODAY), a),
            (Item(pharmacies.other_pharmacy_id, other_sid, karekod(SHELF[8]), "one-b", "t",
                  "raf", pharmacies.charlie_id, TODAY), b),
            (Item(pharmacies.pharmacy_id, session_id, karekod(SHELF[9]), "two-a", "t", "raf",
                  pharmacies.bob_id, TODAY), c)])
        assert c.result(timeout=5).verdict.counted
        assert a.result(timeout=5).verdict.counted and b.result(timeout=5).verdict.counted
    finally:
        writer.close()
    assert len(active_rows(db, session_id)) == 8
    with tenant.acting_for(pharmacies.other_pharmacy_id):
        assert len(active_rows(db, other_sid)) == 7


def test_one_batch_with_a_pack_twice_a_resend_and_a_closed_count_answers_like_one_by_one(
        db, pharmacies, session_id):
    """The batch writer reads and writes a whole batch at once (three round trips on
    PostgreSQL): a pack sent twice in the batch is stored once (the second is amber
    ``duplicate``), a resend in the same batch replays the first, an unreadable scan sent twice
    is stored once, and a scan for a closed count is refused while the rest are stored."""
    from concurrent.futures import Future

    from eczane.store.count.scan_batch import Item

    with db.begin() as conn:
        closed = store.open_session(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "Kapalı")
        store.set_status(conn, store.get_session(conn, closed), pharmacies.alice_id,
                         CountStatus.CLOSED, is_pharmacist=True)
    p, q = SHELF[0], SHELF[1]

    def item(raw: str, cid: str, sid: int = session_id) -> Item:
        return Item(pharmacies.pharmacy_id, sid, raw, cid, "d", "raf", pharmacies.bob_id, TODAY)

    batch = [(item(karekod(p), "a"), Future()), (item(karekod(p), "b"), Future()),
             (item(karekod(p), "a"), Future()), (item("bozuk", "r"), Future()),
             (item("bozuk", "r"), Future()), (item(karekod(q), "c", closed), Future()),
             (item(karekod(q), 'd"\\{,}'), Future())]
    writer = store.ScanWriter(db)
    try:
        writer._write(batch)
    finally:
        writer.close()
    first, dup, resend, red, red_again, refused, other = (f.result(timeout=5) for _i, f in batch)
    assert first.verdict.counted and first.scan is not None and not first.replayed
    assert dup.verdict.code == "duplicate" and dup.scan.id == first.scan.id
    assert resend.replayed and resend.scan.id == first.scan.id
    assert red.rejected and not red.replayed and red_again.rejected and red_again.replayed
    assert refused.refused and not refused.verdict.counted
    assert other.verdict.counted
    assert sorted(r.serial for r in active_rows(db, session_id)) == sorted([p.serial, q.serial])
    # a client id with the characters of an array literal is read back exactly (a resend)
    again = store.record_scan(db, session_id, raw=karekod(q), client_scan_id='d"\\{,}',
                              device_id="d", grp="raf", user_id=pharmacies.bob_id, today=TODAY)
    assert again.replayed and again.scan.id == other.scan.id
    with db.connect() as conn:
        assert len(store.rejected_scans(conn, session_id)) == 1
        assert active_rows(db, closed) == []


def test_a_long_transaction_that_audits_does_not_hold_back_the_pharmacys_scans(
        db, pharmacies, session_id):
    """An import or an approval appends its audit event and goes on for seconds in its
    transaction; meanwhile the same pharmacy's scans (and so the batches they are in) are
    written: the audit chain's lock leaves the pharmacy row's key to the scans' foreign keys."""
    if db.is_sqlite:
        pytest.skip("SQLite has one writer at a time by design (BEGIN IMMEDIATE)")
    from eczane.store import tenant
    from eczane.store.audit import append_event

    opened, release = threading.Event(), threading.Event()

    def long_transaction() -> None:
        with tenant.acting_for(pharmacies.pharmacy_id), db.begin() as conn:
            append_event(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "test.long", {})
            opened.set()
            release.wait(30)

    t = threading.Thread(target=long_transaction)
    t.start()
    try:
        assert opened.wait(10)
        writer = store.ScanWriter(db)
        try:
            fut = writer.submit(session_id, raw=karekod(SHELF[0]), client_scan_id="c1",
                                device_id="d1", grp="raf", user_id=pharmacies.bob_id,
                                today=TODAY)
            out = fut.result(timeout=5)  # FOR UPDATE on the pharmacy row: waits for `release`
            assert out.verdict.counted
        finally:
            release.set()
            writer.close()
    finally:
        release.set()
        t.join(30)


def test_the_batch_writer_tells_a_listed_from_an_unlisted_pack_with_the_list_kept_between_batches(
        db, pharmacies, session_id):
    """The writer keeps the latest İTS list's id from batch to batch and then asks the list in
    its first round (scan_batch.record_batch): the verdicts are those of a fresh lookup."""
    seed_catalog(db)
    seed_its_list(db, pharmacies.pharmacy_id, DEMO.its_packs)
    writer = store.ScanWriter(db)

    def one(pack, cid):  # type: ignore[no-untyped-def]
        return writer.submit(session_id, raw=karekod(pack), client_scan_id=cid, device_id="d1",
                             grp="raf", user_id=pharmacies.bob_id, today=TODAY).result(timeout=30)

    try:
        first = one(SHELF[0], "c1")                          # the list's id is read here
        rounds = [one(DEMO.shelf_not_in_its[0], "c2"), one(SHELF[1], "c3"),
                  one(SHELF[2], "c4"), one(SHELF[0], "c5")]
    finally:
        writer.close()
    assert first.verdict.code == "new"
    assert [o.verdict.code for o in rounds] == ["not_in_its", "new", "new", "duplicate"]
    assert [o.verdict.counted for o in rounds] == [True, True, True, False]
