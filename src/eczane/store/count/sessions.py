"""Opening, listing, pausing, resuming and closing count sessions (each in the audit log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from eczane.domain.count import CountStatus, can_transition
from eczane.store import tenant
from eczane.store.audit import append_event
from eczane.store.count.reading import summary
from eczane.store.count.tables import (
    CountError,
    CountSession,
    _session,
    count_scan,
    count_session,
    now_utc,
)


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
    row = conn.execute(select(count_session).where(count_session.c.id == session_id,
                                                  tenant.scoped(count_session))).first()
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
