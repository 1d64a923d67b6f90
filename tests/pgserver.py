"""A real PostgreSQL server for the tests, started in a temp dir with initdb/pg_ctl.

Used by the ``pg`` fixtures in conftest.py. When running as root (CI), the cluster is run as the
``postgres`` system user that Debian's package creates. Set ``ECZANE_TEST_PG_URL`` to use an
existing server instead (each test still gets its own database).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    cands = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not cands:
        raise RuntimeError(f"{name} not found: install Debian's postgresql (.ci/run does)")
    return cands[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self, *, durable: bool = False, conf: Path | None = None) -> None:
        """``durable``: fsync and full-page writes on, as a real server (the hosted bench);
        the tests run without them (faster, and a test's data need not survive a crash).
        ``conf``: a settings file included as a ``conf.d`` snippet would be (the hosted bench
        runs with ``deploy/postgresql/eczane.conf``, the settings a chamber is told to use)."""
        self.durable = durable
        self.conf = conf
        self.tmp = Path(tempfile.mkdtemp(prefix="eczane-pg-"))
        self.port = _free_port()
        self.datadir = self.tmp / "data"
        self.as_root = os.geteuid() == 0
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, args: list[str]) -> None:
        if self.as_root:
            args = ["runuser", "-u", "postgres", "--", *args]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> PgServer:
        if self.as_root:
            shutil.chown(self.tmp, "postgres")
            self.tmp.chmod(0o755)
        self._run([_bin("initdb"), "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        if self.conf is not None:
            snippet = self.tmp / "included.conf"
            shutil.copy(self.conf, snippet)
            if self.as_root:
                shutil.chown(snippet, "postgres")
            with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as f:
                f.write(f"\ninclude '{snippet}'\n")
        self._run([_bin("pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60", "-l",
                   str(self.tmp / "log"), "-o",
                   f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c max_connections=200"
                   + ("" if self.durable else " -c fsync=off -c full_page_writes=off"),
                   "start"])
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start")

    def stop(self) -> None:
        try:
            self._run([_bin("pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"])
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
