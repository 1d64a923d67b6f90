"""Count sessions and scans (tables ``count_session``, ``count_scan``, ``count_scan_rejected``).

The reconciliation reads ``count_scan`` directly: a row with ``undone_at IS NULL`` is a pack on
hand. Two constraints keep the count honest under several devices at once:

- at most one active row per (session, GTIN, serial) — a partial unique index, so two devices
  scanning the same pack at the same moment store it once;
- one row per (session, client_scan_id) — a page that resends a scan after a lost answer gets
  the first answer again, never a second row.

No scan is lost, not even an unreadable one: a red scan (the karekod engine could not read it)
is stored in ``count_scan_rejected`` — raw input, reason, device, user, time — once per
(session, client_scan_id), in the same transaction (the same batch) as the scans around it, so
every device of the count lists it and the XLSX has it.

``record_scan`` commits before it returns: the page acknowledges a scan only after that.
Opening, pausing, resuming, closing, undoing and importing are written to the audit log in the
same transaction.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from eczane.domain.count import (
    CountStatus,
    ScanGroup,
    ScanState,
    ScanVerdict,
    can_transition,
    classify_scan,
    pick_candidate,
    refusal_for_status,
    scan_notes,
)
from eczane.domain.errors import RuleError
from eczane.domain.karekod import Karekod, KarekodResult, parse_karekod
from eczane.domain.pack import PackKey
from eczane.store.audit import append_event
from eczane.store.base import metadata
from eczane.store.db import Database

count_session = Table(
    "count_session",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("status", String(10), nullable=False),  # open | paused | closed
    Column("opened_by", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_by", Integer, ForeignKey("app_user.id"), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

count_scan = Table(
    "count_scan",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("session_id", Integer, ForeignKey("count_session.id"), nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(20), nullable=False),
    Column("expiry", Date, nullable=False),
    Column("batch", String(20), nullable=False),
    Column("grp", String(20), nullable=False),  # raf | acik_recete
    Column("raw", Text, nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("client_scan_id", String(64), nullable=False),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("scanned_at", DateTime(timezone=True), nullable=False),
    Column("undone_at", DateTime(timezone=True), nullable=True),
    Column("undone_by", Integer, ForeignKey("app_user.id"), nullable=True),
    UniqueConstraint("session_id", "client_scan_id", name="uq_count_scan_session_client"),
)

# At most one active (not undone) row per pack and session.
Index("uq_count_scan_active_pack", count_scan.c.session_id, count_scan.c.gtin,
      count_scan.c.serial, unique=True,
      sqlite_where=count_scan.c.undone_at.is_(None),
      postgresql_where=count_scan.c.undone_at.is_(None))
Index("ix_count_scan_session_gtin", count_scan.c.session_id, count_scan.c.gtin)

count_scan_rejected = Table(
    "count_scan_rejected",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("session_id", Integer, ForeignKey("count_session.id"), nullable=False),
    Column("raw", Text, nullable=False),            # what the scanner sent (first RAW_MAX chars)
    Column("code", String(40), nullable=False),     # the verdict's code: unreadable
    Column("detail", String(40), nullable=False),   # the karekod engine's error code
    Column("message", Text, nullable=False),        # the Turkish sentence shown at the counter
    Column("grp", String(20), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("client_scan_id", String(64), nullable=False),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("scanned_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("session_id", "client_scan_id", name="uq_count_scan_rejected_session_client"),
)
RAW_MAX = 1000
"""Longest raw input kept for a rejected scan (a karekod is under 100 characters; a pasted page
of text is not kept whole)."""


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CountSession:
    id: int
    pharmacy_id: int
    name: str
    status: CountStatus
    opened_by: int
    opened_at: datetime
    closed_by: int | None
    closed_at: datetime | None


@dataclass(frozen=True)
class StoredScan:
    id: int
    session_id: int
    gtin: str
    serial: str
    expiry: date
    batch: str
    grp: str
    raw: str
    device_id: str
    client_scan_id: str
    user_id: int
    scanned_at: datetime
    undone_at: datetime | None
    undone_by: int | None

    @property
    def karekod(self) -> Karekod:
        return Karekod(self.gtin, self.serial, self.expiry, self.batch)


@dataclass(frozen=True)
class ScanOutcome:
    """The answer to one scan request: the verdict, and the row when one was stored."""

    verdict: ScanVerdict
    scan: StoredScan | None = None
    """The stored row (new, or the earlier one for a resend or a duplicate)."""
    replayed: bool = False
    """True when this client_scan_id had already been stored: nothing new was written."""
    product_name: str = ""
    refused: str | None = None
    """Turkish reason when the session takes no scans (paused, closed)."""
    rejected: bool = False
    """True when the scan was unreadable and is stored in ``count_scan_rejected`` (now or by an
    earlier send of the same client_scan_id: then ``replayed`` is True too)."""


class CountError(Exception):
    """A count operation was refused; ``message`` is Turkish, ``status`` an HTTP-like code."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# ---------------------------------------------------------------- sessions


