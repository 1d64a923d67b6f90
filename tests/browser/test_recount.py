"""Son kontrol in real Chromium: karekods typed like a USB keyboard-wedge scanner (characters,
GS as Ctrl+], Enter); a found pack leaves the draft and the counters follow (issue 16 part 1)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from eczane.domain.karekod import Karekod
from eczane.its import service
from eczane.store import outbox as ob
from eczane.store.users import get_user
from tests.browser.conftest import login
from tests.recount.world import OPEN_DAY, build


@pytest.fixture
def draft(live_server):  # type: ignore[no-untyped-def]
    p = live_server.pharmacies
    world = build(live_server.db, p.pharmacy_id, p.alice_id, shelf=100, ghosts=3)  # 2 missed
    with live_server.db.begin() as conn:
        sid = service.create_from_reconciliation(conn, get_user(conn, p.alice_id), "deactivation")
    live_server.app.state.services.today = lambda: OPEN_DAY
    return live_server, world, sid


def scanner_types(page, k: Karekod | str) -> None:  # type: ignore[no-untyped-def]
    """Fast keystrokes, the GS after the serial as Ctrl+] (how a wedge scanner without ASCII 29
    sends it), then Enter."""
    if isinstance(k, str):
        page.keyboard.type(k, delay=2)
    else:
        page.keyboard.type(f"01{k.gtin}21{k.serial}", delay=2)
        page.keyboard.press("Control+BracketRight")
        page.keyboard.type(f"17{k.expiry:%y%m%d}10{k.batch}", delay=2)
    page.keyboard.press("Enter")


def result(page, state: str, code: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"#result[data-state={state}][data-code={code}]", timeout=5000)


def test_a_blind_recount_removes_a_found_pack_at_once(page, draft):
    server, world, sid = draft
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim/{sid}")
    assert page.inner_text("#phrase") == "5 kutuyu deaktive et"
    page.click("#recount-link")
    page.click("#start button")                      # blind mode is ticked by default
    expect(page.locator("#blind-badge")).to_be_visible()
    expect(page.locator("#scan-input")).to_be_focused()
    assert page.locator("#pick-list li[data-key]").count() == 0   # no pack, no count shown
    assert page.locator("#pending").count() == 0

    missed = world.missed[0]
    scanner_types(page, missed)
    result(page, "green", "found")
    expect(page.locator("#saved")).to_have_text("1")
    expect(page.locator(f'#found-list li[data-key="{missed.gtin}/{missed.serial}"]')).to_have_count(1)
    expect(page.locator(f"#g-{missed.gtin} .found-n")).to_have_text("1")
    assert page.get_attribute("#son-kontrol", "data-last-beep") == "green"
    with server.db.connect() as conn:
        assert ob.state_counts(conn, sid)["pending"] == 4    # out of the draft already

    scanner_types(page, missed)
    result(page, "amber", "already_found")
    scanner_types(page, world.shelf[0])
    result(page, "amber", "not_in_draft")
    assert "taslağında yok" in page.inner_text("#result-message")
    scanner_types(page, "0108699536080000")
    result(page, "red", "unreadable")
    assert page.get_attribute("#son-kontrol", "data-last-beep") == "red"
    scanner_types(page, world.missed[1])
    result(page, "green", "found")
    expect(page.locator("#saved")).to_have_text("2")

    page.click("#finish-form button")
    page.wait_for_selector("#recount-summary")
    assert page.inner_text("#recount-summary") == (
        "Son kontrol 2 kutuyu deaktive edilmekten kurtardı: taslak 5 kutudan 3 kutuya indi.")
    assert page.inner_text("#phrase") == "3 kutuyu deaktive et"


def test_with_counts_shown_the_found_packs_row_disappears(page, draft):
    server, world, sid = draft
    login(page, server.url, "bob")                    # the kalfa scans; the eczacı started it
    with server.db.begin() as conn:
        from eczane.store import recount as rc

        rc.start(conn, ob.get_submission(conn, sid), user_id=server.pharmacies.alice_id, blind=False)
    page.goto(f"{server.url}/bildirim/{sid}/son-kontrol")
    missed = world.missed[0]
    row = page.locator(f'#pick-list li[data-key="{missed.gtin}/{missed.serial}"]')
    expect(row).to_have_count(1)
    expect(page.locator("#pending")).to_have_text("5")
    scanner_types(page, missed)
    result(page, "green", "found")
    expect(row).to_have_count(0)
    expect(page.locator("#pending")).to_have_text("4")
    expect(page.locator("#phrase")).to_have_text("4 kutuyu deaktive et")
    assert page.locator("#finish-form").count() == 0  # only the eczacı finishes


def test_the_pick_list_prints_to_a_real_pdf(page, draft):
    server, world, sid = draft
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim/{sid}/son-kontrol/liste")
    assert page.locator("#pick-table tbody tr").count() == 5    # one line per pack to look for
    resp = page.request.get(f"{server.url}/bildirim/{sid}/son-kontrol/liste.pdf")
    assert resp.status == 200 and resp.body().startswith(b"%PDF")
