"""Pharmacies and users: creation, lookup, password check.

Passwords are hashed with scrypt (stdlib ``hashlib``), salted per user.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select

from eczane.store.core import app_user, pharmacy

ROLES = ("eczaci", "kalfa")
ROLE_LABELS_TR = {"eczaci": "Eczacı", "kalfa": "Kalfa (teknisyen)"}


@dataclass(frozen=True)
class User:
    id: int
    pharmacy_id: int
    username: str
    display_name: str
    role: str

    @property
    def is_pharmacist(self) -> bool:
        return self.role == "eczaci"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    again = hash_password(password, salt=bytes.fromhex(salt_hex)).split("$")[2]
    return hmac.compare_digest(again, digest_hex)


def now_utc() -> datetime:
    return datetime.now(UTC)


def create_pharmacy(conn: Connection, name: str, *, gln: str | None = None,
                    province: str = "", district: str = "") -> int:
    res = conn.execute(insert(pharmacy).values(
        name=name, gln=gln, province=province, district=district, created_at=now_utc()))
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def create_user(conn: Connection, pharmacy_id: int, username: str, password: str, *,
                role: str, display_name: str = "") -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    res = conn.execute(insert(app_user).values(
        pharmacy_id=pharmacy_id, username=username, display_name=display_name or username,
        role=role, password_hash=hash_password(password), created_at=now_utc()))
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def _row_to_user(row) -> User:  # type: ignore[no-untyped-def]
    return User(row.id, row.pharmacy_id, row.username, row.display_name, row.role)


def authenticate(conn: Connection, username: str, password: str) -> User | None:
    row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    if row is None or not check_password(password, row.password_hash):
        return None
    return _row_to_user(row)


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(app_user).where(app_user.c.id == user_id)).first()
    return None if row is None else _row_to_user(row)


def get_pharmacy_name(conn: Connection, pharmacy_id: int) -> str:
    return str(conn.execute(select(pharmacy.c.name).where(pharmacy.c.id == pharmacy_id)).scalar_one())
