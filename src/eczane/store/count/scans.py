"""Storing scans: :func:`record_scan` (one scan, one commit), :class:`ScanWriter` (many scans,
one commit per batch) and :func:`undo_scan`.

Both paths run the same checks, in :func:`~eczane.store.count.scan_batch.record_batch`: the
session takes scans, a resend (same ``client_scan_id``) answers like the first time, a pack
already active is not stored again, and an unreadable scan goes to ``count_scan_rejected``. An
answer is given only after the COMMIT that stored it returned.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update
from sqlalchemy.exc import DBAPIError

from eczane.domain.count import (
    CountStatus,
    ScanGroup,
    ScanState,
    ScanVerdict,
    classify_scan,
    pick_candidate,
    scan_notes,
)
from eczane.domain.errors import RuleError
from eczane.domain.karekod import KarekodResult, parse_karekod
from eczane.domain.pack import PackKey
from eczane.store import tenant
from eczane.store.audit import append_event
from eczane.store.count.reading import its_comparison, latest_its_list
from eczane.store.count.scan_batch import BAD_SCAN, Item, Unexplained, record_batch
from eczane.store.count.tables import (
    CountError,
    CountSession,
    ScanOutcome,
    StoredScan,
    _scan,
    _session,
    count_scan,
    count_session,
    now_utc,
)
from eczane.store.db import Database

# Statements of the scan path, built once (a scan runs them hundreds of times a second).
_Q_SESSION = select(count_session).where(count_session.c.id == bindparam("sid"))
_Q_SCAN_BY_CLIENT = select(count_scan).where(and_(
    count_scan.c.session_id == bindparam("sid"),
    count_scan.c.client_scan_id == bindparam("cid")))
_Q_ACTIVE = select(count_scan).where(and_(
    count_scan.c.session_id == bindparam("sid"), count_scan.c.gtin == bindparam("gtin"),
    count_scan.c.serial == bindparam("serial"), count_scan.c.undone_at.is_(None)))


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
        self._snapshots: dict[int, Any] = {}
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
        """A predicate ``PackKey -> bool`` on the latest İTS list, or None when there is none.

        Any list resolves an ambiguous reading (the pack it holds is the one meant)."""
        from eczane.store.catalog import snapshot_has_key

        if pharmacy_id not in self._snapshots:
            self._snapshots[pharmacy_id] = latest_its_list(self.conn, pharmacy_id)
        latest = self._snapshots[pharmacy_id]
        if latest is None:
            return None
        snapshot = latest[0]
        return lambda key: bool(snapshot_has_key(self.conn, snapshot, key))

    def current_snapshot(self, pharmacy_id: int, today: date) -> int | None:
        """The id of the pharmacy's latest İTS list when it is today's (looked up already)."""
        latest = self._snapshots.get(pharmacy_id)
        if latest is None or not its_comparison(latest, today).current:
            return None
        return int(latest[0])

    def its_warns(self, pharmacy_id: int, today: date) -> Any:
        """:meth:`its_knows` when the latest list is today's, else None: a pack is said to be
        missing from İTS only against today's list (:class:`~eczane.domain.count.ItsComparison`)."""
        knows = self.its_knows(pharmacy_id)
        if knows is None or not its_comparison(self._snapshots[pharmacy_id], today).current:
            return None
        return knows


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
    warns = lk.its_warns(session.pharmacy_id, today)
    verdict = classify_scan(result, already_counted=False, product=product, today=today,
                            its_knows=None if (k is None or warns is None) else warns(k.key))
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
    scans at once go faster through :class:`ScanWriter` (the same checks: :func:`record_batch`).

    Raises:
        CountError: unknown session (404) or bad group (400); with ``check_user``, an unknown
            user (401) or a user of another pharmacy (404).
    """
    client_scan_id = _check_request(grp, client_scan_id)
    for _attempt in range(3):
        with db.begin() as conn:
            out = record_in(_Lookups(conn), Item(
                tenant.current(), session_id, raw, client_scan_id, storable(device_id)[:64], grp,
                user_id, today, choice), check_user=check_user)
        if not isinstance(out, Unexplained):
            return out
        # A concurrent writer held the same pack or client_scan_id and rolled back (PostgreSQL):
        # run again, the checks now see what is there.
    raise CountError("Okutma kaydedilemedi: aynı kutu aynı anda başka bir cihazdan da okutuldu; "
                     "yeniden okutun.", 409)


def record_in(lk: _Lookups, item: Item, *, check_user: bool) -> ScanOutcome | Unexplained:
    """One scan in the caller's transaction (:func:`record_batch` of one): its outcome, or
    :class:`Unexplained` (run it again); a CountError is raised."""
    out = record_batch(lk, [item], check_user=check_user)[0].out
    if isinstance(out, CountError):
        raise out
    assert isinstance(out, ScanOutcome | Unexplained)
    return out


def _check_request(grp: str, client_scan_id: str) -> str:
    if grp not in {g.value for g in ScanGroup}:
        raise CountError(f"Geçersiz grup: {grp!r} (raf veya acik_recete).", 400)
    client_scan_id = storable(client_scan_id).strip()[:64]
    if not client_scan_id:
        raise CountError("Okutma kimliği (client_scan_id) eksik.", 400)
    return client_scan_id


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


_MALFORMED = (DBAPIError, OverflowError, ValueError, TypeError, IndexError)
"""What a malformed scan request raises in the store (never the batch's COMMIT)."""
log = logging.getLogger(__name__)


def _still_in_transaction(conn: Connection) -> bool:
    """False when the database ended the transaction itself after an error (SQLite does on
    disk-full and I/O errors): the batch's earlier scans are then gone and nobody may be told
    they were stored."""
    if conn.dialect.name != "sqlite":
        return True   # PostgreSQL: the failed scan's savepoint was rolled back, the rest stands
    dbapi = conn.connection.dbapi_connection
    return bool(getattr(dbapi, "in_transaction", True))


class ScanWriter:
    """One thread that stores scans in batches: one transaction, hence one fsync, per batch.

    Why: on SQLite every commit with ``synchronous=FULL`` waits for an fsync of the WAL (a few
    ms on a real disk), and writers take turns (``BEGIN IMMEDIATE``). One scan per transaction
    caps the count at 1/fsync scans per second however many devices scan; waiting writers also
    poll the lock with sleeps, which makes the slowest answers slow. Scans that arrive while a
    batch is being written wait and go into the next one (group commit). On PostgreSQL the batch
    is read and written in two or three round trips (:func:`record_batch`); on SQLite scan by
    scan. Each answer is given only after the batch's COMMIT returned — an acknowledged scan is
    on disk. A malformed scan fails alone (400): a value the database refuses sends the batch
    back to the start of its transaction and then scan by scan, each in a savepoint; the others
    of its batch are stored and acknowledged.

    The user is checked in the batch too (exists, same pharmacy as the session), so that the
    web request itself needs no database round-trip.
    """

    def __init__(self, db: Database, *, max_batch: int = 200) -> None:
        import contextvars
        import queue
        import threading

        self._db = db
        self._max = max_batch
        self._lookups: _Lookups | None = None
        # SimpleQueue: put() from the event loop is one C call (Queue's condition variable
        # cost the loop a GIL hand-off per scan)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=contextvars.copy_context().run, args=(self._run,),
                                        name="count-scan-writer", daemon=True)
        self._thread.start()

    def submit(self, session_id: int, *, raw: str, client_scan_id: str, device_id: str,
               grp: str, user_id: int, today: date, choice: int | None = None) -> Any:
        """Queue one scan; returns a ``concurrent.futures.Future`` of its ``ScanOutcome``."""
        from concurrent.futures import Future

        fut: Future[ScanOutcome] = Future()
        self._put(fut, session_id, raw, client_scan_id, device_id, grp, user_id, today, choice)
        return fut

    def submit_async(self, session_id: int, *, raw: str, client_scan_id: str, device_id: str,
                     grp: str, user_id: int, today: date,
                     choice: int | None = None) -> asyncio.Future[ScanOutcome]:
        """:meth:`submit` for a coroutine: an asyncio future of the running loop. The writer
        wakes each loop once per batch with all of its answers (not once per scan)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[ScanOutcome] = loop.create_future()
        self._put(_LoopWaiter(loop, fut), session_id, raw, client_scan_id, device_id, grp,
                  user_id, today, choice)
        return fut

    def _put(self, fut: Any, session_id: int, raw: str, client_scan_id: str, device_id: str,
             grp: str, user_id: int, today: date, choice: int | None) -> None:
        try:
            cid = _check_request(grp, client_scan_id)
        except CountError as exc:
            _settle([(fut, exc)])
            return
        self._queue.put((Item(tenant.current(), session_id, raw, cid, storable(device_id)[:64],
                              grp, user_id, today, choice), fut))

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
            # Each scan acts for the pharmacy of the request that submitted it (row-level
            # security): the batch is written in ONE transaction (one commit, one fsync), each
            # pharmacy's statements after SET LOCAL of that pharmacy (record_batch).
            with tenant.acting_for(None):
                self._write(batch)

    def _write(self, batch: list[tuple[Item, Any]]) -> None:
        items = [it for it, _fut in batch]
        try:
            try:
                with self._db.begin() as conn:
                    lk = self._lookups = _Lookups(conn, carry=self._lookups)
                    if conn.dialect.name == "sqlite":
                        # in-process, no round trips: one by one, so that one scan the driver
                        # refuses fails alone (SQLite undoes only the failed statement)
                        _one_by_one(lk, items, savepoint=False)
                    else:
                        try:
                            record_batch(lk, items, check_user=True)
                        except _refused(conn) as exc:
                            raise _BatchRefused from exc  # the transaction is rolled back whole
            except _BatchRefused as exc:
                # one value the database refused failed the batch's statement and PostgreSQL
                # the whole transaction (no savepoint per batch: two round trips more for every
                # batch to spare this rare case one): the batch again, one by one in a new
                # transaction, each scan in a savepoint of its own, so that the refused one
                # fails alone
                log.warning("scan batch refused, one by one: %s", type(exc.__cause__).__name__)
                items = [it.fresh() for it in items]
                with self._db.begin() as conn:
                    lk = self._lookups = _Lookups(conn, carry=self._lookups)
                    _one_by_one(lk, items, savepoint=True)
        except BaseException as exc:  # noqa: BLE001 - the commit failed: nobody is acknowledged
            _settle([(fut, exc) for _it, fut in batch])
            return
        again = []
        answers = []
        for it, (_it, fut) in zip(items, batch, strict=True):
            if isinstance(it.out, Unexplained):
                again.append((it, fut))     # a racing writer rolled back (PostgreSQL)
            else:
                answers.append((fut, it.out))
        _settle(answers)
        for it, fut in again:
            try:
                with tenant.acting_for(it.pharmacy_id):
                    out: Any = record_scan(
                        self._db, it.session_id, raw=it.raw, client_scan_id=it.client_scan_id,
                        device_id=it.device_id, grp=it.grp, user_id=it.user_id, today=it.today,
                        choice=it.choice, check_user=True)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                out = exc
            _settle([(fut, out)])


class _BatchRefused(Exception):
    """A value of the batch was refused by PostgreSQL (the cause): the batch goes one by one."""


@dataclass(frozen=True, slots=True)
class _LoopWaiter:
    """A scan request awaiting its answer in an event loop (``ScanWriter.submit_async``)."""

    loop: asyncio.AbstractEventLoop
    fut: asyncio.Future[ScanOutcome]


def _settle(answers: list[tuple[Any, Any]]) -> None:
    """Hand each answer (a ScanOutcome or an exception) to its waiter: a concurrent future at
    once, an event loop's futures in one call into that loop."""
    loops: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
    for fut, out in answers:
        if isinstance(fut, _LoopWaiter):
            loops.setdefault(fut.loop, []).append((fut.fut, out))
        elif isinstance(out, BaseException):
            fut.set_exception(out)
        else:
            fut.set_result(out)
    for loop, pairs in loops.items():
        with suppress(RuntimeError):   # the loop has closed (the app is stopping): nobody waits
            loop.call_soon_threadsafe(_settle_in_loop, pairs)


