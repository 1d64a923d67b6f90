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
    Drift,
    Kind,
    PackState,
    Problem,
    Window,
    approval_problems,
    confirmation_phrase,
    draft_drift,
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


def can_cancel_reason(ds: str) -> bool:
    """A deactivation cancel exists only for a reason with a window: "75 – Stok Eşitleme
    deaktivasyon kodu ve buna bağlı deaktivasyon iptali imkânı" (TEIS25, research/its.md §3).
    Reason 40 (miadı dolan) has none: that deactivation is final."""
    return bool(p.deactivation_reasons().get(ds, {}).get("window"))


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
    # An older draft of the same flow never blocks a new, correct one: it is superseded
    # (cancelled, nothing was sent) and the audit log says by which (issue 14 finding 2).
    older = [s.id for s in ob.list_submissions(conn, user.pharmacy_id, limit=1000)
             if s.kind == k.value and s.status == "draft"]
    for old_id in older:
        ob.cancel(conn, old_id, text="Taslak yenilendi (yerine yeni taslak hazırlandı)")
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
    for old_id in older:
        append_event(conn, user.pharmacy_id, user.id, "notify.submission_superseded",
                     {"submission": old_id, "by": sid, "kind": k.value})
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
    live = ob.pack_keys(conn, sub.id, [PackState.PENDING.value, PackState.RETRY.value],
                        batch_key=batch_key)
    found = ob.counted_after(conn, sub.pharmacy_id, sub.recon_at, live)
    text = "Karşılaştırmadan sonra sayımda elde bulundu; bildirimden çıkarıldı"
    ob.set_pack_states(conn, sub.id, {k: {"state": PackState.DROPPED.value, "result_text": text}
                                      for k in found})
    for g, s in found:
        append_event(conn, sub.pharmacy_id, user_id, "notify.pack_dropped",
                     {"submission": sub.id, "gtin": g, "serial": s, "why": "counted_after_recon"})
    # A pack the pharmacist kept out on the reconciliation ("buzdolabında bulundu") after the
    # draft was made is on hand too: never sent, even from an approved submission.
    kept = sorted((live - set(found)) & _kept_out(conn, sub.pharmacy_id))
    ob.set_pack_states(conn, sub.id, {k: {"state": PackState.DROPPED.value,
                                          "result_text": "Mutabakatta listeden çıkarıldı (elde)"}
                                      for k in kept})
    for g, s in kept:
        append_event(conn, sub.pharmacy_id, user_id, "notify.pack_dropped",
                     {"submission": sub.id, "gtin": g, "serial": s, "why": "kept_out"})
    return len(found) + len(kept)


def _kept_out(conn: Connection, pharmacy_id: int) -> set[tuple[str, str]]:
    try:
        from eczane.store.reconcile.overrides import overrides
    except ImportError:  # the reconciliation area is not installed
        return set()
    return {(r.gtin, r.serial) for r in overrides(conn, pharmacy_id)}


def drift(conn: Connection, sub: Any) -> Drift | None:
    """How a draft differs from what its flow would send now; None when it cannot drift.

    Recomputed from the latest reconciliation, the keep-outs and the count (the same
    :func:`candidate_packs` a new draft is built from). Only drafts made from a
    reconciliation are compared; a cancel draft is built from a done submission.
    """
    k = Kind(sub.kind)
    if sub.status != "draft" or k not in BUCKET_FOR_KIND or sub.recon_id is None:
        return None
    found = _drift_rows(conn, sub)
    return None if found is None else found[0]


def _drift_rows(conn: Connection, sub: Any) -> tuple[Drift, list[Any], list[Any]] | None:
    try:
        recon, packs = candidate_packs(conn, sub.pharmacy_id, sub.kind)
    except NotifyError:
        return None
    mine = ob.pack_keys(conn, sub.id, [PackState.PENDING.value])
    now = {(x.gtin, x.serial): x for x in packs}
    d = draft_drift(mine, set(now), sub.recon_id, getattr(recon, "id", None))
    return (d, [now[k] for k in sorted(d.added)], sorted(d.removed))


