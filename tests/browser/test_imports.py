"""İçe aktarma in real Chromium: a pharmacist uploads the İTS stock file and reads the counts;
an unknown layout is mapped once on the page and remembered; bad rows are listed with row,
column and the Turkish reason; a kalfa cannot load the İTS stock (issue 3, STYLE §7).

The XLSX files are written here the way Excel leaves an İTS export (GTINs as numbers, real date
cells, a title above the header: docs/imports.md, research/its.md §4).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tests.browser.conftest import login
from tests.importers.files import write_xlsx

G1, G2 = 8699536080017, 8699536080024  # demo GTINs (demo_data.py), as Excel keeps them: numbers
ITS_FORM = "form[action='/ithalat/its']"


def upload_its(page, base_url: str, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/ithalat")
    page.set_input_files(f"{ITS_FORM} input[type=file]", str(path))
    page.click(f"{ITS_FORM} button[type=submit]")
    page.wait_for_load_state()


def panel(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The result page's summary (<dl class=panel>) as label → text."""
    terms = page.locator("dl.panel dt").all_inner_texts()
    values = page.locator("dl.panel dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def issue_rows(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [row.locator("td").all_inner_texts() for row in page.locator("table.issues tbody tr").all()]


def test_a_pharmacist_uploads_the_its_stock_and_sees_the_snapshot_counts(page, browser, live_server,
                                                                          tmp_path):
    rows = [["İTS Stok Listesi — 23.11.2026"], [],
            ["GTIN", "Seri No", "SKT", "Parti No", "Ürün Adı", "Son İşlem Tarihi"],
            [G1, "S1", date(2027, 6, 30), "L1", "AMOKSİSİLİN DEMO", date(2025, 1, 5)],
            [G1, "S2", date(2027, 6, 30), "L1", "AMOKSİSİLİN DEMO", date(2025, 1, 5)],
            [G2, "S1", date(2028, 1, 31), "L7", "PARASETAMOL DEMO", date(2025, 2, 1)],
            [G1, "S2", date(2027, 6, 30), "L1", "AMOKSİSİLİN DEMO", date(2025, 1, 5)]]
    path = write_xlsx(tmp_path / "stok.xlsx", rows)
    login(page, live_server.url, "alice")
    upload_its(page, live_server.url, path)

    assert re.fullmatch(rf"{live_server.url}/ithalat/its/\d+", page.url)
    assert page.inner_text("h1").startswith("İTS stok listesi")
    got = panel(page)
    assert got["Dosya"] == "stok.xlsx"
    assert got["Alınan"] == "3 kutu"
    assert got["Sorunlu satır"] == "0"
    assert got["Tekrarlanan satır (bir kez sayıldı)"] == "1"
    assert got["Son işlem tarihi sütunu"] == "var"
    assert issue_rows(page) == [["7", "Seri No", "Bu kutu 5. satırda da var; bir kez sayıldı.",
                                 "08699536080017 S2"]]
    snapshot_url = page.url

    page.goto(f"{live_server.url}/ithalat")
    listed = page.locator("table").first.locator("tbody tr").all()
    assert len(listed) == 1
    cells = listed[0].locator("td").all_inner_texts()
    assert (cells[2], cells[3], cells[4], cells[5]) == ("stok.xlsx", "3", "0", "1")

    upload_its(page, live_server.url, path)  # the same file again is recognised, not re-imported
    assert page.url == f"{snapshot_url}?tekrar=1"
    assert "daha önce içe aktarılmış" in page.inner_text("[role=status]")
    page.goto(f"{live_server.url}/ithalat")
    assert page.locator("table").first.locator("tbody tr").count() == 1

    # STYLE §7: wrong method → 405; another pharmacy's snapshot → 404.
    assert page.request.get(f"{live_server.url}/ithalat/its").status == 405
    other = browser.new_context(locale="tr-TR")
    try:
        charlie = other.new_page()
        login(charlie, live_server.url, "charlie")
        assert charlie.goto(snapshot_url).status == 404
        charlie.goto(f"{live_server.url}/ithalat")
        assert "Henüz İTS stok listesi yüklenmedi." in charlie.inner_text("main")
    finally:
        other.close()


def test_an_unknown_layout_is_mapped_on_the_page_once_and_the_next_file_imports_directly(
        page, live_server, tmp_path):
    headers = ["Kolon A", "Kolon B", "Kolon C", "Açıklama"]  # no synonym in headers.yaml
    first = write_xlsx(tmp_path / "depo-1.xlsx", [
        headers,
        [G1, "S1", date(2027, 6, 30), "raf 3"],
        [G2, "S2", date(2028, 1, 31), "raf 4"]])
    login(page, live_server.url, "alice")
    upload_its(page, live_server.url, first)

    assert page.inner_text("h1") == "Sütun eşleştirme: depo-1.xlsx"
    preview = page.locator("table tbody tr").first.locator("td").all_inner_texts()
    assert preview[1:4] == ["Kolon A", "Kolon B", "Kolon C"]
    page.fill("input[name=header_row]", "1")
    chosen = {"gtin": "0", "serial": "1", "expiry": "2"}
    for select in page.locator("form[action='/ithalat/its/eslestir'] select").all():
        name = select.get_attribute("name") or ""
        select.select_option(chosen.get(name.removeprefix("col_"), ""))
    page.click("form[action='/ithalat/its/eslestir'] button[type=submit]")
    page.wait_for_load_state()

    assert re.fullmatch(rf"{live_server.url}/ithalat/its/\d+", page.url)
    got = panel(page)
    assert (got["Alınan"], got["Sorunlu satır"]) == ("2 kutu", "0")
    assert got["Son işlem tarihi sütunu"].startswith("yok")
    first_url = page.url

    second = write_xlsx(tmp_path / "depo-2.xlsx", [
        headers,
        [G1, "S7", date(2027, 7, 31), "raf 1"],
        [G1, "S8", date(2027, 7, 31), "raf 1"],
        [G2, "S9", date(2028, 2, 29), "raf 2"]])
    upload_its(page, live_server.url, second)
    assert "Sütun eşleştirme" not in page.inner_text("h1")  # remembered: not asked again
    assert re.fullmatch(rf"{live_server.url}/ithalat/its/\d+", page.url) and page.url != first_url
    got = panel(page)
    assert (got["Dosya"], got["Alınan"], got["Sorunlu satır"]) == ("depo-2.xlsx", "3 kutu", "0")


def test_a_file_with_bad_rows_lists_row_column_and_the_turkish_reason(page, live_server, tmp_path):
    rows = [["GTIN", "Seri No", "SKT", "Parti No"],
            [G1, "S1", date(2027, 6, 30), "L1"],
            [G1, "S2", "31.02.2027", "L1"],          # no such day: taken without SKT
            ["8.69954E+12", "S3", date(2027, 6, 30), "L1"],  # Excel dropped the digits
            [G1, "S4", date(2027, 6, 30), "L-1"]]   # a dash is not İTS batch syntax
    login(page, live_server.url, "alice")
    upload_its(page, live_server.url, write_xlsx(tmp_path / "bozuk.xlsx", rows))

    got = panel(page)
    assert (got["Alınan"], got["Sorunlu satır"]) == ("3 kutu", "3")
    listed = issue_rows(page)
    assert [r[:2] for r in listed] == [["3", "SKT"], ["4", "GTIN"], ["5", "Parti No"]]
    assert listed[0][2] == "Geçersiz tarih: '31.02.2027' (böyle bir gün yok). Kutu SKT'siz alındı."
    assert listed[0][3] == "31.02.2027"
    assert listed[1][2] == ("GTIN '8.69954E+12': Excel sayıyı bilimsel gösterime çevirmiş ve haneler "
                            "kaybolmuş; dosyayı İTS'den yeniden indirip Excel'de açmadan yükleyin.")
    assert listed[1][3] == "8.69954E+12"
    assert listed[2][2].endswith("Kutu parti nosuz alındı.") and listed[2][3] == "L-1"


def test_a_kalfa_cannot_upload_the_its_stock(page, live_server, tmp_path):
    path = write_xlsx(tmp_path / "stok.xlsx", [["GTIN", "Seri No"], [G1, "S1"]])
    login(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/ithalat")
    assert page.locator(ITS_FORM).count() == 0
    assert "İTS stok listesini yalnızca eczacı yükleyebilir." in page.inner_text("main")

    token = page.get_attribute('meta[name="csrf-token"]', "content")  # the role is refused, not CSRF
    r = page.request.post(f"{live_server.url}/ithalat/its", headers={"X-CSRF-Token": token},
                          multipart={"dosya": {"name": "stok.xlsx", "mimeType": "application/octet-stream",
                                               "buffer": path.read_bytes()}})
    assert r.status == 403 and "yalnızca eczacı" in r.text()
    page.goto(f"{live_server.url}/ithalat")
    assert "Henüz İTS stok listesi yüklenmedi." in page.inner_text("main")


def test_a_pharmacist_restores_a_backup_after_checking_it_and_typing_the_phrase(page, live_server,
                                                                                 tmp_path):
    login(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/ithalat")
    with page.expect_download() as info:
        page.click("form[action='/ithalat/yedek'] button")
    backup = tmp_path / info.value.suggested_filename
    info.value.save_as(backup)
    # after the backup, an İTS stock list is loaded
    stock = write_xlsx(tmp_path / "stok.xlsx", [["GTIN", "Seri No"], [G1, "S1"]])
    upload_its(page, live_server.url, stock)
    page.goto(f"{live_server.url}/ithalat")
    assert page.locator("table").first.locator("tbody tr").count() == 1

    page.set_input_files("form[action='/ithalat/geri-yukle'] input[type=file]", str(backup))
    page.click("form[action='/ithalat/geri-yukle'] button")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Yedekten geri yükle"
    phrase = page.inner_text("form label b")
    assert phrase.endswith(" yedeğini geri yükle")
    page.fill("input[name=onay]", "geri yükle")  # not the phrase: asked again, nothing restored
    page.click("button.danger")
    assert "Onay metni tutmuyor" in page.inner_text("[role=alert]")
    page.fill("input[name=onay]", phrase)
    page.click("button.danger")
    assert page.inner_text("h1") == "Geri yüklendi"
    page.goto(f"{live_server.url}/ithalat")
    assert "Henüz İTS stok listesi yüklenmedi." in page.inner_text("main")


def test_a_mostly_bad_its_file_waits_for_the_tick_and_the_catalog_is_named_in_the_its_box(
        page, live_server, tmp_path):
    rows = [["GTIN", "Seri No", "SKT"], [G1, "S1", date(2027, 6, 30)],
            ["123", "S2", date(2027, 6, 30)], ["abc", "S3", date(2027, 6, 30)]]
    login(page, live_server.url, "alice")
    upload_its(page, live_server.url, write_xlsx(tmp_path / "stok.xlsx", rows))
    assert "satırlarının çoğu sorunlu: 2 sorunlu, 1 okunabilen satır" in page.inner_text("#mostly-bad")
    assert len(issue_rows(page)) == 2
    page.click("#confirm button[type=submit]")      # not ticked: the browser keeps the page
    assert "/ithalat/its/" not in page.url
    page.check("#confirm input[name=onay]")
    with page.expect_navigation():
        page.click("#confirm button[type=submit]")
    assert re.fullmatch(rf"{live_server.url}/ithalat/its/\d+", page.url)
    assert panel(page)["Alınan"] == "1 kutu"

    catalog = write_xlsx(tmp_path / "urunler.xlsx", [["Barkod", "İlaç Adı", "Reçete Türü"],
                                                    [G1, "AMOKSİSİLİN", "Normal"]])
    upload_its(page, live_server.url, catalog)
    assert page.inner_text("[role=alert]") == ("Bu dosya ilaç kataloğuna benziyor; İlaç kataloğu "
                                               "bölümünden yükleyin.")
