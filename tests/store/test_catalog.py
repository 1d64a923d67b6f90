"""Catalog, İTS snapshots and on-hand lists in the store — on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from eczane.demo_data import demo_pharmacy, demo_products
from eczane.domain.catalog import PrescriptionClass, Product
from eczane.domain.pack import PackKey
from eczane.importers.headers import MappingNeeded
from eczane.importers.tabular import ImportRefused
from eczane.store import catalog as store
from eczane.store import tenant
from eczane.store.audit import audit_log
from tests.importers.files import write_xlsx

TODAY = date(2026, 11, 23)
G1, G2 = "08699536080017", "08699536080024"  # demo GTINs (demo_data.py)
UNKNOWN = "08699536080994"  # valid check digit, not in the catalog


def stock_file(tmp_path, rows, name="stok.xlsx"):
    header = ["GTIN", "Seri No", "SKT", "Parti No", "Ürün Adı", "Son İşlem Tarihi"]
    return write_xlsx(tmp_path / name, [["İTS Stok Listesi"], [], header, *rows])


ROWS = [
    [G1, "S1", date(2027, 6, 30), "L1", "AMOKSİSİLİN DEMO", date(2025, 1, 5)],
    [G1, "S2", date(2027, 6, 30), "L1", "AMOKSİSİLİN DEMO", date(2025, 4, 5)],
    [G2, "S3", date(2028, 1, 31), "L2", "İBUPROFEN DEMO", date(2024, 12, 1)],
]


def test_an_its_stock_file_becomes_a_snapshot_keyed_by_gtin_and_serial(db, pharmacies, tmp_path):
    path = stock_file(tmp_path, ROWS)
    with db.begin() as conn:
        s = store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY,
                                   user_id=pharmacies.alice_id)
    assert (s.row_count, s.issue_count, s.duplicate_count, s.already_imported) == (3, 0, 0, False)
    assert s.has_tx_date
    with db.connect() as conn:
        assert store.latest_snapshot_id(conn, pharmacies.pharmacy_id) == s.snapshot_id
        assert store.latest_snapshot_id(conn, pharmacies.other_pharmacy_id) is None
        assert store.snapshot_has_key(conn, s.snapshot_id, PackKey(G1, "S2"))
        assert not store.snapshot_has_key(conn, s.snapshot_id, PackKey(G1, "S3"))
        assert store.snapshot_keys(conn, s.snapshot_id) == {
            PackKey(G1, "S1"), PackKey(G1, "S2"), PackKey(G2, "S3")}
        rows = list(store.snapshot_rows(conn, s.snapshot_id))
    assert rows[0].expiry == date(2027, 6, 30) and rows[0].last_tx_date == date(2025, 1, 5)
    assert [r.row_no for r in rows] == [4, 5, 6]


def test_the_same_file_twice_is_recognised_and_not_imported_again(db, pharmacies, tmp_path):
    path = stock_file(tmp_path, ROWS)
    with db.begin() as conn:
        first = store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY)
    with db.begin() as conn:
        again = store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY)
    assert again.already_imported and again.snapshot_id == first.snapshot_id
    with db.connect() as conn:
        n = conn.execute(select(func.count()).select_from(store.its_snapshot)).scalar_one()
    assert n == 1


def test_another_pharmacy_importing_the_same_file_gets_its_own_snapshot(db, pharmacies, tmp_path):
    path = stock_file(tmp_path, ROWS)
    with db.begin() as conn:
        a = store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY)
    with tenant.acting_for(pharmacies.other_pharmacy_id), db.begin() as conn:
        b = store.import_its_stock(conn, pharmacies.other_pharmacy_id, path, today=TODAY)
    assert not b.already_imported and a.snapshot_id != b.snapshot_id


def test_gtins_unknown_to_the_catalog_are_kept_and_flagged(db, pharmacies, tmp_path):
    path = stock_file(tmp_path, [*ROWS, [UNKNOWN, "S9", date(2027, 1, 31), "L9", "YENİ ÜRÜN", ""]])
    with db.begin() as conn:
        store.upsert_products(conn, demo_products(), "test")
        s = store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY)
    assert s.row_count == 4 and s.unknown_products == 1
    with db.connect() as conn:
        p = store.get_product(conn, UNKNOWN)
        assert p is not None and p.name == "YENİ ÜRÜN" and p.prescription_class is None
        assert store.is_flagged_unknown(conn, UNKNOWN)
        assert not store.is_flagged_unknown(conn, G1)
        assert store.snapshot_has_key(conn, s.snapshot_id, PackKey(UNKNOWN, "S9"))


def test_a_catalog_import_clears_the_unknown_flag_and_sets_the_class(db, pharmacies, tmp_path):
    path = stock_file(tmp_path, [[UNKNOWN, "S9", date(2027, 1, 31), "L9", "YENİ", ""]])
    with db.begin() as conn:
        store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY)
        store.upsert_products(conn, [Product(UNKNOWN, "YENİ ÜRÜN 5 MG", PrescriptionClass.GREEN)],
                              "csv")
    with db.connect() as conn:
        assert store.get_product(conn, UNKNOWN).prescription_class is PrescriptionClass.GREEN
        assert not store.is_flagged_unknown(conn, UNKNOWN)
        got = store.get_products(conn, [UNKNOWN, G1])
    assert set(got) == {UNKNOWN}


def test_an_unknown_layout_needs_a_mapping_once_and_then_it_is_remembered(db, pharmacies, tmp_path):
    rows = [["Kod", "Numara", "Bitiş"], [G1, "S1", "30.06.2027"], [G2, "S2", "31.01.2028"]]
    first = write_xlsx(tmp_path / "a.xlsx", rows)
    second = write_xlsx(tmp_path / "b.xlsx", [*rows, [G2, "S3", "31.01.2028"]])
    with db.begin() as conn, pytest.raises(MappingNeeded) as exc:
        store.import_its_stock(conn, pharmacies.pharmacy_id, first, today=TODAY)
    assert exc.value.preview[0] == ["Kod", "Numara", "Bitiş"]
    spec = {"columns": {"gtin": "Kod", "serial": "Numara", "expiry": "C"}}
    with db.begin() as conn:
        s1 = store.import_its_stock(conn, pharmacies.pharmacy_id, first, today=TODAY, mapping=spec)
    assert s1.row_count == 2 and not s1.mapping_detected
    with db.begin() as conn:
        s2 = store.import_its_stock(conn, pharmacies.pharmacy_id, second, today=TODAY)
    assert s2.row_count == 3
    with tenant.acting_for(pharmacies.other_pharmacy_id), db.begin() as conn, \
            pytest.raises(MappingNeeded):
        store.import_its_stock(conn, pharmacies.other_pharmacy_id, second, today=TODAY)


def test_a_refused_file_writes_nothing(db, pharmacies, tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", [["GTIN", "Seri No", "SKT"]])
    with db.begin() as conn, pytest.raises(ImportRefused) as exc:
        # caught inside the transaction on purpose: the import must undo its own writes
        store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY)
    assert exc.value.code == "only_headers"
    with db.connect() as conn:
        assert store.latest_snapshot_id(conn, pharmacies.pharmacy_id) is None


def test_bad_rows_are_listed_and_the_import_is_audited(db, pharmacies, tmp_path):
    path = stock_file(tmp_path, [*ROWS, ["8699536080018", "S4", date(2027, 1, 1), "L", "X", ""],
                                 [G1, "S1", date(2027, 6, 30), "L1", "AMOKSİSİLİN DEMO", ""]])
    with db.begin() as conn:
        s = store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY,
                                   user_id=pharmacies.alice_id)
    assert (s.row_count, s.issue_count, s.duplicate_count) == (3, 1, 1)
    with db.connect() as conn:
        again = store.snapshot_summary(store.get_snapshot(conn, s.snapshot_id))
        event = conn.execute(select(audit_log).where(audit_log.c.name == "imports.its_stock")).one()
    assert [(i.row_no, i.code) for i in again.issues] == [(7, "gtin_check_digit"), (8, "duplicate")]
    assert event.payload["rows"] == 3 and event.user_id == pharmacies.alice_id


def test_the_demo_seeder_loads_the_catalog_and_the_demo_its_stock(db, pharmacies):
    with db.begin() as conn:
        store.seed_demo_catalog(conn, pharmacies.pharmacy_id, TODAY)
    demo = demo_pharmacy(TODAY)
    with db.connect() as conn:
        sid = store.latest_snapshot_id(conn, pharmacies.pharmacy_id)
        assert store.snapshot_keys(conn, sid) == {PackKey(p.gtin, p.serial) for p in demo.its_packs}
        morphine = store.get_product(conn, "08699536080062")
        assert morphine.prescription_class is PrescriptionClass.RED
        assert store.count_products(conn) == (11, 1)


def _zero(tmp_path):
    (tmp_path / "z.xlsx").write_bytes(b"")
    return tmp_path / "z.xlsx", "empty_file"


def _renamed(tmp_path):
    (tmp_path / "r.xlsx").write_bytes(b"GTIN;Seri No\n")
    return tmp_path / "r.xlsx", "not_a_workbook"


def _bomb(tmp_path):
    from tests.importers.files import write_zip_bomb

    return write_zip_bomb(tmp_path / "b.xlsx", inflated=100_000_000), "zip_bomb"


def _headers_only(tmp_path):
    return write_xlsx(tmp_path / "h.xlsx", [["Barkod", "Sıra No", "Miat"]]), "only_headers"


@pytest.mark.parametrize("make", [_zero, _renamed, _bomb, _headers_only])
def test_hostile_and_empty_files_are_refused_and_nothing_is_stored(db, pharmacies, tmp_path, make):
    path, code = make(tmp_path)
    with pytest.raises(ImportRefused) as exc, db.begin() as conn:
        store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY)
    assert exc.value.code == code
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(store.its_stock_pack)).scalar_one() == 0
        assert store.latest_snapshot_id(conn, pharmacies.pharmacy_id) is None


def test_a_windows_1254_csv_with_mangled_gtins_imports_on_this_database(db, pharmacies, tmp_path):
    from tests.importers.files import write_csv

    rows = [["Barkod", "Seri Numarası", "Miat", "Lot", "İlaç Adı"],
            ["8699536080017", "S1", "06/2027", "L1", "AĞRI KESİCİ ŞURUP"],
            ["8.699536080024E+12", "S2", "46568", "L2", "İĞNE"]]
    path = write_csv(tmp_path / "s.csv", rows, encoding="cp1254")
    with db.begin() as conn:
        s = store.import_its_stock(conn, pharmacies.pharmacy_id, path, today=TODAY)
    with db.connect() as conn:
        rows_in = list(store.snapshot_rows(conn, s.snapshot_id))
    assert [(r.gtin, r.expiry, r.product_name) for r in rows_in] == [
        (G1, date(2027, 6, 30), "AĞRI KESİCİ ŞURUP"), (G2, date(2027, 6, 30), "İĞNE")]


def test_an_on_hand_list_is_stored_with_its_issues(db, pharmacies, tmp_path):
    path = tmp_path / "liste.txt"
    path.write_text("Elinizde Olmayan Karekodlar\n"
                    f"01{G1}21ABC123\x1d17270630\x1d10L1\n(01){G2}(21)X9(17)280131(10)L2\nbozuk\n",
                    "utf-8")
    with db.begin() as conn:
        s = store.import_onhand(conn, pharmacies.pharmacy_id, path, today=TODAY,
                                user_id=pharmacies.bob_id)
    assert (s.row_count, s.issue_count) == (2, 1)
    with db.connect() as conn:
        iid = store.latest_onhand_id(conn, pharmacies.pharmacy_id)
        assert store.onhand_keys(conn, iid) == {PackKey(G1, "ABC123"), PackKey(G2, "X9")}
        again = store.onhand_summary(store.get_onhand_import(conn, iid))
    assert [(i.row_no, i.raw) for i in again.issues] == [(4, "bozuk")]


def test_an_ambiguous_on_hand_karekod_is_resolved_against_the_latest_its_snapshot(db, pharmacies,
                                                                                   tmp_path):
    # no GS: the serial may be "AB" or "AB1727063010CD" (karekod engine: ambiguous)
    raw = f"01{G1}21AB1727063010CD1727063010L1"
    stock = stock_file(tmp_path, [[G1, "AB1727063010CD", date(2027, 6, 30), "L1", "X", ""]])
    path = tmp_path / "liste.txt"
    path.write_text(raw + "\n", "utf-8")
    with db.begin() as conn:
        before = store.import_onhand(conn, pharmacies.pharmacy_id, path, today=TODAY)
    assert (before.row_count, before.issues[0].code) == (0, "ambiguous")
    with db.begin() as conn:
        store.import_its_stock(conn, pharmacies.pharmacy_id, stock, today=TODAY)
        after = store.import_onhand(conn, pharmacies.pharmacy_id, path, today=TODAY)
        assert store.onhand_keys(conn, after.id) == {PackKey(G1, "AB1727063010CD")}


def test_a_file_object_imports_like_a_path(db, pharmacies, tmp_path):
    path = stock_file(tmp_path, ROWS)
    with db.begin() as conn, path.open("rb") as fobj:
        s = store.import_its_stock(conn, pharmacies.pharmacy_id, fobj, today=TODAY)
    assert (s.row_count, s.source_name) == (3, "stok.xlsx")


# ---------------------------------------------------------------- versions (issue 14 finding 1)


def _import(db, pharmacies, path, *, confirmed=True):
    from eczane.importers.catalog import read_catalog
    from eczane.store.catalog_versions import apply_import, plan_import

    f = read_catalog(path)
    with db.begin() as conn:
        p = plan_import(conn, f)
        apply_import(conn, f, expected_digest=p.digest, confirmed=confirmed,
                     pharmacy_id=pharmacies.pharmacy_id, user_id=pharmacies.alice_id)
    return p


def _classes(db):
    with db.connect() as conn:
        return {r.gtin: (r.prescription_class, r.flagged_unknown)
                for r in conn.execute(select(store.product))}


def test_restoring_undoes_imports_one_by_one_back_to_the_flagged_its_product(
        db, pharmacies, tmp_path):
    from eczane.store.catalog_versions import list_versions, plan_restore, restore_previous

    with db.begin() as conn:
        store.add_unknown_products(conn, {G1: "AMOKSİSİLİN (İTS)"}, "its")
    (tmp_path / "a.csv").write_text(f"gtin,name,prescription_class\n{G1},AMOKSİSİLİN,mor\n")
    (tmp_path / "b.csv").write_text(f"gtin,name,prescription_class\n{G1},AMOKSİSİLİN,normal\n"
                                    f"{G2},İBUPROFEN,normal\n")
    assert [c.kind for c in _import(db, pharmacies, tmp_path / "a.csv").changes] == ["added"]
    p = _import(db, pharmacies, tmp_path / "b.csv")
    assert [(c.gtin, c.downgrade) for c in p.downgraded] == [(G1, "normal")]
    assert _classes(db) == {G1: ("normal", False), G2: ("normal", False)}

    for expected in ({G1: ("purple", False)}, {G1: (None, True)}):
        with db.begin() as conn:
            v, plan = plan_restore(conn)
            restore_previous(conn, expected_digest=plan.digest, confirmed=True,
                             pharmacy_id=pharmacies.pharmacy_id, user_id=pharmacies.alice_id)
        assert _classes(db) == expected
    with db.connect() as conn:
        assert plan_restore(conn) is None
        assert [v.undone_at is not None for v in list_versions(conn)] == [True, True]
        assert store.get_product(conn, G1).name == "AMOKSİSİLİN (İTS)"


def test_a_stale_or_unconfirmed_change_writes_nothing(db, pharmacies, tmp_path):
    from eczane.importers.catalog import read_catalog
    from eczane.store.catalog_versions import StalePreview, apply_import, plan_import

    (tmp_path / "a.csv").write_text(f"gtin,name,prescription_class\n{G1},A,kırmızı\n")
    _import(db, pharmacies, tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text(f"gtin,name,prescription_class\n{G1},A,\n")
    f = read_catalog(tmp_path / "b.csv")
    with db.connect() as conn:
        p = plan_import(conn, f)
    assert p.needs_confirmation
    for digest, confirmed, code in ((p.digest, False, "confirmation_needed"),
                                    ("0" * 32, True, "stale_preview")):
        with pytest.raises(StalePreview) as exc, db.begin() as conn:
            apply_import(conn, f, expected_digest=digest, confirmed=confirmed,
                         pharmacy_id=pharmacies.pharmacy_id, user_id=None)
        assert exc.value.code == code
    assert _classes(db) == {G1: ("red", False)}


def test_the_migration_downgrades_and_upgrades_the_catalog_versions(tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from eczane.store.db import alembic_config, open_database

    url = f"sqlite:///{tmp_path / 'm.db'}"
    database = open_database(url)
    tables = {"catalog_version", "catalog_version_row"}
    cfg = alembic_config(url)
    for target, present in (("0005", False), ("head", True)):
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if target == "0005" else command.upgrade)(cfg, target)
        assert (tables <= set(inspect(database.engine).get_table_names())) is present
    database.dispose()


def _state(db):
    with db.connect() as conn:
        return {r.gtin: (r.name, r.form, r.manufacturer, r.prescription_class, r.flagged_unknown)
                for r in conn.execute(select(store.product))}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_restoring_every_version_in_turn_gives_back_each_earlier_catalog_exactly(
        db, pharmacies, seed):
    """Random imports (random products, classes and column sets) over a catalog with İTS-only
    products; each restore returns the catalog exactly as it was before that import."""
    import random

    from eczane.domain.gs1 import make_gtin
    from eczane.importers.catalog import CatalogFile
    from eczane.store.catalog_versions import (
        apply_import,
        plan_import,
        plan_restore,
        restore_previous,
    )

    rng = random.Random(seed)
    gtins = [make_gtin(f"0869953{i:06d}") for i in range(8)]
    classes = [None, *PrescriptionClass]
    with db.begin() as conn:
        store.add_unknown_products(conn, {g: f"İTS {g[-3:]}" for g in gtins[:3]}, "its")
    states = []
    for n in range(4):
        states.append(_state(db))
        cols = {"gtin", "name"} | {c for c in ("prescription_class", "form", "manufacturer")
                                   if rng.random() < 0.6}
        products = [Product(g, f"ÜRÜN {rng.randint(1, 3)}", rng.choice(classes),
                            rng.choice(["", "TABLET"]), rng.choice(["", "ABC"]))
                    for g in rng.sample(gtins, rng.randint(1, 6))]
        f = CatalogFile(f"k{n}.csv", f"{n:064d}", products, [], columns=frozenset(cols),
                        data_rows=len(products))
        with db.begin() as conn:
            p = plan_import(conn, f)
            if p.changes:
                apply_import(conn, f, expected_digest=p.digest, confirmed=True,
                             pharmacy_id=pharmacies.pharmacy_id, user_id=None)
            else:
                states.pop()
    while states:
        with db.begin() as conn:
            _, p = plan_restore(conn)
            restore_previous(conn, expected_digest=p.digest, confirmed=True,
                             pharmacy_id=pharmacies.pharmacy_id, user_id=None)
        assert _state(db) == states.pop()
    with db.connect() as conn:
        assert plan_restore(conn) is None
