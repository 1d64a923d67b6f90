"""Per-pharmacy backup and restore in hosted mode (issue 15): one PostgreSQL holds many
pharmacies; restoring pharmacy A's backup touches only A's rows, B goes on working meanwhile,
and the id sequences every pharmacy shares stay right — also as a role under row-level security.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select, text

from eczane.store import catalog as cat
from eczane.store.audit import append_event, audit_log, verify
from eczane.store.backup import (
    BackupError,
    BackupSecret,
    pharmacy_tables,
    restore_backup,
    write_backup,
)
from eczane.store.core import pharmacy
from eczane.store.db import open_database
from eczane.store.tenant import acting_for
from tests.importers.files import write_xlsx

TODAY = date(2026, 11, 23)
KEY = BackupSecret(b"test-secret")
G1 = "08699536080017"  # demo GTIN (demo_data.py)
APP_ROLE = "eczane_backup_rls_test"
"""A role that cannot bypass row-level security, made by this test (helper "rls" adds the real
``eczane_app`` role and policies; this test's policy has the same meaning)."""


def rows_of(db, pid):
    """Every row of ``pid`` in every pharmacy table, audit log included, and its pharmacy row
    (read acting for ``pid``: under row-level security nothing else is visible)."""
    with acting_for(pid), db.connect() as conn:
        out = {"pharmacy": [tuple(r) for r in conn.execute(
            select(pharmacy).where(pharmacy.c.id == pid))]}
        for t in pharmacy_tables():
            q = select(t).where(t.c.pharmacy_id == pid)
            out[t.name] = [tuple(r) for r in conn.execute(q.order_by(*t.primary_key.columns))]
    return out


def text_digest(db, pid):
    """PostgreSQL: each table's rows of ``pid`` as PostgreSQL prints them, hashed (bytes)."""
    out = {}
    with acting_for(pid), db.connect() as conn:
        for t in pharmacy_tables():
            out[t.name] = conn.execute(text(
                f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                f"FROM {t.name} x WHERE pharmacy_id = :p"), {"p": pid}).scalar()
    return out


def verified(db, pid):
    with acting_for(pid), db.connect() as conn:
        return verify(conn, pid).ok


def stock(tmp_path, name, serials):
    return write_xlsx(tmp_path / name, [["GTIN", "Seri No", "SKT"],
                                        *[[G1, s, "30.06.2027"] for s in serials]])


def fill(db, pharmacies, tmp_path):
    a, b = pharmacies.pharmacy_id, pharmacies.other_pharmacy_id
    with acting_for(a), db.begin() as conn:
        cat.seed_demo_catalog(conn, a, TODAY)
        cat.import_its_stock(conn, a, stock(tmp_path, "a.xlsx", ["A1", "A2"]), today=TODAY,
                             user_id=pharmacies.alice_id)
    with acting_for(b), db.begin() as conn:
        cat.seed_demo_catalog(conn, b, TODAY)
        cat.import_its_stock(conn, b, stock(tmp_path, "b.xlsx", ["B1", "B2"]), today=TODAY,
                             user_id=pharmacies.charlie_id)


def backup_a(db, pharmacies, tmp_path):
    out = tmp_path / "a.jsonl.gz"
    with acting_for(pharmacies.pharmacy_id), db.begin() as conn:
        write_backup(conn, pharmacies.pharmacy_id, out, KEY)
    return out


def change_a(db, pharmacies, tmp_path):
    a = pharmacies.pharmacy_id
    with acting_for(a), db.begin() as conn:
        cat.import_its_stock(conn, a, stock(tmp_path, "a2.xlsx", ["A9"]), today=TODAY)


def test_restoring_a_leaves_b_untouched_in_every_table(db, pharmacies, tmp_path):
    a, b = pharmacies.pharmacy_id, pharmacies.other_pharmacy_id
    fill(db, pharmacies, tmp_path)
    out = backup_a(db, pharmacies, tmp_path)
    saved_a = rows_of(db, a)
    change_a(db, pharmacies, tmp_path)
    before_b = rows_of(db, b)
    digest_b = text_digest(db, b) if not db.is_sqlite else None
    assert sum(map(len, before_b.values())) > 20  # B has data in many tables
    with acting_for(a), db.begin() as conn:
        restore_backup(conn, out, KEY, pharmacy_id=a)
    assert rows_of(db, b) == before_b
    if digest_b is not None:
        assert text_digest(db, b) == digest_b
    got_a = rows_of(db, a)
    assert verified(db, a) and verified(db, b)
    assert got_a.pop("audit_log")[:len(saved_a["audit_log"])] == saved_a.pop("audit_log")
    assert got_a == saved_a


@pytest.fixture(params=[pytest.param("pg", marks=pytest.mark.pg)])
def pg_db(request, pg_server, pg_template):
    """A migrated PostgreSQL database reached as the server's superuser, for set-up and for
    reading every pharmacy's rows (these tests are about the hosted database only)."""
    from tests.conftest import new_pg_database

    database = open_database(new_pg_database(pg_server, pg_template), migrate_schema=False)
    yield database
    database.dispose()


@pytest.fixture
def pg_ph(pg_db):
    """Pharmacy A (alice) and pharmacy B (charlie), as in tests/conftest.py."""
    from eczane.store.users import create_pharmacy, create_user
    from tests.conftest import TestPharmacies

    with pg_db.begin() as conn:
        p1 = create_pharmacy(conn, "Alice Eczanesi", gln="8680001000001")
        p2 = create_pharmacy(conn, "Charlie Eczanesi", gln="8680001000018")
        a = create_user(conn, p1, "alice", "alice-pw", role="eczaci", display_name="Ecz. Alice")
        b = create_user(conn, p1, "bob", "bob-pw", role="kalfa", display_name="Bob")
        c = create_user(conn, p2, "charlie", "charlie-pw", role="eczaci",
                        display_name="Ecz. Charlie")
    return TestPharmacies(p1, p2, a, b, c)


def _b_works(db, app_db, pharmacies, tmp_path):
    """What pharmacy B does meanwhile: reads its stock, imports a list (the bulk path), and as
    the app role under row-level security writes a row and logs an event."""
    b = pharmacies.other_pharmacy_id
    with acting_for(b), db.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '15s'"))
        s = cat.import_its_stock(conn, b, stock(tmp_path, "b2.xlsx", ["B7", "B8"]), today=TODAY,
                                 user_id=pharmacies.charlie_id)
    with acting_for(b), app_db.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '15s'"))
        before = len(conn.execute(select(cat.its_stock_pack.c.serial)).all())
        _new_snapshot(conn, b)
        append_event(conn, b, pharmacies.charlie_id, "test.meanwhile", {})
        return before, s.row_count


def _new_snapshot(conn, pid):
    """A plain INSERT (PostgreSQL refuses COPY, the imports' bulk path, under row-level
    security: the store's bulk insert goes through a temporary table there)."""
    conn.execute(insert(cat.its_snapshot).values(
        pharmacy_id=pid, imported_at=datetime.now(UTC), source_name="yeni", sha256="0" * 64,
        row_count=0, issue_count=0, duplicate_count=0, has_tx_date=False, mapping={},
        issues=[]))


def test_b_keeps_working_while_a_restore_is_in_progress(pg_db, pg_ph, app_role_db, tmp_path):
    db, ph = pg_db, pg_ph
    a, b = ph.pharmacy_id, ph.other_pharmacy_id
    fill(db, ph, tmp_path)
    out = backup_a(db, ph, tmp_path)
    change_a(db, ph, tmp_path)
    before_b = rows_of(db, b)
    with ThreadPoolExecutor(1) as pool, acting_for(a), app_role_db.begin() as conn:
        restore_backup(conn, out, KEY, pharmacy_id=a)
        # A's restore holds its locks (not committed yet): B is not kept waiting
        done = pool.submit(copy_context().run, _b_works, db, app_role_db, ph, tmp_path)
        read_before, imported = done.result(timeout=60)
    assert imported == 2 and read_before == len(before_b["its_stock_pack"]) + 2
    after_b = rows_of(db, b)
    with acting_for(b), db.connect() as conn:
        names = [n for (n,) in conn.execute(select(audit_log.c.name).where(
            audit_log.c.pharmacy_id == b).order_by(audit_log.c.seq))]
    assert verified(db, b)
    assert names[-1] == "test.meanwhile"
    for table, rows in before_b.items():  # B's rows are all there, unchanged, plus the new ones
        if table != "pharmacy":
            assert [r for r in rows if r not in after_b[table]] == [], table
    assert after_b["pharmacy"] == before_b["pharmacy"]
    assert len(after_b["its_stock_pack"]) > len(before_b["its_stock_pack"])


def _last_values(conn):
    return {t.name: conn.execute(text(
        "SELECT COALESCE(pg_sequence_last_value(CAST(pg_get_serial_sequence(:t, 'id') "
        "AS regclass)), 0)"), {"t": t.name}).scalar()
        for t in pharmacy_tables() if "id" in t.c and t.c.id.primary_key and t.c.id.autoincrement}


@pytest.fixture
def app_role_db(pg_db):
    """``pg_db`` reached as a role under row-level security: each pharmacy table shows and
    takes only the rows of the pharmacy its transaction acts for."""
    admin_url = pg_db.engine.url
    with pg_db.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                              {"r": APP_ROLE}).first()
        if not exists:
            conn.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                          f"TO {APP_ROLE}"))
        conn.execute(text(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public "
                          f"TO {APP_ROLE}"))
        for t in pharmacy_tables():
            conn.execute(text(f"ALTER TABLE {t.name} ENABLE ROW LEVEL SECURITY"))
            conn.execute(text(
                f"CREATE POLICY backup_rls_test ON {t.name} TO {APP_ROLE} USING (pharmacy_id = "
                f"NULLIF(current_setting('eczane.pharmacy_id', true), '')::int)"))
    url = admin_url.set(username=APP_ROLE, password=None).render_as_string(hide_password=False)
    database = open_database(url, migrate_schema=False)
    yield database
    database.dispose()


