def test_home_says_what_the_product_is_in_turkish(app_client):
    r = app_client.get("/")
    assert r.status_code == 200
    assert "İTS stok eşitleme" in r.text
    assert "Eczane açma asistanı" in r.text


def test_login_with_a_wrong_password_is_refused_in_turkish(app_client):
    r = app_client.post("/giris", data={"username": "alice", "password": "nope"})
    assert r.status_code == 401
    assert "Kullanıcı adı veya parola hatalı." in r.text


def test_login_sets_a_session_and_shows_the_user(app_client):
    app_client.login("alice")
    r = app_client.get("/")
    assert "Ecz. Alice (Eczacı)" in r.text


def test_a_tampered_session_cookie_is_not_a_login(app_client):
    app_client.login("alice")
    cookie = app_client.cookies.get("eczane_session")
    # the cookie is a random session token; one changed character names no session
    tampered = cookie[:-1] + ("A" if cookie[-1] != "A" else "B")
    app_client.cookies.set("eczane_session", tampered)
    r = app_client.get("/")
    assert "Giriş yapın" in r.text


def test_logout_only_by_post(app_client):
    assert app_client.get("/cikis").status_code == 405
