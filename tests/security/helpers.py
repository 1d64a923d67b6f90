"""Shared by the security tests: a settable clock for the app, and helpers over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from eczane.store import tenant
from eczane.store.audit import audit_log


class Clock:
    """``app.state.services.extra["now"]``: the app's time, moved by the test."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


def with_clock(client) -> Clock:  # type: ignore[no-untyped-def]
    clock = Clock()
    client.app.state.services.extra["now"] = clock
    return clock


def events(db, pharmacy_id: int, prefix: str = "accounts.") -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    with tenant.acting_for(pharmacy_id), db.connect() as conn:
        rows = conn.execute(select(audit_log.c.name, audit_log.c.payload)
                            .where(audit_log.c.pharmacy_id == pharmacy_id)
                            .order_by(audit_log.c.seq)).all()
    return [(r.name, r.payload) for r in rows if r.name.startswith(prefix)]


def post_login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/giris", data={"username": username, "password": password},
                       follow_redirects=False)
