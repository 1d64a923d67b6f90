"""Logs: readable text by default, one JSON object per line on request (``ECZANE_LOG_FORMAT``).

Every event is a logger call with a short English event name and its fields::

    event(log, "batch_claimed", submission=7, batch="7-00001", pharmacy_id=1)

In JSON each line is ``{"ts": ISO-8601 UTC, "level", "logger", "event", "pid", ...fields}``; in
text the same fields follow the event name as ``key=value``. What may be logged: ids, counts,
states, durations, request method and path (never its query string). What is never logged:
karekod serials, passwords, tokens, İTS credentials — callers pass counts, not packs, and the
HTTP log masks the one path that carries a secret (the one-time setup link).

>>> import io, json, logging
>>> out = io.StringIO()
>>> configure("json", stream=out)
>>> event(logging.getLogger("eczane.test"), "hello", n=2)
>>> line = json.loads(out.getvalue())
>>> line["event"], line["n"], line["level"]
('hello', 2, 'info')
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import IO, Any

FORMATS = ("text", "json")
FIELDS = "eczane_fields"
"""The ``LogRecord`` attribute that carries an event's fields."""


def event(logger: logging.Logger, name: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log event ``name`` with ``fields`` (ids and counts only: see the module docstring)."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={FIELDS: fields})


def _base(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(), "logger": record.name, "event": record.getMessage(),
        "pid": os.getpid()}
    out.update(getattr(record, FIELDS, None) or {})
    if record.exc_info and record.exc_info[0] is not None:
        out["error"] = error_text(record.exc_info[1])
    return out


def error_text(exc: BaseException | None) -> str:
    """The error's type and first line; for a database error the driver's own first line, never
    the SQL parameters SQLAlchemy appends (they may hold serials).

    >>> error_text(ValueError("bad\\nsecond line"))
    'ValueError: bad'
    """
    if exc is None:
        return ""
    inner = getattr(exc, "orig", None) or exc
    first = (str(inner).splitlines() or [""])[0].split(" [SQL:")[0]
    return f"{type(inner).__name__}: {first[:300]}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line (ISO timestamps, UTF-8 text kept readable)."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_base(record), ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``2026-12-06T08:50:00.123+00:00 info eczane.worker batch_claimed submission=7 …``."""

    def format(self, record: logging.LogRecord) -> str:
        base = _base(record)
        head = " ".join(str(base.pop(k)) for k in ("ts", "level", "logger", "event"))
        base.pop("pid")
        return " ".join([head, *(f"{k}={v}" for k, v in base.items())])


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at each event (a test runner may swap it)."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


def configure(fmt: str = "text", *, stream: IO[str] | None = None,
              level: int = logging.INFO) -> None:
    """Send the ``eczane`` loggers (and uvicorn's own) to ``stream`` (stderr) in ``fmt``.

    Idempotent: a second call replaces the handler. Uvicorn's access log is switched off; in
    ``json`` the app logs each request itself (``eczane.web.access_log``) with the user and
    pharmacy. In ``text`` requests are not logged (about 50 µs each, on the event loop: the
    scan API answers hundreds a second); worker events and errors are.
    """
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}: {fmt!r}")
    handler: logging.Handler = (logging.StreamHandler(stream) if stream is not None
                                else _StderrHandler())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    for name in ("eczane", "uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(level)
        lg.propagate = False
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("eczane.http").setLevel(level if fmt == "json" else logging.WARNING)
