"""Bulk inserts for imports: ``COPY`` on PostgreSQL, large multi-row ``INSERT`` on SQLite.

Used by the İTS stock and on-hand imports (``store/catalog.py``), where 300,000 rows must land
in a few seconds inside the caller's transaction.

On SQLite the work is split between two threads, because the Python row loop and SQLite's
B-tree work can overlap: a reader thread runs the caller's row iterator (the importer's parsing
and checks) and packs the rows into statement-sized blocks; the calling thread only executes the
statements, on its own connection, in its own transaction. ``sqlite3`` releases the GIL while a
statement runs, so one block is written while the next is read. Statements are large (up to
``STATEMENT_ROWS`` rows) so that each one runs long without the GIL, and ``bulk_mode`` shortens
the interpreter's switch interval so that the writer gets the GIL back quickly between them.
"""

from __future__ import annotations

import gc
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from typing import Any, TypeVar

from sqlalchemy import Connection, Table

from eczane.store import rls

T = TypeVar("T")

CHUNK = 20_000
STATEMENT_ROWS = 2_500
"""SQLite: rows per ``INSERT … VALUES (…), (…), …`` statement, capped by the connection's
variable limit (``SQLITE_LIMIT_VARIABLE_NUMBER``). Measured on the 300,000-row bench file
(``bench/its_import.py``): 10 rows per statement with the reader in the same thread took 2.96 s
end to end; 2,500 rows per statement with the reader thread, 2.41 s."""
TAIL_ROWS = 10
"""Rows per statement for the last, short block of an import."""
READ_AHEAD = 4
"""Blocks the reader thread may prepare ahead of the writer (bounds the extra memory)."""
SWITCH_INTERVAL = 0.0005
"""Seconds; ``sys.setswitchinterval`` during ``bulk_mode`` (Python's default is 0.005). The
writer waits for the GIL after every statement while the reader thread runs Python code; with
the default it waited up to 5 ms each time (measured: 2.62 s against 2.44 s for the bench file)."""

_mode_lock = threading.Lock()
_mode_depth = 0
_mode_gc_was_enabled = True
_mode_switch_was = 0.005


@contextmanager
def bulk_mode() -> Iterator[None]:
    """No cyclic garbage collection and a short GIL switch interval for the few seconds of a
    large import (both restored after).

    The row loop creates no reference cycles, but 300,000 live row tuples (and the reader's
    key dict) made the collector walk the heap again and again: measured on the 300,000-row
    bench file, 3.5 s of import CPU with the collector on and 2.95 s with it off. The switch
    interval: see ``SWITCH_INTERVAL``. Both are process-wide (Python has no per-thread switch);
    nested or concurrent imports share one save/restore.
    """
    global _mode_depth, _mode_gc_was_enabled, _mode_switch_was
    with _mode_lock:
        if _mode_depth == 0:
            _mode_gc_was_enabled = gc.isenabled()
            _mode_switch_was = sys.getswitchinterval()
            gc.disable()
            sys.setswitchinterval(min(SWITCH_INTERVAL, _mode_switch_was))
        _mode_depth += 1
    try:
        yield
    finally:
        with _mode_lock:
            _mode_depth -= 1
            if _mode_depth == 0:
                sys.setswitchinterval(_mode_switch_was)
                if _mode_gc_was_enabled:
                    gc.enable()


def bulk_insert(conn: Connection, table: Table, cols: Sequence[str], fixed: Sequence[int],
                rows: Iterable[tuple[Any, ...]], progress: Callable[[int], None] | None) -> int:
    """Insert tuples fast: COPY on PostgreSQL, large multi-row INSERTs on SQLite.

    ``fixed`` are the leading integer columns every row shares (snapshot id, pharmacy id); they
    are written into the statement so that rows need not be rebuilt. Dates must be ISO text.
    """
    it = iter(rows)
    return bulk_insert_chunks(conn, table, cols, fixed, iter(lambda: list(islice(it, CHUNK)), []),
                              progress)


