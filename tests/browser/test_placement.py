"""Placement in a real browser: demo run, the printed lottery, a province on the grid, what-if
answered in place (htmx), and a CSV upload with a bad row."""

from tests.browser.conftest import login


def test_a_pharmacist_runs_a_demo_asks_what_if_and_filters_a_province(page, live_server, tmp_path):
    login(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/yerlestirme")
    page.fill("input[name=basvuru]", "300")
    page.fill("input[name=yer]", "60")
    page.click("text=Örnek yerleştirme")
    page.wait_for_url("**/yerlestirme/kosu/*")
    assert "300" in page.inner_text("#ozet")
    assert page.locator("svg.grid rect").count() == 81
    assert page.inner_text("#kura").strip()

    first = page.locator("#basvurular tbody tr").first
    assert first.locator("td").nth(0).inner_text() == "1"

    page.fill("input[name=puan]", "60")
    page.fill("textarea[name=tercihler]", "İstanbul/Kadıköy\nAnkara/Çankaya\nİzmir/Konak")
    page.click("text=Sor")
    page.wait_for_selector("#ne-olurdu-sonuc")
    assert "Puan 60 ile" in page.inner_text("#ne-olurdu")
    assert "/ne-olurdu" not in page.url        # answered in place

    page.locator("svg.grid a").nth(33).click()   # plate 34: İstanbul
    page.wait_for_url("**il=*")
    assert "İstanbul" in page.inner_text("#tablo")


def test_an_upload_with_a_bad_row_is_explained_and_a_kalfa_cannot_run(page, live_server, tmp_path):
    (tmp_path / "ilan.csv").write_text("il;ilçe;kontenjan\nİstanbul;Kadıköy;1\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id;puan;tercih1\nA1;otuz;İstanbul/Kadıköy\n", encoding="utf-8")
    login(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/yerlestirme")
    page.set_input_files("input[name=dosyalar]", [str(tmp_path / "ilan.csv"), str(tmp_path / "b.csv")])
    page.click("text=Yerleştirmeyi çalıştır")
    page.wait_for_selector("#hatalar")
    assert "b.csv, satır 2, başvuru A1: sayı değil: 'otuz'" in page.inner_text("#hatalar")

    page.context.clear_cookies()
    login(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/yerlestirme")
    assert page.locator("input[name=dosyalar]").count() == 0