def _session(row: Any) -> CountSession:
    return CountSession(row.id, row.pharmacy_id, row.name, CountStatus(row.status), row.opened_by,
                        row.opened_at, row.closed_by, row.closed_at)


def _scan(row: Any) -> StoredScan:
    return StoredScan(row.id, row.session_id, row.gtin, row.serial, row.expiry, row.batch, row.grp,
                      row.raw, row.device_id, row.client_scan_id, row.user_id, row.scanned_at,
                      row.undone_at, row.undone_by)


def open_session(conn: Connection, pharmacy_id: int, user_id: int, name: str) -> int:
    """Open a new count session; returns its id."""
    name = name.strip() or f"Sayım {now_utc():%d.%m.%Y}"
    res = conn.execute(insert(count_session).values(
        pharmacy_id=pharmacy_id, name=name[:200], status=CountStatus.OPEN.value,
        opened_by=user_id, opened_at=now_utc()))
    sid = int(res.inserted_primary_key[0])  # type: ignore[index]
    append_event(conn, pharmacy_id, user_id, "count.opened", {"session": sid, "name": name})
    return sid


def get_session(conn: Connection, session_id: int) -> CountSession | None:
    row = conn.execute(select(count_session).where(count_session.c.id == session_id)).first()
    return None if row is None else _session(row)


def list_sessions(conn: Connection, pharmacy_id: int) -> list[tuple[CountSession, int]]:
    """Sessions of a pharmacy, newest first, each with its number of packs on hand."""
    active = (select(count_scan.c.session_id, func.count().label("n"))
              .where(count_scan.c.undone_at.is_(None))
              .group_by(count_scan.c.session_id).subquery())
    rows = conn.execute(
        select(count_session, func.coalesce(active.c.n, 0).label("packs"))
        .outerjoin(active, active.c.session_id == count_session.c.id)
        .where(count_session.c.pharmacy_id == pharmacy_id)
        .order_by(count_session.c.id.desc()))
    return [(_session(r), int(r.packs)) for r in rows]


_STATUS_EVENTS = {CountStatus.PAUSED: "count.paused", CountStatus.OPEN: "count.resumed",
                  CountStatus.CLOSED: "count.closed"}


def set_status(conn: Connection, session: CountSession, user_id: int, target: CountStatus,
               *, is_pharmacist: bool) -> None:
    """Pause, resume or close a session. Only a pharmacist closes (``CountError`` 403)."""
    if target is CountStatus.CLOSED and not is_pharmacist:
        raise CountError("Sayımı yalnızca eczacı kapatabilir.", 403)
    current = CountStatus(conn.execute(
        select(count_session.c.status).where(count_session.c.id == session.id)).scalar_one())
    if not can_transition(current, target):
        raise CountError(f"Sayım durumu \u201c{current.label_tr}\u201d iken "
                         f"\u201c{target.label_tr}\u201d yapılamaz.")
    values: dict[str, Any] = {"status": target.value}
    if target is CountStatus.CLOSED:
        values |= {"closed_by": user_id, "closed_at": now_utc()}
    conn.execute(update(count_session).where(count_session.c.id == session.id).values(**values))
    payload: dict[str, Any] = {"session": session.id}
    if target is CountStatus.CLOSED:
        payload |= summary(conn, session.id)
    append_event(conn, session.pharmacy_id, user_id, _STATUS_EVENTS[target], payload)


# ---------------------------------------------------------------- scans

# Statements of the scan path, built once (a scan runs them hundreds of times a second).
_Q_SESSION = select(count_session).where(count_session.c.id == bindparam("sid"))
_Q_SCAN_BY_CLIENT = select(count_scan).where(and_(
    count_scan.c.session_id == bindparam("sid"),
    count_scan.c.client_scan_id == bindparam("cid")))
_Q_ACTIVE = select(count_scan).where(and_(
    count_scan.c.session_id == bindparam("sid"), count_scan.c.gtin == bindparam("gtin"),
    count_scan.c.serial == bindparam("serial"), count_scan.c.undone_at.is_(None)))
_INSERT_SCAN = insert(count_scan)


CARRY_S = 2.0
"""Seconds the scan writer may reuse user, product and İTS-list lookups across batches."""


