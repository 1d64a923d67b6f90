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
from datetime import date
from pathlib import Path

import typer

from eczane.cli.common import console, parse_today
from eczane.cli.karekod_stream import parse_stream, read_known, result_json
from eczane.domain.karekod import Karekod, parse_karekod


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Karekod: çözümle (JSON satırları), görüntüden oku, etiket üret.",
        no_args_is_help=True,
    )
    group.command("parse")(parse)
    group.command("decode")(decode)
    group.command("label")(label)
    app.add_typer(group, name="karekod")


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
    parse_stream(texts or [], jsonl=jsonl, details=details, today=parse_today(today),
                 known=read_known(known) if known else None)


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
