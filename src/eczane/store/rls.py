"""PostgreSQL row-level security: the second of the two tenant layers (issue 15).

The first layer is the store's own scoping (``eczane.store.tenant.scoped``), which works on
SQLite too. On PostgreSQL every *pharmacy table* (a table with a ``pharmacy_id`` column, except
:data:`EXCEPTIONS`) also has row-level security enabled and **forced** (the table owner is
subject to it too) with one policy::

    pharmacy_id = NULLIF(current_setting('eczane.pharmacy_id', true), '')::int

for reading (``USING``) and writing (``WITH CHECK``). ``eczane.store.db`` sets that parameter
at the start of every transaction from ``eczane.store.tenant``; with no pharmacy set, the
comparison is NULL and a pharmacy table reads as empty and refuses every write.

The app connects as a *restricted role* (:func:`create_app_role`): no superuser, no
``BYPASSRLS``, not the owner of the tables; migrations run as the owner
(``ECZANE_MIGRATE_DATABASE_URL``). A migration that adds a pharmacy table calls
:func:`enable` for it, and ``tests/store/test_rls.py`` checks from the live catalog that every
pharmacy table of ``metadata`` has it, so a table without it fails the tests.

Cross-tenant work goes through SECURITY DEFINER functions owned by the owner, each with a
narrow answer: ``eczane_outbox_pharmacies(now)`` (which pharmacies have open İTS batches) is
how the outbox worker finds its work (``eczane.store.outbox.due_pharmacies``).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import MetaData, Table, text

from eczane.store.tenant import SETTING

EXCEPTIONS = frozenset({"app_user"})
"""Tables with a ``pharmacy_id`` that are installation tables, not pharmacy tables:
``app_user`` is read at login, before anyone knows which pharmacy the request acts for."""

POLICY = "eczane_tenant"
"""Name of the tenant policy on every pharmacy table."""

OWNER_READ_POLICY = "eczane_owner_read"
"""``submission_batch`` only: the owner (the SECURITY DEFINER function) reads every batch."""

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def tenant_tables(metadata: MetaData) -> list[Table]:
    """The pharmacy tables of ``metadata``: with a ``pharmacy_id`` column, minus exceptions.

    >>> from eczane.store.tables import metadata
    >>> names = [t.name for t in tenant_tables(metadata)]
    >>> "count_scan" in names, "app_user" in names, "pharmacy" in names
    (True, False, False)
    """
    return [t for t in metadata.sorted_tables
            if "pharmacy_id" in t.c and t.name not in EXCEPTIONS]


def plain_name(name: str) -> bool:
    """Whether ``name`` is a plain, unquoted SQL name (lower-case letters, digits, ``_``)."""
    return bool(_NAME.match(name))


def _ident(name: str) -> str:
    if not plain_name(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return name


def enable_sql(table_name: str) -> list[str]:
    """The statements that put ``table_name`` under the tenant policy (idempotent)."""
    t = _ident(table_name)
    # NULLIF: a pooled connection that once had the setting keeps it as '' afterwards
    cond = f"pharmacy_id = NULLIF(current_setting('{SETTING}', true), '')::int"
    return [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {t}",
        f"CREATE POLICY {POLICY} ON {t} USING ({cond}) WITH CHECK ({cond})",
    ]


def disable_sql(table_name: str) -> list[str]:
    t = _ident(table_name)
    return [f"DROP POLICY IF EXISTS {POLICY} ON {t}",
            f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY"]


def _execute(op_or_conn: Any, statements: list[str]) -> None:
    """Run on an Alembic ``op`` or a SQLAlchemy ``Connection``; nothing on SQLite."""
    bind = op_or_conn.get_bind() if hasattr(op_or_conn, "get_bind") else op_or_conn
    if bind.dialect.name != "postgresql":
        return
    for sql in statements:
        bind.execute(text(sql))


def enable(op_or_conn: Any, table_name: str) -> None:
    """Enable and force row-level security on a pharmacy table, with the tenant policy.

    Call it in the migration that creates a pharmacy table (``from eczane.store import rls``;
    ``rls.enable(op, "my_table")``). A no-op on SQLite, where ``tenant.scoped`` is the guard.
    """
    _execute(op_or_conn, enable_sql(table_name))


def disable(op_or_conn: Any, table_name: str) -> None:
    """The reverse of :func:`enable` (a migration's downgrade)."""
    _execute(op_or_conn, disable_sql(table_name))


OUTBOX_FUNCTION = """
CREATE OR REPLACE FUNCTION eczane_outbox_pharmacies(at_time timestamptz)
RETURNS TABLE (pharmacy_id integer, due bigint, open bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    SELECT b.pharmacy_id,
           count(*) FILTER (WHERE b.due_at <= at_time
                            AND (b.lease_until IS NULL OR b.lease_until < at_time)),
           count(*)
    FROM submission_batch b
    WHERE b.status = 'open'
    GROUP BY b.pharmacy_id
    ORDER BY b.pharmacy_id
$$
"""
"""Which pharmacies have open İTS batches, and how many are due now: all the outbox worker
needs to know across pharmacies (it then acts for each one). Owned by the migrating role; with
the owner-only read policy on ``submission_batch`` it sees every pharmacy's batches."""


def create_outbox_function(op_or_conn: Any) -> None:
    bind = op_or_conn.get_bind() if hasattr(op_or_conn, "get_bind") else op_or_conn
    if bind.dialect.name != "postgresql":
        return
    schema = _ident(str(bind.execute(text("SELECT current_schema()")).scalar_one()))
    _execute(bind, [
        f"DROP POLICY IF EXISTS {OWNER_READ_POLICY} ON submission_batch",
        f"CREATE POLICY {OWNER_READ_POLICY} ON submission_batch FOR SELECT TO CURRENT_USER "
        "USING (true)",
        OUTBOX_FUNCTION.format(schema=schema),
        "REVOKE ALL ON FUNCTION eczane_outbox_pharmacies(timestamptz) FROM PUBLIC",
    ])


def drop_outbox_function(op_or_conn: Any) -> None:
    _execute(op_or_conn, ["DROP FUNCTION IF EXISTS eczane_outbox_pharmacies(timestamptz)",
                          f"DROP POLICY IF EXISTS {OWNER_READ_POLICY} ON submission_batch"])


def create_app_role(conn: Any, name: str, *, password: str | None = None,
                    login: bool = True) -> list[str]:
    """Create (or update) the restricted role the app connects as, and grant it what it needs.

    The role is NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE and owns nothing, so the
    policies hold for it. It gets SELECT/INSERT/UPDATE/DELETE on every table and USAGE, SELECT,
    UPDATE on every sequence of the current schema, EXECUTE on the outbox function, and the
    same on tables a later migration creates (``ALTER DEFAULT PRIVILEGES`` of the migrating
    role). Run it as the owner (the role migrations run as) after ``eczane migrate``; run it
    again after a migration made by another role. Returns the statements run (passwords masked).
    """
    role = _ident(name)
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": role}).first()
    attrs = ("LOGIN" if login else "NOLOGIN") + \
        " NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT"
    done: list[str] = []
    stmt = f"{'ALTER' if exists else 'CREATE'} ROLE {role} {attrs}"
    conn.execute(text(stmt))
    done.append(stmt)
    if password is not None:
        quoted = conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
        conn.execute(text(f"ALTER ROLE {role} PASSWORD {quoted}"))
        done.append(f"ALTER ROLE {role} PASSWORD '…'")
    schema = _ident(str(conn.execute(text("SELECT current_schema()")).scalar_one()))
    grants = [
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
    ]
    if conn.execute(text("SELECT to_regprocedure('eczane_outbox_pharmacies(timestamptz)')")
                    ).scalar_one() is not None:
        grants.append(f"GRANT EXECUTE ON FUNCTION eczane_outbox_pharmacies(timestamptz) TO {role}")
    for g in grants:
        conn.execute(text(g))
    return done + grants


def role_problems(conn: Any) -> list[str]:
    """Why the connected role could bypass the policies (empty: it cannot)."""
    row = conn.execute(text(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    problems = []
    if row.rolsuper:
        problems.append("superuser")
    if row.rolbypassrls:
        problems.append("BYPASSRLS")
    owned = conn.execute(text(
        "SELECT count(*) FROM pg_tables WHERE tableowner = current_user "
        "AND schemaname = current_schema()")).scalar_one()
    if owned:
        problems.append(f"owns {owned} tables")
    return problems
