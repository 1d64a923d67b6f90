"""İçe aktarma: the İTS stock file (with the column-mapping form for unknown layouts), the drug
catalog and the pharmacy program's karekod list; each result lists every bad row.

Who: the İTS stock and the catalog decide what may be deactivated, so only an eczacı imports
them (a kalfa gets 403); anyone of the pharmacy may import an on-hand karekod list. A result of
another pharmacy is 404.
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from eczane.importers.headers import FIELD_LABELS_TR, MappingNeeded
from eczane.importers.tabular import ImportRefused
from eczane.store import catalog as store
from eczane.web.auth import check_pharmacy, current_user, require_pharmacist
from eczane.web.render import render

router = APIRouter()
NAV = [("/ithalat", "İçe aktarma")]
MAX_UPLOAD = 300_000_000
UPLOAD_KEEP_S = 24 * 3600
"""An upload left waiting for a column mapping is removed after this long."""
ITS_FIELDS = ("gtin", "serial", "expiry", "batch", "product_name", "last_tx_date", "karekod")


def _services(request: Request) -> Any:
    return request.app.state.services


def _index(request: Request, *, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    user = current_user(request)
    with _services(request).db.connect() as conn:
        ctx = {"snapshots": store.list_snapshots(conn, user.pharmacy_id),
               "onhands": store.list_onhand_imports(conn, user.pharmacy_id),
               "products": store.count_products(conn),
               "flagged": store.list_products(conn, flagged_only=True, limit=50),
               "error": error}
    return render(request, "imports/index.html", ctx, status_code=status_code)


async def _save_upload(request: Request, upload: UploadFile) -> Path:
    """Stream the upload into data_dir/uploads/<random token>/<its name> (size-capped).

    An upload is kept only while it is needed: ``_done_with`` removes it once its import has
    landed or been refused; one waiting for a column mapping stays until the mapping form is
    sent, and is swept after ``UPLOAD_KEEP_S`` if the form is abandoned (as are parts left by
    an interrupted upload). The files hold the pharmacy's whole stock: no copy lingers.
    """
    folder = _uploads(request)
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder, time.time() - UPLOAD_KEEP_S)
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


def _uploads(request: Request) -> Path:
    return Path(_services(request).settings.data_dir) / "uploads"


def _sweep(folder: Path, older_than: float) -> None:
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


def _done_with(path: Path) -> None:
    """The upload's import has an outcome: remove the file and its token folder."""
    shutil.rmtree(path.parent, ignore_errors=True)


def _upload_by_token(request: Request, token: str) -> Path:
    """An earlier upload waiting for its column mapping (the mapping form refers to it)."""
    folder = _uploads(request)
    if not (len(token) == 32 and all(c in "0123456789abcdef" for c in token)):
        raise HTTPException(404, "Yüklenen dosya bulunamadı.")
    found = sorted((folder / token).glob("*")) if (folder / token).is_dir() else []
    if not found:
        raise HTTPException(404, "Yüklenen dosya bulunamadı; yeniden yükleyin.")
    return found[0]


