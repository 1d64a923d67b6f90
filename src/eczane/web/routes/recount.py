"""Son kontrol pages (issue 16 part 1): recount a deactivation draft's packs before approval.

The page lists the draft's packs by product in Turkish order (blind mode: products only); each
scan is posted as JSON to ``…/son-kontrol/okut`` and a pack found on the shelf leaves the draft
at once (``eczane.store.recount``). The eczacı starts and finishes a recount; a kalfa may scan.
The pick list prints from the browser (print CSS) or as a PDF.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from eczane.domain.notify import PackState, confirmation_phrase
from eczane.domain.recount import found_packs, pick_list, recount_summary
from eczane.store import outbox as ob
from eczane.store import recount as rc
from eczane.web.malformed import scan_json
from eczane.web.render import render
from eczane.web.routes.notify import submission_for

router = APIRouter()


def _context(request: Request, sub: Any) -> dict[str, Any]:
    with request.app.state.services.db.connect() as conn:
        row = rc.get(conn, sub.pharmacy_id, sub.id)
        found = rc.found_keys(conn, sub.pharmacy_id, sub.id)
        packs = rc.packs(conn, sub)
        pending = ob.state_counts(conn, sub.id)[PackState.PENDING.value]
    return {"sub": sub, "recount": row, "groups": pick_list(packs, found),
            "found": found_packs(packs, found),
            "blind": bool(row and row.blind), "pending": pending, "saved": len(found),
            "summary": recount_summary(row.packs_before, len(found)) if row else None,
            "phrase": confirmation_phrase(sub.kind, pending), "not_allowed": rc.recountable(sub)}


@router.get("/bildirim/{sid}/son-kontrol", response_class=HTMLResponse)
def page(request: Request, sid: int) -> HTMLResponse:
    _, sub = submission_for(request, sid)
    return render(request, "recount/page.html", _context(request, sub))


def _refused(request: Request, sub: Any, exc: rc.RecountError) -> HTMLResponse:
    return render(request, "notify/error.html", {"message": exc.message, "sub": sub},
                  status_code=exc.status)


@router.post("/bildirim/{sid}/son-kontrol/baslat", response_model=None)
def start(request: Request, sid: int, kor: str = Form("")) -> Any:
    user, sub = submission_for(request, sid, pharmacist=True)
    try:
        with request.app.state.services.db.begin() as conn:
            rc.start(conn, sub, user_id=user.id, blind=bool(kor))
    except rc.RecountError as exc:
        return _refused(request, sub, exc)
    return RedirectResponse(f"/bildirim/{sid}/son-kontrol", status_code=303)


@router.post("/bildirim/{sid}/son-kontrol/bitir", response_model=None)
def finish(request: Request, sid: int) -> Any:
    user, sub = submission_for(request, sid, pharmacist=True)
    try:
        with request.app.state.services.db.begin() as conn:
            rc.finish(conn, sub, user_id=user.id)
    except rc.RecountError as exc:
        return _refused(request, sub, exc)
    return RedirectResponse(f"/bildirim/{sid}", status_code=303)


@router.post("/bildirim/{sid}/son-kontrol/okut")
async def scan(request: Request, sid: int) -> JSONResponse:
    """One scan (JSON ``{"raw": …}``); the answer comes after the change is committed."""
    from starlette.concurrency import run_in_threadpool

    body = await scan_json(request)
    if isinstance(body, JSONResponse):
        return body
    return await run_in_threadpool(_scan, request, sid, body["raw"][:rc.RAW_MAX * 5])


def _scan(request: Request, sid: int, raw: str) -> JSONResponse:
    user, sub = submission_for(request, sid)
    services = request.app.state.services
    try:
        with services.db.begin() as conn:
            sub = ob.get_submission(conn, sid)   # its state now, inside the transaction
            a = rc.scan(conn, sub, raw=raw, user_id=user.id, today=services.today())
    except rc.RecountError as exc:
        return JSONResponse({"message": exc.message}, status_code=exc.status)
    v = a.verdict
    return JSONResponse({
        "state": v.state.value, "code": v.code, "title": v.title, "message": v.message,
        "gtin": v.key.gtin if v.key else "", "serial": v.key.serial if v.key else "",
        "product_name": a.product_name, "pending": a.pending, "saved": a.saved,
        "phrase": a.phrase})


@router.get("/bildirim/{sid}/son-kontrol/liste", response_class=HTMLResponse)
def pick_list_page(request: Request, sid: int) -> HTMLResponse:
    _, sub = submission_for(request, sid)
    return render(request, "recount/pick_list.html", _context(request, sub))


@router.get("/bildirim/{sid}/son-kontrol/liste.pdf")
def pick_list_pdf(request: Request, sid: int) -> Response:
    from eczane.exports.report import html_to_pdf

    _, sub = submission_for(request, sid)
    html = render(request, "recount/pick_list.html", _context(request, sub)).body
    pdf = html_to_pdf(bytes(html).decode("utf-8"),
                      executable_path=request.app.state.services.settings.chromium)
    name = quote(f"son-kontrol-{sid}.pdf")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})
