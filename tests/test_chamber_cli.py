"""``eczane chamber``, ``eczane pharmacy add --chamber`` and ``eczane user add --role oda|admin``
(issue 15): the GLN's check digit, the chamber by name or number, the role's scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from eczane.accounts.users import get_user_by_name
from eczane.store.core import chamber, pharmacy

GOOD = "lavanta-kokulu-raf-7"


@pytest.fixture
def cli(settings, db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ECZANE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ECZANE_DATA_DIR", str(settings.data_dir))
    from eczane.cli import app

    def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, list(args), input=stdin)

    return run


def test_a_pharmacy_is_added_with_its_gln_and_a_new_chamber(cli, db):
    r = cli("pharmacy", "add", "Lale Eczanesi", "--gln", "8680001000050",
            "--chamber", "İstanbul  Eczacı Odası", "--il", "İstanbul", "--ilce", "Beşiktaş")
    assert r.exit_code == 0, r.output
    r = cli("pharmacy", "add", "Gül Eczanesi", "--gln", "8680001000043",
            "--chamber", "İstanbul Eczacı Odası")
    assert r.exit_code == 0, r.output
    with db.connect() as conn:
        rooms = conn.execute(select(chamber.c.id, chamber.c.name)).all()
        members = conn.execute(select(pharmacy.c.chamber_id)).scalars().all()
    assert [name for _, name in rooms] == ["İstanbul Eczacı Odası"]
    assert members == [rooms[0][0]] * 2
    assert "İstanbul Eczacı Odası\t-\t2 üye eczane" in cli("chamber", "list").output


@pytest.mark.parametrize(("gln", "message"), [
    ("8680001000001", "GLN 8680001000001 kontrol hanesi tutmuyor (beklenen 5, gelen 1)."),
    ("868000100000", "GLN 13 haneli bir sayı olmalı"),
    ("86800010000a5", "GLN 13 haneli bir sayı olmalı"),
])
def test_a_bad_gln_is_refused_in_turkish(cli, db, gln, message):
    r = cli("pharmacy", "add", "Lale Eczanesi", "--gln", gln)
    assert r.exit_code == 1 and message in r.output
    with db.connect() as conn:
        assert conn.execute(select(pharmacy)).first() is None


def test_chamber_staff_and_an_admin_are_added(cli, db):
    assert cli("chamber", "add", "Ankara Eczacı Odası", "--il", "Ankara").exit_code == 0
    r = cli("user", "add", "odaank", "--role", "oda", "--chamber", "Ankara Eczacı Odası",
            "--password-stdin", stdin=GOOD + "\n")
    assert r.exit_code == 0, r.output
    r = cli("user", "add", "yonetici", "--role", "admin", "--password-stdin", stdin=GOOD + "\n")
    assert r.exit_code == 0, r.output
    with db.connect() as conn:
        oda, admin = get_user_by_name(conn, "odaank"), get_user_by_name(conn, "yonetici")
    assert oda is not None and oda.role == "oda" and oda.pharmacy_id is None
    assert oda.chamber_id is not None
    assert admin is not None and admin.pharmacy_id is None and admin.chamber_id is None
    listed = cli("user", "list").output
    assert f"oda:{oda.chamber_id}\todaank\toda\tetkin" in listed
    assert "-\tyonetici\tadmin\tetkin" in listed


def test_chamber_staff_need_an_existing_chamber(cli, db):
    r = cli("user", "add", "odaank", "--role", "oda", "--password-stdin", stdin=GOOD + "\n")
    assert r.exit_code == 1 and "--chamber" in r.output
    r = cli("user", "add", "odaank", "--role", "oda", "--chamber", "Yok Odası",
            "--password-stdin", stdin=GOOD + "\n")
    assert r.exit_code == 1 and "'Yok Odası' adlı ya da numaralı oda yok" in r.output
    assert cli("chamber", "add", "Yok Odası").exit_code == 0
    assert cli("chamber", "add", "Yok  Odası").output.count("zaten var") == 1


def test_the_database_refuses_a_role_outside_its_scope(db, pharmacies):
    from sqlalchemy.exc import IntegrityError

    from eczane.store.users import create_user

    with pytest.raises(IntegrityError), db.begin() as conn:
        create_user(conn, pharmacies.pharmacy_id, "karma", GOOD, role="oda")
    with pytest.raises(IntegrityError), db.begin() as conn:
        create_user(conn, None, "sahipsiz", GOOD, role="eczaci")


def test_an_oda_account_cannot_be_given_a_pharmacy_role(cli, db):
    cli("chamber", "add", "Ankara Eczacı Odası")
    cli("user", "add", "odaank", "--role", "oda", "--chamber", "1", "--password-stdin",
        stdin=GOOD + "\n")
    r = cli("user", "role", "odaank", "eczaci")
    assert r.exit_code == 1 and "bir eczane hesabı değil" in r.output


def test_the_migration_matches_the_chamber_and_role_tables(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from eczane.store.tables import metadata

    with db.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    keys = ("chamber", "app_user", "'pharmacy'")
    assert [d for d in diffs if any(k in repr(d) for k in keys)] == []


def test_the_migration_downgrades_and_upgrades(tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from eczane.store.db import alembic_config, open_database

    url = f"sqlite:///{tmp_path / 'm.db'}"
    db = open_database(url)
    cfg = alembic_config(url)
    for step, target in ((command.downgrade, "0007"), (command.upgrade, "head")):
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, target)
        present = "chamber" in inspect(db.engine).get_table_names()
        assert present is (target == "head")
    db.dispose()
