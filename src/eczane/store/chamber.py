"""What a chamber (eczacı odası) sees of its member pharmacies: counts, never packs.

For each member, one short read transaction inside ``tenant.acting_for(pharmacy_id)`` (on
PostgreSQL, row-level security shows that transaction only that pharmacy's rows), made of SQL
aggregates: the open (else last) count and how many packs it holds, the latest reconciliation's
bucket sizes, the notifications by status, and the dates the overdue rules need
(``eczane.domain.overdue``, thresholds in ``data/chamber/overdue.yaml``). No serial, GTIN or pack
row ever leaves this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, and_, bindparam, case, exists, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from eczane.domain.formatting import to_local
from eczane.domain.overdue import MemberSteps, Overdue, Thresholds, overdue_steps
from eczane.domain.reconcile import BUCKETS
from eczane.store import tenant
from eczane.store.core import chamber, pharmacy
from eczane.store.count.tables import count_scan, count_session
from eczane.store.db import Database
from eczane.store.outbox import submission, submission_pack
from eczane.store.reconcile.tables import reconciliation

THRESHOLDS_FILE = Path(__file__).parent.parent / "data" / "chamber" / "overdue.yaml"


@lru_cache(maxsize=2)
def load_thresholds(path: str = str(THRESHOLDS_FILE)) -> Thresholds:
    with open(path, encoding="utf-8") as fh:
        return Thresholds.parse(yaml.safe_load(fh))


@dataclass(frozen=True)
class Chamber:
    id: int
    name: str
    province: str


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    province: str
    district: str
    gln: str | None
    chamber_id: int | None = None


@dataclass(frozen=True)
class MemberProgress:
    """One row of the chamber page: counts and dates only."""

    member: Member
    count_name: str | None = None
    count_status: str | None = None
    """open | paused | closed of the open (else latest) count; None when never counted."""
    packs_counted: int = 0
    last_activity: datetime | None = None
    recon_at: datetime | None = None
    buckets: dict[str, int] = field(default_factory=dict)
    """Bucket → packs of the latest reconciliation (empty when there is none)."""
    submissions: dict[str, int] = field(default_factory=dict)
    """draft | approved | done | cancelled → notifications."""
    packs: dict[str, int] = field(default_factory=dict)
    """sent (to İTS at least once) | accepted | refused → packs of the notifications."""
    overdue: tuple[Overdue, ...] = ()


def get_chamber(conn: Connection, chamber_id: int) -> Chamber | None:
    row = conn.execute(select(chamber).where(chamber.c.id == chamber_id)).first()
    return None if row is None else Chamber(row.id, row.name, row.province)


def list_chambers(conn: Connection) -> list[Chamber]:
    return [Chamber(r.id, r.name, r.province)
            for r in conn.execute(select(chamber).order_by(chamber.c.name))]


def members(conn: Connection, chamber_id: int | None) -> list[Member]:
    """The pharmacies of one chamber (``None``: every pharmacy, for the admin), by name."""
    q = select(pharmacy).order_by(pharmacy.c.name, pharmacy.c.id)
    if chamber_id is not None:
        q = q.where(pharmacy.c.chamber_id == chamber_id)
    return [Member(r.id, r.name, r.province, r.district, r.gln, r.chamber_id)
            for r in conn.execute(q)]


def _latest(*stamps: Any) -> datetime | None:
    found = [t for t in (to_local(s) for s in stamps) if t is not None]
    return max(found) if found else None


def _day(ts: Any) -> date | None:
    local = to_local(ts)
    return None if local is None else local.date()


PID: BindParameter[int] = bindparam("pid")
SID: BindParameter[int] = bindparam("sid")


@lru_cache(maxsize=1)
def _statements() -> dict[str, Any]:
    """The per-member reads, built once with a ``:pid`` parameter (compiled once, then cached
    by SQLAlchemy: a chamber of hundreds of members does not rebuild them per member)."""
    later = aliased(submission_pack)
    return {
        "session": select(count_session.c.id, count_session.c.name, count_session.c.status)
        .where(count_session.c.pharmacy_id == PID)
        .order_by(case((count_session.c.status == "closed", 1), else_=0),
                  count_session.c.opened_at.desc(), count_session.c.id.desc()).limit(1),
        "scans": select(func.count().filter(count_scan.c.undone_at.is_(None)),
                        func.max(count_scan.c.scanned_at))
        .where(count_scan.c.pharmacy_id == PID, count_scan.c.session_id == SID),
        "opened": select(func.max(count_session.c.opened_at))
        .where(count_session.c.pharmacy_id == PID),
        "recon": select(reconciliation.c.created_at, reconciliation.c.counts)
        .where(reconciliation.c.pharmacy_id == PID)
        .order_by(reconciliation.c.created_at.desc(), reconciliation.c.id.desc()).limit(1),
        "subs": select(submission.c.status, func.count().label("n"),
                       func.min(case((submission.c.status == "draft", submission.c.created_at)))
                       .label("oldest_draft"))
        .where(submission.c.pharmacy_id == PID).group_by(submission.c.status),
        "packs": select(submission_pack.c.state, func.count().label("n"))
        .where(submission_pack.c.pharmacy_id == PID,
               submission_pack.c.state.in_(("accepted", "refused")))
        .group_by(submission_pack.c.state),
        "sent": select(func.count()).where(submission_pack.c.pharmacy_id == PID,
                                           submission_pack.c.attempts > 0),
        # A refused pack is handled once a later notification of the same pack exists.
        "unhandled": select(func.count(), func.min(submission_pack.c.last_attempt_at)).where(
            submission_pack.c.pharmacy_id == PID, submission_pack.c.state == "refused",
            ~exists().where(and_(later.c.pharmacy_id == PID,
                                 later.c.gtin == submission_pack.c.gtin,
                                 later.c.serial == submission_pack.c.serial,
                                 later.c.submission_id > submission_pack.c.submission_id))),
    }


def _count_part(conn: Connection, pid: int) -> dict[str, Any]:
    q = _statements()
    s = conn.execute(q["session"], {"pid": pid}).first()
    if s is None:
        return {}
    packs, last_scan = conn.execute(q["scans"], {"pid": pid, "sid": s.id}).one()
    opened = conn.execute(q["opened"], {"pid": pid}).scalar()
    return {"count_name": s.name, "count_status": s.status, "packs_counted": int(packs or 0),
            "last_activity": _latest(last_scan, opened)}


def _recon_part(conn: Connection, pid: int) -> dict[str, Any]:
    r = conn.execute(_statements()["recon"], {"pid": pid}).first()
    if r is None:
        return {}
    counts = r.counts or {}
    return {"recon_at": r.created_at,
            "buckets": {b.value: int(counts.get(b.value, 0)) for b in BUCKETS}}


def _notify_part(conn: Connection, pid: int) -> tuple[dict[str, Any], date | None, Any, int]:
    q = _statements()
    subs, oldest_draft = {}, None
    for row in conn.execute(q["subs"], {"pid": pid}):
        subs[row.status] = int(row.n)
        oldest_draft = row.oldest_draft if row.status == "draft" else oldest_draft
    packs = {row.state: int(row.n) for row in conn.execute(q["packs"], {"pid": pid})}
    packs["sent"] = int(conn.execute(q["sent"], {"pid": pid}).scalar() or 0)
    unhandled, first_refusal = conn.execute(q["unhandled"], {"pid": pid}).one()
    return ({"submissions": subs, "packs": packs}, _day(oldest_draft), first_refusal,
            int(unhandled or 0))


def member_progress(db: Database, member: Member, *, today: date,
                    limits: Thresholds | None = None) -> MemberProgress:
    """One member's row, read in one transaction acting for that pharmacy."""
    with tenant.acting_for(member.id), db.connect() as conn:
        count = _count_part(conn, member.id)
        recon = _recon_part(conn, member.id)
        notify, oldest_draft, first_refusal, unhandled = _notify_part(conn, member.id)
    steps = MemberSteps(last_count=_day(count.get("last_activity")), oldest_draft=oldest_draft,
                        oldest_unhandled_refusal=_day(first_refusal), unhandled_refused=unhandled)
    late = overdue_steps(steps, limits or load_thresholds(), today=today)
    return MemberProgress(member, **count, **recon, **notify, overdue=tuple(late))


def chamber_overview(db: Database, chamber_id: int, *, today: date) -> list[MemberProgress]:
    """Every member of the chamber, each read for itself (never another chamber's)."""
    with db.connect() as conn:
        found: Sequence[Member] = members(conn, chamber_id)
    return [member_progress(db, m, today=today) for m in found]
