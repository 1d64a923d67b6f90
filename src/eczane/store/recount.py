"""Son kontrol (issue 16 part 1): the recount of a deactivation draft's packs, stored.

Tables (migration ``0012``), both tenant tables keyed by pharmacy first:

- ``recount``: one per draft — blind or not, open or finished, how many packs the draft held
  when it began, who started and finished it;
- ``recount_scan``: one row per pack found on the shelf (the evidence: raw scan, who, when).

A found pack leaves the draft in the same transaction as its row: its ``submission_pack`` state
becomes ``dropped`` (which releases its live-deactivation lock), and it is kept out of the
deactivation list (``pack_override``, note "Son kontrolde rafta bulundu"), so a refreshed draft
or a later reconciliation's draft leaves it out too. The draft's phrase names the pending count,
so it follows by itself. The audit log gets ``notify.recount_started``,
``notify.recount_pack_found`` per pack and ``notify.recount_finished`` with the saved count.

Roles (decided here, checked by the views): the eczacı starts and finishes a recount; a kalfa
may scan in an open one (scanning only keeps a pack out of a deactivation, never sends anything).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from eczane.domain.karekod import parse_karekod
from eczane.domain.notify import Kind, PackState, confirmation_phrase
from eczane.domain.pack import PackKey
from eczane.domain.recount import (
    RecountPack,
    RecountSummary,
    RecountVerdict,
    classify_recount_scan,
    recount_summary,
)
from eczane.store import outbox as ob
from eczane.store.audit import append_event
from eczane.store.base import metadata, tenant_table

# No foreign key to submission yet: since migration 0014 (issue 15) submission's key is
# (id, pharmacy_id), so a composite FK (submission_id, pharmacy_id) may follow.
recount = Table(
    "recount",
    metadata,
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("submission_id", Integer, nullable=False),
    Column("blind", Boolean, nullable=False),
    Column("status", String(10), nullable=False),  # open | finished
    Column("packs_before", Integer, nullable=False),
    Column("started_by", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_by", Integer, nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("pharmacy_id", "submission_id", name="pk_recount"),
    info=tenant_table(),
)

recount_scan = Table(
    "recount_scan",
    metadata,
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("submission_id", Integer, nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(20), nullable=False),
    Column("raw", Text, nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("scanned_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("pharmacy_id", "submission_id", "gtin", "serial", name="pk_recount_scan"),
    ForeignKeyConstraint(["pharmacy_id", "submission_id"],
                         ["recount.pharmacy_id", "recount.submission_id"],
                         name="fk_recount_scan_pharmacy_id_recount"),
    info=tenant_table(),
)

OPEN, FINISHED = "open", "finished"
NOTE = "Son kontrolde rafta bulundu (taslak #{sid})"
RAW_MAX = 200


class RecountError(Exception):
    """A recount action was refused; ``message`` is Turkish, ``status`` an HTTP code."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ScanAnswer:
    """The answer to one recount scan: the verdict and the draft's numbers after it."""

    verdict: RecountVerdict
    product_name: str
    pending: int
    saved: int
    phrase: str


def _now() -> datetime:
    return datetime.now(UTC)


def get(conn: Connection, pharmacy_id: int, submission_id: int) -> Any:
    """The recount of a draft, or None."""
    return conn.execute(select(recount).where(recount.c.pharmacy_id == pharmacy_id,
                                              recount.c.submission_id == submission_id)).first()


def found_keys(conn: Connection, pharmacy_id: int, submission_id: int) -> set[PackKey]:
    rows = conn.execute(select(recount_scan.c.gtin, recount_scan.c.serial).where(
        recount_scan.c.pharmacy_id == pharmacy_id, recount_scan.c.submission_id == submission_id))
    return {PackKey(g, s) for g, s in rows}


def saved_count(conn: Connection, pharmacy_id: int, submission_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(recount_scan).where(
        recount_scan.c.pharmacy_id == pharmacy_id,
        recount_scan.c.submission_id == submission_id)).scalar_one())


def summary(conn: Connection, row: Any) -> RecountSummary:
    return recount_summary(row.packs_before,
                           saved_count(conn, row.pharmacy_id, row.submission_id))


def packs(conn: Connection, sub: Any) -> list[RecountPack]:
    """The packs the recount looks for: the draft's pending ones and those it already found."""
    found = found_keys(conn, sub.pharmacy_id, sub.id)
    return [RecountPack(r.gtin, r.serial, r.expiry, r.batch, r.product_name)
            for r in ob.submission_packs(conn, sub.id)
            if r.state == PackState.PENDING.value or PackKey(r.gtin, r.serial) in found]


def recountable(sub: Any) -> str | None:
    """Why this submission cannot be recounted (Turkish), or None."""
    if Kind(sub.kind) is not Kind.DEACTIVATION:
        return "Son kontrol yalnızca stok eşitleme (deaktivasyon) taslağı için yapılır."
    if sub.status != "draft":
        return f"Bu bildirim (#{sub.id}) artık taslak değil; son kontrol yalnızca onaydan önce yapılır."
    return None


