"""Issue 14 findings 5 and 9: a count's file import refuses a wrong file before storing anything,
skips a scanner dump's title line (by the same rule as the CLI), and the pharmacist may clear
the unreadable lines a file import left (audited)."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from eczane.cli import app as cli_app
from eczane.store import count as store
from eczane.store.audit import audit_log
from tests.count.conftest import DEMO, karekod

SHELF = DEMO.on_shelf
DUMP = ("Sayım Karekodları\r\n" + "".join(karekod(p) + "\r\n" for p in SHELF[:3])
        + "bozuk satır 1\r\n0108699536080000\r\n").encode()


@pytest.fixture
def sid(app_client) -> int:  # type: ignore[no-untyped-def]
    db = app_client.app.state.services.db
    p = app_client.pharmacies
    with db.begin() as conn:
        return store.open_session(conn, p.pharmacy_id, p.alice_id, "Kasım sayımı")


def send(client, sid, name, data):  # type: ignore[no-untyped-def]
    return client.post(f"/sayim/{sid}/ice-aktar", files={"file": (name, io.BytesIO(data))},
                       data={"grp": "raf"}, follow_redirects=False)


def rejected_raws(client, sid):  # type: ignore[no-untyped-def]
    with client.app.state.services.db.connect() as conn:
        return sorted(r.raw for r in store.rejected_scans(conn, sid))


def test_a_pdf_is_refused_on_the_count_page_and_nothing_is_stored(app_client, sid):
    client = app_client.login("bob")
    r = send(client, sid, "liste.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 20)
    assert r.status_code == 422
    assert 'id="import-error"' in r.text and "&#39;liste.pdf&#39; bir PDF belgesi" in r.text
    assert 'id="scan-input"' in r.text      # the count page itself, the form open
    assert rejected_raws(client, sid) == []


def test_the_title_line_of_a_dump_is_skipped_by_the_page_and_the_cli_alike(
        app_client, sid, monkeypatch, tmp_path, settings):
    client = app_client.login("bob")
    r = send(client, sid, "okuyucu.txt", DUMP)
    assert r.status_code == 200
    assert "Başlık satırı atlandı: “Sayım Karekodları”" in r.text
    assert 'id="imp-added">3<' in r.text and 'id="imp-bad">2<' in r.text
    page_rejected = rejected_raws(client, sid)
    assert "Sayım Karekodları" not in page_rejected and len(page_rejected) == 2
    db = client.app.state.services.db
    p = client.pharmacies
    with db.begin() as conn:
        other = store.open_session(conn, p.pharmacy_id, p.alice_id, "CLI sayımı")
    dump = tmp_path / "okuyucu.txt"
    dump.write_bytes(DUMP)
    monkeypatch.setenv("ECZANE_DATABASE_URL", settings.database_url)
    res = CliRunner().invoke(cli_app, ["count", "import", str(other), str(dump)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert (out["title"], out["added"], len(out["problems"])) == ("Sayım Karekodları", 3, 2)
    assert rejected_raws(client, other) == page_rejected


def test_the_pharmacist_clears_a_file_imports_unreadable_lines_and_it_is_audited(app_client, sid):
    client = app_client.login("bob")
    assert send(client, sid, "okuyucu.txt", DUMP).status_code == 200
    db = client.app.state.services.db
    writer_scan = store.record_scan(db, sid, raw="elle yazılan bozuk", client_scan_id="dev-1",
                                    device_id="pc", grp="raf", user_id=client.pharmacies.bob_id,
                                    today=client.app.state.services.today())
    assert writer_scan.rejected
    page = client.get(f"/sayim/{sid}")
    assert "Bu dosyanın okunamayan satırlarını temizle" not in page.text    # a kalfa may not
    with db.connect() as conn:
        [group] = store.import_rejects(conn, sid)
    assert (group.name, group.lines) == ("okuyucu.txt", 2)
    assert client.post(f"/sayim/{sid}/okunamayan-temizle",
                       data={"dosya": group.key}).status_code == 403
    client = app_client.login("alice")
    page = client.get(f"/sayim/{sid}")
    assert "“okuyucu.txt” dosyasından <b>2</b> okunamayan satır" in page.text
    r = client.post(f"/sayim/{sid}/okunamayan-temizle", data={"dosya": group.key},
                    follow_redirects=False)
    assert r.status_code == 303
    assert rejected_raws(client, sid) == ["elle yazılan bozuk"]   # a device's scan stays
    with db.connect() as conn:
        event = conn.execute(select(audit_log).where(
            audit_log.c.name == "count.import_rejects_cleared")).one()
    assert event.user_id == client.pharmacies.alice_id
    assert (event.payload["lines"], event.payload["source"]) == (2, "dosya:okuyucu.txt")
    assert event.payload["sample"] == ["bozuk satır 1", "0108699536080000"]
    again = client.post(f"/sayim/{sid}/okunamayan-temizle", data={"dosya": group.key})
    assert again.status_code == 404
    assert client.post(f"/sayim/{sid}/okunamayan-temizle",
                       data={"dosya": "imp:' or 1=1 --"}).status_code == 404


def test_another_pharmacy_cannot_clear_and_a_closed_count_keeps_its_lines(app_client, sid):
    client = app_client.login("alice")
    send(client, sid, "okuyucu.txt", DUMP)
    db = client.app.state.services.db
    with db.connect() as conn:
        [group] = store.import_rejects(conn, sid)
    client = app_client.login("charlie")
    assert client.post(f"/sayim/{sid}/okunamayan-temizle",
                       data={"dosya": group.key}).status_code == 404
    client = app_client.login("alice")
    assert client.post(f"/sayim/{sid}/durum", data={"status": "closed"}).status_code == 200
    r = client.post(f"/sayim/{sid}/okunamayan-temizle", data={"dosya": group.key})
    assert r.status_code == 409 and "Kapatılmış sayımda" in r.text
    assert len(rejected_raws(client, sid)) == 2
    assert client.get(f"/sayim/{sid}/okunamayan-temizle").status_code == 405
