"""The current pharmacy (tenant) of this request, CLI command or worker step.

One place decides which pharmacy a database transaction acts for:

- the web guard (``eczane.web.guard.require_login``) sets it from the logged-in user;
- a CLI command or the outbox worker wraps its work in ``with acting_for(pharmacy_id):``;
- ``eczane.store.db`` reads it at the start of every transaction. On PostgreSQL it runs
  ``SET LOCAL eczane.pharmacy_id = '…'`` (``eczane.store.db.set_local``), which the
  row-level-security policies compare every row's ``pharmacy_id`` against; on SQLite the store
  queries filter by it (``scoped``).

It is a ``ContextVar``: each request (asyncio task) and each worker thread started with
``contextvars.copy_context`` sees its own value, and it is never left behind on a pooled
connection (``SET LOCAL`` ends with the transaction).

>>> current() is None
True
>>> with acting_for(7):
...     current()
7
>>> current() is None
True
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Table

SETTING = "eczane.pharmacy_id"
"""The PostgreSQL run-time parameter the row-level-security policies read."""

_current: ContextVar[int | None] = ContextVar("eczane_pharmacy_id", default=None)


def current() -> int | None:
    """The pharmacy the current transaction acts for, or ``None`` (installation-wide work)."""
    return _current.get()


def set_current(pharmacy_id: int | None) -> None:
    """Set the pharmacy for the rest of this context (the web guard, once per request)."""
    _current.set(pharmacy_id)


@contextmanager
def acting_for(pharmacy_id: int | None) -> Iterator[None]:
    """Act for ``pharmacy_id`` inside the block (CLI commands, the worker, the chamber view)."""
    token = _current.set(pharmacy_id)
    try:
        yield
    finally:
        _current.reset(token)


def scoped(table: Table) -> ColumnElement[bool]:
    """The store's half of the tenant rule, in one place: a WHERE clause keeping the current
    pharmacy's rows of ``table`` (always true for installation-wide work, ``current() is None``).

    Every store function that loads a row by its id adds it, so that on SQLite too a request of
    one pharmacy asking for another's object gets ``None`` (→ 404). PostgreSQL's row-level
    security (``eczane.store.rls``) says the same a second time.

    >>> from eczane.store.count.tables import count_session
    >>> with acting_for(3):
    ...     print(scoped(count_session))
    count_session.pharmacy_id = :pharmacy_id_1
    >>> print(scoped(count_session))
    true
    """
    from sqlalchemy import true

    pharmacy_id = current()
    if pharmacy_id is None:
        return true()
    return table.c.pharmacy_id == pharmacy_id
