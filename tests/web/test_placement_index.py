"""GET /yerlestirme: the placement page (STYLE §7 core cases)."""


def test_it_shows_the_forms_to_a_pharmacist(app_client):
    app_client.login("alice")
    r = app_client.get("/yerlestirme")
    assert r.status_code == 200
    assert "Eczacı yerleştirme" in r.text
    assert 'action="/yerlestirme/calistir"' in r.text
    assert "Henüz yerleştirme yok." in r.text


def test_a_kalfa_sees_the_runs_but_not_the_forms(app_client):
    app_client.login("bob")
    r = app_client.get("/yerlestirme")
    assert r.status_code == 200
    assert 'action="/yerlestirme/calistir"' not in r.text
    assert "Yerleştirmeyi yalnızca eczacı çalıştırabilir" in r.text


def test_it_needs_a_login(app_client):
    r = app_client.get("/yerlestirme", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/giris")


def test_runs_of_another_pharmacy_are_not_listed(app_client):
    app_client.login("charlie")
    app_client.post("/yerlestirme/ornek", data={"basvuru": "20", "yer": "5"})
    app_client.login("alice")
    assert "Henüz yerleştirme yok." in app_client.get("/yerlestirme").text


def test_wrong_method_is_405(app_client):
    app_client.login("alice")
    assert app_client.put("/yerlestirme").status_code == 405
