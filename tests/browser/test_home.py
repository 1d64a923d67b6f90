from tests.browser.conftest import login


def test_a_pharmacist_logs_in_and_sees_the_product(page, live_server):
    page.goto(live_server.url)
    assert "serbest eczaneler için arka ofis" in page.inner_text("h1")
    login(page, live_server.url, "alice")
    assert "Ecz. Alice (Eczacı)" in page.inner_text("header")
