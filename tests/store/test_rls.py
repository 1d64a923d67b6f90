"""Row-level security from the live PostgreSQL catalog (issue 15, "tenants enforced twice").

Every pharmacy table of ``metadata`` (a ``pharmacy_id`` column, minus ``rls.EXCEPTIONS``) has
row-level security enabled and forced and the tenant policy: a migration that adds a pharmacy
table without ``rls.enable(op, name)`` fails here. The app's role cannot bypass it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from eczane.store import rls
from eczane.store.db import Database, make_engine
from eczane.store.tables import metadata


@pytest.fixture
def pg(db: Database) -> Database:
    if db.is_sqlite:
        pytest.skip("row-level security is PostgreSQL's (SQLite: tenant.scoped)")
    return db


def test_every_pharmacy_table_has_forced_row_level_security_and_the_policy(pg: Database) -> None:
    with pg.connect() as conn:
        live = {r.table_name for r in conn.execute(text(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'pharmacy_id' "
            "AND table_schema = current_schema()"))}
        flags = {r.relname: (r.relrowsecurity, r.relforcerowsecurity) for r in conn.execute(text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'"))}
        policies = {(r.tablename, r.policyname): r for r in conn.execute(text(
            "SELECT tablename, policyname, cmd, roles, qual, with_check FROM pg_policies "
            "WHERE schemaname = current_schema()"))}
    wanted = {t.name for t in rls.tenant_tables(metadata)} | (live - rls.EXCEPTIONS)
    assert len(wanted) >= 17
    missing = []
    for name in sorted(wanted):
        pol = policies.get((name, rls.POLICY))
        problems = []
        if flags.get(name) != (True, True):
            problems.append(f"enabled/forced = {flags.get(name)}")
        if pol is None:
            problems.append("no policy")
        else:
            for clause in (pol.qual, pol.with_check):
                if "pharmacy_id = (NULLIF(current_setting('eczane.pharmacy_id'::text, true), " \
                        "''::text))::integer" not in (clause or ""):
                    problems.append(f"clause {clause!r}")
            if pol.cmd != "ALL" or list(pol.roles) != ["public"]:
                problems.append(f"cmd {pol.cmd} roles {pol.roles}")
        if problems:
            missing.append(f"{name}: {', '.join(problems)}")
    assert not missing, ("pharmacy tables without row-level security — call "
                         "rls.enable(op, '<table>') in the migration that creates them:\n"
                         + "\n".join(missing))


def test_the_app_role_cannot_bypass_the_policies(pg: Database) -> None:
    with pg.connect() as conn:
        assert rls.role_problems(conn) == []


def test_the_owner_could_and_is_reported(db_owner_url: str) -> None:
    if db_owner_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    owner = Database(make_engine(db_owner_url))
    try:
        with owner.connect() as conn:
            assert "superuser" in rls.role_problems(conn)
    finally:
        owner.dispose()


def test_create_app_role_makes_a_role_that_works_and_cannot_bypass(db_owner_url, monkeypatch,
                                                                    ) -> None:
    """``eczane create-app-role`` as the owner, the password typed twice at a hidden prompt
    (never on the command line); then the app opens the database as that role, the migrations
    running as the owner (ECZANE_MIGRATE_DATABASE_URL)."""
    if db_owner_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    from typer.testing import CliRunner

    from eczane.cli import app as cli
    from eczane.store.db import open_database
    from tests.conftest import as_role

    runner = CliRunner()
    monkeypatch.setenv("ECZANE_MIGRATE_DATABASE_URL", db_owner_url)
    monkeypatch.delenv("ECZANE_APP_ROLE_PASSWORD", raising=False)
    r = runner.invoke(cli, ["create-app-role", "eczane_app_test"], input="gizli\ngizli\n")
    assert r.exit_code == 0, r.output
    assert "NOBYPASSRLS" in r.stdout and "gizli" not in r.stdout
    app = open_database(as_role(db_owner_url, "eczane_app_test"), migrate_url=db_owner_url)
    owner = make_engine(db_owner_url)
    try:
        with owner.connect() as conn:  # the test server trusts local logins: the hash is there
            assert conn.execute(text("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid "
                                     "WHERE rolname = 'eczane_app_test'")).scalar_one()
        with app.connect() as conn:
            assert rls.role_problems(conn) == []
            assert conn.execute(text("SELECT count(*) FROM count_session")).scalar_one() == 0
    finally:
        app.dispose()
        owner.dispose()
    monkeypatch.setenv("ECZANE_APP_ROLE_PASSWORD", "baska")  # again (after a migration), unasked
    r = runner.invoke(cli, ["create-app-role", "eczane_app_test"])
    assert r.exit_code == 0 and r.stdout.startswith("ALTER ROLE eczane_app_test")
    r = runner.invoke(cli, ["create-app-role", "Eczane-App"])
    assert r.exit_code == 2 and "Rol adı" in r.stderr
    monkeypatch.setenv("ECZANE_MIGRATE_DATABASE_URL", "sqlite:///x.db")
    r = runner.invoke(cli, ["create-app-role", "eczane_app_test", "--no-password"])
    assert r.exit_code == 2 and "PostgreSQL" in r.stderr
