"""The login flow: throttle, check the password, open a session, audit — in that order.

``attempt_login`` is what ``POST /giris`` calls. It does the same scrypt work whether the
username exists or not, and answers a wrong username, a wrong password and a disabled account
with the same Turkish sentence (``FAILED``), so the answer tells an attacker nothing about which
accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from eczane.accounts import sessions, throttle
from eczane.accounts.events import log, record
from eczane.accounts.passwords import check_password, dummy_hash
from eczane.accounts.sessions import SessionPolicy
from eczane.accounts.throttle import Refusal, ThrottlePolicy
from eczane.accounts.users import Account, account_from_row, normalize_username
from eczane.store import tenant
from eczane.store.core import app_user
from eczane.store.db import Database

FAILED = "Kullanıcı adı veya parola hatalı."


@dataclass(frozen=True)
class LoginResult:
    user: Account | None
    token: str | None
    refusal: Refusal | None

    @property
    def message(self) -> str:
        return self.refusal.message if self.refusal else FAILED


def attempt_login(db: Database, typed: str, password: str, *, address: str, user_agent: str,
                  sessions_policy: SessionPolicy, throttle_policy: ThrottlePolicy,
                  now: datetime) -> LoginResult:
    key = normalize_username(typed)
    address = (address or "bilinmiyor")[:64]
    with db.begin() as conn:
        reserved = throttle.reserve(conn, key, address, throttle_policy, now=now)
    if isinstance(reserved, Refusal):
        log.warning("login refused (%s) username=%r address=%s", reserved.kind, key, address)
        return LoginResult(None, None, reserved)
    with db.connect() as conn:
        row = conn.execute(select(app_user).where(app_user.c.username == key)).first()
    ok = check_password(password, row.password_hash if row is not None else dummy_hash())
    if row is not None and ok and row.disabled_at is None:
        # Before login the request acts for no pharmacy: the user's events are written acting
        # for the user's (row-level security, eczane.store.tenant).
        with tenant.acting_for(row.pharmacy_id), db.begin() as conn:
            throttle.succeeded(conn, key, address, reserved)
            sessions.sweep(conn, sessions_policy, now=now)
            throttle.sweep(conn, throttle_policy, now=now)
            token = sessions.create_session(conn, row.id, sessions_policy, now=now,
                                            client_addr=address, user_agent=user_agent)
            record(conn, row.pharmacy_id, row.id, "accounts.login",
                   f"{row.username} giriş yaptı (adres {address}).",
                   username=row.username, address=address)
        user = account_from_row(row, disabled=False)
        return LoginResult(user, token, None)
    if row is None:
        log.warning("failed login for unknown username=%r address=%s", key, address)
        return LoginResult(None, None, None)
    reason = "hesap devre dışı" if row.disabled_at is not None and ok else "parola hatalı"
    with tenant.acting_for(row.pharmacy_id), db.begin() as conn:
        record(conn, row.pharmacy_id, None, "accounts.login_failed",
               f"{row.username} için hatalı giriş denemesi ({reason}; art arda "
               f"{reserved.user_failures}. hata, adres {address}).",
               username=row.username, address=address, reason=reason,
               consecutive_failures=reserved.user_failures)
        if reserved.user_locked_now:
            record(conn, row.pharmacy_id, None, "accounts.locked",
                   f"{row.username} hesabı art arda {reserved.user_failures} hatalı deneme "
                   f"nedeniyle {throttle_policy.lockout.seconds // 60} dakika kilitlendi.",
                   username=row.username, address=address,
                   minutes=throttle_policy.lockout.seconds // 60)
    return LoginResult(None, None, None)
