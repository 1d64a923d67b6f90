"""The whole stok eşitleme job in real Chromium, on one pharmacy, in the seed's order.

Seed 000 (the vendor's procedure, distilled in DOMAIN.md Part 1): count every pack (step 3),
download the İTS stock as XLSX in the morning and compare (step 4), then notify İTS: arada kalan
acceptance (step 1), miadı dolanlar (step 2) and the "75" deactivation (step 4). A kalfa counts
with a keyboard-wedge scanner, the pharmacist imports, reconciles, keeps a pack found in the
fridge out of the list, approves and sends; the audit log shows who did each step.

The app talks over loopback to the bundled İTS simulator holding the same demo pharmacy
(``eczane.demo_data``). The walk runs twice: on a day the 2025 "75" window is closed (75 is
refused, the acceptance goes through) and on a day it is open (75 is sent). Either way a pack
counted after the reconciliation never reaches İTS.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from eczane.demo_data import DemoPack, demo_pharmacy, demo_products
from eczane.domain.karekod import Karekod
from eczane.its.simulator import DEMO_PASSWORD, DEMO_USERNAME_SUFFIX, SimulatorServer
from eczane.store.demo import DEMO_GLN
from tests.browser.conftest import login

CLOSED_DAY = date(2026, 11, 23)   # research/its.md: the 2025 window closed on 24.10.2025
OPEN_DAY = date(2025, 9, 1)       # inside 24.07.2025–24.10.2025
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Walk:
    server: Any
    sim: Any
    today: date
    demo: Any
    forgotten: DemoPack      # on the shelf, missed in the count, found in the fridge later
    late: DemoPack           # not on the shelf at count time; found and scanned after the run


@pytest.fixture(params=[CLOSED_DAY, OPEN_DAY], ids=["window-closed", "window-open"])
def walk(request, live_server):  # type: ignore[no-untyped-def]
    from eczane.its.simulator import SimState, load_demo

    today = request.param
    state = SimState(today=today)
    load_demo(state, today)
    sim = SimulatorServer(state).start()
    services = live_server.app.state.services
    services.settings = services.settings.with_(its_url=sim.url, its_batch_size=5)
    services.today = lambda: today
    live_server.start_worker(sim.url, today)   # the web never sends: a worker process does
    demo = demo_pharmacy(today)
    not_on_hand = [p for p in demo.its_packs if p not in demo.on_shelf]
    ghost = next(p for p in not_on_hand if p.gtin == demo.on_shelf[0].gtin
                 and p.last_tx_date < date(2025, 3, 15) and p.expiry > today)
    try:
        yield Walk(live_server, sim, today, demo, demo.on_shelf[5], ghost)
    finally:
        live_server.stop_workers()
        sim.stop()


def scanner_types(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """A keyboard-wedge scanner: fast keystrokes, then the Enter suffix."""
    page.keyboard.type(text, delay=1)
    page.keyboard.press("Enter")


def scan_pack(page, p: DemoPack | Karekod) -> None:  # type: ignore[no-untyped-def]
    # GS arrives as Ctrl+] (a scanner that cannot type ASCII 29; count.js inserts a real GS).
    page.keyboard.type(f"01{p.gtin}21{p.serial}", delay=1)
    page.keyboard.press("Control+BracketRight")
    scanner_types(page, f"17{p.expiry:%y%m%d}10{p.batch}")


def wait_total(page, n: int) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"#n-total:text('{n}')", timeout=10_000)


def its_stock_xlsx(packs: list[DemoPack]) -> bytes:
    """What "Stok İşlemleri ⇒ Stok İndir" gives: a title row, then a header and one pack a row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["İTS Stok Listesi — Alice Eczanesi"])
    ws.append([])
    ws.append(["GTIN", "Seri No", "Son Kullanma Tarihi", "Parti No", "Ürün Adı", "Son İşlem Tarihi"])
    for p in packs:
        ws.append([p.gtin, p.serial, p.expiry, p.batch, p.product_name, p.last_tx_date])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def hri(p: DemoPack) -> str:
    return f"(01){p.gtin}(21){p.serial}(17){p.expiry:%y%m%d}(10){p.batch}"


