"""İTS bildirim pages: dry run, pharmacist approval with typed confirmation, sending, progress."""

from __future__ import annotations

import html
import time
from datetime import date

import pytest
from sqlalchemy import select

from eczane.its.credentials import save_credentials
from eczane.its.service import create_submission
from eczane.store import outbox as ob
from eczane.store.users import get_user
from tests.its.conftest import OPEN_DAY, creds, make_packs, recon_stub, sim  # noqa: F401
from tests.its.helpers import new_packs


@pytest.fixture
def web(app_client, db, sim):  # noqa: F811
    services = app_client.app.state.services
    services.settings = services.settings.with_(its_url=sim.url, its_batch_size=10)
    with db.begin() as conn:
        save_credentials(conn, app_client.pharmacies.pharmacy_id, creds(),
                         services.settings.resolved_secret_key())
    app_client.sim = sim
    return app_client


def draft(web, n=12, *, today=OPEN_DAY, kind="deactivation", prefix="S"):
    rows = make_packs(n, prefix=prefix)
    web.sim.state.add_packs(rows)
    services = web.app.state.services
    with services.db.begin() as conn:
        alice = get_user(conn, web.pharmacies.alice_id)
        return create_submission(conn, user=alice, kind=kind, packs=new_packs(rows),
                                 recon=recon_stub(today)), rows


def test_the_page_says_plainly_that_the_2025_window_is_closed_today(web):
    web.login("alice")
    web.app.state.services.today = lambda: date(2026, 11, 23)
    r = web.get("/bildirim")
    assert r.status_code == 200
    assert "24.10.2025 tarihinde kapandı" in r.text
    assert "“75” deaktivasyon süresi kapalı" in r.text


def test_a_draft_is_a_dry_run_showing_the_phrase_to_type(web):
    sid, _ = draft(web)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY  # inside the window: approval is possible
    r = web.get(f"/bildirim/{sid}")
    assert r.status_code == 200
    assert "Henüz İTS'ye hiçbir şey gönderilmedi" in r.text
    assert "12 kutuyu deaktive et" in r.text
    assert web.sim.state.stats["notifications"] == 0


def test_approval_refuses_a_wrong_confirmation(web):
    sid, _ = draft(web)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "11 kutuyu deaktive et"})
    assert r.status_code == 422
    assert "Onay metni tutmuyor: tam olarak “12 kutuyu deaktive et” yazın." in r.text


def test_approval_of_75_is_refused_while_the_window_is_closed(web):
    today = date(2026, 11, 23)
    sid, _ = draft(web, today=today)
    web.login("alice")
    web.app.state.services.today = lambda: today
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "12 kutuyu deaktive et"})
    assert r.status_code == 422
    assert "“75” deaktivasyon süresi kapalı" in r.text
    with web.app.state.services.db.connect() as conn:
        assert ob.get_submission(conn, sid).status == "draft"


def test_approval_needs_a_reconciliation_of_the_same_day(web):
    sid, _ = draft(web, today=date(2025, 8, 31))
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "12 kutuyu deaktive et"})
    assert r.status_code == 422
    assert "Karşılaştırma 31.08.2025 tarihli; en fazla 0 gün eski olabilir." in r.text


def test_a_kalfa_may_not_approve(web):
    sid, _ = draft(web)
    web.login("bob")
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "12 kutuyu deaktive et"})
    assert r.status_code == 403


def test_another_pharmacys_submission_does_not_exist(web):
    sid, _ = draft(web)
    web.login("charlie")
    assert web.get(f"/bildirim/{sid}").status_code == 404
    assert web.post(f"/bildirim/{sid}/onay", data={"confirmation": "x"}).status_code == 404
    assert web.get(f"/bildirim/{sid}/ilerleme").status_code == 404


def test_approve_and_send_are_post_only(web):
    sid, _ = draft(web)
    web.login("alice")
    assert web.get(f"/bildirim/{sid}/onay").status_code == 405
    assert web.get(f"/bildirim/{sid}/gonder").status_code == 405


def test_a_draft_cannot_be_sent(web):
    sid, _ = draft(web)
    web.login("alice")
    assert web.post(f"/bildirim/{sid}/gonder").status_code == 409


def test_approval_queues_the_packs_and_the_web_itself_sends_nothing(web):
    sid, _ = draft(web, 5)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "5 kutuyu deaktive et"})
    assert r.status_code == 200
    assert "gönderim sırasında" in r.text
    assert 'id="sending"' in r.text
    assert "İTS gönderim işçisi şu an çalışmıyor" in r.text     # no `eczane worker` running
    time.sleep(0.5)
    assert web.sim.state.stats["notifications"] == 0
    with web.app.state.services.db.connect() as conn:
        assert ob.due_pharmacies(conn, ob.now_utc()) == [web.pharmacies.pharmacy_id]


