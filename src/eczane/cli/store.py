"""``eczane backup``, ``eczane restore`` and ``eczane catalog import``.

Seed 000 step 3: back up before the stock reset. Exit codes: 0 done, 1 refused, 2 usage.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import typer

from eczane.cli.common import console, database, print_json, resolve_pharmacy, settings
from eczane.cli.its import print_issues

catalog_app = typer.Typer(help="İlaç kataloğu (GTIN → ad, form, firma, reçete türü).",
                          no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.add_typer(catalog_app, name="catalog")


def backup(
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Yedek dosyası (varsayılan: data_dir/backups/…)."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Eczane numarası (tek eczane varsa gerekmez)."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Eczanenin bütün verisini tek bir dosyaya yedekler (stok sıfırlamadan önce alın)."""
    from eczane.store.backup import write_backup

    s = settings()
    db = database(s)
    pid = resolve_pharmacy(db, pharmacy)
    path = out or s.data_dir / "backups" / f"eczane-{pid}-{datetime.now():%Y%m%d-%H%M%S}.jsonl.gz"
    with db.begin() as conn:
        info = write_backup(conn, pid, path)
    if as_json:
        print_json({"ok": True, "path": str(info.path), "pharmacy_id": pid, "tables": info.tables,
                    "rows": info.rows, "sha256": info.sha256, "created_at": info.created_at})
    console.print(f"[green]Yedek alındı:[/green] {info.path} ({info.rows} satır, "
                  f"{sum(1 for v in info.tables.values() if v)} tablo)")


def restore(
    file: Path = typer.Argument(..., help="Geri yüklenecek yedek dosyası."),
    pharmacy: int | None = typer.Option(None, "--pharmacy", "--pharmacy-id",
                                        help="Beklenen eczane numarası (yanlış dosyaya karşı)."),
    yes: bool = typer.Option(False, "--yes", help="Onay sormadan geri yükle."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Yedeği geri yükler: eczanenin şimdiki verisi yedektekiyle değiştirilir."""
    from eczane.store.backup import BackupError, read_manifest, restore_backup

    db = database()
    try:
        manifest = read_manifest(file)
        if not yes and not typer.confirm(
                f"{manifest['pharmacy_id']} numaralı eczanenin verisi {manifest['created_at']} "
                "tarihli yedekle değiştirilecek. Devam edilsin mi?"):
            raise typer.Exit(1)
        with db.begin() as conn:
            info = restore_backup(conn, file, pharmacy_id=pharmacy)
    except BackupError as exc:
        console.print(f"[red]{exc.message}[/red]")
        if as_json:
            print_json({"ok": False, "code": exc.code, "message": exc.message})
        raise typer.Exit(1) from None
    if as_json:
        print_json({"ok": True, "pharmacy_id": info.pharmacy_id, "tables": info.tables,
                    "rows": info.rows, "created_at": info.created_at})
    console.print(f"[green]Geri yüklendi:[/green] eczane {info.pharmacy_id}, {info.rows} satır "
                  f"({info.created_at} tarihli yedek).")


@catalog_app.command("import")
def catalog_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="CSV (gtin,name,prescription_class,…) veya kurum listesi XLSX."),
    source: str = typer.Option("", help="Kaynak adı (varsayılan: dosya adı)."),
    as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yaz."),
) -> None:
    """Ürün listesini kataloğa ekler/günceller; tanınmayan GTIN işaretleri kalkar."""
    from eczane.importers.catalog import read_catalog
    from eczane.importers.tabular import ImportRefused
    from eczane.store.catalog import upsert_products

    db = database()
    try:
        f = read_catalog(file)
    except ImportRefused as exc:
        console.print(f"[red]{exc.message}[/red]")
        if as_json:
            print_json({"ok": False, "code": exc.code, "message": exc.message})
        raise typer.Exit(1) from None
    with db.begin() as conn:
        n = upsert_products(conn, f.products, source or file.name)
    if as_json:
        print_json({"ok": True, "products": n, "issues": [asdict(i) for i in f.issues]})
    console.print(f"[green]{n} ürün kataloğa yazıldı[/green], {len(f.issues)} sorunlu satır.")
    print_issues(f.issues)

