"""Okuyucu testi in real Chromium: each scanner symptom typed with Playwright's keyboard, and
the Turkish advice the page shows for it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from eczane.domain.karekod import GS
from eczane.domain.scanner_check import TEST_LABELS
from eczane.store import count as store
from eczane.store.scanner_check import checks_for_session
from tests.browser.conftest import login

L1, L2, L3, L4 = TEST_LABELS


@pytest.fixture
def sid(live_server):  # type: ignore[no-untyped-def]
    p = live_server.pharmacies
    with live_server.db.begin() as conn:
        return store.open_session(conn, p.pharmacy_id, p.alice_id, "Kasım sayımı")


def wedge(page, text: str, *, delay: float = 2, enter: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` like a keyboard-wedge scanner: GS as Ctrl+], then Enter unless not."""
    parts = text.split(GS)
    for i, part in enumerate(parts):
        if i:
            page.keyboard.press("Control+BracketRight")
        page.keyboard.type(part, delay=delay)
    if enter:
        page.keyboard.press("Enter")


def tr_q(text: str) -> str:
    """What a US-layout scanner types into a PC set to Turkish-Q (domain/keyboard.py)."""
    return text.replace("i", "ı").replace(";", "ş").replace("]", "ü")


def advice(page, label: int, start: str) -> None:  # type: ignore[no-untyped-def]
    item = page.locator(f"#check-reads li[data-label='{label}']", has_text=start)
    expect(item.first).to_be_visible(timeout=5000)


def open_check(page, live_server, sid) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/sayim/{sid}/okuyucu-testi")
    expect(page.locator("#check-input")).to_be_focused()


def test_each_symptom_typed_gets_its_turkish_advice(page, live_server, sid):  # type: ignore[no-untyped-def]
    open_check(page, live_server, sid)
    wedge(page, L1.expected.replace(GS, ""))                       # GS dropped
    advice(page, 1, "1. etiket: GS ayracı gelmiyor")
    expect(page.locator("#check-current")).to_have_text("2")
    wedge(page, L2.expected.swapcase())                            # Caps Lock on
    advice(page, 2, "2. etiket: Büyük ve küçük harfler ters geliyor: klavyede Caps Lock açık")
    wedge(page, tr_q(L3.expected))                                 # Turkish-Q layout
    advice(page, 3, "3. etiket: Klavye düzeni uyuşmuyor: bilgisayar Türkçe Q")
    wedge(page, L4.expected, delay=60)                             # a slow wedge
    advice(page, 4, "4. etiket: Karakterler yavaş geliyor: karakter başına")
    summary = page.locator("#check-summary")
    expect(summary).to_have_attribute("data-passed", "no")
    expect(summary).to_contain_text("Okuyucu testi geçmedi")
    expect(summary).to_contain_text("Caps Lock")
    expect(page.locator("#scanner-checks tr[data-passed=no]")).to_have_count(1)

    page.click("#check-again")
    wedge(page, "]d2" + L1.expected, enter=False)                  # AIM prefix, no Enter
    advice(page, 1, "1. etiket: Koddan sonra Enter gelmiyor")
    advice(page, 1, "1. etiket: Kodun başında “]d2” ön eki geliyor")
    wedge(page, L3.expected)                                       # out of order: asked again
    advice(page, 2, "2. etiket: Sıradaki etiket değil: 3. etiket okundu, 2. etiket")
    expect(page.locator("#check-current")).to_have_text("2")
    wedge(page, L2.expected)
    advice(page, 2, "2. etiket: Doğru okundu.")
    wedge(page, L3.expected)
    wedge(page, L4.expected)
    expect(summary).to_have_attribute("data-passed", "no")
    expect(summary).to_contain_text("Enter")

    page.click("#check-again")
    for lb in TEST_LABELS:               # set up right, scanned in a burst: none lost, passes
        wedge(page, ("]d2" if lb is L1 else "") + lb.expected)
    expect(page.locator("#check-reads li")).to_have_count(len(TEST_LABELS))
    expect(summary).to_have_attribute("data-passed", "yes")
    expect(summary).to_contain_text("Okuyucu testi geçti")

    with live_server.db.connect() as conn:
        checks = checks_for_session(conn, live_server.pharmacies.pharmacy_id, sid)
    assert sorted((c.passed, c.codes) for c in checks) == [
        (False, ("gs_missing", "turkish_q", "caps_lock", "slow")),
        (False, ("no_enter", "prefix")), (True, ("prefix",))]
    page.goto(f"{live_server.url}/sayim/{sid}")
    rows = page.locator("#scanner-checks tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#scanner-checks")).to_contain_text("Caps Lock açık")


def test_the_printed_sheet_reads_back_as_the_labels_the_check_expects(page, live_server):  # type: ignore[no-untyped-def]
    """The sheet's HTML (what html_to_pdf prints) in Chromium at print size, photographed and
    decoded by zxing-cpp: every label carries exactly what the check compares against."""
    import io
    from datetime import date

    from PIL import Image

    from eczane.karekod_image import decode
    from eczane.web.routes.scanner_check import _png_data_uri

    html = live_server.app.state.services.templates.get_template(
        "count/scanner_sheet.html").render(labels=[(lb, _png_data_uri(lb)) for lb in TEST_LABELS])
    page.set_content(html)
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    found = decode(shot, today=date(2026, 12, 6))
    assert sorted(d.text for d in found) == sorted("]d2" + lb.expected for lb in TEST_LABELS)
