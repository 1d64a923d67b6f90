"""Pharmacies and their users (roles: eczacı = pharmacist, kalfa = technician)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, UniqueConstraint

from eczane.store.base import installation, metadata

pharmacy = Table(
    "pharmacy",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("gln", String(13), nullable=True, unique=True),
    Column("province", String(100), nullable=False, server_default=""),
    Column("district", String(100), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    info=installation(),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False, index=True),
    Column("username", String(100), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # "eczaci" | "kalfa"
    Column("password_hash", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Added by migration 0006 (accounts slice): a disabled user cannot log in; every change of
    # password stamps the time (sessions made before it are ended, see eczane.accounts.sessions).
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("username", name="uq_app_user_username"),
    info=installation(
        "login finds a user by username before any pharmacy is known (usernames are unique "
        "across the installation), and chamber and admin users are not one pharmacy's; "
        "tenant rows refer to users (opened_by, user_id), which Citus allows towards a "
        "reference table"),
)
