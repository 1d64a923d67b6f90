"""``eczane reconcile --report-out r.pdf``: the PDF from the system's Chromium, or a Turkish
message naming what to install (exit 1, no traceback) when there is none."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from eczane.cli import app
from tests.test_reconcile_cli import TODAY, files  # noqa: F401  (fixture)


def _args(tmp):
    return ["reconcile", "--its", str(tmp / "its.xlsx"), "--on-hand", str(tmp / "onhand.txt"),
            "--today", str(TODAY), "--report-out", str(tmp / "r.pdf")]


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="chromium is installed by scripts/ensure_system_packages.sh")
def test_the_report_is_written_as_a_pdf(files):  # noqa: F811
    tmp, _ = files
    result = CliRunner().invoke(app, _args(tmp))
    assert result.exit_code == 0, result.output
    assert (tmp / "r.pdf").read_bytes().startswith(b"%PDF-")


def test_without_chromium_it_says_what_to_install(files, monkeypatch):  # noqa: F811
    tmp, _ = files
    monkeypatch.setenv("ECZANE_CHROMIUM", str(tmp / "yok" / "chromium"))
    result = CliRunner().invoke(app, _args(tmp))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    out = " ".join(result.output.split())  # the console wraps long lines
    assert "Chromium bulunamadı" in out and "apt install chromium" in out
    assert not (tmp / "r.pdf").exists()
