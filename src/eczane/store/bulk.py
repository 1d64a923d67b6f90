"""Bulk inserts for imports: ``COPY`` on PostgreSQL, chunked ``executemany`` on SQLite.

Used by the İTS stock and on-hand imports (``store/catalog.py``), where 300,000 rows must land
in a few seconds inside the caller's transaction.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from typing import Any

from sqlalchemy import Connection, Table

CHUNK = 20_000
ROWS_PER_STATEMENT = 10
"""SQLite: rows per ``INSERT … VALUES (…), (…)`` (measured: ~15 % less CPU than one row per
statement for 300,000 İTS packs; more rows per statement gained nothing more)."""
_mode_lock = threading.Lock()
_mode_depth = 0
_mode_gc_was_enabled = True


@contextmanager
def bulk_mode() -> Iterator[None]:
    """No cyclic garbage collection for the few seconds of a large import (restored after).

    The row loop creates no reference cycles, but 300,000 live row tuples (and the reader's
    key dict) made the collector walk the heap again and again: measured on the 300,000-row
    bench file, 3.5 s of import CPU with the collector on and 2.95 s with it off. Process-wide
    (Python has no per-thread switch); nested or concurrent imports share one save/restore.
    """
    global _mode_depth, _mode_gc_was_enabled
    with _mode_lock:
        if _mode_depth == 0:
            _mode_gc_was_enabled = gc.isenabled()
            gc.disable()
        _mode_depth += 1
    try:
        yield
    finally:
        with _mode_lock:
            _mode_depth -= 1
            if _mode_depth == 0 and _mode_gc_was_enabled:
                gc.enable()


def bulk_insert(conn: Connection, table: Table, cols: Sequence[str], fixed: Sequence[int],
                rows: Iterable[tuple[Any, ...]], progress: Callable[[int], None] | None) -> int:
    """Insert tuples fast: COPY on PostgreSQL, chunked executemany on SQLite.

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
    """
    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        head = tuple(int(v) for v in fixed)
        with raw.cursor() as cur, cur.copy(
                f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for chunk in chunks:
                for r in chunk:
                    copy.write_row(head + r)
                n += len(chunk)
                if progress is not None:
                    progress(len(chunk))
        return n
    values = "(" + ", ".join([str(int(v)) for v in fixed] + ["?"] * (len(cols) - len(fixed))) + ")"
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES {values}"
    sql_multi = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES " + ", ".join(
        [values] * ROWS_PER_STATEMENT)
    width = (len(cols) - len(fixed)) * ROWS_PER_STATEMENT
    raw_conn = conn.connection.driver_connection
    assert raw_conn is not None
    cur = raw_conn.cursor()
    before = cur.execute("PRAGMA cache_size").fetchone()[0]
    cur.execute("PRAGMA cache_size=-65536")  # 64 MB while we fill a table and its index
    try:
        for chunk in chunks:
            if key_first:
                chunk.sort()
            full = len(chunk) // ROWS_PER_STATEMENT * ROWS_PER_STATEMENT
            if full:
                flat = list(chain.from_iterable(chunk[:full] if full < len(chunk) else chunk))
                cur.executemany(sql_multi, [flat[i:i + width] for i in range(0, len(flat), width)])
            if full < len(chunk):
                cur.executemany(sql, chunk[full:])
            n += len(chunk)
            if progress is not None:
                progress(len(chunk))
    finally:
        cur.execute(f"PRAGMA cache_size={int(before)}")
        cur.close()
    return n
