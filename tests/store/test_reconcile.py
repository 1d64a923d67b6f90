"""Stored reconciliation: run, read buckets, overrides, in-transit list, audit (SQLite and PG)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from eczane.domain.errors import RuleError
from eczane.domain.reconcile import InTransitPack
from eczane.store import tenant
from eczane.store.audit import verify
from eczane.store.reconcile import (
    bucket_packs,
    bucket_stats,
    effective_counts,
    get_reconciliation,
    iter_bucket_packs,
    latest_reconciliation,
    replace_in_transit,
    run_reconciliation,
    set_override,
)

TODAY = date(2025, 9, 1)
NOW = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
G1, G_RED, G_UNKNOWN = "08699536080017", "08699536080062", "08699536080994"


def add_products(conn, products):
    """products: [(gtin, name, class or None)]"""
    for gtin, name, cls in products:
        conn.execute(text(
            "INSERT INTO product (gtin, name, form, manufacturer, prescription_class, "
            "flagged_unknown, source, updated_at) VALUES (:g, :n, '', '', :c, FALSE, 'test', :t)"),
            {"g": gtin, "n": name, "c": cls, "t": NOW})


def add_snapshot(conn, pharmacy_id, rows, *, has_tx_date=True):
    """rows: [(gtin, serial, expiry, batch, name, last_tx_date)] → snapshot id."""
    sid = conn.execute(text(
        "INSERT INTO its_snapshot (pharmacy_id, imported_at, imported_by, source_name, sha256, "
        "row_count, issue_count, duplicate_count, has_tx_date, mapping, issues) VALUES "
        "(:p, :t, NULL, 'stok.xlsx', :h, :n, 0, 0, :d, '{}', '[]') RETURNING id"),
        {"p": pharmacy_id, "t": NOW, "h": "x" * 64, "n": len(rows), "d": has_tx_date}).scalar()
    if rows:
        conn.execute(text(
            "INSERT INTO its_stock_pack (snapshot_id, pharmacy_id, gtin, serial, expiry, batch, "
            "product_name, last_tx_date, row_no) VALUES (:s, :p, :g, :sn, :e, :b, :n, :tx, :r)"),
            [{"s": sid, "p": pharmacy_id, "g": g, "sn": s, "e": e, "b": b, "n": n, "tx": tx,
              "r": i + 2} for i, (g, s, e, b, n, tx) in enumerate(rows)])
    return int(sid)


def add_onhand_import(conn, pharmacy_id, packs):
    """packs: [(gtin, serial, expiry, batch)] → import id."""
    iid = conn.execute(text(
        "INSERT INTO onhand_import (pharmacy_id, imported_at, imported_by, source_name, sha256, "
        "row_count, issue_count, issues) VALUES (:p, :t, NULL, 'elde.txt', :h, :n, 0, '[]') "
        "RETURNING id"), {"p": pharmacy_id, "t": NOW, "h": "y" * 64, "n": len(packs)}).scalar()
    if packs:
        conn.execute(text(
            "INSERT INTO onhand_pack (import_id, pharmacy_id, gtin, serial, expiry, batch) "
            "VALUES (:i, :p, :g, :s, :e, :b)"),
            [{"i": iid, "p": pharmacy_id, "g": g, "s": s, "e": e, "b": b} for g, s, e, b in packs])
    return int(iid)


def add_count_session(conn, pharmacy_id, user_id, scans):
    """scans: [(gtin, serial, expiry, batch, grp, undone?)] → session id."""
    sid = conn.execute(text(
        "INSERT INTO count_session (pharmacy_id, name, status, opened_by, opened_at) "
        "VALUES (:p, 'Sayım', 'open', :u, :t) RETURNING id"),
        {"p": pharmacy_id, "u": user_id, "t": NOW}).scalar()
    for i, (g, s, e, b, grp, undone) in enumerate(scans):
        conn.execute(text(
            "INSERT INTO count_scan (pharmacy_id, session_id, gtin, serial, expiry, batch, grp, raw, "
            "device_id, client_scan_id, user_id, scanned_at, undone_at) VALUES "
            "(:p, :s, :g, :sn, :e, :b, :grp, '', 'dev', :c, :u, :t, :un)"),
            {"p": pharmacy_id, "s": sid, "g": g, "sn": s, "e": e, "b": b, "grp": grp,
             "c": f"c{i}", "u": user_id, "t": NOW, "un": NOW if undone else None})
    return int(sid)


LATER = date(2027, 1, 31)
BEFORE, AFTER = date(2025, 1, 10), date(2025, 5, 1)


@pytest.fixture
def stocked(db, pharmacies):
    """A small pharmacy: one pack of each kind."""
    pid = pharmacies.pharmacy_id
    with db.begin() as conn:
        add_products(conn, [(G1, "PARASETAMOL 500 MG", "normal"), (G_RED, "MORFİN 10 MG", "red")])
        add_snapshot(conn, pid, [
            (G1, "ONSHELF", LATER, "L1", "", BEFORE),
            (G1, "GHOST", LATER, "L1", "", BEFORE),
            (G1, "LATE", LATER, "L1", "", AFTER),
            (G_RED, "RED", LATER, "L2", "", BEFORE),
            (G_UNKNOWN, "UNK", LATER, "L3", "BİLİNMEYEN", BEFORE),
            (G1, "OLD", date(2025, 6, 30), "L4", "", BEFORE),
        ])
        iid = add_onhand_import(conn, pid, [(G1, "ONSHELF", LATER, "L1"), (G1, "EXTRA", LATER, "L9")])
        replace_in_transit(conn, pid, [InTransitPack(G1, "TR1", LATER, "L5", "depo", "Depo A")],
                           user_id=pharmacies.alice_id, source="test")
    return iid


def test_a_run_stores_every_pack_in_one_bucket_with_its_reason(db, pharmacies, stocked):
    with db.begin() as conn:
        rid = run_reconciliation(conn, pharmacies.pharmacy_id, today=TODAY,
                                 user_id=pharmacies.alice_id, onhand_import_id=stocked)
    with db.connect() as conn:
        rec = latest_reconciliation(conn, pharmacies.pharmacy_id)
        assert rec.id == rid and rec.window_code == "75" and rec.window_open is True
        assert rec.counts == {"matched": 1, "not_on_hand_eligible": 1, "not_on_hand_ineligible": 3,
                              "expired": 1, "in_transit": 1, "on_hand_not_in_its": 1}
        got = {b: [(p.serial, p.reason) for p in bucket_packs(conn, rid, b)] for b in rec.counts}
    assert got["not_on_hand_eligible"] == [("GHOST", "eligible")]
    assert sorted(got["not_on_hand_ineligible"]) == [
        ("LATE", "after_cutoff"), ("RED", "colour_prescription"), ("UNK", "unknown_class")]
    assert got["expired"] == [("OLD", "expired_not_on_hand")]
    assert got["in_transit"] == [("TR1", "in_transit_depo")]
    assert got["on_hand_not_in_its"] == [("EXTRA", "not_in_its")]


def test_streaming_a_bucket_leaves_the_connection_as_it_was_for_the_next_write(db, pharmacies,
                                                                                 stocked):
    with db.begin() as conn:
        rid = run_reconciliation(conn, pharmacies.pharmacy_id, today=TODAY,
                                 user_id=pharmacies.alice_id, onhand_import_id=stocked)
    with db.begin() as conn:
        streamed = [p.serial for p in iter_bucket_packs(conn, rid, "not_on_hand_ineligible")]
        assert sorted(streamed) == ["LATE", "RED", "UNK"]
        assert "stream_results" not in conn.get_execution_options()
        # a write in the same transaction still works (it failed on PostgreSQL when the
        # connection itself was left streaming)
        set_override(conn, pharmacies.pharmacy_id, G1, "GHOST", user_id=pharmacies.alice_id,
                     note="rafta bulundu")


def test_the_window_is_recorded_closed_after_its_last_day(db, pharmacies, stocked):
    with db.begin() as conn:
        rid = run_reconciliation(conn, pharmacies.pharmacy_id, today=date(2026, 1, 5),
                                 user_id=pharmacies.alice_id, onhand_import_id=stocked)
        rec = get_reconciliation(conn, pharmacies.pharmacy_id, rid)
    assert rec.window_open is False and rec.counts["not_on_hand_eligible"] == 1


def test_an_override_keeps_a_pack_out_of_the_deactivation_list_and_is_audited(db, pharmacies, stocked):
    pid = pharmacies.pharmacy_id
    with db.begin() as conn:
        rid = run_reconciliation(conn, pid, today=TODAY, user_id=pharmacies.alice_id,
                                 onhand_import_id=stocked)
        set_override(conn, pid, G1, "GHOST", note="buzdolabında", user_id=pharmacies.alice_id)
    with db.connect() as conn:
        assert bucket_packs(conn, rid, "not_on_hand_eligible") == []
        kept = bucket_packs(conn, rid, "not_on_hand_eligible", overridden=True)
        assert [(p.serial, p.override_note) for p in kept] == [("GHOST", "buzdolabında")]
        rec = latest_reconciliation(conn, pid)
        assert effective_counts(conn, rec)["kept_out"] == 1
        assert effective_counts(conn, rec)["not_on_hand_eligible"] == 0
        names = [r.name for r in conn.execute(text(
            "SELECT name FROM audit_log WHERE pharmacy_id = :p ORDER BY seq"), {"p": pid})]
        assert names == ["reconcile.transit_imported", "reconcile.run", "reconcile.override_set"]
        assert verify(conn, pid).ok
    with db.begin() as conn:
        set_override(conn, pid, G1, "GHOST", note="yanlışlıkla", user_id=pharmacies.alice_id,
                     active=False)
    with db.connect() as conn:
        assert [p.serial for p in bucket_packs(conn, rid, "not_on_hand_eligible")] == ["GHOST"]


def test_an_override_needs_a_note(db, pharmacies):
    with db.begin() as conn, pytest.raises(RuleError, match="bir not yazın"):
        set_override(conn, pharmacies.pharmacy_id, G1, "X", note="  ", user_id=None)


def test_an_override_of_one_pharmacy_does_not_touch_another(db, pharmacies, stocked):
    with db.begin() as conn:
        rid = run_reconciliation(conn, pharmacies.pharmacy_id, today=TODAY, user_id=None,
                                 onhand_import_id=stocked)
    with tenant.acting_for(pharmacies.other_pharmacy_id), db.begin() as conn:
        set_override(conn, pharmacies.other_pharmacy_id, G1, "GHOST", note="x", user_id=None)
    with db.connect() as conn:
        assert [p.serial for p in bucket_packs(conn, rid, "not_on_hand_eligible")] == ["GHOST"]


def test_rerunning_after_more_scans_moves_the_pack_to_matched(db, pharmacies, stocked):
    pid = pharmacies.pharmacy_id
    with db.begin() as conn:
        sess = add_count_session(conn, pid, pharmacies.alice_id, [
            (G1, "ONSHELF", LATER, "L1", "raf", False), (G1, "GHOST", LATER, "L1", "raf", True)])
        first = run_reconciliation(conn, pid, today=TODAY, user_id=None, count_session_id=sess)
        conn.execute(text(
            "INSERT INTO count_scan (pharmacy_id, session_id, gtin, serial, expiry, batch, grp, raw, "
            "device_id, client_scan_id, user_id, scanned_at) VALUES (:p, :s, :g, 'GHOST', :e, 'L1', "
            "'acik_recete', '', 'dev', 'again', :u, :t)"),
            {"p": pid, "s": sess, "g": G1, "e": LATER, "u": pharmacies.alice_id, "t": NOW})
        second = run_reconciliation(conn, pid, today=TODAY, user_id=None, count_session_id=sess)
    with db.connect() as conn:
        assert [p.serial for p in bucket_packs(conn, first, "not_on_hand_eligible")] == ["GHOST"]
        assert bucket_packs(conn, second, "not_on_hand_eligible") == []
        assert sorted(p.serial for p in bucket_packs(conn, second, "matched")) == ["GHOST", "ONSHELF"]


def test_a_count_session_and_an_imported_list_together_are_on_hand(db, pharmacies, stocked):
    pid = pharmacies.pharmacy_id
    with db.begin() as conn:
        sess = add_count_session(conn, pid, pharmacies.alice_id,
                                 [(G1, "GHOST", LATER, "L1", "raf", False),
                                  (G1, "ONSHELF", LATER, "L1", "raf", False)])
        rid = run_reconciliation(conn, pid, today=TODAY, user_id=None, count_session_id=sess,
                                 onhand_import_id=stocked)
        rec = get_reconciliation(conn, pid, rid)
    assert rec.counts["matched"] == 2 and rec.counts["not_on_hand_eligible"] == 0


def test_without_a_snapshot_or_anything_on_hand_the_error_says_what_to_do(db, pharmacies):
    pid = pharmacies.pharmacy_id
    with db.begin() as conn, pytest.raises(RuleError, match="Önce İTS stok dosyasını"):
        run_reconciliation(conn, pid, today=TODAY, user_id=None)
    with db.begin() as conn:
        add_snapshot(conn, pid, [])
    with db.begin() as conn, pytest.raises(RuleError, match="önce stok sayımı yapın"):
        run_reconciliation(conn, pid, today=TODAY, user_id=None)


def test_another_pharmacys_onhand_list_cannot_be_used(db, pharmacies, stocked):
    tenant.set_current(pharmacies.other_pharmacy_id)
    with db.begin() as conn:
        add_snapshot(conn, pharmacies.other_pharmacy_id, [])
    with db.begin() as conn, pytest.raises(RuleError, match="Sayım veya dosya bulunamadı."):
        run_reconciliation(conn, pharmacies.other_pharmacy_id, today=TODAY, user_id=None,
                           onhand_import_id=stocked)


def test_a_file_without_dates_marks_not_on_hand_packs_date_unchecked(db, pharmacies):
    pid = pharmacies.pharmacy_id
    with db.begin() as conn:
        add_products(conn, [(G1, "PARASETAMOL", "normal")])
        add_snapshot(conn, pid, [(G1, "A", LATER, "L", "", None), (G1, "B", LATER, "L", "", None)],
                     has_tx_date=False)
        iid = add_onhand_import(conn, pid, [(G1, "B", LATER, "L")])
        rid = run_reconciliation(conn, pid, today=TODAY, user_id=None, onhand_import_id=iid)
        packs = bucket_packs(conn, rid, "not_on_hand_eligible")
        rec = get_reconciliation(conn, pid, rid)
    assert [(p.serial, p.reason, p.note) for p in packs] == [("A", "date_unchecked", "date_unchecked")]
    assert rec.date_checked is False


def test_search_finds_packs_by_name_gtin_or_serial(db, pharmacies, stocked):
    with db.begin() as conn:
        rid = run_reconciliation(conn, pharmacies.pharmacy_id, today=TODAY, user_id=None,
                                 onhand_import_id=stocked)
        by_name = bucket_packs(conn, rid, "not_on_hand_ineligible", search="morfin")
        by_serial = bucket_packs(conn, rid, "not_on_hand_ineligible", search="unk")
        by_key = bucket_packs(conn, rid, "not_on_hand_ineligible", key=(G1, "LATE"))
    assert [p.serial for p in by_name] == ["RED"]
    assert [p.serial for p in by_serial] == ["UNK"]
    assert [p.serial for p in by_key] == ["LATE"]


def test_stats_group_packs_by_product_and_expiry_month(db, pharmacies, stocked):
    with db.begin() as conn:
        rid = run_reconciliation(conn, pharmacies.pharmacy_id, today=TODAY, user_id=None,
                                 onhand_import_id=stocked)
        stats = bucket_stats(conn, rid, "not_on_hand_ineligible")
    assert stats["product"] == [("BİLİNMEYEN", 1), ("MORFİN 10 MG", 1), ("PARASETAMOL 500 MG", 1)]
    assert stats["month"] == [("2027-01", 3)]


def test_a_new_in_transit_list_replaces_the_old_one(db, pharmacies):
    pid = pharmacies.pharmacy_id
    with db.begin() as conn:
        replace_in_transit(conn, pid, [InTransitPack(G1, "A", None, "", "depo", "D")], user_id=None)
        n = replace_in_transit(conn, pid, [InTransitPack(G1, "B", None, "", "eczane", "E"),
                                           InTransitPack(G1, "B", None, "", "depo", "Z")],
                               user_id=None)
        rows = conn.execute(text("SELECT serial, sender_type FROM in_transit_pack")).all()
    assert n == 1 and [tuple(r) for r in rows] == [("B", "depo")]


def test_matched_packs_are_shown_as_they_were_at_the_run(db, pharmacies, stocked):
    """Matched packs are derived, not copied: scans undone or added after the run change nothing."""
    pid = pharmacies.pharmacy_id
    with db.begin() as conn:
        sess = add_count_session(conn, pid, pharmacies.alice_id, [
            (G1, "ONSHELF", LATER, "L1", "raf", False), (G1, "LATE", LATER, "L1", "raf", False),
            (G1, "GHOST", LATER, "L1", "raf", True)])
        rid = run_reconciliation(conn, pid, today=TODAY, user_id=None, count_session_id=sess)
    with db.begin() as conn:
        conn.execute(text("UPDATE count_scan SET undone_at = :t WHERE serial = 'LATE'"),
                     {"t": datetime.now(UTC)})
        conn.execute(text(
            "INSERT INTO count_scan (pharmacy_id, session_id, gtin, serial, expiry, batch, grp, raw, "
            "device_id, client_scan_id, user_id, scanned_at) VALUES (:p, :s, :g, 'GHOST', :e, 'L1', "
            "'raf', '', 'dev', 'later', :u, :t)"),
            {"p": pid, "s": sess, "g": G1, "e": LATER, "u": pharmacies.alice_id,
             "t": datetime.now(UTC)})
    with db.connect() as conn:
        matched = bucket_packs(conn, rid, "matched")
        rec = get_reconciliation(conn, pid, rid)
    assert [(p.serial, p.reason, p.product_name) for p in matched] == [
        ("LATE", "on_hand", "PARASETAMOL 500 MG"), ("ONSHELF", "on_hand", "PARASETAMOL 500 MG")]
    assert rec.counts["matched"] == 2
