"""``eczane placement``: the eczacı yerleştirme run, the what-if and the exports.

    eczane placement run --json ilan.csv basvurular.xlsx [--seed 2026-1]   # JSON result on stdout
    eczane placement run ilan.csv basvurular.xlsx --xlsx sonuc.xlsx         # readable report
    eczane placement whatif --score 42.5 --pref "İstanbul/Kadıköy" --pref "Ankara/Çankaya"
    eczane placement export sonuc.xlsx
    eczane placement announce eczane_sayilari.csv --out ilan.csv           # 3,500 rule
    eczane placement demo ornek.json --applicants 400 --places 120

Every run is saved (canonical input, ``data_dir/placement/son.json``) so ``whatif`` and
``export`` answer about the last run. Formats: docs/placement.md. Bad input: exit code 2 and one
Turkish line per problem (file, row, field) on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from eczane.cli.common import console, print_json, settings

if TYPE_CHECKING:  # the engine and its I/O are imported when a command runs (fast start)
    from eczane.domain.licensing.placement import PlacementInput, PlacementResult
    from eczane.placement_io import RunStore

LAST = "son"


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Eczacı yerleştirme: çalıştırma, ne olurdu, taban puanlar, dışa "
                        "aktarma.", no_args_is_help=True)
    group.command("run")(run)
    group.command("whatif")(whatif)
    group.command("export")(export)
    group.command("announce")(announce)
    group.command("demo")(demo)
    app.add_typer(group, name="placement")


def _store() -> RunStore:
    from eczane.placement_io import RunStore

    return RunStore(settings().data_dir)


def _fail(lines: list[str]) -> None:
    for line in lines:
        console.print(line, style="red", markup=False, highlight=False)
    raise typer.Exit(2)


def _load(files: list[Path], seed: str | None, announcement_date: str | None,
          second_round: bool | None) -> tuple[PlacementInput, tuple[str, ...]]:
    from eczane.placement_io import PlacementInputError, load_inputs, parse_date

    missing = [str(f) for f in files if not f.exists()]
    if missing:
        _fail([f"Dosya yok: {m}" for m in missing])
    try:
        ann = parse_date(announcement_date) if announcement_date else None
        loaded = load_inputs(files, seed=seed, announcement_date=ann, second_round=second_round)
    except PlacementInputError as exc:
        _fail([str(i) for i in exc.issues])
        raise
    except ValueError as exc:
        _fail([str(exc)])
        raise
    return loaded.input, loaded.notes


def _saved(run_id: str) -> PlacementInput:
    store = _store()
    if store.meta(run_id) is None:
        _fail([f"Kayıtlı yerleştirme yok: {run_id!r}. Önce 'eczane placement run' çalıştırın."])
    return store.load(run_id)


def run(
    files: list[Path] = typer.Argument(..., help="İlan, başvurular, eczane sayıları (CSV/XLSX/JSON)."),
    json_out: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz (stdout)."),
    seed: str | None = typer.Option(None, help="Kura tohumu (dosyadakini geçersiz kılar)."),
    announcement_date: str | None = typer.Option(None, "--announcement-date",
                                                 help="İlan tarihi (30 gün kontrolü)."),
    second_round: bool | None = typer.Option(None, "--second-round/--no-second-round",
                                             help="İkinci yerleştirme (varsayılan: yapılır)."),
    xlsx: Path | None = typer.Option(None, help="Sonuçları bu XLSX dosyasına da yaz."),
    show: int = typer.Option(20, help="Metin çıktıda gösterilecek başvuru sayısı."),
    all_draws: bool = typer.Option(False, "--all-draws", help="Sonucu etkilemeyen kuraları da yaz."),
) -> None:
    """Yerleştirmeyi çalıştırır: puan sırası, tercih sırası, eşit puanda kayıtlı kura, 2. tur."""
    from eczane.domain.licensing.placement import run_placement
    from eczane.placement_io import draw_lines, result_to_json, write_xlsx

    inp, notes = _load(files, seed, announcement_date, second_round)
    result = run_placement(inp)
    _store().save(inp, title="Komut satırı", run_id=LAST)
    for note in notes:
        console.print(note)
    if xlsx is not None:
        write_xlsx(xlsx, inp, result)
        console.print(f"XLSX yazıldı: {xlsx}")
    if json_out:
        print_json(result_to_json(inp, result))
        return
    _report(inp, result, show, draw_lines(result, only_decisive=not all_draws))


def _report(inp: PlacementInput, result: PlacementResult, show: int, draws: list[str]) -> None:
    from eczane.domain.licensing.placement_report import district_table
    from eczane.placement_io import fmt_score, tr_sort_key

    placed = sum(1 for o in result.outcomes if o.status.value == "yerlesti")
    typer.echo(f"Kura tohumu: {result.seed}")
    typer.echo(f"{len(inp.districts)} ilçe, {sum(d.places for d in inp.districts)} yer, "
               f"{len(inp.applicants)} başvuru, {placed} yerleşti.")
    for note in result.notes:
        typer.echo(note)
    typer.echo("\nKura (eşit puanda çekiliş sırası, önce gelen önce yerleşir):")
    for line in draws or ["sonucu etkileyen kura yok"]:
        typer.echo("  " + line)
    typer.echo("\nTaban puanlar (en düşük yerleşen puan):")
    for r in sorted(district_table(inp, result), key=lambda r: (tr_sort_key(r.district.province),
                                                                 tr_sort_key(r.district.name)))[:show]:
        typer.echo(f"  {r.district.label}: {r.district.places} yer, taban {fmt_score(r.base)}, "
                   f"boş {r.empty}")
    typer.echo(f"\nİlk {show} başvuru:")
    for o in result.outcomes[:show]:
        typer.echo(f"  {o.applicant_id} ({fmt_score(o.score)}): {o.reason}")


def whatif(
    score: str = typer.Option(..., help="Denenecek yerleştirme puanı (ör. 42,5)."),
    pref: list[str] = typer.Option([], "--pref", help="Tercih (İl/İlçe), sırayla; tekrarlanır."),
    applicant_id: str | None = typer.Option(None, "--id", help="Yerleştirmedeki başvurunuzun no'su."),
    run_id: str = typer.Option(LAST, "--run", help="Kayıtlı yerleştirme (varsayılan: son)."),
    json_out: bool = typer.Option(False, "--json", help="JSON yaz."),
) -> None:
    """Son yerleştirmenin verisiyle: bu puanla tercihlerimden hangisini alırdım?"""
    from eczane.domain.licensing.placement import run_placement, score_key
    from eczane.domain.licensing.placement_report import VERDICT_TR, Verdict, reachable, what_if
    from eczane.placement_io import district_index, fmt_score, parse_score, tr_sort_key

    try:
        s = parse_score(score)
    except ValueError as exc:
        _fail([f"--score: {exc}"])
        raise
    inp = _saved(run_id)
    idx = district_index()
    keys = []
    for i, p in enumerate(pref, start=1):
        try:
            keys.append(idx.resolve(p))
        except ValueError as exc:
            _fail([f"--pref {i}: {exc}"])
    result = run_placement(inp)
    if not keys:
        gets = [d for d, v in reachable(inp, result, s) if v is Verdict.GETS]
        lottery = [d for d, v in reachable(inp, result, s) if v is Verdict.LOTTERY]
        if json_out:
            print_json({"score": score_key(s), "gets": [d.key for d in gets],
                        "lottery": [d.key for d in lottery]})
            return
        typer.echo(f"Puan {fmt_score(s)} ile ilk tercih olarak yazsaydınız alabileceğiniz "
                   f"{len(gets)} ilçe (kuraya kalan {len(lottery)}):")
        for d in sorted(gets, key=lambda d: (tr_sort_key(d.province), tr_sort_key(d.name))):
            typer.echo(f"  {d.label}")
        return
    w = what_if(inp, result, s, keys, applicant_id=applicant_id)
    if json_out:
        print_json({"score": score_key(s), "summary": w.summary,
                    "gets": None if w.gets is None else {"rank": w.gets.rank, "key": w.gets.key},
                    "lines": [{"rank": x.rank, "key": x.key, "verdict": x.verdict.value,
                               "above": x.above, "equal": x.equal,
                               "base_score_round1": None if x.base1 is None
                               else score_key(x.base1)} for x in w.lines]})
        return
    typer.echo(w.summary)
    for x in w.lines:
        info = idx.rows.get(x.key)
        label = x.district.label if x.district else (
            f"{info.name} ({info.province})" if info else x.key)
        typer.echo(f"  tercih {x.rank}: {label} — {VERDICT_TR[x.verdict]} "
                   f"(1. yerleştirme taban puanı {fmt_score(x.base1)})")


def export(
    out: Path = typer.Argument(..., help="Çıktı dosyası: .xlsx veya .json"),
    run_id: str = typer.Option(LAST, "--run", help="Kayıtlı yerleştirme (varsayılan: son)."),
) -> None:
    """Son yerleştirmenin sonuçlarını XLSX (Özet, Sonuçlar, Taban puanlar, Kura) veya JSON yazar."""
    from eczane.domain.licensing.placement import run_placement
    from eczane.placement_io import result_to_json, write_xlsx

    inp = _saved(run_id)
    result = run_placement(inp)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(result_to_json(inp, result), ensure_ascii=False, indent=1),
                       encoding="utf-8")
    else:
        write_xlsx(out, inp, result)
    console.print(f"Yazıldı: {out}")


def announce(
    files: list[Path] = typer.Argument(..., help="İlçe başına mevcut eczane sayıları (CSV/XLSX/JSON)."),
    out: Path | None = typer.Option(None, help="İlanı bu CSV'ye yaz (yoksa stdout)."),
) -> None:
    """3.500 kişi kuralıyla ilan türetir: ⌊nüfus/3500⌋ − mevcut eczane (TÜİK ADNKS 2023)."""
    from eczane.domain.licensing.placement import PlacementInput
    from eczane.placement_io import PlacementInputError, announcement_csv, announcement_from_counts

    try:
        districts, notes = announcement_from_counts(files)
    except PlacementInputError as exc:
        _fail([str(i) for i in exc.issues])
        raise
    text = announcement_csv(PlacementInput(districts, (), seed=0))
    for n in notes:
        console.print(n)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"{len(districts)} ilçe yazıldı: {out}")


def demo(
    out: Path = typer.Argument(..., help="Yazılacak JSON (eczane.placement/1)."),
    applicants: int = typer.Option(400, help="Başvuru sayısı."),
    places: int = typer.Option(120, help="Toplam yer."),
    seed: int = typer.Option(1, help="Üretim tohumu."),
) -> None:
    """Gerçek 973 ilçe üzerinde uydurma (TİTCK verisi olmayan) örnek bir yerleştirme girdisi yazar."""
    from eczane.placement_io import input_to_json, synthetic_input

    inp = synthetic_input(applicants=applicants, places=places, seed=seed)
    out.write_text(json.dumps(input_to_json(inp), ensure_ascii=False), encoding="utf-8")
    console.print(f"Örnek girdi yazıldı: {out} ({applicants} başvuru, {places} yer; uydurma veri)")

