"""İTS login refusals (``its_credential.login_refused_at``/``login_refused_text``): the sending
worker stops trying a pharmacy whose İTS user name or password İTS refused, and the pages say so,
until the pharmacist saves new ones. Matches ``eczane.store.outbox.its_credential``.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("its_credential",
                  sa.Column("login_refused_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("its_credential",
                  sa.Column("login_refused_text", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("its_credential") as batch:
        batch.drop_column("login_refused_text")
        batch.drop_column("login_refused_at")
