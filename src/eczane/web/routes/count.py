"""Stok sayımı pages: sessions, the scan counter, live totals, undo, import and export.

The counter page posts each scan as JSON to ``POST /api/sayim/{id}/scan`` which commits before
it answers; other devices see it through the ``/sayim/{id}/canli`` fragment polled by htmx.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.concurrency import run_in_threadpool

from eczane.domain.count import CountStatus, ScanGroup
from eczane.exports.count import local_time
from eczane.store import count as store
from eczane.store.users import User
from eczane.web.auth import (
    LoginRequired,
    check_pharmacy,
    current_user,
)
from eczane.web.malformed import scan_json
from eczane.web.render import render

router = APIRouter()
NAV = [("/sayim", "Sayım")]
REJECTED_SHOWN = 20
"""Unreadable scans listed on the count page (newest first); the XLSX has them all."""


def session_for(request: Request, session_id: int) -> tuple[User, store.CountSession]:
    """The logged-in user and a session of their pharmacy (404 otherwise); the count pages and
    the okuyucu testi pages share it."""
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
            "import_rejects": store.import_rejects(conn, session.id),
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
    _user, session = session_for(request, session_id)
    ctx = _live_context(request, session)
    return render(request, "count/session.html", ctx | {"groups": list(ScanGroup),
                                                        **_scanner_checks(request, session)})


def _scanner_checks(request: Request, session: store.CountSession) -> dict[str, Any]:
    """The session's scanner checks (okuyucu testi), for the count page."""
    from eczane.domain.scanner_check import code_labels
    from eczane.store.scanner_check import checks_for_session

    with request.app.state.services.db.connect() as conn:
        return {"checks": checks_for_session(conn, session.pharmacy_id, session.id),
                "short": code_labels}


@router.get("/sayim/{session_id}/canli", response_class=HTMLResponse)
def live(request: Request, session_id: int, v: str = "") -> Response:
    """The live fragment; 204 (nothing to swap) while nothing changed since version ``v``."""
    _user, session = session_for(request, session_id)
    with request.app.state.services.db.connect() as conn:
        if v and v == store.version(conn, session_id):
            return Response(status_code=204)
    return render(request, "count/_live.html", _live_context(request, session))


@router.get("/sayim/{session_id}/toplamlar", response_class=HTMLResponse)
def all_totals(request: Request, session_id: int) -> HTMLResponse:
    _user, session = session_for(request, session_id)
    with request.app.state.services.db.connect() as conn:
        rows = store.totals(conn, session_id, by_name=True)
        summ = store.summary(conn, session_id)
    return render(request, "count/totals.html", {"session": session, "totals": rows,
                                                 "summary": summ})


@router.post("/api/sayim/{session_id}/scan")
async def scan(request: Request, session_id: int) -> JSONResponse:
    """Store one scan; answers only after the scan is committed (see ``store.ScanWriter``).

    The one guard has already read the login session (``auth.login_user``); the pharmacy is
    checked inside the write batch (404 for a session of another pharmacy).
    """
    user_id = current_user(request).id
    body = await scan_json(request)
    if isinstance(body, JSONResponse):
        return body
    choice = body.get("choice")
    services = request.app.state.services
    future = _writer(services).submit_async(
        session_id, raw=store.storable(body["raw"]), client_scan_id=str(body.get("client_scan_id") or ""),
        device_id=str(body.get("device_id") or ""), grp=str(body.get("grp") or "raf"),
        user_id=user_id, today=services.today(), choice=choice if isinstance(choice, int) else None)
    try:
        out = await future
    except store.CountError as exc:
        if exc.status == 401:
            raise LoginRequired() from None
        return JSONResponse({"message": exc.message}, status_code=exc.status)
    return JSONResponse(_outcome_json(out), status_code=409 if out.refused else 200)


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
    user, session = session_for(request, session_id)
    try:
        with request.app.state.services.db.begin() as conn:
            store.undo_scan(conn, session, scan_id, user.id)
    except store.CountError as exc:
        raise HTTPException(exc.status, exc.message) from None
    return render(request, "count/_live.html", _live_context(request, session))


