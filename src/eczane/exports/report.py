"""The printable reconciliation report the pharmacist signs and files (HTML → PDF).

The HTML is self-contained (inline CSS, no scripts, no external files) so it prints the same
from the browser, from the web page and from the CLI. The PDF is the same HTML printed by headless
Chromium through Playwright (``page.pdf()``): no other PDF library.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from eczane.domain.reconcile import (
    BUCKET_LABELS_TR,
    BUCKETS,
    Bucket,
    DeactivationWindow,
    Rules,
    WindowStatus,
)
from eczane.domain.text import tr_sort_key
from eczane.exports.packs import ExportPack

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
MAX_ROWS = 5000
"""Rows listed per section in the printed report; the XLSX always has them all."""


@dataclass
class ReportData:
    pharmacy_name: str
    pharmacy_gln: str
    today: date
    window: DeactivationWindow
    status: WindowStatus
    rules: Rules
    counts: Mapping[str, int]
    by_bucket: Mapping[str, Sequence[ExportPack]]
    kept_out: Sequence[ExportPack] = ()
    date_checked: bool = True
    prepared_by: str = ""
    sources: Sequence[str] = field(default_factory=list)
    """What was compared (file names, count session), one line each."""


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]))
    from eczane.domain.formatting import JINJA_FILTERS, date_tr

    env.filters.update(JINJA_FILTERS)
    env.filters["tarih"] = lambda d: date_tr(d, "—")
    return env


def report_html(data: ReportData) -> str:
    """The report as one HTML document (Turkish)."""
    sections = [(Bucket(b.value), BUCKET_LABELS_TR[b], list(data.by_bucket.get(b.value, ())))
                for b in BUCKETS if b is not Bucket.MATCHED]
    return _env().get_template("reconcile/report.html").render(
        d=data, sections=sections, labels=BUCKET_LABELS_TR, buckets=BUCKETS, max_rows=MAX_ROWS,
        excluded=sorted((c.label_tr for c in data.rules.excluded_classes), key=tr_sort_key))


def html_to_pdf(html: str, *, executable_path: str = CHROMIUM) -> bytes:
    """Print ``html`` to an A4 PDF in headless Chromium (Playwright ``page.pdf()``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable_path, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            pdf: bytes = page.pdf(format="A4", print_background=True, margin={
                "top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
            return pdf
        finally:
            browser.close()


def report_pdf(data: ReportData) -> bytes:
    return html_to_pdf(report_html(data))