def test_approve_and_watch_a_worker_process_send_until_every_pack_is_accepted(web, settings):
    from tests.its.helpers import stop_worker, worker_process

    sid, rows = draft(web, 25)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "25 kutuyu deaktive et"},
                 follow_redirects=False)
    assert r.status_code == 303
    proc = worker_process(settings, web.sim.url)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            frag = web.get(f"/bildirim/{sid}/ilerleme", headers={"HX-Request": "true"})
            if 'data-done="yes"' in frag.text and "Gönderiliyor" not in frag.text:
                break
            time.sleep(0.1)
    finally:
        code, err = stop_worker(proc)
    assert code == 0, err
    assert "İTS kabul etti: <b>25</b>" in frag.text
    assert "gönderim işçisi şu an çalışmıyor" not in frag.text
    assert all(web.sim.state.packs[(r["gtin"], r["sn"])].status == "deactivated" for r in rows)
    with web.app.state.services.db.connect() as conn:
        assert ob.get_submission(conn, sid).status == "done"


def test_try_now_makes_the_waiting_batches_due_and_sends_nothing_itself(web):
    from sqlalchemy import update

    sid, _ = draft(web, 3)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    web.post(f"/bildirim/{sid}/onay", data={"confirmation": "3 kutuyu deaktive et"})
    db = web.app.state.services.db
    later = ob.now_utc().replace(year=2100)
    with db.begin() as conn:
        conn.execute(update(ob.submission_batch).values(due_at=later))
        assert ob.due_pharmacies(conn, ob.now_utc()) == []
    web.login("bob")
    assert web.post(f"/bildirim/{sid}/gonder").status_code == 403
    web.login("alice")
    assert web.post(f"/bildirim/{sid}/gonder", follow_redirects=False).status_code == 303
    with db.connect() as conn:
        assert ob.due_pharmacies(conn, ob.now_utc()) == [web.pharmacies.pharmacy_id]
    assert web.sim.state.stats["notifications"] == 0


def test_creating_a_draft_without_a_reconciliation_says_what_to_do(web):
    web.login("alice")
    r = web.post("/bildirim/yeni", data={"kind": "deactivation"})
    assert r.status_code == 422
    assert "Önce İTS stokunu sayımla karşılaştırın" in r.text


def test_a_pharmacist_saves_its_credentials_encrypted_and_a_kalfa_cannot(web, db):
    web.login("bob")
    data = {"gln": "8680001000001", "its_username": "86800010000019999", "its_password": "gizli-parola"}
    assert web.post("/bildirim/ayarlar", data=data).status_code == 403
    web.login("alice")
    assert web.post("/bildirim/ayarlar", data=data, follow_redirects=False).status_code == 303
    with db.connect() as conn:
        row = conn.execute(select(ob.its_credential)).first()
    assert row.username == "86800010000019999"
    assert b"gizli-parola" not in bytes(row.secret_encrypted)
    assert "gizli-parola" not in web.get("/bildirim").text


def test_a_done_deactivation_offers_a_cancel_draft_to_the_pharmacist_only(web):
    from eczane.its.outbox import Worker
    from tests.its.conftest import client

    sid, _ = draft(web, 3)
    web.login("alice")
    web.app.state.services.today = lambda: OPEN_DAY
    web.post(f"/bildirim/{sid}/onay", data={"confirmation": "3 kutuyu deaktive et"})
    services = web.app.state.services
    Worker(services.db, services.settings, today=OPEN_DAY,
           client_factory=lambda _p: client(web.sim)).run(submission_id=sid, max_seconds=30)
    assert "Deaktivasyon iptali taslağı hazırla" in web.get(f"/bildirim/{sid}").text
    web.login("bob")
    assert web.post(f"/bildirim/{sid}/geri-al").status_code == 403
    web.login("alice")
    r = web.post(f"/bildirim/{sid}/geri-al", follow_redirects=False)
    assert r.status_code == 303
    page = web.get(r.headers["location"]).text
    assert "3 kutunun deaktivasyonunu iptal et" in page
    assert f"#{sid}</a> deaktivasyonunun iptalidir" in page


def test_the_flows_are_built_from_the_latest_reconciliation(web):
    from tests.its.helpers import seed_demo_reconciliation

    p = web.pharmacies
    seed_demo_reconciliation(web.app.state.services.db, p.pharmacy_id, p.alice_id, OPEN_DAY)
    web.login("bob")   # a kalfa may prepare a draft; only a pharmacist approves it
    page = web.get("/bildirim").text
    counts = [int(x.split("</b>")[0]) for x in page.split('<b class="count">')[1:]]
    assert counts == [2, 4, 12]    # arada kalan (depo), miadı dolan, stok eşitleme: seed order
    r = web.post("/bildirim/yeni", data={"kind": "acceptance"}, follow_redirects=False)
    assert r.status_code == 303
    detail = web.get(r.headers["location"]).text
    assert "Bu taslak <b>2</b> kutu içeriyor" in detail
    assert "Bu bildirimi yalnızca eczacı onaylayabilir." in detail


