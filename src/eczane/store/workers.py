"""Installation-wide: the sending workers' heartbeats (``eczane worker``, issue 15).

Each running worker keeps one row, keyed by its name (``host:pid`` unless given), and updates
``seen_at`` on every loop; it deletes its row on a graceful exit. The readiness endpoint
(``/saglik/hazir``) reads the newest ``seen_at``. The table holds no pharmacy data, so it has no
``pharmacy_id`` and no row-level security.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    String,
    Table,
    delete,
    func,
    select,
    update,
)

from eczane.store.base import installation_table, metadata

worker_heartbeat = Table(
    "worker_heartbeat",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("host", String(120), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    info=installation_table("a worker process serves every pharmacy"),
)


def beat(conn: Connection, *, name: str, host: str, pid: int, started_at: datetime,
         now: datetime) -> None:
    """Record that worker ``name`` is alive at ``now`` (insert on its first beat)."""
    res = conn.execute(update(worker_heartbeat).where(worker_heartbeat.c.name == name)
                       .values(seen_at=now, host=host, pid=pid, started_at=started_at))
    if res.rowcount == 0:
        conn.execute(worker_heartbeat.insert().values(name=name, host=host, pid=pid,
                                                      started_at=started_at, seen_at=now))


def forget(conn: Connection, name: str) -> None:
    """A worker that stops gracefully removes its row."""
    conn.execute(delete(worker_heartbeat).where(worker_heartbeat.c.name == name))


def last_seen(conn: Connection) -> datetime | None:
    """The newest heartbeat of any worker, or None when no worker ever beat (or all left)."""
    value: datetime | None = conn.execute(select(func.max(worker_heartbeat.c.seen_at))).scalar()
    return value


def seconds_since_seen(conn: Connection, now: datetime) -> float | None:
    """Seconds since any worker last beat at ``now`` (aware), or None when none is known."""
    seen = last_seen(conn)
    if seen is None:
        return None
    if seen.tzinfo is None:  # SQLite gives back naive UTC
        seen = seen.replace(tzinfo=UTC)
    return (now - seen).total_seconds()
