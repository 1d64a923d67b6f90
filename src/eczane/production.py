"""Production mode (``eczane run --production`` or ``ECZANE_PRODUCTION=true``).

Before serving real pharmacy data the server refuses to start, with a Turkish sentence per
problem, when

- ``ECZANE_SECRET_KEY`` is not set (or shorter than ``MIN_SECRET_CHARS``): a key generated into
  the data folder would travel with every copy of that folder;
- the demo is switched on (``--demo`` / ``ECZANE_DEMO``);
- a demo account (``store.demo.DEMO_USERS``, e.g. eczaci/eczaci) exists, is not disabled and
  still has its demo password.

It also makes the data folder private: the folder and its ``backups``/``uploads`` folders 0700,
every file under them 0600, and the process umask 077 so that whatever is written later (a
backup, an upload) is private too. (The SQLite file is created 0600 in every mode, see
``store.db.private_sqlite_file``.)
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from eczane.accounts.passwords import check_password
from eczane.config import Settings
from eczane.store.core import app_user
from eczane.store.db import Database
from eczane.store.demo import DEMO_USERS

MIN_SECRET_CHARS = 32


def startup_problems(settings: Settings, *, demo: bool) -> list[str]:
    """What forbids starting in production mode, known before opening the database."""
    problems = []
    if not settings.secret_key:
        problems.append("ECZANE_SECRET_KEY ayarlanmamış. Üretim kipinde gizli anahtar ortam "
                        "değişkeniyle verilmeli; üretmek için: python3 -c \"import secrets; "
                        "print(secrets.token_hex(32))\"")
    elif len(settings.secret_key) < MIN_SECRET_CHARS:
        problems.append(f"ECZANE_SECRET_KEY çok kısa ({len(settings.secret_key)} karakter); en "
                        f"az {MIN_SECRET_CHARS} karakter olmalı.")
    if demo or settings.demo:
        problems.append("Üretim kipinde demo eczane açılamaz: --demo seçeneğini ve ECZANE_DEMO "
                        "ayarını kaldırın.")
    return problems


def demo_account_problems(db: Database) -> list[str]:
    """Demo accounts that still log in with their demo password."""
    problems = []
    with db.connect() as conn:
        for username, password, _role, _name in DEMO_USERS:
            row = conn.execute(select(app_user.c.password_hash, app_user.c.disabled_at)
                               .where(app_user.c.username == username)).first()
            if row is not None and row.disabled_at is None and check_password(password,
                                                                              row.password_hash):
                problems.append(
                    f"Demo hesabı '{username}' hâlâ demo parolasıyla duruyor. Parolasını "
                    f"değiştirin (eczane user passwd {username}) ya da hesabı kapatın "
                    f"(eczane user disable {username}).")
    return problems


def secure_data_dir(data_dir: Path) -> None:
    """Folder 0700, files 0600 (see the module docstring); sets the process umask to 077."""
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    for root, dirs, files in os.walk(data_dir):
        for d in dirs:
            (Path(root) / d).chmod(0o700)
        for f in files:
            (Path(root) / f).chmod(0o600)
