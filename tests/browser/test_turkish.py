"""Issue 14 finding 10 in Chromium: an audit event reads as a Turkish sentence, İstanbul time."""

from __future__ import annotations

from datetime import UTC, datetime

from eczane.store.audit import append_event
from tests.browser.conftest import login


def test_the_audit_detail_page_reads_in_turkish_with_istanbul_time(page, live_server):  # type: ignore[no-untyped-def]
    ph = live_server.pharmacies
    with live_server.db.begin() as conn:
        append_event(conn, ph.pharmacy_id, ph.alice_id, "count.imported", {
            "session": 2, "source": "tarayici.txt", "lines": 1200, "added": 1195,
            "duplicates": 3, "problems": 2, "worker": "w-17"},
            at=datetime(2026, 12, 4, 11, 43, tzinfo=UTC))
    login(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/denetim")
    page.click("#events tbody tr:has-text('tarayici.txt') a")  # the login is an event too
    assert page.inner_text("#sentence") == (
        "2 numaralı sayıma “tarayici.txt” dosyasından okutma eklendi: 1.200 satır, 1.195 yeni "
        "kutu, 3 tekrar, 2 okunamayan satır.")
    assert "04.12.2026 14:43" in page.inner_text("main table")
    assert "worker" not in page.inner_text("main table") + page.inner_text("#sentence")
    assert not page.is_visible("#payload")  # the machine record stays folded
