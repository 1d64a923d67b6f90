"""Large imports in a child process at lower CPU priority, so that the web process keeps
answering scans while a 300,000-row İTS list is imported (issue 15, ``bench/hosted_load.py``).

An import in the web process's threadpool holds the GIL for seconds, and ``store.bulk.bulk_mode``
turns the garbage collector off and shortens the switch interval for the whole process: the
process's scan answers went from ~10 ms to 0.4-2 s. Here a file of at least
``ECZANE_IMPORT_PROCESS_MB`` is imported by one child process per web process (started on first
use with ``spawn``: it inherits none of the web's state, on Linux and Windows alike), niced by
``ECZANE_BACKGROUND_NICE``. The request awaits it without blocking the event loop.

A job is a module-level function ``fn(db, job)`` and a picklable ``ImportJob``; it runs inside
``tenant.acting_for(job.pharmacy_id)`` and one ``db.begin()`` transaction. Its exceptions
(``ImportRefused``, ``MappingNeeded``, ``MostlyBadRows``) are pickled back and raised in the
web process. A child that dies (killed, out of memory) took its uncommitted transaction with
it: nothing was kept, and the caller gets ``ImportInterrupted``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from eczane.config import Settings

if TYPE_CHECKING:
    from eczane.store.db import Database

T = TypeVar("T")
log = logging.getLogger("eczane.offload")


class ImportInterrupted(Exception):
    """The import's child process ended before the import did (killed, out of memory):
    its transaction was never committed, nothing was kept. Message in Turkish."""

    message = "İçe aktarma tamamlanamadı, yeniden deneyin."

    def __init__(self) -> None:
        super().__init__(self.message)


def current_nice() -> int:
    """This process's niceness (0 where the platform has none: Windows)."""
    return os.nice(0) if hasattr(os, "nice") else 0


def lower_priority(nice: int) -> int:
    """Make this process at least ``nice`` nice (0: unchanged; a process already nicer, e.g.
    by systemd's ``Nice=``, keeps its own). No-op without ``os.nice`` (Windows). Returns the
    niceness now."""
    if nice > 0 and hasattr(os, "nice"):
        now = os.nice(0)
        if now < nice:
            try:
                os.nice(nice - now)
            except OSError:  # not allowed here (a sandbox): the import still runs
                log.warning("could not lower the priority to nice %d", nice)
    return current_nice()


def lower_session_priority(nice: int) -> int | None:
    """Make this process's scheduling group at least ``nice`` nice, when the process leads its
    own session (``eczane worker`` under systemd, or started by ``setsid``); returns the group's
    niceness now, or None where there is no such group (not Linux, autogroups off, not a
    session leader: a worker started from a shell must not slow the shell's other programs).

    Linux gives each session a scheduling group (autogroup) and shares the CPU fairly between
    groups first: a process's own nice only ranks it within its session, so a niced worker in
    a session of its own took as much CPU as both web processes together (bench/hosted_load.py,
    2026-12-06: scan p99 over 100 ms while it sent). Under systemd with the cpu controller on,
    cgroups rank services instead: ``CPUWeight=`` in deploy/systemd/eczane-worker.service.
    """
    if nice <= 0 or not hasattr(os, "getsid") or os.getsid(0) != os.getpid():
        return None
    now = session_group_nice()
    if now is None or now >= nice:
        return now
    try:
        Path("/proc/self/autogroup").write_text(str(nice), encoding="ascii")
    except OSError:  # not allowed here
        return now
    return session_group_nice()


def watch_parent(on_gone: Callable[[], None], *, stop: threading.Event | None = None,
                 every_s: float = 1.0) -> threading.Thread:
    """Call ``on_gone`` once the process that started this one is gone (this process was
    handed to another parent), checked every ``every_s`` until ``stop`` is set.

    A SIGKILLed (or out-of-memory) web process leaves its import child behind otherwise: the
    child holds both ends of its job queue's pipe, so it never sees the pipe close
    (bench/hosted_load.py's kill phase, 2026-12-06). ``eczane worker`` started by ``eczane
    run`` uses it too (``eczane.its.worker_loop.watch_parent``)."""
    parent = os.getppid()
    done = stop or threading.Event()

    def watch() -> None:
        while not done.wait(every_s):
            if os.getppid() != parent:
                on_gone()
                return

    thread = threading.Thread(target=watch, name="watch-parent", daemon=True)
    thread.start()
    return thread


def session_group_nice(pid: int | str = "self") -> int | None:
    """The niceness of the scheduling group (autogroup) of process ``pid``'s session, or None
    where the process's CPU share is not ranked by one: not Linux, or autogroups off, or the
    process in a cgroup with the cpu controller (a container, systemd's ``CPUWeight=``), where
    the kernel writes nothing in the file."""
    try:  # "/autogroup-88525 nice 0"
        return int(Path(f"/proc/{pid}/autogroup").read_text(encoding="ascii").split("nice")[1])
    except (OSError, IndexError, ValueError):
        return None


def use_child(settings: Settings, path: Path) -> bool:
    """Whether the file at ``path`` is large enough to be imported in a child process."""
    mb = settings.import_process_mb
    if mb < 0:
        return False
    return path.stat().st_size >= mb * 1_000_000


