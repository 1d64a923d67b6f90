"""Production mode and private files: refuse to start with demo passwords, the demo, or without
ECZANE_SECRET_KEY; data folder 0700 and files 0600; the SQLite file private in every mode."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eczane.cli import app as cli
from eczane.cli.server import prepare
from eczane.config import Settings
from eczane.store.db import open_database
from eczane.store.demo import seed_demo

KEY = "k" * 64


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def keep_umask():  # type: ignore[no-untyped-def]
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.fixture
def env(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    for name in list(os.environ):
        if name.startswith("ECZANE_") and name != "ECZANE_TEST_PG_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ECZANE_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_production_refuses_to_start_without_a_secret_key(env, keep_umask):
    r = CliRunner().invoke(cli, ["run", "--production", "--its-port", "0"])
    assert r.exit_code == 1
    assert "Üretim kipinde başlatılmadı" in r.output
    assert "ECZANE_SECRET_KEY ayarlanmamış" in r.output


def test_production_refuses_a_short_secret_key_and_the_demo(env, monkeypatch, keep_umask):
    monkeypatch.setenv("ECZANE_SECRET_KEY", "kisa")
    monkeypatch.setenv("ECZANE_PRODUCTION", "evet")
    r = CliRunner().invoke(cli, ["run", "--demo", "--its-port", "0"])
    assert r.exit_code == 1
    assert "ECZANE_SECRET_KEY çok kısa (4 karakter)" in r.output
    assert "Üretim kipinde demo eczane açılamaz" in r.output


def test_production_refuses_while_demo_accounts_keep_demo_passwords(env, keep_umask, capsys):
    s = Settings(data_dir=env, secret_key=KEY)
    seed_demo(open_database(s.effective_database_url), today=date(2026, 12, 4))
    with pytest.raises(Exception) as exc:
        prepare(s.with_(production=True), demo=False)
    assert getattr(exc.value, "exit_code", None) == 1
    err = capsys.readouterr().err
    assert "Demo hesabı 'eczaci' hâlâ demo parolasıyla duruyor" in err
    assert "Demo hesabı 'kalfa'" in err
    # the admin fixes both: a real password for eczaci, kalfa closed
    os.environ["ECZANE_DATABASE_URL"] = s.effective_database_url
    try:
        r = CliRunner().invoke(cli, ["user", "passwd", "eczaci", "--password-stdin"],
                               input="lavanta-kokulu-raf-7\n")
        assert r.exit_code == 0, r.output
        assert CliRunner().invoke(cli, ["user", "disable", "kalfa"]).exit_code == 0
    finally:
        del os.environ["ECZANE_DATABASE_URL"]
    db = prepare(s.with_(production=True), demo=False)
    db.dispose()


def test_production_makes_the_data_folder_and_its_files_private(env, keep_umask):
    os.umask(0o022)
    env.mkdir(parents=True)
    (env / "backups").mkdir()
    old_backup = env / "backups" / "eski.jsonl.gz"
    old_backup.write_bytes(b"x")
    (env / "uploads").mkdir()
    env.chmod(0o755)
    old_backup.chmod(0o644)
    s = Settings(data_dir=env, secret_key=KEY, production=True)
    db = prepare(s, demo=False)
    assert _mode(env) == 0o700
    assert _mode(env / "backups") == 0o700 and _mode(old_backup) == 0o600
    assert _mode(env / "eczane.sqlite3") == 0o600
    new_backup = env / "backups" / "yeni.jsonl.gz"  # written after start: private by umask
    new_backup.write_bytes(b"y")
    assert _mode(new_backup) == 0o600
    db.dispose()


def test_the_sqlite_file_is_never_world_readable_even_outside_production(tmp_path, keep_umask):
    os.umask(0o022)
    path = tmp_path / "a" / "eczane.sqlite3"
    db = open_database(f"sqlite:///{path}")
    with db.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
    assert _mode(path) == 0o600
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            assert _mode(side) & 0o077 == 0
    db.dispose()
    path.chmod(0o644)  # a file made by an older version
    open_database(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_the_generated_secret_key_file_is_private(tmp_path, keep_umask):
    os.umask(0o022)
    Settings(data_dir=tmp_path).resolved_secret_key()
    assert _mode(tmp_path / "secret.key") == 0o600


def test_the_cli_makes_what_it_writes_private(env, keep_umask):
    from eczane.cli import main

    os.umask(0o022)
    import sys

    argv = sys.argv
    sys.argv = ["eczane", "pharmacy", "list"]
    try:
        with pytest.raises(SystemExit):
            main()
    finally:
        sys.argv = argv
    probe = env.parent / "probe"
    probe.write_text("x")
    assert _mode(probe) == 0o600


def test_an_empty_database_prints_how_to_create_the_first_account(env, capsys, keep_umask):
    db = prepare(Settings(data_dir=env), demo=False)
    err = capsys.readouterr().err
    assert "Bu kurulumda henüz hiç kullanıcı yok." in err
    assert 'eczane pharmacy add "Eczanenizin adı"' in err
    assert "eczane user add KULLANICI_ADI --role eczaci" in err
    db.dispose()


def test_the_demo_outside_production_still_starts_with_its_demo_users(env, capsys, keep_umask):
    db = prepare(Settings(data_dir=env), demo=True)
    assert "henüz hiç kullanıcı yok" not in capsys.readouterr().err
    from eczane.store.users import authenticate

    with db.connect() as conn:
        assert authenticate(conn, "eczaci", "eczaci") is not None
    db.dispose()


def test_production_is_a_strict_setting():
    assert Settings.from_env({"ECZANE_PRODUCTION": "true"}).production is True
    with pytest.raises(ValueError, match="ECZANE_PRODUCTION: not a boolean"):
        Settings.from_env({"ECZANE_PRODUCTION": "belki"})