class _Lookups:
    """Reads one transaction makes about sessions, users, products and the İTS list, cached.

    Inside one transaction nobody else writes (SQLite: ``BEGIN IMMEDIATE``), so a session's
    status, a user and the latest İTS list cannot change under a batch of scans.
    """

    def __init__(self, conn: Connection, carry: _Lookups | None = None) -> None:
        self.conn = conn
        self._sessions: dict[int, CountSession | None] = {}
        self._users: dict[int, Any] = {}
        self._products: dict[str, Any] = {}
        self._snapshots: dict[int, int | None] = {}
        self.born = time.monotonic()
        if carry is not None and self.born - carry.born < CARRY_S:
            # Users, products and the latest İTS list id may be kept from the previous batch
            # for a moment (they change rarely, and then only what a scan's colour says is
            # late by CARRY_S); a session's status never is (a closed count takes no scans).
            self._users, self._products = carry._users, carry._products
            self._snapshots = carry._snapshots
            self.born = carry.born

    def session(self, session_id: int) -> CountSession | None:
        if session_id not in self._sessions:
            row = self.conn.execute(_Q_SESSION, {"sid": session_id}).first()
            self._sessions[session_id] = None if row is None else _session(row)
        return self._sessions[session_id]

    def user(self, user_id: int) -> Any:
        if user_id not in self._users:
            from eczane.store.users import get_user

            self._users[user_id] = get_user(self.conn, user_id)
        return self._users[user_id]

    def product(self, gtin: str) -> Any:
        if gtin not in self._products:
            from eczane.store.catalog import get_product

            self._products[gtin] = get_product(self.conn, gtin)
        return self._products[gtin]

    def its_knows(self, pharmacy_id: int) -> Any:
        """A predicate ``PackKey -> bool`` on the latest İTS list, or None when there is none."""
        from eczane.store.catalog import latest_snapshot_id, snapshot_has_key

        if pharmacy_id not in self._snapshots:
            self._snapshots[pharmacy_id] = latest_snapshot_id(self.conn, pharmacy_id)
        snapshot = self._snapshots[pharmacy_id]
        if snapshot is None:
            return None
        return lambda key: bool(snapshot_has_key(self.conn, snapshot, key))


def _catalog_lookups(conn: Connection, pharmacy_id: int) -> tuple[Any, Any]:
    """(product_of(gtin), its_knows(key) | None) from the catalog/İTS-stock area."""
    lk = _Lookups(conn)
    return lk.product, lk.its_knows(pharmacy_id)


def _classify(lk: _Lookups, session: CountSession, raw: str, today: date,
              choice: int | None) -> tuple[ScanVerdict, str]:
    """Parse + classify (not yet knowing about duplicates). Returns (verdict, product name)."""
    its_knows = lk.its_knows(session.pharmacy_id)
    result = parse_karekod(raw, today=today, known=its_knows, its_case=True)
    if choice is not None and result.error is not None and result.error.code == "ambiguous":
        first = classify_scan(result, already_counted=False, product=None, today=today,
                              its_knows=None)
        try:
            result = KarekodResult(value=pick_candidate(first, choice))
        except RuleError as exc:
            raise CountError(exc.message, 400) from None
    k = result.value
    product = lk.product(k.gtin) if k is not None else None
    verdict = classify_scan(result, already_counted=False, product=product, today=today,
                            its_knows=None if (k is None or its_knows is None)
                            else its_knows(k.key))
    return verdict, (product.name if product is not None else "")


def _find_by_client_id(conn: Connection, session_id: int, client_scan_id: str) -> StoredScan | None:
    row = conn.execute(_Q_SCAN_BY_CLIENT, {"sid": session_id, "cid": client_scan_id}).first()
    return None if row is None else _scan(row)


def find_active(conn: Connection, session_id: int, key: PackKey) -> StoredScan | None:
    """The active (not undone) scan of a pack in a session, if any."""
    row = conn.execute(_Q_ACTIVE, {"sid": session_id, "gtin": key.gtin,
                                   "serial": key.serial}).first()
    return None if row is None else _scan(row)


