"""The counter in real Chromium: typed like a keyboard-wedge scanner, two devices, offline."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from eczane.domain.karekod import Karekod
from eczane.store import count as store
from tests.browser.conftest import login
from tests.count.conftest import DEMO, karekod, seed_catalog

SHELF = DEMO.on_shelf
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def counting(live_server):  # type: ignore[no-untyped-def]
    seed_catalog(live_server.db)
    p = live_server.pharmacies
    with live_server.db.begin() as conn:
        sid = store.open_session(conn, p.pharmacy_id, p.alice_id, "Kasım genel sayımı")
    return sid


def active(live_server, sid):  # type: ignore[no-untyped-def]
    with live_server.db.connect() as conn:
        return list(store.active_scans(conn, sid))


def scanner_types(page, pack_or_text, *, gs: str = "Control+BracketRight") -> None:  # type: ignore[no-untyped-def]
    """Type like a keyboard-wedge scanner: fast keystrokes, GS as a key (Ctrl+] by default),
    then Enter."""
    if isinstance(pack_or_text, str):
        page.keyboard.type(pack_or_text, delay=2)
    else:
        k = pack_or_text
        page.keyboard.type(f"01{k.gtin}21{k.serial}", delay=2)
        page.keyboard.press(gs)
        page.keyboard.type(f"17{k.expiry:%y%m%d}10{k.batch}", delay=2)
    page.keyboard.press("Enter")


def wait_state(page, state: str, code: str | None = None) -> None:  # type: ignore[no-untyped-def]
    sel = f"#result[data-state={state}]" + (f"[data-code={code}]" if code else "")
    page.wait_for_selector(sel, timeout=3000)


def open_counter(page, live_server, sid, user="alice"):  # type: ignore[no-untyped-def]
    login(page, live_server.url, user)
    page.goto(f"{live_server.url}/sayim/{sid}")
    expect(page.locator("#scan-input")).to_be_focused()  # no wait_for_function: the CSP forbids eval


def test_scans_typed_by_a_wedge_scanner_show_green_amber_and_red(page, live_server, counting,
                                                                 tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    open_counter(page, live_server, counting)
    scanner_types(page, SHELF[0])
    wait_state(page, "green", "new")
    assert "PARASETAMOL DEMO" in page.inner_text("#result-product")
    assert page.get_attribute("#sayim", "data-last-beep") == "green"
    scanner_types(page, SHELF[0])
    wait_state(page, "amber", "duplicate")
    assert page.inner_text("#result-title") == "ZATEN SAYILDI"
    scanner_types(page, f"01{SHELF[0].gtin}")   # a half-read karekod
    wait_state(page, "red")
    assert "eksik alan" in page.inner_text("#result-message")
    assert page.get_attribute("#sayim", "data-last-beep") == "red"
    # stored on the server, listed for every device with what to do (not only on this one)
    page.wait_for_selector("#rejected-scans tr[data-code=missing_ai]", timeout=3000)
    assert f"01{SHELF[0].gtin}" in page.inner_text("#rejected-scans")
    assert "yeniden okutun" in page.inner_text("#rejected-scans")
    # A Turkish-Q PC with a US-layout scanner: "]d2" arrives as "üd2", "[GS]" as "ğGSü" and
    # a lowercase "i" as "ı" (research/its.md §6, keyboard layout).
    k = Karekod(SHELF[1].gtin, "Ki9", SHELF[1].expiry, "LOT1")
    scanner_types(page, f"üd201{k.gtin}21Kı9ğGSü17{k.expiry:%y%m%d}10LOT1")
    wait_state(page, "green", "new")
    page.wait_for_selector("#n-total:text('2')", timeout=3000)
    # stored in İTS's form (upper case, research/its.md §6), the key the İTS list uses
    assert sorted(s.serial for s in active(live_server, counting)) == sorted(
        [SHELF[0].serial, "KI9"])
    for p in SHELF[2:6]:
        scanner_types(page, p)
    page.wait_for_selector("#n-total:text('6')", timeout=3000)
    scanner_types(page, SHELF[2])
    wait_state(page, "amber", "duplicate")
    # ECZANE_UPDATE_SCREENSHOTS=1 refreshes docs/count.png; otherwise it goes to tmp.
    target = DOCS if os.environ.get("ECZANE_UPDATE_SCREENSHOTS") else tmp_path
    page.screenshot(path=str(target / "count.png"), full_page=True)


@pytest.mark.parametrize("gs_key", ["F8", "Control+BracketRight"])
def test_a_scanner_that_sends_gs_as_a_key_is_read(page, live_server, counting, gs_key):
    # research/its.md §6: wedge scanners send FNC1/GS as F1–F12 (NPI) or Ctrl+].
    open_counter(page, live_server, counting)
    scanner_types(page, SHELF[7], gs=gs_key)
    wait_state(page, "green", "new")
    assert [s.serial for s in active(live_server, counting)] == [SHELF[7].serial]


def test_the_input_keeps_the_focus_and_undo_takes_a_pack_back(page, live_server, counting):
    open_counter(page, live_server, counting)
    scanner_types(page, SHELF[0])
    wait_state(page, "green")
    page.wait_for_selector("button.undo", timeout=3000)
    page.once("dialog", lambda d: d.accept())
    page.click("button.undo")
    page.wait_for_selector("tr.undone", timeout=3000)
    expect(page.locator("#scan-input")).to_be_focused()
    assert active(live_server, counting) == []
    page.click("h1")
    expect(page.locator("#scan-input")).to_be_focused()


def test_two_devices_see_each_others_scans_within_two_seconds(browser, live_server, counting):
    a_ctx, b_ctx = browser.new_context(locale="tr-TR"), browser.new_context(locale="tr-TR")
    try:
        a, b = a_ctx.new_page(), b_ctx.new_page()
        open_counter(a, live_server, counting, "alice")
        open_counter(b, live_server, counting, "bob")
        scanner_types(a, SHELF[0])
        b.wait_for_selector(f"#canli code:text('{SHELF[0].serial}')", timeout=2000)
        scanner_types(b, SHELF[1])
        a.wait_for_selector(f"#canli code:text('{SHELF[1].serial}')", timeout=2000)
        # Both scan the same pack at the same moment: one counts it, the other hears amber.
        for pg in (a, b):
            pg.keyboard.type(karekod(SHELF[2]).replace("\x1d", "<GS>"), delay=1)
        a.keyboard.press("Enter")
        b.keyboard.press("Enter")
        for pg in (a, b):  # wait for the answer to this scan, not the previous one
            expect(pg.locator("#result-pack")).to_contain_text(f"Seri {SHELF[2].serial}",
                                                               timeout=3000)
        codes = sorted(pg.get_attribute("#result", "data-code") for pg in (a, b))
        assert codes == ["duplicate", "new"]
        a.wait_for_selector("#n-total:text('3')", timeout=2000)
        b.wait_for_selector("#n-total:text('3')", timeout=2000)
        assert len(active(live_server, counting)) == 3
    finally:
        a_ctx.close()
        b_ctx.close()


def test_scans_wait_in_the_page_while_the_server_is_lost_and_survive_a_reload(
        page, live_server, counting):
    open_counter(page, live_server, counting)
    page.route("**/api/sayim/**", lambda route: route.abort())
    scanner_types(page, SHELF[0])
    scanner_types(page, SHELF[1])
    page.wait_for_selector("#queue-status[data-pending='2']", timeout=3000)
    assert "bağlantı gelince" in page.inner_text("#queue-status")
    page.reload()
    page.wait_for_selector("#queue-status[data-pending='2']", timeout=3000)
    assert active(live_server, counting) == []
    page.unroute("**/api/sayim/**")
    page.wait_for_selector("#queue-status[data-pending='0']", timeout=8000)
    page.wait_for_selector("#n-total:text('2')", timeout=3000)
    assert sorted(s.serial for s in active(live_server, counting)) == sorted(
        [SHELF[0].serial, SHELF[1].serial])


def test_an_ambiguous_karekod_is_resolved_by_the_users_pick(page, live_server, counting):
    k = Karekod(SHELF[0].gtin, "A17270131" + "10X", date(2028, 5, 31), "B1")
    open_counter(page, live_server, counting)
    scanner_types(page, k.element_string(gs=""))
    wait_state(page, "amber", "ambiguous")
    page.click(f"#choices button:has-text('Seri {k.serial} ')")
    page.wait_for_selector("#n-total:text('1')", timeout=3000)
    assert [s.serial for s in active(live_server, counting)] == [k.serial]


def test_a_count_closed_elsewhere_turns_the_counter_red_and_keeps_later_scans(
        page, live_server, counting):
    from eczane.domain.count import CountStatus

    open_counter(page, live_server, counting, "bob")
    p = live_server.pharmacies
    with live_server.db.begin() as conn:
        s = store.get_session(conn, counting)
        store.set_status(conn, s, p.alice_id, CountStatus.CLOSED, is_pharmacist=True)
    page.wait_for_selector("#result-title:text('SAYIM KAPATILDI')", timeout=3000)
    scanner_types(page, SHELF[0])
    page.wait_for_selector("#result-title:text('KAYDEDİLMEDİ')", timeout=3000)
    assert "kapatıldı" in page.inner_text("#refused-list")
    assert active(live_server, counting) == []


def test_an_unreadable_scan_on_one_device_is_listed_on_another_and_kept_on_the_server(
        browser, live_server, counting):
    a_ctx, b_ctx = browser.new_context(locale="tr-TR"), browser.new_context(locale="tr-TR")
    try:
        a, b = a_ctx.new_page(), b_ctx.new_page()
        open_counter(a, live_server, counting, "alice")
        open_counter(b, live_server, counting, "bob")
        g = SHELF[3].gtin
        bad = g[:-1] + str((int(g[-1]) + 1) % 10)        # a misread digit: wrong check digit
        scanner_types(a, f"01{bad}21{SHELF[3].serial}")
        wait_state(a, "red", "unreadable")
        assert a.get_attribute("#result", "data-code") == "unreadable"
        row = b.wait_for_selector("#rejected-scans tr[data-code=check_digit]", timeout=2000)
        text = row.inner_text()
        assert bad in text and "kontrol hanesi hatalı" in text and "Ecz. Alice" in text
        assert "elle yazıp" in text                       # the hint: type the code
        assert b.inner_text("#rejected-scans h2") == "Okunamayan okutmalar (1)"
        assert a.is_hidden("#problems")                   # not a second, device-only list
        a.reload()                                        # nothing left to resend
        a.wait_for_selector("#queue-status[data-pending='0']", timeout=3000)
        with live_server.db.connect() as conn:
            [stored] = store.rejected_scans(conn, counting)
        assert (stored.raw, stored.detail, stored.user_id) == (
            f"01{bad}21{SHELF[3].serial}", "check_digit", live_server.pharmacies.alice_id)
    finally:
        a_ctx.close()
        b_ctx.close()
