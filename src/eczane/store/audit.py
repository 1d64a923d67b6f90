"""Append-only audit log (table ``audit_log``), hash-chained per pharmacy.

Write the audit row before the side effect and complete it after (STYLE §4): callers append in
the same transaction as the change they record. ``verify(conn, pharmacy_id)`` re-computes the
chain (``eczane audit verify``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    insert,
    select,
)

from eczane.domain.audit import GENESIS, AuditRecord, ChainCheck, chain_hash, verify_chain
from eczane.store.base import metadata, tenant_table

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", String(40), nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("name", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("id", "pharmacy_id", name="pk_audit_log"),
    UniqueConstraint("pharmacy_id", "seq", name="uq_audit_log_pharmacy_seq"),
    info=tenant_table(),
)


def append_event(conn: Connection, pharmacy_id: int, user_id: int | None, name: str,
                 payload: Mapping[str, Any], *, at: datetime | None = None) -> int:
    """Append one event; returns its sequence number. Call inside the transaction of the change.

    Concurrent appenders: the unique (pharmacy_id, seq) constraint makes a racing writer fail
    rather than fork the chain; on PostgreSQL we also lock the pharmacy row first, ``FOR NO
    KEY UPDATE``: it queues the pharmacy's appenders, yet leaves the row's key to the foreign
    key checks of other writers (``FOR UPDATE`` made every scan of that pharmacy, and with it
    its writer's whole batch, wait for the end of a long transaction such as a 300,000-row
    import: one second without answers in ``bench/hosted_load.py``).
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT id FROM pharmacy WHERE id = %s FOR NO KEY UPDATE", (pharmacy_id,))
    last = conn.execute(
        select(audit_log.c.seq, audit_log.c.hash)
        .where(audit_log.c.pharmacy_id == pharmacy_id)
        .order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq = 1 if last is None else int(last.seq) + 1
    prev = GENESIS if last is None else str(last.hash)
    stamp = (at or datetime.now(UTC)).isoformat()
    record = AuditRecord(pharmacy_id, seq, stamp, user_id, name, dict(payload))
    conn.execute(insert(audit_log).values(
        pharmacy_id=pharmacy_id, seq=seq, at=stamp, user_id=user_id, name=name,
        payload=dict(payload), prev_hash=prev, hash=chain_hash(prev, record)))
    return seq


def iter_events(conn: Connection, pharmacy_id: int) -> Iterator[tuple[AuditRecord, str, str]]:
    rows = conn.execute(select(audit_log).where(audit_log.c.pharmacy_id == pharmacy_id)
                        .order_by(audit_log.c.seq))
    for r in rows:
        yield AuditRecord(r.pharmacy_id, r.seq, r.at, r.user_id, r.name, r.payload), r.prev_hash, r.hash


def verify(conn: Connection, pharmacy_id: int) -> ChainCheck:
    return verify_chain(iter_events(conn, pharmacy_id))
