"""The outbox worker: sends approved batches to İTS exactly once, resumably, with an audit trail.

One batch at a time, under a lease (``submission_batch.lease_owner/lease_until``):

1. Claim a due batch (compare-and-set on the lease). A worker killed mid-batch simply stops
   renewing; after ``lease_s`` another worker claims the batch.
2. Drop packs counted on hand after the reconciliation (audit event per pack).
3. Packs left in ``sending`` (a worker died) or ``unknown`` (timeout, lost answer, 5xx) are first
   looked up with one narrow check_status for exactly those packs; those İTS already shows in the
   target state are recorded as accepted and never sent again.
4. Write ``notify.batch_sending`` (audit) and set the packs to ``sending`` in one transaction,
   renewing the lease; only then call İTS. Record each pack's result and
   ``notify.batch_result`` in one transaction after.

Every pack ends accepted, refused (with İTS's code and text) or waiting for retry.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from eczane.config import Settings
from eczane.domain.notify import (
    Kind,
    PackDecision,
    PackState,
    StatusAnswer,
    decide_after_status,
    decide_result,
    retry_delay_s,
)
from eczane.its import protocol as p
from eczane.its.client import ItsClient, ItsError, ItsLoginRefused
from eczane.its.credentials import clear_login_refused, load_credentials, mark_login_refused
from eczane.its.service import Windows, drop_counted, send_problems
from eczane.logs import event
from eczane.store import outbox as ob
from eczane.store import tenant
from eczane.store.audit import append_event
from eczane.store.db import Database

ClientFactory = Callable[[int], ItsClient]
log = logging.getLogger("eczane.worker")
LOGIN_REFUSED_RETRY_S = 3600.0
"""After İTS refused a pharmacy's login, its batches wait this long before one more attempt
(İTS's own login service may have been at fault); saving new credentials makes them due at
once (``eczane.its.credentials.save_credentials``). Repeated failed logins can lock an İTS
account, so never sooner."""


@dataclass
class WorkerStats:
    batches: int = 0
    sends: int = 0
    status_checks: int = 0
    retries: int = 0
    ambiguous: int = 0
    accepted_by_status: int = 0
    login_refused: int = 0
    """Batches put back because İTS refused the pharmacy's login (they wait for new credentials)."""
    errors: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


class Worker:
    """Sends approved submissions. Safe to run several at once and to kill at any instant."""

    def __init__(self, db: Database, settings: Settings, *, today: date | None = None,
                 windows: Windows | None = None, client_factory: ClientFactory | None = None,
                 owner: str | None = None, lease_s: float | None = None,
                 retry_base_s: float = 2.0, unknown_delay_s: float = 0.5) -> None:
        self.db = db
        self.settings = settings
        self.today = today
        self.windows = windows
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease_s = lease_s if lease_s is not None else max(60.0, 3 * settings.its_timeout_s + 10)
        self.retry_base_s = retry_base_s
        self.unknown_delay_s = unknown_delay_s
        self._factory = client_factory or self._default_client
        self._clients: dict[int, ItsClient] = {}
        self._gln: dict[int, str] = {}
        self._last_pharmacy = 0
        self.stats = WorkerStats()

    # --- clients ---------------------------------------------------------------------------
    def _default_client(self, pharmacy_id: int) -> ItsClient:
        with self.db.connect() as conn:
            creds = load_credentials(conn, pharmacy_id, self.settings.resolved_secret_key())
        return ItsClient(self.settings.its_url, creds, timeout_s=self.settings.its_timeout_s)

    def client(self, pharmacy_id: int) -> ItsClient:
        if pharmacy_id not in self._clients:
            self._clients[pharmacy_id] = self._factory(pharmacy_id)
        return self._clients[pharmacy_id]

    def close(self) -> None:
        for c in self._clients.values():
            c.close()
        self._clients.clear()

    def drop_client(self, pharmacy_id: int) -> None:
        """Forget a pharmacy's client: the next batch reads its (maybe corrected) credentials."""
        c = self._clients.pop(pharmacy_id, None)
        if c is not None:
            c.close()

    def _today(self) -> date:
        """The pharmacy's date (Europe/Istanbul, as the web's): a worker process runs for days."""
        from zoneinfo import ZoneInfo

        return self.today or datetime.now(ZoneInfo("Europe/Istanbul")).date()

    # --- loop ------------------------------------------------------------------------------
    def run(self, *, submission_id: int | None = None, pharmacy_id: int | None = None,
            max_seconds: float | None = None,
            on_batch: Callable[[WorkerStats], None] | None = None) -> WorkerStats:
        """Work until no open batch is left (or ``max_seconds``); returns the statistics.

        Acts for ``pharmacy_id`` (or the current tenant, or the submission's pharmacy); with
        none of them, for every pharmacy that has open batches, one batch at a time.
        """
        started = time.monotonic()
        if pharmacy_id is None and submission_id is not None:
            pharmacy_id = tenant.current() or self._pharmacy_of(submission_id)
        while True:
            if self.run_once(submission_id=submission_id, pharmacy_id=pharmacy_id):
                if on_batch:
                    on_batch(self.stats)
                continue
            if self._open_left(pharmacy_id, submission_id) == 0 or self.stats.login_refused:
                return self.stats  # (what is left waits for new İTS credentials)
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                return self.stats
            time.sleep(0.05)

    def run_once(self, *, submission_id: int | None = None,
                 pharmacy_id: int | None = None) -> bool:
        """Claim and process one due batch; False when none is due.

        Each batch is claimed and processed acting for its pharmacy (``tenant.acting_for``):
        under row-level security a transaction sees one pharmacy's rows only. Without a
        pharmacy (given or current), the pharmacies with due batches come from
        ``outbox.due_pharmacies``, served in turn from the one after the last served.
        """
        pid = pharmacy_id if pharmacy_id is not None else tenant.current()
        if pid is not None:
            with tenant.acting_for(pid):
                return self._run_once_for(pid, submission_id)
        with self.db.connect() as conn:
            due = ob.due_pharmacies(conn, _now())
        due = [q for q in due if q > self._last_pharmacy] + [
            q for q in due if q <= self._last_pharmacy]
        for q in due:
            with tenant.acting_for(q):
                if self._run_once_for(q, submission_id):
                    self._last_pharmacy = q
                    return True
        return False

    def _run_once_for(self, pharmacy_id: int, submission_id: int | None) -> bool:
        now = _now()
        with self.db.begin() as conn:
            batch = ob.claim_batch(conn, owner=self.owner, now=now,
                                   lease_until=now + timedelta(seconds=self.lease_s),
                                   submission_id=submission_id, pharmacy_id=pharmacy_id)
        if batch is None:
            return False
        self.stats.batches += 1
        where = {"submission": batch.submission_id, "batch": batch.batch_key,
                 "pharmacy_id": batch.pharmacy_id, "worker": self.owner}
        event(log, "batch_claimed", **where)
        try:
            self._process(batch.submission_id, batch.batch_key)
        except ItsLoginRefused as exc:  # nothing was sent; wait for new credentials
            self.stats.errors.append(exc.message)
            self.stats.login_refused += 1
            event(log, "its_login_refused", level=logging.WARNING, error=exc.message[:300],
                  **where)
            self._login_refused(batch.pharmacy_id, batch.submission_id, batch.batch_key, exc)
        except ItsError as exc:  # status query or token failed: nothing was sent; later
            self.stats.errors.append(exc.message)
            event(log, "batch_error", level=logging.WARNING, error=exc.message[:300], **where)
            self._release(batch.submission_id, batch.batch_key, delay_s=self.unknown_delay_s * 4)
        return True

    def _login_refused(self, pid: int, sid: int, bkey: str, exc: ItsLoginRefused) -> None:
        """Stop sending for the pharmacy: every open batch waits :data:`LOGIN_REFUSED_RETRY_S`
        (one login attempt an hour, not one per batch every few seconds); the refusal is kept
        for the pages and audited once."""
        self.drop_client(pid)
        self._release(sid, bkey, delay_s=LOGIN_REFUSED_RETRY_S)
        now = _now()
        with self.db.begin() as conn:
            ob.reschedule_pharmacy(conn, pid, now + timedelta(seconds=LOGIN_REFUSED_RETRY_S), now)
            if mark_login_refused(conn, pid, exc.message, now):
                append_event(conn, pid, None, "notify.its_login_refused",
                             {"submission": sid, "batch": bkey, "error": exc.message[:300],
                              "code": exc.code, "worker": self.owner})

    def _open_left(self, pharmacy_id: int | None, submission_id: int | None) -> int:
        pid = pharmacy_id if pharmacy_id is not None else tenant.current()
        if pid is not None:
            with tenant.acting_for(pid), self.db.connect() as conn:
                return ob.open_batch_count(conn, pid, submission_id)
        with self.db.connect() as conn:
            return sum(n for _due, n in ob.outbox_pharmacies(conn, _now()).values())

    def _pharmacy_of(self, submission_id: int) -> int | None:
        """Installation-wide ``run(submission_id=…)`` (``eczane notify send 7``): whose is it."""
        with self.db.connect() as conn:
            candidates = list(ob.outbox_pharmacies(conn, _now()))
        for q in candidates:
            with tenant.acting_for(q), self.db.connect() as conn:
                if ob.get_submission(conn, submission_id) is not None:
                    return q
        return None

    # --- one batch -------------------------------------------------------------------------
    def _process(self, sid: int, bkey: str) -> None:
        with self.db.begin() as conn:
            sub = ob.get_submission(conn, sid)
            drop_counted(conn, sub, None, bkey)
            packs = ob.submission_packs(conn, sid, batch_key=bkey, states=[
                s.value for s in PackState if not s.is_final])
        kind = Kind(sub.kind)
        to_check = [r for r in packs if r.state in (PackState.SENDING.value, PackState.UNKNOWN.value)]
        sendable = [r for r in packs if r.state in (PackState.PENDING.value, PackState.RETRY.value)]
        if to_check:
            again = self._resolve_by_status(sub, to_check)
            sendable += again
        problems = send_problems(sub.kind, sub.reason_code, self._today(), self.windows)
        if sendable and problems:
            self._record(sub, bkey, {(r.gtin, r.serial): PackDecision(
                PackState.REFUSED, "", "Gönderilmedi: " + problems[0].message) for r in sendable},
                event="notify.batch_blocked")
            sendable = []
        if sendable:
            self._send(sub, kind, bkey, sendable)
        self._release(sid, bkey)

    def _resolve_by_status(self, sub: Any, rows: list[Any]) -> list[Any]:
        """Ask İTS about exactly these packs; record the done ones; return those to resend."""
        client = self.client(sub.pharmacy_id)
        keys = [(r.gtin, r.serial) for r in rows]
        self.stats.status_checks += 1
        answers = client.check_status(keys)
        gln = client.credentials.gln
        decisions: dict[tuple[str, str], PackDecision] = {}
        again = []
        for r in rows:
            a = answers.get((r.gtin, r.serial))
            d = decide_after_status(Kind(sub.kind), None if a is None else StatusAnswer(a[0], a[1]), gln)
            if d.state is PackState.RETRY:
                again.append(r)
            else:
                decisions[(r.gtin, r.serial)] = d
                if d.state is PackState.ACCEPTED:
                    self.stats.accepted_by_status += 1
        retry_marks = {(r.gtin, r.serial): PackDecision(PackState.RETRY, "", "") for r in again}
        self._record(sub, "", {**decisions, **retry_marks}, event="notify.status_checked",
                     extra={"asked": len(keys), "to_resend": len(again)})
        return again

    def _send(self, sub: Any, kind: Kind, bkey: str, rows: list[Any]) -> None:
        keys = [(r.gtin, r.serial) for r in rows]
        client = self.client(sub.pharmacy_id)
        client.ensure_token()  # a login failure leaves the packs pending (run_once releases)
        now = _now()
        with self.db.begin() as conn:
            if not ob.renew_lease(conn, sub.id, bkey, owner=self.owner, now=now,
                                  lease_until=now + timedelta(seconds=self.lease_s)):
                return  # another worker holds this batch now: it will re-check before sending
            if clear_login_refused(conn, sub.pharmacy_id):  # İTS took the login again
                append_event(conn, sub.pharmacy_id, None, "notify.its_login_accepted",
                             {"submission": sub.id, "batch": bkey, "worker": self.owner})
            ob.set_pack_states(conn, sub.id, {
                (r.gtin, r.serial): {"state": PackState.SENDING.value, "attempts": r.attempts + 1,
                                     "last_attempt_at": now} for r in rows})
            append_event(conn, sub.pharmacy_id, None, "notify.batch_sending",
                         {"submission": sub.id, "batch": bkey, "kind": sub.kind,
                          "reason": sub.reason_code, "packs": len(rows), "worker": self.owner,
                          "attempt": max(r.attempts for r in rows) + 1})
        items = [p.Item(r.gtin, r.serial, r.batch or "",
                        r.expiry.isoformat() if r.expiry else "") for r in rows]
        self.stats.sends += 1
        try:
            if kind is Kind.ACCEPTANCE:
                result = client.accept(items)
            elif kind is Kind.CANCEL:
                result = client.cancel_deactivation(items)
            else:
                result = client.deactivate(sub.reason_code, items, sub.description or "")
        except ItsLoginRefused:
            raise  # a new login mid-send refused: nothing sent; the packs, left sending, are
            # checked with İTS before the next attempt
        except ItsError as exc:
            if exc.maybe_committed:
                self.stats.ambiguous += 1
                state, code = PackState.UNKNOWN, ""
            elif exc.permanent:
                state, code = PackState.REFUSED, exc.code
            else:
                self.stats.retries += 1
                state, code = PackState.RETRY, exc.code
            self._record(sub, bkey, {k: PackDecision(state, code, exc.message[:300]) for k in keys},
                         event="notify.batch_failed", extra={"error": exc.message})
            return
        outcomes = p.result_codes()
        decisions = {}
        for r in rows:
            k = (r.gtin, r.serial)
            uc = result.codes.get(k)
            if uc is None:
                decisions[k] = PackDecision(PackState.UNKNOWN, "", "İTS yanıtında bu kutu yok; sorgulanacak")
            else:
                decisions[k] = decide_result(uc, outcomes, kind=kind, sent_before=r.attempts > 0)
        self.stats.retries += sum(1 for d in decisions.values() if d.state is PackState.RETRY)
        self._record(sub, bkey, decisions, event="notify.batch_result",
                     extra={"notification_id": result.notification_id}, nid=result.notification_id)

    def _record(self, sub: Any, bkey: str, decisions: Mapping[tuple[str, str], PackDecision], *,
                event: str, extra: Mapping[str, Any] | None = None, nid: str | None = None) -> None:
        if not decisions:
            return
        updates: dict[tuple[str, str], dict[str, Any]] = {}
        tally: dict[str, int] = {}
        codes: dict[str, int] = {}
        for k, d in decisions.items():
            vals: dict[str, Any] = {"state": d.state.value, "result_code": d.code or None,
                                    "result_text": d.text or None}
            if nid:
                vals["notification_id"] = nid
            updates[k] = vals
            tally[d.state.value] = tally.get(d.state.value, 0) + 1
            if d.code:
                codes[d.code] = codes.get(d.code, 0) + 1
        with self.db.begin() as conn:
            ob.set_pack_states(conn, sub.id, updates)
            if sub.kind == Kind.CANCEL.value and sub.ref_submission_id:
                ob.release_cancelled(conn, sub.ref_submission_id, sub.id, [
                    k for k, d in decisions.items() if d.state is PackState.ACCEPTED])
            append_event(conn, sub.pharmacy_id, None, event,
                         {"submission": sub.id, "batch": bkey, "states": tally, "codes": codes,
                          "worker": self.owner, **(extra or {})})
        _log_event(event, submission=sub.id, batch=bkey, pharmacy_id=sub.pharmacy_id,
                   states=tally, codes=codes, worker=self.owner,
                   **({"error": str(extra["error"])[:300]} if extra and "error" in extra else {}))

    def _release(self, sid: int, bkey: str, *, delay_s: float | None = None) -> None:
        with self.db.begin() as conn:
            left = ob.submission_packs(conn, sid, batch_key=bkey, states=[
                s.value for s in PackState if not s.is_final])
            if delay_s is None:
                if any(r.state == PackState.UNKNOWN.value for r in left):
                    delay_s = self.unknown_delay_s
                else:
                    delay_s = retry_delay_s(max((r.attempts for r in left), default=1),
                                            base_s=self.retry_base_s)
            ob.release_batch(conn, sid, bkey, owner=self.owner,
                             due_at=_now() + timedelta(seconds=delay_s), done=not left,
                             sent=True)
            ob.finish_if_done(conn, sid)
        event(log, "batch_released", submission=sid, batch=bkey, open_packs=len(left),
              retry_in_s=None if not left else round(delay_s, 2), worker=self.owner)


_LOG_NAMES = {"notify.batch_result": "batch_sent", "notify.batch_failed": "batch_failed",
              "notify.batch_blocked": "batch_blocked", "notify.status_checked": "status_checked"}


def _log_event(audit_name: str, **fields: Any) -> None:
    """The log line beside an audit event: counts per state and İTS code, never a serial."""
    level = logging.WARNING if audit_name == "notify.batch_failed" else logging.INFO
    event(log, _LOG_NAMES.get(audit_name, audit_name), level=level, **fields)


def _seed_demo_credentials(conn: Any, pharmacy_id: int, today: date) -> None:
    """Demo pharmacy: İTS user ``<DEMO_GLN>0000`` / ``demo`` (the simulator's --demo user)."""
    from eczane.config import Settings
    from eczane.its.credentials import ItsCredentials, save_credentials
    from eczane.its.simulator import DEMO_PASSWORD, DEMO_USERNAME_SUFFIX
    from eczane.store.demo import DEMO_GLN

    save_credentials(conn, pharmacy_id,
                     ItsCredentials(DEMO_GLN, DEMO_GLN + DEMO_USERNAME_SUFFIX, DEMO_PASSWORD),
                     Settings.from_env().resolved_secret_key())


def _register_demo() -> None:
    from eczane.store.demo import DEMO_SEEDERS

    if _seed_demo_credentials not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(_seed_demo_credentials)


_register_demo()
