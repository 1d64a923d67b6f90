"""Son kontrol (issue 16 part 1): ``recount`` and ``recount_scan``, tenant tables keyed by
pharmacy first. Matches ``eczane.store.recount`` exactly.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from eczane.store import rls

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recount",
        sa.Column("pharmacy_id", sa.Integer, nullable=False),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("blind", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("packs_before", sa.Integer, nullable=False),
        sa.Column("started_by", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_by", sa.Integer, nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pharmacy_id"], ["pharmacy.id"],
                                name="fk_recount_pharmacy_id_pharmacy"),
        sa.PrimaryKeyConstraint("pharmacy_id", "submission_id", name="pk_recount"),
    )
    op.create_table(
        "recount_scan",
        sa.Column("pharmacy_id", sa.Integer, nullable=False),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(20), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pharmacy_id"], ["pharmacy.id"],
                                name="fk_recount_scan_pharmacy_id_pharmacy"),
        sa.ForeignKeyConstraint(["pharmacy_id", "submission_id"],
                                ["recount.pharmacy_id", "recount.submission_id"],
                                name="fk_recount_scan_pharmacy_id_recount"),
        sa.PrimaryKeyConstraint("pharmacy_id", "submission_id", "gtin", "serial",
                                name="pk_recount_scan"),
    )
    # Row-level security (migration 0008): PostgreSQL only, a no-op on SQLite.
    rls.enable(op, "recount")
    rls.enable(op, "recount_scan")


def downgrade() -> None:
    op.drop_table("recount_scan")
    op.drop_table("recount")