def drift_detail(conn: Connection, sub: Any, limit: int = 20) -> dict[str, Any] | None:
    """The drift of an outdated draft with up to ``limit`` added and removed packs (for the
    page); None when the draft is current or cannot drift."""
    if sub.status != "draft" or Kind(sub.kind) not in BUCKET_FOR_KIND or sub.recon_id is None:
        return None
    found = _drift_rows(conn, sub)
    if found is None or not found[0].outdated:
        return None
    d, added, removed = found
    return {"drift": d, "added": added[:limit], "limit": limit,
            "removed": ob.packs_by_keys(conn, sub.id, removed[:limit])}


def on_hand_keys(conn: Connection, sub: Any) -> set[tuple[str, str]]:
    """Packs of a miadı dolan submission that the count found on the shelf (reason
    ``expired_on_hand`` in its reconciliation): they are notified too (DOMAIN.md, seed 000
    step 2) and must be set aside for destruction."""
    if Kind(sub.kind) is not Kind.EXPIRY or sub.recon_id is None:
        return set()
    from sqlalchemy import select

    from eczane.domain.reconcile import Reason
    from eczane.store.reconcile.tables import reconciliation_pack as rp

    rows = conn.execute(select(rp.c.gtin, rp.c.serial).where(
        rp.c.recon_id == sub.recon_id, rp.c.reason == Reason.EXPIRED_ON_HAND.value))
    return {(r.gtin, r.serial) for r in rows}


def refresh_draft(conn: Connection, submission_id: int, *, user: User) -> int:
    """Replace an outdated draft by a new one built from today's candidates; returns its id."""
    sub = ob.get_submission(conn, submission_id)
    if sub is None or sub.pharmacy_id != user.pharmacy_id:
        raise NotifyError("Bildirim bulunamadı.")
    if sub.status != "draft" or Kind(sub.kind) not in BUCKET_FOR_KIND:
        raise NotifyError(state_message(conn, sub, "refresh"))
    recon, packs = candidate_packs(conn, user.pharmacy_id, sub.kind)
    return create_submission(conn, user=user, kind=sub.kind, packs=packs, recon=recon,
                             reason_code=sub.reason_code if Kind(sub.kind).is_deactivation else None)


def superseded_by(conn: Connection, sub: Any) -> int | None:
    """The draft that replaced ``sub`` (audit event ``notify.submission_superseded``), if any."""
    from sqlalchemy import select

    from eczane.store.audit import audit_log

    if sub.status != "cancelled":
        return None
    rows = conn.execute(select(audit_log.c.payload).where(
        audit_log.c.pharmacy_id == sub.pharmacy_id,
        audit_log.c.name == "notify.submission_superseded").order_by(audit_log.c.seq.desc()))
    for (payload,) in rows:
        if payload.get("submission") == sub.id:
            return int(payload["by"])
    return None


def state_message(conn: Connection, sub: Any, action: str) -> str:
    """Why ``action`` (approve, send, cancel, refresh) does not apply to ``sub`` in its state:
    what happened to it, in Turkish (issue 14 finding 8: a stale tab's click)."""
    n = f"#{sub.id}"
    if sub.status == "done":
        return f"Bu bildirim ({n}) zaten gönderildi; İTS'nin sonuçları bildirim sayfasında."
    if sub.status == "cancelled":
        new = superseded_by(conn, sub)
        if new is not None:
            return (f"Bu taslak ({n}) yenilendi ve yerine #{new} hazırlandı; İTS'ye hiçbir şey "
                    "gönderilmedi.")
        return f"Bu bildirim ({n}) iptal edildi; İTS'ye hiçbir şey gönderilmedi."
    if sub.status == "approved":
        if action == "send":
            return f"Bu bildirim ({n}) gönderiliyor veya gönderime hazır."
        return f"Bu bildirim ({n}) zaten onaylandı; gönderimi bildirim sayfasından izleyin."
    if action == "send":
        return f"Bu bildirim ({n}) henüz onaylanmadı: önce onay metnini yazıp onaylayın."
    return f"Bu bildirim ({n}) bu işlem için uygun durumda değil."


