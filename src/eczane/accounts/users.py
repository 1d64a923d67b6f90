"""Pharmacies, chambers and users: creation, lookup, password check, disable, role and password
changes.

Every login is an :class:`Account`. A pharmacy's users (eczacı, kalfa) are :class:`User`, the
subclass whose ``pharmacy_id`` is always set: the pharmacy pages take a ``User``
(``eczane.web.auth.current_user``), so code written for them never sees a missing pharmacy.
Chamber staff (``oda``, of a ``chamber_id``) and the installation admin (``admin``) are plain
accounts (the CHECK ``ck_app_user_role_scope`` in ``eczane.store.core`` holds the same rule).

Passwords are hashed with scrypt (``accounts.passwords``). Usernames are lowercase ASCII
(``a-z 0-9 . _ -``, 2–50 characters), so that Turkish case rules ("İ".lower() is not "i") never
make two spellings of one account; ``normalize_username`` applies the same to what is typed at
login. Changes that a person should be able to trace (``set_password``, ``set_disabled``,
``set_role``, ``create_user``) append an audit event in the caller's transaction
(``accounts.events``).

>>> normalize_username("  Alice ")
'alice'
>>> username_problem("ayşe") is not None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from eczane.accounts.passwords import check_password, hash_password
from eczane.store.core import app_user, chamber, pharmacy

__all__ = ["ROLES", "ROLE_LABELS_TR", "Account", "User", "authenticate", "check_password",
           "create_pharmacy", "create_user", "get_pharmacy_name", "get_user", "hash_password",
           "now_utc"]

ROLES = ("eczaci", "kalfa", "oda", "admin")
PHARMACY_ROLES = ("eczaci", "kalfa")
ROLE_LABELS_TR = {"eczaci": "Eczacı", "kalfa": "Kalfa (teknisyen)", "oda": "Oda görevlisi",
                  "admin": "Kurulum yöneticisi"}
USERNAME_RE = re.compile(r"^[a-z0-9._-]{2,50}$")


class AccountError(Exception):
    """An account change cannot be made; the message is Turkish and names the field."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Account:
    """Any login: a pharmacy's user, chamber staff or the installation admin."""

    id: int
    pharmacy_id: int | None
    username: str
    display_name: str
    role: str
    disabled: bool = False
    chamber_id: int | None = None
    """The chamber of an ``oda`` account (None for every other role)."""

    @property
    def is_pharmacist(self) -> bool:
        return self.role == "eczaci"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS_TR.get(self.role, self.role)


@dataclass(frozen=True)
class User(Account):
    """A pharmacy's user (eczacı or kalfa): ``pharmacy_id`` is always set."""

    pharmacy_id: int


def now_utc() -> datetime:
    return datetime.now(UTC)


def normalize_username(typed: str) -> str:
    return typed.strip().lower()[:200]


def username_problem(username: str) -> str | None:
    if not USERNAME_RE.match(username):
        return ("Kullanıcı adı 2–50 karakter olmalı ve yalnızca küçük harf (Türkçe karakter "
                "olmadan), rakam, nokta, alt çizgi ya da tire içermeli.")
    return None


