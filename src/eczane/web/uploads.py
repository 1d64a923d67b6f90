"""Uploaded files: one size limit, one content check and one safe name for every upload route.

Every upload (the count's file import, the İTS list, the on-hand list, the catalog, a backup to
restore, placement files, the in-transit list) goes through :func:`save_upload` (to disk) or
:func:`read_upload` (in memory, for small files), so every route refuses the same things the
same way, before anything is stored:

- a body larger than ``ECZANE_MAX_UPLOAD_MB`` is refused while it arrives (:class:`BodyLimit`,
  installed by ``create_app``: a declared ``Content-Length`` over the limit is refused before a
  byte is read, a chunked body as soon as it passes the limit; 413 with
  :func:`too_large_message`), and a file part larger than the limit while it is written here;
- a file whose first bytes are not what the route reads (a PDF, an XLSX or random bytes given to
  a text import) is refused with its kind named (``importers.tabular.content_kind``);
- a file name is only a label: :func:`safe_name` keeps a short printable last component, so
  ``.``, ``..``, 300 characters, slashes or a NUL never reach the file system or the database.

Files are streamed to ``data_dir/uploads/<token>/<name>`` and kept only while needed: a route
calls ``done_with`` once the file's import or restore has an outcome. A file waiting for a
second step (a column mapping, a restore confirmation) stays under its random token until that
form is sent, and is swept after ``UPLOAD_KEEP_S`` if the form is abandoned (as are parts left
by an interrupted upload). A refused or failed upload leaves nothing behind.

Usage (in an ``async`` route)::

    path = await save_upload(request, dosya, accept=TABLE)   # ImportRefused if refused
    ...                                                      # use the file
    done_with(path)
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile

from eczane.importers.tabular import KIND_TR, ImportRefused, content_kind

UPLOAD_KEEP_S = 24 * 3600
"""An upload left waiting for its second step is removed after this long."""
NAME_MAX_BYTES = 150
"""A stored file name's length in UTF-8 bytes (file systems stop at 255)."""
CHUNK = 1 << 20

TEXT = frozenset({"text"})
"""A karekod list or scanner dump: text only."""
TABLE = frozenset({"text", "zip", "ole"})
"""A table: CSV/TXT, XLSX/ODS (zip) or XLS (OLE2); the importer then checks the workbook."""
BACKUP = frozenset({"gzip"})
"""A backup written by ``eczane`` (``.jsonl.gz``)."""

EXPECTED_TR = {TEXT: "bir metin dosyası (.txt/.csv, satır başına bir karekod)",
               TABLE: "bir Excel (.xlsx/.xls) ya da CSV/metin dosyası",
               BACKUP: "eczane'nin verdiği bir yedek dosyası (.jsonl.gz)"}


def max_upload_bytes(settings: Any) -> int:
    return int(settings.max_upload_mb) * 1_000_000


def body_limit(settings: Any) -> int:
    """The largest request body: one file at the limit plus its form's envelope and fields."""
    return max_upload_bytes(settings) + 1_000_000


def too_large_message(settings: Any) -> str:
    return (f"Dosya çok büyük: en fazla {settings.max_upload_mb} MB yüklenebilir "
            "(ECZANE_MAX_UPLOAD_MB ayarı). Hiçbir şey kaydedilmedi.")


class BodyLimit:
    """ASGI middleware: a request body may not exceed ``limit`` bytes.

    The body is cut as it is received, so a 200 MB upload costs at most ``limit`` bytes of
    spooling (Starlette's multipart parser spools parts to anonymous temporary files, gone
    when closed). The refusal is an ``HTTPException(413)`` raised from ``receive``: FastAPI
    re-raises it from its body parsing, and the app's handler answers in Turkish.
    (FastAPI's own ``max_body_size`` answers a plain English "Content Too Large" instead.)
    """

    def __init__(self, app: Any, *, limit: int, message: str) -> None:
        self.app, self.limit, self.message = app, limit, message

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: list[bytes] = []
        chunked = False
        for key, value in scope.get("headers", ()):
            if key == b"content-length":
                declared.append(value)
            elif key == b"transfer-encoding":
                chunked = True
        too_big = any(v.isdigit() and int(v) > self.limit for v in declared)
        if not too_big and not chunked and len(declared) == 1 and declared[0].isdigit():
            # A body framed by its one Content-Length (no Transfer-Encoding, RFC 9112 §6.3):
            # the server (uvicorn: h11 or httptools) reads no more than that, nothing to count.
            await self.app(scope, receive, send)
            return
        total = 0

        async def limited() -> Any:
            nonlocal total
            if too_big:
                raise HTTPException(413, self.message)
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > self.limit:
                    raise HTTPException(413, self.message)
            return message

        await self.app(scope, limited, send)