@dataclass(frozen=True)
class ImportJob:
    """What an import needs, and nothing of the web process: picklable values only."""

    pharmacy_id: int
    user_id: int | None
    path: Path
    source_name: str
    today: date
    mapping: dict[str, Any] | None = None
    accept_mostly_bad: bool = False
    data_dir: Path | None = None


@dataclass(frozen=True)
class Imported:
    """An import's outcome as the web answer needs it."""

    id: int
    already_imported: bool = False


@dataclass(frozen=True)
class _Done(Generic[T]):
    """What the child sends back: the job's value or its exception, and where it ran."""

    value: T | None
    error: Exception | None
    pid: int
    nice: int
    seconds: float


def its_stock_job(db: Database, job: ImportJob) -> Imported:
    """The İTS stock import (``store.catalog.import_its_stock``), in one transaction."""
    from eczane.store import catalog, tenant

    with tenant.acting_for(job.pharmacy_id), db.begin() as conn:
        summary = catalog.import_its_stock(
            conn, job.pharmacy_id, job.path, today=job.today, user_id=job.user_id,
            mapping=job.mapping, source_name=job.source_name,
            accept_mostly_bad=job.accept_mostly_bad, data_dir=job.data_dir)
    return Imported(summary.id, summary.already_imported)


def onhand_job(db: Database, job: ImportJob) -> Imported:
    """The on-hand karekod list import (``store.catalog.import_onhand``), in one transaction."""
    from eczane.store import catalog, tenant

    with tenant.acting_for(job.pharmacy_id), db.begin() as conn:
        summary = catalog.import_onhand(conn, job.pharmacy_id, job.path, today=job.today,
                                        user_id=job.user_id, source_name=job.source_name)
    return Imported(summary.id, summary.already_imported)


# --- the child process -------------------------------------------------------------------------

_child_db: Database | None = None


def _child_start(settings: Settings) -> None:
    """Initializer of the child: end with the web process, lower its priority (and its
    session's), open the database once (not migrated: the web process did that)."""
    global _child_db
    # an import in progress dies with it: its transaction is rolled back, nothing is kept
    watch_parent(lambda: os._exit(0))
    lower_priority(settings.background_nice)
    if (settings.background_nice > 0 and hasattr(os, "setsid")
            and session_group_nice() is not None):
        # A session (so a scheduling group) of its own, niced: in the web processes' group,
        # its CPU was charged to them and their scans waited behind it (lower_session_priority).
        # It still ends with the web process (watch_parent) and systemd's cgroup.
        with contextlib.suppress(OSError):
            os.setsid()
        lower_session_priority(settings.background_nice)
    from eczane.store.db import lower_backend_priority, open_database

    _child_db = open_database(settings.effective_database_url, migrate_schema=False)
    lower_backend_priority(_child_db, settings.background_nice)


def _child_run(fn: Callable[[Database, ImportJob], T], job: ImportJob) -> _Done[T]:
    assert _child_db is not None
    start = time.perf_counter()
    value: T | None = None
    error: Exception | None = None
    try:
        value = fn(_child_db, job)
    except Exception as exc:  # raised again in the web process (the import's exceptions pickle)
        error = exc
    finally:
        _child_db.dispose()  # no idle connection kept between imports
    return _Done(value, error, os.getpid(), current_nice(), time.perf_counter() - start)


# --- the web process's side --------------------------------------------------------------------

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_settings: Settings | None = None


def _pool_for(settings: Settings) -> ProcessPoolExecutor:
    """This process's pool of one child, created on first use (again after a child died, or
    for other settings: tests build an app per database)."""
    global _pool, _pool_settings
    with _lock:
        if _pool is not None and _pool_settings != settings:
            _pool.shutdown(wait=False)
            _pool = None
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1,
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_child_start, initargs=(settings,))
            _pool_settings = settings
        return _pool


def _forget(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False)


def shutdown() -> None:
    """Stop the child process (waits for an import in progress)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


async def run_in_child(settings: Settings, fn: Callable[[Database, ImportJob], T],
                       job: ImportJob) -> T:
    """``fn(db, job)`` in the child process, awaited. Its exceptions are raised here; a child
    that dies during the job raises ``ImportInterrupted``."""
    for _ in range(2):
        pool = _pool_for(settings)
        try:
            future = pool.submit(_child_run, fn, job)
            break
        except (BrokenProcessPool, RuntimeError):  # died while idle, or shut down: a new one
            _forget(pool)
    else:
        raise ImportInterrupted
    try:
        done: _Done[T] = await asyncio.wrap_future(future)
    except BrokenProcessPool as exc:
        _forget(pool)
        log.warning("import child process died: %s", job.source_name)
        raise ImportInterrupted from exc
    outcome = "done" if done.error is None else type(done.error).__name__
    log.info("import %s in child process pid=%d nice=%d, %.2f s: %s", outcome,
             done.pid, done.nice, done.seconds, job.source_name,
             extra={"child_pid": done.pid, "child_nice": done.nice, "outcome": outcome})
    if done.error is not None:
        raise done.error
    return done.value  # type: ignore[return-value]  # None only with an error
