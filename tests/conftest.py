"""Shared fixtures.

- ``db``: a migrated ``Database``, once on SQLite and once on a real PostgreSQL (marked ``pg``).
  On PostgreSQL the template is migrated as the owner (the server's superuser) and ``db``, the
  app and the settings connect as the restricted role :data:`APP_ROLE`, so row-level security
  holds in every test (``eczane.store.rls``). Test set-up that writes a pharmacy's rows does it
  inside ``tenant.acting_for(pharmacy_id)``; ``db_owner_url`` is the owner's URL of the same
  database, for the few tests about the roles themselves.
- ``pharmacies``: alice (pharmacist), bob (kalfa, same pharmacy), charlie (pharmacist of another
  pharmacy) — the three test users every page test uses (see STYLE.md §7). The test then acts
  for alice's pharmacy (``tenant.current()``), as her requests do.
- ``app_client``: a FastAPI TestClient on ``db`` with helpers to log in as one of them; its
  unsafe requests carry the CSRF token like our pages do (``tests/webclient.py``).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from eczane.store.db import Database, make_engine, migrate, open_database

_counter = itertools.count()

APP_ROLE = "eczane_app"
"""The restricted role the tests' app connects as on PostgreSQL (no superuser, no BYPASSRLS)."""


def as_role(url: str, role: str) -> str:
    """The same URL with another user (the test server trusts local connections)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def _no_tenant_left() -> Iterator[None]:
    """A CLI command run in-process sets the tenant for the rest of its context: not for the
    next test."""
    from eczane.store import tenant

    yield
    tenant.set_current(None)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of the admin database of a PostgreSQL server started for this test run."""
    url = os.environ.get("ECZANE_TEST_PG_URL")
    if url:
        yield url
        return
    from tests.pgserver import PgServer

    server = PgServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> str:
    """A migrated template database; each test clones it (fast) instead of migrating."""
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    name = f"eczane_tpl_{os.getpid()}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + "/" + name
    eng = make_engine(url)
    migrate(eng)
    with eng.begin() as conn:
        from eczane.store.rls import create_app_role

        create_app_role(conn, APP_ROLE)  # the grants are copied with the template
    eng.dispose()
    admin.dispose()
    return name


def new_pg_database(pg_server: str, template: str) -> str:
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    name = f"eczane_t{os.getpid()}_{next(_counter)}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return pg_server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db_owner_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database's URL as its owner (SQLite: the file)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template")
    return new_pg_database(server, template)


@pytest.fixture
def db_url(db_owner_url: str) -> str:
    """The URL the app connects with: on PostgreSQL as the restricted :data:`APP_ROLE`."""
    if db_owner_url.startswith("sqlite"):
        return db_owner_url
    return as_role(db_owner_url, APP_ROLE)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    try:
        yield database
    finally:
        database.dispose()


@dataclass
class TestPharmacies:
    pharmacy_id: int
    other_pharmacy_id: int
    alice_id: int
    bob_id: int
    charlie_id: int


@pytest.fixture
def pharmacies(db: Database) -> TestPharmacies:
    from eczane.store.users import create_pharmacy, create_user

    with db.begin() as conn:
        p1 = create_pharmacy(conn, "Alice Eczanesi", gln="8680001000001", province="İstanbul",
                             district="Kadıköy")
        p2 = create_pharmacy(conn, "Charlie Eczanesi", gln="8680001000018", province="Ankara",
                             district="Çankaya")
        a = create_user(conn, p1, "alice", "alice-pw", role="eczaci", display_name="Ecz. Alice")
        b = create_user(conn, p1, "bob", "bob-pw", role="kalfa", display_name="Bob")
        c = create_user(conn, p2, "charlie", "charlie-pw", role="eczaci",
                        display_name="Ecz. Charlie")
    # The test itself acts for alice's pharmacy, like a request of hers (``tenant``): on
    # PostgreSQL row-level security hides and refuses charlie's rows unless a test says
    # ``with tenant.acting_for(pharmacies.other_pharmacy_id):``.
    from eczane.store import tenant

    tenant.set_current(p1)
    return TestPharmacies(p1, p2, a, b, c)


@pytest.fixture
def settings(tmp_path: Path, db_url: str):  # type: ignore[no-untyped-def]
    from eczane.config import Settings

    return Settings(data_dir=tmp_path / "var", database_url=db_url, secret_key="test-secret")


@pytest.fixture
def app_client(settings, db: Database, pharmacies: TestPharmacies):  # type: ignore[no-untyped-def]
    from eczane.web.app import create_app
    from tests.webclient import CsrfTestClient

    app = create_app(settings, db)
    client = CsrfTestClient(app)

    def login(username: str) -> CsrfTestClient:
        r = client.post("/giris", data={"username": username, "password": f"{username}-pw"},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        return client

    client.login = login  # type: ignore[attr-defined]
    client.pharmacies = pharmacies  # type: ignore[attr-defined]
    return client
