"""Denetim kaydı: the pharmacy's hash-chained audit log, newest first, and its verification."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from eczane.store.audit import audit_log, verify
from eczane.store.core import app_user
from eczane.web.auth import check_pharmacy, current_user
from eczane.web.render import render

router = APIRouter()
NAV = [("/denetim", "Denetim kaydı")]
PAGE = 100


@router.get("/denetim", response_class=HTMLResponse)
def index(request: Request, sayfa: int = 1, dogrula: int = 0) -> HTMLResponse:
    user = current_user(request)
    sayfa = max(1, sayfa)
    q = (select(audit_log, app_user.c.display_name)
         .select_from(audit_log.outerjoin(app_user, app_user.c.id == audit_log.c.user_id))
         .where(audit_log.c.pharmacy_id == user.pharmacy_id)
         .order_by(audit_log.c.seq.desc()).limit(PAGE).offset((sayfa - 1) * PAGE))
    with request.app.state.services.db.connect() as conn:
        rows = list(conn.execute(q))
        total = conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.pharmacy_id == user.pharmacy_id)).scalar_one()
        check = verify(conn, user.pharmacy_id) if dogrula else None
    return render(request, "notify/audit_index.html", {
        "rows": rows, "total": total, "check": check, "page": sayfa,
        "pages": max(1, (total + PAGE - 1) // PAGE)})


@router.get("/denetim/{event_id}", response_class=HTMLResponse)
def event(request: Request, event_id: int) -> HTMLResponse:
    user = current_user(request)
    with request.app.state.services.db.connect() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.id == event_id)).first()
    if row is None:
        raise HTTPException(404, "Kayıt bulunamadı.")
    check_pharmacy(user, row.pharmacy_id)
    return render(request, "notify/audit_event.html", {"row": row})
