"""Uploaded files: streamed to ``data_dir/uploads/<token>/<name>``, kept only while needed.

An upload holds the pharmacy's whole stock (or a whole backup), so no copy lingers: a route
calls ``done_with`` once the file's import or restore has an outcome. A file waiting for a
second step (a column mapping, a restore confirmation) stays under its random token until that
form is sent, and is swept after ``UPLOAD_KEEP_S`` if the form is abandoned (as are parts left
by an interrupted upload).

Usage (in an ``async`` route)::

    path = await save_upload(request, dosya)           # ImportRefused if too large
    ...                                                # use the file
    done_with(path)
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path

from fastapi import HTTPException, Request, UploadFile

from eczane.importers.tabular import ImportRefused

MAX_UPLOAD = 300_000_000
UPLOAD_KEEP_S = 24 * 3600
"""An upload left waiting for its second step is removed after this long."""


def uploads_dir(request: Request) -> Path:
    return Path(request.app.state.services.settings.data_dir) / "uploads"


async def save_upload(request: Request, upload: UploadFile) -> Path:
    """Stream the upload into ``uploads/<random token>/<its name>`` (size-capped)."""
    folder = uploads_dir(request)
    folder.mkdir(parents=True, exist_ok=True)
    sweep(folder, time.time() - UPLOAD_KEEP_S)
    name = Path(upload.filename or "dosya").name
    token = secrets.token_hex(16)
    tmp = folder / f".part-{token}"
    size = 0
    with tmp.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD:
                out.close()
                tmp.unlink(missing_ok=True)
                raise ImportRefused(f"'{name}' çok büyük (sınır {MAX_UPLOAD // 1_000_000} MB).",
                                    code="too_large")
            out.write(chunk)
    final_dir = folder / token
    final_dir.mkdir()
    final = final_dir / (name if name and not name.startswith(".") else "dosya")
    shutil.move(tmp, final)
    return final


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
