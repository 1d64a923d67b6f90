"""Storing a batch of scans in a fixed number of database round trips (:func:`record_batch`).

Why: on PostgreSQL a scan cost five round trips (savepoint, resend lookup, active-pack lookup,
insert, release), each a wait on the server, one after the other in the one writer thread of
an app process: the writer, not the CPU, capped a hosted installation at ~500 scans/s. Here a
batch of scans, grouped by pharmacy, is read in one pipelined round (sessions, users, the
latest İTS list, products — the last three cached for a moment), checked against İTS's list in
a second when today's list exists, and written in a third: one ``INSERT … ON CONFLICT DO
NOTHING RETURNING`` per pharmacy and table. A row the database did not store is a resend (same
``client_scan_id``) or a pack already counted — the unique keys ``uq_count_scan_session_client``
and ``uq_count_scan_active_pack`` say so, whoever wrote the other row — and is looked up one by
one (:func:`_explain`): the answers are the ones the single-scan path gave.

Every pharmacy's statements run after ``SET LOCAL eczane.pharmacy_id`` for that pharmacy (row-
level security), in the caller's transaction; nothing here commits. SQLite runs the same steps
one statement at a time (no round trips there: it is in the process).

The checks, in order: the session exists (404) and the user belongs to it (401/404) → a paused
or closed count refuses (but a resend of a scan stored before answers as then) → the karekod is
classified (:func:`~eczane.domain.count.classify_scan`) → an unreadable scan is kept apart
(once per ``client_scan_id``), a pack is stored once, a resend answers like its first send.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects import sqlite as sqlite_dialect

from eczane.domain.count import ScanState, ScanVerdict, classify_scan, refusal_for_status
from eczane.domain.karekod import KarekodResult, parse_karekod
from eczane.store.count.tables import (
    RAW_MAX,
    CountError,
    CountSession,
    ScanOutcome,
    StoredScan,
    _session,
    count_scan,
    count_scan_rejected,
    count_session,
    now_utc,
)
from eczane.store.db import set_local
from eczane.store.tenant import SETTING

INT4 = 2 ** 31
BAD_SCAN = "Okutma kaydedilemedi: istekteki bir değer geçersiz (sayım numarası, okutma kimliği)."


class Unexplained(Exception):
    """The database stored no row for a scan and no row explains why (a writer that raced us
    rolled back in between): the caller runs the scan again on its own."""


@dataclass(slots=True)
class Item:
    """One scan request of a batch and, once :func:`record_batch` ran, its answer."""

    pharmacy_id: int | None
    """The pharmacy the request acts for (the logged-in user's); None: none (reads nothing)."""
    session_id: int
    raw: str
    client_scan_id: str
    device_id: str
    grp: str
    user_id: int
    today: date
    choice: int | None = None
    out: ScanOutcome | BaseException | None = None
    parsed: KarekodResult | None = None
    session: CountSession | None = None
    verdict: ScanVerdict | None = None
    name: str = ""

    def fresh(self) -> Item:
        """The request again, without what an attempt found."""
        return Item(self.pharmacy_id, self.session_id, self.raw, self.client_scan_id,
                    self.device_id, self.grp, self.user_id, self.today, self.choice)


# ---- the statements, per database ------------------------------------------------------------

_SCAN_COLS = ("session_id", "gtin", "serial", "expiry", "batch", "grp", "raw", "device_id",
              "client_scan_id", "user_id", "scanned_at")
_SCAN_TYPES = ("int", "text", "text", "date", "text", "text", "text", "text", "text", "int",
               "timestamptz")
_REJ_COLS = ("session_id", "raw", "code", "detail", "message", "grp", "device_id",
             "client_scan_id", "user_id", "scanned_at")
_REJ_TYPES = ("int", "text", "text", "text", "text", "text", "text", "text", "int", "timestamptz")


def _pg_insert(table: str, cols: Sequence[str], types: Sequence[str], returning: str) -> str:
    """``INSERT … SELECT FROM json_to_recordset(one parameter) … ON CONFLICT DO NOTHING
    RETURNING``: one statement text whatever the batch size (prepared once by the driver), the
    rows in one JSON text (the driver sends it as it is: no per-value adaptation), inserted in
    request order (``n``: the first of two sends of one pack is the one stored)."""
    defs = ", ".join(f"{c} {t}" for c, t in zip(cols, types, strict=True))
    return (f"INSERT INTO {table} (pharmacy_id, {', '.join(cols)}) "
            f"SELECT %s, {', '.join(cols)} FROM json_to_recordset(%s::json) AS u({defs}, n int) "
            f"ORDER BY n ON CONFLICT DO NOTHING RETURNING {returning}")


def _ints(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers (sent as text, cast in the statement: cheaper
    than the driver's adaptation of a list, value by value)."""
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def _texts(values: Iterable[str]) -> str:
    """A PostgreSQL array literal of texts, each quoted (``"`` and ``\\`` escaped)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
                          for v in values) + "}"


_PG = {
    "sessions": "SELECT * FROM count_session WHERE id = ANY(%s::int[])",
    "users": "SELECT * FROM app_user WHERE id = ANY(%s::int[])",
    "latest": "SELECT id, imported_at, source_name FROM its_snapshot WHERE pharmacy_id = %s "
              "ORDER BY imported_at DESC, id DESC LIMIT 1",
    "products": "SELECT * FROM product WHERE gtin = ANY(%s::text[])",
    "its_keys": "SELECT gtin, serial FROM its_stock_pack WHERE snapshot_id = %s "
                "AND (gtin, serial) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
    "scans": _pg_insert("count_scan", _SCAN_COLS, _SCAN_TYPES, "id, client_scan_id"),
    "rejected": _pg_insert("count_scan_rejected", _REJ_COLS, _REJ_TYPES, "client_scan_id"),
}

Rows = Callable[[], list[Any]]


class _PgOps:
    """PostgreSQL: every statement of a round is queued (psycopg pipeline mode) and the results
    read after one synchronisation: one network round trip for the round."""

    def __init__(self, conn: Connection) -> None:
        from psycopg.rows import namedtuple_row

        self._raw: Any = conn.connection.dbapi_connection
        self._row = namedtuple_row

    @contextmanager
    def round(self) -> Iterator[None]:
        import psycopg
        from sqlalchemy.exc import DBAPIError

        try:
            with self._raw.pipeline():
                yield
        except psycopg.Error as exc:   # the same exception types as SQLAlchemy's own calls
            raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc

    def acting_for(self, pharmacy_id: int | None) -> None:
        self._raw.execute(set_local(pharmacy_id) if pharmacy_id is not None
                          else f"SET LOCAL {SETTING} = ''")

    def _q(self, name: str, *params: Any) -> Rows:
        cur = self._raw.cursor(row_factory=self._row)
        cur.execute(_PG[name], params)
        return cur.fetchall  # type: ignore[no-any-return]

    def sessions(self, ids: list[int]) -> Rows:
        return self._q("sessions", _ints(ids))

    def users(self, ids: list[int]) -> Rows:
        return self._q("users", _ints(ids))

    def latest(self, pharmacy_id: int) -> Rows:
        return self._q("latest", pharmacy_id)

    def products(self, gtins: list[str]) -> Rows:
        return self._q("products", _texts(gtins))

    def its_keys(self, snapshot_id: int, gtins: list[str], serials: list[str]) -> Rows:
        return self._q("its_keys", snapshot_id, _texts(gtins), _texts(serials))

    def insert(self, table: str, pharmacy_id: int, cols: Sequence[str],
               rows: list[dict[str, Any]]) -> Rows:
        import json

        return self._q(table, pharmacy_id, json.dumps(
            [{**r, "n": n} for n, r in enumerate(rows)], default=_iso, ensure_ascii=False))


class _SqliteOps:
    """SQLite: the same steps, each statement run at once (in-process, no round trips)."""

    _STMTS: dict[str, Any] = {}

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        if not self._STMTS:
            from eczane.store.catalog import its_snapshot, its_stock_pack, product
            from eczane.store.core import app_user

            ids: Any = bindparam("ids", expanding=True)
            self._STMTS.update({
                "sessions": select(count_session).where(count_session.c.id.in_(ids)),
                "users": select(app_user).where(app_user.c.id.in_(ids)),
                "latest": select(its_snapshot.c.id, its_snapshot.c.imported_at,
                                 its_snapshot.c.source_name)
                .where(its_snapshot.c.pharmacy_id == bindparam("pid"))
                .order_by(its_snapshot.c.imported_at.desc(), its_snapshot.c.id.desc()).limit(1),
                "products": select(product).where(product.c.gtin.in_(ids)),
                "its_key": select(its_stock_pack.c.gtin, its_stock_pack.c.serial).where(
                    its_stock_pack.c.snapshot_id == bindparam("snap"),
                    its_stock_pack.c.gtin == bindparam("gtin"),
                    its_stock_pack.c.serial == bindparam("serial")),
                "scans": sqlite_dialect.insert(count_scan).on_conflict_do_nothing()
                .returning(count_scan.c.id, count_scan.c.client_scan_id),
                "rejected": sqlite_dialect.insert(count_scan_rejected).on_conflict_do_nothing()
                .returning(count_scan_rejected.c.client_scan_id),
            })

    def round(self) -> Any:
        return nullcontext()

    def acting_for(self, pharmacy_id: int | None) -> None:
        """Nothing: SQLite has no row-level security (the store's queries are scoped)."""

    def _q(self, name: str, **params: Any) -> Rows:
        rows = list(self._conn.execute(self._STMTS[name], params))
        return lambda: rows

    def sessions(self, ids: list[int]) -> Rows:
        return self._q("sessions", ids=ids)

    def users(self, ids: list[int]) -> Rows:
        return self._q("users", ids=ids)

    def latest(self, pharmacy_id: int) -> Rows:
        return self._q("latest", pid=pharmacy_id)

    def products(self, gtins: list[str]) -> Rows:
        return self._q("products", ids=gtins)

    def its_keys(self, snapshot_id: int, gtins: list[str], serials: list[str]) -> Rows:
        found = [r for g, s in zip(gtins, serials, strict=True)
                 for r in self._q("its_key", snap=snapshot_id, gtin=g, serial=s)()]
        return lambda: found

    def insert(self, table: str, pharmacy_id: int, cols: Sequence[str],
               rows: list[dict[str, Any]]) -> Rows:
        out = [r for row in rows for r in self._conn.execute(
            self._STMTS[table], {"pharmacy_id": pharmacy_id, **{c: row[c] for c in cols}})]
        return lambda: out


def _iso(value: Any) -> str:
    """Dates and times in the JSON of an insert: ISO 8601 (with the offset for a time)."""
    return str(value.isoformat())


def _ops(conn: Connection) -> _PgOps | _SqliteOps:
    return _SqliteOps(conn) if conn.dialect.name == "sqlite" else _PgOps(conn)


# ---- the batch -------------------------------------------------------------------------------

def check_values(item: Item) -> None:
    """Refuse (400) what no column can hold, before any statement: one such value would fail
    the statement of the whole batch."""
    for v in (item.session_id, item.user_id):
        if isinstance(v, bool) or not isinstance(v, int) or not -INT4 <= v < INT4:
            raise CountError(BAD_SCAN, 400)
    if item.choice is not None and not 0 <= item.choice < INT4:
        raise CountError(BAD_SCAN, 400)


def record_batch(lk: Any, items: list[Item], *, check_user: bool) -> list[Item]:
    """Answer every item (``item.out``): a ScanOutcome, a CountError, or :class:`Unexplained`.

    ``lk`` is the transaction's :class:`~eczane.store.count.scans._Lookups` (its caches are
    filled and used). Database errors propagate: the caller rolls the transaction back and
    runs the scans again one by one, each in a savepoint.
    """
    from eczane.store.count.scans import _replay, storable

    ops = _ops(lk.conn)
    todo: list[Item] = []
    for it in items:
        try:
            check_values(it)
        except CountError as exc:
            it.out = exc
            continue
        it.raw = storable(it.raw)
        it.parsed = parse_karekod(it.raw, today=it.today, its_case=True)
        todo.append(it)
    groups: dict[int | None, list[Item]] = {}
    for it in todo:
        groups.setdefault(it.pharmacy_id, []).append(it)

    def todays(it: Item) -> int | None:
        return None if it.pharmacy_id is None else lk.current_snapshot(it.pharmacy_id, it.today)

    def asked_of(group: list[Item]) -> list[tuple[int, Any]]:
        return [(snap, it.parsed.value.key) for it in group if it.parsed is not None
                and it.parsed.value is not None and (snap := todays(it)) is not None]

    def ask_list(asked: list[tuple[int, Any]]) -> Rows:
        """Which of these packs today's İTS list holds (one list per pharmacy)."""
        return ops.its_keys(asked[0][0], [k.gtin for _s, k in asked],
                            [k.serial for _s, k in asked])

    # Round 1: what the checks read; and, for a pharmacy whose latest İTS list is known
    # already (the common case: it is kept from batch to batch), round 2's question at once,
    # for every readable scan (asked for nothing on a scan the checks then refuse).
    known: dict[int | None, set[tuple[str, str]]] = {}
    asked_early: dict[int | None, set[Any]] = {}
    with ops.round():
        early: list[tuple[int | None, Rows]] = []
        pending: list[tuple[str, int | None, Rows]] = []
        gtins = sorted({it.parsed.value.gtin for it in todo
                        if it.parsed is not None and it.parsed.value is not None} - set(lk._products))
        products = ops.products(gtins) if gtins else None
        for pid, group in groups.items():
            ops.acting_for(pid)
            sids = sorted({it.session_id for it in group} - set(lk._sessions))
            if sids:
                pending.append(("sessions", pid, ops.sessions(sids)))
            uids = sorted({it.user_id for it in group} - set(lk._users)) if check_user else []
            if uids:
                pending.append(("users", pid, ops.users(uids)))
            if pid is not None and pid not in lk._snapshots:
                pending.append(("latest", pid, ops.latest(pid)))
            elif asked := asked_of(group):
                asked_early[pid] = {k for _s, k in asked}
                early.append((pid, ask_list(asked)))
        if products is not None:
            from eczane.store.catalog import _row_to_product

            lk._products.update({gtin: None for gtin in gtins})   # not in the catalog: kept too
            lk._products.update({r.gtin: _row_to_product(r) for r in products()})
        for kind, pid, rows in pending:
            _keep(lk, kind, pid, rows(), groups.get(pid, []))
        for pid, rows in early:
            known[pid] = {(r.gtin, r.serial) for r in rows()}

    # The checks, in the single-scan order (the İTS answer is used after them).
    ask: dict[int | None, list[Item]] = {}
    for pid, group in groups.items():
        for it in group:
            _check(lk, ops, it, check_user, _replay)
            if it.out is None and it.verdict is None:
                ask.setdefault(pid, []).append(it)

    # Round 2: which counted packs today's İTS list holds (a pack missing from it is amber;
    # nothing is said against an older list); only what round 1 did not ask (a list read in
    # round 1, a pick that changed the karekod).
    late = [(pid, asked) for pid, group in ask.items()
            if (asked := [(snap, k) for snap, k in asked_of(group)
                          if k not in asked_early.get(pid, set())])]
    if late:  # (an empty round would still cost a round trip: the pipeline's sync)
        with ops.round():
            pending2 = []
            for pid, asked in late:
                ops.acting_for(pid)
                pending2.append((pid, ask_list(asked)))
            for pid, rows in pending2:
                known.setdefault(pid, set()).update((r.gtin, r.serial) for r in rows())
    for pid, group in ask.items():
        for it in group:
            k = it.parsed.value if it.parsed is not None else None
            product = lk._products.get(k.gtin) if k is not None else None
            it.name = product.name if product is not None else ""
            in_list = None if k is None or todays(it) is None else (k.gtin, k.serial) in known.get(
                pid, set())
            assert it.parsed is not None
            it.verdict = classify_scan(it.parsed, already_counted=False, product=product,
                                       today=it.today, its_knows=in_list)

    # Round 3: the writes.
    conflicts: list[Item] = []
    with ops.round():
        pending3: list[tuple[str, list[Item], Rows]] = []
        for pid, group in groups.items():
            new = [it for it in group if it.out is None and it.verdict is not None
                   and it.verdict.counted and it.verdict.karekod is not None]
            red = [it for it in group if it.out is None and it.verdict is not None
                   and it.verdict.state is ScanState.RED]
            for it in group:
                if it.out is None and it.verdict is not None and it not in new and it not in red:
                    it.out = ScanOutcome(it.verdict, product_name=it.name)
            if not (new or red) or pid is None:
                continue
            ops.acting_for(pid)
            at = now_utc()
            if new:
                pending3.append(("scans", new, ops.insert("scans", pid, _SCAN_COLS, [
                    _scan_row(it, at) for it in new])))
            if red:
                pending3.append(("rejected", red, ops.insert("rejected", pid, _REJ_COLS, [
                    _rejected_row(it, at) for it in red])))
        for table, its, rows in pending3:
            stored = rows()
            if table == "scans":
                ids: dict[str, int] = {}
                for r in stored:
                    ids.setdefault(r.client_scan_id, int(r.id))
                for it in its:
                    new_id = ids.pop(it.client_scan_id, None)
                    if new_id is None:
                        conflicts.append(it)
                        continue
                    k = it.verdict.karekod  # type: ignore[union-attr]
                    assert k is not None
                    it.out = ScanOutcome(it.verdict, scan=StoredScan(  # type: ignore[arg-type]
                        new_id, it.session_id, k.gtin, k.serial, k.expiry, k.batch, it.grp,
                        it.raw, it.device_id, it.client_scan_id, it.user_id, at, None, None),
                        product_name=it.name)
            else:
                fresh = {r.client_scan_id for r in stored}
                for it in its:
                    it.out = ScanOutcome(it.verdict, replayed=it.client_scan_id not in fresh,  # type: ignore[arg-type]
                                         rejected=True)
                    fresh.discard(it.client_scan_id)

    # Rows not stored: a resend (same client_scan_id) or a pack counted already.
    for it in conflicts:
        ops.acting_for(it.pharmacy_id)
        _explain(lk, it, _replay)
    return items


def _keep(lk: Any, kind: str, pid: int | None, rows: list[Any], group: list[Item]) -> None:
    """Round 1's answers into the transaction's caches."""
    if kind == "sessions":
        found = {int(r.id): _session(r) for r in rows}
        for sid in {it.session_id for it in group}:
            lk._sessions.setdefault(sid, found.get(sid))
    elif kind == "users":
        from eczane.accounts.users import _row_to_user

        found_u = {int(r.id): _row_to_user(r) for r in rows}
        for uid in {it.user_id for it in group}:
            lk._users.setdefault(uid, found_u.get(uid))
    elif kind == "latest":
        from eczane.store.count.reading import latest_from_row

        assert pid is not None
        lk._snapshots[pid] = latest_from_row(rows[0]) if rows else None


def _check(lk: Any, ops: _PgOps | _SqliteOps, it: Item, check_user: bool,
           replay: Callable[..., ScanOutcome]) -> None:
    """The checks before the karekod's own classification (``it.out`` set when they answer)."""
    session = it.session = lk._sessions.get(it.session_id)
    if session is None:
        it.out = CountError("Sayım bulunamadı.", 404)
        return
    if check_user:
        user = lk._users.get(it.user_id)
        if user is None:
            it.out = CountError("Oturum süresi doldu, lütfen yeniden giriş yapın.", 401)
            return
        if user.pharmacy_id != session.pharmacy_id:
            it.out = CountError("Bulunamadı.", 404)
            return
    refusal = refusal_for_status(session.status)
    if refusal is not None:
        # A resend of a scan stored before the pause answers as then (a scan the database
        # stores runs into its first send instead: ``_explain``).
        from eczane.store.count.scans import _find_by_client_id

        ops.acting_for(it.pharmacy_id)
        first = _find_by_client_id(lk.conn, it.session_id, it.client_scan_id)
        it.out = (replay(lk, session, first, it.today) if first is not None else ScanOutcome(
            ScanVerdict(ScanState.RED, f"session_{session.status.value}", refusal,
                        counted=False), refused=refusal))
        return
    p = it.parsed
    if it.choice is not None or (p is not None and p.error is not None
                                 and p.error.code == "ambiguous"):
        # Rare (a scanner that drops the GS separator): the İTS list resolves it, a query a key.
        from eczane.store.count.scans import _classify

        ops.acting_for(it.pharmacy_id)
        try:
            it.verdict, it.name = _classify(lk, session, it.raw, it.today, it.choice)
        except CountError as exc:
            it.out = exc


def _explain(lk: Any, it: Item, replay: Callable[..., ScanOutcome]) -> None:
    """Why the database did not store a counted scan: an earlier send of it, or the pack is
    active in the session already (the row stored a moment ago by this batch or another)."""
    from eczane.store.count.scans import _find_by_client_id, find_active

    assert it.session is not None and it.verdict is not None and it.verdict.karekod is not None
    first = _find_by_client_id(lk.conn, it.session_id, it.client_scan_id)
    if first is not None:
        it.out = replay(lk, it.session, first, it.today)
        return
    k = it.verdict.karekod
    existing = find_active(lk.conn, it.session_id, k.key)
    if existing is None:
        it.out = Unexplained()
        return
    dup = classify_scan(KarekodResult(value=k), already_counted=True, product=None,
                        today=it.today, its_knows=None)
    it.out = ScanOutcome(dup, scan=existing, product_name=it.name)


def _scan_row(it: Item, at: Any) -> dict[str, Any]:
    k = it.verdict.karekod  # type: ignore[union-attr]
    assert k is not None
    return {"session_id": it.session_id, "gtin": k.gtin, "serial": k.serial,
            "expiry": k.expiry, "batch": k.batch, "grp": it.grp, "raw": it.raw,
            "device_id": it.device_id, "client_scan_id": it.client_scan_id,
            "user_id": it.user_id, "scanned_at": at}


def _rejected_row(it: Item, at: Any) -> dict[str, Any]:
    from eczane.store.count.scans import storable

    v = it.verdict
    assert v is not None
    return {"session_id": it.session_id, "raw": it.raw[:RAW_MAX], "code": v.code[:40],
            "detail": v.detail[:40], "message": storable(v.message), "grp": it.grp,
            "device_id": it.device_id, "client_scan_id": it.client_scan_id,
            "user_id": it.user_id, "scanned_at": at}
