"""Issue 15, "ready to distribute": every tenant table may be distributed by ``pharmacy_id``.

The rule (``eczane.store.base``, checked by ``eczane.store.distribution.problems``) holds for the
table definitions, for the schema the migrations make on PostgreSQL (so the two cannot drift)
and, with SQLite's one documented difference, on SQLite; docs/scaling.md lists exactly the
statements the metadata gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select

from eczane.store import distribution
from eczane.store.base import TENANT, sqlite_parent_key_index
from eczane.store.distribution import Shape, problems, reflected_shapes, shape_of, tenancy
from eczane.store.tables import metadata

KINDS = tenancy(metadata)
EXEMPT = frozenset(t.name for t in metadata.sorted_tables if "no_pharmacy_fk" in t.info)


def test_every_table_is_tenant_or_installation_and_tenant_tables_are_distributable():
    shapes = {t.name: shape_of(t) for t in metadata.sorted_tables}
    assert problems(shapes, KINDS, EXEMPT) == []


def test_the_check_finds_each_kind_of_breach():
    kinds: dict[str, str | None] = {"pharmacy": "installation", "s": TENANT, "p": TENANT,
                                    "u": "installation", "x": None}
    shapes = {
        "s": Shape("s", {"id": False, "pharmacy_id": False}, ["id"], [("uq_s", ["id"])],
                   [(["pharmacy_id"], "pharmacy", ["id"])]),
        "p": Shape("p", {"s_id": False, "pharmacy_id": True}, ["s_id"]),
        "u": Shape("u", {"s_id": False}, ["s_id"], fks=[(["s_id"], "s", ["id"])]),
        "x": Shape("x", {}, []),
    }
    assert problems(shapes, kinds) == [
        "p: no NOT NULL pharmacy_id",
        "s: primary key ['id'] lacks pharmacy_id",
        "s: unique uq_s ['id'] lacks pharmacy_id",
        "u: installation table refers to tenant table s",
        "x: not classified: add info=tenant_table() or info=installation_table('why') (eczane.store.base)",
    ]
    shapes["p"] = Shape("p", {"s_id": False, "pharmacy_id": False}, ["s_id", "pharmacy_id"],
                        fks=[(["s_id"], "s", ["id"])])
    assert problems({"p": shapes["p"]}, kinds) == [
        "p: foreign key ['s_id'] → s['id'] lacks pharmacy_id on both sides",
        "p: pharmacy_id has no foreign key to pharmacy"]


@pytest.mark.pg
def test_the_migrated_postgresql_schema_follows_the_rule_and_the_table_definitions(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the distributed database is PostgreSQL")
    from eczane.store.db import open_database

    database = open_database(db_url)
    try:
        with database.connect() as conn:
            shapes = reflected_shapes(inspect(conn))
    finally:
        database.dispose()
    assert set(shapes) == set(KINDS)
    assert problems(shapes, KINDS, EXEMPT) == []
    for t in metadata.sorted_tables:   # the keys are the ones the tables declare
        s = shapes[t.name]
        assert s.pk == [c.name for c in t.primary_key.columns], t.name
        assert sorted(map(sorted, (f[0] for f in s.fks))) == \
            sorted(map(sorted, (f[0] for f in shape_of(t).fks))), t.name
        assert sorted(sorted(c) for _, c in s.uniques) == \
            sorted(sorted(c) for _, c in shape_of(t).uniques), t.name


def test_the_migrated_sqlite_schema_follows_the_rule_with_rowid_ids(tmp_path):
    from eczane.store.db import open_database

    database = open_database(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        with database.connect() as conn:
            shapes = reflected_shapes(inspect(conn))
    finally:
        database.dispose()
    assert problems(shapes, KINDS, EXEMPT, sqlite=True) == []
    referred = {ref for s in shapes.values() for _, ref, _ in s.fks if KINDS.get(ref) == TENANT}
    for name in referred:
        if shapes[name].pk == ["id"]:
            assert (sqlite_parent_key_index(name), ["id", "pharmacy_id"]) in shapes[name].uniques


def test_scaling_doc_lists_exactly_the_statements_of_the_metadata():
    doc = (Path(__file__).parents[2] / "docs" / "scaling.md").read_text(encoding="utf-8")
    assert distribution.citus_sql(metadata) in doc


def test_ids_are_generated_and_unique_across_pharmacies(db, pharmacies):
    from eczane.store import tenant
    from eczane.store.count import count_session, open_session

    made = []
    for pid, uid in ((pharmacies.pharmacy_id, pharmacies.alice_id),
                     (pharmacies.other_pharmacy_id, pharmacies.charlie_id),
                     (pharmacies.pharmacy_id, pharmacies.alice_id)):
        with tenant.acting_for(pid), db.begin() as conn:
            made.append((open_session(conn, pid, uid, "x"), pid))
    assert len({sid for sid, _ in made}) == 3
    for sid, pid in made:
        with tenant.acting_for(pid), db.connect() as conn:
            assert conn.execute(select(count_session.c.pharmacy_id)
                                .where(count_session.c.id == sid)).scalar_one() == pid


def _scan_row(pharmacy_id: int, session_id: int, user_id: int) -> dict[str, object]:
    from eczane.store.count import now_utc

    return {"pharmacy_id": pharmacy_id, "session_id": session_id, "gtin": "1" * 14,
            "serial": "S", "expiry": now_utc().date(), "batch": "B", "grp": "raf", "raw": "",
            "device_id": "d", "client_scan_id": "c", "user_id": user_id,
            "scanned_at": now_utc()}


def test_a_child_row_cannot_point_at_another_pharmacys_parent(db, pharmacies):
    from sqlalchemy.exc import IntegrityError

    from eczane.store import tenant
    from eczane.store.count import count_scan, open_session

    with tenant.acting_for(pharmacies.pharmacy_id), db.begin() as conn:
        sid = open_session(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "A")
    other = pharmacies.other_pharmacy_id
    with pytest.raises(IntegrityError), tenant.acting_for(other), db.begin() as conn:
        conn.execute(insert(count_scan), [_scan_row(other, sid, pharmacies.charlie_id)])


def test_the_migration_keeps_the_data_and_goes_back_and_forth(db_owner_url, pharmacies):
    from alembic import command
    from alembic.script import ScriptDirectory

    from eczane.store.count import count_scan, count_session, open_session
    from eczane.store.db import alembic_config, open_database

    url = db_owner_url   # migrations run as the owner, not as the app's role
    database = open_database(url, migrate_schema=False)
    pid, uid = pharmacies.pharmacy_id, pharmacies.alice_id
    with database.begin() as conn:
        sid = open_session(conn, pid, uid, "A")
        conn.execute(insert(count_scan), [_scan_row(pid, sid, uid)])
    cfg = alembic_config(url)
    before = ScriptDirectory.from_config(cfg).get_revision("0014").down_revision
    for step, target in ((command.downgrade, before), (command.upgrade, "head")):
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, target)
        with database.connect() as conn:
            assert [(r.session_id, r.client_scan_id)
                    for r in conn.execute(select(count_scan))] == [(sid, "c")]
            assert conn.execute(select(count_session.c.id)).scalars().all() == [sid]
    with database.begin() as conn:   # ids still generated, after the ones kept
        assert open_session(conn, pid, uid, "B") > sid
    database.dispose()
