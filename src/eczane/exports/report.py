"""The printable reconciliation report the pharmacist signs and files (HTML → PDF).

The HTML is self-contained (inline CSS, no scripts, no external files) so it prints the same
from the browser, from the web page and from the CLI. The PDF is the same HTML printed by the
system's headless Chromium, run directly (:mod:`eczane.exports.pdf`; no Playwright, so it works
from a plain install): no other PDF library.
"""

from __future__ import annotations

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
from eczane.exports import pdf
from eczane.exports.packs import ExportPack
from eczane.exports.pdf import CHROMIUM_ARGS, PdfUnavailable

__all__ = ["CHROMIUM_ARGS", "PdfUnavailable", "ReportData", "html_to_pdf", "report_html",
           "report_pdf"]

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
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


def html_to_pdf(html: str, *, executable_path: str = "") -> bytes:
    """Print ``html`` to an A4 PDF with headless Chromium (:func:`eczane.exports.pdf.html_to_pdf`).

    ``executable_path``: the ``chromium`` setting; empty finds it on PATH. Raises
    :class:`PdfUnavailable` (a Turkish message naming what to install) when it cannot print.
    """
    return pdf.html_to_pdf(html, executable_path=executable_path)


def report_pdf(data: ReportData, *, executable_path: str = "") -> bytes:
    return html_to_pdf(report_html(data), executable_path=executable_path)
