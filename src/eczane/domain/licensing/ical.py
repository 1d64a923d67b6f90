"""A minimal iCalendar (RFC 5545) writer for all-day deadline events.

CRLF line ends (§3.1), lines folded at 75 octets without splitting a UTF-8 character (§3.1),
TEXT escaping of backslash, semicolon, comma and newline (§3.3.11), all-day events as
``DTSTART;VALUE=DATE`` with an exclusive ``DTEND`` of the next day (§3.6.1).

>>> from datetime import date, datetime, timezone
>>> ics = to_ics([IcsEvent("a@eczane", date(2026, 1, 5), "Başvuru; son gün, 30 gün")],
...              dtstamp=datetime(2026, 1, 1, tzinfo=timezone.utc))
>>> "SUMMARY:Başvuru\\\\; son gün\\\\, 30 gün\\r\\n" in ics
True
>>> escape_text("a\\\\b\\nc")
'a\\\\\\\\b\\\\nc'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

CRLF = "\r\n"


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    day: date
    summary: str
    description: str = ""


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold_line(line: str) -> str:
    """Fold a content line into ≤ 75-octet pieces joined by CRLF + space (§3.1)."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = ch, n, 74  # continuation lines start with a space
        else:
            current += ch
            size += n
    out.append(current)
    return (CRLF + " ").join(out)


def to_ics(events: Iterable[IcsEvent], *, dtstamp: datetime,
           name: str = "Eczane ruhsat süreleri") -> str:
    """The whole VCALENDAR as a string with CRLF line ends."""
    stamp = dtstamp.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//eczane//ruhsat asistani//TR",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{e.day.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(e.day + timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:{escape_text(e.summary)}", "TRANSP:TRANSPARENT"]
        if e.description:
            lines.append(f"DESCRIPTION:{escape_text(e.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(x) + CRLF for x in lines)