def record_scan(db: Database, session_id: int, *, raw: str, client_scan_id: str,
                device_id: str, grp: str, user_id: int, today: date,
                choice: int | None = None, check_user: bool = False) -> ScanOutcome:
    """Store one scan durably (committed on return) and say what it was.

    Idempotent on ``client_scan_id``: a resend answers like the first time and writes nothing.
    A pack already active in the session is not stored again (amber ``duplicate``). Many
    scans at once go faster through :class:`ScanWriter`.

    Raises:
        CountError: unknown session (404) or bad group (400); with ``check_user``, an unknown
            user (401) or a user of another pharmacy (404).
    """
    client_scan_id = _check_request(grp, client_scan_id)
    for attempt in range(3):
        try:
            with db.begin() as conn:
                return _record_in(_Lookups(conn), session_id, raw=raw,
                                  client_scan_id=client_scan_id,
                                  device_id=storable(device_id)[:64],
                                  grp=grp, user_id=user_id, today=today, choice=choice,
                                  check_user=check_user)
        except IntegrityError:
            # A concurrent writer stored the same pack or the same client_scan_id between our
            # check and our insert (PostgreSQL). Run again: the check now sees that row.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _check_request(grp: str, client_scan_id: str) -> str:
    if grp not in {g.value for g in ScanGroup}:
        raise CountError(f"Geçersiz grup: {grp!r} (raf veya acik_recete).", 400)
    client_scan_id = storable(client_scan_id).strip()[:64]
    if not client_scan_id:
        raise CountError("Okutma kimliği (client_scan_id) eksik.", 400)
    return client_scan_id


def _record_in(lk: _Lookups, session_id: int, *, raw: str, client_scan_id: str,
               device_id: str, grp: str, user_id: int, today: date,
               choice: int | None, check_user: bool = False) -> ScanOutcome:
    conn = lk.conn
    session = lk.session(session_id)
    if session is None:
        raise CountError("Sayım bulunamadı.", 404)
    if check_user:
        user = lk.user(user_id)
        if user is None:
            raise CountError("Oturum süresi doldu, lütfen yeniden giriş yapın.", 401)
        if user.pharmacy_id != session.pharmacy_id:
            raise CountError("Bulunamadı.", 404)
    earlier = _find_by_client_id(conn, session_id, client_scan_id)
    if earlier is not None:
        return _replay(lk, session, earlier, today)
    refusal = refusal_for_status(session.status)
    if refusal is not None:
        return ScanOutcome(ScanVerdict(ScanState.RED, f"session_{session.status.value}", refusal,
                                       counted=False), refused=refusal)
    verdict, name = _classify(lk, session, raw, today, choice)
    k = verdict.karekod
    if verdict.state is ScanState.RED:
        return _store_rejected(conn, session, verdict, raw=raw, client_scan_id=client_scan_id,
                               device_id=device_id, grp=grp, user_id=user_id)
    if not verdict.counted or k is None:
        return ScanOutcome(verdict, product_name=name)
    existing = find_active(conn, session_id, k.key)
    if existing is not None:
        dup = classify_scan(KarekodResult(value=k), already_counted=True, product=None,
                            today=today, its_knows=None)
        return ScanOutcome(dup, scan=existing, product_name=name)
    at = now_utc()
    res = conn.execute(_INSERT_SCAN, {
        "pharmacy_id": session.pharmacy_id, "session_id": session_id, "gtin": k.gtin,
        "serial": k.serial, "expiry": k.expiry, "batch": k.batch, "grp": grp, "raw": raw,
        "device_id": device_id, "client_scan_id": client_scan_id, "user_id": user_id,
        "scanned_at": at})
    new_id = int(res.inserted_primary_key[0])  # type: ignore[index]
    stored = StoredScan(new_id, session_id, k.gtin, k.serial, k.expiry, k.batch, grp, raw,
                        device_id, client_scan_id, user_id, at, None, None)
    return ScanOutcome(verdict, scan=stored, product_name=name)


_INSERT_REJECTED: dict[str, Any] = {}


def storable(text: str) -> str:
    """Text both databases take: a NUL (PostgreSQL refuses it) and a lone surrogate (not UTF-8,
    e.g. an escaped ``\\ud800`` in the JSON) become U+FFFD, so one odd scan cannot fail a
    whole batch.

    >>> storable("ab" + chr(0) + "c" + chr(0xD800)) == "ab\ufffdc\ufffd"
    True
    """
    if text.isascii() and "\x00" not in text:
        return text
    return "".join("\ufffd" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch
                   for ch in text)


def _store_rejected(conn: Connection, session: CountSession, verdict: ScanVerdict, *, raw: str,
                    client_scan_id: str, device_id: str, grp: str, user_id: int) -> ScanOutcome:
    """Store an unreadable scan once per (session, client_scan_id); a resend writes nothing.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` (both databases): no extra read on the scan
    path, no failed statement that would abort a PostgreSQL batch, and no row back on a resend.
    """
    dialect = conn.dialect.name
    stmt = _INSERT_REJECTED.get(dialect)
    if stmt is None:
        from sqlalchemy.dialects import postgresql, sqlite

        ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = _INSERT_REJECTED[dialect] = ins(count_scan_rejected).on_conflict_do_nothing(
            index_elements=["session_id", "client_scan_id"]).returning(count_scan_rejected.c.id)
    res = conn.execute(stmt, {
        "pharmacy_id": session.pharmacy_id, "session_id": session.id,
        "raw": storable(raw)[:RAW_MAX],
        "code": verdict.code[:40], "detail": verdict.detail[:40],
        "message": storable(verdict.message),
        "grp": grp, "device_id": device_id, "client_scan_id": client_scan_id,
        "user_id": user_id, "scanned_at": now_utc()})
    return ScanOutcome(verdict, replayed=res.first() is None, rejected=True)


