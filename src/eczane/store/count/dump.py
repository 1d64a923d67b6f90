"""Importing a scanner's memory dump into a session: :func:`decode_dump` reads the uploaded
bytes, :func:`import_dump` records each line like a scan (idempotent per file and line);
:func:`import_rejects` and :func:`clear_import_rejects` list and clear (audited) the lines of
a file import that could not be read (issue 14 finding 5)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.exc import IntegrityError

from eczane.domain.count import CountStatus, ScanState
from eczane.domain.karekod_lines import is_karekod, refusal, split_title
from eczane.importers.tabular import KIND_TR, content_kind
from eczane.store import tenant
from eczane.store.audit import append_event
from eczane.store.count.scan_batch import Item, record_batch
from eczane.store.count.scans import _check_request, _Lookups, record_scan
from eczane.store.count.sessions import get_session
from eczane.store.count.tables import CountError, CountSession, ScanOutcome, count_scan_rejected
from eczane.store.db import Database


@dataclass
class ImportReport:
    """What importing a scanner's memory dump did, line by line."""

    lines: int = 0
    added: int = 0
    duplicates: int = 0
    already_imported: int = 0
    warnings: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    """(line number, raw text, Turkish reason) for lines that were not counted."""
    title: str = ""
    """The title line that was skipped, if any."""


def import_dump(db: Database, session_id: int, lines: Iterable[str], *, grp: str, user_id: int,
                today: date, source: str = "dosya", chunk: int = 500) -> ImportReport:
    """Import a scanner's memory dump (one karekod per line) into a session.

    Each line is recorded like a scan with ``client_scan_id = imp:<file hash>:<line no>``, so
    importing the same file twice adds nothing the second time. Empty lines and a title line
    ("Sayım Karekodları", "Elinizde Olmayan Karekodlar", seed 000 step 4) are skipped, by the
    same rule as the on-hand list (``domain.karekod_lines``). A file where most lines are not
    karekods is refused before anything is stored. Lines are stored ``chunk`` at a time, one
    transaction each (a dump of thousands of packs is not thousands of fsyncs).

    Raises:
        CountError: the session is unknown, paused or closed (chunks already stored stay);
            422 when the file is not a karekod list (nothing stored).
    """
    body = [ln.rstrip("\r\n") for ln in lines]
    digest = hashlib.sha256("\n".join(body).encode()).hexdigest()[:16]
    _check_request(grp, "x")
    title, todo = split_title(list(enumerate(body, start=1)))
    name = source.removeprefix("dosya:")
    bad: list[tuple[int, str]] = []
    good = 0
    for no, raw in todo:
        if not is_karekod(raw, today=today):
            bad.append((no, raw))
        else:
            good += 1
            if 2 * good >= len(todo):   # half are karekods: it cannot be refused, stop reading
                break
    not_a_list = refusal(name, len(todo), bad)
    if not_a_list is not None:
        raise CountError(not_a_list, 422)
    report = ImportReport(title=title[1] if title else "")
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        kw: dict[str, Any] = {"device_id": source[:64], "grp": grp, "user_id": user_id,
                              "today": today}
        try:
            with db.begin() as conn:
                items = record_batch(_Lookups(conn), [
                    Item(tenant.current(), session_id, raw, f"imp:{digest}:{no}", choice=None, **kw)
                    for no, raw in part], check_user=False)
                outs: list[ScanOutcome] = []
                for it in items:
                    if isinstance(it.out, CountError):
                        raise it.out
                    if not isinstance(it.out, ScanOutcome):   # Unexplained: a racing writer
                        raise IntegrityError(None, None, Exception("unexplained"))
                    if it.out.refused:
                        raise CountError(it.out.refused)
                    outs.append(it.out)
        except IntegrityError:   # a scan raced in from a device (PostgreSQL): one by one
            outs = [record_scan(db, session_id, raw=raw, client_scan_id=f"imp:{digest}:{no}",
                                **kw) for no, raw in part]
        for (no, raw), out in zip(part, outs, strict=True):
            _tally(report, no, raw, out)
    with db.begin() as conn:
        session = get_session(conn, session_id)
        assert session is not None
        append_event(conn, session.pharmacy_id, user_id, "count.imported", {
            "session": session_id, "source": source[:200], "file_sha256_16": digest,
            "lines": report.lines, "added": report.added, "duplicates": report.duplicates,
            "problems": len(report.problems)})
    return report