def safe_name(filename: str | None) -> str:
    r"""A file name safe to store and show: the last path component, printable characters
    only, no leading dots, at most ``NAME_MAX_BYTES`` UTF-8 bytes (the extension kept).

    >>> [safe_name(n) for n in (".", "..", "../../etc/passwd", "a\x00b.txt", "C:\\x\\y.csv", "")]
    ['dosya', 'dosya', 'passwd', 'ab.txt', 'y.csv', 'dosya']
    >>> len(safe_name("ş" * 300 + ".xlsx").encode()), safe_name("ş" * 300 + ".xlsx")[-5:]
    (149, '.xlsx')
    """
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    name = name.strip().lstrip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        stem, dot, ext = name, "", ""
    while len((stem + dot + ext).encode()) > NAME_MAX_BYTES:
        stem = stem[:-1]
    name = (stem.rstrip() + dot + ext) if stem.strip() else ""
    return name or "dosya"


def check_head(name: str, head: bytes, accept: frozenset[str]) -> None:
    """Refuse a file whose first bytes are not a kind the route reads (nothing stored yet)."""
    if not head:
        raise ImportRefused(f"'{name}' boş (0 bayt). Hiçbir şey kaydedilmedi.", code="empty_file")
    kind = content_kind(head)
    if kind not in accept:
        raise ImportRefused(
            f"'{name}' {KIND_TR[kind]}; burada {EXPECTED_TR.get(accept, 'başka bir dosya')} "
            "bekleniyor. Hiçbir şey kaydedilmedi.", code=f"wrong_kind_{kind}")


def uploads_dir(request: Request) -> Path:
    return Path(request.app.state.services.settings.data_dir) / "uploads"


async def save_upload(request: Request, upload: UploadFile, *,
                      accept: frozenset[str] = TABLE) -> Path:
    """Stream the upload into ``uploads/<random token>/<safe name>``, checked and size-capped.

    Raises:
        ImportRefused: too large, empty, or not a kind in ``accept``; nothing is left on disk.
    """
    settings = request.app.state.services.settings
    limit = max_upload_bytes(settings)
    folder = uploads_dir(request)
    folder.mkdir(parents=True, exist_ok=True)
    sweep(folder, time.time() - UPLOAD_KEEP_S)
    name = safe_name(upload.filename)
    token = secrets.token_hex(16)
    tmp = folder / f".part-{token}"
    final_dir = folder / token
    try:
        first = await upload.read(CHUNK)
        check_head(name, first, accept)
        size = 0
        with tmp.open("wb") as out:
            chunk = first
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise ImportRefused(too_large_message(settings), code="too_large")
                out.write(chunk)
                chunk = await upload.read(CHUNK)
        final_dir.mkdir()
        final = final_dir / name
        tmp.replace(final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(final_dir, ignore_errors=True)
        raise
    return final


async def read_upload(request: Request, upload: UploadFile, *,
                      accept: frozenset[str] = TABLE) -> tuple[str, bytes]:
    """(safe name, bytes) of a small upload, with the same limit and content check."""
    settings = request.app.state.services.settings
    limit = max_upload_bytes(settings)
    name = safe_name(upload.filename)
    first = await upload.read(CHUNK)
    check_head(name, first, accept)
    parts, size = [first], len(first)
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise ImportRefused(too_large_message(settings), code="too_large")
        parts.append(chunk)
    return name, b"".join(parts)


def sweep(folder: Path, older_than: float) -> None:
    """Remove uploads (and interrupted parts) last touched before ``older_than`` (epoch s)."""
    for entry in folder.iterdir():
        try:
            if entry.stat().st_mtime >= older_than:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except FileNotFoundError:  # another request swept it first
            continue


def done_with(path: Path) -> None:
    """The upload has an outcome: remove the file and its token folder."""
    shutil.rmtree(path.parent, ignore_errors=True)


def upload_by_token(request: Request, token: str) -> Path:
    """An earlier upload waiting for its second step (the form refers to it by token)."""
    folder = uploads_dir(request)
    if not (len(token) == 32 and all(c in "0123456789abcdef" for c in token)):
        raise HTTPException(404, "Yüklenen dosya bulunamadı.")
    found = sorted((folder / token).glob("*")) if (folder / token).is_dir() else []
    if not found:
        raise HTTPException(404, "Yüklenen dosya bulunamadı; yeniden yükleyin.")
    return found[0]
