"""Jobs for the import child process in ``test_import_offload.py`` (importable by the child)."""

from __future__ import annotations

import os
import signal

from eczane.store import catalog, tenant
from eczane.store.offload import Imported, ImportJob


def die_mid_import(db, job: ImportJob) -> Imported:  # type: ignore[no-untyped-def]
    """The real İTS import, whose process is killed (SIGKILL) as soon as the first rows are
    stored, before the transaction commits: as if the kernel's OOM killer took it."""

    def kill(_rows: int) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with tenant.acting_for(job.pharmacy_id), db.begin() as conn:
        catalog.import_its_stock(conn, job.pharmacy_id, job.path, today=job.today,
                                 user_id=job.user_id, source_name=job.source_name,
                                 progress=kill, data_dir=job.data_dir)
    raise AssertionError("not reached")
