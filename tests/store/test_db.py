"""Transactions on SQLite: readers never wait for a writer; writers queue at BEGIN."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from eczane.store.core import pharmacy
from eczane.store.db import open_database


@pytest.fixture
def sqlite_db(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield database
    database.dispose()


def test_a_reader_sees_the_last_commit_while_a_writer_holds_its_transaction(sqlite_db):
    from eczane.store.users import create_pharmacy

    with sqlite_db.begin() as conn:
        create_pharmacy(conn, "Önceki", gln="8680001000001")
    with sqlite_db.begin() as writer:
        create_pharmacy(writer, "Yazılıyor", gln="8680001000018")
        started = time.monotonic()
        with sqlite_db.connect() as reader:  # same thread: a wait here would be a 30 s timeout
            names = [r.name for r in reader.execute(select(pharmacy.c.name))]
        assert time.monotonic() - started < 2
    assert names == ["Önceki"]  # a snapshot of the last commit, not the writer's rows


def test_a_second_writer_waits_for_the_first_and_both_land(sqlite_db):
    from eczane.store.users import create_pharmacy

    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait(5)
        with sqlite_db.begin() as conn:  # BEGIN IMMEDIATE: waits here for the first
            order.append("second")
            create_pharmacy(conn, "İkinci", gln="8680001000018")

    t = threading.Thread(target=second)
    t.start()
    with sqlite_db.begin() as conn:
        create_pharmacy(conn, "Birinci", gln="8680001000001")
        inside.set()
        time.sleep(0.3)
        order.append("first")
    t.join(10)
    assert order == ["first", "second"]
    with sqlite_db.connect() as conn:
        assert sorted(r.name for r in conn.execute(select(pharmacy.c.name))) == ["Birinci",
                                                                                 "İkinci"]


# ---- PostgreSQL: the pool pings a connection that sat idle, not a busy one ----------------

def _kill_app_backends(owner_url: str, app_url: str) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = :u AND datname = :d AND pid <> pg_backend_pid()"),
                {"u": make_url(app_url).username, "d": make_url(app_url).database}).all())
    finally:
        admin.dispose()


@pytest.fixture
def app_db(pg_server, pg_template):
    """(owner URL, the app role's URL, its Database) of a new PostgreSQL database."""
    from tests.conftest import APP_ROLE, as_role, new_pg_database

    owner = new_pg_database(pg_server, pg_template)
    database = open_database(as_role(owner, APP_ROLE), migrate_schema=False)
    yield owner, as_role(owner, APP_ROLE), database
    database.dispose()


@pytest.mark.pg
def test_a_connection_idle_past_the_limit_is_pinged_and_replaced_when_dead(app_db, monkeypatch):
    from sqlalchemy import text

    from eczane.store import db as dbmod

    owner, app_url, database = app_db
    with database.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    assert _kill_app_backends(owner, app_url) == 1
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE_S", 0.0)
    time.sleep(0.01)
    # the pooled connection is dead: the ping finds it and the pool connects anew
    with database.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


@pytest.mark.pg
def test_a_connection_broken_within_the_limit_fails_one_request_and_the_next_reconnects(
        app_db, monkeypatch):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from eczane.store import db as dbmod

    owner, app_url, database = app_db
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE_S", 3600.0)
    with database.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert _kill_app_backends(owner, app_url) == 1
    with pytest.raises(DBAPIError) as err, database.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert err.value.connection_invalidated
    with database.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


@pytest.mark.pg
def test_background_work_runs_its_postgresql_server_process_niced(app_db):
    """The import child and the worker lower their own server process's priority (here the
    server runs as a user the test may renice, as the hosted bench's does)."""
    import os

    from sqlalchemy import text

    from eczane.store.db import lower_backend_priority

    _owner, _url, database = app_db
    with database.connect() as conn:
        plain = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    assert os.getpriority(os.PRIO_PROCESS, plain) == 0
    database.dispose()
    lower_backend_priority(database, 7)
    with database.connect() as conn:
        niced = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        assert conn.execute(text("SELECT 1")).scalar_one() == 1   # still usable
    assert os.getpriority(os.PRIO_PROCESS, niced) == 7
