"""Stok sayımı pages: sessions, the scan counter, live totals, undo, import and export.

The counter page posts each scan as JSON to ``POST /api/sayim/{id}/scan`` which commits before
it answers; other devices see it through the ``/sayim/{id}/canli`` fragment polled by htmx.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from eczane.domain.count import CountStatus, ScanGroup
from eczane.exports.count import local_time
from eczane.store import count as store
from eczane.store.users import User
from eczane.web.auth import COOKIE, LoginRequired, check_pharmacy, current_user, read_session_cookie
from eczane.web.render import render

router = APIRouter()
NAV = [("/sayim", "Sayım")]
REJECTED_SHOWN = 20
"""Unreadable scans listed on the count page (newest first); the XLSX has them all."""


def _session_for(request: Request, session_id: int) -> tuple[User, store.CountSession]:
    """The logged-in user and a session of their pharmacy (404 otherwise)."""
    user = current_user(request)
    with request.app.state.services.db.connect() as conn:
        session = store.get_session(conn, session_id)
    if session is None:
        raise HTTPException(404, "Sayım bulunamadı.")
    check_pharmacy(user, session.pharmacy_id)
    return user, session


def _live_context(request: Request, session: store.CountSession) -> dict[str, Any]:
    with request.app.state.services.db.connect() as conn:
        recent = store.recent_scans(conn, session.id)
        return {
            "session": store.get_session(conn, session.id),
            "summary": store.summary(conn, session.id),
            "totals": store.totals(conn, session.id, limit=30),
            "recent": recent,
            "names": store.product_names(conn, [s.gtin for s in recent]),
            "rejected": store.rejected_scans(conn, session.id, limit=REJECTED_SHOWN),
            "users": store.user_names(conn, session.pharmacy_id),
            "version": store.version(conn, session.id),
            "its": store.its_comparison_for(conn, session.pharmacy_id,
                                            request.app.state.services.today()),
            "local": local_time,
        }


@router.get("/sayim", response_class=HTMLResponse)
def sessions(request: Request) -> HTMLResponse:
    user = current_user(request)
    with request.app.state.services.db.connect() as conn:
        rows = store.list_sessions(conn, user.pharmacy_id)
    return render(request, "count/index.html", {"rows": rows, "local": local_time})


@router.post("/sayim")
def open_session(request: Request, name: str = Form("")) -> RedirectResponse:
    user = current_user(request)
    with request.app.state.services.db.begin() as conn:
        sid = store.open_session(conn, user.pharmacy_id, user.id, name)
    return RedirectResponse(f"/sayim/{sid}", status_code=303)


@router.get("/sayim/{session_id}", response_class=HTMLResponse)
def count_page(request: Request, session_id: int) -> HTMLResponse:
    _user, session = _session_for(request, session_id)
    ctx = _live_context(request, session)
    return render(request, "count/session.html", ctx | {"groups": list(ScanGroup)})


@router.get("/sayim/{session_id}/canli", response_class=HTMLResponse)
def live(request: Request, session_id: int, v: str = "") -> Response:
    """The live fragment; 204 (nothing to swap) while nothing changed since version ``v``."""
    _user, session = _session_for(request, session_id)
    with request.app.state.services.db.connect() as conn:
        if v and v == store.version(conn, session_id):
            return Response(status_code=204)
    return render(request, "count/_live.html", _live_context(request, session))


@router.get("/sayim/{session_id}/toplamlar", response_class=HTMLResponse)
def all_totals(request: Request, session_id: int) -> HTMLResponse:
    _user, session = _session_for(request, session_id)
    with request.app.state.services.db.connect() as conn:
        rows = store.totals(conn, session_id, by_name=True)
        summ = store.summary(conn, session_id)
    return render(request, "count/totals.html", {"session": session, "totals": rows,
                                                 "summary": summ})


@router.post("/api/sayim/{session_id}/scan")
async def scan(request: Request, session_id: int) -> JSONResponse:
    """Store one scan; answers only after the scan is committed (see ``store.ScanWriter``).

    The cookie is checked here without a database read; the user's existence and pharmacy are
    checked inside the write batch (404 for a session of another pharmacy).
    """
    user_id = _cookie_user_id(request)
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"message": "Geçersiz istek (JSON bekleniyor)."}, status_code=400)
    if not isinstance(body, dict) or not isinstance(body.get("raw"), str):
        return JSONResponse({"message": "Geçersiz istek: raw alanı eksik."}, status_code=400)
    choice = body.get("choice")
    services = request.app.state.services
    future = _writer(services).submit(
        session_id, raw=store.storable(body["raw"]), client_scan_id=str(body.get("client_scan_id") or ""),
        device_id=str(body.get("device_id") or ""), grp=str(body.get("grp") or "raf"),
        user_id=user_id, today=services.today(), choice=choice if isinstance(choice, int) else None)
    try:
        out = await asyncio.wrap_future(future)
    except store.CountError as exc:
        if exc.status == 401:
            raise LoginRequired() from None
        return JSONResponse({"message": exc.message}, status_code=exc.status)
    return JSONResponse(_outcome_json(out), status_code=409 if out.refused else 200)


def _cookie_user_id(request: Request) -> int:
    raw = request.cookies.get(COOKIE)
    uid = read_session_cookie(request.app.state.services.secret_key, raw) if raw else None
    if uid is None:
        raise LoginRequired()
    return uid


_WRITER_LOCK = threading.Lock()


def _writer(services: Any) -> store.ScanWriter:
    """The app's one scan writer, started on first use."""
    with _WRITER_LOCK:
        writer = services.extra.get("count_writer")
        if writer is None:
            writer = services.extra["count_writer"] = store.ScanWriter(services.db)
        return writer  # type: ignore[no-any-return]


