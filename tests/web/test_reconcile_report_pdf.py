"""The reconciliation report as a PDF (issue 15, "Install like real software"): printed by the
system's Chromium run directly, no Playwright; without a Chromium the page says what to install
(503, Turkish), never a 500."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.web.test_reconcile import recon  # noqa: F401  (fixture)

needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None,
                                    reason="chromium is installed by scripts/ensure_system_packages.sh")


@needs_chromium
def test_the_report_downloads_as_an_a4_pdf(app_client, recon):  # noqa: F811
    r = app_client.login("alice").get(f"/mutabakat/{recon}/rapor.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert "mutabakat-raporu" in r.headers["content-disposition"]
    assert r.content.startswith(b"%PDF-")
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", r.content)
    assert box and round(float(box[1])) == 595 and round(float(box[2])) == 842  # A4 in points
    try:  # the text, when a PDF reader happens to be installed (not a dependency)
        from pypdf import PdfReader
    except ImportError:
        return
    import io

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Sorumlu eczacı" in text and "Alice Eczanesi" in text


def test_without_chromium_the_page_names_the_package_to_install(app_client, recon):  # noqa: F811
    services = app_client.app.state.services
    services.settings = services.settings.with_(chromium="/yok/chromium")
    r = app_client.login("alice").get(f"/mutabakat/{recon}/rapor.pdf")
    assert r.status_code == 503
    assert "Chromium bulunamadı (/yok/chromium)" in r.text
    assert "apt install chromium" in r.text and "Windows" in r.text


def test_another_pharmacys_report_pdf_is_404(app_client, recon):  # noqa: F811
    assert app_client.login("charlie").get(f"/mutabakat/{recon}/rapor.pdf").status_code == 404


def test_the_report_pdf_is_get_only(app_client, recon):  # noqa: F811
    assert app_client.login("alice").post(f"/mutabakat/{recon}/rapor.pdf").status_code == 405


def test_a_chromium_that_does_not_print_is_a_turkish_message(tmp_path):
    from eczane.exports.pdf import PdfUnavailable, html_to_pdf

    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(PdfUnavailable, match=r"PDF'i yazdıramadı \(çıkış kodu 3: cannot open"):
        html_to_pdf("<html><head></head><body>x</body></html>", executable_path=str(fake))
