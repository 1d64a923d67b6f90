"""İçe aktarma: the İTS stock file (with the column-mapping form for unknown layouts), the drug
catalog (its preview, confirmation and previous version are in ``routes/catalog.py``) and the
pharmacy program's karekod list; each result lists every bad row. A file meant for another box
is refused by name (``importers/kinds.py``).

Who: the İTS stock and the catalog decide what may be deactivated, so only an eczacı imports
them (a kalfa gets 403); anyone of the pharmacy may import an on-hand karekod list. A result of
another pharmacy is 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from eczane.importers.headers import FIELD_LABELS_TR, MappingNeeded
from eczane.importers.tabular import ImportRefused, sha256_file
from eczane.store import catalog as store
from eczane.store import offload
from eczane.store.catalog_versions import list_versions, undoable_version
from eczane.web.auth import check_pharmacy, current_user, require_pharmacist
from eczane.web.render import render
from eczane.web.uploads import done_with, save_upload, upload_by_token

router = APIRouter()
NAV = [("/ithalat", "İçe aktarma")]
ITS_FIELDS = ("gtin", "serial", "expiry", "batch", "product_name", "last_tx_date", "karekod")


def _services(request: Request) -> Any:
    return request.app.state.services


def index_page(request: Request, *, error: str | None = None,
               status_code: int = 200) -> HTMLResponse:
    """The İçe aktarma page, with an error at the top (the backup routes use it too)."""
    user = current_user(request)
    with _services(request).db.connect() as conn:
        ctx = {"snapshots": store.list_snapshots(conn, user.pharmacy_id),
               "onhands": store.list_onhand_imports(conn, user.pharmacy_id),
               "products": store.count_products(conn),
               "flagged": store.list_products(conn, flagged_only=True, limit=50),
               "versions": list_versions(conn, limit=5),
               "undoable": undoable_version(conn) is not None, "error": error}
    return render(request, "imports/index.html", ctx, status_code=status_code)


@router.get("/ithalat", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return index_page(request)


async def _run_import(request: Request, fn: Callable[[Any, offload.ImportJob], offload.Imported],
                      path: Path, name: str, mapping: dict[str, Any] | None = None,
                      accept_mostly_bad: bool = False) -> offload.Imported | Exception:
    """Run an import job: a large file in the import child process (``store/offload.py``: the
    web process keeps answering scans), a small one in the threadpool (off the event loop).
    Returns the outcome, or the exception the answer is made from."""
    user = current_user(request)
    services = _services(request)
    job = offload.ImportJob(pharmacy_id=user.pharmacy_id, user_id=user.id, path=path,
                            source_name=name, today=services.today(), mapping=mapping,
                            accept_mostly_bad=accept_mostly_bad,
                            data_dir=services.settings.data_dir)
    try:
        if offload.use_child(services.settings, path):
            return await offload.run_in_child(services.settings, fn, job)
        return await run_in_threadpool(fn, services.db, job)
    except (ImportRefused, store.MostlyBadRows, offload.ImportInterrupted) as exc:
        return exc


def _interrupted(request: Request, path: Path) -> HTMLResponse:
    done_with(path)
    return index_page(request, error=offload.ImportInterrupted.message, status_code=503)


async def _its_import(request: Request, path: Path, name: str, mapping: dict[str, Any] | None,
                      accept_mostly_bad: bool = False) -> HTMLResponse | RedirectResponse:
    outcome = await _run_import(request, offload.its_stock_job, path, name, mapping,
                                accept_mostly_bad)
    return await run_in_threadpool(_its_answer, request, path, name, mapping, outcome)


def _its_answer(request: Request, path: Path, name: str, mapping: dict[str, Any] | None,
                outcome: offload.Imported | Exception) -> HTMLResponse | RedirectResponse:
    if isinstance(outcome, MappingNeeded):  # the file stays for the mapping form
        exc = outcome
        return render(request, "imports/mapping.html", {
            "token": path.parent.name, "name": name, "exc": exc, "fields": ITS_FIELDS,
            "labels": FIELD_LABELS_TR, "width": max((len(r) for r in exc.preview), default=0)},
            status_code=422)
    if isinstance(outcome, store.MostlyBadRows):  # the file stays for the confirmation form
        return render(request, "imports/its_confirm.html", {
            "token": path.parent.name, "name": name, "exc": outcome, "sha256": sha256_file(path),
            "mapping": json.dumps(mapping or {}, ensure_ascii=False)}, status_code=422)
    if isinstance(outcome, Exception):
        return _failed(request, path, outcome)
    done_with(path)
    suffix = "?tekrar=1" if outcome.already_imported else ""
    return RedirectResponse(f"/ithalat/its/{outcome.id}{suffix}", status_code=303)


@router.post("/ithalat/its/onayla", response_model=None)
async def its_confirm(request: Request) -> HTMLResponse | RedirectResponse:
    """A mostly bad İTS file, confirmed: import exactly the file that was shown."""
    require_pharmacist(request)
    form = await request.form()
    path = upload_by_token(request, str(form.get("token", "")))
    if str(form.get("sha256", "")) != sha256_file(path) or form.get("onay") != "evet":
        return index_page(request, error="Onay bu dosyaya ait değil ya da onay kutusu "
                          "işaretlenmedi; dosyayı yeniden yükleyin.", status_code=422)
    try:
        mapping = json.loads(str(form.get("eslestirme", "") or "{}"))
    except ValueError:
        mapping = None
    mapping = mapping if isinstance(mapping, dict) and mapping else None
    return await _its_import(request, path, path.name, mapping, True)


@router.post("/ithalat/its", response_model=None)
async def its_upload(request: Request, dosya: UploadFile) -> HTMLResponse | RedirectResponse:
    require_pharmacist(request)
    try:
        path = await save_upload(request, dosya)
    except ImportRefused as exc:
        return index_page(request, error=exc.message, status_code=422)
    # the import reads and writes for seconds: off the event loop, so that scans keep flowing
    return await _its_import(request, path, path.name, None)


@router.post("/ithalat/its/eslestir", response_model=None)
async def its_map(request: Request) -> HTMLResponse | RedirectResponse:
    require_pharmacist(request)
    form = await request.form()
    path = upload_by_token(request, str(form.get("token", "")))
    name = path.name
    columns: dict[str, int] = {}
    for fld in ITS_FIELDS:
        raw = str(form.get(f"col_{fld}", "")).strip()
        if raw.isdigit():
            columns[fld] = int(raw)
    header = str(form.get("header_row", "")).strip()
    mapping = {"header_row": int(header) if header.isdigit() else 1, "columns": columns}
    if not (("gtin" in columns and "serial" in columns) or "karekod" in columns):
        return index_page(request, error="Eşleştirmede GTIN ve seri no sütunları (ya da bir karekod "
                      "sütunu) seçilmeli.", status_code=422)
    return await _its_import(request, path, name, mapping)


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
    try:
        path = await save_upload(request, dosya)
    except ImportRefused as exc:
        return index_page(request, error=exc.message, status_code=422)
    outcome = await _run_import(request, offload.onhand_job, path, path.name)
    return await run_in_threadpool(_onhand_answer, request, path, outcome)


def _onhand_answer(request: Request, path: Path,
                   outcome: offload.Imported | Exception) -> HTMLResponse | RedirectResponse:
    if isinstance(outcome, Exception):
        return _failed(request, path, outcome)
    done_with(path)
    return RedirectResponse(f"/ithalat/liste/{outcome.id}", status_code=303)


def _failed(request: Request, path: Path, outcome: Exception) -> HTMLResponse:
    """The page for an import refused (with its reason) or interrupted (try again)."""
    if isinstance(outcome, ImportRefused):
        done_with(path)
        return index_page(request, error=outcome.message, status_code=422)
    return _interrupted(request, path)


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
