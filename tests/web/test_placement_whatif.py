"""GET /yerlestirme/kosu/{id}/ne-olurdu: which preference would a score get."""

import pytest

ANN = "il;ilçe;kontenjan\nİstanbul;Kadıköy;1\nAnkara;Çankaya;1\n".encode()
APPS = "id;puan;tercih1\nA1;30;İstanbul/Kadıköy\nA2;20;Ankara/Çankaya\n".encode()


@pytest.fixture
def url(app_client):
    app_client.login("alice")
    r = app_client.post("/yerlestirme/calistir", data={"tohum": "1"}, follow_redirects=False,
                        files=[("dosyalar", ("ilan.csv", ANN, "text/csv")),
                               ("dosyalar", ("b.csv", APPS, "text/csv"))])
    return r.headers["location"] + "/ne-olurdu"


def test_it_answers_with_a_verdict_per_preference(app_client, url):
    r = app_client.get(url, params={"puan": "25", "tercihler": "İstanbul/Kadıköy\nAnkara/Çankaya"})
    assert r.status_code == 200
    assert "Puan 25 ile tercih 2: Çankaya (Ankara) alırsınız." in r.text
    assert "<html" in r.text


def test_htmx_gets_only_the_fragment(app_client, url):
    r = app_client.get(url, params={"puan": "35", "tercihler": "Kadıköy"},
                       headers={"HX-Request": "true"})
    assert "Puan 35 ile tercih 1: Kadıköy (İstanbul) alırsınız." in r.text
    assert "<html" not in r.text


def test_a_bad_preference_is_explained(app_client, url):
    r = app_client.get(url, params={"puan": "25", "tercihler": "Ankara/Kadıköy"})
    assert r.status_code == 422
    assert "1. tercih: Ankara ilinde &#39;Kadıköy&#39; ilçesi yok" in r.text


def test_a_kalfa_may_ask(app_client, url):
    app_client.login("bob")
    assert app_client.get(url, params={"puan": "1", "tercihler": "Kadıköy"}).status_code == 200


def test_another_pharmacy_gets_404(app_client, url):
    app_client.login("charlie")
    assert app_client.get(url, params={"puan": "1", "tercihler": "Kadıköy"}).status_code == 404


def test_wrong_method_is_405(app_client, url):
    assert app_client.post(url).status_code == 405


def test_without_preferences_it_lists_every_district_the_score_gets(app_client, url):
    r = app_client.get(url, params={"puan": "25", "tercihler": ""})
    assert r.status_code == 200
    assert "Puan 25 ile ilk tercih olarak yazsaydınız alabileceğiniz 1 ilçe" in r.text
    assert "Çankaya (Ankara)" in r.text and "Kadıköy (İstanbul)" not in r.text
