"""Reconciliation runs, their packs (bucket + reason), pharmacist overrides, in-transit packs.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconciliation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_reconciliation_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("today", sa.Date, nullable=False),
        sa.Column("window_code", sa.String(10), nullable=True),
        sa.Column("window_open", sa.Boolean, nullable=False),
        sa.Column("records_before", sa.Date, nullable=True),
        sa.Column("date_checked", sa.Boolean, nullable=False),
        sa.Column("reference_date", sa.Date, nullable=False),
        sa.Column("its_snapshot_id", sa.Integer, nullable=True),
        sa.Column("scan_upto", sa.Integer, nullable=True),
        sa.Column("onhand_source", sa.JSON, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation"),
    )
    op.create_index("ix_reconciliation_pharmacy_id", "reconciliation", ["pharmacy_id"])
    op.create_table(
        "reconciliation_pack",
        sa.Column("recon_id", sa.Integer, nullable=False),
        sa.Column("pharmacy_id", sa.Integer, nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("expiry", sa.Date, nullable=True),
        sa.Column("batch", sa.String(40), nullable=False),
        sa.Column("product_name", sa.String(300), nullable=False),
        sa.Column("last_tx_date", sa.Date, nullable=True),
        sa.Column("prescription_class", sa.String(10), nullable=True),
        sa.Column("in_its", sa.Boolean, nullable=False),
        sa.Column("on_hand", sa.Boolean, nullable=False),
        sa.Column("bucket", sa.String(30), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("sender_type", sa.String(10), nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("recon_id", "gtin", "serial", name="pk_reconciliation_pack"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_reconciliation_pack_recon_bucket", "reconciliation_pack", ["recon_id", "bucket"])
    op.create_table(
        "pack_override",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_pack_override_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pack_override"),
    )
    op.create_index("ix_pack_override_pharmacy_pack", "pack_override", ["pharmacy_id", "gtin", "serial"])
    op.create_table(
        "in_transit_pack",
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_in_transit_pack_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("expiry", sa.Date, nullable=True),
        sa.Column("batch", sa.String(40), nullable=False),
        sa.Column("sender_type", sa.String(10), nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pharmacy_id", "gtin", "serial", name="pk_in_transit_pack"),
    )


def downgrade() -> None:
    op.drop_table("in_transit_pack")
    op.drop_index("ix_pack_override_pharmacy_pack", table_name="pack_override")
    op.drop_table("pack_override")
    op.drop_index("ix_reconciliation_pack_recon_bucket", table_name="reconciliation_pack")
    op.drop_table("reconciliation_pack")
    op.drop_index("ix_reconciliation_pharmacy_id", table_name="reconciliation")
    op.drop_table("reconciliation")
