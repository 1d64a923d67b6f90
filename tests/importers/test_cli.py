"""The command line: ``eczane its import``, ``onhand import``, ``catalog import``, ``backup`` and
``restore`` (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from eczane.cli import app
from eczane.store import catalog as store
from tests.importers.files import write_xlsx

G1, G2 = "08699536080017", "08699536080024"  # demo GTINs (demo_data.py)


@pytest.fixture
def cli(db, db_url, pharmacies, monkeypatch, tmp_path):
    monkeypatch.setenv("ECZANE_DATABASE_URL", db_url)
    monkeypatch.setenv("ECZANE_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    return run


@pytest.fixture
def cli_input(cli, db_url, monkeypatch, tmp_path):
    """Like ``cli``, with what the user types (``input=``) for a confirmation question."""
    runner = CliRunner()

    def run(*args, input=None):  # noqa: A002 - CliRunner's name
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
    return run


def test_its_import_prints_a_json_summary_with_each_bad_row(cli, pharmacies, tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", [["GTIN", "Seri No", "SKT"], [G1, "S1", "30.06.2027"],
                                           [G2, "S2", "yarın"]])
    r = cli("its", "import", path, "--pharmacy", pharmacies.pharmacy_id, "--json",
            "--today", "2026-11-23")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["ok"] and out["row_count"] == 2 and out["issue_count"] == 1
    assert out["issues"][0]["row_no"] == 3 and out["issues"][0]["column"] == "SKT"
    again = cli("its", "import", path, "--pharmacy", pharmacies.pharmacy_id, "--json")
    assert json.loads(again.stdout.strip().splitlines()[-1])["already_imported"] is True


def test_its_import_asks_for_map_once_and_remembers_it(cli, pharmacies, tmp_path):
    rows = [["Kod", "Numara"], [G1, "S1"]]
    path = write_xlsx(tmp_path / "u.xlsx", rows)
    r = cli("its", "import", path, "--pharmacy", pharmacies.pharmacy_id)
    assert r.exit_code == 3 and "Sütun başlıkları tanınmadı" in r.output
    r = cli("its", "import", path, "--pharmacy", pharmacies.pharmacy_id,
            "--map", "gtin=Kod", "--map", "serial=B")
    assert r.exit_code == 0, r.output
    other = write_xlsx(tmp_path / "u2.xlsx", [*rows, [G2, "S2"]])
    assert cli("its", "import", other, "--pharmacy", pharmacies.pharmacy_id).exit_code == 0


def test_its_import_refuses_a_broken_file_with_exit_code_1(cli, pharmacies, tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    r = cli("its", "import", tmp_path / "x.xlsx", "--pharmacy", pharmacies.pharmacy_id)
    assert r.exit_code == 1 and "bir Excel dosyası değil" in r.output


def test_its_import_needs_pharmacy_when_there_are_several(cli, tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", [["GTIN", "Seri No"], [G1, "S1"]])
    r = cli("its", "import", path)
    assert r.exit_code == 2 and "--pharmacy verin" in r.output


def test_onhand_and_catalog_imports(cli, db, pharmacies, tmp_path):
    (tmp_path / "l.txt").write_text(f"Elinizde Olmayan Karekodlar\n(01){G1}(21)A1(17)270630(10)L\n",
                                    "utf-8")
    r = cli("onhand", "import", tmp_path / "l.txt", "--pharmacy", pharmacies.pharmacy_id, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout.strip().splitlines()[-1])["row_count"] == 1
    (tmp_path / "k.csv").write_text(f"gtin,name,prescription_class\n{G1},A,yeşil\n", "utf-8")
    r = cli("catalog", "import", tmp_path / "k.csv", "--json", "--pharmacy", pharmacies.pharmacy_id)
    assert r.exit_code == 0 and json.loads(r.stdout.strip().splitlines()[-1])["products"] == 1
    with db.connect() as conn:
        assert store.get_product(conn, G1).prescription_class.value == "green"


def test_backup_and_restore_round_trip(cli, db, pharmacies, tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", [["GTIN", "Seri No"], [G1, "S1"]])
    cli("its", "import", path, "--pharmacy", pharmacies.pharmacy_id)
    out = tmp_path / "y.jsonl.gz"
    r = cli("backup", "--pharmacy", pharmacies.pharmacy_id, "-o", out, "--json")
    assert r.exit_code == 0, r.output
    with db.begin() as conn:
        conn.execute(store.its_stock_pack.delete())
    r = cli("restore", out, "--yes")
    assert r.exit_code == 0, r.output
    with db.connect() as conn:
        sid = store.latest_snapshot_id(conn, pharmacies.pharmacy_id)
        assert len(store.snapshot_keys(conn, sid)) == 1
    out.write_bytes(out.read_bytes()[:-20])
    r = cli("restore", out, "--yes")
    assert r.exit_code == 1 and "Yedek dosyası" in r.output


def test_a_backup_with_a_passphrase_restores_only_with_it(cli, db, pharmacies, tmp_path,
                                                          monkeypatch):
    out = tmp_path / "p.jsonl.gz"
    monkeypatch.setenv("ECZANE_YEDEK_PAROLASI", "uzun bir yedek parolası")
    r = cli("backup", "--pharmacy", pharmacies.pharmacy_id, "-o", out, "--parola", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[0])["protected"] == "passphrase"
    monkeypatch.setenv("ECZANE_YEDEK_PAROLASI", "yanlış bir yedek parolası")
    r = cli("restore", out, "--yes")
    assert r.exit_code == 1 and "Yedek doğrulanamadı: parola yanlış" in r.output
    monkeypatch.setenv("ECZANE_YEDEK_PAROLASI", "uzun bir yedek parolası")
    r = cli("restore", out, "--yes")
    assert r.exit_code == 0, r.output


def test_its_list_shows_the_snapshots_newest_first(cli, pharmacies, tmp_path):
    for i in range(2):
        path = write_xlsx(tmp_path / f"s{i}.xlsx", [["GTIN", "Seri No"], [G1, f"S{i}"]])
        cli("its", "import", path, "--pharmacy", pharmacies.pharmacy_id)
    r = cli("its", "list", "--pharmacy", pharmacies.pharmacy_id, "--json")
    assert [s["source_name"] for s in json.loads(r.stdout)] == ["s1.xlsx", "s0.xlsx"]


def test_catalog_import_names_the_its_stock_list_and_writes_nothing(cli, db, pharmacies, tmp_path):
    from tests.web.test_catalog import ITS_STOCK_ROWS

    path = write_xlsx(tmp_path / "stok.xlsx", ITS_STOCK_ROWS)
    r = cli("catalog", "import", path, "--pharmacy", pharmacies.pharmacy_id, "--json")
    assert r.exit_code == 1
    assert "Bu dosya İTS stok listesine benziyor; İTS stok listesi bölümünden yükleyin." in r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["code"] == "wrong_file"
    with db.connect() as conn:
        assert store.count_products(conn) == (0, 0)


def test_catalog_import_previews_a_downgrade_and_needs_yes_then_restore_gives_it_back(
        cli_input, db, pharmacies, tmp_path):
    from datetime import date

    from eczane.store.reconcile import get_reconciliation, run_reconciliation
    from tests.store.test_reconcile import BEFORE, G_RED, LATER, add_onhand_import, add_snapshot

    pid = str(pharmacies.pharmacy_id)
    (tmp_path / "a.csv").write_text(f"gtin,name,prescription_class\n{G1},PARASETAMOL,normal\n"
                                    f"{G_RED},MORFİN,kırmızı\n", "utf-8")
    assert cli_input("catalog", "import", tmp_path / "a.csv", "--pharmacy", pid).exit_code == 0
    with db.begin() as conn:
        add_snapshot(conn, pharmacies.pharmacy_id, [(G1, "G", LATER, "L", "", BEFORE),
                                                    (G_RED, "R", LATER, "L", "", BEFORE)])
        onhand = add_onhand_import(conn, pharmacies.pharmacy_id, [])

    def eligible() -> int:
        with db.begin() as conn:
            rid = run_reconciliation(conn, pharmacies.pharmacy_id, today=date(2025, 9, 1),
                                     user_id=None, onhand_import_id=onhand)
            return get_reconciliation(conn, pharmacies.pharmacy_id, rid).counts[
                "not_on_hand_eligible"]

    assert eligible() == 1
    (tmp_path / "b.csv").write_text(f"gtin,name,prescription_class\n{G_RED},MORFİN,normal\n",
                                    "utf-8")
    r = cli_input("catalog", "import", tmp_path / "b.csv", "--pharmacy", pid, "--dry-run", "--json")
    assert r.exit_code == 0 and "MORFİN: Reçete türü Kırmızı reçete → Normal (beyaz)" in r.output
    plan = json.loads(r.stdout.strip().splitlines()[-1])["plan"]
    assert plan["downgraded"] == [{"gtin": G_RED, "name": "MORFİN", "to": "normal"}]
    r = cli_input("catalog", "import", tmp_path / "b.csv", "--pharmacy", pid, input="n\n")
    assert r.exit_code == 1 and "Onaylanmadı" in r.output
    with db.connect() as conn:
        assert store.get_product(conn, G_RED).prescription_class.value == "red"
    r = cli_input("catalog", "import", tmp_path / "b.csv", "--pharmacy", pid, input="y\n")
    assert r.exit_code == 0, r.output
    assert eligible() == 2

    r = cli_input("catalog", "restore", "--pharmacy", pid, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["written"] is True
    with db.connect() as conn:
        assert store.get_product(conn, G_RED).prescription_class.value == "red"
    assert eligible() == 1
    versions = json.loads(cli_input("catalog", "versions", "--json").stdout)
    assert [v["source_name"] for v in versions] == ["b.csv", "a.csv"]
    assert versions[0]["undone_at"] is not None and versions[1]["undone_at"] is None


def test_its_import_of_a_mostly_bad_file_asks_first_and_keeps_nothing_without_a_yes(
        cli_input, db, pharmacies, tmp_path):
    from eczane.store.catalog import latest_snapshot_id

    path = write_xlsx(tmp_path / "s.xlsx", [["GTIN", "Seri No"], [G1, "S1"], ["123", "S2"],
                                           ["456", "S3"]])
    pid = str(pharmacies.pharmacy_id)
    r = cli_input("its", "import", path, "--pharmacy", pid, input="n\n")
    assert r.exit_code == 1 and "satırlarının çoğu sorunlu: 2 sorunlu, 1 okunabilen satır" in r.output
    r = cli_input("its", "import", path, "--pharmacy", pid, "--json")
    assert r.exit_code == 1 and json.loads(r.stdout.strip().splitlines()[-1])["code"] == "mostly_bad"
    with db.connect() as conn:
        assert latest_snapshot_id(conn, pharmacies.pharmacy_id) is None
    r = cli_input("its", "import", path, "--pharmacy", pid, input="y\n")
    assert r.exit_code == 0, r.output
    with db.connect() as conn:
        assert latest_snapshot_id(conn, pharmacies.pharmacy_id) is not None


def test_catalog_restore_with_no_version_says_so(cli_input):
    r = cli_input("catalog", "restore", "--json")
    assert r.exit_code == 1 and "Geri dönülecek önceki katalog sürümü yok." in r.output
