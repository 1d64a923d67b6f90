"""POST /yerlestirme/ornek: a run on made-up applicants (pharmacist only)."""


def test_it_makes_a_demo_run(app_client):
    app_client.login("alice")
    r = app_client.post("/yerlestirme/ornek", data={"basvuru": "60", "yer": "12", "tohum": "3"})
    assert r.status_code == 200
    assert "Örnek (uydurma) veri: 60 başvuru, 12 yer" in r.text
    assert "<svg class=\"grid\"" in r.text


def test_a_kalfa_may_not(app_client):
    app_client.login("bob")
    assert app_client.post("/yerlestirme/ornek", data={}).status_code == 403


def test_wrong_method_is_405(app_client):
    app_client.login("alice")
    assert app_client.get("/yerlestirme/ornek").status_code == 405
