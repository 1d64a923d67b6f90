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
    if args[:2] == ["karekod", "parse"]:  # runs without Typer (eczane.cli.karekod_stream)
        assert not {"typer", "click", "rich", "pydantic"} & {m.split(".")[0] for m in modules}


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


def top_level_names(area: str) -> set[str]:
    from eczane.cli import build_app

    app = build_app((area,))
    names = {c.name or c.callback.__name__.replace("_", "-")  # type: ignore[union-attr]
             for c in app.registered_commands}
    return names | {g.name for g in app.registered_groups if g.name}


def test_the_command_table_names_exactly_what_each_area_registers() -> None:
    from eczane.cli import AREAS, COMMANDS

    for area in AREAS:
        assert top_level_names(area) == {c for c, a in COMMANDS.items() if a == area}, area


def test_the_full_app_has_every_command_and_a_named_command_builds_only_its_area() -> None:
    from eczane.cli import COMMANDS, _areas_for, app

    assert {c.name for c in app.registered_commands} | {
        g.name for g in app.registered_groups} == set(COMMANDS)
    assert _areas_for(["karekod", "parse", "--jsonl"]) == ("karekod",)
    assert _areas_for(["onhand", "import", "x.xlsx"]) == ("its",)
    assert len(_areas_for(["--help"])) == len(_areas_for(["nope"])) == len(_areas_for([])) > 1
