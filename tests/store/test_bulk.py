"""Bulk inserts (``store/bulk.py``): every row lands once, errors stop everything, on both databases."""

from __future__ import annotations

import gc
import sqlite3
import sys
import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, PrimaryKeyConstraint, String, Table, select

from eczane.store import bulk
from eczane.store.bulk import bulk_insert, bulk_insert_chunks, bulk_mode, read_ahead

probe = Table(
    "bulk_probe", MetaData(),
    Column("batch_id", Integer, nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(20), nullable=False),
    Column("note", String(50), nullable=False),
    Column("row_no", Integer, nullable=False),
    PrimaryKeyConstraint("batch_id", "gtin", "serial"),
)
COLS = ("batch_id", "gtin", "serial", "note", "row_no")


@pytest.fixture
def table(db, db_owner_url):
    """The probe table, made by the owner (on PostgreSQL the app's role may not create one)."""
    from eczane.store.db import make_engine

    owner = make_engine(db_owner_url)
    probe.create(owner)
    yield probe
    probe.drop(owner)
    owner.dispose()


@pytest.fixture
def sqlite_table(tmp_path):
    """The probe table on SQLite only: the reader thread and the variable limit are SQLite's."""
    from eczane.store.db import open_database

    database = open_database(f"sqlite:///{tmp_path / 'bulk.sqlite3'}")
    probe.create(database.engine)
    try:
        yield database
    finally:
        database.dispose()


def rows_in(db):
    with db.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(probe)))


def make_rows(start, n):
    # keys out of order on purpose: key_first sorts each chunk
    return [(f"0869953{(i * 7919) % 1_000_003:07d}", f"S{i}", f"İĞ not {i}", i)
            for i in range(start, start + n)]


def no_reader_thread_left():
    return not [t for t in threading.enumerate() if t.name == "eczane-bulk-reader"]


@pytest.mark.parametrize("key_first", [False, True])
def test_every_row_lands_exactly_once_whatever_the_chunk_sizes(db, table, monkeypatch, key_first):
    # small statements so that chunks straddle statement boundaries in every way
    monkeypatch.setattr(bulk, "STATEMENT_ROWS", 7)
    monkeypatch.setattr(bulk, "TAIL_ROWS", 3)
    sizes = [1, 6, 0, 8, 7, 29, 2, 5]  # 58 rows: the last block has 2 rows (one-by-one tail)
    chunks, start = [], 0
    for n in sizes:
        chunks.append(make_rows(start, n))
        start += n
    expected = sorted((42, *r) for chunk in chunks for r in chunk)
    seen: list[int] = []
    with db.begin() as conn:
        n = bulk_insert_chunks(conn, table, COLS, (42,), iter(chunks), seen.append,
                               key_first=key_first)
    assert n == 58 == sum(seen)
    assert rows_in(db) == expected
    assert no_reader_thread_left()


def test_bulk_insert_takes_plain_rows_too(db, table):
    rows = make_rows(0, 1234)
    with db.begin() as conn:
        assert bulk_insert(conn, table, COLS, (7,), iter(rows), None) == 1234
    assert rows_in(db) == sorted((7, *r) for r in rows)


def test_a_low_sqlite_variable_limit_gives_smaller_statements(sqlite_table):
    db, table = sqlite_table, probe
    rows = make_rows(0, 23)
    with db.begin() as conn:
        raw = conn.connection.driver_connection
        old = raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 10)  # 4 per row: 2 rows a statement
        try:
            assert bulk_insert_chunks(conn, table, COLS, (1,), iter([rows]), None) == 23
        finally:
            raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, old)
    assert len(rows_in(db)) == 23


def test_an_error_in_the_rows_is_raised_here_and_the_transaction_keeps_nothing(db, table):
    def chunks():
        yield make_rows(0, 3000)
        yield make_rows(3000, 3000)
        raise ValueError("satır 6001 okunamadı")

    with pytest.raises(ValueError, match="6001"), db.begin() as conn:
        bulk_insert_chunks(conn, table, COLS, (1,), chunks(), None)
    assert rows_in(db) == []
    assert no_reader_thread_left()


def test_an_error_while_writing_stops_the_reader_before_it_reads_everything(sqlite_table):
    db, table = sqlite_table, probe
    taken = []

    def chunks():
        for i in range(10_000):  # far more than READ_AHEAD blocks: the reader must be stopped
            taken.append(i)
            rows = make_rows(i * 10, 2_500)
            if i == 0:
                rows[1] = rows[0]  # a repeated primary key: the first statement fails
            yield rows

    with pytest.raises(sqlite3.IntegrityError), db.begin() as conn:
        bulk_insert_chunks(conn, table, COLS, (1,), chunks(), None)
    assert no_reader_thread_left()
    assert len(taken) < 3 * bulk.READ_AHEAD
    assert rows_in(db) == []


def test_read_ahead_keeps_order_and_raises_where_the_items_failed():
    def items():
        yield from range(100)
        raise KeyError("sonra")

    got = []
    with pytest.raises(KeyError), read_ahead(items(), 3) as it:
        for x in it:
            got.append(x)
    assert got == list(range(100))
    assert no_reader_thread_left()


def test_leaving_read_ahead_early_stops_the_thread():
    produced = []

    def items():
        for i in range(1_000_000):
            produced.append(i)
            yield i

    with read_ahead(items(), 2) as it:
        assert next(it) == 0
    assert no_reader_thread_left()
    assert len(produced) < 10


def test_bulk_mode_turns_gc_off_shortens_the_switch_interval_and_restores_both():
    assert gc.isenabled()
    interval = sys.getswitchinterval()
    with bulk_mode():
        assert not gc.isenabled()
        assert sys.getswitchinterval() == pytest.approx(min(bulk.SWITCH_INTERVAL, interval))
        with bulk_mode():  # a nested import does not restore them early
            assert not gc.isenabled()
        assert not gc.isenabled()
        assert sys.getswitchinterval() < interval
    assert gc.isenabled()
    assert sys.getswitchinterval() == interval
    with pytest.raises(RuntimeError), bulk_mode():
        raise RuntimeError("refused half-way")
    assert gc.isenabled() and sys.getswitchinterval() == interval
    gc.disable()
    try:
        with bulk_mode():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