def bulk_insert_chunks(conn: Connection, table: Table, cols: Sequence[str], fixed: Sequence[int],
                       chunks: Iterable[list[tuple[Any, ...]]],
                       progress: Callable[[int], None] | None, *, key_first: bool = False) -> int:
    """``bulk_insert`` for rows that already come in lists (the İTS stock reader's chunks).

    ``key_first``: the columns after ``fixed`` start with the rest of the table's primary key
    (``gtin, serial``), and the rows of a chunk may be stored in any order. SQLite then gets each
    chunk sorted, so the primary-key index is filled in runs instead of at random places
    (measured: ~15 % less SQLite CPU for 300,000 İTS packs; the sort costs less than it saves).
    The lists are sorted in place.

    On SQLite, ``chunks`` is iterated in a reader thread (module docstring): it must not use
    ``conn``. An exception raised by it is raised here, after the reader has stopped; one raised
    while writing stops the reader. Either way nothing is left running, and the caller's
    transaction decides what is kept.
    """
    if conn.dialect.name == "postgresql":
        return _copy_postgresql(conn, table, cols, fixed, chunks, progress)
    raw_conn = conn.connection.driver_connection
    assert isinstance(raw_conn, sqlite3.Connection)
    width = len(cols) - len(fixed)
    limit = raw_conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    size = max(1, min(STATEMENT_ROWS, limit // width))
    values = "(" + ", ".join([str(int(v)) for v in fixed] + ["?"] * width) + ")"
    head = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES "

    def sql(rows: int) -> str:
        return head + ", ".join([values] * rows)

    sql_block, sql_tail, sql_one = sql(size), sql(min(TAIL_ROWS, size)), sql(1)
    tail_width = width * min(TAIL_ROWS, size)
    n = 0
    cur = raw_conn.cursor()
    before = cur.execute("PRAGMA cache_size").fetchone()[0]
    cur.execute("PRAGMA cache_size=-65536")  # 64 MB while we fill a table and its index
    try:
        with read_ahead(_blocks(chunks, size, key_first), READ_AHEAD) as blocks:
            for rows, flat in blocks:
                if rows == size:
                    cur.execute(sql_block, flat)
                else:  # the last block: ten rows per statement, then one by one
                    full = len(flat) // tail_width * tail_width
                    cur.executemany(sql_tail, [flat[i:i + tail_width]
                                               for i in range(0, full, tail_width)])
                    cur.executemany(sql_one, [flat[i:i + width]
                                              for i in range(full, len(flat), width)])
                n += rows
                if progress is not None:
                    progress(rows)
    finally:
        cur.execute(f"PRAGMA cache_size={int(before)}")
        cur.close()
    return n


def _blocks(chunks: Iterable[list[tuple[Any, ...]]], size: int,
            key_first: bool) -> Iterator[tuple[int, list[Any]]]:
    """``(rows, flat parameters)`` of exactly ``size`` rows each, the last one possibly fewer."""
    carry: list[tuple[Any, ...]] = []
    for chunk in chunks:
        if key_first:
            chunk.sort()
        rows = carry + chunk if carry else chunk
        full = len(rows) // size * size
        for i in range(0, full, size):
            yield size, list(chain.from_iterable(rows[i:i + size]))
        carry = rows[full:]
    if carry:
        yield len(carry), list(chain.from_iterable(carry))


_DONE = object()


@contextmanager
def read_ahead(items: Iterable[T], depth: int) -> Iterator[Iterator[T]]:
    """Iterate ``items`` in a background thread, up to ``depth`` items ahead of the caller.

    The caller gets an iterator of the same items, in order. An exception from ``items`` is
    raised in the caller when it reaches that point. When the caller leaves the ``with`` block
    (finished, or by an exception of its own), the background thread is stopped and joined
    before the block exits, so ``items`` is never touched after that.
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    failure: list[BaseException] = []

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            failure.append(exc)
        put(_DONE)

    def consume() -> Iterator[T]:
        while (item := q.get()) is not _DONE:
            yield item
        if failure:
            raise failure[0]

    thread = threading.Thread(target=produce, name="eczane-bulk-reader", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()


def _copy_postgresql(conn: Connection, table: Table, cols: Sequence[str], fixed: Sequence[int],
                     chunks: Iterable[list[tuple[Any, ...]]],
                     progress: Callable[[int], None] | None) -> int:
    n = 0
    raw = conn.connection.driver_connection
    assert raw is not None
    head = tuple(int(v) for v in fixed)
    names = ", ".join(cols)
    target = table.name
    # PostgreSQL refuses COPY FROM into a table with row-level security (every pharmacy table,
    # eczane.store.rls): COPY into a temporary table, then INSERT … SELECT, which the tenant
    # policy's WITH CHECK sees (a row of another pharmacy fails the whole import).
    guarded = "pharmacy_id" in table.c and table.name not in rls.EXCEPTIONS
    if guarded:
        target = f"eczane_bulk_{table.name}"
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{target}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {target} ON COMMIT DROP AS "
                             f"SELECT {names} FROM {table.name} WITH NO DATA")
    # Chunk by chunk (COPY; for a guarded table INSERT … SELECT and TRUNCATE): the database's
    # share of the work comes as the rows are read, at the pace of the process that reads them
    # (an import in the background runs niced, ECZANE_BACKGROUND_NICE), instead of in one
    # statement of seconds at the end that took a whole core from the scans
    # (bench/hosted_load.py, issue 15).
    for chunk in chunks:
        with raw.cursor() as cur, cur.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for r in chunk:
                copy.write_row(head + r)
        if guarded:
            conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {target}")
            conn.exec_driver_sql(f"TRUNCATE pg_temp.{target}")
        n += len(chunk)
        if progress is not None:
            progress(len(chunk))
    if guarded:
        conn.exec_driver_sql(f"DROP TABLE pg_temp.{target}")
    return n
