"""The audit log's hash chain: every approval, submission, result and override is an event,
and each event's hash covers the previous one, so that editing or deleting a row is detectable.

>>> e1 = chain_hash("", AuditRecord(1, 1, "2026-11-23T08:00:00+00:00", 5, "count.closed", {"session": 3}))
>>> len(e1)
64
>>> verify_chain([]).ok
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = ""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit event as stored (without its hash)."""

    pharmacy_id: int
    seq: int
    """1, 2, 3… per pharmacy, no gaps."""
    at: str
    """ISO 8601 timestamp with offset."""
    user_id: int | None
    name: str
    """Stable event name, e.g. ``count.closed``, ``submission.approved``, ``pack.override``."""
    payload: Mapping[str, Any]


def canonical(record: AuditRecord) -> bytes:
    """A byte string that is the same on every database and Python version."""
    body = {
        "pharmacy_id": record.pharmacy_id,
        "seq": record.seq,
        "at": record.at,
        "user_id": record.user_id,
        "name": record.name,
        "payload": record.payload,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode()


def chain_hash(prev_hash: str, record: AuditRecord) -> str:
    """sha256(prev_hash ‖ canonical(record)) as hex."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(record)).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    message: str = ""


def verify_chain(rows: Iterable[tuple[AuditRecord, str, str]]) -> ChainCheck:
    """Check ``(record, prev_hash, hash)`` rows of one pharmacy in ``seq`` order.

    Returns ``ok=False`` with the first bad sequence number and a Turkish message when a row was
    changed, removed or inserted.
    """
    expected_prev = GENESIS
    expected_seq = 1
    n = 0
    for record, prev_hash, stored in rows:
        n += 1
        if record.seq != expected_seq:
            return ChainCheck(False, n, record.seq,
                              f"Denetim kaydı {expected_seq} eksik (sonraki kayıt {record.seq}).")
        if prev_hash != expected_prev or chain_hash(prev_hash, record) != stored:
            return ChainCheck(False, n, record.seq,
                              f"Denetim kaydı {record.seq} değiştirilmiş: özet tutmuyor.")
        expected_prev = stored
        expected_seq += 1
    return ChainCheck(True, n, None, f"{n} denetim kaydı doğrulandı, zincir sağlam.")
