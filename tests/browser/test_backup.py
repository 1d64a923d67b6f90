"""Yedek in Chromium: a backup protected by a passphrase is restored with it (issue 13)."""

from __future__ import annotations

from tests.browser.conftest import login


def test_a_passphrase_backup_is_restored_only_after_the_passphrase_and_the_phrase(
        page, live_server, tmp_path):  # type: ignore[no-untyped-def]
    login(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/ithalat")
    page.click("#yedek-indir summary")
    page.fill("#yedek-indir input[name=parola]", "eczane yedeği 2026")
    page.fill("#yedek-indir input[name=parola2]", "eczane yedeği 2026")
    with page.expect_download() as info:
        page.click("#yedek-indir button")
    backup = tmp_path / info.value.suggested_filename
    info.value.save_as(backup)

    form = "form[action='/ithalat/geri-yukle']"
    page.set_input_files(f"{form} input[type=file]", str(backup))
    page.click(f"{form} button")  # no passphrase: refused, nothing asked
    assert "Bu yedek bir parolayla korunuyor" in page.inner_text("[role=alert]")
    page.set_input_files(f"{form} input[type=file]", str(backup))
    page.fill(f"{form} input[name=parola]", "eczane yedeği 2026")
    page.click(f"{form} button")
    assert page.inner_text("h1") == "Yedekten geri yükle"
    assert "yedek parolasıyla" in page.inner_text("main")
    assert "Hesaplar değişmeyecek" in page.inner_text("#hesaplar")
    page.fill("input[name=onay]", page.inner_text("form label b"))
    page.click("button.danger")
    assert page.inner_text("h1") == "Geri yüklendi"
