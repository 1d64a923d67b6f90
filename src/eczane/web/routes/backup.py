"""Yedek: download a backup of the whole pharmacy, and restore one (İçe aktarma page).

Seed 000 step 3: back up before the stock reset. Restoring replaces everything entered since
the backup, so it takes two steps: upload the file (checked whole, shown with its time and row
counts), then type the phrase that names the backup (``store.backup.restore_phrase``). Only an
eczacı does either (a kalfa gets 403); a backup of another pharmacy is refused. The rules of
what a restore keeps and refuses (the audit log, İTS notifications) are in ``store/backup.py``.

A backup is authenticated (``store/backup_auth.py``): by this installation's secret key, or by a
passphrase typed when downloading it (to restore on another machine). The passphrase is asked
with the file in step 1; between the steps only the key stretched from it is kept, next to the
uploaded file. The confirmation page lists every change in who can log in (accounts added,
removed, role or password changed), compared to now.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from eczane.importers.tabular import ImportRefused
from eczane.store.backup import (
    BackupError,
    BackupSecret,
    account_changes,
    backup_time,
    read_manifest,
    restore_backup,
    restore_phrase,
    write_backup,
)
from eczane.web.auth import require_pharmacist
from eczane.web.render import render
from eczane.web.routes.imports import index_page
from eczane.web.uploads import BACKUP, done_with, save_upload, upload_by_token

router = APIRouter()

SHOWN_TABLES = (("its_stock_pack", "İTS stok listesi kutusu"),
                ("count_scan", "sayım okutması"),
                ("submission_pack", "İTS bildirimindeki kutu"),
                ("audit_log", "denetim kaydı"),
                ("app_user", "kullanıcı"))
"""What the confirmation page lists of a backup, in the pharmacist's words."""


def _key_file(path: Path) -> Path:
    """Beside an upload's token folder: its MAC key once the passphrase opened it (never the
    passphrase itself); swept with the uploads, removed when the restore ends."""
    return path.parent.parent / f".{path.parent.name}.yedek-anahtari"


@router.post("/ithalat/yedek", response_model=None)
def backup_download(request: Request, parola: str = Form(""),
                    parola2: str = Form("")) -> FileResponse | HTMLResponse:
    """The whole pharmacy in one file (written under data_dir/backups too), protected by the
    installation's key, or by the passphrase typed twice."""
    user = require_pharmacist(request)
    services = request.app.state.services
    if parola != parola2:
        return index_page(request, error="Yedek parolası ile tekrarı aynı değil; yedek alınmadı.",
                          status_code=422)
    name = f"eczane-{user.pharmacy_id}-{datetime.now():%Y%m%d-%H%M%S}.jsonl.gz"
    path = Path(services.settings.data_dir) / "backups" / name
    try:
        with services.db.begin() as conn:
            write_backup(conn, user.pharmacy_id, path,
                         BackupSecret(services.secret_key, parola or None), user_id=user.id)
    except BackupError as exc:
        return index_page(request, error=exc.message, status_code=422)
    return FileResponse(path, media_type="application/gzip", filename=name)


@router.post("/ithalat/geri-yukle", response_class=HTMLResponse)
async def restore_upload(request: Request, dosya: UploadFile,
                         parola: str = Form("")) -> HTMLResponse:
    """Step 1: check the uploaded backup whole (with its passphrase) and show what it holds."""
    require_pharmacist(request)
    try:
        path = await save_upload(request, dosya, accept=BACKUP)
    except ImportRefused as exc:
        return index_page(request, error=exc.message, status_code=422)
    return await run_in_threadpool(_first_check, request, path, parola)


def _first_check(request: Request, path: Path, passphrase: str) -> HTMLResponse:
    secret = BackupSecret(request.app.state.services.secret_key, passphrase or None)
    manifest = _checked_manifest(request, path, secret)
    if isinstance(manifest, HTMLResponse):
        return manifest
    unlocked = secret.unlocked(manifest["auth"])
    if unlocked.derived is not None:
        key = _key_file(path)
        key.write_text(unlocked.derived.hex())
        key.chmod(0o600)
    return _confirm_page(request, path, None)


def _secret(request: Request, path: Path) -> BackupSecret:
    """The secret for an upload in step 2: the installation key, plus the stretched passphrase."""
    key = _key_file(path)
    derived = bytes.fromhex(key.read_text()) if key.exists() else None
    return BackupSecret(request.app.state.services.secret_key, derived=derived)


@router.post("/ithalat/geri-yukle/onayla", response_class=HTMLResponse)
def restore_confirm(request: Request, token: str = Form(""), onay: str = Form("")) -> HTMLResponse:
    """Step 2: the typed phrase names the backup; then restore in one transaction."""
    user = require_pharmacist(request)
    path = upload_by_token(request, token)
    secret = _secret(request, path)
    manifest = _checked_manifest(request, path, secret)
    if isinstance(manifest, HTMLResponse):
        return manifest
    expected = restore_phrase(manifest)
    if onay.strip() != expected:
        return _confirm_page(request, path, f"Onay metni tutmuyor: tam olarak “{expected}” yazın.")
    try:
        with request.app.state.services.db.begin() as conn:
            info = restore_backup(conn, path, secret, user_id=user.id,
                                  pharmacy_id=user.pharmacy_id)
    except BackupError as exc:
        return index_page(request, error=exc.message, status_code=422)
    finally:
        done_with(path)
        _key_file(path).unlink(missing_ok=True)
    return render(request, "imports/restored.html", {
        "when": backup_time(manifest), "rows": info.rows, "name": path.name})


def _checked_manifest(request: Request, path: Path,
                      secret: BackupSecret) -> dict[str, Any] | HTMLResponse:
    """The backup's manifest once the whole file is verified and it is this pharmacy's."""
    user = require_pharmacist(request)
    try:
        manifest = read_manifest(path, secret)
    except BackupError as exc:
        done_with(path)
        return index_page(request, error=exc.message, status_code=422)
    if int(manifest["pharmacy_id"]) != user.pharmacy_id:
        done_with(path)
        return index_page(request, error=(
            f"Bu yedek başka bir eczanenin ({manifest['pharmacy_id']} numaralı); bu eczaneye geri "
            "yüklenemez."), status_code=422)
    return manifest


def _confirm_page(request: Request, path: Path, error: str | None) -> HTMLResponse:
    manifest = _checked_manifest(request, path, _secret(request, path))
    if isinstance(manifest, HTMLResponse):
        return manifest
    with request.app.state.services.db.connect() as conn:
        accounts = account_changes(conn, path, manifest)
    counts = manifest.get("tables", {})
    return render(request, "imports/restore.html", {
        "token": path.parent.name, "name": path.name, "when": backup_time(manifest),
        "shown": [(label, int(counts.get(t, 0))) for t, label in SHOWN_TABLES],
        "phrase": restore_phrase(manifest), "error": error, "accounts": accounts,
        "protected": manifest["auth"]["kind"]},
        status_code=422 if error else 200)
