"""The ``eczane`` command (Typer). It builds the same services the web app uses.

Areas plug in as ``eczane.cli.<area>`` modules exposing ``register(app: typer.Typer)``.
"""

from __future__ import annotations

import importlib
import os

import typer

from eczane.cli import server

AREAS = ("karekod", "store", "its", "count", "reconcile", "notify", "licensing", "placement",
         "eczane.accounts.cli")
"""Areas of ``eczane.cli`` by short name, or a slice's full module name."""

app = typer.Typer(
    help="eczane: serbest eczaneler için arka ofis (İTS stok eşitleme, eczane açma asistanı).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
server.register(app)


def _register_areas() -> None:
    for name in AREAS:
        modname = name if "." in name else f"eczane.cli.{name}"
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name != modname:
                raise
            continue
        mod.register(app)


_register_areas()


def main() -> None:
    # Whatever the commands write (database, backups, uploads, keys) is readable by the owner
    # only: it holds password hashes and the pharmacy's stock (docs/security.md).
    os.umask(0o077)
    app()
