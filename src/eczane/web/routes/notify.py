"""İTS bildirim pages: arada kalan mal alım, miadı dolanlar, stok eşitleme (seed 000 steps 1, 2, 4).

A draft is a dry run built from the latest reconciliation; only a pharmacist approves it, typing
the confirmation that names the count; sending runs the outbox worker in a background thread and
the page polls ``/bildirim/{id}/ilerleme`` (htmx) for progress.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

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
from eczane.web.auth import check_pharmacy, current_user, require_pharmacist
from eczane.web.render import render

router = APIRouter()
NAV = [("/bildirim", "İTS bildirim")]
PAGE = 200
STATUS_TR = {"draft": "Taslak (kuru çalıştırma)", "approved": "Onaylandı", "done": "Tamamlandı",
             "cancelled": "İptal"}


def _submission_for(request: Request, sid: int, *, pharmacist: bool = False) -> tuple[User, Any]:
    user = require_pharmacist(request) if pharmacist else current_user(request)
    with request.app.state.services.db.connect() as conn:
        sub = ob.get_submission(conn, sid)
    if sub is None:
        raise HTTPException(404, "Bildirim bulunamadı.")
    check_pharmacy(user, sub.pharmacy_id)
    return user, sub


def _windows(request: Request) -> Any:
    return request.app.state.services.extra.get("its_windows")


def _threads(request: Request) -> dict[int, threading.Thread]:
    threads: dict[int, threading.Thread] = request.app.state.services.extra.setdefault(
        "notify_threads", {})
    return threads


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
    pending = prog["counts"][PackState.PENDING.value]
    out = outcome(prog["counts"])
    status_label = out.label if sub.status == "done" else STATUS_TR[sub.status]
    blockers = service.send_problems(sub.kind, sub.reason_code, today, _windows(request))
    stale = None
    if Kind(sub.kind).is_deactivation and sub.recon_today is not None:
        age = (today - sub.recon_today).days
        if age > services.settings.reconcile_max_age_days:
            stale = age
    thread = _threads(request).get(sub.id)
    return {"sub": sub, "kind": Kind(sub.kind), "progress": prog, "packs": packs,
            "phrase": confirmation_phrase(sub.kind, pending), "blockers": blockers,
            "stale_days": stale, "today": today, "sending": bool(thread and thread.is_alive()),
            "states": PackState, "problems": [], "page": PAGE, "outcome": out,
            "status_label": status_label, "status_tone": out.tone if sub.status == "done" else "",
            "fragment": not full,
            "refused": refused, "on_hand": on_hand, "approval_blockers": blockers_all,
            "drift": drift, "new_id": new_id, "can_cancel": service.can_cancel_reason(sub.reason_code),
            "errors": services.extra.get("notify_errors", {}).get(sub.id, []),
            "reason_text": deactivation_reasons().get(sub.reason_code, {}).get("text", "")}


@router.get("/bildirim/{sid}", response_class=HTMLResponse)
def detail(request: Request, sid: int) -> HTMLResponse:
    _, sub = _submission_for(request, sid)
    return render(request, "notify/detail.html", _detail_context(request, sub))


@router.post("/bildirim/{sid}/onay", response_model=None)
def approve(request: Request, sid: int, confirmation: str = Form("")) -> Any:
    user, sub = _submission_for(request, sid, pharmacist=True)
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
    user, sub = _submission_for(request, sid, pharmacist=True)
    try:
        with request.app.state.services.db.begin() as conn:
            service.cancel_submission(conn, sid, user=user)
    except service.NotifyError as exc:
        return _state_error(request, sub, "cancel", str(exc))
    return RedirectResponse(f"/bildirim/{sid}", status_code=303)


@router.post("/bildirim/{sid}/yenile", response_model=None)
def refresh(request: Request, sid: int) -> Any:
    """One click: the outdated draft is superseded by one built from today's list."""
    user, sub = _submission_for(request, sid)
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
    user, _ = _submission_for(request, sid, pharmacist=True)
    try:
        with request.app.state.services.db.begin() as conn:
            new = service.create_cancel(conn, user=user, submission_id=sid)
    except service.NotifyError as exc:
        return render(request, "notify/error.html", {"message": str(exc)}, status_code=422)
    return RedirectResponse(f"/bildirim/{new}", status_code=303)


@router.post("/bildirim/{sid}/gonder", response_model=None)
def send(request: Request, sid: int) -> Any:
    _, sub = _submission_for(request, sid, pharmacist=True)
    if sub.status not in ("approved",):
        return _state_error(request, sub, "send")
    threads = _threads(request)
    if not (sid in threads and threads[sid].is_alive()):
        # The thread acts for this request's pharmacy (tenant): it runs in a copy of its context.
        threads[sid] = threading.Thread(target=contextvars.copy_context().run,
                                        args=(_run_worker, request.app, sid), daemon=True)
        threads[sid].start()
    return RedirectResponse(f"/bildirim/{sid}", status_code=303)


def _run_worker(app: Any, sid: int) -> None:
    from eczane.its.outbox import Worker

    services = app.state.services
    factory = services.extra.get("its_client_factory")
    worker = Worker(services.db, services.settings, today=services.today(),
                    windows=services.extra.get("its_windows"), client_factory=factory)
    try:
        stats = worker.run(submission_id=sid, max_seconds=3600)
        services.extra.setdefault("notify_errors", {})[sid] = stats.errors[-3:]
    except Exception as exc:  # noqa: BLE001 - shown on the page; the outbox state is durable
        services.extra.setdefault("notify_errors", {})[sid] = [f"{type(exc).__name__}: {exc}"]
    finally:
        worker.close()


@router.get("/bildirim/{sid}/ilerleme", response_class=HTMLResponse)
def progress_fragment(request: Request, sid: int) -> HTMLResponse:
    _, sub = _submission_for(request, sid)
    return render(request, "notify/_progress.html", _detail_context(request, sub, full=False))
