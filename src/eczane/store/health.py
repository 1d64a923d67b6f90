"""What readiness (``GET /saglik/hazir``) checks: the database answers, its schema is at the
newest migration, and a sending worker was seen recently (issue 15, hosted mode).

Each check yields a machine code and a Turkish sentence for whoever runs the installation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from eczane.store.db import Database, alembic_config
from eczane.store.workers import seconds_since_seen


@dataclass(frozen=True)
class Check:
    code: str
    """``database`` | ``migrations`` | ``worker``."""
    ok: bool
    message: str
    """Turkish; says what to do when the check failed."""


@functools.lru_cache(maxsize=1)
def expected_heads() -> frozenset[str]:
    """The newest migration revision(s) this code knows (read once per process)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def readiness(db: Database, *, now: datetime, worker_stale_s: int) -> list[Check]:
    """The three checks, in order; when the database does not answer the others are not run."""
    try:
        with db.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
            age = seconds_since_seen(conn, now)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database is the answer
        return [Check("database", False, f"Veritabanına ulaşılamıyor ({type(exc).__name__}).")]
    checks = [Check("database", True, "Veritabanı yanıt veriyor.")]
    want = expected_heads()
    if current == want:
        checks.append(Check("migrations", True, "Veritabanı şeması güncel."))
    else:
        checks.append(Check("migrations", False, (
            f"Veritabanı şeması güncel değil (veritabanında {', '.join(sorted(current)) or 'yok'}, "
            f"beklenen {', '.join(sorted(want))}): `eczane migrate` çalıştırın.")))
    if age is None:
        checks.append(Check("worker", False, "Hiç İTS gönderim işçisi çalışmıyor: "
                                              "`eczane worker` başlatın."))
    elif age > worker_stale_s:
        checks.append(Check("worker", False, f"İTS gönderim işçisi {int(age)} saniyedir "
                                             f"görülmedi (sınır {worker_stale_s} s)."))
    else:
        checks.append(Check("worker", True, "İTS gönderim işçisi çalışıyor."))
    return checks
