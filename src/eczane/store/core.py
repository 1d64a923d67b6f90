"""Chambers, pharmacies and their users.

Roles (``eczane.accounts.users.ROLES``): eczacı = pharmacist, kalfa = technician, both of one
pharmacy; oda = staff of an eczacı odası (chamber) that hosts its member pharmacies; admin = the
installation's administrator, of no pharmacy. The CHECK ``ck_app_user_role_scope`` (migration
0010) ties the role to which of ``pharmacy_id`` / ``chamber_id`` is set.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from eczane.store.base import installation_table, metadata

chamber = Table(
    "chamber",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("province", String(100), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("name", name="uq_chamber_name"),
    info=installation_table(),
)
"""An eczacı odası hosting eczane for its members (installation-wide: no ``pharmacy_id``)."""

ROLE_SCOPE_SQL = (
    "(role IN ('eczaci', 'kalfa') AND pharmacy_id IS NOT NULL AND chamber_id IS NULL)"
    " OR (role = 'oda' AND pharmacy_id IS NULL AND chamber_id IS NOT NULL)"
    " OR (role = 'admin' AND pharmacy_id IS NULL AND chamber_id IS NULL)"
)
"""A pharmacy user belongs to a pharmacy, chamber staff to a chamber, the admin to neither."""

pharmacy = Table(
    "pharmacy",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("gln", String(13), nullable=True, unique=True),
    Column("province", String(100), nullable=False, server_default=""),
    Column("district", String(100), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Added by migration 0010: the chamber (eczacı odası) whose staff see this member's progress.
    Column("chamber_id", Integer, ForeignKey("chamber.id"), nullable=True),
    info=installation_table(),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True),
    # Nullable since migration 0010: chamber staff (oda) and the admin belong to no pharmacy.
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=True, index=True),
    Column("username", String(100), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # "eczaci" | "kalfa" | "oda" | "admin"
    Column("password_hash", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Added by migration 0006 (accounts slice): a disabled user cannot log in; every change of
    # password stamps the time (sessions made before it are ended, see eczane.accounts.sessions).
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("username", name="uq_app_user_username"),
    Column("chamber_id", Integer, ForeignKey("chamber.id"), nullable=True),
    CheckConstraint(ROLE_SCOPE_SQL, name="role_scope"),
    info=installation_table(
        "login finds a user by username before any pharmacy is known (usernames are unique "
        "across the installation), and chamber and admin users are no pharmacy's "
        "(pharmacy_id NULL); tenant rows refer to users (opened_by, user_id), which Citus "
        "allows towards a reference table"),
)
