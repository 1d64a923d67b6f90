"""Who can vouch for a backup: a keyed MAC over the whole file (issue 13).

A backup holds every account's role and password hash. Version 1 closed the file with an
unkeyed SHA-256, so anyone who could edit the file could also recompute the checksum: a ``kalfa``
row turned into ``eczaci`` with a new password hash restored without complaint. Version 2 closes
it with HMAC-SHA256 (RFC 2104) over every line before the last, keyed by one of:

- ``key`` — the installation's secret key (``Settings.resolved_secret_key``): only this
  installation (or one given the same key) can write or restore the backup;
- ``passphrase`` — a passphrase the pharmacist chooses at backup time, stretched with scrypt
  (RFC 7914) and a random salt; the parameters are in the manifest, so the backup can move to a
  new machine and be restored there with the passphrase alone.

The MAC key is never the raw secret: ``HMAC(secret, "eczane-backup/v2")`` for ``key`` (domain
separation from the session cookies signed with the same secret), scrypt output for
``passphrase``. Comparisons use ``hmac.compare_digest``.

>>> s = BackupSecret(b"k", passphrase="uzun bir parola")
>>> auth = new_auth(s, salt=bytes(16))
>>> auth["kind"], auth["kdf"], auth["n"]
('passphrase', 'scrypt', 32768)
>>> len(s.mac_key(auth)) == 32 and s.mac_key(auth) != BackupSecret(b"k").mac_key({"kind": "key"})
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
"""scrypt cost: 32 MiB per try (OWASP password storage cheat sheet's minimum is
N=2^17 for login passwords checked often; a backup passphrase is typed once per restore, the
salt is per file, and the small machines this runs on are the bound: under a second there)."""

MIN_PASSPHRASE = 10
"""Shortest passphrase accepted when a backup is written."""


class BackupAuthError(Exception):
    """The backup cannot be authenticated; the message is Turkish and says why."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class BackupSecret:
    """What opens a backup: the installation's secret key and, if one was chosen, the passphrase.

    ``derived`` is a passphrase key already stretched for one backup's salt (the web keeps it
    between the check and the confirmation instead of the passphrase)."""

    secret_key: bytes
    passphrase: str | None = None
    derived: bytes | None = None

    def mac_key(self, auth: dict[str, Any]) -> bytes:
        """The HMAC key for a backup whose manifest says ``auth``.

        Raises:
            BackupAuthError: a passphrase backup without a passphrase; unknown parameters.
        """
        kind = auth.get("kind")
        if kind == "key":
            return hmac.new(self.secret_key, b"eczane-backup/v2", hashlib.sha256).digest()
        if kind != "passphrase" or auth.get("kdf") != "scrypt":
            raise BackupAuthError("Yedeğin doğrulama bilgisi tanınmıyor; bu yedek geri "
                                  "yüklenemez.", code="auth_unknown")
        if self.derived is not None:
            return self.derived
        if not self.passphrase:
            raise BackupAuthError("Bu yedek bir parolayla korunuyor: yedeği alırken seçilen "
                                  "parolayı girin.", code="passphrase_required")
        try:
            n, r, p = int(auth["n"]), int(auth["r"]), int(auth["p"])
            salt = base64.b64decode(auth["salt"])
        except (KeyError, TypeError, ValueError):
            raise BackupAuthError("Yedeğin parola bilgisi bozuk; bu yedek geri yüklenemez.",
                                  code="auth_unknown") from None
        if not (2**10 <= n <= 2**20 and 1 <= r <= 16 and 1 <= p <= 4 and len(salt) >= 16):
            raise BackupAuthError("Yedeğin parola ayarları kabul edilen sınırların dışında; "
                                  "bu yedek geri yüklenemez.", code="auth_unknown")
        return hashlib.scrypt(self.passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                              maxmem=256 * n * r * p, dklen=32)

    def unlocked(self, auth: dict[str, Any]) -> BackupSecret:
        """This secret with the passphrase stretched for ``auth`` (and the passphrase dropped)."""
        if auth.get("kind") != "passphrase":
            return BackupSecret(self.secret_key)
        return BackupSecret(self.secret_key, derived=self.mac_key(auth))


