"""The ``eczane`` command (Typer). It builds the same services the web app uses.

Areas plug in as ``eczane.cli.<area>`` modules (or a slice's own module, named in full, such as
``eczane.accounts.cli``) exposing ``register(app: typer.Typer)``.
A command registers only its own area (:data:`COMMANDS`), so a command neither imports nor
builds the other areas' commands; ``eczane --help`` (or anything else) registers them all.
``eczane karekod parse`` with only the options it knows runs without Typer at all
(:func:`eczane.cli.karekod_stream.fast_main`: it streams many inputs, and its start is most of
a short run). No area imports SQLAlchemy, Alembic or FastAPI at import time: a command imports what
it needs when it runs (``tests/test_cli_imports.py``).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

AREAS = ("server", "processes", "karekod", "store", "its", "count", "reconcile", "notify", "licensing",
         "placement", "eczane.accounts.cli")
"""Areas of ``eczane.cli`` by short name, or a slice's full module name."""

COMMANDS = {
    "run": "server", "migrate": "server", "create-app-role": "server", "worker": "processes", "serve": "processes",
    "karekod": "karekod",
    "backup": "store", "restore": "store", "catalog": "store",
    "its": "its", "onhand": "its",
    "count": "count",
    "reconcile": "reconcile",
    "its-simulator": "notify", "notify": "notify", "audit": "notify",
    "licensing": "licensing",
    "placement": "placement",
    "user": "eczane.accounts.cli", "pharmacy": "eczane.accounts.cli",
    "chamber": "eczane.accounts.cli",
}
"""Top-level command → the area module that registers it (checked against the modules by
``tests/test_cli_imports.py``)."""

HELP = "eczane: serbest eczaneler için arka ofis (İTS stok eşitleme, eczane açma asistanı)."


def build_app(areas: tuple[str, ...] = AREAS) -> typer.Typer:
    """The ``eczane`` Typer app with the commands of ``areas``."""
    import typer

    new = typer.Typer(help=HELP, no_args_is_help=True, pretty_exceptions_enable=False)
    # A group even when only one area with one command is registered (``eczane reconcile``):
    # Typer would otherwise make that command the root and refuse its own name as an argument.
    new.callback()(_root)
    for name in areas:
        modname = name if "." in name else f"eczane.cli.{name}"
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name != modname:
                raise
            continue
        mod.register(new)
    return new


def _root() -> None:
    """eczane: serbest eczaneler için arka ofis."""


def _areas_for(argv: list[str]) -> tuple[str, ...]:
    """Only the named command's area when the first argument is a known command."""
    if argv and argv[0] in COMMANDS:
        return (COMMANDS[argv[0]],)
    return AREAS


def main() -> None:
    # Whatever the commands write (database, backups, uploads, keys) is readable by the owner
    # only: it holds password hashes and the pharmacy's stock (docs/security.md).
    os.umask(0o077)
    argv = sys.argv[1:]
    if argv[:2] == ["karekod", "parse"]:
        from eczane.cli.karekod_stream import fast_main

        if fast_main(argv[2:]):
            return
    build_app(_areas_for(argv))()


def __getattr__(name: str) -> typer.Typer:
    """``from eczane.cli import app``: every area, built on first use (tests, embedding)."""
    if name == "app":
        full = globals()["app"] = build_app()
        return full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
