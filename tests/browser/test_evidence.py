"""The evidence pack downloaded from a sent notification's page in real Chromium, then verified
offline; the kalfa sees no link."""

from __future__ import annotations

import pytest

from eczane.domain import evidence as ev
from tests.browser.conftest import login
from tests.its.conftest import OPEN_DAY
from tests.its.evidence_world import send_notification


@pytest.fixture
def sent_app(live_server, tmp_path):  # type: ignore[no-untyped-def]
    services = live_server.app.state.services
    services.today = lambda: OPEN_DAY
    p = live_server.pharmacies
    sent = send_notification(live_server.db, services.settings, p.pharmacy_id, p.alice_id,
                             tmp_path)
    yield live_server, sent
    sent.server.stop()


def test_the_pharmacist_downloads_the_evidence_pack_from_the_page(page, sent_app, tmp_path):
    server, sent = sent_app
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim/{sent.submission_id}")
    with page.expect_download(timeout=60_000) as info:
        page.click("#evidence a")
    download = info.value
    assert download.suggested_filename == f"denetim-dosyasi-bildirim-{sent.submission_id}.zip"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    check = ev.verify_zip(path.read_bytes())
    assert check.ok, [f.message for f in check.findings if not f.ok]
    assert ev.REPORT_PDF in {f.member for f in check.findings}  # Chromium is here: a real PDF


def test_the_kalfa_sees_no_evidence_link(page, sent_app):
    server, sent = sent_app
    login(page, server.url, "bob")
    page.goto(f"{server.url}/bildirim/{sent.submission_id}")
    assert page.locator("#progress").count() == 1
    assert page.locator("#evidence").count() == 0
