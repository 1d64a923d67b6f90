"""Oda: a chamber's staff see how their member pharmacies are doing (issue 15, hosted mode).

Read-only and counts only (``eczane.store.chamber``): count progress, the latest
reconciliation's bucket sizes, notifications by status and the overdue steps; never a karekod,
serial, GTIN or pack row. Only the ``oda`` role opens these pages (the guard's role table and
``require_role``); a pharmacy of another chamber does not exist here (404).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from eczane.accounts.users import Account
from eczane.domain.reconcile import BUCKET_LABELS_TR, BUCKETS
from eczane.store.chamber import Chamber, get_chamber, load_thresholds, member_progress, members
from eczane.web.auth import require_role
from eczane.web.render import render

router = APIRouter()
NAV = (("/oda", "Oda"),)
LABELS = {b.value: BUCKET_LABELS_TR[b] for b in BUCKETS}


def _my_chamber(request: Request) -> tuple[Account, Chamber]:
    me = require_role(request, "oda")
    with request.app.state.services.db.connect() as conn:
        room = get_chamber(conn, me.chamber_id) if me.chamber_id is not None else None
    if room is None:
        raise HTTPException(404, "Oda bulunamadı.")
    return me, room


@router.get("/oda", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    _, room = _my_chamber(request)
    services = request.app.state.services
    with services.db.connect() as conn:
        found = members(conn, room.id)
    rows = [member_progress(services.db, m, today=services.today()) for m in found]
    return render(request, "chamber/overview.html", {
        "room": room, "rows": rows, "labels": LABELS, "limits": load_thresholds()})


@router.get("/oda/eczane/{pharmacy_id}", response_class=HTMLResponse)
def member(request: Request, pharmacy_id: int) -> HTMLResponse:
    _, room = _my_chamber(request)
    services = request.app.state.services
    with services.db.connect() as conn:
        found = [m for m in members(conn, room.id) if m.id == pharmacy_id]
    if not found:
        raise HTTPException(404, "Bu odaya üye böyle bir eczane yok.")
    row = member_progress(services.db, found[0], today=services.today())
    return render(request, "chamber/member.html", {"room": room, "r": row, "labels": LABELS})
