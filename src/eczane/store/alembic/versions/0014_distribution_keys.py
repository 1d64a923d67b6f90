"""Distribution keys (issue 15, "ready to distribute"): every tenant table's primary key and
unique constraints include ``pharmacy_id``, and every foreign key between tenant tables includes
it, as Citus requires to distribute the tenant tables by ``pharmacy_id``. Matches the tables'
definitions (``eczane.store.base`` explains the rule and the one SQLite difference).

PostgreSQL: keys are swapped in place (``ALTER TABLE``); ``id`` keeps its sequence.
SQLite: a surrogate ``id`` stays the ``INTEGER PRIMARY KEY`` (rowid); a table that a composite
foreign key points at gets a unique index on ``(id, pharmacy_id)``; the other tables are rebuilt
(batch mode), data kept. Foreign key children are rebuilt, never their parents, so no
``ON DELETE CASCADE`` fires.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SURROGATE = ("audit_log", "its_snapshot", "onhand_import", "reconciliation", "pack_override",
             "count_session", "count_scan", "count_scan_rejected", "submission")
"""Tables with a generated ``id``: primary key ``(id)`` → ``(id, pharmacy_id)``."""

PARENTS = ("its_snapshot", "onhand_import", "count_session", "submission")
"""Surrogate-id tables that a foreign key of another tenant table points at."""

# table: (old primary key, new primary key); pharmacy_id last, the tables are read by parent id.
PACK_KEYS: dict[str, tuple[list[str], list[str]]] = {
    "its_stock_pack": (["snapshot_id", "gtin", "serial"],
                       ["snapshot_id", "gtin", "serial", "pharmacy_id"]),
    "onhand_pack": (["import_id", "gtin", "serial"],
                    ["import_id", "gtin", "serial", "pharmacy_id"]),
    "reconciliation_pack": (["recon_id", "gtin", "serial"],
                            ["recon_id", "gtin", "serial", "pharmacy_id"]),
    "submission_pack": (["submission_id", "gtin", "serial"],
                        ["submission_id", "gtin", "serial", "pharmacy_id"]),
    "submission_batch": (["submission_id", "batch_key"],
                         ["submission_id", "batch_key", "pharmacy_id"]),
}

# (child, column, parent, on delete); the constraint keeps its name, it gains pharmacy_id.
FKS = (
    ("its_stock_pack", "snapshot_id", "its_snapshot", "CASCADE"),
    ("onhand_pack", "import_id", "onhand_import", "CASCADE"),
    ("count_scan", "session_id", "count_session", None),
    ("count_scan_rejected", "session_id", "count_session", None),
    ("submission_pack", "submission_id", "submission", None),
    ("submission_batch", "submission_id", "submission", None),
)

# (table, name, old columns, new columns)
UNIQUES = (
    ("count_scan", "uq_count_scan_session_client", ["session_id", "client_scan_id"],
     ["session_id", "client_scan_id", "pharmacy_id"]),
    ("count_scan_rejected", "uq_count_scan_rejected_session_client",
     ["session_id", "client_scan_id"], ["session_id", "client_scan_id", "pharmacy_id"]),
)
ACTIVE_PACK = ("uq_count_scan_active_pack", ["session_id", "gtin", "serial"],
               ["session_id", "gtin", "serial", "pharmacy_id"])


def _fk_name(child: str, col: str, parent: str) -> str:
    return f"fk_{child}_{col}_{parent}"


def _sqlite_parent_index(table: str) -> str:
    return f"uq_{table}_id_pharmacy"   # eczane.store.base.sqlite_parent_key_index


def _active_pack_index(columns: Sequence[str]) -> None:
    import sqlalchemy as sa

    where = sa.text("undone_at IS NULL")
    op.create_index(ACTIVE_PACK[0], "count_scan", list(columns), unique=True,
                    sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite(new=True)
    else:
        _postgresql(new=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite(new=False)
    else:
        _postgresql(new=False)


def _postgresql(*, new: bool) -> None:
    pick = 1 if new else 0
    for child, col, parent, _ in FKS:
        op.drop_constraint(_fk_name(child, col, parent), child, type_="foreignkey")
    for t in SURROGATE:
        op.drop_constraint(f"pk_{t}", t, type_="primary")
        op.create_primary_key(f"pk_{t}", t, ["id", "pharmacy_id"] if new else ["id"])
    for t, keys in PACK_KEYS.items():
        op.drop_constraint(f"pk_{t}", t, type_="primary")
        op.create_primary_key(f"pk_{t}", t, keys[pick])
    for t, name, *cols in UNIQUES:
        op.drop_constraint(name, t, type_="unique")
        op.create_unique_constraint(name, t, cols[pick])
    op.drop_index(ACTIVE_PACK[0], table_name="count_scan")
    _active_pack_index(ACTIVE_PACK[1 + pick])
    for child, col, parent, ondelete in FKS:
        op.create_foreign_key(_fk_name(child, col, parent), child, parent,
                              [col, "pharmacy_id"] if new else [col],
                              ["id", "pharmacy_id"] if new else ["id"], ondelete=ondelete)


def _sqlite(*, new: bool) -> None:
    pick = 1 if new else 0
    if new:
        for t in PARENTS:
            op.create_index(_sqlite_parent_index(t), t, ["id", "pharmacy_id"], unique=True)
    op.drop_index(ACTIVE_PACK[0], table_name="count_scan")
    children = {child: (col, parent, ondelete) for child, col, parent, ondelete in FKS}
    uniques = {t: (name, cols[pick]) for t, name, *cols in UNIQUES}
    for t in ("its_stock_pack", "onhand_pack", "reconciliation_pack", "submission_pack",
              "submission_batch", "count_scan", "count_scan_rejected"):
        kwargs = {"sqlite_with_rowid": False} if t == "reconciliation_pack" else {}
        with op.batch_alter_table(t, recreate="always", table_kwargs=kwargs) as b:
            if t in children:
                col, parent, ondelete = children[t]
                b.drop_constraint(_fk_name(t, col, parent), type_="foreignkey")
                b.create_foreign_key(_fk_name(t, col, parent), parent,
                                     [col, "pharmacy_id"] if new else [col],
                                     ["id", "pharmacy_id"] if new else ["id"], ondelete=ondelete)
            if t in PACK_KEYS:
                b.drop_constraint(f"pk_{t}", type_="primary")
                b.create_primary_key(f"pk_{t}", PACK_KEYS[t][pick])
            if t in uniques:
                name, cols = uniques[t]
                b.drop_constraint(name, type_="unique")
                b.create_unique_constraint(name, cols)
    _active_pack_index(ACTIVE_PACK[1 + pick])
    if not new:
        for t in PARENTS:
            op.drop_index(_sqlite_parent_index(t), table_name=t)
