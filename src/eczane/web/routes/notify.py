"""İTS bildirim pages: arada kalan mal alım, miadı dolanlar, stok eşitleme (seed 000 steps 1, 2, 4).

A draft is a dry run built from the latest reconciliation; only a pharmacist approves it, typing
the confirmation that names the count. Approval puts the batches in the outbox, due at once; the
sending worker (``eczane worker``, its own process: the web never sends) takes them, and the
page polls ``/bildirim/{id}/ilerleme`` (htmx) for its progress. "Bekleyenleri şimdi dene" makes
the batches waiting for a retry due now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from eczane.domain.notify import Kind, PackState, confirmation_phrase, outcome
from eczane.domain.reconcile import window_status
from eczane.its import service
from eczane.its.credentials import (
    CredentialError,
    ItsCredentials,
    has_credentials,
    its_credential_summary,
    save_credentials,
)
from eczane.its.protocol import deactivation_reasons
from eczane.store import outbox as ob
from eczane.store.audit import append_event
from eczane.store.users import User
from eczane.store.workers import seconds_since_seen
from eczane.web.auth import check_pharmacy, current_user, require_pharmacist
from eczane.web.render import render

router = APIRouter()
NAV = [("/bildirim", "İTS bildirim")]
PAGE = 200
STATUS_TR = {"draft": "Taslak (kuru çalıştırma)", "approved": "Onaylandı", "done": "Tamamlandı",
             "cancelled": "İptal"}


def submission_for(request: Request, sid: int, *, pharmacist: bool = False) -> tuple[User, Any]:
    """The logged-in user (a pharmacist when ``pharmacist``: 403 for a kalfa) and a notification
    of their pharmacy (404 otherwise); the notification and Son kontrol pages share it."""
    user = require_pharmacist(request) if pharmacist else current_user(request)
    with request.app.state.services.db.connect() as conn:
        sub = ob.get_submission(conn, sid)
    if sub is None:
        raise HTTPException(404, "Bildirim bulunamadı.")
    check_pharmacy(user, sub.pharmacy_id)
    return user, sub


def _windows(request: Request) -> Any:
    return request.app.state.services.extra.get("its_windows")


def _worker_down(request: Request, conn: Any) -> bool:
    """No sending worker seen within ``worker_stale_s``: approved packs would wait."""
    age = seconds_since_seen(conn, datetime.now(UTC))
    return age is None or age > request.app.state.services.settings.worker_stale_s


def _flows(request: Request, user: User) -> dict[str, Any]:
    """Counts per flow from the latest reconciliation (None when there is none)."""
    out: dict[str, Any] = {}
    with request.app.state.services.db.connect() as conn:
        for kind in service.BUCKET_FOR_KIND:
            try:
                recon, packs = service.candidate_packs(conn, user.pharmacy_id, kind.value)
            except service.NotifyError as exc:
                return {"error": str(exc)}
            out[kind.value] = len(packs)
        out["recon"] = recon
    return out


@router.get("/bildirim", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    user = current_user(request)
    services = request.app.state.services
    today = services.today()
    window = service.reason_window("75", _windows(request))
    window_msg = window_status(window, today).message if window is not None else ""
    problems = service.send_problems("deactivation", "75", today, _windows(request))
    with services.db.connect() as conn:
        subs = ob.list_submissions(conn, user.pharmacy_id)
        creds = has_credentials(conn, user.pharmacy_id)
        account = its_credential_summary(conn, user.pharmacy_id)
        outcomes = {s.id: outcome(ob.state_counts(conn, s.id)) for s in subs if s.status == "done"}
        drifts = {s.id: service.drift(conn, s) for s in subs if s.status == "draft"}
    return render(request, "notify/index.html", {
        "flows": _flows(request, user), "subs": subs, "window": window, "today": today,
        "window_problems": problems, "window_msg": window_msg, "has_credentials": creds,
        "account": account, "outcomes": outcomes, "drifts": drifts,
        "kinds": [Kind.ACCEPTANCE, Kind.EXPIRY, Kind.DEACTIVATION]})


@router.post("/bildirim/ayarlar")
def save_its_account(request: Request, gln: str = Form(""), its_username: str = Form(""),
                     its_password: str = Form("")) -> Any:
    user = require_pharmacist(request)
    services = request.app.state.services
    try:
        with services.db.begin() as conn:
            save_credentials(conn, user.pharmacy_id,
                             ItsCredentials(gln.strip(), its_username.strip(), its_password),
                             services.settings.resolved_secret_key())
            append_event(conn, user.pharmacy_id, user.id, "notify.credentials_saved",
                         {"gln": gln.strip(), "username": its_username.strip()})
    except CredentialError as exc:
        return render(request, "notify/error.html", {"message": str(exc)}, status_code=422)
    return RedirectResponse("/bildirim", status_code=303)


@router.post("/bildirim/yeni")
def create(request: Request, kind: str = Form(...)) -> Any:
    user = current_user(request)
    if kind not in {k.value for k in Kind}:
        raise HTTPException(422, "Bilinmeyen bildirim türü.")
    try:
        with request.app.state.services.db.begin() as conn:
            sid = service.create_from_reconciliation(conn, user, kind)
    except service.NotifyError as exc:
        return render(request, "notify/error.html", {"message": str(exc)}, status_code=422)
    return RedirectResponse(f"/bildirim/{sid}", status_code=303)


def _state_error(request: Request, sub: Any, action: str, message: str | None = None) -> Any:
    """A stale tab's click: say what happened to the submission and link to it (409)."""
    with request.app.state.services.db.connect() as conn:
        msg = message or service.state_message(conn, sub, action)
        new = service.superseded_by(conn, sub)
    return render(request, "notify/error.html", {"message": msg, "sub": sub, "new_id": new},
                  status_code=409)