class ScanWriter:
    """One thread that stores scans in batches: one transaction, hence one fsync, per batch.

    Why: on SQLite every commit with ``synchronous=FULL`` waits for an fsync of the WAL (a few
    ms on a real disk), and writers take turns (``BEGIN IMMEDIATE``). One scan per transaction
    caps the count at 1/fsync scans per second however many devices scan; waiting writers also
    poll the lock with sleeps, which makes the slowest answers slow. Scans that arrive while a
    batch is being written wait and go into the next one (group commit). Each scan still runs
    in its own savepoint with the same checks as :func:`record_scan`, and its answer is given
    only after the batch's COMMIT returned — an acknowledged scan is on disk.

    The user is checked in the batch too (exists, same pharmacy as the session), so that the
    web request itself needs no database round-trip.
    """

    def __init__(self, db: Database, *, max_batch: int = 200) -> None:
        import queue
        import threading

        self._db = db
        self._max = max_batch
        self._lookups: _Lookups | None = None
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="count-scan-writer", daemon=True)
        self._thread.start()

    def submit(self, session_id: int, *, raw: str, client_scan_id: str, device_id: str,
               grp: str, user_id: int, today: date, choice: int | None = None) -> Any:
        """Queue one scan; returns a ``concurrent.futures.Future`` of its ``ScanOutcome``."""
        from concurrent.futures import Future

        fut: Future[ScanOutcome] = Future()
        try:
            cid = _check_request(grp, client_scan_id)
        except CountError as exc:
            fut.set_exception(exc)
            return fut
        self._queue.put(({"session_id": session_id, "raw": raw, "client_scan_id": cid,
                          "device_id": storable(device_id)[:64], "grp": grp, "user_id": user_id,
                          "today": today, "choice": choice}, fut))
        return fut

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        import queue

        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                batch.append(nxt)
            self._write(batch)

    def _write(self, batch: list[Any]) -> None:
        done: list[tuple[Any, Any]] = []
        again: list[tuple[dict[str, Any], Any]] = []
        try:
            with self._db.begin() as conn:
                lk = self._lookups = _Lookups(conn, carry=self._lookups)
                # PostgreSQL aborts the whole transaction on a failed statement: one savepoint
                # per scan. SQLite undoes only the failed statement, and this thread is its
                # only scan writer anyway: no savepoint (they cost a third of a scan).
                savepoint = conn.begin_nested if conn.dialect.name != "sqlite" else nullcontext
                for req, fut in batch:
                    try:
                        with savepoint():
                            done.append((fut, _record_in(lk, check_user=True, **req)))
                    except IntegrityError:
                        again.append((req, fut))   # a racing writer elsewhere (PostgreSQL)
                    except CountError as exc:
                        done.append((fut, exc))
        except BaseException as exc:  # noqa: BLE001 - the commit failed: nobody is acknowledged
            for _req, fut in batch:
                fut.set_exception(exc)
            return
        for fut, result in done:
            if isinstance(result, BaseException):
                fut.set_exception(result)
            else:
                fut.set_result(result)
        for req, fut in again:
            try:
                sid = req.pop("session_id")
                fut.set_result(record_scan(self._db, sid, check_user=True, **req))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                fut.set_exception(exc)


def _replay(lk: _Lookups, session: CountSession, earlier: StoredScan,
            today: date) -> ScanOutcome:
    """The answer for a resend of an already stored scan: its own verdict, recomputed."""
    its_knows = lk.its_knows(session.pharmacy_id)
    k = earlier.karekod
    product = lk.product(k.gtin)
    notes = scan_notes(k, product=product, today=today,
                       its_knows=None if its_knows is None else its_knows(k.key))
    if notes:
        verdict = ScanVerdict(ScanState.AMBER, notes[0].code, notes[0].message, True, notes, k)
    else:
        verdict = ScanVerdict(ScanState.GREEN, "new", "Sayıldı.", True, karekod=k)
    return ScanOutcome(verdict, scan=earlier, replayed=True,
                       product_name=product.name if product is not None else "")


