"""Creating, checking and approving İTS submissions: what the CLI and the web pages share.

A submission is built from the latest reconciliation's bucket (seed 000 steps 1, 2, 4), shown as
a dry run, then approved by a pharmacist who types the confirmation naming the count. Only then
does the outbox worker (``eczane.its.outbox``) send anything. Every step is an audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from eczane.config import Settings
from eczane.domain.notify import (
    Kind,
    PackState,
    Problem,
    Window,
    approval_problems,
    window_problems,
)
from eczane.domain.reconcile import DeactivationWindow
from eczane.its import protocol as p
from eczane.store import outbox as ob
from eczane.store.audit import append_event
from eczane.store.users import User

BUCKET_FOR_KIND = {Kind.DEACTIVATION: "not_on_hand_eligible", Kind.EXPIRY: "expired",
                   Kind.ACCEPTANCE: "in_transit"}
"""Reconciliation bucket each notification is built from (DOMAIN.md Part 1)."""

Windows = Mapping[str, DeactivationWindow]


class NotifyError(Exception):
    """A Turkish message for the pharmacist: why the submission cannot be made."""


def default_reason(kind: str) -> str:
    return str(p.notification_types()[Kind(kind).value]["default_reason"])


def reason_window(ds: str, windows: Windows | None = None) -> DeactivationWindow | None:
    """The window a reason code is tied to (75 → the stok eşitleme window), else None.

    ``windows`` overrides the shipped data (tests pass an open window explicitly).
    """
    if windows is not None and ds in windows:
        return windows[ds]
    reason = p.deactivation_reasons().get(ds)
    if not reason or not reason.get("window"):
        return None
    from eczane.windows import window_for_code

    return window_for_code(reason["window"])


def gate_window(ds: str, windows: Windows | None = None) -> Window | None:
    w = reason_window(ds, windows)
    return None if w is None else Window(ds, w.open_from, w.open_until)


def send_problems(kind: str, ds: str, today: date, windows: Windows | None = None) -> list[Problem]:
    """Checks repeated just before sending: a window may close between approval and sending."""
    if not Kind(kind).has_window:
        return []
    return window_problems(ds, today, gate_window(ds, windows))


def _latest_recon(conn: Connection, pharmacy_id: int) -> Any:
    try:
        from eczane.store.reconcile import latest_reconciliation
    except ImportError:
        raise NotifyError("Karşılaştırma modülü kurulu değil.") from None
    recon = latest_reconciliation(conn, pharmacy_id)
    if recon is None:
        raise NotifyError("Önce İTS stokunu sayımla karşılaştırın (Karşılaştırma sayfası).")
    return recon


def candidate_packs(conn: Connection, pharmacy_id: int, kind: str) -> tuple[Any, list[ob.NewPack]]:
    """The latest reconciliation and the packs of the bucket this kind is built from.

    Acceptance takes only wholesaler (depo) deliveries: exchange (takas) packs are notified by
    the sending pharmacy from its exchange screen (seed 000 step 1).
    """
    from eczane.store.reconcile import bucket_packs

    recon = _latest_recon(conn, pharmacy_id)
    k = Kind(kind)
    rows = bucket_packs(conn, recon.id, BUCKET_FOR_KIND[k])
    if k is Kind.ACCEPTANCE:
        rows = [r for r in rows if getattr(r, "sender_type", "depo") == "depo"]
    if k is Kind.DEACTIVATION:
        # A pack counted on hand after the reconciliation is never a candidate (the draft, its
        # typed phrase and the flow count on /bildirim agree with what approval would send).
        found = set(ob.counted_after(conn, pharmacy_id, getattr(recon, "created_at", None),
                                     [(r.gtin, r.serial) for r in rows]))
        rows = [r for r in rows if (r.gtin, r.serial) not in found]
    packs = [ob.NewPack(r.gtin, r.serial, r.expiry, r.batch or "", r.product_name or "")
             for r in rows]
    return recon, packs


def create_submission(conn: Connection, *, user: User, kind: str, packs: list[ob.NewPack],
                      reason_code: str | None = None, recon: Any = None,
                      description: str = "") -> int:
    """Record a draft (nothing is sent) and its audit event."""
    k = Kind(kind)
    ds = default_reason(k.value) if reason_code is None else reason_code
    if k.is_deactivation and ds not in p.deactivation_reasons():
        raise NotifyError(f"Bilinmeyen deaktivasyon nedeni: {ds!r}.")
    if not packs:
        raise NotifyError("Bu bildirim için kutu yok.")
    try:
        sid = ob.create_submission(
            conn, pharmacy_id=user.pharmacy_id, kind=k.value, reason_code=ds if k.is_deactivation else "",
            packs=packs, created_by=user.id, recon_id=getattr(recon, "id", None),
            recon_today=getattr(recon, "today", None), recon_at=getattr(recon, "created_at", None),
            description=description or p.deactivation_reasons().get(ds, {}).get("text", ""))
    except ob.DuplicateLivePack as exc:
        raise NotifyError(str(exc)) from exc
    append_event(conn, user.pharmacy_id, user.id, "notify.submission_created",
                 {"submission": sid, "kind": k.value, "reason": ds, "packs": len(packs),
                  "recon": getattr(recon, "id", None)})
    return sid


def create_from_reconciliation(conn: Connection, user: User, kind: str,
                               reason_code: str | None = None) -> int:
    recon, packs = candidate_packs(conn, user.pharmacy_id, kind)
    return create_submission(conn, user=user, kind=kind, packs=packs, reason_code=reason_code,
                             recon=recon)


def drop_counted(conn: Connection, sub: Any, user_id: int | None,
                 batch_key: str | None = None) -> int:
    """Remove packs counted on hand after the reconciliation from a pending deactivation.

    One audit event per dropped pack (issue 6). ``batch_key`` limits the check to one batch
    (the worker checks each batch just before sending it). Returns how many were dropped.
    """
    if Kind(sub.kind) is not Kind.DEACTIVATION:
        # Miadı dolanlar (40) are reported whether on hand or not (seed 000 step 2): a pack
        # counted after the reconciliation stays in that notification.
        return 0
    live = [(r.gtin, r.serial) for r in ob.submission_packs(
        conn, sub.id, states=[PackState.PENDING.value, PackState.RETRY.value],
        batch_key=batch_key)]
    found = ob.counted_after(conn, sub.pharmacy_id, sub.recon_at, live)
    text = "Karşılaştırmadan sonra sayımda elde bulundu; bildirimden çıkarıldı"
    ob.set_pack_states(conn, sub.id, {k: {"state": PackState.DROPPED.value, "result_text": text}
                                      for k in found})
    for g, s in found:
        append_event(conn, sub.pharmacy_id, user_id, "notify.pack_dropped",
                     {"submission": sub.id, "gtin": g, "serial": s, "why": "counted_after_recon"})
    return len(found)


@dataclass(frozen=True)
class Approval:
    ok: bool
    problems: list[Problem]
    batches: int = 0


def approve_submission(conn: Connection, submission_id: int, *, user: User, confirmation: str,
                       today: date, settings: Settings, windows: Windows | None = None) -> Approval:
    """Check every rule, then approve and cut batches; an audit event either way."""
    sub = ob.get_submission(conn, submission_id)
    if sub is None or sub.pharmacy_id != user.pharmacy_id:
        raise NotifyError("Bildirim bulunamadı.")
    if sub.status != "draft":
        return Approval(False, [Problem("not_draft", "Bu bildirim zaten onaylanmış veya iptal edilmiş.")])
    drop_counted(conn, sub, user.id)
    pending = ob.state_counts(conn, submission_id)[PackState.PENDING.value]
    problems = approval_problems(
        kind=sub.kind, reason_code=sub.reason_code, pack_count=pending,
        recon_today=sub.recon_today, today=today, max_age_days=settings.reconcile_max_age_days,
        window=gate_window(sub.reason_code, windows) if Kind(sub.kind).has_window else None,
        is_pharmacist=user.is_pharmacist, confirmation=confirmation)
    if problems:
        append_event(conn, user.pharmacy_id, user.id, "notify.approval_refused",
                     {"submission": submission_id, "problems": [x.code for x in problems]})
        return Approval(False, problems)
    n = ob.approve(conn, submission_id, user_id=user.id, confirmation=confirmation.strip(),
                   batch_size=max(1, min(settings.its_batch_size, p.MAX_BATCH)))
    append_event(conn, user.pharmacy_id, user.id, "notify.submission_approved",
                 {"submission": submission_id, "kind": sub.kind, "reason": sub.reason_code,
                  "packs": pending, "confirmation": confirmation.strip(), "batches": n})
    return Approval(True, [], n)


def create_cancel(conn: Connection, *, user: User, submission_id: int) -> int:
    """A draft cancelling the deactivation of the accepted packs of ``submission_id``.

    Deactivation stays irreversible until İTS answers 00000 to the cancel (research/its.md
    §1.3: the REST cancel service is [S]); only then is the pack free for a new deactivation.
    """
    sub = ob.get_submission(conn, submission_id)
    if sub is None or sub.pharmacy_id != user.pharmacy_id:
        raise NotifyError("Bildirim bulunamadı.")
    if not Kind(sub.kind).is_deactivation:
        raise NotifyError("Yalnızca bir deaktivasyon bildirimi iptal edilebilir.")
    done = [r for r in ob.submission_packs(conn, submission_id, states=[PackState.ACCEPTED.value])
            if r.deact_lock == 1]
    busy = ob.keys_in_live_cancel(conn, user.pharmacy_id)
    packs = [ob.NewPack(r.gtin, r.serial, r.expiry, r.batch, r.product_name)
             for r in done if (r.gtin, r.serial) not in busy]
    if not packs:
        raise NotifyError("İptal edilecek deaktive edilmiş kutu yok.")
    sid = ob.create_submission(conn, pharmacy_id=user.pharmacy_id, kind=Kind.CANCEL.value,
                               reason_code=sub.reason_code, packs=packs, created_by=user.id,
                               description=f"#{submission_id} deaktivasyon iptali",
                               ref_submission_id=submission_id)
    append_event(conn, user.pharmacy_id, user.id, "notify.submission_created",
                 {"submission": sid, "kind": Kind.CANCEL.value, "reason": sub.reason_code,
                  "packs": len(packs), "cancels": submission_id})
    return sid


def cancel_submission(conn: Connection, submission_id: int, *, user: User) -> None:
    sub = ob.get_submission(conn, submission_id)
    if sub is None or sub.pharmacy_id != user.pharmacy_id:
        raise NotifyError("Bildirim bulunamadı.")
    if sub.status != "draft":
        raise NotifyError("Yalnızca onaylanmamış taslak iptal edilebilir.")
    ob.cancel(conn, submission_id)
    append_event(conn, user.pharmacy_id, user.id, "notify.submission_cancelled",
                 {"submission": submission_id})


def progress(conn: Connection, submission_id: int) -> dict[str, Any]:
    counts = ob.state_counts(conn, submission_id)
    total = sum(counts.values())
    final = sum(counts[s.value] for s in PackState if s.is_final)
    return {"counts": counts, "total": total, "final": final,
            "percent": int(100 * final / total) if total else 100,
            "done": total == final}
