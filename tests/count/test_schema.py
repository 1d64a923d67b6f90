"""The 0003 migration creates exactly the count tables the code defines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from eczane.store.base import sqlite_parent_key_index
from eczane.store.tables import metadata


def test_the_migration_matches_the_count_table_definitions(db):
    with db.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    # SQLite's one difference (eczane.store.base): the unique (id, pharmacy_id) of a parent.
    sqlite_only = {sqlite_parent_key_index(name) for name in metadata.tables}
    assert [d for d in diffs if "count_" in repr(d)
            and not (d[0] == "remove_index" and d[1].name in sqlite_only)] == []


def test_at_most_one_active_row_per_pack_is_enforced_by_the_database(db, pharmacies):
    import pytest
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from eczane.store.count import count_scan, now_utc, open_session
    from tests.count.conftest import DEMO

    p = DEMO.on_shelf[0]
    with db.begin() as conn:
        sid = open_session(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "x")

    def row(cid: str, undone: bool = False) -> dict:  # type: ignore[type-arg]
        return {"pharmacy_id": pharmacies.pharmacy_id, "session_id": sid, "gtin": p.gtin,
                "serial": p.serial, "expiry": p.expiry, "batch": p.batch, "grp": "raf",
                "raw": "", "device_id": "d", "client_scan_id": cid,
                "user_id": pharmacies.alice_id, "scanned_at": now_utc(),
                "undone_at": now_utc() if undone else None}

    with db.begin() as conn:
        conn.execute(insert(count_scan), [row("a", undone=True), row("b", undone=True), row("c")])
    with pytest.raises(IntegrityError), db.begin() as conn:
        conn.execute(insert(count_scan), [row("d")])
    with pytest.raises(IntegrityError), db.begin() as conn:
        conn.execute(insert(count_scan), [row("c", undone=True)])


def test_the_migration_downgrades_and_upgrades_the_count_tables(tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from eczane.store.db import alembic_config, open_database

    url = f"sqlite:///{tmp_path / 'm.db'}"
    db = open_database(url)
    count_tables = {"count_session", "count_scan", "count_scan_rejected"}
    assert count_tables <= set(inspect(db.engine).get_table_names())
    cfg = alembic_config(url)
    for target, present in (("0002", False), ("head", True)):
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if target == "0002" else command.upgrade)(cfg, target)
        assert (count_tables <= set(inspect(db.engine).get_table_names())) is present
        assert not (count_tables & set(inspect(db.engine).get_table_names())) or present
    db.dispose()
