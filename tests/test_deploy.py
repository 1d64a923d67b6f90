"""The example files of ``deploy/`` for a real host (issue 15), each checked by the real checker:
``systemd-analyze verify`` for the units, ``nginx -t`` for the proxy, ``bash -n`` and
``shellcheck`` for the backup script, and a real PostgreSQL started with the conf.d snippet
and the roles of ``roles.sql``, on which the backup script runs end to end.

nginx and shellcheck come from ``scripts/ensure_system_packages.sh`` (``make test``).
"""

from __future__ import annotations

import configparser
import gzip
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from eczane.config import SETTINGS_DOC, Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("eczane*.*"))
ECZANE = Path(sys.executable).parent / "eczane"
"""The ``eczane`` command of the venv running the tests (stands in for /opt/eczane/venv)."""
INSTALLED = "/opt/eczane/venv/bin/eczane"
SCRIPT = "/opt/eczane/deploy/eczane-backup.sh"


def _tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None)


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


# ---------------------------------------------------------------- systemd


def test_there_are_units_for_app_worker_migrations_and_backups():
    assert {u.name for u in UNITS} == {"eczane.service", "eczane-worker.service",
                                       "eczane-migrate.service", "eczane-backup.service",
                                       "eczane-backup.timer"}


@pytest.mark.parametrize("unit", [u for u in UNITS if u.suffix == ".service"], ids=lambda u: u.name)
def test_each_service_runs_as_eczane_hardened_with_the_environment_file(unit):
    svc = _unit(unit)["Service"]
    assert svc["User"] == "eczane" and svc["Group"] == "eczane"
    assert "EnvironmentFile" in svc and svc["ExecStart"].startswith("/")
    for key in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp",
                "PrivateDevices", "RestrictSUIDSGID", "CapabilityBoundingSet", "UMask"):
        assert key in svc, key
    assert svc["ProtectSystem"] == "strict" and svc["NoNewPrivileges"] == "yes"


def test_the_app_serves_several_processes_on_loopback_and_the_worker_sends():
    app = _unit(DEPLOY / "systemd" / "eczane.service")["Service"]["ExecStart"].split()
    assert app[:2] == [INSTALLED, "serve"] and "--workers" in app
    assert app[app.index("--host") + 1] == "127.0.0.1"
    worker = _unit(DEPLOY / "systemd" / "eczane-worker.service")["Service"]
    assert worker["ExecStart"] == f"{INSTALLED} worker"
    # the sender yields the CPU to the web processes at the level the kernel shares it first
    app_weight = int(_unit(DEPLOY / "systemd" / "eczane.service")["Service"].get("CPUWeight", 100))
    assert int(worker["CPUWeight"]) < app_weight and int(worker["Nice"]) > 0


@pytest.mark.skipif(_tool("systemd-analyze") is None, reason="systemd-analyze not installed "
                    "(Debian package systemd); the unit files are still parsed above")
def test_systemd_analyze_verify_accepts_every_unit(tmp_path):
    """The units as installed, with the paths of this machine for the commands they start
    (verify checks that the ExecStart program exists)."""
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8").replace(INSTALLED, str(ECZANE))
        text = text.replace(SCRIPT, str(DEPLOY / "eczane-backup.sh"))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    r = subprocess.run([_tool("systemd-analyze") or "", "verify",
                        *[str(tmp_path / u.name) for u in UNITS]],
                       capture_output=True, text=True, timeout=60)
    ours = [line for line in (r.stdout + r.stderr).splitlines() if str(tmp_path) in line
            or any(u.name in line for u in UNITS)]
    assert r.returncode == 0 and ours == [], r.stdout + r.stderr


