"""``eczane licensing``: the opening-a-pharmacy assistant on the command line.

Every command reads one JSON document (``--json FILE``, ``-`` = stdin) and writes one JSON
document to stdout: ``{"result": …, "reasons": [{"rule", "source", "message", "ok"}, …]}``.
Bad input: exit code 2 and ``{"result": null, "reasons": [], "error": {"code", "message"}}``.
The input and output of each command are documented, with examples, in docs/licensing.md.
Outside checks rely on ``score``, ``rights``, ``site`` and ``deadlines``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from eczane.cli.common import console, parse_today, print_json
from eczane.domain.errors import EczaneError

JSON_OPT = typer.Option(..., "--json", help="Girdi JSON dosyası ('-' = standart girdi).")
TODAY_OPT = typer.Option(None, "--today", help="Bugünün tarihi (YYYY-AA-GG); yoksa sistem tarihi.")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Eczane açma asistanı: haklar, puan, mekân, evrak, harç, süreler.",
                        no_args_is_help=True)
    for name, fn in (("score", score), ("rights", rights), ("site", site),
                     ("deadlines", deadlines), ("vacancies", vacancies_cmd),
                     ("documents", documents), ("fees", fees), ("feasibility", feasibility_cmd),
                     ("names", names), ("tracker", tracker), ("profiles", profiles)):
        group.command(name)(fn)
    app.add_typer(group, name="licensing")


def _fail(code: str, message: str) -> None:
    console.print(f"[red]{message}[/red]")
    print_json({"result": None, "reasons": [], "error": {"code": code, "message": message}})
    raise typer.Exit(2)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        _fail("io", f"Dosya okunamadı: {path} ({exc.strerror}).")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail("bad_json", f"Geçersiz JSON: satır {exc.lineno}, sütun {exc.colno}: {exc.msg}.")
    if not isinstance(data, dict):
        _fail("bad_json", "JSON girdisi bir nesne ({…}) olmalı.")
    return data  # type: ignore[no-any-return]


def _run(path: Path, fn: Callable[[dict[str, Any]], Any]) -> Any:
    data = _read(path)
    try:
        return fn(data)
    except EczaneError as exc:
        _fail(exc.code, exc.message)


def score(json_file: Path = JSON_OPT) -> None:
    """Yerleştirme puanı: meslek yılı + Σ(ilçede yıl × katsayı), doktora ×1,25, devirde yarı."""
    from eczane.licensing_data import run_score

    print_json(_run(json_file, run_score).to_json())


def rights(json_file: Path = JSON_OPT, today: str | None = TODAY_OPT) -> None:
    """Açma / devir / ilçe içi nakil / ilçe dışı nakil hakları (2012 kanunu, 2014 yönetmeliği)."""
    from eczane.licensing_data import run_rights

    day = parse_today(today)
    print_json(_run(json_file, lambda d: run_rights(d, today=day)).to_json())


def site(json_file: Path = JSON_OPT,
         profile: str = typer.Option("yonetmelik-2014", "--profile",
                                     help="yonetmelik-2014, istanbul, hastane, afet-gecici")) -> None:
    """Mekân uygunluğu: her kural için uygun / uygun değil / bilinmiyor."""
    from eczane.licensing_data import run_site

    print_json(_run(json_file, lambda d: run_site(d, profile)).to_json())


def deadlines(json_file: Path = JSON_OPT,
              ics: Path | None = typer.Option(None, "--ics", help="Ayrıca iCalendar (.ics) yaz.")
              ) -> None:
    """İlandan ruhsata süreler (takvim günü / iş günü, resmî tatiller hariç)."""
    from eczane.domain.licensing.deadlines import ics_events
    from eczane.domain.licensing.ical import to_ics
    from eczane.licensing_data import run_deadlines

    result, _ = _run(json_file, run_deadlines)
    if ics is not None:
        text = to_ics(ics_events(result, uid_prefix="cli"), dtstamp=datetime.now(UTC))
        ics.write_bytes(text.encode("utf-8"))
        console.print(f"{len(result.deadlines)} süre {ics} dosyasına yazıldı.")
    print_json(result.to_json())


def vacancies_cmd(json_file: Path = JSON_OPT) -> None:
    """3.500 kişi kuralına göre ilçedeki boş eczane yeri ve istisnalar."""
    from eczane.licensing_data import run_vacancies

    print_json(_run(json_file, run_vacancies).to_json())


def documents(json_file: Path = JSON_OPT, today: str | None = TODAY_OPT) -> None:
    """Ruhsat dosyası belge listesi ve 'en fazla 1 ay önce' kuralı."""
    from eczane.licensing_data import run_documents

    day = parse_today(today)
    print_json(_run(json_file, lambda d: run_documents(d, today=day)).to_json())


def fees(json_file: Path = JSON_OPT) -> None:
    """Ruhsat harcı: 2014 İstanbul tablosu ve yıllara göre nüfus dilimleri."""
    from eczane.licensing_data import run_fees

    print_json(_run(json_file, run_fees).to_json())


def feasibility_cmd(json_file: Path = JSON_OPT) -> None:
    """Fizibilite: aylık giderler, başabaş cirosu, kâr, sermayenin geri dönüşü."""
    from eczane.licensing_data import run_feasibility

    print_json(_run(json_file, run_feasibility).to_json())


def names(json_file: Path = JSON_OPT) -> None:
    """Eczane adı ildeki eczanelerden farklı mı (Türkçe harf duyarlı karşılaştırma)."""
    from eczane.licensing_data import run_names

    print_json(_run(json_file, run_names).to_json())


def tracker(json_file: Path = JSON_OPT, today: str | None = TODAY_OPT) -> None:
    """Ruhsat dosyası takibi: adımların durumu, geciken adım."""
    from eczane.licensing_data import run_tracker

    day = parse_today(today)
    print_json(_run(json_file, lambda d: run_tracker(d, today=day)).to_json())


def profiles() -> None:
    """Mekân kural profillerini listeler."""
    from eczane.domain.licensing.site import excluded_sentence
    from eczane.licensing_data import site_profiles

    print_json({"result": [{"key": p.key, "label": p.label, "min_area_m2": str(p.min_area_m2),
                            "excluded": sorted(p.excluded_kinds),
                            "excluded_text": excluded_sentence(p),
                            "excluded_note": p.excluded_note,
                            "ground_floor": list(p.ground_floor), "source": p.source,
                            "valid_from": p.valid_from} for p in site_profiles().values()],
                "reasons": []})
