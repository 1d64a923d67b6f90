"""Kept for existing callers: users and pharmacies now live in the ``eczane.accounts`` slice."""

from eczane.accounts.users import (
    ROLE_LABELS_TR,
    ROLES,
    User,
    authenticate,
    check_password,
    create_pharmacy,
    create_user,
    get_pharmacy_name,
    get_user,
    hash_password,
    now_utc,
)

__all__ = ["ROLES", "ROLE_LABELS_TR", "User", "authenticate", "check_password", "create_pharmacy",
           "create_user", "get_pharmacy_name", "get_user", "hash_password", "now_utc"]
