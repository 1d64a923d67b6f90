"""``eczane worker``: the outbox sender as its own process (issue 15: the web never sends).

The loop, every ``worker_poll_s`` when idle:

1. Beat: update this worker's row in ``worker_heartbeat`` (what readiness checks).
2. Ask which pharmacies have due batches (``eczane.store.outbox.due_pharmacies``).
3. For each, inside ``tenant.acting_for(pharmacy)``, claim and send one batch with the outbox
   :class:`~eczane.its.outbox.Worker` (leases: several workers may run at once); one batch per
   pharmacy per pass, so a large submission does not hold the others up.

A stop request (SIGTERM/SIGINT, see :func:`install_signals`) is honoured between batches: the
batch in hand is finished and its lease released, then the worker removes its heartbeat and
returns. A second signal exits at once; the lease of a batch then in flight simply expires and
another worker re-checks its packs with İTS before sending (nothing is sent twice).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from eczane.config import Settings
from eczane.its.outbox import ClientFactory, Worker
from eczane.logs import event
from eczane.store import offload, tenant
from eczane.store import outbox as ob
from eczane.store import workers as hb
from eczane.store.db import Database

log = logging.getLogger("eczane.worker")
BEAT_EVERY_S = 5.0
"""A worker beats at most this often (well inside ``worker_stale_s``; on SQLite each beat is a
write that a counting device's scan may wait for)."""


@dataclass
class LoopStats:
    passes: int = 0
    batches: int = 0
    errors: int = 0


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SendingLoop:
    """One worker process's loop; ``stop`` (a ``threading.Event``) ends it between batches."""

    def __init__(self, db: Database, settings: Settings, *, name: str | None = None,
                 poll_s: float | None = None, today: date | None = None,
                 lease_s: float | None = None, client_factory: ClientFactory | None = None,
                 stop: threading.Event | None = None) -> None:
        self.db = db
        self.name = name or default_name()
        self.poll_s = poll_s if poll_s is not None else settings.worker_poll_s
        self.stop = stop or threading.Event()
        self.worker = Worker(db, settings, today=today, lease_s=lease_s,
                             client_factory=client_factory, owner=self.name)
        self.started_at = datetime.now(UTC)
        self.stats = LoopStats()
        self._last_beat = 0.0

    def beat(self, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._last_beat < BEAT_EVERY_S:
            return
        with self.db.begin() as conn:
            hb.beat(conn, name=self.name, host=socket.gethostname(), pid=os.getpid(),
                    started_at=self.started_at, now=datetime.now(UTC))
        self._last_beat = time.monotonic()

    def one_pass(self) -> int:
        """One batch for each pharmacy that has one due; returns how many were handled."""
        self.stats.passes += 1
        with self.db.connect() as conn:
            due = ob.due_pharmacies(conn, datetime.now(UTC))
        done = 0
        for pid in due:
            if self.stop.is_set():
                break
            errors_before = len(self.worker.stats.errors)
            try:
                with tenant.acting_for(pid):
                    done += self.worker.run_once(pharmacy_id=pid)
            except Exception:  # noqa: BLE001 - logged; the lease expires and the batch is retried
                self.stats.errors += 1
                self.worker.drop_client(pid)
                log.exception("worker_error", extra={"eczane_fields": {"pharmacy_id": pid,
                                                                       "worker": self.name}})
            if len(self.worker.stats.errors) > errors_before:
                # İTS refused the login or a query: the pharmacist may be fixing the account
                self.worker.drop_client(pid)
        self.stats.batches += done
        return done

    def run(self, *, once: bool = False) -> LoopStats:
        """Loop until stopped (``once``: until nothing is due now). Always leaves cleanly."""
        event(log, "worker_started", worker=self.name, poll_s=self.poll_s, once=once)
        try:
            while not self.stop.is_set():
                try:
                    self.beat(force=self.stats.passes == 0)
                    done = self.one_pass()
                except Exception:  # noqa: BLE001 - the database may be back on the next pass
                    self.stats.errors += 1
                    log.exception("worker_error", extra={"eczane_fields": {"worker": self.name}})
                    done = 0
                if once and not done:
                    break
                if not done:
                    self.worker.close()  # idle: the next batch reads fresh credentials
                    self.stop.wait(self.poll_s)
        finally:
            self.worker.close()
            try:
                with self.db.begin() as conn:
                    hb.forget(conn, self.name)
            except Exception:  # noqa: BLE001, S110 - the row simply ages out of readiness
                pass
            event(log, "worker_stopped", worker=self.name, batches=self.stats.batches,
                  errors=self.stats.errors)
        return self.stats


def install_signals(stop: threading.Event) -> None:
    """SIGTERM/SIGINT: finish the batch in hand, then stop; a second one exits at once."""

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            event(log, "worker_killed", level=logging.WARNING, signal=signal.Signals(signum).name)
            os._exit(1)
        event(log, "worker_stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def watch_parent(stop: threading.Event, every_s: float = 1.0) -> threading.Thread:
    """Stop (gracefully) once the process that started us is gone (``eczane run`` killed):
    an orphaned worker would otherwise keep sending for a server nobody runs."""

    def gone() -> None:
        event(log, "worker_stopping", reason="parent_gone")
        stop.set()

    return offload.watch_parent(gone, stop=stop, every_s=every_s)
