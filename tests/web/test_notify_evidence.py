"""Denetim dosyası download on a sent notification's page: eczacı only (it holds the pharmacy's
stock file, the whole draft and an audit log excerpt), audited with the manifest's hash."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from eczane.domain import evidence as ev
from eczane.exports import report as report_mod
from eczane.store.audit import audit_log
from tests.its.evidence_world import send_notification


@pytest.fixture
def sent(app_client, db, settings, tmp_path, monkeypatch):
    def fail(html: str, **kw: object) -> bytes:
        assert kw["executable_path"] == app_client.app.state.services.settings.chromium
        raise report_mod.PdfUnavailable("Chromium bulunamadı")

    monkeypatch.setattr(report_mod, "html_to_pdf", fail)
    ph = app_client.pharmacies
    world = send_notification(db, settings, ph.pharmacy_id, ph.alice_id, tmp_path)
    yield world
    world.server.stop()


def url(sent) -> str:
    return f"/bildirim/{sent.submission_id}/denetim-dosyasi.zip"


def test_the_pharmacist_downloads_a_pack_that_verifies_and_the_download_is_audited(
        app_client, db, sent):
    app_client.login("alice")
    page = app_client.get(f"/bildirim/{sent.submission_id}")
    assert f'href="{url(sent)}"' in page.text
    r = app_client.get(url(sent))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    assert f'filename="denetim-dosyasi-bildirim-{sent.submission_id}.zip"' in \
        r.headers["content-disposition"]
    check = ev.verify_zip(r.content)
    assert check.ok, [f.message for f in check.findings if not f.ok]
    with db.connect() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.name == "notify.evidence_downloaded")
                           ).one()
    assert row.user_id == app_client.pharmacies.alice_id
    assert row.payload["submission"] == sent.submission_id
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert row.payload["manifest_sha256"] == json.loads(z.read(ev.MANIFEST))["manifest_sha256"]


def test_a_kalfa_neither_sees_the_link_nor_downloads(app_client, sent):
    app_client.login("bob")
    assert url(sent) not in app_client.get(f"/bildirim/{sent.submission_id}").text
    assert app_client.get(url(sent)).status_code == 403


def test_another_pharmacys_pack_does_not_exist(app_client, sent):
    app_client.login("charlie")
    assert app_client.get(url(sent)).status_code == 404
    assert app_client.get("/bildirim/999999/denetim-dosyasi.zip").status_code == 404


def test_the_download_is_get_only(app_client, sent):
    app_client.login("alice")
    assert app_client.post(url(sent)).status_code == 405


def test_a_submission_not_sent_has_no_pack(app_client, db, sent):
    from eczane.its.service import create_from_reconciliation
    from eczane.store.users import get_user

    with db.begin() as conn:
        sid = create_from_reconciliation(
            conn, get_user(conn, app_client.pharmacies.alice_id), "expiry")
    app_client.login("alice")
    assert "denetim-dosyasi.zip" not in app_client.get(f"/bildirim/{sid}").text
    r = app_client.get(f"/bildirim/{sid}/denetim-dosyasi.zip")
    assert r.status_code == 409
    assert "henüz hiçbir kutu gönderilmedi" in r.text
