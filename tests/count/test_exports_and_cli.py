"""A count as files (XLSX, karekod list) and the ``eczane count`` commands."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from typer.testing import CliRunner

from eczane.cli import app
from eczane.exports.count import count_xlsx, karekod_list
from eczane.store import count as store
from tests.count.conftest import DEMO, TODAY, karekod, seed_catalog

SHELF = DEMO.on_shelf


def _scan(db, sid, pack, cid, user, grp="raf"):  # type: ignore[no-untyped-def]
    return store.record_scan(db, sid, raw=karekod(pack), client_scan_id=cid, device_id="pc",
                             grp=grp, user_id=user, today=TODAY)


def test_the_karekod_list_has_one_pack_per_line_in_three_formats(db, pharmacies, session_id):
    _scan(db, session_id, SHELF[0], "a", pharmacies.alice_id)
    _scan(db, session_id, SHELF[1], "b", pharmacies.alice_id, grp="acik_recete")
    p = SHELF[0]
    with db.connect() as conn:
        gs = karekod_list(conn, session_id)
        hri = karekod_list(conn, session_id, fmt="hri", grp="raf")
        raw = karekod_list(conn, session_id, fmt="raw", grp="acik_recete")
        with pytest.raises(ValueError, match="Bilinmeyen biçim"):
            karekod_list(conn, session_id, fmt="pdf")
    assert gs == f"{karekod(SHELF[0])}\n{karekod(SHELF[1])}\n"
    assert hri == f"(01){p.gtin}(21){p.serial}(17){p.expiry:%y%m%d}(10){p.batch}\n"
    assert raw == f"{karekod(SHELF[1])}\n"


def test_the_workbook_lists_products_packs_and_undone_scans(db, pharmacies, session_id):
    seed_catalog(db)
    _scan(db, session_id, SHELF[0], "a", pharmacies.alice_id)
    _scan(db, session_id, SHELF[1], "b", pharmacies.bob_id, grp="acik_recete")
    undone = _scan(db, session_id, SHELF[4], "c", pharmacies.bob_id)
    for cid, raw in (("r1", "=HYPERLINK(\"x\")"), ("r2", karekod(SHELF[2])[:-3] + "\x1d99")):
        store.record_scan(db, session_id, raw=raw, client_scan_id=cid, device_id="el-terminali",
                          grp="raf", user_id=pharmacies.bob_id, today=TODAY)
    with db.begin() as conn:
        s = store.get_session(conn, session_id)
        store.undo_scan(conn, s, undone.scan.id, pharmacies.alice_id)
        data = count_xlsx(conn, s)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Özet", "Ürünler", "Karekodlar", "Geri alınanlar", "Okunamayanlar"]
    summary = {r[0]: r[1] for r in wb["Özet"].iter_rows(values_only=True)}
    assert (summary["Toplam kutu"], summary["Açık reçete kutusu"]) == (2, 1)
    assert summary["Okunamayan okutma"] == 2
    bad = list(wb["Okunamayanlar"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[6], r[7], r[8]) for r in bad] == [
        ("Raf", '=HYPERLINK("x")', "Bob", "el-terminali", "r1"),
        ("Raf", karekod(SHELF[2])[:-3].replace("\x1d", "⟨GS⟩") + "⟨GS⟩99", "Bob",
         "el-terminali", "r2")]
    assert all(r[3] and r[4] and "okut" in r[5] for r in bad)   # code, reason, what to do
    assert wb["Okunamayanlar"]["C2"].data_type == "s"           # text, never a formula
    assert summary["Açan"] == "Ecz. Alice"
    products = list(wb["Ürünler"].iter_rows(min_row=2, values_only=True))
    assert products == [(SHELF[0].gtin, "PARASETAMOL DEMO 500 MG 20 TABLET", 1, 1, 2)]
    packs = list(wb["Karekodlar"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[3], r[5], r[7]) for r in packs] == [
        ("Raf", SHELF[0].gtin, SHELF[0].serial, SHELF[0].batch, "Ecz. Alice"),
        ("Açık reçete", SHELF[1].gtin, SHELF[1].serial, SHELF[1].batch, "Bob")]
    assert packs[0][4].date() == SHELF[0].expiry
    gone = list(wb["Geri alınanlar"].iter_rows(min_row=2, values_only=True))
    assert [(r[3], r[10]) for r in gone] == [(SHELF[4].serial, "Ecz. Alice")]


@pytest.fixture
def cli_env(monkeypatch, db_url, db, pharmacies):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ECZANE_DATABASE_URL", db_url)
    return pharmacies


def test_the_cli_imports_a_scanner_dump_once_and_exports_it(cli_env, db, session_id, tmp_path):
    dump = tmp_path / "okuyucu.txt"
    dump.write_bytes(f"{karekod(SHELF[0])}\r\n{karekod(SHELF[1])}\r\nbozuk\r\n".encode())
    runner = CliRunner()
    r = runner.invoke(app, ["count", "import", str(session_id), str(dump), "--user", "bob"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert (out["added"], out["problems"][0]["line"]) == (2, 3)
    r = runner.invoke(app, ["count", "import", str(session_id), str(dump)])
    assert json.loads(r.stdout.strip().splitlines()[-1])["already_imported"] == 2
    target = tmp_path / "liste.txt"
    r = runner.invoke(app, ["count", "export", str(session_id), "--format", "hri", "-o",
                            str(target)])
    assert r.exit_code == 0, r.output
    assert len(target.read_text().strip().split("\n")) == 2
    r = runner.invoke(app, ["count", "export", str(session_id), "-o", str(tmp_path / "s.xlsx")])
    assert (tmp_path / "s.xlsx").read_bytes()[:2] == b"PK"
    r = runner.invoke(app, ["count", "list", "--pharmacy-id", str(cli_env.pharmacy_id),
                            "--json"])
    rows = json.loads(r.stdout)
    assert [(x["id"], x["status"], x["packs"]) for x in rows] == [(session_id, "open", 2)]
    with db.connect() as conn:
        assert {s.user_id for s in store.active_scans(conn, session_id)} == {cli_env.bob_id}


def test_the_cli_says_so_for_an_unknown_session(cli_env, tmp_path):
    r = CliRunner().invoke(app, ["count", "export", "999"])
    assert r.exit_code == 2 and "Sayım bulunamadı: 999" in r.output


TURKISH_NAMES = ["ZİNCO DEMO 15 MG", "ÇINAR DEMO ŞURUP", "ŞEKER DEMO TABLET", "ÖKSÜRÜK DEMO ŞURUBU",
                 "ÜLSER DEMO 20 MG", "CİDE DEMO 1 MG", "OKSİJEN DEMO", "IŞIK DEMO 5 MG"]


def scan_turkish_products(db, pharmacies, session_id) -> list[str]:  # type: ignore[no-untyped-def]
    """Scan one pack of each product above and of İBUPROFEN (demo catalog); the names in
    Turkish alphabetical order (TDK alphabet: c < ç, ı < i, o < ö, s < ş, u < ü)."""
    from datetime import date

    from eczane.domain.catalog import PrescriptionClass, Product
    from eczane.domain.gs1 import make_gtin
    from eczane.domain.karekod import Karekod
    from eczane.store.catalog import upsert_products

    seed_catalog(db)
    products = [Product(make_gtin(f"869953609{i:04d}"), name, PrescriptionClass("normal"))
                for i, name in enumerate(TURKISH_NAMES)]
    with db.begin() as conn:
        upsert_products(conn, products, "test")
    packs = [Karekod(p.gtin, f"TR{i}", date(2028, 1, 31), "L1") for i, p in enumerate(products)]
    packs.append(Karekod(SHELF[0].gtin, SHELF[0].serial, SHELF[0].expiry, SHELF[0].batch))
    ibu = next(p for p in DEMO.on_shelf if p.gtin == "08699536080024")
    packs.append(Karekod(ibu.gtin, ibu.serial, ibu.expiry, ibu.batch))
    for i, k in enumerate(packs):
        store.record_scan(db, session_id, raw=k.element_string(), client_scan_id=f"t{i}",
                          device_id="pc", grp="raf", user_id=pharmacies.alice_id, today=TODAY)
    return ["CİDE DEMO 1 MG", "ÇINAR DEMO ŞURUP", "IŞIK DEMO 5 MG",
            "İBUPROFEN DEMO 400 MG 30 TABLET", "OKSİJEN DEMO", "ÖKSÜRÜK DEMO ŞURUBU",
            "PARASETAMOL DEMO 500 MG 20 TABLET", "ŞEKER DEMO TABLET", "ÜLSER DEMO 20 MG",
            "ZİNCO DEMO 15 MG"]


def test_the_products_sheet_is_in_turkish_alphabetical_order(db, pharmacies, session_id):
    expected = scan_turkish_products(db, pharmacies, session_id)
    with db.connect() as conn:
        data = count_xlsx(conn, store.get_session(conn, session_id))
    names = [r[1] for r in openpyxl.load_workbook(io.BytesIO(data))["Ürünler"]
             .iter_rows(min_row=2, values_only=True)]
    assert names == expected
    assert sorted(names) != expected   # code-point order puts Ç, İ, Ö, Ş, Ü after Z