@router.get("/ithalat", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return _index(request)


def _run_its_import(request: Request, path: Path, name: str,
                    mapping: dict[str, Any] | None) -> HTMLResponse | RedirectResponse:
    user = current_user(request)
    services = _services(request)
    try:
        with services.db.begin() as conn:
            summary = store.import_its_stock(conn, user.pharmacy_id, path, today=services.today(),
                                             user_id=user.id, mapping=mapping, source_name=name)
    except MappingNeeded as exc:  # the file stays for the mapping form
        return render(request, "imports/mapping.html", {
            "token": path.parent.name, "name": name, "exc": exc, "fields": ITS_FIELDS,
            "labels": FIELD_LABELS_TR, "width": max((len(r) for r in exc.preview), default=0)},
            status_code=422)
    except ImportRefused as exc:
        _done_with(path)
        return _index(request, error=exc.message, status_code=422)
    _done_with(path)
    suffix = "?tekrar=1" if summary.already_imported else ""
    return RedirectResponse(f"/ithalat/its/{summary.id}{suffix}", status_code=303)


@router.post("/ithalat/its", response_model=None)
async def its_upload(request: Request, dosya: UploadFile) -> HTMLResponse | RedirectResponse:
    require_pharmacist(request)
    try:
        path = await _save_upload(request, dosya)
    except ImportRefused as exc:
        return _index(request, error=exc.message, status_code=422)
    # the import reads and writes for seconds: off the event loop, so that scans keep flowing
    return await run_in_threadpool(_run_its_import, request, path,
                                   Path(dosya.filename or path.name).name, None)


@router.post("/ithalat/its/eslestir", response_model=None)
async def its_map(request: Request) -> HTMLResponse | RedirectResponse:
    require_pharmacist(request)
    form = await request.form()
    path = _upload_by_token(request, str(form.get("token", "")))
    name = path.name
    columns: dict[str, int] = {}
    for fld in ITS_FIELDS:
        raw = str(form.get(f"col_{fld}", "")).strip()
        if raw.isdigit():
            columns[fld] = int(raw)
    header = str(form.get("header_row", "")).strip()
    mapping = {"header_row": int(header) if header.isdigit() else 1, "columns": columns}
    if not (("gtin" in columns and "serial" in columns) or "karekod" in columns):
        return _index(request, error="Eşleştirmede GTIN ve seri no sütunları (ya da bir karekod "
                      "sütunu) seçilmeli.", status_code=422)
    return await run_in_threadpool(_run_its_import, request, path, name, mapping)


@router.get("/ithalat/its/{snapshot_id}", response_class=HTMLResponse)
def its_result(request: Request, snapshot_id: int, tekrar: int = 0) -> HTMLResponse:
    user = current_user(request)
    with _services(request).db.connect() as conn:
        row = store.get_snapshot(conn, snapshot_id)
    if row is None:
        raise HTTPException(404, "Bulunamadı.")
    check_pharmacy(user, row.pharmacy_id)
    return render(request, "imports/result.html", {
        "title": "İTS stok listesi", "s": store.snapshot_summary(row, already=bool(tekrar)),
        "labels": FIELD_LABELS_TR})


@router.post("/ithalat/liste", response_model=None)
async def onhand_upload(request: Request, dosya: UploadFile) -> HTMLResponse | RedirectResponse:
    user = current_user(request)
    services = _services(request)
    try:
        path = await _save_upload(request, dosya)
    except ImportRefused as exc:
        return _index(request, error=exc.message, status_code=422)

    def run() -> HTMLResponse | RedirectResponse:
        try:
            with services.db.begin() as conn:
                summary = store.import_onhand(conn, user.pharmacy_id, path,
                                              today=services.today(), user_id=user.id,
                                              source_name=Path(dosya.filename or path.name).name)
        except ImportRefused as exc:
            return _index(request, error=exc.message, status_code=422)
        finally:
            _done_with(path)
        return RedirectResponse(f"/ithalat/liste/{summary.id}", status_code=303)

    return await run_in_threadpool(run)


@router.get("/ithalat/liste/{import_id}", response_class=HTMLResponse)
def onhand_result(request: Request, import_id: int) -> HTMLResponse:
    user = current_user(request)
    with _services(request).db.connect() as conn:
        row = store.get_onhand_import(conn, import_id)
    if row is None:
        raise HTTPException(404, "Bulunamadı.")
    check_pharmacy(user, row.pharmacy_id)
    return render(request, "imports/result.html", {
        "title": "Karekod listesi", "s": store.onhand_summary(row), "labels": FIELD_LABELS_TR})


@router.post("/ithalat/katalog", response_model=None)
async def catalog_upload(request: Request, dosya: UploadFile) -> HTMLResponse:
    require_pharmacist(request)
    try:
        path = await _save_upload(request, dosya)
    except ImportRefused as exc:
        return _index(request, error=exc.message, status_code=422)
    return await run_in_threadpool(_run_catalog_import, request, path)


def _run_catalog_import(request: Request, path: Path) -> HTMLResponse:
    from eczane.importers.catalog import read_catalog
    from eczane.store.audit import append_event

    try:
        f = read_catalog(path)
    except ImportRefused as exc:
        return _index(request, error=exc.message, status_code=422)
    finally:
        _done_with(path)
    user = current_user(request)
    with _services(request).db.begin() as conn:
        n = store.upsert_products(conn, f.products, path.name)
        append_event(conn, user.pharmacy_id, user.id, "imports.catalog", {
            "source_name": path.name, "sha256": f.sha256, "products": n,
            "issues": len(f.issues)})
    return render(request, "imports/catalog.html", {"n": n, "f": f})


@router.post("/ithalat/yedek")
def backup_download(request: Request) -> FileResponse:
    """Seed 000 step 3: back up before the stock reset — the whole pharmacy in one file."""
    from datetime import datetime

    from eczane.store.backup import write_backup

    user = require_pharmacist(request)
    services = _services(request)
    name = f"eczane-{user.pharmacy_id}-{datetime.now():%Y%m%d-%H%M%S}.jsonl.gz"
    path = Path(services.settings.data_dir) / "backups" / name
    with services.db.begin() as conn:
        write_backup(conn, user.pharmacy_id, path, user_id=user.id)
    return FileResponse(path, media_type="application/gzip", filename=name)
