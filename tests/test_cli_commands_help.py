"""Every top-level command answers ``eczane <command> --help`` through the real entry point,
which registers only that command's area: an area with one command (``eczane reconcile``) used
to become the root command and refuse its own name."""

from __future__ import annotations

import os
import sys

import pytest

from eczane.cli import COMMANDS, main


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_command_answers_help(command, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["eczane", command, "--help"])
    umask = os.umask(0o022)  # main() sets the owner-only umask: give this process its own back
    try:
        with pytest.raises(SystemExit) as exit_:
            main()
    finally:
        os.umask(umask)
    assert exit_.value.code in (0, None), capsys.readouterr()
    assert f"eczane {command}" in " ".join(capsys.readouterr().out.split())