def test_the_timer_runs_the_backup_every_night():
    timer = _unit(DEPLOY / "systemd" / "eczane-backup.timer")["Timer"]
    assert timer["OnCalendar"].startswith("*-*-* 02:30") and timer["Persistent"] == "true"
    tool = _tool("systemd-analyze")
    if tool:
        r = subprocess.run([tool, "calendar", timer["OnCalendar"]], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------- environment files


def _env_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def test_the_environment_file_holds_known_settings_with_valid_values():
    env = _env_file(DEPLOY / "eczane.env")
    unknown = [k for k in env if k.removeprefix("ECZANE_").lower() not in SETTINGS_DOC]
    assert unknown == []
    s = Settings.from_env(env)
    assert s.production and s.secure_cookies
    assert s.database_url.startswith("postgresql+psycopg://eczane_app:")
    assert _env_file(DEPLOY / "owner.env")["ECZANE_DATABASE_URL"].startswith(
        "postgresql+psycopg://eczane_owner:")
    assert _env_file(DEPLOY / "backup.env")["PG_DUMP_URL"].startswith(
        "postgresql://eczane_backup:")


def test_nginx_takes_uploads_as_large_as_the_app_does():
    env = Settings.from_env(_env_file(DEPLOY / "eczane.env"))
    assert f"client_max_body_size {env.max_upload_mb}m;" in (
        DEPLOY / "nginx" / "eczane.conf").read_text(encoding="utf-8")


# ---------------------------------------------------------------- nginx


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eczane.example.org")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    crt, pem = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


@pytest.mark.skipif(_tool("nginx") is None,
                    reason="nginx is installed by scripts/ensure_system_packages.sh")
def test_nginx_accepts_the_site(tmp_path):
    """The site as Debian includes it (inside ``http {}``), with a throwaway certificate in
    place of Let's Encrypt's."""
    crt, pem = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "eczane.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/letsencrypt/live/eczane.example.org/fullchain.pem", str(crt))
    site = site.replace("/etc/letsencrypt/live/eczane.example.org/privkey.pem", str(pem))
    (tmp_path / "eczane.conf").write_text(site, encoding="utf-8")
    temp = "".join(f"    {k}_temp_path {tmp_path}/{k};\n"
                   for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n{temp}    include {tmp_path}/eczane.conf;\n}}\n",
        encoding="utf-8")
    r = subprocess.run([_tool("nginx") or "", "-t", "-p", str(tmp_path), "-e",
                        str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "test is successful" in r.stderr, r.stderr
    assert "[warn]" not in r.stderr, r.stderr


# ---------------------------------------------------------------- the backup script


def test_the_backup_script_parses():
    r = subprocess.run(["bash", "-n", str(DEPLOY / "eczane-backup.sh")], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert os.access(DEPLOY / "eczane-backup.sh", os.X_OK)


@pytest.mark.skipif(_tool("shellcheck") is None,
                    reason="shellcheck is installed by scripts/ensure_system_packages.sh")
def test_shellcheck_finds_nothing_in_the_backup_script():
    r = subprocess.run([_tool("shellcheck") or "", str(DEPLOY / "eczane-backup.sh")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def tuned_server():
    """A PostgreSQL started with deploy/postgresql/eczane.conf included, as conf.d would."""
    from tests.pgserver import PgServer, _bin

    server = PgServer()
    if server.as_root:
        shutil.chown(server.tmp, "postgres")
        server.tmp.chmod(0o755)
    server._run([_bin("initdb"), "-D", str(server.datadir), "-U", "postgres", "-A", "trust",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
    snippet = server.tmp / "eczane.conf"
    shutil.copy(DEPLOY / "postgresql" / "eczane.conf", snippet)
    if server.as_root:
        shutil.chown(snippet, "postgres")
    with (server.datadir / "postgresql.conf").open("a", encoding="utf-8") as f:
        f.write(f"\ninclude '{snippet}'\n")
    server._run([_bin("pg_ctl"), "-D", str(server.datadir), "-w", "-t", "60", "-l",
                 str(server.tmp / "log"), "-o",
                 f"-p {server.port} -k {server.tmp} -c fsync=off",  # listen: the snippet's
                 "start"])
    try:
        yield server
    finally:
        server.stop()


def _psql(server, *args: str, db: str = "postgres", user: str = "postgres") -> str:
    from tests.pgserver import _bin

    r = subprocess.run([_bin("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h",
                        "127.0.0.1", "-p", str(server.port), "-U", user, "-d", db, *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.mark.pg
def test_postgresql_starts_with_the_conf_snippet(tuned_server):
    errors = _psql(tuned_server, "-c", "SELECT sourcefile, sourceline, name, error "
                   "FROM pg_file_settings WHERE error IS NOT NULL")
    assert errors == ""
    shown = {name: _psql(tuned_server, "-c", f"SHOW {name}") for name in (
        "shared_buffers", "effective_cache_size", "work_mem", "max_connections", "jit",
        "synchronous_commit", "random_page_cost", "max_parallel_workers_per_gather",
        "idle_in_transaction_session_timeout", "password_encryption")}
    assert shown == {"shared_buffers": "1GB", "effective_cache_size": "2GB", "work_mem": "16MB",
                     "max_connections": "100", "jit": "off", "synchronous_commit": "on",
                     "random_page_cost": "1.1", "max_parallel_workers_per_gather": "1",
                     "idle_in_transaction_session_timeout": "5min",
                     "password_encryption": "scram-sha-256"}


@pytest.fixture(scope="module")
def hosted(tuned_server):
    """roles.sql run as the superuser, then the schema migrated as eczane_owner."""
    from eczane.store.db import open_database

    _psql(tuned_server, "-v", "owner_pw=owner-pw", "-v", "app_pw=app-pw", "-v",
          "backup_pw=backup-pw", "-f", str(DEPLOY / "postgresql" / "roles.sql"))
    base = f"127.0.0.1:{tuned_server.port}/eczane"
    open_database(f"postgresql+psycopg://eczane_owner:owner-pw@{base}").dispose()
    return base


@pytest.mark.pg
def test_the_roles_own_read_and_write_what_they_should(tuned_server, hosted):
    roles = _psql(tuned_server, "-c", "SELECT rolname, rolsuper, rolbypassrls, rolcreatedb "
                  "FROM pg_roles WHERE rolname LIKE 'eczane%' ORDER BY 1").splitlines()
    assert roles == ["eczane_app|f|f|f", "eczane_backup|f|t|f", "eczane_owner|f|f|f"]
    owners = _psql(tuned_server, "-c", "SELECT DISTINCT tableowner FROM pg_tables "
                   "WHERE schemaname = 'public'", db="eczane")
    assert owners == "eczane_owner"
    # the app role reads and writes rows (default privileges of the owner's migrations) ...
    assert _psql(tuned_server, "-c", "SELECT count(*) FROM pharmacy", db="eczane",
                 user="eczane_app") == "0"
    # ... and creates nothing
    from tests.pgserver import _bin

    r = subprocess.run([_bin("psql"), "-X", "-h", "127.0.0.1", "-p", str(tuned_server.port),
                        "-U", "eczane_app", "-d", "eczane", "-c", "CREATE TABLE x (i int)"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "permission denied for schema public" in r.stderr
    assert _psql(tuned_server, "-c", "SELECT pg_has_role('eczane_backup', 'pg_read_all_data', "
                 "'member')") == "t"


@pytest.mark.pg
def test_the_backup_script_dumps_the_database_and_each_pharmacy(tuned_server, hosted, tmp_path):
    from tests.pgserver import _bin

    env = {k: v for k, v in os.environ.items() if not k.startswith("ECZANE_")}
    env |= {"ECZANE_DATABASE_URL": f"postgresql+psycopg://eczane_app:app-pw@{hosted}",
            "ECZANE_SECRET_KEY": "deploy-test-secret", "ECZANE_DATA_DIR": str(tmp_path / "var")}
    for name, gln in (("Alice Eczanesi", "8680001000005"), ("Charlie Eczanesi", "8680001000012")):
        r = subprocess.run([str(ECZANE), "pharmacy", "add", name, "--gln", gln], env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
    env |= {"PG_DUMP_URL": f"postgresql://eczane_backup:backup-pw@{hosted}",
            "BACKUP_DIR": str(tmp_path / "yedek"), "ECZANE": str(ECZANE),
            "PG_DUMP": str(Path(_bin("pg_dump")))}
    old = tmp_path / "yedek" / "2000-01-01"
    old.mkdir(parents=True)
    os.utime(old, (0, 0))
    r = subprocess.run([str(DEPLOY / "eczane-backup.sh")], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    (day,) = (tmp_path / "yedek").iterdir()  # the old day is gone
    listed = subprocess.run([_bin("pg_restore"), "--list", str(day / "eczane.dump")],
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "TABLE DATA public pharmacy" in listed.stdout
    written = json.loads((day / "eczaneler.json").read_text(encoding="utf-8"))
    assert [w["ok"] for w in written] == [True, True]
    for w in written:
        with gzip.open(w["path"], "rb") as f:
            assert json.loads(f.readline())["pharmacy_id"] == w["pharmacy_id"]
    assert "eczane yedeği" in r.stdout and "(2 eczane)" in r.stdout
