"""Son kontrol pages: start, scan (JSON), finish, the pick list and its PDF (issue 16 part 1)."""

from __future__ import annotations

import html

import pytest

from eczane.its import service
from eczane.store import outbox as ob
from eczane.store.users import get_user
from tests.recount.world import OPEN_DAY, build


@pytest.fixture
def web(app_client, db):  # type: ignore[no-untyped-def]
    p = app_client.pharmacies
    world = build(db, p.pharmacy_id, p.alice_id, shelf=100, ghosts=5)   # 2 missed + 5 ghosts
    with db.begin() as conn:
        sid = service.create_from_reconciliation(conn, get_user(conn, p.alice_id), "deactivation")
    app_client.app.state.services.today = lambda: OPEN_DAY
    app_client.world, app_client.sid = world, sid
    return app_client


def url(web, tail: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/bildirim/{web.sid}/son-kontrol{tail}"


def start(web, blind: bool = True):  # type: ignore[no-untyped-def]
    web.login("alice")
    r = web.post(url(web, "/baslat"), data={"kor": "1" if blind else ""}, follow_redirects=False)
    assert r.status_code == 303
    return r


def test_the_page_lists_the_drafts_products_in_turkish_order_and_offers_a_start(web):
    web.login("alice")
    r = web.get(url(web))
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "Son kontrolü başlat (7 kutu)" in text
    names = ["AMOKSİSİLİN", "ATORVASTATİN", "İBUPROFEN", "METFORMİN", "PARASETAMOL"]
    at = [text.index(n + " DEMO") for n in names]
    assert at == sorted(at)          # İ sorts after I and before M, not after Z
    assert "raf yeri kaydetmediği için" in text


def test_a_blind_recount_hides_how_many_packs_its_expects(web):
    start(web, blind=True)
    r = web.get(url(web))
    text = html.unescape(r.text)
    assert 'id="blind-badge"' in r.text and 'id="scan-input"' in r.text
    assert "HAYALET" not in text and "RAF" not in text.replace("Raf", "")   # no serials
    assert 'class="remaining"' not in r.text and 'id="pending"' not in r.text


def test_a_scanned_pack_leaves_the_draft_and_the_phrase_follows(web):
    start(web)
    missed = web.world.missed[0]
    r = web.post(url(web, "/okut"), json={"raw": missed.element_string()})
    assert r.status_code == 200
    d = r.json()
    assert (d["state"], d["code"], d["pending"], d["saved"]) == ("green", "found", 6, 1)
    assert d["phrase"] == "6 kutuyu deaktive et"
    assert d["product_name"].endswith("TABLET") or d["product_name"]
    answers = [web.post(url(web, "/okut"), json={"raw": raw}).json()["code"] for raw in (
        missed.element_string(), web.world.shelf[0].element_string(), "0108699536",
        web.world.missed[1].element_string().replace("\x1d", "<GS>"))]
    assert answers == ["already_found", "not_in_draft", "unreadable", "found"]


def test_approval_waits_for_the_open_recount_and_then_shows_what_it_saved(web):
    start(web)
    for k in web.world.missed:
        assert web.post(url(web, "/okut"), json={"raw": k.element_string()}).json()["code"] == "found"
    r = web.post(f"/bildirim/{web.sid}/onay", data={"confirmation": "5 kutuyu deaktive et"})
    assert r.status_code == 422
    assert "Son kontrol sürüyor" in html.unescape(r.text)
    r = web.post(url(web, "/bitir"), follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/bildirim/{web.sid}")
    text = html.unescape(web.get(f"/bildirim/{web.sid}").text)
    assert ("Son kontrol 2 kutuyu deaktive edilmekten kurtardı: taslak 7 kutudan 5 kutuya indi."
            in text)
    assert "5 kutuyu deaktive et" in text
    audit = html.unescape(web.get("/denetim").text)
    assert "son kontrolü bitti: 2 kutu rafta bulunup deaktive edilmekten kurtarıldı" in audit
    r = web.post(f"/bildirim/{web.sid}/onay", data={"confirmation": "5 kutuyu deaktive et"},
                 follow_redirects=False)
    assert r.status_code == 303
    r = web.post(url(web, "/okut"), json={"raw": web.world.ghosts[0].element_string()})
    assert r.status_code == 409


def test_a_kalfa_scans_but_neither_starts_nor_finishes(web):
    web.login("bob")
    assert web.post(url(web, "/baslat"), data={"kor": "1"}).status_code == 403
    assert "Son kontrolü eczacı başlatır" in html.unescape(web.get(url(web)).text)
    start(web)
    web.login("bob")
    r = web.post(url(web, "/okut"), json={"raw": web.world.missed[0].element_string()})
    assert r.json()["code"] == "found"
    assert web.post(url(web, "/bitir")).status_code == 403


def test_another_pharmacys_draft_does_not_exist(web):
    start(web)
    web.login("charlie")
    assert web.get(url(web)).status_code == 404
    assert web.get(url(web, "/liste")).status_code == 404
    assert web.post(url(web, "/baslat"), data={"kor": "1"}).status_code == 404
    assert web.post(url(web, "/bitir")).status_code == 404
    r = web.post(url(web, "/okut"), json={"raw": web.world.missed[0].element_string()})
    assert r.status_code == 404
    with web.app.state.services.db.connect() as conn:
        assert ob.state_counts(conn, web.sid)["pending"] == 7


def test_wrong_methods_and_malformed_scans_are_4xx(web):
    web.login("alice")
    assert web.get(url(web, "/baslat")).status_code == 405
    assert web.get(url(web, "/bitir")).status_code == 405
    assert web.get(url(web, "/okut")).status_code == 405
    assert web.post(url(web, "/okut"), json={"raw": "x"}).status_code == 409   # not started
    start(web)
    assert web.post(url(web, "/okut"), content=b"{oops",
                    headers={"Content-Type": "application/json"}).status_code == 400
    assert web.post(url(web, "/okut"), json={"raw": 5}).status_code == 400
    assert web.post(url(web, "/bitir"), follow_redirects=False).status_code == 303
    assert web.post(url(web, "/bitir")).status_code == 409      # nothing open


def test_the_pick_list_prints_and_becomes_a_pdf(web, monkeypatch):
    import eczane.exports.report as report

    seen = []
    monkeypatch.setattr(report, "html_to_pdf", lambda h, **kw: seen.append(h) or b"%PDF-1.7 fake")
    start(web, blind=False)
    r = web.get(url(web, "/liste"))
    assert r.status_code == 200
    assert "@media print" in r.text and "HAYALET000000" in r.text
    r = web.get(url(web, "/liste.pdf"))
    assert (r.status_code, r.headers["content-type"]) == (200, "application/pdf")
    assert r.content.startswith(b"%PDF") and "toplama listesi" in seen[0]
