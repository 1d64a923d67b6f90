"""The three İTS flows in real Chromium: dry run, typed confirmation, sending with live progress.

The app talks over loopback HTTP to the İTS simulator loaded with the same demo pharmacy; the
simulator adds latency so the progress fragment (htmx polling) is seen moving.
"""

from __future__ import annotations

from datetime import date

import pytest

from eczane.its.credentials import ItsCredentials, save_credentials
from eczane.its.simulator import DEMO_PASSWORD, SimulatorServer
from eczane.store.demo import DEMO_GLN
from tests.browser.conftest import login
from tests.its.conftest import OPEN_DAY
from tests.its.helpers import demo_simulator_state, seed_demo_reconciliation


@pytest.fixture
def its_app(live_server):  # type: ignore[no-untyped-def]
    state = demo_simulator_state(OPEN_DAY)
    state.set_faults({"latency_ms": 150})
    sim = SimulatorServer(state).start()
    services = live_server.app.state.services
    services.settings = services.settings.with_(its_url=sim.url, its_batch_size=2)
    services.today = lambda: OPEN_DAY
    p = live_server.pharmacies
    seed_demo_reconciliation(live_server.db, p.pharmacy_id, p.alice_id, OPEN_DAY)
    with live_server.db.begin() as conn:
        save_credentials(conn, p.pharmacy_id, ItsCredentials(DEMO_GLN, DEMO_GLN + "0000", DEMO_PASSWORD),
                         services.settings.resolved_secret_key())
    yield live_server, sim
    sim.stop()


@pytest.mark.parametrize("kind, count, phrase", [
    ("acceptance", 2, "2 kutuyu teslim al"),       # seed 000 step 1: depo deliveries only
    ("expiry", 4, "4 kutuyu deaktive et"),         # seed 000 step 2
    ("deactivation", 12, "12 kutuyu deaktive et"),  # seed 000 step 4
])
def test_a_pharmacist_walks_a_flow_from_dry_run_to_accepted(page, its_app, kind, count, phrase):
    server, sim = its_app
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim")
    assert page.inner_text(f"#flow-{kind} .count") == str(count)
    page.click(f"#flow-{kind} button")
    page.wait_for_selector("#phrase")
    assert page.inner_text("#phrase") == phrase
    assert "Henüz İTS'ye hiçbir şey gönderilmedi" in page.inner_text("#approve")

    page.fill("input[name=confirmation]", phrase.replace(str(count), str(count + 1)))
    page.click("#approve button.danger")
    assert "Onay metni tutmuyor" in page.inner_text("#approve")
    assert sim.state.stats["notifications"] == 0

    page.fill("input[name=confirmation]", phrase)
    page.click("#approve button.danger")
    page.wait_for_selector("#send-form")
    page.click("#send-form button")
    page.wait_for_selector("#sending")                       # polling while the worker sends
    page.wait_for_selector("#finished", timeout=30_000)      # swapped in by htmx
    assert f"İTS kabul etti: {count}" in page.inner_text("#progress")
    page.click("#finished a")
    assert page.locator("#packs tr[data-state=accepted]").count() == count
    assert page.inner_text("#status") == "Tamamlandı"


def test_the_closed_window_is_said_plainly_and_a_kalfa_cannot_approve(page, its_app):
    server, _ = its_app
    server.app.state.services.today = lambda: date(2026, 11, 23)
    login(page, server.url, "bob")
    page.goto(f"{server.url}/bildirim")
    assert "24.10.2025 tarihinde kapandı" in page.inner_text("#window")
    assert "süresi kapalı" in page.inner_text("#window")
    page.click("#flow-deactivation button")
    page.wait_for_selector("#approve")
    assert "Bu bildirimi yalnızca eczacı onaylayabilir." in page.inner_text("#approve")
    assert "süresi kapalı" in page.inner_text("#blocker")
    assert page.locator("#stale").count() == 1   # the reconciliation is not from today
