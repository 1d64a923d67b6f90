"""What every CLI command shares: settings, the database, the console, today's date."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

from rich.console import Console

from eczane.config import Settings
from eczane.store.db import Database, open_database

console = Console(stderr=True)


def settings() -> Settings:
    return Settings.from_env()


def database(s: Settings | None = None) -> Database:
    s = s or settings()
    return open_database(s.effective_database_url)


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
