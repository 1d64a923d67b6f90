"""Okuyucu testi pages (STYLE §7): it works, wrong method → 405, other pharmacy → 404."""

from __future__ import annotations

import base64
import io
from datetime import date

import pytest
from PIL import Image

from eczane.domain.karekod import GS
from eczane.domain.scanner_check import TEST_LABELS
from eczane.store import count as store


@pytest.fixture
def sid(app_client) -> int:  # type: ignore[no-untyped-def]
    db = app_client.app.state.services.db
    p = app_client.pharmacies
    with db.begin() as conn:
        return store.open_session(conn, p.pharmacy_id, p.alice_id, "Kasım sayımı")


def read(label: int, raw: str, ended_by: str = "enter", intervals=(3.0, 4.0)):  # type: ignore[no-untyped-def]
    return {"label": label, "raw": raw, "ended_by": ended_by, "intervals_ms": list(intervals)}


def test_the_check_page_lists_the_labels_and_links_the_sheet(app_client, sid):
    app_client.login("bob")
    r = app_client.get(f"/sayim/{sid}/okuyucu-testi")
    assert r.status_code == 200
    assert 'id="check-input"' in r.text and f"/sayim/{sid}/okuyucu-testi.pdf" in r.text
    assert TEST_LABELS[2].karekod.hri() in r.text
    assert "henüz okuyucu testinden geçmedi" in app_client.get(f"/sayim/{sid}").text


def test_a_read_is_diagnosed_in_turkish(app_client, sid):
    app_client.login("bob")
    typed = TEST_LABELS[2].expected.replace("i", "ı").replace(";", "ş")
    r = app_client.post(f"/api/sayim/{sid}/okuyucu-testi/okuma", json=read(3, typed))
    assert r.status_code == 200
    body = r.json()
    assert (body["ok"], [s["code"] for s in body["symptoms"]]) == (False, ["turkish_q"])
    assert body["symptoms"][0]["message"].startswith("Klavye düzeni uyuşmuyor")


def test_a_finished_check_is_stored_and_shown_on_the_count_page(app_client, sid):
    app_client.login("bob")
    reads = [read(lb.number, lb.expected) for lb in TEST_LABELS]
    reads[0] = read(1, TEST_LABELS[0].expected.replace(GS, ""))
    reads.insert(1, read(2, TEST_LABELS[0].expected))  # label 1 again: asked again, not counted
    r = app_client.post(f"/api/sayim/{sid}/okuyucu-testi",
                        json={"device_id": "kasa-1", "reads": reads})
    assert r.status_code == 200
    assert (r.json()["passed"], r.json()["codes"]) == (False, ["gs_missing"])
    page = app_client.get(f"/sayim/{sid}").text
    assert 'data-passed="no" data-codes="gs_missing"' in page
    assert "kasa-1" in page and "GS ayracı gelmiyor" in page and "Bob" in page
    good = [read(lb.number, lb.expected) for lb in TEST_LABELS]
    r = app_client.post(f"/api/sayim/{sid}/okuyucu-testi", json={"device_id": "kasa-2",
                                                                  "reads": good})
    assert r.json() == {"passed": True, "codes": [], "advice": []}
    assert 'data-passed="yes"' in app_client.get(f"/sayim/{sid}/okuyucu-testi").text


@pytest.mark.parametrize("body", [
    {"label": 9, "raw": "x"}, {"label": 1}, {"label": 1, "raw": "x", "intervals_ms": ["a"]},
    ["not", "a", "dict"],
])
def test_a_malformed_read_is_a_400(app_client, sid, body):  # type: ignore[no-untyped-def]
    app_client.login("bob")
    r = app_client.post(f"/api/sayim/{sid}/okuyucu-testi/okuma", json=body)
    assert r.status_code == 400
    r = app_client.post(f"/api/sayim/{sid}/okuyucu-testi", json={"reads": []})
    assert r.status_code == 400


def test_wrong_method_is_405(app_client, sid):
    app_client.login("alice")
    assert app_client.get(f"/api/sayim/{sid}/okuyucu-testi/okuma").status_code == 405
    assert app_client.get(f"/api/sayim/{sid}/okuyucu-testi").status_code == 405
    assert app_client.post(f"/sayim/{sid}/okuyucu-testi.pdf").status_code == 405


def test_another_pharmacys_session_is_404(app_client, sid):
    app_client.login("charlie")
    assert app_client.get(f"/sayim/{sid}/okuyucu-testi").status_code == 404
    assert app_client.get(f"/sayim/{sid}/okuyucu-testi.pdf").status_code == 404
    r = app_client.post(f"/api/sayim/{sid}/okuyucu-testi/okuma", json=read(1, "x"))
    assert r.status_code == 404
    r = app_client.post(f"/api/sayim/{sid}/okuyucu-testi",
                        json={"reads": [read(1, TEST_LABELS[0].expected)]})
    assert r.status_code == 404
    app_client.login("alice")
    assert "data-check=" not in app_client.get(f"/sayim/{sid}").text


def test_the_sheet_labels_decode_to_what_the_check_expects() -> None:
    from eczane.karekod_image import decode
    from eczane.web.routes.scanner_check import _png_data_uri

    for lb in TEST_LABELS:
        png = base64.b64decode(_png_data_uri(lb).split(",", 1)[1])
        found = decode(Image.open(io.BytesIO(png)).convert("L"), today=date(2026, 12, 6))
        assert [d.text for d in found] == ["]d2" + lb.expected]


def test_the_sheet_is_a_pdf(app_client, sid, monkeypatch):  # type: ignore[no-untyped-def]
    import eczane.exports.report as report

    printed: list[str] = []

    def fake_pdf(html: str, **_: object) -> bytes:
        printed.append(html)
        return b"%PDF-1.4 test"

    monkeypatch.setattr(report, "html_to_pdf", fake_pdf)
    app_client.login("bob")
    r = app_client.get(f"/sayim/{sid}/okuyucu-testi.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert printed[0].count("data:image/png;base64,") == len(TEST_LABELS)
    assert "Okuyucu test sayfası" in printed[0]