def _settle_in_loop(pairs: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for fut, out in pairs:
        if fut.done():          # the request was cancelled (the device went away)
            continue
        if isinstance(out, BaseException):
            fut.set_exception(out)
        else:
            fut.set_result(out)


def _refused(conn: Connection) -> tuple[type[BaseException], ...]:
    """What a scan the database or the driver refuses raises (a malformed value)."""
    return (*_MALFORMED, conn.dialect.loaded_dbapi.Error)


def _one_by_one(lk: _Lookups, items: list[Item], *, savepoint: bool) -> None:
    """Each scan alone (in a savepoint of its own on PostgreSQL): a malformed one fails alone."""
    conn = lk.conn
    for it in items:
        if it.out is not None:
            continue
        try:
            with conn.begin_nested() if savepoint else nullcontext():
                record_batch(lk, [it], check_user=True)
        except _refused(conn) as exc:
            # One malformed scan (an id no column holds, a value the driver refuses) fails
            # alone: its savepoint is rolled back (PostgreSQL); on SQLite its one failed
            # statement wrote nothing — unless SQLite rolled the whole transaction back, and
            # then the batch must not be acknowledged.
            if not _still_in_transaction(conn):
                raise
            # the type only: the error's text holds the SQL parameters
            log.warning("scan refused in batch: %s", type(exc).__name__)
            it.out = CountError(BAD_SCAN, 400)


def _replay(lk: _Lookups, session: CountSession, earlier: StoredScan,
            today: date) -> ScanOutcome:
    """The answer for a resend of an already stored scan: its own verdict, recomputed."""
    warns = lk.its_warns(session.pharmacy_id, today)
    k = earlier.karekod
    product = lk.product(k.gtin)
    notes = scan_notes(k, product=product, today=today,
                       its_knows=None if warns is None else warns(k.key))
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
