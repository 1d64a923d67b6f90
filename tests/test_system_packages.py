"""`make test` on a fresh machine (issue 14, "Two commands on a fresh machine"):
``scripts/ensure_system_packages.sh`` installs PostgreSQL, Chromium and the fonts with apt-get
when it can, or prints the exact command and stops. Run here with stub commands on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "ensure_system_packages.sh"
TOOLS = ("bash", "env", "grep", "cat")


def stub(bindir: Path, name: str, body: str) -> None:
    path = bindir / name
    path.write_text("#!/bin/bash\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)


def run(tmp_path: Path, *, uid: int, have: set[str], apt: bool, sudo_ok: bool = False,
        ) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in TOOLS:
        real = shutil.which(tool)
        assert real is not None
        (bindir / tool).symlink_to(real)
    log = tmp_path / "calls.log"
    stub(bindir, "id", f'echo {uid}')
    if "chromium" in have:
        stub(bindir, "chromium", "exit 0")
    if "initdb" in have:
        stub(bindir, "initdb", "exit 0")
    for tool in ("nginx", "shellcheck"):  # deploy/ checkers: there unless a test says otherwise
        if tool in have or "no-deploy-tools" not in have:
            stub(bindir, tool, "exit 0")
    stub(bindir, "fc-list", "echo '/usr/share/fonts/DejaVuSans.ttf: DejaVu Sans'"
         if "fonts" in have else "exit 0")
    if apt:
        stub(bindir, "apt-get", f'echo "apt-get $*" >> {log}')
    stub(bindir, "sudo", f'[ "$1" = "-n" ] && [ "$2" = "true" ] && exit {0 if sudo_ok else 1}\n'
         f'echo "sudo $*" >> {log}; "$@"')
    env = {"PATH": str(bindir), "ECZANE_PG_INITDB_GLOB": str(tmp_path / "nothing" / "initdb"),
           "HOME": str(tmp_path)}
    proc = subprocess.run([shutil.which("bash") or "/bin/bash", str(SCRIPT)], env=env,
                          capture_output=True, text=True, timeout=30)
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return proc, calls


def test_nothing_is_installed_when_everything_is_there(tmp_path: Path) -> None:
    proc, calls = run(tmp_path, uid=1000, have={"chromium", "initdb", "fonts"}, apt=True)
    assert proc.returncode == 0 and calls == [] and proc.stdout == ""


def test_as_root_the_missing_packages_are_installed_with_apt_get(tmp_path: Path) -> None:
    proc, calls = run(tmp_path, uid=0, have={"initdb"}, apt=True)
    assert proc.returncode == 0, proc.stderr
    assert calls == ["apt-get update -qq", "apt-get install -y -qq chromium fonts-dejavu-core"]
    assert "installing system packages: chromium fonts-dejavu-core" in proc.stdout


def test_the_deploy_checkers_are_installed_too(tmp_path):
    proc, calls = run(tmp_path, uid=0, have={"chromium", "initdb", "fonts", "no-deploy-tools"},
                      apt=True)
    assert proc.returncode == 0, proc.stderr
    assert calls == ["apt-get update -qq", "apt-get install -y -qq nginx shellcheck"]


def test_with_passwordless_sudo_they_are_installed_through_sudo(tmp_path: Path) -> None:
    proc, calls = run(tmp_path, uid=1000, have={"chromium", "fonts"}, apt=True, sudo_ok=True)
    assert proc.returncode == 0, proc.stderr
    assert calls[0] == "sudo apt-get update -qq"
    assert "apt-get install -y -qq postgresql" in calls


def test_otherwise_it_prints_the_exact_command_and_stops(tmp_path: Path) -> None:
    proc, calls = run(tmp_path, uid=1000, have=set(), apt=True, sudo_ok=False)
    assert proc.returncode == 1 and calls == []
    assert ("    sudo apt-get update && sudo apt-get install -y postgresql chromium "
            "fonts-dejavu-core") in proc.stderr.splitlines()


def test_without_apt_get_it_names_the_packages_and_stops(tmp_path: Path) -> None:
    proc, _ = run(tmp_path, uid=0, have={"initdb", "fonts"}, apt=False)
    assert proc.returncode == 1
    assert "make test needs these system packages: chromium" in proc.stderr


def test_make_test_runs_the_check_first_and_ci_calls_make_test() -> None:
    dry = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True,
                         timeout=30, env={**os.environ, "MAKEFLAGS": "", "MAKELEVEL": ""})
    lines = [ln for ln in dry.stdout.splitlines() if ln.strip()]
    assert lines[0] == "scripts/ensure_system_packages.sh"
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