def _detail_context(request: Request, sub: Any, offset: int = 0, *,
                    full: bool = True) -> dict[str, Any]:
    services = request.app.state.services
    today = services.today()
    with services.db.connect() as conn:
        prog = service.progress(conn, sub.id)
        packs = ob.submission_packs(conn, sub.id, limit=PAGE)
        refused = service.refused_groups(conn, sub.id) if prog["counts"]["refused"] else []
        on_hand = service.on_hand_keys(conn, sub)
        drift = service.drift_detail(conn, sub) if full else None
        blockers_all = service.approval_blockers(
            conn, sub, today=today, settings=services.settings, windows=_windows(request),
            known_drift=drift["drift"] if drift else None) if full else []
        new_id = service.superseded_by(conn, sub) if full else None
        recount = service.recount_panel(conn, sub) if full else None
        worker_down = sub.status == "approved" and _worker_down(request, conn)
        account = its_credential_summary(conn, sub.pharmacy_id) if sub.status == "approved" \
            else None
    pending = prog["counts"][PackState.PENDING.value]
    out = outcome(prog["counts"])
    status_label = out.label if sub.status == "done" else STATUS_TR[sub.status]
    blockers = service.send_problems(sub.kind, sub.reason_code, today, _windows(request))
    stale = None
    if Kind(sub.kind).is_deactivation and sub.recon_today is not None:
        age = (today - sub.recon_today).days
        if age > services.settings.reconcile_max_age_days:
            stale = age
    return {"sub": sub, "kind": Kind(sub.kind), "progress": prog, "packs": packs,
            "phrase": confirmation_phrase(sub.kind, pending), "blockers": blockers,
            "stale_days": stale, "today": today, "sending": sub.status == "approved",
            "worker_down": worker_down,
            "login_refused": account if account is not None and account.login_refused_at else None,
            "states": PackState, "problems": [], "page": PAGE, "outcome": out,
            "status_label": status_label, "status_tone": out.tone if sub.status == "done" else "",
            "fragment": not full,
            "refused": refused, "on_hand": on_hand, "approval_blockers": blockers_all,
            "drift": drift, "new_id": new_id, "recount": recount,
            "can_cancel": service.can_cancel_reason(sub.reason_code),
            "evidence_ready": bool(sub.recon_id) and any(
                n for st, n in prog["counts"].items() if st not in ("pending", "dropped")),
            "reason_text": deactivation_reasons().get(sub.reason_code, {}).get("text", "")}


@router.get("/bildirim/{sid}", response_class=HTMLResponse)
def detail(request: Request, sid: int) -> HTMLResponse:
    _, sub = submission_for(request, sid)
    return render(request, "notify/detail.html", _detail_context(request, sub))