@router.post("/sayim/{session_id}/durum")
def change_status(request: Request, session_id: int, status: str = Form(...)) -> RedirectResponse:
    user, session = session_for(request, session_id)
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
    """A scanner's memory dump: text only (a PDF or XLSX is refused before anything is stored,
    as is a file where most lines are not karekods — ``store.import_dump``)."""

    from eczane.importers.tabular import ImportRefused
    from eczane.web.uploads import TEXT, read_upload

    try:
        filename, data = await read_upload(request, file, accept=TEXT)
    except ImportRefused as exc:
        return await run_in_threadpool(_import_refused, request, session_id, exc.message)
    return await run_in_threadpool(_import_sync, request, session_id, data, filename, grp)


def _import_refused(request: Request, session_id: int, message: str) -> HTMLResponse:
    """The count page again, the refusal above the import form (422; nothing was stored)."""
    _user, session = session_for(request, session_id)
    return render(request, "count/session.html", _live_context(request, session) | {
        "groups": list(ScanGroup), "import_error": message}, status_code=422)


def _import_sync(request: Request, session_id: int, data: bytes, filename: str,
                 grp: str) -> HTMLResponse:
    from eczane.importers.kinds import WrongFileKind, check_lines_kind

    user, session = session_for(request, session_id)
    services = request.app.state.services
    lines = store.decode_dump(data, filename)
    try:
        check_lines_kind(lines, "karekod_list")  # the catalog or the İTS list: named, not stored
        report = store.import_dump(services.db, session_id, lines,
                                   grp=grp, user_id=user.id, today=services.today(),
                                   source=f"dosya:{filename}")
    except WrongFileKind as exc:
        return _import_refused(request, session_id, exc.message)
    except store.CountError as exc:
        if exc.status == 422:   # not a karekod list: nothing stored
            return _import_refused(request, session_id, exc.message)
        raise HTTPException(exc.status, exc.message) from None
    return render(request, "count/import_result.html",
                  {"session": session, "report": report, "filename": filename})


@router.post("/sayim/{session_id}/okunamayan-temizle")
def clear_import_rejects(request: Request, session_id: int,
                         dosya: str = Form(...)) -> RedirectResponse:
    """Clear the unreadable lines one file import left (issue 14 finding 5); eczacı only."""
    user, session = session_for(request, session_id)
    if not user.is_pharmacist:
        raise HTTPException(403, "Okunamayan satırları yalnızca eczacı temizleyebilir.")
    try:
        with request.app.state.services.db.begin() as conn:
            store.clear_import_rejects(conn, session, dosya, user.id)
    except store.CountError as exc:
        raise HTTPException(exc.status, exc.message) from None
    return RedirectResponse(f"/sayim/{session_id}", status_code=303)


@router.get("/sayim/{session_id}/sayim.xlsx")
def export_xlsx(request: Request, session_id: int) -> Response:
    """The count's workbook, written to a temporary file (bounded memory whatever the count)
    and sent from it; the file is removed once sent."""
    import os
    import tempfile

    from starlette.background import BackgroundTask

    from eczane.exports.count import write_count_xlsx

    _user, session = session_for(request, session_id)
    fd, tmp = tempfile.mkstemp(prefix="sayim-", suffix=".xlsx")
    try:
        with os.fdopen(fd, "wb") as out, request.app.state.services.db.connect() as conn:
            write_count_xlsx(out, conn, session)
    except BaseException:
        os.unlink(tmp)
        raise
    return FileResponse(tmp, media_type="application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet", filename=f"sayim-{session_id}.xlsx",
                        background=BackgroundTask(os.unlink, tmp))


@router.get("/sayim/{session_id}/karekodlar.txt")
def export_txt(request: Request, session_id: int, grp: str | None = None,
               fmt: str = "gs") -> Response:
    """Every pack on hand, one karekod per line, streamed as it is read from the database."""
    _user, session = session_for(request, session_id)
    from eczane.exports.count import FORMATS, karekod_lines

    if fmt not in FORMATS:
        raise HTTPException(400, f"Bilinmeyen biçim: {fmt!r}.")
    db = request.app.state.services.db

    def chunks() -> Iterator[bytes]:
        with db.connect() as conn:
            for text in karekod_lines(conn, session_id, grp=grp, fmt=fmt):
                yield text.encode()

    return StreamingResponse(chunks(), media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="sayim-{session_id}-karekodlar.txt"'})
