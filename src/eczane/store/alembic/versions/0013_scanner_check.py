"""Scanner checks (okuyucu testi) of count sessions. Matches ``eczane.store.scanner_check``.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from eczane.store import rls

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scanner_check",
        sa.Column("pharmacy_id", sa.Integer, nullable=False),
        sa.Column("check_id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("codes", sa.String(300), nullable=False),
        sa.Column("median_ms", sa.Integer, nullable=True),
        sa.ForeignKeyConstraint(["pharmacy_id"], ["pharmacy.id"],
                                name="fk_scanner_check_pharmacy_id_pharmacy"),
        sa.PrimaryKeyConstraint("pharmacy_id", "check_id", name="pk_scanner_check"),
    )
    op.create_index("ix_scanner_check_session", "scanner_check", ["pharmacy_id", "session_id"])
    rls.enable(op, "scanner_check")  # row-level security (migration 0008); no-op on SQLite


def downgrade() -> None:
    op.drop_index("ix_scanner_check_session", table_name="scanner_check")
    op.drop_table("scanner_check")