@router.post("/bildirim/{sid}/onay", response_model=None)
def approve(request: Request, sid: int, confirmation: str = Form("")) -> Any:
    user, sub = submission_for(request, sid, pharmacist=True)
    services = request.app.state.services
    with services.db.begin() as conn:
        res = service.approve_submission(conn, sid, user=user, confirmation=confirmation,
                                         today=services.today(), settings=services.settings,
                                         windows=_windows(request))
    if not res.ok and res.problems[0].code == "not_draft":
        return _state_error(request, sub, "approve", res.problems[0].message)
    if not res.ok:
        with services.db.connect() as conn:
            sub = ob.get_submission(conn, sid)
        ctx = _detail_context(request, sub)
        ctx["problems"] = res.problems
        return render(request, "notify/detail.html", ctx, status_code=422)
    return RedirectResponse(f"/bildirim/{sid}", status_code=303)


@router.post("/bildirim/{sid}/iptal", response_model=None)
def cancel(request: Request, sid: int) -> Any:
    user, sub = submission_for(request, sid, pharmacist=True)
    try:
        with request.app.state.services.db.begin() as conn:
            service.cancel_submission(conn, sid, user=user)
    except service.NotifyError as exc:
        return _state_error(request, sub, "cancel", str(exc))
    return RedirectResponse(f"/bildirim/{sid}", status_code=303)


@router.post("/bildirim/{sid}/yenile", response_model=None)
def refresh(request: Request, sid: int) -> Any:
    """One click: the outdated draft is superseded by one built from today's list."""
    user, sub = submission_for(request, sid)
    if sub.status != "draft":
        return _state_error(request, sub, "refresh")
    try:
        with request.app.state.services.db.begin() as conn:
            new = service.refresh_draft(conn, sid, user=user)
    except service.NotifyError as exc:
        return render(request, "notify/error.html", {"message": str(exc), "sub": sub},
                      status_code=422)
    return RedirectResponse(f"/bildirim/{new}", status_code=303)


@router.post("/bildirim/{sid}/geri-al")
def undo(request: Request, sid: int) -> Any:
    """Prepare a deactivation cancel (a new draft, approved like any other)."""
    user, _ = submission_for(request, sid, pharmacist=True)
    try:
        with request.app.state.services.db.begin() as conn:
            new = service.create_cancel(conn, user=user, submission_id=sid)
    except service.NotifyError as exc:
        return render(request, "notify/error.html", {"message": str(exc)}, status_code=422)
    return RedirectResponse(f"/bildirim/{new}", status_code=303)


@router.post("/bildirim/{sid}/gonder", response_model=None)
def send(request: Request, sid: int) -> Any:
    """Nothing is sent here: the batches of an approved submission waiting for a retry become
    due now, for the sending worker (``eczane worker``)."""
    _, sub = submission_for(request, sid, pharmacist=True)
    if sub.status not in ("approved",):
        return _state_error(request, sub, "send")
    with request.app.state.services.db.begin() as conn:
        ob.make_due(conn, sid, datetime.now(UTC))
    return RedirectResponse(f"/bildirim/{sid}", status_code=303)


@router.get("/bildirim/{sid}/ilerleme", response_class=HTMLResponse)
def progress_fragment(request: Request, sid: int) -> HTMLResponse:
    _, sub = submission_for(request, sid)
    return render(request, "notify/_progress.html", _detail_context(request, sub, full=False))


@router.get("/bildirim/{sid}/denetim-dosyasi.zip", response_model=None)
def evidence(request: Request, sid: int) -> Any:
    """The evidence pack of a sent notification (eczacı only: it holds the whole draft, the
    pharmacy's stock file and audit log); the download is an audit event with the manifest's hash."""
    from eczane.exports.evidence import EvidenceError, build_evidence

    user, sub = submission_for(request, sid, pharmacist=True)
    services = request.app.state.services
    try:
        with services.db.connect() as conn:
            pack = build_evidence(conn, sid, data_dir=services.settings.data_dir,
                                  today=services.today(), prepared_by=user.display_name,
                                  chromium=services.settings.chromium)
    except EvidenceError as exc:
        return render(request, "notify/error.html", {"message": str(exc), "sub": sub},
                      status_code=409)
    with services.db.begin() as conn:
        append_event(conn, user.pharmacy_id, user.id, "notify.evidence_downloaded",
                     {"submission": sid, "manifest_sha256": pack.manifest_sha256,
                      "report_pdf": pack.report_is_pdf, "its_original": pack.its_original})
    return Response(pack.body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{pack.filename}"'})
