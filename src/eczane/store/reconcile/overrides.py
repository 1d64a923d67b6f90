"""Keep-out overrides (``pack_override``): the pharmacist keeps a pack out of the deactivation
list with a note, or puts it back; both go to the audit log. ``reading.py`` applies them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from eczane.domain.errors import RuleError
from eczane.store.audit import append_event
from eczane.store.reconcile.tables import _now, pack_override


def set_override(conn: Connection, pharmacy_id: int, gtin: str, serial: str, *, note: str,
                 user_id: int | None, active: bool = True) -> None:
    """Keep a pack out of the deactivation list (``active=True``) or put it back (``False``).

    The note ("rafta bulundu", "buzdolabında") is required to keep a pack out; both directions
    go to the audit log. Raises ``RuleError`` for an empty note.
    """
    note = note.strip()
    if active and not note:
        raise RuleError("Kutuyu listeden çıkarmak için bir not yazın (ör. \"rafta bulundu\").",
                        code="note_required")
    conn.execute(update(pack_override).where(
        pack_override.c.pharmacy_id == pharmacy_id, pack_override.c.gtin == gtin,
        pack_override.c.serial == serial, pack_override.c.active.is_(True)).values(active=False))
    if active:
        conn.execute(insert(pack_override).values(
            pharmacy_id=pharmacy_id, gtin=gtin, serial=serial, note=note[:500], user_id=user_id,
            at=_now(), active=True))
    append_event(conn, pharmacy_id, user_id,
                 "reconcile.override_set" if active else "reconcile.override_cleared",
                 {"gtin": gtin, "serial": serial, "note": note})


def overrides(conn: Connection, pharmacy_id: int) -> list[Row[Any]]:
    return list(conn.execute(select(pack_override).where(
        pack_override.c.pharmacy_id == pharmacy_id, pack_override.c.active.is_(True)).order_by(
        pack_override.c.at.desc())))
