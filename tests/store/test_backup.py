"""Backup and restore of a pharmacy's data (seed 000 step 3: back up before the stock reset)."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest
from sqlalchemy import select, update

from eczane.store import catalog as cat
from eczane.store import tenant
from eczane.store.audit import audit_log, verify
from eczane.store.backup import (
    BackupError,
    BackupSecret,
    pharmacy_tables,
    read_manifest,
    restore_backup,
    write_backup,
)
from eczane.store.base import metadata
from eczane.store.db import open_database
from tests.importers.files import write_xlsx

TODAY = date(2026, 11, 23)
KEY = BackupSecret(b"test-secret")
G1 = "08699536080017"  # demo GTIN (demo_data.py)


@pytest.fixture
def fresh_db(request, db_url, tmp_path):
    """A second, empty migrated database of the same kind as ``db``."""
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        from tests.conftest import APP_ROLE, as_role, new_pg_database

        url = as_role(new_pg_database(request.getfixturevalue("pg_server"),
                                      request.getfixturevalue("pg_template")), APP_ROLE)
    database = open_database(url)
    yield database
    database.dispose()


def dump(conn, pharmacy_id, *, skip=("audit_log",)):
    """Every pharmacy-scoped row, by table, in primary-key order (what 'exactly' means)."""
    out = {}
    for t in pharmacy_tables():
        if t.name in skip:
            continue
        q = select(t).where(t.c.pharmacy_id == pharmacy_id)
        if list(t.primary_key.columns):
            q = q.order_by(*t.primary_key.columns)
        out[t.name] = [tuple(r) for r in conn.execute(q)]
    return out


def fill(db, pharmacies, tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", [["GTIN", "Seri No", "SKT"],
                                           [G1, "S1", "30.06.2027"], [G1, "S2", "30.06.2027"]])
    with db.begin() as conn:
        cat.seed_demo_catalog(conn, pharmacies.pharmacy_id, TODAY)
        cat.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY,
                             user_id=pharmacies.alice_id)
    with tenant.acting_for(pharmacies.other_pharmacy_id), db.begin() as conn:
        cat.seed_demo_catalog(conn, pharmacies.other_pharmacy_id, TODAY)


def test_restoring_gives_back_exactly_what_was_saved(db, pharmacies, tmp_path):
    fill(db, pharmacies, tmp_path)
    out = tmp_path / "yedek.jsonl.gz"
    with db.begin() as conn:
        info = write_backup(conn, pharmacies.pharmacy_id, out, KEY, user_id=pharmacies.alice_id)
    with db.connect() as conn:
        saved = dump(conn, pharmacies.pharmacy_id)
    with tenant.acting_for(pharmacies.other_pharmacy_id), db.connect() as conn:
        other = dump(conn, pharmacies.other_pharmacy_id)
    from eczane.demo_data import demo_pharmacy
    demo_packs = len(demo_pharmacy(TODAY).its_packs)
    assert info.tables["its_stock_pack"] == 2 + demo_packs and info.tables["app_user"] == 2
    # the day goes on: a new snapshot, a deleted pack, a renamed user
    path2 = write_xlsx(tmp_path / "s2.xlsx", [["GTIN", "Seri No"], [G1, "S9"]])
    with db.begin() as conn:
        cat.import_its_stock(conn, pharmacies.pharmacy_id, path2, today=TODAY)
        conn.execute(cat.its_stock_pack.delete().where(cat.its_stock_pack.c.serial == "S1"))
        from eczane.store.core import app_user
        conn.execute(update(app_user).where(app_user.c.id == pharmacies.bob_id)
                     .values(display_name="Değişti"))
    with db.begin() as conn:
        restore_backup(conn, out, KEY, user_id=pharmacies.alice_id)
    with tenant.acting_for(pharmacies.other_pharmacy_id), db.connect() as conn:
        assert dump(conn, pharmacies.other_pharmacy_id) == other
    with db.connect() as conn:
        assert dump(conn, pharmacies.pharmacy_id) == saved
        names = [r.name for r in conn.execute(select(audit_log.c.name).where(
            audit_log.c.pharmacy_id == pharmacies.pharmacy_id).order_by(audit_log.c.seq))]
        assert verify(conn, pharmacies.pharmacy_id).ok
    # the audit log is append-only: the events after the backup stay, the restore is recorded
    assert names[-3:] == ["store.backup", "imports.its_stock", "store.restore"]


def test_a_backup_restores_into_an_empty_database(db, fresh_db, pharmacies, tmp_path):
    fill(db, pharmacies, tmp_path)
    out = tmp_path / "yedek.jsonl.gz"
    with db.begin() as conn:
        write_backup(conn, pharmacies.pharmacy_id, out, KEY)
    with db.connect() as conn:
        saved = dump(conn, pharmacies.pharmacy_id, skip=())
        products = sorted(tuple(r) for r in conn.execute(select(cat.product)))
    with fresh_db.begin() as conn:
        restore_backup(conn, out, KEY)
    with fresh_db.connect() as conn:
        got = dump(conn, pharmacies.pharmacy_id, skip=())
        assert sorted(tuple(r) for r in conn.execute(select(cat.product))) == products
        assert verify(conn, pharmacies.pharmacy_id).ok
        assert cat.latest_snapshot_id(conn, pharmacies.pharmacy_id) is not None
    assert got.pop("audit_log")[:-1] == saved.pop("audit_log")
    assert got == saved
    # new rows after a restore get fresh ids (PostgreSQL sequences moved past restored ids)
    with fresh_db.begin() as conn:
        s = cat.import_its_stock(conn, pharmacies.pharmacy_id,
                                 write_xlsx(tmp_path / "n.xlsx", [["GTIN", "Seri No"], [G1, "N1"]]),
                                 today=TODAY)
    assert s.row_count == 1


def test_backup_covers_every_table_that_holds_pharmacy_data(db, pharmacies, tmp_path):
    out = tmp_path / "y.jsonl.gz"
    with db.begin() as conn:
        write_backup(conn, pharmacies.pharmacy_id, out, KEY)
    manifest = read_manifest(out, KEY)
    scoped = {t.name for t in metadata.sorted_tables if "pharmacy_id" in t.c}
    assert scoped >= {"app_user", "audit_log", "its_snapshot", "its_stock_pack", "onhand_import",
                      "onhand_pack", "column_mapping"}
    assert set(manifest["tables"]) == scoped | {"pharmacy", "product"}


@pytest.mark.parametrize("damage", ["truncate", "flip", "not_gzip", "extra_row"])
def test_a_damaged_backup_is_refused_in_turkish_and_nothing_changes(db, pharmacies, tmp_path, damage):
    fill(db, pharmacies, tmp_path)
    out = tmp_path / "y.jsonl.gz"
    with db.begin() as conn:
        write_backup(conn, pharmacies.pharmacy_id, out, KEY)
    lines = gzip.decompress(out.read_bytes()).splitlines(keepends=True)
    if damage == "truncate":
        out.write_bytes(gzip.compress(b"".join(lines[:-3])))
        expected = "Yedek dosyası eksik: son satır (doğrulama kodu) yok; dosya yarıda kesilmiş."
    elif damage == "flip":
        row = json.loads(lines[5])
        row["r"][-1] = "x"
        lines[5] = (json.dumps(row) + "\n").encode()
        out.write_bytes(gzip.compress(b"".join(lines)))
        expected = "Yedek doğrulanamadı: dosya yedek alındıktan sonra değiştirilmiş"
    elif damage == "not_gzip":
        out.write_bytes(b"hello")
        expected = "Yedek dosyası bozuk: 'y.jsonl.gz' açılamadı"
    else:
        out.write_bytes(gzip.compress(b"".join(lines) + lines[3]))
        expected = "Yedek dosyası bozuk: son satırdan sonra veri var"
    with db.begin() as conn:
        conn.execute(cat.its_stock_pack.delete())
    with db.begin() as conn, pytest.raises(BackupError) as exc:
        restore_backup(conn, out, KEY)
    assert exc.value.message.startswith(expected)
    with db.connect() as conn:
        assert conn.execute(select(cat.its_stock_pack)).first() is None


def test_a_backup_is_not_restored_over_another_pharmacy(db, pharmacies, tmp_path):
    out = tmp_path / "y.jsonl.gz"
    with db.begin() as conn:
        write_backup(conn, pharmacies.pharmacy_id, out, KEY)
    with db.begin() as conn, pytest.raises(BackupError) as exc:
        restore_backup(conn, out, KEY, pharmacy_id=pharmacies.other_pharmacy_id)
    assert exc.value.message == (f"Bu yedek {pharmacies.pharmacy_id} numaralı eczanenin; "
                                 f"{pharmacies.other_pharmacy_id} numaralı eczaneye geri yüklenemez.")


def test_a_contradicting_audit_log_is_never_overwritten(db, fresh_db, pharmacies, tmp_path):
    out = tmp_path / "y.jsonl.gz"
    with db.begin() as conn:
        write_backup(conn, pharmacies.pharmacy_id, out, KEY)
    from eczane.store.audit import append_event
    from eczane.store.users import create_pharmacy
    with fresh_db.begin() as conn:
        pid = create_pharmacy(conn, "Başka", gln="8680001000025")
        append_event(conn, pid, None, "test.other", {})
    assert pid == pharmacies.pharmacy_id
    with fresh_db.begin() as conn, pytest.raises(BackupError) as exc:
        restore_backup(conn, out, KEY)
    assert exc.value.code == "audit_conflict"


def _submit(conn, pharmacies, serials):
    from eczane.store.outbox import NewPack, create_submission

    return create_submission(
        conn, pharmacy_id=pharmacies.pharmacy_id, kind="deactivation", reason_code="75",
        packs=[NewPack(G1, s, date(2027, 6, 30), "L1") for s in serials],
        created_by=pharmacies.alice_id)


def _send(conn, sid, serials, state="accepted"):
    from eczane.store.outbox import set_pack_states

    set_pack_states(conn, sid, {(G1, s): {"state": state, "attempts": 1} for s in serials})


@pytest.mark.parametrize("state", ["accepted", "sending", "unknown", "refused"])
def test_a_backup_older_than_an_its_notification_is_refused_and_nothing_changes(
        db, pharmacies, tmp_path, state):
    fill(db, pharmacies, tmp_path)
    out = tmp_path / "y.jsonl.gz"
    with db.begin() as conn:
        sid = _submit(conn, pharmacies, ["S1", "S2"])
        write_backup(conn, pharmacies.pharmacy_id, out, KEY)  # the packs are still pending here
        _send(conn, sid, ["S2"], state)  # then one goes to İTS (or may have)
    with db.connect() as conn:
        before = dump(conn, pharmacies.pharmacy_id)
    with db.begin() as conn, pytest.raises(BackupError) as exc:
        restore_backup(conn, out, KEY)
    assert exc.value.code == "its_sent_since"
    assert f"İTS'ye 1 kutu bildirildi ya da bildirimi sürüyor (ilki: bildirim {sid}, GTIN {G1}, " \
           "seri S2)" in exc.value.message
    with db.connect() as conn:
        assert dump(conn, pharmacies.pharmacy_id) == before


def test_a_backup_taken_after_the_notifications_restores(db, pharmacies, tmp_path):
    fill(db, pharmacies, tmp_path)
    out = tmp_path / "y.jsonl.gz"
    with db.begin() as conn:
        sid = _submit(conn, pharmacies, ["S1", "S2"])
        _send(conn, sid, ["S1", "S2"])
        write_backup(conn, pharmacies.pharmacy_id, out, KEY)
        _submit(conn, pharmacies, ["S3"])  # a later draft, never sent: a restore may drop it
    with db.begin() as conn:
        restore_backup(conn, out, KEY)
    with db.connect() as conn:
        from eczane.store.outbox import list_submissions, state_counts

        assert [s.id for s in list_submissions(conn, pharmacies.pharmacy_id)] == [sid]
        assert state_counts(conn, sid)["accepted"] == 2 == sum(state_counts(conn, sid).values())
