"""Password hashing and the password policy.

Hashes are scrypt (stdlib ``hashlib``; n=2^14, r=8, p=1, 16-byte salt per user), stored as
``scrypt$<salt hex>$<digest hex>``. ``check_password`` of an unknown user is run against
``dummy_hash()`` so that a wrong username costs the same work as a wrong password (no user
enumeration by timing).

The policy (``password_problem``): at least ``MIN_LENGTH`` characters, not the username, and not
in the list of common passwords ``data/accounts/common_passwords.txt`` (its source is in the
file's header). References: NIST SP 800-63B §5.1.1.2 (length over composition rules, a
blocklist of commonly used passwords).

>>> password_problem("kısa", username="ali")
'Parola en az 10 karakter olmalı.'
>>> password_problem("1234567890", username="ali")
'Bu parola çok yaygın (sık kullanılan parolalar listesinde); başka bir parola seçin.'
>>> password_problem("ali.yilmaz1", username="ali.yilmaz1")
'Parola kullanıcı adıyla aynı olamaz.'
>>> password_problem("lavanta-kokulu-raf", username="ali") is None
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import cache
from pathlib import Path

COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "accounts" / "common_passwords.txt"
MIN_LENGTH = 10
MAX_LENGTH = 200
"""Longer input is refused before hashing (scrypt work grows with the input only a little,
but a 1 MB form field is not a password)."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; a malformed hash is just a mismatch."""
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    if scheme != "scrypt" or not salt:
        return False
    again = hash_password(password, salt=salt).split("$")[2]
    return hmac.compare_digest(again, digest_hex)


@cache
def dummy_hash() -> str:
    """A hash no password is known for, checked when the username does not exist."""
    return hash_password(os.urandom(16).hex())


@cache
def common_passwords() -> frozenset[str]:
    text = COMMON_FILE.read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, username: str) -> str | None:
    """What is wrong with a new password, as a Turkish sentence; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Parola en az {MIN_LENGTH} karakter olmalı."
    if len(password) > MAX_LENGTH:
        return f"Parola en fazla {MAX_LENGTH} karakter olabilir."
    if password.strip().lower() == username.strip().lower():
        return "Parola kullanıcı adıyla aynı olamaz."
    if password.strip().lower() in common_passwords():
        return ("Bu parola çok yaygın (sık kullanılan parolalar listesinde); "
                "başka bir parola seçin.")
    return None