def undo_scan(conn: Connection, session: CountSession, scan_id: int, user_id: int) -> StoredScan:
    """Take one scan back (the pack is no longer counted); recorded in the audit log."""
    if session.status is CountStatus.CLOSED:
        raise CountError("Kapatılmış sayımda geri alma yapılamaz.")
    row = conn.execute(select(count_scan).where(and_(
        count_scan.c.id == scan_id, count_scan.c.session_id == session.id))).first()
    if row is None:
        raise CountError("Okutma bulunamadı.", 404)
    scan = _scan(row)
    if scan.undone_at is not None:
        return scan
    conn.execute(update(count_scan).where(count_scan.c.id == scan_id)
                 .values(undone_at=now_utc(), undone_by=user_id))
    append_event(conn, session.pharmacy_id, user_id, "count.scan_undone",
                 {"session": session.id, "scan": scan_id, "gtin": scan.gtin,
                  "serial": scan.serial, "grp": scan.grp})
    return _scan(conn.execute(select(count_scan).where(count_scan.c.id == scan_id)).one())


# ---------------------------------------------------------------- reading


def summary(conn: Connection, session_id: int) -> dict[str, int]:
    """Packs on hand by group, plus the number of products, of undone and of unreadable scans."""
    rows = conn.execute(
        select(count_scan.c.grp, func.count(), func.count(func.distinct(count_scan.c.gtin)))
        .where(and_(count_scan.c.session_id == session_id, count_scan.c.undone_at.is_(None)))
        .group_by(count_scan.c.grp)).all()
    out = {"raf": 0, "acik_recete": 0}
    for grp, n, _ in rows:
        out[grp] = int(n)
    out["total"] = out["raf"] + out["acik_recete"]
    out["products"] = int(conn.execute(
        select(func.count(func.distinct(count_scan.c.gtin)))
        .where(and_(count_scan.c.session_id == session_id,
                    count_scan.c.undone_at.is_(None)))).scalar_one())
    out["undone"] = int(conn.execute(
        select(func.count()).where(and_(count_scan.c.session_id == session_id,
                                        count_scan.c.undone_at.is_not(None)))).scalar_one())
    out["rejected"] = count_rejected(conn, session_id)
    return out


def version(conn: Connection, session_id: int) -> str:
    """A token that changes whenever a scan is added, rejected or undone or the session changes
    status."""
    row = conn.execute(
        select(func.max(count_scan.c.id), func.count(count_scan.c.undone_at))
        .where(count_scan.c.session_id == session_id)).one()
    status = conn.execute(select(count_session.c.status)
                          .where(count_session.c.id == session_id)).scalar_one()
    rejected = conn.execute(select(func.max(count_scan_rejected.c.id))
                            .where(count_scan_rejected.c.session_id == session_id)).scalar()
    return f"{row[0] or 0}.{row[1] or 0}.{rejected or 0}.{status}"


@dataclass(frozen=True)
class ProductTotal:
    gtin: str
    name: str
    raf: int
    acik_recete: int
    last_id: int

    @property
    def total(self) -> int:
        return self.raf + self.acik_recete


UNKNOWN_PRODUCT = "Bilinmeyen ürün"


def product_names(conn: Connection, gtins: Iterable[str]) -> dict[str, str]:
    """GTIN → catalog product name, or "Bilinmeyen ürün"."""
    from eczane.store.catalog import get_products

    wanted = set(gtins)
    found = get_products(conn, wanted) if wanted else {}
    return {g: found[g].name if g in found else UNKNOWN_PRODUCT for g in wanted}


def totals(conn: Connection, session_id: int, *, limit: int | None = None,
           by_name: bool = False) -> list[ProductTotal]:
    """Packs on hand per product: most recently scanned product first (the live panel), or with
    ``by_name`` in Turkish alphabetical order of product name, then GTIN (lists, exports).

    Names come from the catalog, not the database's collation, so the order is made here
    (``tr_sort_key``); a count has at most a few thousand products.
    """
    q = (select(count_scan.c.gtin, count_scan.c.grp, func.count().label("n"),
                func.max(count_scan.c.id).label("last"))
         .where(and_(count_scan.c.session_id == session_id, count_scan.c.undone_at.is_(None)))
         .group_by(count_scan.c.gtin, count_scan.c.grp))
    acc: dict[str, list[int]] = {}
    for r in conn.execute(q):
        a = acc.setdefault(r.gtin, [0, 0, 0])
        a[0 if r.grp == "raf" else 1] += int(r.n)
        a[2] = max(a[2], int(r.last))
    if by_name:
        from eczane.domain.text import tr_sort_key

        names = product_names(conn, acc)
        order = sorted(acc, key=lambda g: (tr_sort_key(names[g]), g))[:limit]
    else:
        order = sorted(acc, key=lambda g: -acc[g][2])[:limit]
        names = product_names(conn, order)
    return [ProductTotal(g, names[g], acc[g][0], acc[g][1], acc[g][2]) for g in order]