def start(conn: Connection, sub: Any, *, user_id: int, blind: bool) -> None:
    """Begin (or reopen) the recount of a draft; audit ``notify.recount_started``."""
    why = recountable(sub)
    if why is not None:
        raise RecountError(why)
    pending = ob.state_counts(conn, sub.id)[PackState.PENDING.value]
    row = get(conn, sub.pharmacy_id, sub.id)
    if row is None:
        conn.execute(insert(recount).values(
            pharmacy_id=sub.pharmacy_id, submission_id=sub.id, blind=blind, status=OPEN,
            packs_before=pending, started_by=user_id, started_at=_now()))
    else:
        conn.execute(update(recount).where(
            recount.c.pharmacy_id == sub.pharmacy_id, recount.c.submission_id == sub.id).values(
            blind=blind, status=OPEN, finished_by=None, finished_at=None))
    append_event(conn, sub.pharmacy_id, user_id, "notify.recount_started",
                 {"submission": sub.id, "packs": pending, "blind": blind})


def finish(conn: Connection, sub: Any, *, user_id: int) -> RecountSummary:
    """End an open recount; audit ``notify.recount_finished`` with the saved count."""
    row = get(conn, sub.pharmacy_id, sub.id)
    if row is None or row.status != OPEN:
        raise RecountError("Bu taslak için açık bir son kontrol yok.")
    conn.execute(update(recount).where(
        recount.c.pharmacy_id == sub.pharmacy_id, recount.c.submission_id == sub.id).values(
        status=FINISHED, finished_by=user_id, finished_at=_now()))
    s = summary(conn, row)
    append_event(conn, sub.pharmacy_id, user_id, "notify.recount_finished",
                 {"submission": sub.id, "packs": s.before, "saved": s.saved,
                  "remaining": s.remaining})
    return s


def scan(conn: Connection, sub: Any, *, raw: str, user_id: int, today: Any) -> ScanAnswer:
    """Read one karekod in an open recount; a pending pack of the draft leaves it at once.

    Raises:
        RecountError: no open recount (409), or the submission is no longer a draft (409).
    """
    row = get(conn, sub.pharmacy_id, sub.id)
    if row is None or row.status != OPEN:
        raise RecountError("Son kontrol açık değil: okutma kaydedilmedi.")
    why = recountable(sub)
    if why is not None:
        raise RecountError(why)

    def state_of(key: PackKey) -> str | None:
        found = conn.execute(select(ob.submission_pack.c.state).where(
            ob.submission_pack.c.submission_id == sub.id, ob.submission_pack.c.gtin == key.gtin,
            ob.submission_pack.c.serial == key.serial)).scalar()
        return None if found is None else str(found)

    result = parse_karekod(raw, today=today, its_case=True,
                           known=lambda key: state_of(key) is not None)
    found = found_keys(conn, sub.pharmacy_id, sub.id)
    verdict = classify_recount_scan(result, state_of=state_of, found=found)
    name = ""
    if verdict.key is not None:
        hit = ob.packs_by_keys(conn, sub.id, [(verdict.key.gtin, verdict.key.serial)])
        name = hit[0].product_name if hit else ""
    if verdict.removes and verdict.key is not None:
        _remove(conn, sub, verdict.key, raw=raw, user_id=user_id)
    pending = ob.state_counts(conn, sub.id)[PackState.PENDING.value]
    return ScanAnswer(verdict, name, pending, saved_count(conn, sub.pharmacy_id, sub.id),
                      confirmation_phrase(sub.kind, pending))


def _remove(conn: Connection, sub: Any, key: PackKey, *, raw: str, user_id: int) -> None:
    from eczane.store.reconcile.overrides import set_override

    # PostgreSQL aborts the transaction on a failed statement: a savepoint around the insert.
    # SQLite writers take turns (BEGIN IMMEDIATE), so no one can race us there.
    savepoint = conn.begin_nested if conn.dialect.name != "sqlite" else nullcontext
    try:
        with savepoint():
            conn.execute(insert(recount_scan).values(
                pharmacy_id=sub.pharmacy_id, submission_id=sub.id, gtin=key.gtin,
                serial=key.serial, raw=raw[:RAW_MAX], user_id=user_id, scanned_at=_now()))
    except IntegrityError:
        return  # another device stored the same pack a moment ago: it is already out
    ob.set_pack_states(conn, sub.id, {(key.gtin, key.serial): {
        "state": PackState.DROPPED.value,
        "result_text": "Son kontrolde rafta bulundu; taslaktan çıkarıldı"}})
    set_override(conn, sub.pharmacy_id, key.gtin, key.serial, note=NOTE.format(sid=sub.id),
                 user_id=user_id)
    append_event(conn, sub.pharmacy_id, user_id, "notify.recount_pack_found",
                 {"submission": sub.id, "gtin": key.gtin, "serial": key.serial})


def open_problem(conn: Connection, sub: Any) -> str | None:
    """Why approval waits: a recount of this draft is still open (Turkish), else None."""
    row = get(conn, sub.pharmacy_id, sub.id)
    if row is None or row.status != OPEN:
        return None
    return ("Son kontrol sürüyor: taslaktaki kutu sayısı okutmalarla değişiyor. Son kontrolü "
            "bitirin; onay metni güncel kutu sayısını gösterecek.")
