"""``eczane its import FILE`` (İTS stock export) and ``eczane onhand import FILE`` (the pharmacy
program's karekod list).

Exit codes: 0 imported (row issues are listed, not fatal), 1 refused (nothing imported),
3 the columns must be mapped (``--map``), 2 usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from eczane.cli.common import (
    console,
    database,
    parse_today,
    print_json,
    resolve_pharmacy,
    settings,
)
from eczane.domain.formatting import datetime_tr

if TYPE_CHECKING:
    from rich.progress import Progress

its_app = typer.Typer(help="İTS stok listesi (paydaş paneli 'Stok İndir' XLSX) işlemleri.",
                      no_args_is_help=True)
onhand_app = typer.Typer(help="Eczane programının karekod listesi (elimizdeki kutular).",
                         no_args_is_help=True)

MAX_SHOWN = 50


def register(app: typer.Typer) -> None:
    app.add_typer(its_app, name="its")
    app.add_typer(onhand_app, name="onhand")


def print_issues(issues: list[Any]) -> None:
    if not issues:
        return
    from rich.table import Table

    table = Table(title=f"Sorunlu satırlar ({len(issues)})", show_lines=False)
    for col in ("Satır", "Sütun", "Neden", "Değer"):
        table.add_column(col)
    for i in issues[:MAX_SHOWN]:
        table.add_row(str(i.row_no), i.column, i.message, i.raw)
    console.print(table)
    if len(issues) > MAX_SHOWN:
        console.print(f"… ve {len(issues) - MAX_SHOWN} satır daha (hepsi için --json).")


def _progress() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("[bold]İçe aktarılıyor"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("kutu"), TimeElapsedColumn(), console=console, transient=True)


@its_app.command("import")
def its_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="XLSX, XLS veya CSV."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası (tek eczane varsa gerekmez)."),
    map_: list[str] = typer.Option(  # noqa: B008
        [], "--map", help="Sütun eşleştirmesi: alan=sütun (harf, numara ya da başlık). Alanlar: "
        "gtin serial expiry batch product_name last_tx_date karekod. Bir kez verilir, hatırlanır."),
    header_row: int | None = typer.Option(None, help="Başlık satırı (1'den başlar; 0: başlık yok)."),
    today: str | None = typer.Option(None, help="Bugün (YYYY-AA-GG), karekod yüzyılı için."),
    yes: bool = typer.Option(False, "--yes", help="Satırların çoğu sorunlu olsa da sormadan al."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """İTS stok listesini içe aktarır (tek işlem: ya hepsi ya hiçbiri)."""
    from eczane.importers.headers import FIELD_LABELS_TR, MappingNeeded, parse_map_options
    from eczane.importers.tabular import ImportRefused
    from eczane.store.catalog import MostlyBadRows, import_its_stock

    s = settings()
    db = database(s)
    pid = resolve_pharmacy(db, pharmacy)

    def run(accept: bool) -> Any:
        with _progress() as bar, db.begin() as conn:
            task = bar.add_task("import", total=None)
            return import_its_stock(conn, pid, file, today=parse_today(today), mapping=mapping,
                                    progress=lambda n: bar.advance(task, n),
                                    on_total=lambda n: bar.update(task, total=n),
                                    accept_mostly_bad=accept, data_dir=s.data_dir)

    try:
        mapping = parse_map_options(map_, header_row) if (map_ or header_row is not None) else None
        try:
            summary = run(yes)
        except MostlyBadRows as exc:  # nothing kept: show why and ask (issue 14 finding 1)
            console.print(f"[yellow]{exc.message}[/yellow]")
            print_issues(exc.issues)
            if as_json or not typer.confirm("Yine de içe aktarılsın mı?", default=False):
                if as_json:
                    print_json({"ok": False, "code": exc.code, "message": exc.message,
                                "row_count": exc.ok, "issue_count": exc.bad})
                raise typer.Exit(1) from None
            summary = run(True)
    except MappingNeeded as exc:
        console.print(f"[yellow]{exc.message}[/yellow]")
        for i, row in enumerate(exc.preview[:10], start=1):
            console.print(f"  {i:>2}: " + " | ".join(f"{_letter(j)}={c}" for j, c in enumerate(row) if c))
        console.print("Örnek: eczane its import DOSYA --map gtin=A --map serial=B --map expiry=C "
                      "--map batch=D  (alanlar: " + ", ".join(
                          f"{f} = {FIELD_LABELS_TR[f]}" for f in exc.fields) + ")")
        if as_json:
            print_json({"ok": False, "code": exc.code, "message": exc.message,
                        "preview": exc.preview, "fields": exc.fields})
        raise typer.Exit(3) from None
    except ImportRefused as exc:
        console.print(f"[red]{exc.message}[/red]")
        if as_json:
            print_json({"ok": False, "code": exc.code, "message": exc.message})
        raise typer.Exit(1) from None
    if as_json:
        print_json({"ok": True, **summary.to_json()})
    if summary.already_imported:
        console.print(f"[yellow]Bu dosya daha önce içe aktarılmış (kayıt {summary.id}, "
                      f"{datetime_tr(summary.imported_at)}); yeniden aktarılmadı.[/yellow]")
        return
    console.print(f"[green]İTS stok kaydı {summary.id}: {summary.row_count} kutu alındı[/green], "
                  f"{summary.issue_count} sorunlu satır, {summary.duplicate_count} tekrar, "
                  f"{summary.unknown_products} katalogda olmayan ürün (işaretlendi).")
    for note in summary.notes:
        console.print(note)
    print_issues(summary.issues)


def _letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


@onhand_app.command("import")
def onhand_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="Karekod listesi (TXT/CSV, satır başına bir karekod) veya XLSX."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası (tek eczane varsa gerekmez)."),
    today: str | None = typer.Option(None, help="Bugün (YYYY-AA-GG), karekod yüzyılı için."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Eczane programının karekod listesini içe aktarır ("Elinizde Olmayan Karekodlar" başlığı atlanır)."""
    from eczane.importers.tabular import ImportRefused
    from eczane.store.catalog import import_onhand

    db = database()
    pid = resolve_pharmacy(db, pharmacy)
    try:
        with db.begin() as conn:
            summary = import_onhand(conn, pid, file, today=parse_today(today))
    except ImportRefused as exc:
        console.print(f"[red]{exc.message}[/red]")
        if as_json:
            print_json({"ok": False, "code": exc.code, "message": exc.message})
        raise typer.Exit(1) from None
    if as_json:
        print_json({"ok": True, **summary.to_json()})
    console.print(f"[green]Karekod listesi {summary.id}: {summary.row_count} karekod alındı[/green], "
                  f"{summary.issue_count} okunamayan satır, {summary.duplicate_count} tekrar.")
    for note in summary.notes:
        console.print(note)
    print_issues(summary.issues)


@its_app.command("list")
def its_list(
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası (tek eczane varsa gerekmez)."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """İçe aktarılmış İTS stok listelerini (en yenisi önce) gösterir."""
    from eczane.store.catalog import list_snapshots

    db = database()
    pid = resolve_pharmacy(db, pharmacy)
    with db.connect() as conn:
        rows = list_snapshots(conn, pid, limit=100)
    if as_json:
        print_json([{"id": r.id, "imported_at": r.imported_at.isoformat(),
                     "source_name": r.source_name, "sha256": r.sha256, "row_count": r.row_count,
                     "issue_count": r.issue_count, "duplicate_count": r.duplicate_count,
                     "has_tx_date": r.has_tx_date} for r in rows])
        return
    from rich.table import Table

    table = Table(title="İTS stok listeleri")
    for col in ("No", "Tarih", "Dosya", "Kutu", "Sorunlu", "Tekrar"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r.id), datetime_tr(r.imported_at), r.source_name,
                      str(r.row_count), str(r.issue_count), str(r.duplicate_count))
    console.print(table)