# --- issue 14 ---------------------------------------------------------------------------------

def _finish(web, sid, n):
    from eczane.its.outbox import Worker
    from tests.its.conftest import client

    services = web.app.state.services
    web.app.state.services.today = lambda: OPEN_DAY
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": f"{n} kutuyu deaktive et"},
                 follow_redirects=False)
    assert r.status_code == 303, r.text
    Worker(services.db, services.settings, today=OPEN_DAY, retry_base_s=0.01,
           client_factory=lambda _p: client(web.sim)).run(submission_id=sid, max_seconds=30)


def test_a_stale_tabs_send_says_the_notification_was_already_sent_and_links_to_it(web):
    sid, _ = draft(web, 3)
    web.login("alice")
    _finish(web, sid, 3)
    r = web.post(f"/bildirim/{sid}/gonder")
    assert r.status_code == 409
    assert f"Bu bildirim (#{sid}) zaten gönderildi" in r.text
    assert f'href="/bildirim/{sid}"' in r.text
    assert "Yalnızca onaylanmış" not in r.text
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "3 kutuyu deaktive et"})
    assert r.status_code == 409 and "zaten gönderildi" in r.text
    r = web.post(f"/bildirim/{sid}/iptal")
    assert r.status_code == 409 and "zaten gönderildi" in r.text


def test_a_stale_tabs_send_of_a_cancelled_or_unapproved_draft_says_which(web):
    sid, _ = draft(web, 3)
    web.login("alice")
    r = web.post(f"/bildirim/{sid}/gonder")
    assert r.status_code == 409 and "henüz onaylanmadı" in r.text
    assert web.post(f"/bildirim/{sid}/iptal", follow_redirects=False).status_code == 303
    r = web.post(f"/bildirim/{sid}/gonder")
    assert r.status_code == 409
    assert f"Bu bildirim (#{sid}) iptal edildi; İTS'ye hiçbir şey gönderilmedi." in html.unescape(r.text)
    assert f'href="/bildirim/{sid}"' in r.text


def test_a_total_refusal_is_red_with_each_reason_and_what_to_do(web):
    rows = make_packs(4, prefix="R")      # never loaded into the simulator: İTS answers 10201
    services = web.app.state.services
    with services.db.begin() as conn:
        alice = get_user(conn, web.pharmacies.alice_id)
        sid = create_submission(conn, user=alice, kind="deactivation", packs=new_packs(rows),
                                recon=recon_stub(OPEN_DAY))
    web.login("alice")
    _finish(web, sid, 4)
    page = web.get(f"/bildirim/{sid}").text
    assert '<span class="badge bad" id="status">Reddedildi</span>' in page
    assert 'id="finished" data-tone="bad"' in page
    assert "İTS kutuların hiçbirini kabul etmedi: 4 kutu reddedildi" in page
    assert "Tüm kutular sonuçlandı" not in page
    assert 'data-code="10201"' in page and "Karekodu kutudan yeniden okutun" in page
    index = web.get("/bildirim").text
    assert '<span class="badge bad">Reddedildi</span>' in index


def test_a_partial_refusal_is_amber_and_a_full_acceptance_green(web):
    sid, rows = draft(web, 4)
    web.login("alice")
    _finish(web, sid, 4)
    page = web.get(f"/bildirim/{sid}").text
    assert '<span class="badge ok" id="status">Tamamlandı</span>' in page
    assert 'data-tone="ok"' in page and "Tüm kutular İTS tarafından kabul edildi (4 kutu)" in page
    extra = make_packs(2, prefix="Q")
    services = web.app.state.services
    with services.db.begin() as conn:
        alice = get_user(conn, web.pharmacies.alice_id)
        mixed = create_submission(conn, user=alice, kind="deactivation",
                                  packs=new_packs(make_packs(2, prefix="P") + extra),
                                  recon=recon_stub(OPEN_DAY))
    web.sim.state.add_packs(make_packs(2, prefix="P"))
    web.login("alice")
    _finish(web, mixed, 4)
    page = web.get(f"/bildirim/{mixed}").text
    assert 'data-tone="warn"' in page and "2 kutu İTS tarafından kabul edildi, 2 kutu reddedildi" in page


