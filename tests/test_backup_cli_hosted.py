"""``eczane backup --all`` / ``--pharmacy ID|GLN`` and ``eczane restore --pharmacy ID|GLN``: what
the daily backup script of a hosted installation (deploy/eczane-backup.sh) runs, on SQLite and
PostgreSQL. Restoring one pharmacy leaves the others as they were."""

from __future__ import annotations

import gzip
import json

from eczane.store import catalog as cat
from eczane.store.tenant import acting_for
from tests.importers.files import write_xlsx
from tests.importers.test_cli import G1, cli  # noqa: F401  (fixture)
from tests.store.test_backup_hosted import rows_of

GLN_A, GLN_B = "8680001000001", "8680001000018"  # tests/conftest.py


def manifest(path):
    with gzip.open(path, "rb") as f:
        return json.loads(f.readline())


def test_backup_all_writes_one_file_per_pharmacy(cli, pharmacies, tmp_path):  # noqa: F811
    r = cli("backup", "--all", "-o", tmp_path / "yedek", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert [o["pharmacy_id"] for o in out] == [pharmacies.pharmacy_id, pharmacies.other_pharmacy_id]
    for o in out:
        assert o["ok"] and manifest(o["path"])["pharmacy_id"] == o["pharmacy_id"]
        assert o["path"].startswith(str(tmp_path / "yedek" / f"eczane-{o['pharmacy_id']}-"))
    assert cli("backup", "--all", "--pharmacy", "1").exit_code == 2


def test_a_pharmacy_is_named_by_its_gln_and_its_restore_leaves_the_other_alone(
        cli, db, pharmacies, tmp_path):  # noqa: F811
    a, b = pharmacies.pharmacy_id, pharmacies.other_pharmacy_id
    for pid, serial in ((a, "A1"), (b, "B1")):
        path = write_xlsx(tmp_path / f"{serial}.xlsx", [["GTIN", "Seri No"], [G1, serial]])
        assert cli("its", "import", path, "--pharmacy", pid).exit_code == 0
    out = tmp_path / "a.jsonl.gz"
    r = cli("backup", "--pharmacy", GLN_A, "-o", out, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["pharmacy_id"] == a
    path = write_xlsx(tmp_path / "A2.xlsx", [["GTIN", "Seri No"], [G1, "A2"]])
    assert cli("its", "import", path, "--pharmacy", a).exit_code == 0
    before_b = rows_of(db, b)
    r = cli("restore", out, "--pharmacy", GLN_B, "--yes")
    assert r.exit_code == 1 and "geri yüklenemez" in r.output
    assert cli("restore", out, "--pharmacy", "8680001999999", "--yes").exit_code == 2
    r = cli("restore", out, "--pharmacy", GLN_A, "--yes", "--json")
    assert r.exit_code == 0, r.output
    assert rows_of(db, b) == before_b
    with acting_for(a), db.connect() as conn:
        serials = {p.serial for p in conn.execute(
            cat.its_stock_pack.select().where(cat.its_stock_pack.c.pharmacy_id == a))}
    assert "A1" in serials and "A2" not in serials
