"""The CLI starts fast: a command imports what it needs when it runs (issue 14, "The CLI starts
fast"). Checked on the import graph, not on a clock: after ``eczane --help`` and after
``eczane karekod parse --jsonl``, no database, web or spreadsheet library is loaded.
The start-up times themselves are measured by ``bench/karekod_cli.py``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "alembic", "fastapi", "starlette", "uvicorn", "openpyxl", "mako",
         "eczane.store", "eczane.web", "eczane.importers", "eczane.exports", "eczane.its",
         "eczane.placement_io", "eczane.domain.licensing")

PROBE = """
import json, sys
sys.argv = ["eczane", *json.loads(sys.argv[1])]
from eczane.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def loaded_after(args: list[str], stdin: str = "", env: dict[str, str] | None = None) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], input=stdin.encode(),
                          capture_output=True, timeout=60, check=True,
                          env={**os.environ, **(env or {})})
    line = proc.stderr.decode().rsplit("MODULES ", 1)[1]
    return set(json.loads(line))


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["--help"], ""),
        (["karekod", "parse", "--jsonl"], json.dumps("010869950412001121140788766511712123110K0016")
         + "\n"),
        (["karekod", "parse", "8699504120011"], ""),
    ],
)
def test_help_and_karekod_parse_load_no_database_web_or_spreadsheet_library(
    args: list[str], stdin: str
) -> None:
    modules = loaded_after(args, stdin)
    assert "eczane.domain.karekod" in modules or args == ["--help"]
    assert heavy_in(modules) == []


def test_importing_the_cli_module_loads_none_of_them_either() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import json, sys, eczane.cli; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, timeout=60, check=True)
    assert heavy_in(set(json.loads(proc.stdout))) == []


def test_a_database_command_still_finds_its_libraries_when_it_runs(tmp_path: Path) -> None:
    # the lazy imports are real: a command that needs the store loads them when it runs
    modules = loaded_after(["count", "list"], env={
        "ECZANE_DATA_DIR": str(tmp_path), "ECZANE_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"})
    assert {"sqlalchemy", "alembic", "eczane.store.db"} <= modules