def test_a_closed_window_shows_why_and_no_phrase_box_and_the_server_refuses(web):
    sid, _ = draft(web, today=date(2026, 11, 23))
    web.login("alice")
    web.app.state.services.today = lambda: date(2026, 11, 23)
    page = web.get(f"/bildirim/{sid}").text
    assert "“75” deaktivasyon süresi kapalı" in page
    assert 'id="cannot-approve"' in page
    assert 'name="confirmation"' not in page and 'class="danger">Onayla' not in page
    r = web.post(f"/bildirim/{sid}/onay", data={"confirmation": "12 kutuyu deaktive et"})
    assert r.status_code == 422


def test_the_its_account_is_at_the_top_of_the_notify_page_and_can_be_changed(web, db):
    web.login("alice")
    page = web.get("/bildirim").text
    assert page.index('id="its-account"') < page.index('id="window"') < page.index('id="flows"')
    assert "GLN <b>8680001000001</b>" in page and "Değiştir" in page
    with db.begin() as conn:
        conn.execute(ob.its_credential.delete())
    page = web.get("/bildirim").text
    assert page.index('id="no-account"') < page.index('id="window"')
    assert 'action="/bildirim/ayarlar"' in page


def test_an_outdated_draft_lists_what_changed_and_the_refresh_names_the_new_count(web):
    from eczane.store.reconcile import set_override
    from tests.its.helpers import seed_walk_reconciliation

    p = web.pharmacies
    services = web.app.state.services
    seed_walk_reconciliation(services.db, p.pharmacy_id, p.alice_id, OPEN_DAY)
    services.today = lambda: OPEN_DAY
    web.login("alice")
    r = web.post("/bildirim/yeni", data={"kind": "deactivation"}, follow_redirects=False)
    old = r.headers["location"]
    assert "56 kutuyu deaktive et" in web.get(old).text
    with services.db.begin() as conn:
        first = ob.submission_packs(conn, int(old.rsplit("/", 1)[1]))[0]
        set_override(conn, p.pharmacy_id, first.gtin, first.serial, note="buzdolabında bulundu",
                     user_id=p.alice_id)
    page = web.get(old).text
    assert 'id="outdated"' in page and first.serial in page.split('id="outdated-removed"')[1]
    assert "Taslağı yenile (55 kutu)" in page and 'name="confirmation"' not in page
    r = web.post(f"{old}/onay", data={"confirmation": "56 kutuyu deaktive et"})
    assert r.status_code == 422 and "Bu taslak güncel değil" in r.text
    r = web.post(f"{old}/yenile", follow_redirects=False)
    new = r.headers["location"]
    assert r.status_code == 303 and new != old
    assert "55 kutuyu deaktive et" in web.get(new).text
    r = web.post(f"{old}/onay", data={"confirmation": "56 kutuyu deaktive et"})
    assert r.status_code == 409 and "yenilendi ve yerine" in r.text
    assert f'href="{new}" id="new-link"' in r.text and f'href="{old}" id="sub-link"' in r.text


def test_a_refused_its_login_is_said_on_the_pages_and_new_credentials_resume_sending(web):
    """The İTS password changed at İTS: the sending page and the notify page say that İTS
    refused the login and nothing was sent; the pharmacist saves the new password on the page
    and the sending goes on by itself."""
    from eczane.its.outbox import Worker
    from tests.its.conftest import GLN, USERNAME

    sid, _ = draft(web, 3)
    services = web.app.state.services
    services.today = lambda: OPEN_DAY
    web.login("alice")
    web.post(f"/bildirim/{sid}/onay", data={"confirmation": "3 kutuyu deaktive et"})
    web.sim.state.add_user(GLN, USERNAME, "yeni-parola")
    Worker(services.db, services.settings, today=OPEN_DAY).run(max_seconds=20)
    page = web.get(f"/bildirim/{sid}").text
    assert 'id="login-refused"' in page and "İTS girişi reddedildi" in page
    assert "Kullanıcı adı veya parola hatalı" in page and "hiçbiri gönderilmedi" in page
    assert 'href="/bildirim#its-account"' in page
    index = web.get("/bildirim").text
    assert 'id="login-refused"' in index and '<details class="panel" id="its-account" open>' in index
    web.login("bob")                                    # the kalfa is told who fixes it
    assert "Eczacı İTS kullanıcı adı ve parolasını düzeltmeli" in web.get(f"/bildirim/{sid}").text
    web.login("alice")
    r = web.post("/bildirim/ayarlar", data={"gln": GLN, "its_username": USERNAME,
                                            "its_password": "yeni-parola"}, follow_redirects=False)
    assert r.status_code == 303
    assert 'id="login-refused"' not in web.get("/bildirim").text
    Worker(services.db, services.settings, today=OPEN_DAY).run(max_seconds=20)
    page = web.get(f"/bildirim/{sid}").text
    assert 'id="login-refused"' not in page and 'id="finished"' in page
    assert web.sim.state.stats["notifications"] == 1
