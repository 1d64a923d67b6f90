"""Health endpoints for a process supervisor or load balancer (public: no login, no CSRF).

- ``GET /saglik/canli`` (liveness): the process answers; 200 ``{"status": "ok", "pid": …}``.
- ``GET /saglik/hazir`` (readiness): 200 when the database answers, its schema is current and a
  sending worker was seen within ``ECZANE_WORKER_STALE_S``; otherwise 503 naming each failed
  check (machine ``code`` and Turkish ``message``). Both carry the answering process's ``pid``.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from eczane.store.health import readiness

router = APIRouter()


@router.get("/saglik/canli")
async def live() -> JSONResponse:
    return JSONResponse({"status": "ok", "pid": os.getpid()})


@router.get("/saglik/hazir")
def ready(request: Request) -> JSONResponse:
    services = request.app.state.services
    checks = readiness(services.db, now=datetime.now(UTC),
                       worker_stale_s=services.settings.worker_stale_s)
    failed = [asdict(c) for c in checks if not c.ok]
    return JSONResponse({"status": "fail" if failed else "ok", "pid": os.getpid(),
                         "checks": [asdict(c) for c in checks], "failed": failed},
                        status_code=503 if failed else 200)
