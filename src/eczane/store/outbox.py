"""The İTS outbox: submissions, their packs and batches (with worker leases), İTS credentials.

A submission (who, when, which packs, which kind) is recorded and approved before anything is
sent. Each pack has a state (``eczane.domain.notify.PackState``). A pack may be in at most one
live deactivation: ``deact_lock`` is 1 while a deactivation/expiry pack is not refused or dropped,
NULL otherwise, and (pharmacy_id, gtin, serial, deact_lock) is unique (NULLs never collide, on
SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    update,
)

from eczane.domain.notify import Kind, PackState, batches
from eczane.store import tenant
from eczane.store.base import metadata, tenant_table

submission = Table(
    "submission",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # deactivation | acceptance | expiry
    Column("reason_code", String(2), nullable=False, server_default=""),
    Column("description", String(100), nullable=False, server_default=""),
    Column("recon_id", Integer, nullable=True),
    Column("recon_today", Date, nullable=True),
    Column("recon_at", DateTime(timezone=True), nullable=True),
    Column("created_by", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("approved_by", Integer, ForeignKey("app_user.id"), nullable=True),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    Column("confirmation_text", String(100), nullable=True),
    Column("status", String(20), nullable=False),  # draft | approved | done | cancelled
    Column("pack_count", Integer, nullable=False),
    Column("ref_submission_id", Integer, nullable=True),  # a cancel: the deactivation it undoes
    PrimaryKeyConstraint("id", "pharmacy_id", name="pk_submission"),
    info=tenant_table(),
)

submission_pack = Table(
    "submission_pack",
    metadata,
    Column("submission_id", Integer, nullable=False),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(20), nullable=False),
    Column("expiry", Date, nullable=True),
    Column("batch", String(20), nullable=False, server_default=""),
    Column("product_name", String(200), nullable=False, server_default=""),
    Column("state", String(10), nullable=False),
    Column("result_code", String(5), nullable=True),
    Column("result_text", String(300), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_attempt_at", DateTime(timezone=True), nullable=True),
    Column("batch_key", String(40), nullable=True),
    Column("notification_id", String(40), nullable=True),
    Column("deact_lock", Integer, nullable=True),
    PrimaryKeyConstraint("submission_id", "gtin", "serial", "pharmacy_id",
                         name="pk_submission_pack"),
    ForeignKeyConstraint(["submission_id", "pharmacy_id"],
                         ["submission.id", "submission.pharmacy_id"],
                         name="fk_submission_pack_submission_id_submission"),
    UniqueConstraint("pharmacy_id", "gtin", "serial", "deact_lock",
                     name="uq_submission_pack_live_deactivation"),
    info=tenant_table(),
)
Index("ix_submission_pack_batch", submission_pack.c.submission_id, submission_pack.c.batch_key)

submission_batch = Table(
    "submission_batch",
    metadata,
    Column("submission_id", Integer, nullable=False),
    Column("batch_key", String(40), nullable=False),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("status", String(10), nullable=False),  # open | done
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("lease_owner", String(80), nullable=True),
    Column("lease_until", DateTime(timezone=True), nullable=True),
    Column("sends", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("submission_id", "batch_key", "pharmacy_id", name="pk_submission_batch"),
    ForeignKeyConstraint(["submission_id", "pharmacy_id"],
                         ["submission.id", "submission.pharmacy_id"],
                         name="fk_submission_batch_submission_id_submission"),
    info=tenant_table(),
)
Index("ix_submission_batch_due", submission_batch.c.status, submission_batch.c.due_at)

its_credential = Table(
    "its_credential",
    metadata,
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), primary_key=True),
    Column("gln", String(13), nullable=False),
    Column("username", String(40), nullable=False),
    Column("secret_encrypted", LargeBinary, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # İTS refused these credentials at login (eczane.its.client.ItsLoginRefused): when and
    # İTS's words; sending waits until the pharmacist saves new ones (migration 0015)
    Column("login_refused_at", DateTime(timezone=True), nullable=True),
    Column("login_refused_text", String(300), nullable=True),
    info=tenant_table(),
)


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NewPack:
    gtin: str
    serial: str
    expiry: date | None
    batch: str
    product_name: str = ""


class DuplicateLivePack(Exception):
    """A pack is already in another live deactivation submission."""

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(keys)} kutu başka bir bekleyen deaktivasyon bildiriminde: "
                         + ", ".join(f"{g}/{s}" for g, s in keys[:5]))
        self.keys = keys


def live_deactivation_keys(conn: Connection, pharmacy_id: int,
                           keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    wanted = set(keys)
    rows = conn.execute(select(submission_pack.c.gtin, submission_pack.c.serial).where(
        submission_pack.c.pharmacy_id == pharmacy_id, submission_pack.c.deact_lock == 1))
    return sorted((r.gtin, r.serial) for r in rows if (r.gtin, r.serial) in wanted)


def create_submission(conn: Connection, *, pharmacy_id: int, kind: str, reason_code: str,
                      packs: Sequence[NewPack], created_by: int, recon_id: int | None = None,
                      recon_today: date | None = None, recon_at: datetime | None = None,
                      description: str = "", ref_submission_id: int | None = None) -> int:
    """Record a draft submission with its packs. Raises ``DuplicateLivePack``."""
    k = Kind(kind)
    if k.is_deactivation:
        clash = live_deactivation_keys(conn, pharmacy_id, ((p.gtin, p.serial) for p in packs))
        if clash:
            raise DuplicateLivePack(clash)
    res = conn.execute(insert(submission).values(
        pharmacy_id=pharmacy_id, kind=k.value, reason_code=reason_code, description=description,
        recon_id=recon_id, recon_today=recon_today, recon_at=recon_at, created_by=created_by,
        created_at=now_utc(), status="draft", pack_count=len(packs),
        ref_submission_id=ref_submission_id))
    sid = int(res.inserted_primary_key[0])  # type: ignore[index]
    lock = 1 if k.is_deactivation else None
    seen: set[tuple[str, str]] = set()
    rows = []
    for p in packs:
        if (p.gtin, p.serial) in seen:
            continue
        seen.add((p.gtin, p.serial))
        rows.append(dict(submission_id=sid, pharmacy_id=pharmacy_id, gtin=p.gtin,
                         serial=p.serial, expiry=p.expiry, batch=p.batch,
                         product_name=p.product_name, state=PackState.PENDING.value,
                         attempts=0, deact_lock=lock))
    for chunk in batches(rows, 5000):
        conn.execute(insert(submission_pack), chunk)
    if len(rows) != len(packs):
        conn.execute(update(submission).where(submission.c.id == sid).values(pack_count=len(rows)))
    return sid


def get_submission(conn: Connection, submission_id: int) -> Any:
    return conn.execute(select(submission).where(submission.c.id == submission_id,
                                                 tenant.scoped(submission))).first()


def list_submissions(conn: Connection, pharmacy_id: int, limit: int = 50) -> list[Any]:
    return list(conn.execute(select(submission).where(submission.c.pharmacy_id == pharmacy_id)
                             .order_by(submission.c.id.desc()).limit(limit)))


def state_counts(conn: Connection, submission_id: int) -> dict[str, int]:
    rows = conn.execute(select(submission_pack.c.state, func.count()).where(
        submission_pack.c.submission_id == submission_id).group_by(submission_pack.c.state))
    counts = {s.value: 0 for s in PackState}
    counts.update({r[0]: int(r[1]) for r in rows})
    return counts


def submission_packs(conn: Connection, submission_id: int, *, states: Sequence[str] = (),
                     batch_key: str | None = None, limit: int | None = None) -> list[Any]:
    q = select(submission_pack).where(submission_pack.c.submission_id == submission_id)
    if states:
        q = q.where(submission_pack.c.state.in_(list(states)))
    if batch_key is not None:
        # No ORDER BY here: it would make SQLite walk the primary key over the whole submission
        # instead of the batch index (quadratic on 100,000 packs). Sorted in Python instead.
        q = q.where(submission_pack.c.batch_key == batch_key)
        return sorted(conn.execute(q), key=lambda r: (r.gtin, r.serial))
    q = q.order_by(submission_pack.c.gtin, submission_pack.c.serial)
    if limit:
        q = q.limit(limit)
    return list(conn.execute(q))


def pack_keys(conn: Connection, submission_id: int, states: Sequence[str],
              batch_key: str | None = None) -> set[tuple[str, str]]:
    """(gtin, serial) of a submission's packs in ``states`` (of one batch if ``batch_key``):
    two columns, no ordering."""
    q = select(submission_pack.c.gtin, submission_pack.c.serial).where(
        submission_pack.c.submission_id == submission_id,
        submission_pack.c.state.in_(list(states)))
    if batch_key is not None:
        q = q.where(submission_pack.c.batch_key == batch_key)
    return {(g, s) for g, s in conn.execute(q).all()}


def packs_by_keys(conn: Connection, submission_id: int,
                  keys: Sequence[tuple[str, str]]) -> list[Any]:
    """A few packs of a submission by (gtin, serial), in the order given (for display)."""
    if not keys:
        return []
    q = select(submission_pack).where(submission_pack.c.submission_id == submission_id, or_(
        *[(submission_pack.c.gtin == g) & (submission_pack.c.serial == s) for g, s in keys]))
    found = {(r.gtin, r.serial): r for r in conn.execute(q)}
    return [found[k] for k in keys if k in found]


def approve(conn: Connection, submission_id: int, *, user_id: int, confirmation: str,
            batch_size: int) -> int:
    """Mark approved and cut the pending packs into batches; returns the number of batches.

    A batch is a run of ``batch_size`` pending packs in (gtin, serial) order, so each is marked
    by one range UPDATE (both the order and the range compare in the database, under one
    collation) rather than one UPDATE per pack: approving 10,000 packs in batches of 100 is
    100 range UPDATEs sent as one executemany, not 10,000 (bench/hosted_load.py approves while
    200 pharmacies count).
    """
    now = now_utc()
    conn.execute(update(submission).where(submission.c.id == submission_id).values(
        status="approved", approved_by=user_id, approved_at=now, confirmation_text=confirmation))
    sub = get_submission(conn, submission_id)
    sp = submission_pack
    keys = conn.execute(select(sp.c.gtin, sp.c.serial).where(
        sp.c.submission_id == submission_id, sp.c.state == PackState.PENDING.value)
        .order_by(sp.c.gtin, sp.c.serial)).all()
    cuts = [dict(b_key=f"{submission_id}-{n:05d}", lo_g=chunk[0][0], lo_s=chunk[0][1],
                 hi_g=chunk[-1][0], hi_s=chunk[-1][1])
            for n, chunk in enumerate(batches(keys, batch_size), start=1)]
    if not cuts:
        return 0
    conn.execute(insert(submission_batch), [dict(
        submission_id=submission_id, batch_key=c["b_key"], pharmacy_id=sub.pharmacy_id,
        status="open", due_at=now, sends=0) for c in cuts])
    pair = tuple_(sp.c.gtin, sp.c.serial)
    conn.execute(update(sp).where(
        sp.c.submission_id == submission_id, sp.c.state == PackState.PENDING.value,
        pair >= tuple_(bindparam("lo_g"), bindparam("lo_s")),
        pair <= tuple_(bindparam("hi_g"), bindparam("hi_s"))).values(
        batch_key=bindparam("b_key")), cuts)
    return len(cuts)


def claim_batch(conn: Connection, *, owner: str, lease_until: datetime, now: datetime,
                submission_id: int | None = None, pharmacy_id: int | None = None) -> Any | None:
    """Take the lease on one due batch (compare-and-set); None when nothing is due."""
    q = select(submission_batch).where(
        submission_batch.c.status == "open", submission_batch.c.due_at <= now,
        or_(submission_batch.c.lease_until.is_(None), submission_batch.c.lease_until < now))
    if submission_id is not None:
        q = q.where(submission_batch.c.submission_id == submission_id)
    if pharmacy_id is not None:
        q = q.where(submission_batch.c.pharmacy_id == pharmacy_id)
    for cand in conn.execute(q.order_by(submission_batch.c.due_at).limit(5)).all():
        res = conn.execute(update(submission_batch).where(
            submission_batch.c.submission_id == cand.submission_id,
            submission_batch.c.batch_key == cand.batch_key,
            or_(submission_batch.c.lease_until.is_(None), submission_batch.c.lease_until < now),
        ).values(lease_owner=owner, lease_until=lease_until))
        if res.rowcount == 1:
            return cand
    return None


def reschedule_pharmacy(conn: Connection, pharmacy_id: int, due_at: datetime,
                        now: datetime) -> int:
    """Every open batch of the pharmacy that no worker holds becomes due at ``due_at``: later
    when İTS refused its login (one attempt an hour, not one per batch every few seconds), now
    when the pharmacist saved new credentials. Returns how many."""
    return _set_due(conn, due_at, now, submission_batch.c.pharmacy_id == pharmacy_id)


def make_due(conn: Connection, submission_id: int, now: datetime) -> int:
    """The open batches of a submission that no worker holds become due at ``now`` (the
    pharmacist's "try the waiting ones now"); returns how many."""
    return _set_due(conn, now, now, submission_batch.c.submission_id == submission_id,
                    submission_batch.c.due_at > now)


def _set_due(conn: Connection, due_at: datetime, now: datetime, *where: Any) -> int:
    """Open batches matching ``where`` that no worker holds at ``now`` become due at ``due_at``."""
    res = conn.execute(update(submission_batch).where(
        *where, submission_batch.c.status == "open",
        or_(submission_batch.c.lease_until.is_(None), submission_batch.c.lease_until < now),
    ).values(due_at=due_at))
    return int(res.rowcount)


def set_pack_states(conn: Connection, submission_id: int,
                    updates: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Apply per-pack column updates; a refused or dropped pack releases its deactivation lock.

    Packs with identical new values are updated in one executemany.
    """
    groups: dict[tuple[tuple[str, Any], ...], list[dict[str, str]]] = {}
    for (g, s), values in updates.items():
        vals = dict(values)
        if vals.get("state") in (PackState.REFUSED.value, PackState.DROPPED.value):
            vals["deact_lock"] = None
        groups.setdefault(tuple(sorted(vals.items())), []).append({"k_gtin": g, "k_serial": s})
    for items, keys in groups.items():
        stmt = update(submission_pack).where(
            submission_pack.c.submission_id == submission_id,
            submission_pack.c.gtin == bindparam("k_gtin"),
            submission_pack.c.serial == bindparam("k_serial")).values(**dict(items))
        for part in batches(keys, 2000):
            conn.execute(stmt, part)


def renew_lease(conn: Connection, submission_id: int, batch_key: str, *, owner: str,
                now: datetime, lease_until: datetime) -> bool:
    """Extend our lease if we still hold it; False means another worker took the batch."""
    res = conn.execute(update(submission_batch).where(
        submission_batch.c.submission_id == submission_id,
        submission_batch.c.batch_key == batch_key, submission_batch.c.lease_owner == owner,
        submission_batch.c.lease_until > now).values(lease_until=lease_until))
    return res.rowcount == 1


def release_batch(conn: Connection, submission_id: int, batch_key: str, *, owner: str,
                  due_at: datetime, done: bool, sent: bool) -> None:
    conn.execute(update(submission_batch).where(
        submission_batch.c.submission_id == submission_id,
        submission_batch.c.batch_key == batch_key, submission_batch.c.lease_owner == owner,
    ).values(lease_owner=None, lease_until=None, due_at=due_at,
             status="done" if done else "open",
             sends=submission_batch.c.sends + (1 if sent else 0)))


def finish_if_done(conn: Connection, submission_id: int) -> bool:
    open_batches = conn.execute(select(func.count()).select_from(submission_batch).where(
        submission_batch.c.submission_id == submission_id,
        submission_batch.c.status == "open")).scalar_one()
    if open_batches == 0:
        conn.execute(update(submission).where(submission.c.id == submission_id,
                                              submission.c.status == "approved")
                     .values(status="done"))
        return True
    return False


def cancel(conn: Connection, submission_id: int, *, text: str = "Taslak iptal edildi") -> None:
    """Cancel a draft: nothing was sent; the packs' deactivation locks are released."""
    conn.execute(update(submission).where(submission.c.id == submission_id,
                                          submission.c.status == "draft").values(status="cancelled"))
    conn.execute(update(submission_pack).where(submission_pack.c.submission_id == submission_id)
                 .values(deact_lock=None, state=PackState.DROPPED.value,
                         result_text=text))


def outbox_pharmacies(conn: Connection, now: datetime) -> dict[int, tuple[int, int]]:
    """Every pharmacy with open batches → (batches due now, open batches), across pharmacies.

    The outbox worker's one cross-pharmacy question. On PostgreSQL the app's role cannot read
    other pharmacies' batches (row-level security), so it asks the SECURITY DEFINER function
    ``eczane_outbox_pharmacies`` (migration 0008, ``eczane.store.rls``), which answers with
    pharmacy ids and counts only. On SQLite, plain SQL.
    """
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text("SELECT pharmacy_id, due, open FROM eczane_outbox_pharmacies(:t)"),
                            {"t": now})
        return {int(r.pharmacy_id): (int(r.due), int(r.open)) for r in rows}
    b = submission_batch
    due = ((b.c.due_at <= now) & (b.c.lease_until.is_(None) | (b.c.lease_until < now)))
    rows = conn.execute(select(b.c.pharmacy_id, func.sum(case((due, 1), else_=0)), func.count())
                        .where(b.c.status == "open").group_by(b.c.pharmacy_id)
                        .order_by(b.c.pharmacy_id))
    return {int(p): (int(d or 0), int(n)) for p, d, n in rows}


def due_pharmacies(conn: Connection, now: datetime) -> list[int]:
    """Pharmacies with a batch the worker may claim now (due, not leased), in id order.

    The sending worker (``eczane worker``) asks this first, then works for each pharmacy inside
    ``tenant.acting_for``."""
    return [p for p, (due, _open) in outbox_pharmacies(conn, now).items() if due]


def open_batch_count(conn: Connection, pharmacy_id: int | None = None,
                     submission_id: int | None = None) -> int:
    q = select(func.count()).select_from(submission_batch).where(submission_batch.c.status == "open")
    if submission_id is not None:
        q = q.where(submission_batch.c.submission_id == submission_id)
    if pharmacy_id is not None:
        q = q.where(submission_batch.c.pharmacy_id == pharmacy_id)
    return int(conn.execute(q).scalar_one())


def keys_in_live_cancel(conn: Connection, pharmacy_id: int) -> set[tuple[str, str]]:
    """Packs already in a cancel submission that is not refused, dropped or cancelled."""
    rows = conn.execute(select(submission_pack.c.gtin, submission_pack.c.serial).select_from(
        submission_pack.join(submission, submission.c.id == submission_pack.c.submission_id)
    ).where(submission.c.pharmacy_id == pharmacy_id, submission.c.kind == "cancel",
            submission_pack.c.state.not_in([PackState.REFUSED.value, PackState.DROPPED.value])))
    return {(r.gtin, r.serial) for r in rows}


def release_cancelled(conn: Connection, ref_submission_id: int, cancel_id: int,
                      keys: Iterable[tuple[str, str]]) -> None:
    """İTS confirmed the cancel: the original packs leave the live-deactivation lock."""
    set_pack_states(conn, ref_submission_id, {
        k: {"deact_lock": None, "result_text": f"Deaktivasyon iptal edildi (bildirim #{cancel_id})"}
        for k in keys})


def counted_after(conn: Connection, pharmacy_id: int, since: datetime | None,
                  keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Packs among ``keys`` counted on hand (active count_scan row) after ``since``.

    Reads the count area's ``count_scan`` table when it exists (issue 6: packs counted after the
    reconciliation are removed from a pending deactivation).
    """
    try:
        from eczane.store.count import count_scan
    except ImportError:  # the count area is not installed
        return []
    wanted = set(keys)
    if not wanted:
        return []
    q = select(count_scan.c.gtin, count_scan.c.serial).where(
        count_scan.c.pharmacy_id == pharmacy_id, count_scan.c.undone_at.is_(None))
    if since is not None:
        q = q.where(count_scan.c.scanned_at > since)
    return sorted({(r.gtin, r.serial) for r in conn.execute(q) if (r.gtin, r.serial) in wanted})
