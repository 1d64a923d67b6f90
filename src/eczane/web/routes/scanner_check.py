"""Okuyucu testi: the printable test sheet, the check page, and its two JSON endpoints.

The pharmacist prints the sheet (PDF), then scans its labels in order on the check page; each
read is diagnosed at once (``POST /api/sayim/{id}/okuyucu-testi/okuma``, nothing stored), and
the finished check is stored with the count session (``POST /api/sayim/{id}/okuyucu-testi``).
The server diagnoses every read itself (:mod:`eczane.domain.scanner_check`); the page only
sends what arrived, how it ended and the time between characters.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from eczane.domain import scanner_check as check
from eczane.store import count as count_store
from eczane.store import scanner_check as store
from eczane.web.render import render
from eczane.web.routes.count import session_for

router = APIRouter()
MAX_READS = 20
MAX_INTERVALS = 200


@router.get("/sayim/{session_id}/okuyucu-testi", response_class=HTMLResponse)
def check_page(request: Request, session_id: int) -> HTMLResponse:
    _user, session = session_for(request, session_id)
    with request.app.state.services.db.connect() as conn:
        checks = store.checks_for_session(conn, session.pharmacy_id, session_id)
        users = count_store.user_names(conn, session.pharmacy_id)
    return render(request, "count/scanner_check.html", {
        "session": session, "labels": check.TEST_LABELS, "checks": checks, "users": users,
        "short": check.code_labels})


@router.get("/sayim/{session_id}/okuyucu-testi.pdf")
async def sheet_pdf(request: Request, session_id: int) -> Response:
    """The test sheet: the labels' DataMatrix images in HTML, printed by Chromium."""
    from eczane.exports.report import html_to_pdf

    session_for(request, session_id)
    html = request.app.state.services.templates.get_template("count/scanner_sheet.html").render(
        labels=[(lb, _png_data_uri(lb)) for lb in check.TEST_LABELS])
    pdf = await run_in_threadpool(
        html_to_pdf, html, executable_path=request.app.state.services.settings.chromium)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="okuyucu-testi.pdf"'})


def _png_data_uri(label: check.TestLabel) -> str:
    from eczane.karekod_image import render as render_karekod

    buf = io.BytesIO()
    render_karekod(label.karekod, module_px=10, caption=False).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@router.post("/api/sayim/{session_id}/okuyucu-testi/okuma")
async def diagnose(request: Request, session_id: int) -> JSONResponse:
    """Diagnose one read of one label (nothing is stored)."""
    await run_in_threadpool(session_for, request, session_id)
    body = await _json(request)
    number, read = _read(body)
    diagnosis = check.diagnose_read(check.TEST_LABELS[number - 1], read)
    return JSONResponse({"label": number, "ok": diagnosis.ok, "retry": diagnosis.retry,
                         "symptoms": [_symptom(s) for s in diagnosis.symptoms]})


@router.post("/api/sayim/{session_id}/okuyucu-testi")
async def finish(request: Request, session_id: int) -> JSONResponse:
    """Diagnose every read again, summarise, and store the check with the count session."""
    user, session = await run_in_threadpool(session_for, request, session_id)
    body = await _json(request)
    reads = body.get("reads")
    if not isinstance(reads, list) or not 0 < len(reads) <= MAX_READS:
        raise HTTPException(400, "Geçersiz istek: okumalar (reads) eksik.")
    parsed = [_read(r) for r in reads]
    diagnosed = [(r, check.diagnose_read(check.TEST_LABELS[n - 1], r)) for n, r in parsed]
    result = check.summarize([(r, d) for r, d in diagnosed if not d.retry])
    with request.app.state.services.db.begin() as conn:
        store.record_check(conn, pharmacy_id=session.pharmacy_id, session_id=session_id,
                           device_id=str(body.get("device_id") or ""), user_id=user.id,
                           result=result)
    return JSONResponse({"passed": result.passed, "codes": list(result.codes),
                         "advice": [_symptom(s) for s in result.advice]})


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "Geçersiz istek (JSON bekleniyor).") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "Geçersiz istek (JSON nesnesi bekleniyor).")
    return body


def _read(body: Any) -> tuple[int, check.ScanRead]:
    """A read from JSON: ``label`` (1…4), ``raw``, ``ended_by``, ``intervals_ms``; else 400."""
    if not isinstance(body, dict):
        raise HTTPException(400, "Geçersiz okuma.")
    number, raw, intervals = body.get("label"), body.get("raw"), body.get("intervals_ms") or []
    if not isinstance(number, int) or not 1 <= number <= len(check.TEST_LABELS):
        raise HTTPException(400, "Geçersiz etiket numarası.")
    if not isinstance(raw, str) or len(raw) > 1000:
        raise HTTPException(400, "Geçersiz okuma: raw alanı eksik.")
    if not isinstance(intervals, list) or not all(
            isinstance(x, int | float) and 0 <= x < 600_000 for x in intervals[:MAX_INTERVALS]):
        raise HTTPException(400, "Geçersiz okuma: intervals_ms sayı listesi olmalı.")
    ended_by = str(body.get("ended_by") or "enter")[:10]
    return number, check.ScanRead(raw, ended_by, tuple(float(x) for x in intervals[:MAX_INTERVALS]))


def _symptom(s: check.Symptom) -> dict[str, str]:
    return {"code": s.code, "severity": s.severity, "message": s.message}
