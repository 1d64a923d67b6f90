"""The three İTS flows in real Chromium: dry run, typed confirmation, sending with live progress.

Approval queues the packs; a real ``eczane worker`` process sends them over loopback HTTP to the
İTS simulator loaded with the same demo pharmacy; the simulator adds latency so the progress
fragment (htmx polling) is seen moving.
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
    live_server.start_worker(sim.url, OPEN_DAY)
    yield live_server, sim
    live_server.stop_workers()
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
    page.click("#approve button.danger")                     # approval queues; the worker sends
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


# --- issue 14: the pharmacist's trust -------------------------------------------------------------

@pytest.fixture
def walk_app(live_server):  # type: ignore[no-untyped-def]
    """The issue 14 walk: 56 packs eligible for 75, two expired packs on the shelf."""
    from tests.its.helpers import as_sim_rows, seed_walk_reconciliation, walk_extra_packs

    state = demo_simulator_state(OPEN_DAY)
    ghosts, expired = walk_extra_packs(OPEN_DAY)
    state.add_packs(as_sim_rows(ghosts + expired, DEMO_GLN))
    state.set_faults({"latency_ms": 150})
    sim = SimulatorServer(state).start()
    services = live_server.app.state.services
    services.settings = services.settings.with_(its_url=sim.url, its_batch_size=4)
    services.today = lambda: OPEN_DAY
    p = live_server.pharmacies
    rid = seed_walk_reconciliation(live_server.db, p.pharmacy_id, p.alice_id, OPEN_DAY)
    with live_server.db.begin() as conn:
        save_credentials(conn, p.pharmacy_id, ItsCredentials(DEMO_GLN, DEMO_GLN + "0000", DEMO_PASSWORD),
                         services.settings.resolved_secret_key())
    live_server.start_worker(sim.url, OPEN_DAY)
    yield live_server, sim, rid
    live_server.stop_workers()
    sim.stop()


def _scan_late(server, gtin: str, serial: str) -> None:  # type: ignore[no-untyped-def]
    """A pack scanned on a count device after the reconciliation (written as the count does)."""
    from sqlalchemy import insert, select

    from eczane.store.count import count_scan
    from eczane.store.users import now_utc

    with server.db.begin() as conn:
        t = conn.execute(select(count_scan).limit(1)).first()
        conn.execute(insert(count_scan).values(
            pharmacy_id=t.pharmacy_id, session_id=t.session_id, gtin=gtin, serial=serial,
            expiry=date(2027, 1, 31), batch="L1", grp=t.grp, raw="late", device_id="okuyucu-2",
            client_scan_id="late-1", user_id=t.user_id, scanned_at=now_utc()))


def test_a_draft_goes_outdated_after_a_keep_out_and_a_scan_and_refreshes_to_54(page, walk_app):
    server, sim, rid = walk_app
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim")
    assert page.inner_text("#flow-deactivation .count") == "56"
    page.click("#flow-deactivation button")
    page.wait_for_selector("#phrase")
    assert page.inner_text("#phrase") == "56 kutuyu deaktive et"
    draft_url = page.url
    stale = page.context.new_page()            # a second tab left open on the old draft
    stale.goto(draft_url)

    # Keep one out on the reconciliation page ("buzdolabında bulundu") and scan another.
    page.goto(f"{server.url}/mutabakat/{rid}?grup=not_on_hand_eligible")
    rows = page.locator("#packs tbody tr, table tbody tr[data-serial]")
    kept = rows.nth(0).get_attribute("data-serial")
    scanned_row = rows.nth(1)
    scanned = scanned_row.get_attribute("data-serial")
    scanned_gtin = scanned_row.locator("code").nth(0).inner_text()
    rows.nth(0).locator("input[name=note]").fill("buzdolabında bulundu")
    rows.nth(0).locator("button").click()
    page.wait_for_url("**grup=kept_out")
    _scan_late(server, scanned_gtin, scanned)

    # The old tab still shows the phrase for 56: the server refuses it.
    stale.fill("input[name=confirmation]", "56 kutuyu deaktive et")
    stale.click("#approve button.danger")
    assert "Bu taslak güncel değil" in stale.inner_text("main")
    assert stale.locator("input[name=confirmation]").count() == 0
    stale.close()

    page.goto(draft_url)
    assert "2 kutu artık listede değil" in page.inner_text("#outdated")
    removed = page.inner_text("#outdated-removed")
    assert kept in removed and scanned in removed
    assert page.locator("#phrase").count() == 0 and page.locator("button.danger").count() == 0
    assert page.inner_text("#refresh-form button") == "Taslağı yenile (54 kutu)"
    page.click("#refresh-form button")
    page.wait_for_selector("#phrase")
    assert page.inner_text("#phrase") == "54 kutuyu deaktive et"
    assert page.url != draft_url
    page.goto(draft_url)                      # the old draft says what became of it
    assert "Bu taslak yenilendi" in page.inner_text("#superseded")
    assert sim.state.stats["notifications"] == 0


def test_the_miadi_dolan_card_detail_phrase_and_pack_list_say_the_same_thing(page, walk_app):
    server, sim, _ = walk_app
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim")
    card = page.inner_text("#flow-expiry")
    assert "40 – Miat sebebiyle imha" in card and "İTS stokunuzdan kalıcı olarak düşer" in card
    assert "Rafta olsun olmasın" in card
    assert page.inner_text("#flow-expiry .count") == "6"
    page.click("#flow-expiry button")
    page.wait_for_selector("#phrase")
    note = page.inner_text("#kind-note")
    assert "geri alınamaz" in note and "rafta bulunanlar da bu listededir" in note
    assert "bu listeye girmez" not in page.inner_text("main")
    assert "40 – Miat sebebiyle imha" in page.inner_text("main")
    assert page.inner_text("#phrase") == "6 kutuyu deaktive et"
    on_shelf = page.locator("#packs td.on-hand", has_text="rafta")
    assert on_shelf.count() == 2
    assert page.locator("#packs td.on-hand", has_text="elde değil").count() == 4


def test_a_total_refusal_is_red_and_the_table_follows_the_progress_without_a_reload(page, walk_app):
    server, sim, _ = walk_app
    # İTS no longer has these packs on our GLN (moved elsewhere after the download): 10304.
    with sim.state.lock:
        for sp in sim.state.packs.values():
            if sp.sn.startswith("WALKG"):
                sp.owner = "8680001000018"
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim")
    page.click("#flow-deactivation button")
    page.wait_for_selector("#phrase")
    # keep only the walk's packs: the demo's 12 are accepted, so refuse them too
    with sim.state.lock:
        for sp in sim.state.packs.values():
            if sp.sn.startswith("DEMO"):
                sp.owner = "8680001000018"
    page.fill("input[name=confirmation]", "56 kutuyu deaktive et")
    page.click("#approve button.danger")
    page.wait_for_selector("#sending")                          # 14 batches: still sending
    page.wait_for_selector("#finished", timeout=60_000)         # swapped in by htmx
    assert page.get_attribute("#finished", "data-tone") == "bad"
    assert "hiçbirini kabul etmedi" in page.inner_text("#finished")
    assert page.inner_text("#status") == "Reddedildi"            # header badge swapped too
    colour = page.eval_on_selector("#finished", "e => getComputedStyle(e).color")
    assert colour != page.eval_on_selector("#percent", "e => getComputedStyle(e).color")
    # the pack table followed, no reload: every shown row is refused, none "waiting"
    assert page.locator("#packs tr[data-state=pending]").count() == 0
    assert page.locator("#packs tr[data-state=refused]").count() == 56
    group = page.locator("#refused .refused-group[data-code='10304']")
    assert "56 kutu" in group.inner_text() and "Ne yapabilirsiniz" in group.inner_text()


def test_a_closed_window_says_why_and_offers_no_approval_to_the_pharmacist(page, its_app):
    server, _ = its_app
    server.app.state.services.today = lambda: date(2026, 11, 23)
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim")
    assert "onaylanamaz" in page.inner_text("#deactivation-closed")
    page.click("#flow-deactivation button")
    page.wait_for_selector("#approve")
    assert "süresi kapalı" in page.inner_text("#blocker")
    assert page.locator("#cannot-approve").is_visible()
    assert page.locator("input[name=confirmation]").count() == 0
    assert page.locator("#approve button.danger").count() == 0
    assert page.locator("#approve button", has_text="Taslağı iptal et").count() == 1


def test_a_stale_tabs_approval_says_it_was_already_sent_and_links_to_it(page, its_app):
    server, _ = its_app
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim")
    page.click("#flow-acceptance button")
    page.wait_for_selector("#phrase")
    url = page.url
    other = page.context.new_page()
    other.goto(url)
    other.fill("input[name=confirmation]", "2 kutuyu teslim al")
    other.click("#approve button.danger")
    other.wait_for_selector("#finished", timeout=30_000)        # the worker sent it
    page.fill("input[name=confirmation]", "2 kutuyu teslim al")  # the first tab, still a draft
    page.click("#approve button.danger")
    assert "zaten gönderildi" in page.inner_text("#message")
    assert "409" not in page.inner_text("main")
    page.click("#sub-link")
    assert page.url == url
    assert page.inner_text("#status") == "Tamamlandı"


def test_without_a_worker_approved_packs_wait_and_the_page_says_why(page, live_server):
    from eczane.its.service import create_submission
    from eczane.store.users import get_user
    from tests.its.conftest import make_packs, recon_stub
    from tests.its.helpers import new_packs

    server = live_server
    server.app.state.services.today = lambda: OPEN_DAY
    with server.db.begin() as conn:
        alice = get_user(conn, server.pharmacies.alice_id)
        sid = create_submission(conn, user=alice, kind="deactivation",
                                packs=new_packs(make_packs(3)), recon=recon_stub(OPEN_DAY))
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim/{sid}")
    page.fill("input[name=confirmation]", "3 kutuyu deaktive et")
    page.click("#approve button.danger")
    page.wait_for_selector("#worker-down")
    assert "eczane worker" in page.inner_text("#worker-down")
    assert "gönderim sırasında" in page.inner_text("#queued")


def test_the_its_account_form_is_at_the_top_when_missing_and_can_be_changed(page, its_app):
    from eczane.store import outbox as ob

    server, _ = its_app
    with server.db.begin() as conn:
        conn.execute(ob.its_credential.delete())
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim")
    assert "önce bu eczanenin İTS hesabı" in page.inner_text("#no-account")
    box = page.locator("#its-account").bounding_box()
    assert box is not None and box["y"] < page.locator("#flows").bounding_box()["y"]
    page.fill("#its-account input[name=gln]", DEMO_GLN)
    page.fill("#its-account input[name=its_username]", DEMO_GLN + "0000")
    page.fill("#its-account input[name=its_password]", DEMO_PASSWORD)
    page.click("#its-account button")
    page.wait_for_selector("#its-account summary")
    assert f"GLN {DEMO_GLN}" in page.inner_text("#its-account summary")
    page.click("#its-account summary")                          # "Değiştir" opens the form
    assert page.locator("#its-account input[name=its_password]").is_visible()


def test_a_refused_its_login_shows_live_and_the_new_password_resumes_sending(page, its_app):
    """The İTS password was changed at İTS: after approval the sending page says, without a
    reload, that İTS refused the login and nothing was sent; the link leads to the account form,
    open; the new password saved, the real worker sends everything, once."""
    server, sim = its_app
    sim.state.add_user(DEMO_GLN, DEMO_GLN + "0000", "yeni-parola")
    login(page, server.url, "alice")
    page.goto(f"{server.url}/bildirim")
    page.click("#flow-deactivation button")
    page.fill("input[name=confirmation]", "12 kutuyu deaktive et")
    page.click("#approve button.danger")
    page.wait_for_selector("#login-refused", timeout=30_000)   # swapped in by htmx
    text = page.inner_text("#login-refused")
    assert "İTS girişi reddedildi" in text and "hiçbiri gönderilmedi" in text
    assert sim.state.stats["notifications"] == 0 and sim.state.stats["logins_refused"] == 1
    sending = page.url
    page.click("#login-refused a")
    assert "Kullanıcı adı veya parola hatalı" in page.inner_text("#login-refused")
    page.fill("#its-account input[name=its_password]", "yeni-parola")
    page.click("#its-account button")
    page.wait_for_selector("#its-account summary")
    assert page.locator("#login-refused").count() == 0
    page.goto(sending)
    page.wait_for_selector("#finished", timeout=30_000)
    assert "İTS kabul etti: 12" in page.inner_text("#progress")
    assert page.locator("#login-refused").count() == 0
    assert sim.state.stats["notifications"] == 6                 # 12 packs in batches of 2
