"""Drug catalog, İTS stock snapshots, remembered column mappings, on-hand karekod lists.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("form", sa.String(100), nullable=False, server_default=""),
        sa.Column("manufacturer", sa.String(200), nullable=False, server_default=""),
        sa.Column("prescription_class", sa.String(10), nullable=True),
        sa.Column("flagged_unknown", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("gtin", name="pk_product"),
    )
    op.create_table(
        "its_snapshot",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("pharmacy_id", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.Integer, nullable=True),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("issue_count", sa.Integer, nullable=False),
        sa.Column("duplicate_count", sa.Integer, nullable=False),
        sa.Column("has_tx_date", sa.Boolean, nullable=False),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("issues", sa.JSON, nullable=False),
        sa.ForeignKeyConstraint(["pharmacy_id"], ["pharmacy.id"],
                                name="fk_its_snapshot_pharmacy_id_pharmacy"),
        sa.PrimaryKeyConstraint("id", name="pk_its_snapshot"),
    )
    op.create_index("ix_its_snapshot_pharmacy_sha256", "its_snapshot", ["pharmacy_id", "sha256"])
    op.create_table(
        "its_stock_pack",
        sa.Column("snapshot_id", sa.Integer, nullable=False),
        sa.Column("pharmacy_id", sa.Integer, nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(20), nullable=False),
        sa.Column("expiry", sa.Date, nullable=True),
        sa.Column("batch", sa.String(20), nullable=False),
        sa.Column("product_name", sa.String(300), nullable=False),
        sa.Column("last_tx_date", sa.Date, nullable=True),
        sa.Column("row_no", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["its_snapshot.id"], ondelete="CASCADE",
                                name="fk_its_stock_pack_snapshot_id_its_snapshot"),
        sa.PrimaryKeyConstraint("snapshot_id", "gtin", "serial", name="pk_its_stock_pack"),
    )
    op.create_table(
        "column_mapping",
        sa.Column("pharmacy_id", sa.Integer, nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pharmacy_id"], ["pharmacy.id"],
                                name="fk_column_mapping_pharmacy_id_pharmacy"),
        sa.PrimaryKeyConstraint("pharmacy_id", "signature", name="pk_column_mapping"),
    )
    op.create_table(
        "onhand_import",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("pharmacy_id", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.Integer, nullable=True),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("issue_count", sa.Integer, nullable=False),
        sa.Column("issues", sa.JSON, nullable=False),
        sa.ForeignKeyConstraint(["pharmacy_id"], ["pharmacy.id"],
                                name="fk_onhand_import_pharmacy_id_pharmacy"),
        sa.PrimaryKeyConstraint("id", name="pk_onhand_import"),
    )
    op.create_index("ix_onhand_import_pharmacy_id", "onhand_import", ["pharmacy_id"])
    op.create_table(
        "onhand_pack",
        sa.Column("import_id", sa.Integer, nullable=False),
        sa.Column("pharmacy_id", sa.Integer, nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(20), nullable=False),
        sa.Column("expiry", sa.Date, nullable=True),
        sa.Column("batch", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["onhand_import.id"], ondelete="CASCADE",
                                name="fk_onhand_pack_import_id_onhand_import"),
        sa.PrimaryKeyConstraint("import_id", "gtin", "serial", name="pk_onhand_pack"),
    )


def downgrade() -> None:
    op.drop_table("onhand_pack")
    op.drop_index("ix_onhand_import_pharmacy_id", table_name="onhand_import")
    op.drop_table("onhand_import")
    op.drop_table("column_mapping")
    op.drop_table("its_stock_pack")
    op.drop_index("ix_its_snapshot_pharmacy_sha256", table_name="its_snapshot")
    op.drop_table("its_snapshot")
    op.drop_table("product")
