"""``eczane karekod parse``'s work, without Typer: read inputs, write one JSON line each.

It imports only the karekod engine and the standard library, so that ``eczane karekod parse``
starts fast: :func:`fast_main` runs the command straight from ``sys.argv`` when it holds only
options it knows, and otherwise leaves it to the Typer command (help, errors), which calls
:func:`parse_stream` too — one code path for the output. The interface is described in
:mod:`eczane.cli.karekod` and docs/karekod.md.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from eczane.domain.karekod import Karekod, KarekodResult, parse_karekod


def result_json(result: KarekodResult, *, details: bool = False) -> dict[str, Any]:
    """The JSON object of one result (the ``parse --jsonl`` interface)."""
    if result.value is not None:
        k = result.value
        out: dict[str, Any] = {
            "ok": True,
            "gtin": k.gtin,
            "serial": k.serial,
            "expiry": k.expiry.isoformat(),
            "batch": k.batch,
        }
        if details:
            out["warnings"] = [{"code": w.code, "message": w.message} for w in result.warnings]
        return out
    assert result.error is not None
    out = {"ok": False, "error": result.error.code, "message": result.error.message}
    if details and result.error.candidates:
        out["candidates"] = [_karekod_json(c) for c in result.error.candidates]
    return out


def _karekod_json(k: Karekod) -> dict[str, str]:
    return {"gtin": k.gtin, "serial": k.serial, "expiry": k.expiry.isoformat(), "batch": k.batch}


_ESCAPES = (("\\u001d", "\x1d"), ("\\u001D", "\x1d"), ("\\r", "\r"), ("\\n", "\n"))
"""The escapes a scanner's input carries in practice (GS, CR, LF), undone without ``json``."""


def _json_string(line: str) -> str | None:
    """The string a JSON line holds, or None if it is not a JSON string.

    The common lines (a quoted karekod, escapes only for GS/CR/LF) are unquoted directly; any
    other line goes through :func:`json.loads`, so the answer is always json's."""
    inner = line[1:-1]
    if (len(line) >= 2 and line[0] == '"' and line[-1] == '"' and '"' not in inner
            and inner.isprintable()):
        if "\\" not in inner:
            return inner
        for escape, char in _ESCAPES:
            inner = inner.replace(escape, char)
        if "\\" not in inner:
            return inner
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, str) else None


def _not_json(no: int) -> dict[str, Any]:
    return {
        "ok": False,
        "error": "syntax",
        "message": f"{no}. satır bir JSON dizgesi değil (örnek: \"0108699…\").",
    }


def _jsonl_stream(lines: Iterable[str], write: Any, day: date, known: Any, details: bool,
                  first_no: int = 1) -> None:
    """The ``--jsonl`` loop: one output line per input line, in order. Kept flat (it runs once
    per line): a plain quoted line is unquoted on the spot, any other through
    :func:`_json_string`."""
    for no, line in enumerate(lines, start=first_no):
        line = line.rstrip("\r\n")
        inner = line[1:-1]
        if (line[:1] == '"' and line[-1:] == '"' and len(line) >= 2 and '"' not in inner
                and "\\" not in inner and inner.isprintable()):
            text = inner
        else:
            got = _json_string(line) if line.strip() else ""
            if got is None:
                write(json.dumps(_not_json(no), ensure_ascii=False) + "\n")
                continue
            text = got
        write(_line(parse_karekod(text, today=day, known=known), details))


def _line(result: KarekodResult, details: bool) -> str:
    """One output line. A plain pack is written directly (GTIN and dates are digits, serial and
    batch are GS1 set-82 characters, so only a quote would need escaping); everything else
    through :func:`json.dumps`."""
    k = result.value
    if k is not None and not details and '"' not in k.serial and '"' not in k.batch:
        return (f'{{"ok": true, "gtin": "{k.gtin}", "serial": "{k.serial}", '
                f'"expiry": "{k.expiry.isoformat()}", "batch": "{k.batch}"}}\n')
    return json.dumps(result_json(result, details=details), ensure_ascii=False) + "\n"


def read_known(path: Path) -> set[Any]:
    from eczane.domain.pack import PackKey

    keys = set()
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.replace(",", " ").replace("\t", " ").replace(";", " ").split()
        if len(parts) >= 2:
            keys.add(PackKey(parts[0], parts[1]))
    return keys


def _line_batches(stream: Any) -> Iterator[list[str]]:
    """Stdin's lines, in batches of what is available at once (up to 64 KiB).

    One write per batch instead of one per line (with ``PYTHONUNBUFFERED`` every write is a
    system call), and still an answer as soon as a line arrives: ``read1`` waits only when
    nothing is available. Lines split like text-mode reading (universal newlines: ``\\r\\n``,
    ``\\r`` and ``\\n`` end a line; the ending is not kept)."""
    raw = getattr(stream, "buffer", None)
    if raw is None or not hasattr(raw, "read1"):
        yield [line.rstrip("\r\n") for line in stream]
        return
    encoding, errors = stream.encoding or "utf-8", stream.errors or "strict"
    pending = b""
    while True:
        chunk = raw.read1(1 << 16)
        if not chunk:
            break
        data = pending + chunk
        cut = max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
        if cut == 0:
            pending = data
            continue
        pending = data[cut:]
        text = data[:cut].decode(encoding, errors)
        yield text.replace("\r\n", "\n").replace("\r", "\n")[:-1].split("\n")
    if pending:  # the last line, without an ending (or with a lone CR: pending ends there)
        yield [pending.decode(encoding, errors).removesuffix("\r")]


def parse_stream(texts: list[str], *, jsonl: bool, details: bool, today: date,
                 known: set[Any] | None) -> None:
    """Parse ``texts`` (or, without them, stdin's lines: JSON strings with ``jsonl``, raw text
    otherwise) and write one JSON object per input to stdout, in order."""
    out = sys.stdout
    write = out.write
    if jsonl and not texts:
        no = 1
        for batch in _line_batches(sys.stdin):
            answers: list[str] = []
            _jsonl_stream(batch, answers.append, today, known, details, no)
            no += len(batch)
            write("".join(answers))
            out.flush()
    else:
        lines = texts or (line.rstrip("\r\n") for line in sys.stdin)
        for text in lines:
            write(_line(parse_karekod(text, today=today, known=known), details))
    out.flush()


def fast_main(args: list[str]) -> bool:
    """Run ``eczane karekod parse ARGS`` without Typer; False (nothing done) when ``args`` hold
    anything but texts, ``--jsonl``, ``--details``, ``--known FILE`` and ``--today YYYY-MM-DD``
    — help, a bad date, an unreadable file or an unknown option are the Typer command's."""
    flags = {"jsonl": False, "details": False}
    values: dict[str, str] = {}
    texts: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if arg in ("--jsonl", "--details"):
            flags[arg[2:]] = True
        elif name in ("--known", "--today"):
            if not eq:
                if i + 1 >= len(args):
                    return False
                i += 1
                value = args[i]
            values[name[2:]] = value
        elif arg.startswith("-"):
            return False
        else:
            texts.append(arg)
        i += 1
    try:
        day = date.fromisoformat(values["today"]) if values.get("today") else date.today()
        known = read_known(Path(values["known"])) if values.get("known") else None
    except (ValueError, OSError):
        return False
    parse_stream(texts, jsonl=flags["jsonl"], details=flags["details"], today=day, known=known)
    return True
