"""Count sessions, their scans and their unreadable scans (stok sayımı).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "count_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_count_session_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("opened_by", sa.Integer, sa.ForeignKey("app_user.id", name="fk_count_session_opened_by_app_user"), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Integer, sa.ForeignKey("app_user.id", name="fk_count_session_closed_by_app_user"), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_count_session_pharmacy_id", "count_session", ["pharmacy_id"])
    op.create_table(
        "count_scan",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_count_scan_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("count_session.id", name="fk_count_scan_session_id_count_session"), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(20), nullable=False),
        sa.Column("expiry", sa.Date, nullable=False),
        sa.Column("batch", sa.String(20), nullable=False),
        sa.Column("grp", sa.String(20), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("client_scan_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", name="fk_count_scan_user_id_app_user"), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.Integer, sa.ForeignKey("app_user.id", name="fk_count_scan_undone_by_app_user"), nullable=True),
        sa.UniqueConstraint("session_id", "client_scan_id", name="uq_count_scan_session_client"),
    )
    op.create_index("uq_count_scan_active_pack", "count_scan", ["session_id", "gtin", "serial"],
                    unique=True, sqlite_where=sa.text("undone_at IS NULL"),
                    postgresql_where=sa.text("undone_at IS NULL"))
    op.create_index("ix_count_scan_session_gtin", "count_scan", ["session_id", "gtin"])
    op.create_table(
        "count_scan_rejected",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_count_scan_rejected_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("count_session.id", name="fk_count_scan_rejected_session_id_count_session"), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(40), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("grp", sa.String(20), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("client_scan_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", name="fk_count_scan_rejected_user_id_app_user"), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "client_scan_id", name="uq_count_scan_rejected_session_client"),
    )


def downgrade() -> None:
    op.drop_table("count_scan_rejected")
    op.drop_index("ix_count_scan_session_gtin", table_name="count_scan")
    op.drop_index("uq_count_scan_active_pack", table_name="count_scan")
    op.drop_table("count_scan")
    op.drop_index("ix_count_session_pharmacy_id", table_name="count_session")
    op.drop_table("count_session")
