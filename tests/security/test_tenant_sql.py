"""Raw SQL as the app's restricted role: another pharmacy's rows are invisible and untouchable
(issue 15, PostgreSQL row-level security). Every pharmacy table of ``metadata`` is checked, and
pharmacy B has a row in each (``tenant_world``), so a new table is covered without editing this.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from eczane.store import rls, tenant
from eczane.store.tables import metadata
from tests.security.tenant_world import make_b_world

TABLES = [t.name for t in rls.tenant_tables(metadata)]


@pytest.fixture
def world(db, pharmacies, settings):  # type: ignore[no-untyped-def]
    if db.is_sqlite:
        pytest.skip("row-level security is PostgreSQL's")
    return make_b_world(db, pharmacies, settings)


def test_pharmacy_b_has_a_row_in_every_pharmacy_table(db, world) -> None:  # type: ignore[no-untyped-def]
    empty = []
    with tenant.acting_for(world.pharmacy_id), db.connect() as conn:
        for name in TABLES:
            if not conn.execute(text(f"SELECT 1 FROM {name} LIMIT 1")).first():
                empty.append(name)
    assert not empty, f"tenant_world.make_b_world must write a row in: {empty}"


def test_acting_for_a_reads_no_row_of_b_and_cannot_write_one(db, pharmacies, world) -> None:  # type: ignore[no-untyped-def]
    b = world.pharmacy_id
    with tenant.acting_for(pharmacies.pharmacy_id):
        for name in TABLES:
            with db.connect() as conn:
                assert conn.execute(text(f"SELECT count(*) FROM {name} WHERE pharmacy_id = :b"),
                                    {"b": b}).scalar_one() == 0, name
                assert conn.execute(text(f"SELECT count(*) FROM {name} WHERE pharmacy_id <> :a"),
                                    {"a": pharmacies.pharmacy_id}).scalar_one() == 0, name
            with db.begin() as conn:
                n = conn.execute(text(f"UPDATE {name} SET pharmacy_id = pharmacy_id "
                                      "WHERE pharmacy_id = :b"), {"b": b}).rowcount
                assert n == 0, name
                n = conn.execute(text(f"DELETE FROM {name} WHERE pharmacy_id = :b"),
                                 {"b": b}).rowcount
                assert n == 0, name
            # moving one's own row to B is refused (WITH CHECK)
            with db.begin() as conn, pytest.raises(Exception, match="row-level security"):
                conn.execute(text("UPDATE count_session SET pharmacy_id = :b"), {"b": b})
                conn.execute(text("INSERT INTO its_credential (pharmacy_id, gln, username, "
                                  "secret_encrypted, updated_at) VALUES (:b, 'x', 'x', 'x', now())"),
                             {"b": b})
    with tenant.acting_for(b), db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM its_credential")).scalar_one() == 1


def test_an_insert_of_a_b_row_acting_for_a_is_refused(db, pharmacies, world) -> None:  # type: ignore[no-untyped-def]
    with tenant.acting_for(pharmacies.pharmacy_id), db.begin() as conn, \
            pytest.raises(Exception, match="row-level security"):
        conn.execute(text("INSERT INTO audit_log (pharmacy_id, seq, at, name, payload, "
                          "prev_hash, hash) VALUES (:b, 999, 'x', 'x', '{}', 'x', 'x')"),
                     {"b": world.pharmacy_id})


def test_with_no_pharmacy_set_every_pharmacy_table_reads_empty(db, world) -> None:  # type: ignore[no-untyped-def]
    with tenant.acting_for(None), db.connect() as conn:
        assert conn.execute(text("SELECT current_setting('eczane.pharmacy_id', true)")
                            ).scalar() in (None, "")
        for name in TABLES:
            assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() == 0, name
