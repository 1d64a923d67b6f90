"""Install like real software (issue 15): the wheel built from this repository installs into a
fresh venv without the development extras, and the installed ``eczane`` runs, serves the login
page, logs a user in over HTTP and prints the PDF report — from the venv, not from ``src/``.

Slow (a build, a venv, ``pip install`` with pip's cache: about 30 s), so ``make quick`` leaves
it out; ``make test`` (CI) runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.test_reconcile_cli import TODAY, files  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "eczane"


def _env(home: Path) -> dict[str, str]:
    """The environment of a user who has only the installed venv: no PYTHONPATH, no repo."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("ECZANE_")}
    env["ECZANE_DATA_DIR"] = str(home / "var")
    return env


def _run(args: list[str | Path], cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=240, env=kw.pop("env", None) or _env(cwd), **kw)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(wheel, venv, home): the wheel built from a copy of the repository's files, installed
    with its dependencies (PyPI, pip's cache) into a new venv that has no dev extras."""
    base = tmp_path_factory.mktemp("wheel")
    tree = base / "tree"
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns(
        "__pycache__", "*.pyc", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    dist = base / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, tree], base)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("eczane-*.whl")
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", venv], base)
    assert made.returncode == 0, made.stderr
    pip = _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile", wheel], base)
    assert pip.returncode == 0, pip.stderr[-3000:]
    home = base / "home"
    home.mkdir()
    return wheel, venv, home


def test_the_wheel_holds_every_file_of_the_package(installed):
    """Templates, static files, data files, Alembic: a file missing from the package data is a
    page or a migration that fails only after installing."""
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    ours = sorted(str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    assert [n for n in ours if n not in names] == []
    for needed in ("eczane/store/alembic/env.py",
                   "eczane/web/templates/base.html", "eczane/web/static/count.js",
                   "eczane/web/templates/reconcile/report.html"):
        assert needed in names
    assert any(n.startswith("eczane/store/alembic/versions/") for n in names)
    assert any(n.startswith("eczane/data/") for n in names)


def test_the_venv_has_eczane_from_the_wheel_and_no_dev_extras(installed):
    _, venv, home = installed
    code = ("import importlib.util as u, eczane; print(eczane.__file__); "
            "print([m for m in ('playwright', 'pytest', 'mypy') if u.find_spec(m)])")
    out = _run([venv / "bin" / "python", "-c", code], home)
    assert out.returncode == 0, out.stderr
    where, extras = out.stdout.splitlines()
    assert where.startswith(str(venv)) and "site-packages" in where
    assert extras == "[]"


def test_the_commands_answer_their_help(installed):
    """The installed ``eczane`` has every command a hosted server needs (issue 15)."""
    _, venv, home = installed
    eczane = venv / "bin" / "eczane"
    listed = _listed(venv, home)
    assert {"run", "migrate", "backup", "restore", "serve", "worker"} <= listed, listed
    for cmd in ("run", "migrate", "serve", "worker"):
        r = _run([eczane, cmd, "--help"], home)
        assert r.returncode == 0, (cmd, r.stdout, r.stderr)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listed(venv: Path, home: Path) -> set[str]:
    top = _run([venv / "bin" / "eczane", "--help"], home)
    assert top.returncode == 0, top.stderr
    return set(re.findall(r"^│ (\S+)", top.stdout, flags=re.M))


def _serve_and_log_in(command: list[str], home: Path, username: str, password: str) -> None:
    """Start ``command`` (it serves on the port given in it), log in through the login form
    like a browser, open a logged-in page, stop it with SIGTERM: it exits 0."""
    port = command[command.index("--port") + 1]
    log = (home / "serve.log").open("w")
    proc = subprocess.Popen(command, cwd=home, env=_env(home), stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, (home / "serve.log").read_text()
                try:
                    if client.get("/api/csrf").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, (home / "serve.log").read_text()
                time.sleep(0.3)
            form = client.get("/giris")
            assert form.status_code == 200 and 'name="username"' in form.text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token, form.text
            r = client.post("/giris", data={"username": username, "password": password,
                                            "csrf_token": token[1]}, follow_redirects=True)
            assert r.status_code == 200 and "Çıkış" in r.text and "(Eczacı)" in r.text, r.text
            page = client.get("/mutabakat")
            assert page.status_code == 200 and "Çıkış" in page.text
            assert client.get("/static/count.js").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        log.close()
    assert code == 0, (home / "serve.log").read_text()


def test_eczane_run_serves_and_a_user_logs_in_over_http(installed):
    _, venv, home = installed
    run_home = home / "run"
    run_home.mkdir()
    _serve_and_log_in([str(venv / "bin" / "eczane"), "run", "--demo", "--port",
                       str(_free_port()), "--its-port", "0"], run_home, "eczaci", "eczaci")
    assert (run_home / "var" / "eczane.sqlite3").is_file()


def test_a_real_installation_serves_with_eczane_serve(installed):
    """No demo: a pharmacy and its pharmacist made with the admin's commands, then
    ``eczane serve --workers 2`` and ``eczane worker --once``."""
    _, venv, home = installed
    eczane = str(venv / "bin" / "eczane")
    real = home / "real"
    real.mkdir()
    r = _run([eczane, "pharmacy", "add", "Papatya Eczanesi", "--gln", "8680001000005"], real)
    assert r.returncode == 0, r.stdout + r.stderr
    r = _run([eczane, "user", "add", "ayse", "--role", "eczaci", "--name", "Ecz. Ayşe",
              "--password-stdin"], real, input="uzun-bir-parola-42\n")
    assert r.returncode == 0, r.stdout + r.stderr
    _serve_and_log_in([eczane, "serve", "--workers", "2", "--port", str(_free_port())], real,
                      "ayse", "uzun-bir-parola-42")
    r = _run([eczane, "worker", "--once"], real)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="chromium is installed by scripts/ensure_system_packages.sh")
def test_the_pdf_report_prints_from_the_installed_venv(installed, files):  # noqa: F811
    """No Playwright in this venv: the report is printed by the system's Chromium."""
    _, venv, home = installed
    tmp, _ = files
    r = _run([venv / "bin" / "eczane", "reconcile", "--its", tmp / "its.xlsx", "--on-hand",
              tmp / "onhand.txt", "--today", TODAY, "--report-out", tmp / "r.pdf"], home)
    assert r.returncode == 0, r.stdout + r.stderr
    pdf = (tmp / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/MediaBox [0 0 594.9" in pdf


def test_without_chromium_the_installed_cli_says_what_to_install(installed, files):  # noqa: F811
    _, venv, home = installed
    tmp, _ = files
    env = _env(home) | {"ECZANE_CHROMIUM": str(tmp / "yok" / "chromium")}
    r = _run([venv / "bin" / "eczane", "reconcile", "--its", tmp / "its.xlsx", "--on-hand",
              tmp / "onhand.txt", "--today", TODAY, "--report-out", tmp / "r.pdf"], home, env=env)
    out = " ".join((r.stdout + r.stderr).split())
    assert r.returncode == 1 and "Traceback" not in out
    assert "Chromium bulunamadı" in out and "apt install chromium" in out