def approval_blockers(conn: Connection, sub: Any, *, today: date, settings: Settings,
                      windows: Windows | None = None,
                      known_drift: Drift | None | bool = True) -> list[Problem]:
    """What stops this draft's approval whatever the pharmacist types (finding 7): shown first,
    with no phrase box and no Onayla, and refused by :func:`approve_submission` too.

    ``known_drift``: the draft's drift when the caller computed it already (None: current);
    ``True`` (default) computes it here.
    """
    if sub.status != "draft":
        return []
    found: list[Problem] = []
    d = drift(conn, sub) if known_drift is True else known_drift
    if isinstance(d, Drift) and d.outdated:
        found.append(Problem("outdated", d.message))
    found += recount_problems(conn, sub)
    pending = ob.state_counts(conn, sub.id)[PackState.PENDING.value]
    found += [x for x in approval_problems(
        kind=sub.kind, reason_code=sub.reason_code, pack_count=pending,
        recon_today=sub.recon_today, today=today, max_age_days=settings.reconcile_max_age_days,
        window=gate_window(sub.reason_code, windows) if Kind(sub.kind).has_window else None,
        is_pharmacist=True, confirmation=confirmation_phrase(sub.kind, pending))]
    return found


def refused_groups(conn: Connection, submission_id: int, *, sample: int = 5) -> list[dict[str, Any]]:
    """Refused packs grouped by İTS's code, each with İTS's text, what the pharmacist can do
    (``advice`` in ``data/its/result_codes.yaml``), the count and a few packs."""
    groups: dict[str, dict[str, Any]] = {}
    advice = p.result_advice()
    for r in ob.submission_packs(conn, submission_id, states=[PackState.REFUSED.value]):
        code = r.result_code or ""
        g = groups.setdefault(code, {"code": code, "text": r.result_text or p.result_text(code),
                                     "advice": advice.get(code, ""), "count": 0, "packs": []})
        g["count"] += 1
        if len(g["packs"]) < sample:
            g["packs"].append(r)
    for g in groups.values():
        if not g["advice"]:
            g["advice"] = ("Gönderilmedi: engel kalkınca (ör. süre açılınca) yeni bir taslak "
                           "hazırlayın." if not g["code"] else
                           "Bu kodun anlamı bilinmiyor: kutuyu kontrol edin, gerekirse İTS'ye "
                           "danışın.")
    return sorted(groups.values(), key=lambda g: (-g["count"], g["code"]))


def recount_problems(conn: Connection, sub: Any) -> list[Problem]:
    """An open son kontrol (issue 16) holds the approval: its scans still change the count the
    phrase names. Finishing it shows what it saved and the new phrase."""
    try:
        from eczane.store.recount import open_problem
    except ImportError:  # the recount area is not installed
        return []
    why = open_problem(conn, sub)
    return [] if why is None else [Problem("recount_open", why)]


def recount_panel(conn: Connection, sub: Any) -> dict[str, Any] | None:
    """What the notification page says about the draft's son kontrol: None when the kind has
    none; else the recount row (None before one began) and what it saved."""
    try:
        from eczane.store import recount as rc
    except ImportError:
        return None
    row = rc.get(conn, sub.pharmacy_id, sub.id)
    if row is None and rc.recountable(sub) is not None:
        return None
    return {"row": row, "open": row is not None and row.status == rc.OPEN,
            "summary": rc.summary(conn, row) if row is not None else None}


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
        return Approval(False, [Problem("not_draft", state_message(conn, sub, "approve"))])
    d = drift(conn, sub)
    if d is not None and d.outdated:
        # Checked before anything changes: the pharmacist confirmed an older list.
        append_event(conn, user.pharmacy_id, user.id, "notify.approval_refused",
                     {"submission": submission_id, "problems": ["outdated"],
                      "added": len(d.added), "removed": len(d.removed)})
        return Approval(False, [Problem("outdated", d.message)])
    drop_counted(conn, sub, user.id)
    pending = ob.state_counts(conn, submission_id)[PackState.PENDING.value]
    problems = recount_problems(conn, sub) + approval_problems(
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
    if not can_cancel_reason(sub.reason_code):
        raise NotifyError(f"“{sub.reason_code}” deaktivasyonunun iptali İTS'de yok: iptal yalnızca "
                          "süresi olan stok eşitleme (75) için tanındı (TEİS 2025).")
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
        raise NotifyError(state_message(conn, sub, "cancel"))
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