def create_pharmacy(conn: Connection, name: str, *, gln: str | None = None,
                    province: str = "", district: str = "") -> int:
    res = conn.execute(insert(pharmacy).values(
        name=name, gln=gln, province=province, district=district, created_at=now_utc()))
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def create_chamber(conn: Connection, name: str, *, province: str = "") -> int:
    res = conn.execute(insert(chamber).values(name=name, province=province, created_at=now_utc()))
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def create_user(conn: Connection, pharmacy_id: int | None, username: str, password: str, *,
                role: str, display_name: str = "", chamber_id: int | None = None) -> int:
    """Insert a user (no policy check: callers that take a person's password check it first)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    now = now_utc()
    res = conn.execute(insert(app_user).values(
        pharmacy_id=pharmacy_id, chamber_id=chamber_id, username=username,
        display_name=display_name or username, role=role, password_hash=hash_password(password),
        created_at=now, password_changed_at=now))
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def account_from_row(row: Any, *, disabled: bool | None = None) -> Account:
    """A ``User`` when the row belongs to a pharmacy, else a plain ``Account``."""
    off = row.disabled_at is not None if disabled is None else disabled
    if row.pharmacy_id is not None:
        return User(row.id, row.pharmacy_id, row.username, row.display_name, row.role, off,
                    row.chamber_id)
    return Account(row.id, None, row.username, row.display_name, row.role, off, row.chamber_id)


def _row_to_user(row: Any) -> User | None:
    account = account_from_row(row)
    return account if isinstance(account, User) else None


def authenticate(conn: Connection, username: str, password: str) -> Account | None:
    """The user whose password this is, or None. An unknown or disabled user costs the same
    scrypt work as a known one. (The web login goes through ``accounts.login``, which also
    throttles and audits.)"""
    from eczane.accounts.passwords import dummy_hash

    row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    ok = check_password(password, row.password_hash if row is not None else dummy_hash())
    if row is None or not ok or row.disabled_at is not None:
        return None
    return account_from_row(row)


def get_user(conn: Connection, user_id: int) -> User | None:
    """A pharmacy's user (None for chamber staff and the admin: see ``get_account``)."""
    row = conn.execute(select(app_user).where(app_user.c.id == user_id)).first()
    return None if row is None else _row_to_user(row)


def get_account(conn: Connection, user_id: int) -> Account | None:
    row = conn.execute(select(app_user).where(app_user.c.id == user_id)).first()
    return None if row is None else account_from_row(row)


def get_user_by_name(conn: Connection, username: str) -> Account | None:
    row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    return None if row is None else account_from_row(row)


def list_users(conn: Connection, pharmacy_id: int | None = None) -> list[User]:
    """The users of one pharmacy, or of every pharmacy (see ``list_accounts`` for all)."""
    q = (select(app_user).where(app_user.c.pharmacy_id.is_not(None))
         .order_by(app_user.c.pharmacy_id, app_user.c.role, app_user.c.username))
    if pharmacy_id is not None:
        q = q.where(app_user.c.pharmacy_id == pharmacy_id)
    return [u for u in (_row_to_user(r) for r in conn.execute(q)) if u is not None]


def list_accounts(conn: Connection) -> list[Account]:
    """Every account: the pharmacies' users, then chamber staff and admins."""
    q = select(app_user).order_by(app_user.c.pharmacy_id.is_(None), app_user.c.pharmacy_id,
                                  app_user.c.chamber_id, app_user.c.role, app_user.c.username)
    return [account_from_row(r) for r in conn.execute(q)]


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(app_user)).scalar_one())


def get_pharmacy_name(conn: Connection, pharmacy_id: int) -> str:
    return str(conn.execute(select(pharmacy.c.name).where(pharmacy.c.id == pharmacy_id)).scalar_one())


def password_hash_of(conn: Connection, user_id: int) -> str:
    return str(conn.execute(select(app_user.c.password_hash)
                            .where(app_user.c.id == user_id)).scalar_one())


def store_password(conn: Connection, user_id: int, password: str) -> None:
    conn.execute(update(app_user).where(app_user.c.id == user_id).values(
        password_hash=hash_password(password), password_changed_at=now_utc()))


def store_disabled(conn: Connection, user_id: int, disabled: bool) -> None:
    conn.execute(update(app_user).where(app_user.c.id == user_id).values(
        disabled_at=now_utc() if disabled else None))


def store_role(conn: Connection, user_id: int, role: str) -> None:
    """Only between the two pharmacy roles: an oda or admin account is made as such."""
    if role not in PHARMACY_ROLES:
        raise AccountError(f"Rol '{role}' tanınmıyor; eczaci ya da kalfa olmalı.", code="role")
    conn.execute(update(app_user).where(app_user.c.id == user_id).values(role=role))