def upload(page, form_selector: str, name: str, mime: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files(f"{form_selector} input[type=file]",
                         files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.click(f"{form_selector} button[type=submit]")
    page.wait_for_load_state("load")


def bucket(page, name: str) -> int:  # type: ignore[no-untyped-def]
    return int(page.inner_text(f'[data-bucket="{name}"]'))


def confirm_draft(page, phrase: str) -> None:  # type: ignore[no-untyped-def]
    """On a draft: check the phrase the page asks for, type it and approve."""
    assert page.inner_text("#phrase") == phrase
    page.fill("input[name=confirmation]", phrase)
    page.click("#approve button.danger")


def send_to_completion(page, n: int) -> None:  # type: ignore[no-untyped-def]
    """Approved draft: the worker sends; wait for the progress to finish, İTS accepted ``n``."""
    page.wait_for_selector("#finished", timeout=30_000)
    assert f"İTS kabul etti: {n}" in page.inner_text("#progress")


def test_a_kalfa_and_a_pharmacist_walk_the_stok_esitleme_job_end_to_end(browser, walk, tmp_path):
    server, demo, today = walk.server, walk.demo, walk.today
    # ECZANE_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/ (window-closed run only).
    shots = DOCS if os.environ.get("ECZANE_UPDATE_SCREENSHOTS") and today == CLOSED_DAY else tmp_path
    kalfa_ctx = browser.new_context(locale="tr-TR", viewport={"width": 1280, "height": 900})
    ecz_ctx = browser.new_context(locale="tr-TR", viewport={"width": 1280, "height": 900})
    try:
        kalfa, ecz = kalfa_ctx.new_page(), ecz_ctx.new_page()

        # Before anything: the pharmacist takes a backup and loads the drug catalog (classes
        # decide colour-prescription exclusion) from the home page's steps.
        login(ecz, server.url, "alice")
        ecz.click("#steps a[href='/ithalat']")
        with ecz.expect_download() as backup:
            ecz.click("form[action='/ithalat/yedek'] button")
        assert backup.value.suggested_filename.endswith(".jsonl.gz")
        out = io.StringIO()
        csv.writer(out).writerows([("gtin", "name", "prescription_class")] + [
            (p.gtin, p.name, p.prescription_class.value) for p in demo_products()])
        catalog = out.getvalue()
        upload(ecz, "form[action='/ithalat/katalog']", "urunler.csv", "text/csv", catalog.encode())
        assert "Sorunlu satır" not in ecz.inner_text("main")
        assert ecz.inner_text("#n-added") == str(len(demo_products()))  # a preview: confirm it
        with ecz.expect_navigation():
            ecz.click("#confirm button[type=submit]")
        assert "ürün kataloğa yazıldı" in ecz.inner_text("#written")

        # Step 3 — the kalfa opens a count from the home page and counts the shelf.
        login(kalfa, server.url, "bob")
        kalfa.click("#steps a[href='/sayim']")                # the home page leads step by step
        kalfa.fill("input[name=name]", "Kasım genel sayımı")
        kalfa.click("text=Yeni sayım aç")
        kalfa.wait_for_url("**/sayim/*")
        sid = int(kalfa.url.rsplit("/", 1)[1])
        expect(kalfa.locator("#scan-input")).to_be_focused()  # the CSP forbids wait_for_function's eval
        shelf = [p for p in demo.on_shelf if p != walk.forgotten]
        for p in shelf[:-1]:
            scan_pack(kalfa, p)
        # Seed 000: add the karekods already scanned into open prescriptions to the count.
        kalfa.check("input[name=grp][value=acik_recete]")
        kalfa.focus("#scan-input")
        scan_pack(kalfa, shelf[-1])
        wait_total(kalfa, len(shelf))
        kalfa.wait_for_selector("#n-acik:text('1')", timeout=5000)
        kalfa.check("input[name=grp][value=raf]")
        kalfa.focus("#scan-input")
        # A US-layout scanner on a Turkish-Q PC: "]d2" arrives as "üd2", "[GS]" as "ğGSü" and
        # the serial's lowercase "i" as "ı" (research/its.md §6). A pack İTS does not list.
        stray = Karekod(demo.on_shelf[0].gtin, "Ki9", demo.on_shelf[0].expiry, "LOT1")
        scanner_types(kalfa, f"üd201{stray.gtin}21Kı9ğGSü17{stray.expiry:%y%m%d}10LOT1")
        wait_total(kalfa, len(shelf) + 1)
        scan_pack(kalfa, shelf[0])                           # the same pack again: not twice
        kalfa.wait_for_selector("#result[data-code=duplicate]", timeout=5000)
        wait_total(kalfa, len(shelf) + 1)
        assert kalfa.locator("#next-step a[href='/mutabakat']").count() == 1   # count → mutabakat
        kalfa.screenshot(path=str(shots / "1-sayim.png"), full_page=True)

        # Step 4 — the pharmacist loads the İTS stock list ("Stok İndir" XLSX) on /ithalat.
        ecz.goto(f"{server.url}/ithalat")
        upload(ecz, "form[action='/ithalat/its']", "stok.xlsx",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               its_stock_xlsx(demo.its_packs))
        assert "/ithalat/its/" in ecz.url
        assert f"{len(demo.its_packs)} kutu" in ecz.inner_text("main")
        # Label and value side by side (the list once fell back to the browser's indented dl).
        assert ecz.eval_on_selector("dl.panel", "e => getComputedStyle(e).display") == "grid"

        # … the arada kalan list and the comparison on /mutabakat.
        ecz.goto(f"{server.url}/mutabakat")
        assert ecz.title() == "Mutabakat · eczane"   # the windows table once leaked into <title>
        transit = "karekod,sender_type,sender\n" + "".join(
            f"{hri(p)},{kind},{sender}\n" for p, kind, sender in demo.in_transit)
        upload(ecz, "form[action='/mutabakat/arada-kalan']", "arada.csv", "text/csv", transit.encode())
        assert ecz.inner_text("#t-added") == str(len(demo.in_transit))  # a preview: confirm it
        with ecz.expect_navigation():
            ecz.click("#confirm button[type=submit]")
        assert f"{len(demo.in_transit)} kutu alındı" in ecz.inner_text("main")
        ecz.select_option("select[name=kaynak]", f"sayim:{sid}")
        with ecz.expect_navigation():
            ecz.click("form[action='/mutabakat'] button[type=submit]")
        rid = int(ecz.url.split("/mutabakat/")[1].split("?")[0])

        expired = [p for p in demo.its_packs if p.expiry < today]
        colour_or_unknown = {p.gtin for p in demo.products if p.prescription_class.value != "normal"}
        its_not_expired = [p for p in demo.its_packs if p.expiry >= today]
        transit_keys = {(p.gtin, p.serial) for p, _, _ in demo.in_transit}
        counted = {(p.gtin, p.serial) for p in shelf}
        missing = [p for p in its_not_expired if (p.gtin, p.serial) not in counted]
        eligible = [p for p in missing if p.gtin in {q.gtin for q in demo.products}
                    and p.gtin not in colour_or_unknown and p.last_tx_date < date(2025, 3, 15)]
        its_keys = {(p.gtin, p.serial) for p in demo.its_packs}
        assert bucket(ecz, "matched") == len([p for p in shelf if (p.gtin, p.serial) in its_keys
                                              and p.expiry >= today])
        assert bucket(ecz, "expired") == len(expired)
        assert bucket(ecz, "in_transit") == len(transit_keys)
        assert bucket(ecz, "on_hand_not_in_its") == len(demo.shelf_not_in_its) + 1   # + "KI9"
        assert bucket(ecz, "not_on_hand_eligible") == len(eligible)
        assert bucket(ecz, "not_on_hand_ineligible") == len(missing) - len(eligible)
        assert walk.forgotten in eligible and walk.late in eligible
        # Arada kalan: exchange (takas) packs go to the sending pharmacy as a karekod file.
        ecz.click("text=Arada kalanlar")
        with ecz.expect_download() as dl:
            ecz.click("text=Karekodları dosyaya kopyala")
        takas = [p for p, kind, _ in demo.in_transit if kind == "eczane"]
        body = Path(dl.value.path()).read_bytes().decode("utf-8")
        assert all(p.serial in body for p in takas) and body.count("\r\n") == len(takas)
        ecz.goto(f"{server.url}/mutabakat/{rid}")
        ecz.select_option("select[name=grup]", "on_hand_not_in_its")
        ecz.click("#filtre button")
        assert ecz.locator('tr[data-serial="KI9"]').count() == 1   # stored in İTS's upper case

        # The forgotten pack is found in the fridge: kept out with a note.
        ecz.goto(f"{server.url}/mutabakat/{rid}")
        row = ecz.locator(f'tr[data-serial="{walk.forgotten.serial}"]')
        row.locator("input[name=note]").fill("buzdolabında bulundu")
        row.locator("button").click()
        ecz.wait_for_url("**grup=kept_out")
        assert "buzdolabında bulundu" in ecz.inner_text("#kutular")
        assert bucket(ecz, "not_on_hand_eligible") == len(eligible) - 1
        # The bucket chart agrees with the table (it once showed the count before keep-outs).
        titles = ecz.locator("#grafik-gruplar svg rect title").all_text_contents()
        assert f"Elde yok, uygun: {len(eligible) - 1}" in titles
        ecz.screenshot(path=str(shots / "2-mutabakat.png"), full_page=True)

        # After the comparison the kalfa finds one more pack and scans it into the open count.
        scan_pack(kalfa, walk.late)
        kalfa.wait_for_selector("#result[data-code=new]", timeout=5000)
        wait_total(kalfa, len(shelf) + 2)
        ecz.goto(f"{server.url}/mutabakat/{rid}")
        assert "1 kutu daha okutuldu" in ecz.inner_text("#sonra-sayilan")
        # Seed 000's second path: the "Elinizde Olmayan Karekodlar" file for the pharmacy
        # program's loss screen. Neither the kept-out pack nor the late one is in it.
        with ecz.expect_download() as dl:
            ecz.click("text=Elinizde Olmayan Karekodlar (.txt)")
        # CRLF lines; not splitlines(): it would also split at the GS (\x1d) inside each karekod.
        lines = [x for x in Path(dl.value.path()).read_bytes().decode("utf-8").split("\r\n") if x]
        assert lines[0] == "Elinizde Olmayan Karekodlar"
        assert len(lines) - 1 == len(eligible) - 2
        assert not any(walk.late.serial in x or walk.forgotten.serial in x for x in lines)

        # Step 1, 2, 4 — the three İTS flows; the pharmacist saves the İTS account first.
        ecz.click("text=İTS bildirimi hazırla")
        ecz.wait_for_url("**/bildirim")
        ecz.fill("input[name=gln]", DEMO_GLN)
        ecz.fill("input[name=its_username]", DEMO_GLN + DEMO_USERNAME_SUFFIX)
        ecz.fill("input[name=its_password]", DEMO_PASSWORD)
        ecz.click("#its-account button")
        ecz.wait_for_url("**/bildirim")
        # the form gives way to a one-line summary with a way to change it
        assert ecz.locator("section#its-account").count() == 0
        assert DEMO_GLN in ecz.inner_text("details#its-account summary")
        depo = [p for p, kind, _ in demo.in_transit if kind == "depo"]
        assert int(ecz.inner_text("#flow-acceptance .count")) == len(depo)
        assert int(ecz.inner_text("#flow-expiry .count")) == len(expired)

        # The deactivation draft: the late pack and the kept-out pack are not in it.
        ecz.click("#flow-deactivation button")
        ecz.wait_for_selector("#packs")
        deact_url = ecz.url
        n = len(eligible) - 2
        packs_text = ecz.inner_text("#packs")
        assert walk.late.serial not in packs_text and walk.forgotten.serial not in packs_text
        if today == CLOSED_DAY:
            # 75 cannot be approved while its window is closed on today's date: the reason comes
            # first and no action that would fail is offered (no phrase box, no Onayla).
            assert "süresi kapalı" in ecz.inner_text("#blocker")
            assert ecz.locator("#phrase").count() == 0
            assert ecz.locator("#approve button.danger").count() == 0
            assert ecz.inner_text("#status").startswith("Taslak")
            assert ecz.locator("#queued").count() == 0
        else:
            confirm_draft(ecz, f"{n} kutuyu deaktive et")
            send_to_completion(ecz, n)

        # Step 1 — arada kalan mal alım: dry run, typed confirmation, progress to completion.
        ecz.goto(f"{server.url}/bildirim")
        ecz.click("#flow-acceptance button")
        ecz.wait_for_selector("#phrase")
        confirm_draft(ecz, f"{len(depo)} kutuyu teslim al")
        send_to_completion(ecz, len(depo))
        ecz.click("#finished a")
        assert ecz.inner_text("#status") == "Tamamlandı"
        assert ecz.locator("#packs tr[data-state=accepted]").count() == len(depo)
        ecz.screenshot(path=str(shots / "4-bildirim-mal-alim.png"), full_page=True)

        ecz.click("#back a[href='/bildirim']")               # back to the other flows
        ecz.wait_for_url("**/bildirim")

        # Step 2 — miadı dolanlar (reason 40, no window): on any day, to completion.
        ecz.click("#flow-expiry button")
        ecz.wait_for_selector("#phrase")
        confirm_draft(ecz, f"{len(expired)} kutuyu deaktive et")
        send_to_completion(ecz, len(expired))
        ecz.click("#back a[href='/bildirim']")
        ecz.wait_for_url("**/bildirim")
        ecz.screenshot(path=str(shots / "3-bildirim.png"), full_page=True)
        # Done flows of this reconciliation are not offered again (a second expiry draft would
        # only meet the live-deactivation lock on an error page).
        for kind, sub_id in (("acceptance", 2), ("expiry", 3)):
            assert ecz.locator(f"#flow-{kind} button").count() == 0
            assert ecz.get_attribute(f"#flow-{kind} .done-sub a", "href") == f"/bildirim/{sub_id}"
        if today == CLOSED_DAY:
            # The unapprovable 75 draft is still open: the flow links to it, and a new draft is
            # offered only as its replacement (the old one is superseded, never a second one).
            draft_id = deact_url.rsplit("/", 1)[1]
            assert ecz.inner_text("#flow-deactivation button") == (
                f"Yeni taslak hazırla (#{draft_id} yerine)")
            ecz.click("#flow-deactivation .open-sub a")
            assert ecz.url == deact_url

        # İTS itself: the depo packs are ours now; nothing counted was ever deactivated.
        sim_packs = {(sp["gtin"], sp["sn"]): sp for sp in walk.sim.state.snapshot()}
        for p in depo:
            assert sim_packs[(p.gtin, p.serial)]["owner"] == DEMO_GLN
            assert sim_packs[(p.gtin, p.serial)]["status"] != "in_transit"
        assert {sim_packs[(p.gtin, p.serial)]["ds"] for p in expired} == {"40"}
        deactivated = {k for k, sp in sim_packs.items()
                       if sp["status"] == "deactivated" and sp["ds"] == "75"}
        on_hand = counted | {(walk.late.gtin, walk.late.serial), (walk.forgotten.gtin, walk.forgotten.serial)}
        assert not deactivated & on_hand
        if today == OPEN_DAY:
            assert len(deactivated) == n
        else:
            assert deactivated == set()
            ecz.goto(deact_url)
            assert ecz.inner_text("#status").startswith("Taslak")

        # The audit log shows every step, who did it, and the chain verifies.
        ecz.click("header a[href='/denetim']")
        ecz.click("text=Zinciri doğrula")
        assert "ok" in (ecz.get_attribute("#verify", "class") or "")
        by_event: dict[str, set[str]] = {}
        for r in ecz.locator("#events tbody tr").all():
            cells = r.locator("td")
            by_event.setdefault(cells.nth(3).locator("code").inner_text(), set()).add(
                cells.nth(2).inner_text().strip())
        assert "Sayım açıldı" in ecz.inner_text("#events")        # Turkish words, not only codes
        lines_of_time = ecz.locator("#events tbody tr").first.locator("td").nth(1).evaluate(
            "e => { const r = document.createRange(); r.selectNodeContents(e);"
            " return r.getClientRects().length; }")
        assert lines_of_time == 1                                    # one line, not three
        assert by_event["count.opened"] == {"Bob"}
        assert "Ecz. Alice" in by_event["imports.its_stock"]
        assert "Ecz. Alice" in by_event["reconcile.run"]
        assert "Ecz. Alice" in by_event["reconcile.override_set"]
        assert "Ecz. Alice" in by_event["notify.submission_approved"]
        assert "notify.batch_result" in by_event
        assert "Ecz. Alice" in by_event["notify.credentials_saved"]
        if today == CLOSED_DAY:  # the page offered no approval that could only be refused
            assert "notify.approval_refused" not in by_event
        ecz.screenshot(path=str(shots / "5-denetim.png"))   # first screen: newest events (size)
    finally:
        kalfa_ctx.close()
        ecz_ctx.close()


def test_a_new_pharmacy_is_told_what_to_do_first_on_every_step(page, live_server):
    """Empty pages explain themselves and link to the step that fills them (seed 000's order)."""
    login(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/sayim")
    assert "Henüz sayım yok" in page.inner_text("main")
    page.goto(f"{live_server.url}/mutabakat")
    main = page.inner_text("main")
    assert "Henüz mutabakat yok" in main and page.title() == "Mutabakat · eczane"
    assert page.locator("main a[href='/ithalat']").count() >= 1
    assert page.locator("main a[href='/sayim']").count() >= 1
    page.goto(f"{live_server.url}/bildirim")
    assert "Önce İTS stokunu sayımla karşılaştırın" in page.inner_text("#flow-deactivation")
    page.click("#flow-deactivation a[href='/mutabakat']")
    page.wait_for_url("**/mutabakat")
    page.goto(f"{live_server.url}/denetim")
    # logins are audited (docs/security.md), so a new pharmacy's log starts with alice's login
    assert "Giriş yapıldı" in page.inner_text("main")
    page.goto(f"{live_server.url}/")
    hrefs = [a.get_attribute("href") for a in page.locator("#steps a").all()]
    assert hrefs == ["/ithalat", "/ithalat", "/sayim", "/ithalat", "/mutabakat", "/bildirim",
                     "/denetim"]  # yedek, katalog, sayım, İTS listesi, …


def test_on_a_phone_the_menu_leaves_the_scan_box_and_its_answer_above_the_fold(browser, live_server):
    """A kalfa counting with a phone at the shelf sees the input and the colour without scrolling
    (the header once took a quarter of the screen: brand, menu and user each on their own rows)."""
    ctx = browser.new_context(locale="tr-TR", viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = ctx.new_page()
        login(page, live_server.url, "bob")
        page.goto(f"{live_server.url}/sayim")
        page.fill("input[name=name]", "Telefon")
        page.click("text=Yeni sayım aç")
        page.wait_for_url("**/sayim/*")
        header = page.locator("header.top").bounding_box()
        result = page.locator("#result").bounding_box()
        assert header is not None and result is not None
        assert header["height"] < 160
        assert result["y"] + result["height"] <= 844
    finally:
        ctx.close()


def test_login_returns_to_the_page_asked_for_and_never_to_another_host(page, live_server):
    """A bookmarked count page comes back after login; "/\\host" (which Chromium reads as
    "//host") once sent the user to another site after logging in."""
    page.goto(f"{live_server.url}/sayim")
    page.wait_for_url("**/giris?next=/sayim")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", "bob-pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/sayim")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/giris?next=/%5Cexample.invalid/x")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", "bob-pw")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{live_server.url}/"


def test_an_error_page_keeps_the_user_logged_in_in_the_header(page, live_server):
    """A 404 or 403 page once showed "Giriş" in the header as if the user had been logged out."""
    login(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/bildirim/999")
    assert page.title().startswith("Hata 404")
    header = page.inner_text("header")
    assert "Bob (Kalfa)" in header and "Çıkış" in header
