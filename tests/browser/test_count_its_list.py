"""The counter in real Chromium against an older and a today's İTS list (issue 14, finding 6),
and a linear barcode scanned at the counter (finding 9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.test_count import counting, open_counter, scanner_types, wait_state  # noqa: F401
from tests.count.conftest import DEMO, seed_its_list

IST = ZoneInfo("Europe/Istanbul")


def test_before_todays_its_import_scans_are_green_and_the_page_says_how_old_the_list_is(
        page, live_server, counting):  # noqa: F811
    imported = datetime.now(IST).replace(hour=14, minute=43, second=0, microsecond=0) \
        - timedelta(days=3)
    seed_its_list(live_server.db, live_server.pharmacies.pharmacy_id, DEMO.its_packs,
                  imported_at=imported)
    open_counter(page, live_server, counting)
    line = page.locator("#its-comparison")
    assert line.get_attribute("data-state") == "old"
    assert line.get_attribute("data-days-old") == "3"
    assert (f"Son İTS stok listesi 3 gün önce yüklendi ({imported:%d.%m.%Y} 14:43, its.xlsx)"
            in line.inner_text())
    assert "'İTS stok listenizde yok' uyarısı verilmiyor" in line.inner_text()
    # every pack, in the old list or not, is plain green: nothing drowns the real warnings
    for pack in (DEMO.on_shelf[0], DEMO.shelf_not_in_its[0]):
        scanner_types(page, pack)
        wait_state(page, "green", "new")
        assert page.inner_text("#result-title") == "YENİ KUTU"
    page.wait_for_selector("#n-total:text('2')", timeout=3000)
    # the live fragment keeps the line after it refreshes
    assert page.locator("#its-comparison").get_attribute("data-state") == "old"


def test_after_todays_its_import_a_pack_it_lacks_is_amber_and_the_list_is_named(
        page, live_server, counting):  # noqa: F811
    seed_its_list(live_server.db, live_server.pharmacies.pharmacy_id, DEMO.its_packs,
                  imported_at=datetime.now(IST))
    open_counter(page, live_server, counting)
    line = page.locator("#its-comparison")
    assert line.get_attribute("data-state") == "current"
    assert "Okutmalar bugün yüklenen İTS stok listesiyle karşılaştırılıyor" in line.inner_text()
    scanner_types(page, DEMO.shelf_not_in_its[0])
    wait_state(page, "amber", "not_in_its")
    assert "İTS stok listenizde yok" in page.inner_text("#result-message")


def test_a_linear_barcode_is_red_with_the_plain_reason(page, live_server, counting):  # noqa: F811
    open_counter(page, live_server, counting)
    scanner_types(page, "8699504120011")
    wait_state(page, "red")
    assert page.inner_text("#result-message") == (
        "Bu bir ilaç karekodu değil (kutu üzerindeki 2B karekodu okutun): çizgili barkod "
        "(EAN-13) okundu.")
    page.wait_for_selector("#rejected-scans tr[data-code=not_karekod]", timeout=3000)
