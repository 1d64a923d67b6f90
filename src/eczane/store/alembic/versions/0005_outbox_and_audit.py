"""İTS outbox: submissions, their packs and batches (worker leases), İTS credentials.

(The audit log itself is in 0001.) Matches ``eczane.store.outbox`` exactly.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_submission_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason_code", sa.String(2), nullable=False, server_default=""),
        sa.Column("description", sa.String(100), nullable=False, server_default=""),
        sa.Column("recon_id", sa.Integer, nullable=True),
        sa.Column("recon_today", sa.Date, nullable=True),
        sa.Column("recon_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("app_user.id", name="fk_submission_created_by_app_user"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.Integer, sa.ForeignKey("app_user.id", name="fk_submission_approved_by_app_user"), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmation_text", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("pack_count", sa.Integer, nullable=False),
        sa.Column("ref_submission_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_submission"),
    )
    op.create_index("ix_submission_pharmacy_id", "submission", ["pharmacy_id"])
    op.create_table(
        "submission_pack",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id", name="fk_submission_pack_submission_id_submission"), nullable=False),
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_submission_pack_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(20), nullable=False),
        sa.Column("expiry", sa.Date, nullable=True),
        sa.Column("batch", sa.String(20), nullable=False, server_default=""),
        sa.Column("product_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("result_code", sa.String(5), nullable=True),
        sa.Column("result_text", sa.String(300), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_key", sa.String(40), nullable=True),
        sa.Column("notification_id", sa.String(40), nullable=True),
        sa.Column("deact_lock", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("submission_id", "gtin", "serial", name="pk_submission_pack"),
        sa.UniqueConstraint("pharmacy_id", "gtin", "serial", "deact_lock",
                            name="uq_submission_pack_live_deactivation"),
    )
    op.create_index("ix_submission_pack_batch", "submission_pack", ["submission_id", "batch_key"])
    op.create_table(
        "submission_batch",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id", name="fk_submission_batch_submission_id_submission"), nullable=False),
        sa.Column("batch_key", sa.String(40), nullable=False),
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_submission_batch_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(80), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sends", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("submission_id", "batch_key", name="pk_submission_batch"),
    )
    op.create_index("ix_submission_batch_due", "submission_batch", ["status", "due_at"])
    op.create_table(
        "its_credential",
        sa.Column("pharmacy_id", sa.Integer, sa.ForeignKey("pharmacy.id", name="fk_its_credential_pharmacy_id_pharmacy"), nullable=False),
        sa.Column("gln", sa.String(13), nullable=False),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pharmacy_id", name="pk_its_credential"),
    )


def downgrade() -> None:
    op.drop_table("its_credential")
    op.drop_index("ix_submission_batch_due", table_name="submission_batch")
    op.drop_table("submission_batch")
    op.drop_index("ix_submission_pack_batch", table_name="submission_pack")
    op.drop_table("submission_pack")
    op.drop_index("ix_submission_pharmacy_id", table_name="submission")
    op.drop_table("submission")
