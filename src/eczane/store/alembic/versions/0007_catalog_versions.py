"""Catalog versions: each catalog import and the previous values of the products it touched,
so that the previous catalog can be restored (issue 14 finding 1). Matches
``eczane.store.catalog_versions`` exactly.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("acting_pharmacy_id", sa.Integer, nullable=True),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_version"),
    )
    op.create_table(
        "catalog_version_row",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("existed", sa.Boolean, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("form", sa.String(100), nullable=False),
        sa.Column("manufacturer", sa.String(200), nullable=False),
        sa.Column("prescription_class", sa.String(10), nullable=True),
        sa.Column("flagged_unknown", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["catalog_version.id"], ondelete="CASCADE",
                                name="fk_catalog_version_row_version_id_catalog_version"),
        sa.PrimaryKeyConstraint("version_id", "gtin", name="pk_catalog_version_row"),
    )


def downgrade() -> None:
    op.drop_table("catalog_version_row")
    op.drop_table("catalog_version")
