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