def recent_scans(conn: Connection, session_id: int, *, limit: int = 15) -> list[StoredScan]:
    """The last scans of the session (undone ones too, marked), newest first."""
    rows = conn.execute(select(count_scan).where(count_scan.c.session_id == session_id)
                        .order_by(count_scan.c.id.desc()).limit(limit))
    return [_scan(r) for r in rows]


def active_scans(conn: Connection, session_id: int, *, grp: str | None = None
                 ) -> Iterator[StoredScan]:
    """Every pack on hand in the session (``undone_at IS NULL``), in scan order."""
    q = select(count_scan).where(and_(count_scan.c.session_id == session_id,
                                      count_scan.c.undone_at.is_(None)))
    if grp is not None:
        q = q.where(count_scan.c.grp == grp)
    for r in conn.execute(q.order_by(count_scan.c.id)):
        yield _scan(r)


@dataclass(frozen=True)
class RejectedScan:
    """An unreadable scan as stored (``count_scan_rejected``)."""

    id: int
    session_id: int
    raw: str
    code: str
    detail: str
    """The karekod engine's error code (check_digit, missing_ai, syntax, …)."""
    message: str
    grp: str
    device_id: str
    client_scan_id: str
    user_id: int
    scanned_at: datetime

    @property
    def hint(self) -> str:
        """What to do about it, in Turkish (scan again, or type the code)."""
        return REJECTED_HINTS.get(self.detail, REJECTED_HINTS[""])

    @property
    def raw_shown(self) -> str:
        """The raw input with control characters made visible (GS as ⟨GS⟩)."""
        return "".join("⟨GS⟩" if ch == "\x1d" else f"⟨{ord(ch):02X}⟩"
                       if ord(ch) < 32 or ord(ch) == 127 else ch for ch in self.raw)


_TYPE_IT = ("Yine okunmazsa karekodun yanındaki yazıyı (01)…(21)…(17)…(10)… biçiminde okutma "
            "kutusuna elle yazıp Enter'a basın.")
REJECTED_HINTS = {
    "": "Kutuyu yeniden okutun (okuyucuyu karekoda düz ve yakın tutun). " + _TYPE_IT,
    "empty": "Okuyucu boş veri gönderdi: kutuyu yeniden okutun.",
    "unsupported_ai": "Bu bir ilaç karekodu değil (başka bir barkod okunmuş olabilir): kutunun "
                      "üzerindeki kare karekodu okutun. " + _TYPE_IT,
    "missing_ai": "Karekod eksik okundu (çizgili barkod ya da yarım okuma olabilir): kutunun "
                  "üzerindeki kare karekodu yeniden okutun. " + _TYPE_IT,
}
"""Hints by karekod engine error code; "" for every other code (a misread: scan again)."""


def _rejected(row: Any) -> RejectedScan:
    return RejectedScan(row.id, row.session_id, row.raw, row.code, row.detail, row.message,
                        row.grp, row.device_id, row.client_scan_id, row.user_id, row.scanned_at)


def rejected_scans(conn: Connection, session_id: int, *, limit: int | None = None
                   ) -> list[RejectedScan]:
    """Unreadable scans of the session, newest first (all devices)."""
    q = (select(count_scan_rejected).where(count_scan_rejected.c.session_id == session_id)
         .order_by(count_scan_rejected.c.id.desc()))
    if limit is not None:
        q = q.limit(limit)
    return [_rejected(r) for r in conn.execute(q)]


def user_names(conn: Connection, pharmacy_id: int) -> dict[int, str]:
    """User id → display name, for the users of a pharmacy."""
    from eczane.store.core import app_user

    return {r.id: r.display_name for r in conn.execute(
        select(app_user.c.id, app_user.c.display_name)
        .where(app_user.c.pharmacy_id == pharmacy_id))}


def count_rejected(conn: Connection, session_id: int) -> int:
    return int(conn.execute(select(func.count()).where(
        count_scan_rejected.c.session_id == session_id)).scalar_one())


# ---------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What importing a scanner's memory dump did, line by line."""

    lines: int = 0
    added: int = 0
    duplicates: int = 0
    already_imported: int = 0
    warnings: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    """(line number, raw text, Turkish reason) for lines that were not counted."""


