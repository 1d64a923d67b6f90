"""Engine creation and migrations.

``open_database(url)`` returns a ``Database`` with a migrated schema. On SQLite we set WAL
journal mode and ``synchronous=FULL`` so that a committed (acknowledged) write survives a
power cut, ``foreign_keys=ON`` and a busy timeout for several writers (devices counting at once).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from eczane.store import tenant

log = logging.getLogger(__name__)
ALEMBIC_DIR = Path(__file__).parent / "alembic"
READ_ONLY = "eczane_read_only"
"""Execution option set by ``Database.connect`` (SQLite: a deferred BEGIN, see ``make_engine``)."""
PING_AFTER_IDLE_S = 10.0
"""PostgreSQL: seconds in the pool after which a connection is pinged before it is used."""


def make_engine(url: str) -> Engine:
    """Create an engine with the pragmas/options this app relies on."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            private_sqlite_file(Path(u.database))
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # Let SQLAlchemy/us control transactions (BEGIN IMMEDIATE for writers).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # Readers (``Database.connect``) take a deferred transaction: a WAL snapshot that
            # never waits for a writer. Writers take the write lock at BEGIN, so that two of
            # them queue on busy_timeout instead of failing on a read→write upgrade.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        # A connection that waited in the pool more than PING_AFTER_IDLE_S is pinged before
        # use (a restarted server, a proxy that drops idle sockets); a busy one is not: a ping
        # on every checkout was a round trip more per scan batch and per login check. A
        # connection broken within that time fails its one request, and the pool then drops
        # all its connections (SQLAlchemy's disconnect handling).
        since = record.info.pop("idle_since", None)
        if since is not None and time.monotonic() - since > PING_AFTER_IDLE_S:
            try:
                engine.dialect.do_ping(dbapi_conn)
            except engine.dialect.loaded_dbapi.Error as err:
                raise DisconnectionError() from err  # the pool takes a fresh connection

    @event.listens_for(engine, "begin")
    def _tenant(conn):  # type: ignore[no-untyped-def]
        # The one place a PostgreSQL transaction learns its pharmacy (eczane.store.tenant);
        # transaction-local, so a pooled connection never carries it to the next request.
        pharmacy_id = tenant.current()
        if pharmacy_id is not None:
            conn.exec_driver_sql(set_local(pharmacy_id))

    return engine


def act_in_transaction(conn: Connection, pharmacy_id: int) -> None:
    """Act for ``pharmacy_id`` for the rest of an open transaction, for installation-wide work
    that learns the pharmacy inside it (a restore reads it from the file). PostgreSQL only:
    on SQLite the store's queries name the pharmacy themselves.

    Refused (``PermissionError``) while acting for another pharmacy: a request never switches.
    """
    acting = tenant.current()
    if acting is not None and acting != pharmacy_id:
        raise PermissionError(f"acting for pharmacy {acting}, not {pharmacy_id}")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(set_local(pharmacy_id))


def set_local(pharmacy_id: int) -> str:
    """``SET LOCAL eczane.pharmacy_id = '<id>'``: the transaction's pharmacy (PostgreSQL).

    ``SET LOCAL`` rather than ``set_config(…, true)`` (the same inside one server) because Citus
    forwards ``SET LOCAL`` to the worker nodes of a distributed transaction
    (``citus.propagate_set_commands = 'local'``, docs/scaling.md). ``SET`` takes no bind
    parameter: the id is formatted as an integer, so nothing but digits reaches the SQL.

    >>> set_local(42)
    "SET LOCAL eczane.pharmacy_id = '42'"
    """
    return f"SET LOCAL {tenant.SETTING} = '{int(pharmacy_id)}'"


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite file 0600 (it holds password hashes and the stock), or take group and
    world access off an existing one and its -wal/-shm files. SQLite gives the -wal and -shm
    files it creates the main file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is a valid db
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = p.stat().st_mode & 0o777
            if mode & 0o077:
                p.chmod(mode & 0o700)
        except (FileNotFoundError, PermissionError):
            pass


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass
class Database:
    """A migrated database: the engine plus helpers for transactions."""

    engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed on success, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """For reading: nothing done here is committed (the transaction is rolled back at the
        end). On SQLite it never waits for a writer, e.g. a page while an import runs."""
        with self.engine.connect() as conn:
            yield conn.execution_options(**{READ_ONLY: True})

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, migrate_schema: bool = True,
                  migrate_url: str | None = None) -> Database:
    """The database at ``url``, its schema brought up to date first.

    Hosted mode (PostgreSQL): the app connects as a restricted role (``url``) that may not
    create tables; ``migrate_url`` (``ECZANE_MIGRATE_DATABASE_URL``) is the owner's URL the
    migrations run as. Without it the migrations run as ``url`` (a no-op when current).
    """
    engine = make_engine(url)
    if migrate_schema:
        if migrate_url and migrate_url != url:
            owner = make_engine(migrate_url)
            try:
                migrate(owner)
            finally:
                owner.dispose()
        else:
            migrate(engine)
    return Database(engine)


def lower_backend_priority(database: Database, nice: int) -> None:
    """Make the PostgreSQL server processes serving ``database``'s connections ``nice`` nice,
    for background work (an import in its child process, the sending worker): their share of
    the database's CPU then goes to the scans first, as the processes' own niceness does for
    theirs (``ECZANE_BACKGROUND_NICE``).

    Only where it can work: a server on this machine (loopback or a Unix socket; the process
    checked to be PostgreSQL's), on Linux, and allowed: the same user as the server, or the
    ``CAP_SYS_NICE`` capability (``deploy/``). Otherwise nothing is changed, and said once in
    the log. Measured with ``bench/hosted_load.py`` (issue 15).
    """
    engine = database.engine
    if nice <= 0 or engine.dialect.name != "postgresql" or not sys.platform.startswith("linux"):
        return
    host = engine.url.host or ""
    if host not in ("", "localhost", "127.0.0.1", "::1") and not host.startswith("/"):
        return
    said: list[bool] = []

    @event.listens_for(engine, "connect")
    def _renice(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = int(cur.fetchone()[0])
        dbapi_conn.rollback()
        try:
            if not Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"postgres"):
                return
            os.setpriority(os.PRIO_PROCESS, pid, max(nice, os.getpriority(os.PRIO_PROCESS, pid)))
        except OSError as exc:
            if not said:
                said.append(True)
                log.info("PostgreSQL server process left at its priority: %s", exc)
