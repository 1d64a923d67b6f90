"""Row-level security on every pharmacy table (issue 15, "tenants enforced twice").

PostgreSQL only (a no-op on SQLite): each table with a ``pharmacy_id`` column except
``app_user`` gets ENABLE + FORCE ROW LEVEL SECURITY and the policy
``pharmacy_id = current_setting('eczane.pharmacy_id', true)::int`` (``eczane.store.rls``), plus
the SECURITY DEFINER function the outbox worker uses to find every pharmacy's due batches.
A later migration that adds a pharmacy table calls ``rls.enable(op, "<table>")`` itself.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from eczane.store import rls

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = (
    "audit_log", "count_session", "count_scan", "count_scan_rejected",
    "its_snapshot", "its_stock_pack", "column_mapping", "onhand_import", "onhand_pack",
    "reconciliation", "reconciliation_pack", "pack_override", "in_transit_pack",
    "submission", "submission_pack", "submission_batch", "its_credential",
)
"""The pharmacy tables as of 0007 (fixed here: a migration never reads the live metadata)."""


def upgrade() -> None:
    for name in TABLES:
        rls.enable(op, name)
    rls.create_outbox_function(op)


def downgrade() -> None:
    rls.drop_outbox_function(op)
    for name in reversed(TABLES):
        rls.disable(op, name)
