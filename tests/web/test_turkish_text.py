"""Issue 14 finding 10: Turkish words and Europe/Istanbul dd.mm.yyyy wherever a person reads.

Audit pages speak in sentences with İstanbul time; reconciliation charts name months; the
sources line says when the İTS file was loaded in İstanbul time; the import result's counts
agree with its lists; the XLSX has Turkish sheet names and prescription classes; the home page
names the catalog step. JSON stays ISO.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import openpyxl
from sqlalchemy import select

from eczane.store.audit import append_event, audit_log
from tests.importers.files import write_xlsx
from tests.web.test_reconcile import G1, recon  # noqa: F401  (fixture)

AT = datetime(2026, 12, 4, 11, 43, tzinfo=UTC)  # 14:43 in İstanbul


def _count_imported(db, pharmacies):
    with db.begin() as conn:
        append_event(conn, pharmacies.pharmacy_id, pharmacies.alice_id, "count.imported", {
            "session": 2, "source": "tarayici.txt", "file_sha256_16": "ab" * 8, "lines": 1200,
            "added": 1195, "duplicates": 3, "problems": 2, "worker": "w-17"}, at=AT)


def test_an_audit_event_reads_as_a_turkish_sentence_in_istanbul_time(app_client, db):
    _count_imported(db, app_client.pharmacies)
    client = app_client.login("alice")
    page = client.get("/denetim")
    sentence = ("2 numaralı sayıma “tarayici.txt” dosyasından okutma eklendi: 1.200 satır, "
                "1.195 yeni kutu, 3 tekrar, 2 okunamayan satır.")
    assert sentence in page.text and "04.12.2026 14:43" in page.text
    assert "session=" not in page.text and "worker=" not in page.text and "(UTC)" not in page.text
    with db.connect() as conn:  # the login is an audit event too: pick the import's own
        event_id = conn.execute(select(audit_log.c.id).where(
            audit_log.c.name == "count.imported")).scalar_one()
    detail = client.get(f"/denetim/{event_id}")
    assert f'<p id="sentence">{sentence}</p>' in detail.text
    assert "<th>Zaman</th><td>04.12.2026 14:43</td>" in detail.text
    assert "<td>Ecz. Alice</td>" in detail.text
    assert "2026-12-04T11:43:00" in detail.text  # the machine record, under <details>, stays ISO


def test_reconciliation_charts_name_months_and_the_sources_say_when_in_istanbul(app_client,
                                                                               recon):  # noqa: F811
    r = app_client.login("alice").get(f"/mutabakat/{recon}")
    chart = r.text.split('id="grafik-ay"')[1].split("</figure>")[0]
    assert "Ocak 2027" in chart and "2027-01" not in chart
    # tests/store/test_reconcile.py NOW = 01.09.2025 08:00 UTC = 11:00 in İstanbul
    assert "yüklendi 01.09.2025 11:00" in r.text


def test_the_reconciliation_xlsx_has_turkish_sheet_names_and_prescription_classes(
        app_client, recon):  # noqa: F811
    body = app_client.login("alice").get(f"/mutabakat/{recon}/mutabakat.xlsx").content
    wb = openpyxl.load_workbook(io.BytesIO(body))
    assert "not_on_hand_eligible" not in wb.sheetnames
    assert wb.sheetnames[1] == "Elde yok, deaktive edilebilir"
    classes = {row[5] for ws in wb.worksheets for row in ws.iter_rows(min_row=2, values_only=True)}
    assert classes - {None} == {"Normal (beyaz)", "Kırmızı reçete"}


def test_the_import_result_counts_agree_with_its_lists(app_client, tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", [["GTIN", "Seri No"], [G1, "S1"], [G1, "S1"]])
    client = app_client.login("alice")
    r = client.post("/ithalat/its", files={"dosya": ("s.xlsx", path.read_bytes())})
    assert r.status_code == 200, r.text
    assert '<dd id="sorunlu-sayi">0</dd>' in r.text
    assert "Sorunlu satırlar (" not in r.text
    assert '<dd id="tekrar-sayi">1</dd>' in r.text
    assert "Tekrarlanan satırlar (bir kez sayıldı) (1)" in r.text


def test_the_home_page_steps_include_the_catalog(app_client):
    steps = app_client.get("/").text.split('id="steps"')[1].split("</ol>")[0]
    names = re.findall(r"<li><b>([^<]+):</b>", steps)
    assert names[:3] == ["Yedek", "İlaç kataloğu", "Stok sayımı"]


def test_an_account_event_reads_as_its_own_turkish_sentence(app_client):
    client = app_client.login("alice")
    page = client.get("/denetim").text
    assert "alice giriş yaptı" in page
    assert "address:" not in page and "açıklama:" not in page
