"""HTML → PDF with the system's Chromium, run directly (``--headless --print-to-pdf``).

The report prints from a plain install (``pip install eczane``): no Playwright, no browser
download, only a Chromium or Chrome on the machine — the ``chromium`` package on Debian/Ubuntu,
Google Chrome or Microsoft Edge on Windows. Which one: ``ECZANE_CHROMIUM`` (a path or a command
name) or the first found of :data:`CANDIDATES`. When none is found, or it fails, the caller gets
:class:`PdfUnavailable` with a Turkish message naming what to install; the web page answers it
with a 503, the CLI with exit code 1 (never a traceback).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
              "chrome", "msedge")
"""Command names tried in order when ``ECZANE_CHROMIUM`` is empty."""

WINDOWS_PATHS = (
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)

INSTALL_HINT = (
    "PDF raporu için sunucuda Chromium gerekiyor. Debian/Ubuntu'da `sudo apt install chromium` "
    "ile kurun; Windows'ta Google Chrome ya da Microsoft Edge kurulu olmalı. Başka bir yerdeyse "
    "yolunu ECZANE_CHROMIUM ayarına yazın. Bu arada raporu HTML olarak açıp tarayıcıdan "
    "yazdırabilirsiniz.")

PAGE_CSS = ("<style>@page { size: A4; margin: 15mm 12mm; } "
            "html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }</style>")
"""A4 with the report's margins and its backgrounds (what Playwright's ``page.pdf`` was given)."""

TIMEOUT_S = 120


class PdfUnavailable(Exception):
    """No PDF could be printed; ``message`` (Turkish) says what to install or what went wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def find_chromium(setting: str = "") -> str | None:
    """The Chromium to print with: ``setting`` (path or command name) or the first found."""
    if setting:
        found = shutil.which(setting)
        if found:
            return found
        return setting if Path(setting).is_file() and os.access(setting, os.X_OK) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    if sys.platform == "win32":
        return next((p for p in WINDOWS_PATHS if Path(p).is_file()), None)
    return None


def html_to_pdf(html: str, *, executable_path: str = "") -> bytes:
    """Print ``html`` (self-contained: no external files) to an A4 PDF.

    ``executable_path`` is the ``chromium`` setting (``ECZANE_CHROMIUM``); empty: found on PATH.

    Raises:
        PdfUnavailable: no Chromium at ``executable_path`` (or on PATH), or it did not print.
    """
    exe = find_chromium(executable_path)
    if exe is None:
        where = executable_path
        prefix = f"Chromium bulunamadı ({where}). " if where else "Chromium bulunamadı. "
        raise PdfUnavailable(prefix + INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="eczane-pdf-") as tmp:
        src, out = Path(tmp) / "rapor.html", Path(tmp) / "rapor.pdf"
        src.write_text(_with_page_css(html), encoding="utf-8")
        # --print-to-pdf-no-header: the same for Chromium before 108 (unknown flags are ignored)
        args = [exe, "--headless", *CHROMIUM_ARGS, "--no-pdf-header-footer",
                "--print-to-pdf-no-header",
                f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}",
                src.as_uri()]
        try:
            proc = subprocess.run(args, capture_output=True, timeout=TIMEOUT_S, check=False,
                                  stdin=subprocess.DEVNULL, env=_env(tmp))
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"Chromium ({exe}) PDF'i yazdıramadı: {exc}. "
                                 + INSTALL_HINT) from None
        if not out.is_file() or out.read_bytes()[:5] != b"%PDF-":
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise PdfUnavailable(f"Chromium ({exe}) PDF'i yazdıramadı (çıkış kodu "
                                 f"{proc.returncode}: {' '.join(tail)[:300]}). " + INSTALL_HINT)
        return out.read_bytes()


def _with_page_css(html: str) -> str:
    head = html.find("<head>")
    if head < 0:
        return PAGE_CSS + html
    return html[:head + 6] + PAGE_CSS + html[head + 6:]


def _env(tmp: str) -> dict[str, str]:
    """Chromium's environment: a HOME of its own (a service user may have none)."""
    env = dict(os.environ)
    env["HOME"] = tmp
    return env
