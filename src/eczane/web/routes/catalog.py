"""İlaç kataloğu on the İçe aktarma page: upload → preview → confirm, and the previous version.

Issue 14 finding 1: a catalog file decides which packs may be deactivated, so nothing is written
on upload. The upload is read (a file of another import is refused by name,
``importers/kinds.py``) and compared with the catalog: the page lists added, changed and removed
products field by field, with the colour-class downgrades first. "Kataloğa yaz" sends the upload's
token, its SHA-256 and the plan's digest, so only that file and that change are written; a
downgrade, a cleared value or a mostly bad file also needs the confirmation box ticked. "Önceki
sürüme dön" shows what restoring the catalog before the latest import would change and asks the
same way. Only an eczacı does either (a kalfa gets 403).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from eczane.importers.catalog import read_catalog
from eczane.importers.tabular import ImportRefused, sha256_file
from eczane.store.catalog_versions import (
    StalePreview,
    apply_import,
    plan_import,
    plan_restore,
    restore_previous,
)
from eczane.web.auth import require_pharmacist
from eczane.web.render import render
from eczane.web.routes.imports import index_page
from eczane.web.uploads import done_with, save_upload, upload_by_token

router = APIRouter()
SHOWN = 200
"""Products listed per table of a preview (the counts are always whole)."""


def _db(request: Request) -> Any:
    return request.app.state.services.db


@router.post("/ithalat/katalog", response_class=HTMLResponse)
async def catalog_upload(request: Request, dosya: UploadFile) -> HTMLResponse:
    """Step 1: read the file and show what it would change (nothing is written)."""
    require_pharmacist(request)
    try:
        path = await save_upload(request, dosya)
    except ImportRefused as exc:
        return index_page(request, error=exc.message, status_code=422)
    return await run_in_threadpool(_preview, request, path, None)


def _preview(request: Request, path: Path, error: str | None) -> HTMLResponse:
    try:
        f = read_catalog(path)
    except ImportRefused as exc:
        done_with(path)
        return index_page(request, error=exc.message, status_code=422)
    with _db(request).connect() as conn:
        p = plan_import(conn, f)
    if not p.changes:
        done_with(path)
    return render(request, "imports/catalog_preview.html", {
        "f": f, "p": p, "name": path.name, "token": path.parent.name, "shown": SHOWN,
        "error": error}, status_code=422 if error else 200)


@router.post("/ithalat/katalog/onayla", response_class=HTMLResponse)
def catalog_confirm(request: Request, token: str = Form(""), sha256: str = Form(""),
                    ozet: str = Form(""), onay: str = Form("")) -> HTMLResponse:
    """Step 2: write exactly the previewed change of exactly the previewed file."""
    user = require_pharmacist(request)
    path = upload_by_token(request, token)
    if sha256_file(path) != sha256:
        return _preview(request, path, "Bu önizleme başka bir dosyaya ait; aşağıdaki dosyanın "
                                       "değişikliklerini gözden geçirip yeniden onaylayın.")
    try:
        f = read_catalog(path)
        with _db(request).begin() as conn:
            version = apply_import(conn, f, expected_digest=ozet, confirmed=onay == "evet",
                                   pharmacy_id=user.pharmacy_id, user_id=user.id,
                                   source=path.name)
    except ImportRefused as exc:
        done_with(path)
        return index_page(request, error=exc.message, status_code=422)
    except StalePreview as exc:
        return _preview(request, path, exc.message)
    done_with(path)
    return render(request, "imports/catalog.html", {"v": version, "f": f})


@router.get("/ithalat/katalog/onceki", response_class=HTMLResponse)
def restore_preview(request: Request) -> HTMLResponse:
    """What restoring the catalog before the latest import would change."""
    require_pharmacist(request)
    return _restore_page(request, None)


def _restore_page(request: Request, error: str | None) -> HTMLResponse:
    with _db(request).connect() as conn:
        planned = plan_restore(conn)
    v, p = planned if planned else (None, None)
    return render(request, "imports/catalog_restore.html", {
        "v": v, "p": p, "shown": SHOWN, "error": error}, status_code=422 if error else 200)


@router.post("/ithalat/katalog/onceki", response_class=HTMLResponse)
def restore_confirm(request: Request, ozet: str = Form(""), onay: str = Form("")) -> HTMLResponse:
    """Restore the previous version, if it is still the change that was shown."""
    user = require_pharmacist(request)
    try:
        with _db(request).begin() as conn:
            v = restore_previous(conn, expected_digest=ozet, confirmed=onay == "evet",
                                 pharmacy_id=user.pharmacy_id, user_id=user.id)
    except StalePreview as exc:
        return _restore_page(request, exc.message)
    return render(request, "imports/catalog_restore.html", {"restored": v, "v": None, "p": None})