IMPORT_KEY_LEN = 20
"""``imp:`` and the file's 16-hex hash: the part of a file import's ``client_scan_id`` that names
the file (the line number follows)."""


@dataclass(frozen=True)
class ImportRejects:
    """The unreadable lines one file import left in a session."""

    key: str
    """``imp:<file hash>``: what the clear form sends back."""
    source: str
    """Where the lines came from, as stored (``dosya:<name>``)."""
    lines: int

    @property
    def name(self) -> str:
        return self.source.removeprefix("dosya:")


def import_rejects(conn: Connection, session_id: int) -> list[ImportRejects]:
    """File imports of the session that left unreadable lines, oldest first."""
    t = count_scan_rejected
    key = func.substr(t.c.client_scan_id, 1, IMPORT_KEY_LEN)
    rows = conn.execute(
        select(key.label("key"), func.min(t.c.device_id), func.count(), func.min(t.c.id))
        .where(t.c.session_id == session_id, t.c.client_scan_id.like("imp:%"))
        .group_by(key).order_by(func.min(t.c.id)))
    return [ImportRejects(r[0], r[1], int(r[2])) for r in rows]


def clear_import_rejects(conn: Connection, session: CountSession, key: str,
                         user_id: int) -> int:
    """Delete the unreadable lines one file import left (a wrong file, binary garbage), audited.

    Only a file import's lines can be cleared: an unreadable scan from a device stays, so that
    the pack it stood for is looked for again. The audit event keeps how many lines, from which
    file, and a sample of them. Returns the number of lines cleared.

    Raises:
        CountError: the count is closed (409), or the key names no file import of it (404).
    """
    if session.status is CountStatus.CLOSED:
        raise CountError("Kapatılmış sayımda okunamayan satırlar temizlenemez.")
    found = next((g for g in import_rejects(conn, session.id) if g.key == key), None)
    if found is None:
        raise CountError("Bu sayımda bu dosyadan okunamayan satır yok.", 404)
    t = count_scan_rejected
    which = (t.c.session_id == session.id) & t.c.client_scan_id.like(key + ":%")
    sample = [str(r)[:40] for r in conn.execute(select(t.c.raw).where(which)
                                                .order_by(t.c.id).limit(5)).scalars()]
    n = conn.execute(delete(t).where(which)).rowcount
    append_event(conn, session.pharmacy_id, user_id, "count.import_rejects_cleared", {
        "session": session.id, "source": found.source, "file_sha256_16": key[4:],
        "lines": n, "sample": sample})
    return int(n)


def _tally(report: ImportReport, no: int, raw: str, out: ScanOutcome) -> None:
    report.lines += 1
    if out.replayed and out.verdict.counted:
        report.already_imported += 1
    elif out.verdict.code == "duplicate":
        report.duplicates += 1
    elif out.verdict.counted:
        report.added += 1
        if out.verdict.state is ScanState.AMBER:
            report.warnings += 1
    else:
        report.problems.append((no, raw, out.verdict.message))


def decode_dump(data: bytes, name: str = "dosya") -> list[str]:
    r"""Lines of an uploaded scanner dump: UTF-8 (with or without BOM), else Windows-1254.

    >>> decode_dump(b"0108699536080008211\x1d17271231101\r\nX\n")
    ['0108699536080008211\x1d17271231101', 'X']

    Raises:
        CountError: 422 when the bytes are no text at all (a PDF, an XLSX, random bytes).
    """
    kind = content_kind(data[:65536]) if data else "text"
    if kind != "text":
        raise CountError(f"'{name}' {KIND_TR[kind]}; sayıma yalnız okuyucu belleğinin metin "
                         "dosyası (.txt, satır başına bir karekod) aktarılır. Hiçbir şey "
                         "kaydedilmedi.", 422)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1254", errors="replace")
    # Not str.splitlines(): it also splits at GS (0x1D), the karekod's own field separator.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines
