"""The ``eczane`` command (Typer). It builds the same services the web app uses.

Areas plug in as ``eczane.cli.<area>`` modules exposing ``register(app: typer.Typer)``.
"""

from __future__ import annotations

import importlib

import typer

from eczane.cli import server

AREAS = ("karekod", "store", "its", "count", "reconcile", "notify", "licensing", "placement")

app = typer.Typer(
    help="eczane: serbest eczaneler için arka ofis (İTS stok eşitleme, eczane açma asistanı).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
server.register(app)


def _register_areas() -> None:
    for name in AREAS:
        modname = f"eczane.cli.{name}"
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name != modname:
                raise
            continue
        mod.register(app)


_register_areas()


def main() -> None:
    app()
