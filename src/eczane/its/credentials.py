"""İTS credentials (GLN, username, password) encrypted at rest, never logged.

The password is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, ``cryptography``) under a key
derived by HKDF-SHA256 from ``Settings.resolved_secret_key()``. Objects holding a password hide
it from ``repr``/``str`` so it cannot reach a log line by accident.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, delete, insert, select, update

from eczane.its.protocol import GLN_PATTERN, USERNAME_RULE
from eczane.store.outbox import its_credential, now_utc, reschedule_pharmacy


class CredentialError(ValueError):
    """Credentials missing, malformed or not decryptable (Turkish message)."""


@dataclass(frozen=True)
class ItsCredentials:
    gln: str
    username: str
    password: str = field(repr=False)

    def __str__(self) -> str:
        return f"İTS hesabı {self.username} (GLN {self.gln})"


def _fernet(secret_key: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"eczane-its-credential",
               info=b"v1").derive(secret_key)
    return Fernet(base64.urlsafe_b64encode(key))


def validate(gln: str, username: str, password: str) -> None:
    if not GLN_PATTERN.match(gln):
        raise CredentialError(f"GLN 13 haneli olmalı, {gln!r} verildi.")
    if not username.startswith(gln):
        raise CredentialError(USERNAME_RULE + ".")
    if not password:
        raise CredentialError("İTS parolası boş olamaz.")


def save_credentials(conn: Connection, pharmacy_id: int, creds: ItsCredentials,
                     secret_key: bytes) -> None:
    validate(creds.gln, creds.username, creds.password)
    token = _fernet(secret_key).encrypt(creds.password.encode())
    conn.execute(delete(its_credential).where(its_credential.c.pharmacy_id == pharmacy_id))
    now = now_utc()
    conn.execute(insert(its_credential).values(
        pharmacy_id=pharmacy_id, gln=creds.gln, username=creds.username,
        secret_encrypted=token, updated_at=now))
    reschedule_pharmacy(conn, pharmacy_id, now, now)  # batches waiting for them: due now


def mark_login_refused(conn: Connection, pharmacy_id: int, text: str, at: datetime) -> bool:
    """Record that İTS refused the pharmacy's credentials at login; False when they were
    already marked (one audit event per refusal, not one per batch)."""
    res = conn.execute(update(its_credential).where(
        its_credential.c.pharmacy_id == pharmacy_id, its_credential.c.login_refused_at.is_(None),
    ).values(login_refused_at=at, login_refused_text=text[:300]))
    return res.rowcount == 1


def clear_login_refused(conn: Connection, pharmacy_id: int) -> bool:
    """İTS accepted the credentials again (e.g. its own login service was at fault); True when
    a refusal was on record."""
    res = conn.execute(update(its_credential).where(
        its_credential.c.pharmacy_id == pharmacy_id,
        its_credential.c.login_refused_at.is_not(None),
    ).values(login_refused_at=None, login_refused_text=None))
    return res.rowcount == 1


def load_credentials(conn: Connection, pharmacy_id: int, secret_key: bytes) -> ItsCredentials:
    row = conn.execute(select(its_credential).where(
        its_credential.c.pharmacy_id == pharmacy_id)).first()
    if row is None:
        raise CredentialError("Bu eczane için İTS kullanıcı bilgileri girilmemiş "
                              "(eczane notify credentials ile girin).")
    try:
        password = _fernet(secret_key).decrypt(bytes(row.secret_encrypted)).decode()
    except InvalidToken:
        raise CredentialError("İTS parolası çözülemedi: gizli anahtar değişmiş olabilir; "
                              "kullanıcı bilgilerini yeniden girin.") from None
    return ItsCredentials(row.gln, row.username, password)


def has_credentials(conn: Connection, pharmacy_id: int) -> bool:
    return conn.execute(select(its_credential.c.pharmacy_id).where(
        its_credential.c.pharmacy_id == pharmacy_id)).first() is not None


def its_credential_summary(conn: Connection, pharmacy_id: int) -> Any:
    """GLN, user name, when they were saved and any login refusal by İTS (never the
    password), or None."""
    return conn.execute(select(its_credential.c.gln, its_credential.c.username,
                               its_credential.c.updated_at, its_credential.c.login_refused_at,
                               its_credential.c.login_refused_text).where(
        its_credential.c.pharmacy_id == pharmacy_id)).first()
