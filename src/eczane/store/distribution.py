"""The distribution rule of issue 15, checked on a schema, and the Citus SQL it leads to.

``problems(shapes, tenancy)`` lists every way a schema breaks the rule (``eczane.store.base``):
it runs on the metadata and on a database's reflected schema
(``tests/store/test_distribution_keys.py``). ``citus_sql()`` writes the statements that turn
the tables into Citus reference and distributed tables, in dependency order;
``docs/scaling.md`` holds its output (a test keeps them equal):
``python -m eczane.store.distribution``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, MetaData, Table, UniqueConstraint

from eczane.store.base import INSTALLATION, TENANT

PHARMACY_ID = "pharmacy_id"


@dataclass
class Shape:
    """What the rule looks at in one table, from the metadata or from a database."""

    name: str
    nullable: dict[str, bool]
    """Column name → nullable."""
    pk: list[str]
    uniques: list[tuple[str, list[str]]] = field(default_factory=list)
    """Unique constraints and unique indexes: (name, columns)."""
    fks: list[tuple[list[str], str, list[str]]] = field(default_factory=list)
    """(columns, referred table, referred columns)."""


def shape_of(table: Table) -> Shape:
    uniques = [(str(c.name), [col.name for col in c.columns]) for c in table.constraints
               if isinstance(c, UniqueConstraint)]
    uniques += [(str(i.name), [col.name for col in i.columns]) for i in table.indexes
                if isinstance(i, Index) and i.unique]
    fks = [([e.parent.name for e in c.elements], c.elements[0].column.table.name,
            [e.column.name for e in c.elements])
           for c in table.constraints if isinstance(c, ForeignKeyConstraint)]
    return Shape(table.name, {c.name: bool(c.nullable) for c in table.columns},
                 [c.name for c in table.primary_key.columns], uniques, fks)


def reflected_shapes(inspector: Any) -> dict[str, Shape]:
    """Shapes of every table of a database (``sqlalchemy.inspect(connection)``)."""
    out = {}
    for name in inspector.get_table_names():
        if name == "alembic_version":
            continue
        uniques = [(u["name"], u["column_names"]) for u in inspector.get_unique_constraints(name)]
        uniques += [(i["name"], i["column_names"]) for i in inspector.get_indexes(name)
                    if i["unique"] and not i.get("duplicates_constraint")]
        out[name] = Shape(
            name, {c["name"]: c["nullable"] for c in inspector.get_columns(name)},
            inspector.get_pk_constraint(name)["constrained_columns"], uniques,
            [(f["constrained_columns"], f["referred_table"], f["referred_columns"])
             for f in inspector.get_foreign_keys(name)])
    return out


def tenancy(metadata: MetaData) -> dict[str, str | None]:
    return {t.name: t.info.get("tenancy") for t in metadata.sorted_tables}


def problems(shapes: dict[str, Shape], kinds: dict[str, str | None],
             exempt_fk: frozenset[str] = frozenset(), sqlite: bool = False) -> list[str]:
    """Every breach of the rule, one sentence each (empty: the schema may be distributed).

    ``exempt_fk``: tenant tables deliberately without a foreign key to ``pharmacy``. ``sqlite``:
    a surrogate ``id`` may be the whole primary key (SQLite's rowid), see ``eczane.store.base``.
    """
    out: list[str] = []
    for name, s in sorted(shapes.items()):
        kind = kinds.get(name)
        if kind not in (TENANT, INSTALLATION):
            out.append(f"{name}: not classified: add info=tenant_table() or "
                       "info=installation_table('why') (eczane.store.base)")
            continue
        if kind == INSTALLATION:
            out += [f"{name}: installation table refers to tenant table {ref}"
                    for _, ref, _ in s.fks if kinds.get(ref) == TENANT]
            continue
        if PHARMACY_ID not in s.nullable or s.nullable[PHARMACY_ID]:
            out.append(f"{name}: no NOT NULL pharmacy_id")
            continue
        if PHARMACY_ID not in s.pk and not (sqlite and s.pk == ["id"]):
            out.append(f"{name}: primary key {s.pk} lacks pharmacy_id")
        out += [f"{name}: unique {uname} {cols} lacks pharmacy_id"
                for uname, cols in s.uniques if PHARMACY_ID not in cols]
        reaches = name in exempt_fk
        for cols, ref, ref_cols in s.fks:
            if ref == "pharmacy" and cols == [PHARMACY_ID]:
                reaches = True
            if kinds.get(ref) != TENANT:
                continue
            pairs = dict(zip(cols, ref_cols, strict=True))
            if pairs.get(PHARMACY_ID) != PHARMACY_ID:
                out.append(f"{name}: foreign key {cols} → {ref}{ref_cols} lacks pharmacy_id "
                           "on both sides")
            else:
                reaches = True
        if not reaches:
            out.append(f"{name}: pharmacy_id has no foreign key to pharmacy")
    return out


def citus_sql(metadata: MetaData) -> str:
    """The statements that distribute the schema (reference tables first, parents before
    children; every tenant table colocated with the first one)."""
    tables = metadata.sorted_tables
    ref = [t.name for t in tables if t.info.get("tenancy") == INSTALLATION]
    dist = [t.name for t in tables if t.info.get("tenancy") == TENANT]
    lines = ["CREATE EXTENSION IF NOT EXISTS citus;", "",
             "-- installation tables: a full copy on every node"]
    lines += [f"SELECT create_reference_table('{n}');" for n in ref]
    lines += ["", "-- tenant tables: sharded by pharmacy_id, all shards of a pharmacy on one node"]
    lines += [f"SELECT create_distributed_table('{n}', 'pharmacy_id', colocate_with => "
              f"'{'none' if i == 0 else dist[0]}');" for i, n in enumerate(dist)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from eczane.store.tables import metadata as _metadata

    print(citus_sql(_metadata), end="")