def _outcome_json(out: store.ScanOutcome) -> dict[str, Any]:
    v = out.verdict
    k = v.karekod
    return {
        "state": v.state.value, "code": v.code, "message": v.message, "counted": v.counted,
        "notes": [{"code": n.code, "message": n.message} for n in v.notes],
        "product_name": out.product_name or (store.UNKNOWN_PRODUCT if k else ""),
        "gtin": k.gtin if k else None, "serial": k.serial if k else None,
        "expiry": k.expiry.isoformat() if k else None, "batch": k.batch if k else None,
        "scan_id": out.scan.id if out.scan else None, "replayed": out.replayed,
        "stored_rejected": out.rejected,
        "detail": v.detail,
        "candidates": [{"index": i, "label": f"Seri {c.serial} · SKT {c.expiry:%d.%m.%Y} · "
                        f"Parti {c.batch}"} for i, c in enumerate(v.candidates)],
    }


@router.post("/sayim/{session_id}/geri-al/{scan_id}", response_class=HTMLResponse)
def undo(request: Request, session_id: int, scan_id: int) -> HTMLResponse:
    user, session = _session_for(request, session_id)
    try:
        with request.app.state.services.db.begin() as conn:
            store.undo_scan(conn, session, scan_id, user.id)
    except store.CountError as exc:
        raise HTTPException(exc.status, exc.message) from None
    return render(request, "count/_live.html", _live_context(request, session))


@router.post("/sayim/{session_id}/durum")
def change_status(request: Request, session_id: int, status: str = Form(...)) -> RedirectResponse:
    user, session = _session_for(request, session_id)
    try:
        target = CountStatus(status)
        with request.app.state.services.db.begin() as conn:
            store.set_status(conn, session, user.id, target, is_pharmacist=user.is_pharmacist)
    except ValueError:
        raise HTTPException(400, f"Geçersiz durum: {status!r}.") from None
    except store.CountError as exc:
        raise HTTPException(exc.status, exc.message) from None
    return RedirectResponse(f"/sayim/{session_id}", status_code=303)


@router.post("/sayim/{session_id}/ice-aktar", response_class=HTMLResponse)
async def import_file(request: Request, session_id: int, file: UploadFile,
                      grp: str = Form("raf")) -> HTMLResponse:
    data = await file.read()
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_import_sync, request, session_id, data,
                                   file.filename or "dosya", grp)


def _import_sync(request: Request, session_id: int, data: bytes, filename: str,
                 grp: str) -> HTMLResponse:
    user, session = _session_for(request, session_id)
    services = request.app.state.services
    try:
        report = store.import_dump(services.db, session_id, store.decode_dump(data),
                                   grp=grp, user_id=user.id, today=services.today(),
                                   source=f"dosya:{filename}")
    except store.CountError as exc:
        raise HTTPException(exc.status, exc.message) from None
    return render(request, "count/import_result.html",
                  {"session": session, "report": report, "filename": filename})


@router.get("/sayim/{session_id}/sayim.xlsx")
def export_xlsx(request: Request, session_id: int) -> Response:
    _user, session = _session_for(request, session_id)
    from eczane.exports.count import count_xlsx

    with request.app.state.services.db.connect() as conn:
        data = count_xlsx(conn, session)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={
                        "Content-Disposition": f'attachment; filename="sayim-{session_id}.xlsx"'})


@router.get("/sayim/{session_id}/karekodlar.txt")
def export_txt(request: Request, session_id: int, grp: str | None = None,
               fmt: str = "gs") -> Response:
    _user, session = _session_for(request, session_id)
    from eczane.exports.count import FORMATS, karekod_list

    if fmt not in FORMATS:
        raise HTTPException(400, f"Bilinmeyen biçim: {fmt!r}.")
    with request.app.state.services.db.connect() as conn:
        text = karekod_list(conn, session_id, grp=grp, fmt=fmt)
    return Response(text, media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="sayim-{session_id}-karekodlar.txt"'})
