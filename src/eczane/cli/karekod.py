"""``eczane karekod``: parse karekods (JSON lines), decode them from images, render labels.

Interfaces (kept stable, outside checks rely on them; see docs/karekod.md):

- ``eczane karekod parse --jsonl``: stdin has one JSON string per line (the raw input, control
  characters included); stdout has one JSON object per line, in the same order:
  ``{"ok": true, "gtin": …, "serial": …, "expiry": "YYYY-MM-DD", "batch": …}`` or
  ``{"ok": false, "error": "<code>", "message": "…"}``.
- ``eczane karekod decode IMAGE...``: the same objects, one per DataMatrix found, with ``file``.
- ``eczane karekod label``: a karekod as a PNG (GS1 DataMatrix with the HRI underneath).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import typer

from eczane.cli.common import console, parse_today
from eczane.domain.karekod import Karekod, KarekodResult, parse_karekod


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Karekod: çözümle (JSON satırları), görüntüden oku, etiket üret.",
        no_args_is_help=True,
    )
    group.command("parse")(parse)
    group.command("decode")(decode)
    group.command("label")(label)
    app.add_typer(group, name="karekod")


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


def _jsonl_stream(lines: Iterable[str], write: Any, day: date, known: Any, details: bool) -> None:
    """The ``--jsonl`` loop: one output line per input line, in order. Kept flat (it runs once
    per line): a plain quoted line is unquoted on the spot, any other through
    :func:`_json_string`."""
    for no, line in enumerate(lines, start=1):
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


def parse(
    texts: list[str] = typer.Argument(None, help="Karekodlar (verilmezse standart girdi)."),
    jsonl: bool = typer.Option(
        False, "--jsonl", help="Girdi satırları JSON dizgesi; her satıra bir JSON nesnesi yaz."
    ),
    details: bool = typer.Option(False, "--details", help="Uyarıları ve adayları da yaz."),
    known: Path | None = typer.Option(
        None,
        "--known",
        help="Bilinen kutular (her satırda GTIN ve seri no, sekme/virgül/boşlukla ayrılmış): "
        "ayraçsız karekodun birden çok okuması varsa listede olan seçilir.",
    ),
    today: str | None = typer.Option(None, help="Bugünün tarihi (YYYY-AA-GG); SKT yüzyılı için."),
) -> None:
    """Karekodları çözümler: GTIN, seri no, SKT, parti no ya da hata kodu ve Türkçe açıklama."""
    day = parse_today(today)
    known_keys = _read_known(known) if known else None
    out = sys.stdout
    write = out.write
    if jsonl and not texts:
        _jsonl_stream(sys.stdin, write, day, known_keys, details)
    else:
        lines = texts or (line.rstrip("\r\n") for line in sys.stdin)
        for text in lines:
            write(_line(parse_karekod(text, today=day, known=known_keys), details))
    out.flush()


def _read_known(path: Path) -> set[Any]:
    from eczane.domain.pack import PackKey

    keys = set()
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.replace(",", " ").replace("\t", " ").replace(";", " ").split()
        if len(parts) >= 2:
            keys.add(PackKey(parts[0], parts[1]))
    return keys


def decode(
    images: list[Path] = typer.Argument(..., help="Fotoğraf/tarama dosyaları (PNG, JPEG, …)."),
    details: bool = typer.Option(False, "--details", help="Uyarıları, adayları ve konumu da yaz."),
    today: str | None = typer.Option(None, help="Bugünün tarihi (YYYY-AA-GG)."),
) -> None:
    """Görüntülerdeki DataMatrix karekodları bulur ve her biri için bir JSON satırı yazar."""
    from eczane.karekod_image import decode_files

    day = parse_today(today)
    failed = False
    for path in images:
        if not path.is_file():
            _emit_missing(path, "Dosya bulunamadı.")
            failed = True
            continue
        try:
            found = next(iter(decode_files([path], today=day)))[1]
        except OSError as exc:
            _emit_missing(path, f"Görüntü açılamadı: {exc}")
            failed = True
            continue
        if not found:
            _emit_missing(path, "Görüntüde karekod (DataMatrix) bulunamadı.")
            failed = True
        for code in found:
            obj = {"file": str(path), **result_json(code.result, details=details)}
            if details:
                obj["raw"] = code.text
                obj["position"] = code.position
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    if failed:
        raise typer.Exit(1)


def _emit_missing(path: Path, message: str) -> None:
    obj = {"file": str(path), "ok": False, "error": "not_found", "message": message}
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def label(
    text: str | None = typer.Argument(None, help="Karekod (her biçim); ya da alanları verin."),
    gtin: str | None = typer.Option(None, help="GTIN (14 hane)."),
    serial: str | None = typer.Option(None, help="Seri no."),
    expiry: str | None = typer.Option(None, help="SKT (YYYY-AA-GG)."),
    batch: str | None = typer.Option(None, help="Parti no."),
    output: Path = typer.Option(..., "--output", "-o", help="PNG dosyası."),
    module_px: int = typer.Option(8, help="Bir modülün piksel boyu."),
    caption: bool = typer.Option(True, help="Altına okunur metni yaz."),
    today: str | None = typer.Option(None, help="Bugünün tarihi (YYYY-AA-GG)."),
) -> None:
    """Bir karekodu GS1 DataMatrix PNG olarak üretir (test, demo, raf etiketi)."""
    from eczane.karekod_image import render

    day = parse_today(today)
    if text is None:
        if not (gtin and serial and expiry and batch):
            console.print("[red]Karekod metni ya da --gtin, --serial, --expiry, --batch verin.[/red]")
            raise typer.Exit(2)
        try:
            exp = date.fromisoformat(expiry)
        except ValueError:
            console.print(f"[red]Geçersiz SKT: {expiry!r} (YYYY-AA-GG bekleniyor)[/red]")
            raise typer.Exit(2) from None
        text = Karekod(gtin, serial, exp, batch).element_string()
    result = parse_karekod(text, today=day)
    if result.value is None:
        assert result.error is not None
        console.print(f"[red]{result.error.message}[/red]")
        raise typer.Exit(1)
    render(result.value, module_px=module_px, caption=caption).save(output, format="PNG")
    console.print(f"Etiket yazıldı: {output}  {result.value.hri()}")