def new_auth(secret: BackupSecret, *, salt: bytes | None = None) -> dict[str, Any]:
    """The ``auth`` entry of a new backup's manifest.

    Raises:
        BackupAuthError: a passphrase shorter than :data:`MIN_PASSPHRASE`.
    """
    if secret.passphrase is None:
        return {"kind": "key", "mac": "hmac-sha256"}
    if len(secret.passphrase) < MIN_PASSPHRASE:
        raise BackupAuthError(f"Yedek parolası en az {MIN_PASSPHRASE} karakter olmalı.",
                              code="passphrase_short")
    return {"kind": "passphrase", "mac": "hmac-sha256", "kdf": "scrypt", "n": SCRYPT_N,
            "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": base64.b64encode(salt if salt is not None else os.urandom(16)).decode()}


def new_mac(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)


def mac_matches(mac: hmac.HMAC, claimed: object) -> bool:
    return isinstance(claimed, str) and hmac.compare_digest(mac.hexdigest(), claimed)


ROLE_LABELS = {"eczaci": "eczacı", "kalfa": "kalfa"}

_SHOWN = ("role", "password_hash", "disabled", "active", "is_active", "disabled_at")
"""Account columns whose change alters who can log in (those the table has are compared)."""


@dataclass(frozen=True)
class AccountChange:
    """One difference in who can log in, were the backup restored (compared to now)."""

    username: str
    kind: str
    """``added``, ``removed``, ``role``, ``password`` or ``status``."""
    message: str
    """What the pharmacist reads on the confirmation page."""

    def to_json(self) -> dict[str, str]:
        return {"username": self.username, "kind": self.kind}


def diff_accounts(saved: list[dict[str, Any]], current: list[dict[str, Any]]
                  ) -> list[AccountChange]:
    """What restoring ``saved`` account rows over ``current`` ones changes in who can log in.

    >>> now = [{"username": "bob", "role": "kalfa", "password_hash": "h1"}]
    >>> then = [{"username": "bob", "role": "eczaci", "password_hash": "h2"},
    ...         {"username": "eve", "role": "kalfa", "password_hash": "h3"}]
    >>> [c.message for c in diff_accounts(then, now)]  # doctest: +NORMALIZE_WHITESPACE
    ['bob: rolü kalfa → eczacı olacak', 'bob: parolası değişecek (yedekteki parola geçerli olur)',
     'eve: hesabı eklenecek (kalfa)']
    """
    now = {str(r["username"]): r for r in current}
    then = {str(r["username"]): r for r in saved}
    out: list[AccountChange] = []
    for name in sorted(now.keys() | then.keys()):
        a, b = now.get(name), then.get(name)
        if a is None and b is not None:
            out.append(AccountChange(name, "added", f"{name}: hesabı eklenecek "
                                     f"({ROLE_LABELS.get(str(b.get('role')), b.get('role'))})"))
            continue
        if b is None:
            out.append(AccountChange(name, "removed", f"{name}: hesabı silinecek, giriş "
                                     "yapamayacak"))
            continue
        assert a is not None
        if a.get("role") != b.get("role"):
            out.append(AccountChange(name, "role", f"{name}: rolü "
                                     f"{ROLE_LABELS.get(str(a.get('role')), a.get('role'))} → "
                                     f"{ROLE_LABELS.get(str(b.get('role')), b.get('role'))} olacak"))
        if a.get("password_hash") != b.get("password_hash"):
            out.append(AccountChange(name, "password", f"{name}: parolası değişecek (yedekteki "
                                     "parola geçerli olur)"))
        if any(a.get(c) != b.get(c) for c in _SHOWN[2:] if c in a or c in b):
            out.append(AccountChange(name, "status", f"{name}: hesabın açık/kapalı durumu "
                                     "değişecek"))
    return out
