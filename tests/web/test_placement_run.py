"""GET /yerlestirme/kosu/{id} (+ .xlsx, .json): a run's result."""

import io

import openpyxl
import pytest


@pytest.fixture
def run_url(app_client):
    app_client.login("alice")
    r = app_client.post("/yerlestirme/ornek", data={"basvuru": "80", "yer": "20", "tohum": "5"},
                        follow_redirects=False)
    return r.headers["location"]


def test_it_shows_summary_draws_grid_table_and_applicants(app_client, run_url):
    r = app_client.get(run_url)
    assert r.status_code == 200
    for text in ('id="ozet"', 'id="kura"', '<svg class="grid"', "Taban puanlar", 'id="basvurular"',
                 "ornek-5"):
        assert text in r.text
    assert r.text.count("<rect ") == 81


def test_a_province_filter_lists_only_its_districts(app_client, run_url):
    data = app_client.get(run_url + "/sonuc.json").json()
    province = data["districts"][0]["province"]
    r = app_client.get(run_url, params={"il": province})
    others = {d["province"] for d in data["districts"]} - {province}
    assert f"<td>{province}</td>" in r.text
    assert all(f"<td>{p}</td>" not in r.text for p in others)


def test_exports_are_the_same_result(app_client, run_url):
    data = app_client.get(run_url + "/sonuc.json").json()
    x = app_client.get(run_url + "/sonuc.xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxml")
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    ids = [row[0] for row in wb["Sonuçlar"].iter_rows(min_row=2, values_only=True)]
    assert ids == [o["id"] for o in data["outcomes"]]


def test_a_kalfa_of_the_same_pharmacy_may_read_it(app_client, run_url):
    app_client.login("bob")
    assert app_client.get(run_url).status_code == 200


def test_another_pharmacy_gets_404(app_client, run_url):
    app_client.login("charlie")
    assert app_client.get(run_url).status_code == 404
    assert app_client.get(run_url + "/sonuc.xlsx").status_code == 404
    assert app_client.get(run_url + "/sonuc.json").status_code == 404


def test_an_unknown_or_malformed_id_is_404(app_client, run_url):
    assert app_client.get("/yerlestirme/kosu/yok").status_code == 404
    assert app_client.get("/yerlestirme/kosu/..%2f..%2fsecret").status_code == 404


def test_wrong_method_is_405(app_client, run_url):
    assert app_client.post(run_url).status_code == 405