def test_as_a_role_under_row_level_security_the_restore_touches_only_a(
        pg_db, pg_ph, app_role_db, tmp_path):
    """And the shared id sequences never move back: under RLS, MAX(id) sees only A's rows."""
    db, ph = pg_db, pg_ph
    a, b = ph.pharmacy_id, ph.other_pharmacy_id
    fill(db, ph, tmp_path)
    out = tmp_path / "a.jsonl.gz"
    with acting_for(a), app_role_db.begin() as conn:
        write_backup(conn, a, out, KEY)
        assert conn.execute(select(cat.its_stock_pack.c.pharmacy_id).distinct()).all() == [(a,)]
    # B goes on after A's backup: B's snapshot ids climb past every id of A
    for n in range(3):
        with acting_for(b), db.begin() as conn:
            cat.import_its_stock(conn, b, stock(tmp_path, f"b{n}.xlsx", [f"C{n}"]), today=TODAY)
    before_b = rows_of(db, b)
    with db.connect() as conn:
        seqs = _last_values(conn)
    with acting_for(a), app_role_db.begin() as conn:
        restore_backup(conn, out, KEY, pharmacy_id=a)
    assert rows_of(db, b) == before_b
    with db.connect() as conn:
        after = _last_values(conn)
    assert all(after[name] >= seqs[name] for name in seqs), (seqs, after)
    # new rows of both pharmacies get fresh ids (no duplicate key)
    for pid in (b, a):
        with acting_for(pid), app_role_db.begin() as conn:
            _new_snapshot(conn, pid)
    # without a pharmacy the role sees no pharmacy's rows
    with app_role_db.connect() as conn:
        assert conn.execute(select(cat.its_stock_pack)).first() is None


def test_a_restore_acting_for_another_pharmacy_is_refused(pg_db, pg_ph, app_role_db, tmp_path):
    """A's backup restored by a process acting for B would see none of A's rows: refused
    before anything is touched."""
    db, ph = pg_db, pg_ph
    a, b = ph.pharmacy_id, ph.other_pharmacy_id
    fill(db, ph, tmp_path)
    out = backup_a(db, ph, tmp_path)
    before = (rows_of(db, a), rows_of(db, b))
    with pytest.raises(BackupError) as refused, acting_for(b), app_role_db.begin() as conn:
        restore_backup(conn, out, KEY)
    assert refused.value.code == "wrong_pharmacy"
    with pytest.raises(BackupError) as refused, acting_for(b), app_role_db.begin() as conn:
        write_backup(conn, a, tmp_path / "x.jsonl.gz", KEY)
    assert refused.value.code == "wrong_pharmacy" and not (tmp_path / "x.jsonl.gz").exists()
    assert (rows_of(db, a), rows_of(db, b)) == before
