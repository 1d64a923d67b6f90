"""Issue 14 finding 5 in real Chromium: a wrong file given to the count's file import is refused
before anything is stored, and the pharmacist clears a file import's unreadable lines."""

from __future__ import annotations

from sqlalchemy import select

from eczane.store import count as store
from eczane.store.audit import audit_log
from tests.browser.conftest import login
from tests.count.conftest import DEMO, karekod

SHELF = DEMO.on_shelf


def test_a_pdf_is_refused_and_a_dumps_unreadable_lines_are_cleared(page, live_server, tmp_path):
    p = live_server.pharmacies
    with live_server.db.begin() as conn:
        sid = store.open_session(conn, p.pharmacy_id, p.alice_id, "Kasım sayımı")
    base = live_server.url
    login(page, base, "alice")
    page.goto(f"{base}/sayim/{sid}")

    pdf = tmp_path / "stok-raporu.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    page.click("text=Dosyadan okutma ekle")
    page.set_input_files("input[name=file]", str(pdf))
    page.click("button:has-text('İçe aktar')")
    error = page.locator("#import-error")
    error.wait_for()
    assert "'stok-raporu.pdf' bir PDF belgesi" in error.inner_text()
    assert "Hiçbir şey kaydedilmedi" in error.inner_text()
    assert page.locator("#rejected-scans").count() == 0
    with live_server.db.connect() as conn:
        assert store.count_rejected(conn, sid) == 0

    dump = tmp_path / "okuyucu.txt"
    dump.write_bytes(("Sayım Karekodları\r\n" + "".join(karekod(x) + "\r\n" for x in SHELF[:3])
                      + "bozuk satır\r\n").encode())
    page.set_input_files("input[name=file]", str(dump))
    page.click("button:has-text('İçe aktar')")
    page.wait_for_selector("#imp-added")
    assert page.inner_text("#imp-added") == "3" and page.inner_text("#imp-bad") == "1"
    assert "Sayım Karekodları" in page.inner_text("#imp-title")
    page.click("text=Sayıma dön")
    panel = page.locator("#rejected-scans")
    panel.wait_for()
    assert "Okunamayan okutmalar (1)" in panel.inner_text()
    assert "“okuyucu.txt” dosyasından 1 okunamayan satır" in panel.inner_text()
    page.click("button:has-text('Bu dosyanın okunamayan satırlarını temizle')")
    # the page was at this address already: wait for the panel to go, not for the URL
    page.locator("#rejected-scans").wait_for(state="detached")
    page.wait_for_selector("#n-total")
    assert page.url == f"{base}/sayim/{sid}"
    assert page.inner_text("#n-total") == "3"
    with live_server.db.connect() as conn:
        assert store.count_rejected(conn, sid) == 0
        names = list(conn.execute(select(audit_log.c.name)).scalars())
    assert "count.import_rejects_cleared" in names