def import_dump(db: Database, session_id: int, lines: Iterable[str], *, grp: str, user_id: int,
                today: date, source: str = "dosya", chunk: int = 500) -> ImportReport:
    """Import a scanner's memory dump (one karekod per line) into a session.

    Each line is recorded like a scan with ``client_scan_id = imp:<file hash>:<line no>``, so
    importing the same file twice adds nothing the second time. Empty lines and a header line
    "Elinizde Olmayan Karekodlar" (seed 000 step 4) are skipped. Lines are stored ``chunk`` at
    a time, one transaction each (a dump of thousands of packs is not thousands of fsyncs).

    Raises:
        CountError: the session is unknown, paused or closed (chunks already stored stay).
    """
    body = [ln.rstrip("\r\n") for ln in lines]
    digest = hashlib.sha256("\n".join(body).encode()).hexdigest()[:16]
    _check_request(grp, "x")
    todo = [(no, raw) for no, raw in enumerate(body, start=1)
            if raw.strip() and not raw.strip().casefold().startswith("elinizde olmayan")]
    report = ImportReport()
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        kw: dict[str, Any] = {"device_id": source[:64], "grp": grp, "user_id": user_id,
                              "today": today}
        try:
            with db.begin() as conn:
                lk = _Lookups(conn)
                outs = [_record_in(lk, session_id, raw=raw, client_scan_id=f"imp:{digest}:{no}",
                                   choice=None, **kw) for no, raw in part]
                if any(o.refused for o in outs):
                    raise CountError(next(o.refused for o in outs if o.refused) or "")
        except IntegrityError:   # a scan raced in from a device (PostgreSQL): one by one
            outs = [record_scan(db, session_id, raw=raw, client_scan_id=f"imp:{digest}:{no}",
                                **kw) for no, raw in part]
        for (no, raw), out in zip(part, outs, strict=True):
            _tally(report, no, raw, out)
    with db.begin() as conn:
        session = get_session(conn, session_id)
        assert session is not None
        append_event(conn, session.pharmacy_id, user_id, "count.imported", {
            "session": session_id, "source": source[:200], "file_sha256_16": digest,
            "lines": report.lines, "added": report.added, "duplicates": report.duplicates,
            "problems": len(report.problems)})
    return report


def _tally(report: ImportReport, no: int, raw: str, out: ScanOutcome) -> None:
    report.lines += 1
    if out.replayed and out.verdict.counted:
        report.already_imported += 1
    elif out.verdict.code == "duplicate":
        report.duplicates += 1
    elif out.verdict.counted:
        report.added += 1
        if out.verdict.state is ScanState.AMBER:
            report.warnings += 1
    else:
        report.problems.append((no, raw, out.verdict.message))


# ---------------------------------------------------------------- demo


def _seed_demo(conn: Connection, pharmacy_id: int, today: date) -> None:
    """A closed demo count holding every pack the demo shelf has (for the reconciliation)."""
    from eczane.demo_data import demo_pharmacy
    from eczane.store.core import app_user

    uid = conn.execute(select(app_user.c.id).where(and_(
        app_user.c.pharmacy_id == pharmacy_id, app_user.c.role == "eczaci"))).scalar()
    if uid is None:
        return
    sid = open_session(conn, pharmacy_id, uid, "Demo sayımı")
    demo = demo_pharmacy(today)
    for i, p in enumerate(demo.on_shelf, start=1):
        k = Karekod(p.gtin, p.serial, p.expiry, p.batch)
        conn.execute(insert(count_scan).values(
            pharmacy_id=pharmacy_id, session_id=sid, gtin=k.gtin, serial=k.serial,
            expiry=k.expiry, batch=k.batch, grp=ScanGroup.SHELF.value,
            raw=f"01{k.gtin}21{k.serial}\x1d17{k.expiry:%y%m%d}10{k.batch}",
            device_id="demo", client_scan_id=f"demo:{i}", user_id=uid, scanned_at=now_utc()))
    session = get_session(conn, sid)
    assert session is not None
    set_status(conn, session, uid, CountStatus.CLOSED, is_pharmacist=True)


def _register_demo() -> None:
    from eczane.store.demo import DEMO_SEEDERS

    if _seed_demo not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(_seed_demo)


_register_demo()


def decode_dump(data: bytes) -> list[str]:
    r"""Lines of an uploaded scanner dump: UTF-8 (with or without BOM), else Windows-1254.

    >>> decode_dump(b"0108699536080008211\x1d17271231101\r\nX\n")
    ['0108699536080008211\x1d17271231101', 'X']
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1254", errors="replace")
    # Not str.splitlines(): it also splits at GS (0x1D), the karekod's own field separator.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines
