"""What every CLI command shares: settings, the database, the console, today's date.

Nothing here (nor at the top of any ``eczane.cli`` module) imports SQLAlchemy, Alembic, FastAPI
or the importers: a command imports what it needs when it runs, so ``eczane --help`` and
``eczane karekod parse`` start fast (``tests/test_cli_imports.py``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from eczane.config import Settings

if TYPE_CHECKING:
    from eczane.store.db import Database

console = Console(stderr=True)


def settings() -> Settings:
    return Settings.from_env()


def database(s: Settings | None = None) -> Database:
    from eczane.store.db import open_database  # SQLAlchemy, Alembic: only when needed

    s = s or settings()
    return open_database(s.effective_database_url,
                         migrate_url=s.migrate_database_url or None)


def parse_today(value: str | None) -> date:
    """``--today YYYY-MM-DD`` or the real date (the domain never reads the clock itself)."""
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        console.print(f"[red]Geçersiz tarih: {value!r} (YYYY-AA-GG bekleniyor)[/red]")
        raise SystemExit(2) from None


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def resolve_pharmacy(db: Database, pharmacy: int | str | None) -> int:
    """``--pharmacy`` (a number, or a 13-digit GLN) or the only pharmacy of the database; the
    command acts for it from here on (``eczane.store.tenant``: on PostgreSQL row-level security
    shows it nothing else)."""
    pid = _resolve_pharmacy(db, pharmacy)
    from eczane.store import tenant

    tenant.set_current(pid)
    return pid


def act_for_owner(db: Database, pharmacy: int | str | None, owns: Callable[[Any], bool]) -> None:
    """``--pharmacy``, or else the pharmacy for which ``owns(conn)`` (e.g. "this count session
    exists") — a command given an object's number acts for the pharmacy of that object."""
    from sqlalchemy import select

    from eczane.store import tenant
    from eczane.store.core import pharmacy as pharmacy_table

    if pharmacy is not None:
        resolve_pharmacy(db, pharmacy)
        return
    with db.connect() as conn:
        ids = [int(r.id) for r in conn.execute(select(pharmacy_table.c.id))]
    for pid in ids:
        with tenant.acting_for(pid), db.connect() as conn:
            if owns(conn):
                tenant.set_current(pid)
                return


def _resolve_pharmacy(db: Database, pharmacy: int | str | None) -> int:
    from sqlalchemy import select

    from eczane.store.core import pharmacy as pharmacy_table

    with db.connect() as conn:
        rows = conn.execute(select(pharmacy_table.c.id, pharmacy_table.c.gln)
                            .order_by(pharmacy_table.c.id)).all()
    ids = [r.id for r in rows]
    if isinstance(pharmacy, str):
        ref = pharmacy.strip()
        by_gln = [r.id for r in rows if ref and r.gln == ref]
        if len(ref) == 13 and ref.isdigit() and by_gln:
            return int(by_gln[0])
        if not ref.isdigit() or len(ref) == 13:
            console.print(f"[red]{ref} numaralı ya da GLN'li eczane yok.[/red]")
            raise typer.Exit(2)
        pharmacy = int(ref)
    if pharmacy is not None:
        if pharmacy not in ids:
            console.print(f"[red]{pharmacy} numaralı eczane yok.[/red]")
            raise typer.Exit(2)
        return pharmacy
    if len(ids) == 1:
        return int(ids[0])
    if not ids:
        console.print("[red]Veritabanında eczane yok: önce `eczane pharmacy add \"Eczanenizin adı\"` (ya da deneme için `eczane run --demo`).[/red]")
    else:
        console.print(f"[red]Birden çok eczane var ({', '.join(map(str, ids))}): --pharmacy verin.[/red]")
    raise typer.Exit(2)
