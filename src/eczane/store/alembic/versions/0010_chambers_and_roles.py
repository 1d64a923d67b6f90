"""Chambers and roles (issue 15, hosted mode): the ``chamber`` table, ``pharmacy.chamber_id``,
``app_user.chamber_id``, ``app_user.pharmacy_id`` nullable (chamber staff and the admin belong
to no pharmacy) and the CHECK tying the role to which of the two is set. Matches
``eczane.store.core``.

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

ROLE_SCOPE_SQL = (
    "(role IN ('eczaci', 'kalfa') AND pharmacy_id IS NOT NULL AND chamber_id IS NULL)"
    " OR (role = 'oda' AND pharmacy_id IS NULL AND chamber_id IS NOT NULL)"
    " OR (role = 'admin' AND pharmacy_id IS NULL AND chamber_id IS NULL)"
)


def upgrade() -> None:
    op.create_table(
        "chamber",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("province", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chamber"),
        sa.UniqueConstraint("name", name="uq_chamber_name"),
    )
    with op.batch_alter_table("pharmacy") as batch:
        batch.add_column(sa.Column("chamber_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_pharmacy_chamber_id_chamber", "chamber", ["chamber_id"], ["id"])
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("chamber_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_app_user_chamber_id_chamber", "chamber", ["chamber_id"], ["id"])
        batch.alter_column("pharmacy_id", existing_type=sa.Integer, nullable=True)
        batch.create_check_constraint("ck_app_user_role_scope", ROLE_SCOPE_SQL)


def downgrade() -> None:
    op.execute("DELETE FROM app_user WHERE pharmacy_id IS NULL")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint("ck_app_user_role_scope", type_="check")
        batch.alter_column("pharmacy_id", existing_type=sa.Integer, nullable=False)
        batch.drop_constraint("fk_app_user_chamber_id_chamber", type_="foreignkey")
        batch.drop_column("chamber_id")
    with op.batch_alter_table("pharmacy") as batch:
        batch.drop_constraint("fk_pharmacy_chamber_id_chamber", type_="foreignkey")
        batch.drop_column("chamber_id")
    op.drop_table("chamber")
